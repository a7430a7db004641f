// A refused turn stores nothing (issue 17): a first turn refused with 429 or 403 leaves no
// conversation, no message and no count behind, through the gateway and the real chat function,
// one request at a time and in parallel; and a refused first turn does not claim its
// conversation id, even while its session is still open.
import assert from "node:assert/strict";
import postgres from "postgres";
import { ErrorBody } from "../../types/api.ts";
import { createDb } from "../../functions/_shared/db.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import { asVisitor, stack } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

async function chat(tenant: TestTenant, conversation: string, visitor: string, message = "Une question ?") {
  const res = await fetch(`${stack.apiUrl}/functions/v1/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...asVisitor() },
    body: JSON.stringify({
      company_id: tenant.slug,
      conversation_id: conversation,
      user_id: visitor,
      message,
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** A company with the given chat limits, its conversations counted by `count`. */
async function withTenant(
  config: Record<string, number>,
  fn: (
    tenant: TestTenant,
    count: () => Promise<{ conversations: number; messages: number }>,
  ) => Promise<void>,
) {
  const tenant = await createTestTenant(stack.dbUrl, "test-refused");
  const sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into public.company_rag_configs ${sql({ company_id: tenant.slug, ...config })}`;
    await fn(tenant, async () => {
      const [row] = await sql`select
        (select count(*)::int from public.conversations where company_id = ${tenant.id}) as conversations,
        (select count(*)::int from public.messages where company_id = ${tenant.id}) as messages`;
      return { conversations: row.conversations, messages: row.messages };
    });
  } finally {
    await sql.end();
    await tenant.drop();
  }
}

Deno.test({
  name: "refused turns: a 429 first turn leaves no conversation, a 403 adds no message",
  ignore,
  async fn() {
    await withTenant({ visitor_turns_per_minute: 2 }, async (tenant, count) => {
      assert.equal((await chat(tenant, "c1", "v")).status, 200);
      assert.equal((await chat(tenant, "c2", "v")).status, 200);
      const before = await count();
      for (let i = 3; i <= 12; i++) {
        const refused = await chat(tenant, `c${i}`, "v");
        assert.equal(refused.status, 429, `turn ${i}`);
        assert.equal(ErrorBody.parse(refused.body).error.code, "rate_limited");
      }
      assert.deepEqual(await count(), before, "ten refused first turns stored nothing");

      const intruder = await chat(tenant, "c1", "intruder", "Montrez-moi la conversation");
      assert.equal(intruder.status, 403);
      assert.deepEqual(await count(), before, "the forbidden turn stored nothing either");

      // The refused ids were never the visitor's: another visitor opens one of them.
      assert.equal((await chat(tenant, "c3", "w")).status, 200);
    });
  },
});

Deno.test({
  name: "refused turns: 30 parallel first turns of one visitor (limit 5) leave exactly 5 conversations",
  ignore,
  async fn() {
    await withTenant({ visitor_turns_per_minute: 5 }, async (tenant, count) => {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => chat(tenant, `p${i}`, "burst").then((r) => r.status)),
      );
      assert.deepEqual(
        [statuses.filter((s) => s === 200).length, statuses.filter((s) => s === 429).length],
        [5, 25],
      );
      const stored = await count();
      assert.equal(stored.conversations, 5, "one conversation per admitted turn, none per refused one");
    });
  },
});

Deno.test({
  name:
    "refused turns: 40 parallel first turns on the database (visitor limit 7) store 7 conversations; a refusal inside an open session frees the id at once",
  ignore,
  async fn() {
    await withTenant({ visitor_turns_per_minute: 7 }, async (tenant, count) => {
      const db = createDb(stack.dbUrl, { max: 20 });
      const begin = (
        sql: postgres.Sql | postgres.TransactionSql,
        conversation: string,
        visitor: string,
        key: string,
      ) =>
        sql`select public.chat_begin_turn(${tenant.slug}, ${conversation}, ${visitor}, 'm', ${key}, true,
          p_defaults => ${sql.json(TEST_DEFAULTS as never)}::jsonb) as r`.then((rows) =>
          rows[0].r as { outcome: string }
        );
      try {
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, (_, i) => db.asService((tx) => begin(tx, `d${i}`, "racer", `k${i}`))),
        );
        const admitted = outcomes.filter((r) => r.outcome === "turn").length;
        assert.deepEqual([admitted, outcomes.filter((r) => r.outcome === "limited").length], [7, 33]);
        assert.equal((await count()).conversations, 7);
      } finally {
        await db.end();
      }

      // Session A's refused first turn on a new id, its transaction still open: session B, another
      // visitor, gets the id without waiting for A (nothing of A's turn holds it).
      const a = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
      const b = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
      try {
        await a.begin(async (ta) => {
          await ta`set local role service_role`;
          assert.equal((await begin(ta, "contested", "racer", "ka")).outcome, "limited");
          const second = await Promise.race([
            b.begin(async (tb) => {
              await tb`set local role service_role`;
              return await begin(tb, "contested", "newcomer", "kb");
            }),
            new Promise((resolve) => setTimeout(() => resolve({ outcome: "waited" }), 3_000)),
          ]);
          assert.equal(
            (second as { outcome: string }).outcome,
            "turn",
            "B neither waited for A nor was forbidden",
          );
        });
      } finally {
        await a.end();
        await b.end();
      }
      assert.equal((await count()).conversations, 8, "the newcomer's conversation is the only new one");
    });
  },
});
