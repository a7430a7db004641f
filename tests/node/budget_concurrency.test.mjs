// The monthly budget under real concurrency: 50 separate Postgres sessions each run a turn's
// two round trips — reserve before the paid call (public.budget_reserve), then record the call
// in the ledger (public.ledger_record, which releases the reservation) — all at once, against a
// budget that admits exactly N of them at their ceiling. Exactly N are allowed, 0 calls are
// recorded past the cap, and what the ledger says was spent never passes it; the month after,
// the budget starts again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pg from "pg";

const dbUrl = process.env.SUPABASE_DB_URL;
const skip = !dbUrl && "no database (run through npm test: SUPABASE_DB_URL)";
const slug = `budget-race-${randomUUID().slice(0, 8)}`;
const model = `budget-test-${randomUUID().slice(0, 8)}`;
let owner;
let company;

async function connect() {
  const client = new pg.Client({ connectionString: dbUrl, options: "-c client_min_messages=warning" });
  await client.connect();
  return client;
}

before(async () => {
  if (skip) return;
  owner = await connect();
  const { rows: [row] } = await owner.query(
    `insert into public.companies (slug, name) values ($1, 'Budget race') returning id`,
    [slug],
  );
  company = row.id;
  // 1 USD a million tokens in and out: a call of at most 100,000 in and 100,000 out is 0.2 USD.
  await owner.query(
    `insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from)
     values ('budgettest', $1, 1, 1, '2026-01-01')`,
    [model],
  );
});

after(async () => {
  if (skip) return;
  await owner.query(`delete from public.companies where id = $1`, [company]);
  await owner.query(`delete from public.model_prices where provider = 'budgettest' and model = $1`, [model]);
  await owner.end();
});

test("50 turns at once against a budget for 7: exactly 7 paid calls, none past the cap; the next month starts again", { skip }, async () => {
  // 1.5 USD: seven ceilings of 0.2 USD fit (1.4), the eighth would not.
  await owner.query(`insert into public.company_budgets (company_id, monthly_limit) values ($1, 1.5)`, [company]);
  const ceiling = JSON.stringify([{ provider: "budgettest", model, max_input_tokens: 100_000, max_output_tokens: 100_000 }]);
  const sessions = await Promise.all(Array.from({ length: 50 }, () => connect()));
  try {
    const outcomes = await Promise.all(sessions.map(async (session, i) => {
      await session.query("set role service_role");
      const { rows: [{ r }] } = await session.query(`select public.budget_reserve($1, $2::jsonb) as r`, [company, ceiling]);
      if (!r.allowed) return "refused";
      // The paid call, as dear as its ceiling allows (100,000 + 100,000 tokens: 0.2 USD).
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 7)));
      await session.query(`select public.ledger_record($1, 'chat', null, $2::jsonb, $3)`, [
        company,
        JSON.stringify([{ kind: "chat", provider: "budgettest", model, prompt_tokens: 100_000, completion_tokens: 100_000, outcome: "ok" }]),
        r.reservation,
      ]);
      return "paid";
    }));
    assert.equal(outcomes.filter((o) => o === "paid").length, 7, "exactly the seven that fit at their ceiling");
    assert.equal(outcomes.filter((o) => o === "refused").length, 43);
    const { rows: [month] } = await owner.query(
      `select (select count(*)::int from public.usage_ledger where company_id = $1) as calls,
        (select spent_usd::float8 from public.budget_months where company_id = $1) as spent,
        (select count(*)::int from private.budget_reservations where company_id = $1) as held`,
      [company],
    );
    assert.deepEqual(month, { calls: 7, spent: 1.4, held: 0 }, "0 calls past the cap; every reservation settled");
    assert.ok(month.spent <= 1.5);
    // The month after (the company's time zone): a fresh budget.
    const { rows: [{ r }] } = await owner.query(
      `select private.budget_reserve($1, $2::jsonb, (date_trunc('month', now() at time zone 'Europe/Paris') + interval '1 month 1 hour') at time zone 'Europe/Paris') as r`,
      [company, ceiling],
    );
    assert.equal(r.allowed, true);
    assert.equal(Number(r.remaining_usd).toFixed(2), "1.30", "1.5 − this reservation's 0.2, nothing spent yet this month");
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
  }
});
