import assert from "node:assert/strict";
import { createDb } from "../_shared/db.ts";
import { SCHEMA_VERSION, VERSION } from "../_shared/version.ts";
import { HealthResponse } from "../../types/api.ts";
import { stack } from "../../tests/support/stack.ts";
import { createHandler, type HealthDeps } from "./handler.ts";

const providers = { embeddings: "offline", llm: "offline", rerank: "none" };

async function check(deps: Partial<HealthDeps> & { dbUrl: string }) {
  const db = createDb(deps.dbUrl, { max: 1 });
  try {
    const handler = createHandler({
      sql: db.sql,
      providers,
      version: VERSION,
      schemaVersion: SCHEMA_VERSION,
      ...deps,
    });
    const res = await handler(new Request("http://x/health"));
    return { status: res.status, body: HealthResponse.parse(await res.json()) };
  } finally {
    await db.end();
  }
}

Deno.test({
  name: "health is healthy on the migrated database and reports the providers, never a key",
  ignore: !stack.available,
  async fn() {
    const { status, body } = await check({ dbUrl: stack.dbUrl });
    assert.equal(status, 200);
    assert.equal(body.status, "healthy");
    assert.equal(body.services.database, "ok");
    assert.equal(body.services.migrations.status, "ok");
    assert.equal(body.services.migrations.latest, SCHEMA_VERSION);
    assert.deepEqual([body.services.embeddings, body.services.llm, body.services.rerank], [
      "offline",
      "offline",
      "none",
    ]);
  },
});

Deno.test({
  name: "health is 503 degraded when the database is behind the functions' schema",
  ignore: !stack.available,
  async fn() {
    const { status, body } = await check({ dbUrl: stack.dbUrl, schemaVersion: "29991231000000" });
    assert.equal(status, 503);
    assert.equal(body.status, "degraded");
    assert.equal(body.services.migrations.status, "behind");
  },
});

Deno.test("health is 503 degraded, not a crash, when the database is unreachable", async () => {
  const { status, body } = await check({
    dbUrl: "postgresql://postgres:postgres@127.0.0.1:1/postgres",
    timeoutMs: 2000,
  });
  assert.equal(status, 503);
  assert.equal(body.status, "degraded");
  assert.equal(body.services.database, "unreachable");
});
