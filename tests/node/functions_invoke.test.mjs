// The frontend's own path, from Node: supabase-js (with ws as its realtime transport under
// Node 20) → functions.invoke → the functions server → Postgres.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import ws from "ws";

const url = process.env.SUPABASE_URL;
const publishableKey = process.env.COMPTOIR_PUBLISHABLE_KEY;

test("createClient(url, publishableKey).functions.invoke('health') returns the health JSON", {
  skip: !url && "no stack",
}, async () => {
  const supabase = createClient(url, publishableKey, {
    realtime: { transport: ws },
    auth: { persistSession: false },
  });
  const { data, error } = await supabase.functions.invoke("health", { method: "GET" });
  assert.equal(error, null);
  assert.equal(data.status, "healthy");
  assert.deepEqual(Object.keys(data.services).sort(), [
    "database",
    "embeddings",
    "llm",
    "migrations",
    "rerank",
  ]);
  assert.equal(data.services.database, "ok");
  assert.equal(typeof data.version, "string");
});
