// The assistant's usage ledger and budget (issue 20), end to end through the handler against
// the fake providers (the real SDKs): one ledger row per call written by the finishing round
// trip (failed attempts as error rows, a fallback as the model that answered; costs from the
// provider, the price table, or flagged unpriced); at the cap the budget's fallback model or the
// offline answer with a polite note, never an error; the soft threshold's activity once; 50
// concurrent turns against a budget that admits N of them: exactly N paid; the month boundary
// in the company's time zone.
import assert from "node:assert/strict";
import { createDb, type Db } from "../../functions/_shared/db.ts";
import { assistantModels, CAP_NOTE } from "../../functions/_shared/assistant/spend.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler } from "../../functions/assistant/handler.ts";
import { AssistantAskResponse } from "../../types/api.ts";
import { fakeOpenRouterCost, type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { asUser, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;
const QUESTION = "Combien de clients ai-je ?";

interface Setup {
  fake: FakeProviders;
  db: Db;
  tenant: TestTenant;
  ask(body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  ledger(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A fresh company, the fake providers (OpenRouter, then Groq) and the assistant's handler on them. */
async function setup(options: { timeoutMs?: number; pool?: number } = {}): Promise<Setup> {
  const fake = await startFakeProviders();
  const { OPENAI_API_KEY: _o, DEEPSEEK_API_KEY: _d, COHERE_API_KEY: _c, ...env } = fake.env();
  const config = readProviderConfig({
    ...env,
    PROVIDER_MAX_RETRIES: "0",
    PROVIDER_TIMEOUT_MS: String(options.timeoutMs ?? 5_000),
    CHAT_MODEL: "anthropic/claude-3.5-sonnet",
    ROUTER_MODEL: "anthropic/claude-3.5-haiku",
  });
  const providers = createProviders(config);
  const db = createDb(stack.dbUrl, { max: options.pool ?? 4 });
  const tenant = await createTestTenant(stack.dbUrl, "test-ledger");
  const handler = createHandler({
    db,
    chat: providers.chat,
    router: providers.router,
    offline: false,
    models: assistantModels(config),
    timeoutMs: config.timeoutMs,
    auth: await stackAuthenticator(),
  });
  return {
    fake,
    db,
    tenant,
    async ask(body = {}) {
      const res = await handler(
        new Request("http://x/assistant", {
          method: "POST",
          headers: { "content-type": "application/json", ...(await asUser(tenant.users.owner)) },
          body: JSON.stringify({ message: QUESTION, ...body }),
        }),
      );
      return { status: res.status, body: await res.json() };
    },
    async ledger() {
      return (await db.sql`select provider, model_requested, model_answered, prompt_tokens, completion_tokens,
          cached_tokens, outcome, cost_usd::float8 as cost, cost_source, product, conversation_id::text
        from public.usage_ledger where company_id = ${tenant.id} order by id`).map((r) => ({ ...r }));
    },
    async close() {
      await db.end();
      await tenant.drop();
      await fake.close();
    },
  };
}

const near = (actual: unknown, expected: number) =>
  assert.ok(Math.abs(Number(actual) - expected) < 1e-9, `${actual} ≈ ${expected}`);

Deno.test({
  name:
    "assistant ledger: one row per call in the finishing round trip — the provider's own cost, a fallback as the model that answered, failed attempts as errors, the price table, unpriced flagged",
  ignore,
  async fn() {
    const s = await setup();
    try {
      // 1. OpenRouter answers the router with the model asked for, the answer with its own
      //    fallback; each call's cost is OpenRouter's usage.cost.
      const routerUsage = { prompt_tokens: 100, completion_tokens: 10 };
      const answerUsage = { prompt_tokens: 200, completion_tokens: 50, cached_tokens: 40 };
      s.fake.script("openrouter", [
        { json: { sections: ["clients"] }, usage: routerUsage },
        {
          text: "Vous n'avez encore aucun client.",
          failModels: ["anthropic/claude-3.5-sonnet"],
          usage: answerUsage,
        },
      ]);
      const first = await s.ask();
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const answer = AssistantAskResponse.parse(first.body);
      assert.equal(answer.model, "openai/gpt-4o-mini");
      let rows = await s.ledger();
      assert.equal(rows.length, 2, "one row per call");
      assert.deepEqual(
        rows.map((r) => [r.provider, r.model_requested, r.model_answered, r.outcome, r.cost_source]),
        [
          ["openrouter", "anthropic/claude-3.5-haiku", "anthropic/claude-3.5-haiku", "ok", "provider"],
          ["openrouter", "anthropic/claude-3.5-sonnet", "openai/gpt-4o-mini", "ok", "provider"],
        ],
      );
      near(rows[0].cost, fakeOpenRouterCost(routerUsage));
      near(rows[1].cost, fakeOpenRouterCost(answerUsage));
      assert.deepEqual(rows.map((r) => [r.prompt_tokens, r.completion_tokens, r.cached_tokens]), [[
        100,
        10,
        0,
      ], [200, 50, 40]]);
      assert.ok(rows.every((r) => r.product === "assistant" && r.conversation_id === answer.conversation_id));
      let [month] = await s.db.sql`select spent_usd::float8 as spent, unpriced_calls from public.budget_months
        where company_id = ${s.tenant.id}`;
      near(month.spent, fakeOpenRouterCost(routerUsage) + fakeOpenRouterCost(answerUsage));

      // 2. OpenRouter down: Groq answers both calls, priced from the table; the failed attempts are error rows.
      s.fake.script("openrouter", [{ status: 500 }, { status: 500 }]);
      s.fake.script("chat", [
        { json: { sections: ["clients"] }, usage: { prompt_tokens: 300, completion_tokens: 5 } },
        { text: "Aucun client pour l'instant.", usage: { prompt_tokens: 400, completion_tokens: 20 } },
      ]);
      const second = await s.ask({ conversation_id: answer.conversation_id });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(second.body.model, "llama-3.3-70b-versatile");
      rows = (await s.ledger()).slice(2);
      assert.deepEqual(rows.map((r) => [r.provider, r.model_answered, r.outcome, r.cost_source]), [
        ["openrouter", null, "error", "price_table"],
        ["groq", "llama-3.3-70b-versatile", "ok", "price_table"],
        ["openrouter", null, "error", "price_table"],
        ["groq", "llama-3.3-70b-versatile", "ok", "price_table"],
      ]);
      near(rows[0].cost, 0);
      near(rows[1].cost, (300 * 0.59 + 5 * 0.79) / 1e6);
      near(rows[3].cost, (400 * 0.59 + 20 * 0.79) / 1e6);

      // 3. A model without a price answered: flagged, never counted as 0.
      s.fake.script("openrouter", [{ status: 500 }, { status: 500 }]);
      s.fake.script("chat", [
        { json: { sections: ["clients"] } },
        { text: "Toujours aucun client.", model: "llama-preview-without-price" },
      ]);
      const third = await s.ask({ conversation_id: answer.conversation_id });
      assert.equal(third.status, 200, JSON.stringify(third.body));
      rows = (await s.ledger()).slice(6);
      assert.equal(rows.length, 4);
      assert.deepEqual([rows[3].model_answered, rows[3].cost_source, rows[3].cost], [
        "llama-preview-without-price",
        "unpriced",
        null,
      ]);
      [month] = await s.db
        .sql`select unpriced_calls from public.budget_months where company_id = ${s.tenant.id}`;
      assert.equal(month.unpriced_calls, 1);
      const [{ held }] = await s.db.sql`select count(*)::int as held from private.budget_reservations
        where company_id = ${s.tenant.id}`;
      assert.equal(held, 0, "no budget, nothing held");
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name:
    "assistant budget: at the cap the offline answer with a polite French note (200, no provider called, the cap's activity once); with a fallback model set, that model alone answers and is recorded",
  ignore,
  async fn() {
    const s = await setup();
    const cheap = `test/assistant-cheap-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await s.db
        .sql`insert into public.company_budgets (company_id, monthly_limit) values (${s.tenant.id}, 1)`;
      await s.db.sql`insert into public.budget_months (company_id, month, spent_usd)
        values (${s.tenant.id}, private.budget_month(${s.tenant.id}::uuid, now()), 0.999)`;
      for (let i = 0; i < 2; i++) {
        const res = await s.ask();
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const answer = AssistantAskResponse.parse(res.body);
        assert.equal(answer.model, "offline");
        assert.equal(answer.offline, true);
        assert.match(answer.reply, /^Vous avez 0 client/);
        assert.ok(answer.reply.endsWith(CAP_NOTE), answer.reply);
      }
      assert.equal(s.fake.requests.length, 0, "no paid call past the cap");
      assert.equal((await s.ledger()).length, 0);
      const activities = await s.db.sql`select type from public.activities where company_id = ${s.tenant.id}`;
      assert.deepEqual(activities.map((a) => a.type), ["budget.cap"], "the cap's activity, once");

      // A fallback model: reserved again, called alone (no OpenRouter fallbacks), recorded.
      await s.db
        .sql`insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from, source)
        values ('openrouter', ${cheap}, 0.01, 0.01, '2020-01-01', 'assistant_ledger_test')`;
      await s.db
        .sql`update public.company_budgets set fallback_model = ${cheap} where company_id = ${s.tenant.id}`;
      const usage = { prompt_tokens: 900, completion_tokens: 30 };
      s.fake.script("openrouter", { text: "Vous n'avez encore aucun client.", usage });
      const res = await s.ask();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.model, cheap);
      assert.equal(res.body.reply, "Vous n'avez encore aucun client.");
      assert.equal(s.fake.requests.length, 1, "the router is skipped at the cap");
      assert.equal(s.fake.requests[0].body?.model, cheap);
      assert.equal(s.fake.requests[0].body?.models, undefined);
      const rows = await s.ledger();
      assert.deepEqual(rows.map((r) => [r.model_requested, r.model_answered, r.cost_source]), [[
        cheap,
        cheap,
        "provider",
      ]]);
      near(rows[0].cost, fakeOpenRouterCost(usage));
      const [{ held }] = await s.db.sql`select count(*)::int as held from private.budget_reservations
        where company_id = ${s.tenant.id}`;
      assert.equal(held, 0, "the fallback's reservation is released by the finishing round trip");
    } finally {
      await s.db.sql`delete from public.model_prices where model = ${cheap}`;
      await s.close();
    }
  },
});

Deno.test({
  name: "assistant budget: the soft threshold's activity and flag, once a month",
  ignore,
  async fn() {
    const s = await setup();
    try {
      await s.db
        .sql`insert into public.company_budgets (company_id, monthly_limit, soft_ratio) values (${s.tenant.id}, 1, 0.5)`;
      await s.db.sql`insert into public.budget_months (company_id, month, spent_usd)
        values (${s.tenant.id}, private.budget_month(${s.tenant.id}::uuid, now()), 0.45)`;
      for (let i = 0; i < 3; i++) {
        const res = await s.ask();
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.notEqual(res.body.model, "offline", "below the cap: the model answers");
      }
      const activities = await s.db
        .sql`select type, status from public.activities where company_id = ${s.tenant.id}`;
      assert.deepEqual(activities.map((a) => [a.type, a.status]), [["budget.soft", "warning"]]);
      const [month] = await s.db.sql`select soft_reached_at, cap_reached_at from public.budget_months
        where company_id = ${s.tenant.id}`;
      assert.ok(month.soft_reached_at);
      assert.equal(month.cap_reached_at, null);
      const [{ soft }] = await s.db.sql`select count(*)::int as soft from public.messages
        where company_id = ${s.tenant.id} and (metadata -> 'budget' ->> 'soft')::boolean`;
      assert.equal(soft, 3, "each answer past the threshold says so");
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name:
    "assistant budget: 50 concurrent turns against a budget that admits N of them — exactly N paid, 0 provider calls past the cap, no error",
  ignore,
  async fn() {
    // Slow models: every turn reserves before any paid call returns (what makes N exact).
    const s = await setup({ timeoutMs: 30_000, pool: 10 });
    try {
      const warm = await s.ask();
      assert.equal(warm.status, 200, JSON.stringify(warm.body));
      const [{ reserved }] = await s.db
        .sql`select (metadata -> 'budget' ->> 'reserved_usd')::float8 as reserved
        from public.messages where id = ${warm.body.message_id as string}`;
      assert.ok(reserved > 0, "without a budget the ceiling is still computed");
      const [{ spent }] = await s.db.sql`select spent_usd::float8 as spent from public.budget_months
        where company_id = ${s.tenant.id}`;
      const limit = 0.6;
      const admits = Math.floor((limit - spent) / reserved);
      assert.ok(admits >= 3 && admits <= 30, `N = ${admits}`);
      await s.db
        .sql`insert into public.company_budgets (company_id, monthly_limit) values (${s.tenant.id}, ${limit})`;
      s.fake.reset();
      s.fake.setDefault("openrouter", { latencyMs: 3_000 });

      const results = await Promise.all(Array.from({ length: 50 }, () => s.ask()));
      assert.deepEqual([...new Set(results.map((r) => r.status))], [200], "never an error");
      const paid = results.filter((r) => r.body.model !== "offline");
      const capped = results.filter((r) => r.body.model === "offline");
      assert.equal(paid.length, admits, "exactly N turns paid");
      assert.ok(capped.every((r) => String(r.body.reply).endsWith(CAP_NOTE)));
      assert.equal(
        s.fake.requests.length,
        2 * admits,
        "router and answer of the N turns, nothing past the cap",
      );
      assert.equal((await s.ledger()).length, 2 + 2 * admits);
      const [month] = await s.db.sql`select spent_usd::float8 as spent from public.budget_months
        where company_id = ${s.tenant.id}`;
      assert.ok(month.spent <= limit, `${month.spent} ≤ ${limit}`);
      const [{ held }] = await s.db.sql`select count(*)::int as held from private.budget_reservations
        where company_id = ${s.tenant.id}`;
      assert.equal(held, 0, "every reservation released");
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name: "assistant budget: a new month in the company's time zone starts afresh",
  ignore,
  async fn() {
    const s = await setup();
    try {
      const company = s.tenant.id;
      await s.db.sql`update public.companies set time_zone = 'Pacific/Kiritimati' where id = ${company}`;
      await s.db.sql`insert into public.company_budgets (company_id, monthly_limit) values (${company}, 1)`;
      await s.db.sql`insert into public.budget_months (company_id, month, spent_usd)
        values (${company}, private.budget_month(${company}::uuid, now()), 1)`;
      assert.equal((await s.ask()).body.model, "offline", "this month is spent");
      // The month's first minute in Kiritimati (UTC+14) is still the previous month in UTC.
      const [edge] = await s.db.sql`
        select (date_trunc('month', now() at time zone 'Pacific/Kiritimati') + interval '1 month') at time zone 'Pacific/Kiritimati' as next`;
      const at = (minutes: number) => new Date(edge.next.getTime() + minutes * 60_000);
      const reserve = async (minutes: number) =>
        (await s.db.sql`select private.budget_reserve(${company}::uuid,
          '[{"provider":"openrouter","model":"anthropic/claude-3.5-sonnet","max_input_tokens":1000,"max_output_tokens":100}]',
          ${at(minutes)}::timestamptz) as r`)[0].r;
      assert.equal((await reserve(-1)).allowed, false, "a minute before the boundary: still capped");
      const after = await reserve(1);
      assert.equal(after.allowed, true, "a minute after: the new month's budget");
      assert.notEqual(after.month, (await reserve(-1)).month);
      assert.notEqual(
        at(1).getUTCDate(),
        1,
        "the boundary is Kiritimati's: in UTC it is still the month's last day",
      );

      // Last month's spending, moved back a month: this month's turns are paid again.
      await s.db.sql`update public.budget_months set month = (month - interval '1 month')::date
        where company_id = ${company} and month = private.budget_month(${company}::uuid, now())`;
      const res = await s.ask();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.notEqual(res.body.model, "offline");
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name:
    "assistant budget: every provider failing is still a 503 with the question kept; its failed calls are recorded and its reservation released",
  ignore,
  async fn() {
    const s = await setup();
    try {
      await s.db
        .sql`insert into public.company_budgets (company_id, monthly_limit) values (${s.tenant.id}, 5)`;
      s.fake.setDefault("openrouter", { status: 500 });
      s.fake.setDefault("chat", { status: 500 });
      const res = await s.ask();
      assert.equal(res.status, 503, JSON.stringify(res.body));
      const rows = await s.ledger();
      assert.deepEqual(rows.map((r) => [r.provider, r.outcome]), [
        ["openrouter", "error"],
        ["groq", "error"],
        ["openrouter", "error"],
        ["groq", "error"],
      ]);
      const [{ held }] = await s.db.sql`select count(*)::int as held from private.budget_reservations
        where company_id = ${s.tenant.id}`;
      assert.equal(held, 0);
    } finally {
      await s.close();
    }
  },
});
