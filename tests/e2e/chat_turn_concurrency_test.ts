// The turn's rules under real concurrency, on Postgres: two sessions at once on one
// conversation (the first-turn race, a key retried in parallel), and many parallel turns
// against one limit. public.chat_begin_turn is called as the chat function calls it.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createDb } from "../../functions/_shared/db.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import { stack } from "../support/stack.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

type Sql = postgres.Sql | postgres.TransactionSql;
function beginTurn(
  sql: Sql,
  t: { company: string; conversation: string; visitor: string; message: string; key: string },
) {
  return sql`select public.chat_begin_turn(${t.company}, ${t.conversation}, ${t.visitor}, ${t.message}, ${t.key}, true,
    p_defaults => ${sql.json(TEST_DEFAULTS as never)}::jsonb) as r`.then((rows) =>
    rows[0].r as { outcome: string }
  );
}

/** Runs `first` in a transaction of session A, and `second` in session B while A is still open. */
async function twoSessions(
  first: (a: postgres.TransactionSql) => Promise<{ outcome: string }>,
  second: (b: postgres.TransactionSql) => Promise<{ outcome: string }>,
) {
  const a = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  const b = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  try {
    let bDone = false;
    let bResult!: Promise<{ outcome: string }>;
    const aResult = await a.begin(async (ta) => {
      await ta`set local role service_role`;
      const r = await first(ta);
      bResult = b.begin(async (tb) => {
        await tb`set local role service_role`;
        return await second(tb);
      }).then((r) => {
        bDone = true;
        return r as { outcome: string };
      });
      // B must wait for A: the conversation (or the key's message) A wrote is not committed yet.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(bDone, false, "session B waited for session A's commit");
      return r;
    });
    return { a: aResult as { outcome: string }, b: await bResult };
  } finally {
    await a.end();
    await b.end();
  }
}

Deno.test({
  name:
    "concurrency: two visitors' first turns on one new conversation id: the first owns it, the second is forbidden",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-race");
    try {
      const turn = { company: tenant.slug, conversation: "race-1", key: "k" };
      const { a, b } = await twoSessions(
        (ta) => beginTurn(ta, { ...turn, visitor: "first", message: "Bonjour, je suis Anne" }),
        (tb) => beginTurn(tb, { ...turn, visitor: "second", message: "Mon numéro est le 06 12 34 56 78" }),
      );
      assert.deepEqual([a.outcome, b.outcome], ["turn", "forbidden"]);
      const probe = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
      try {
        const rows = await probe`select m.content from public.messages m
          join public.conversations c on c.id = m.conversation_id where c.external_id = 'race-1'`;
        assert.deepEqual(
          rows.map((r) => r.content),
          ["Bonjour, je suis Anne"],
          "the loser's message is nowhere",
        );
      } finally {
        await probe.end();
      }
    } finally {
      await tenant.drop();
    }
  },
});

Deno.test({
  name: "concurrency: a key retried while its first attempt runs is 'in progress', answered once",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-retry");
    try {
      const turn = {
        company: tenant.slug,
        conversation: "retry-1",
        visitor: "v",
        message: "Kajabi ?",
        key: "same-key",
      };
      const { a, b } = await twoSessions((ta) => beginTurn(ta, turn), (tb) => beginTurn(tb, turn));
      assert.deepEqual([a.outcome, b.outcome], ["turn", "in_progress"]);
    } finally {
      await tenant.drop();
    }
  },
});

Deno.test({
  name:
    "concurrency: 40 parallel turns on one conversation (limit 10) and 40 on one company (limit 15) admit exactly the limit",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-burst");
    const db = createDb(stack.dbUrl, { max: 20 });
    try {
      const conversation = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          db.asService((tx) =>
            beginTurn(tx, {
              company: tenant.slug,
              conversation: "burst",
              visitor: "v",
              message: `m${i}`,
              key: `k${i}`,
            })
          )),
      );
      const count = (rs: { outcome: string }[], outcome: string) =>
        rs.filter((r) => r.outcome === outcome).length;
      assert.deepEqual([count(conversation, "turn"), count(conversation, "limited")], [10, 30]);

      await db
        .sql`insert into public.company_rag_configs (company_id, company_turns_per_minute) values (${tenant.slug}, 15)`;
      const company = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          db.asService((tx) =>
            beginTurn(tx, {
              company: tenant.slug,
              conversation: `c${i}`,
              visitor: `v${i}`,
              message: "m",
              key: "k",
            })
          )),
      );
      // 10 slots of the company's minute went to the first burst.
      assert.equal(count(company, "turn"), 5);
      assert.ok(
        company.filter((r) => r.outcome === "limited").every((r) =>
          (r as { refused?: { name: string } }).refused?.name === "company"
        ),
      );
    } finally {
      await db.end();
      await tenant.drop();
    }
  },
});
