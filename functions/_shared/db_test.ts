import assert from "node:assert/strict";
import { createDb } from "./db.ts";
import { stack } from "../../tests/support/stack.ts";

Deno.test({
  name: "asUser runs as authenticated with the caller's claims, so auth.uid() and RLS see the user",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const sub = crypto.randomUUID();
      const [row] = await db.asUser(
        { role: "authenticated", sub },
        (tx) => tx`select current_user as role, auth.uid()::text as uid, auth.role() as claim_role`,
      );
      assert.deepEqual({ ...row }, { role: "authenticated", uid: sub, claim_role: "authenticated" });
      // The settings are transaction-local: the pooled connection is back to its own role.
      const [after] = await db.sql`select current_user as role, auth.uid() as uid`;
      assert.deepEqual({ ...after }, { role: "postgres", uid: null });
    } finally {
      await db.end();
    }
  },
});

Deno.test({
  name:
    "asUser and asService with an async step that awaits its first query at once still run it in the role (regression)",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const sub = crypto.randomUUID();
      // Before the fix the first query was sent before the role was set: it ran as postgres.
      const first = await db.asUser({ role: "authenticated", sub }, async (tx) => {
        const [row] = await tx`select current_user as role, auth.uid()::text as uid`;
        return row;
      });
      assert.deepEqual({ ...first }, { role: "authenticated", uid: sub });
      const service = await db.asService(async (tx) => {
        const [row] = await tx`select current_user as role`;
        return row.role;
      });
      assert.equal(service, "service_role");
    } finally {
      await db.end();
    }
  },
});

Deno.test({
  name: "asService runs as service_role; asUser refuses claims that are not a signed-in user's",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const [row] = await db.asService((tx) => tx`select current_user as role, auth.role() as claim_role`);
      assert.deepEqual({ ...row }, { role: "service_role", claim_role: "service_role" });
      assert.throws(
        () => db.asUser({ role: "anon", sub: crypto.randomUUID() }, (tx) => tx`select 1`),
        /authenticated user's/,
      );
    } finally {
      await db.end();
    }
  },
});

Deno.test({
  name: "a failing step rolls its whole transaction back",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      await assert.rejects(db.asService(async (tx) => {
        await tx`create table public.db_test_rollback_probe (n int)`;
        await tx`select 1/0`;
      }));
      const [{ exists }] = await db
        .sql`select to_regclass('public.db_test_rollback_probe') is not null as exists`;
      assert.equal(exists, false);
    } finally {
      await db.end();
    }
  },
});

Deno.test({
  name: "a step's statement_timeout applies to its own transaction only",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const [row] = await db.asService((tx) => tx`select current_setting('statement_timeout') as timeout`, {
        statementTimeoutMs: 1500,
      });
      assert.equal(row.timeout, "1500ms");
      await assert.rejects(
        db.asService((tx) => tx`select pg_sleep(1)`, { statementTimeoutMs: 50 }),
        /canceling statement due to statement timeout/,
      );
      const [after] = await db.sql`select current_setting('statement_timeout') as timeout`;
      // Back to the platform's global limit (2 minutes, as on a hosted project).
      assert.equal(after.timeout, "2min");
    } finally {
      await db.end();
    }
  },
});
