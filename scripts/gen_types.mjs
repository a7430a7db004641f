// Prints supabase-js `Database` types for the database at argv[2], as `supabase gen types
// typescript` does: postgres-meta's server in its one-shot generator mode.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const dbUrl = process.argv[2];
if (!dbUrl) {
  console.error("usage: node scripts/gen_types.mjs <postgres url>");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const server = join(
  dirname(require.resolve("@supabase/postgres-meta/package.json")),
  "dist/server/server.js",
);
const run = spawnSync(process.execPath, [server], {
  env: {
    ...process.env,
    PG_META_DB_URL: dbUrl,
    PG_META_GENERATE_TYPES: "typescript",
    PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: "public",
    PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: "true",
  },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
if (run.status !== 0 || !run.stdout.includes("export type Database")) {
  console.error(
    `gen_types: postgres-meta failed (exit ${run.status})\n${run.stderr.split("\n").slice(-10).join("\n")}`,
  );
  process.exit(1);
}
process.stdout.write(run.stdout);
