// check_rate_limit is atomic: concurrent callers on many connections never get more admissions
// than the limit. (One pgTAP transaction cannot show this; separate sessions can.)
import assert from "node:assert/strict";
import { createDb } from "../../functions/_shared/db.ts";

const dbUrl = Deno.env.get("SUPABASE_DB_URL");

Deno.test({
  name: "50 concurrent check_rate_limit calls on one fresh key with a limit of 10 admit exactly 10",
  ignore: !dbUrl,
  async fn() {
    const db = createDb(dbUrl!, { max: 16 });
    const key = `test:concurrency:${crypto.randomUUID()}`;
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          db.asService(async (tx) => {
            const [row] = await tx`
              select r.allowed, r.remaining, pg_backend_pid() as pid
              from public.check_rate_limit(${key}, 10, 60) r`;
            return row as unknown as { allowed: boolean; remaining: number; pid: number };
          })),
      );

      const connections = new Set(results.map((r) => r.pid)).size;
      assert.ok(
        connections >= 10,
        `expected the calls to spread over at least 10 connections, got ${connections}`,
      );

      const admitted = results.filter((r) => r.allowed);
      assert.equal(admitted.length, 10);
      // Each admission saw a distinct count: the calls were serialised on the key's row.
      assert.deepEqual(admitted.map((r) => r.remaining).sort((a, b) => a - b), [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
      ]);
      assert.ok(results.filter((r) => !r.allowed).every((r) => r.remaining === 0));
    } finally {
      await db.end();
    }
  },
});
