import assert from "node:assert/strict";
import { SCHEMA_VERSION } from "../../functions/_shared/version.ts";

Deno.test("SCHEMA_VERSION names the newest migration, so health's `behind` check cannot go stale", async () => {
  const versions: string[] = [];
  for await (const entry of Deno.readDir(new URL("../../supabase/migrations/", import.meta.url))) {
    if (entry.name.endsWith(".sql")) versions.push(entry.name.split("_")[0]);
  }
  assert.ok(versions.length > 0);
  assert.equal(SCHEMA_VERSION, versions.sort().at(-1));
});

Deno.test("migration files follow `supabase db push`'s <UTC timestamp>_<kebab-feature>.sql", async () => {
  for await (const entry of Deno.readDir(new URL("../../supabase/migrations/", import.meta.url))) {
    assert.match(entry.name, /^\d{14}_[a-z0-9]+(-[a-z0-9]+)*\.sql$/);
  }
});
