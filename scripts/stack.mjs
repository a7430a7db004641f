// Which stack the scripts talk to (`npm run demo*`, `npm run tenant`, `npm run ingest`,
// examples/frontend.mjs): the one `npm start` started in this checkout, never whatever answers
// on port 54321. `npm start` writes its address, database URL and keys to `stack.json` beside its
// data directory (`.local/stack.json`; `$(dirname $COMPTOIR_DATA_DIR)/stack.json` when that is
// set) once it serves, and removes it when it stops. `SUPABASE_URL` overrides the file (with
// COMPTOIR_PUBLISHABLE_KEY / COMPTOIR_SECRET_KEY for the keys, else the local defaults).
//
//   node scripts/stack.mjs write <url> <db-url> <pid>   (scripts/start.sh, once serving)
//   node scripts/stack.mjs remove <pid>                  (scripts/start.sh, on exit)
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The Supabase CLI's local default keys, which `npm start` uses unless told otherwise. */
export const DEFAULT_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const DEFAULT_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

/** The stack file of this checkout (or of the data directory COMPTOIR_DATA_DIR names). */
export function stackFile(env = process.env) {
  const dataDir = env.COMPTOIR_DATA_DIR ? resolve(env.COMPTOIR_DATA_DIR) : join(ROOT, ".local/db");
  return join(dirname(dataDir), "stack.json");
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM"; // running, as another user
  }
}

/**
 * The stack to talk to: `{ url, dbUrl, publishableKey, secretKey, from }` where `from` says how
 * it was chosen (for the line each script prints). Throws, naming what to do, when SUPABASE_URL is
 * not set and no `npm start` of this checkout is running.
 */
export function localStack(env = process.env) {
  if (env.SUPABASE_URL) {
    return {
      url: env.SUPABASE_URL.replace(/\/+$/, ""),
      dbUrl: env.SUPABASE_DB_URL,
      publishableKey: env.COMPTOIR_PUBLISHABLE_KEY ?? DEFAULT_PUBLISHABLE_KEY,
      secretKey: env.COMPTOIR_SECRET_KEY ?? DEFAULT_SECRET_KEY,
      from: "SUPABASE_URL",
    };
  }
  return readStackFile(env);
}

/** The running `npm start` of this checkout, from its stack file only (SUPABASE_URL is not read). */
export function readStackFile(env = process.env, override = "SUPABASE_URL") {
  const file = stackFile(env);
  const shown = relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file);
  if (!existsSync(file)) {
    throw new Error(
      `no local stack of this checkout is running (${shown} not found): start it with \`npm start\` ` +
        `(in this checkout, with the same COMPTOIR_DATA_DIR), or set ${override}`,
    );
  }
  const stack = JSON.parse(readFileSync(file, "utf8"));
  if (!alive(stack.pid)) {
    throw new Error(
      `the \`npm start\` that wrote ${shown} is no longer running (pid ${stack.pid}): start it again, ` +
        `or set ${override}`,
    );
  }
  return {
    url: stack.url,
    dbUrl: stack.db_url,
    publishableKey: stack.publishable_key,
    secretKey: stack.secret_key,
    from: `npm start of this checkout, ${shown}`,
  };
}

/** The line a script prints first: where it writes. */
export function describeStack(stack) {
  return `stack: ${stack.url} (${stack.from})`;
}

/**
 * `localStack()` for a script's top level: on failure prints the reason and exits 1 before any
 * request is made.
 */
export function scriptStack(name, env = process.env) {
  try {
    return localStack(env);
  } catch (error) {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, ...args] = process.argv.slice(2);
  const file = stackFile();
  if (command === "write") {
    const [url, dbUrl, pid] = args;
    const stack = {
      url,
      db_url: dbUrl,
      publishable_key: process.env.COMPTOIR_PUBLISHABLE_KEY ?? DEFAULT_PUBLISHABLE_KEY,
      secret_key: process.env.COMPTOIR_SECRET_KEY ?? DEFAULT_SECRET_KEY,
      pid: Number(pid),
      checkout: ROOT,
      started_at: new Date().toISOString(),
    };
    writeFileSync(`${file}.tmp`, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  } else if (command === "remove") {
    // Only the file this stack wrote: a second `npm start` that failed must not remove the first's.
    const written = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
    if (written?.pid === Number(args[0])) rmSync(file, { force: true });
  } else {
    console.error("usage: node scripts/stack.mjs write <url> <db-url> <pid> | remove <pid>");
    process.exit(2);
  }
}
