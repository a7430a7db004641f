// The chat's usage ledger and monthly budget on Postgres: the handler in-process with the real
// provider adapters pointed at the fake provider server. One ledger row per provider call (the
// router, the embedding, the rerank, the answer), a fallback recorded as the model that
// answered, streamed answers counted; 50 concurrent turns against a budget that admits N: N
// paid, not one past the cap; the month's boundary in the company's time zone.
import assert from "node:assert/strict";
import postgres from "postgres";
import { paidPlan } from "../../functions/_shared/chat/budget.ts";
import { BUDGET_REACHED } from "../../functions/_shared/chat/copy.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/retrieval.ts";
import { createSqlChatStore } from "../../functions/_shared/chat/store_sql.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import { createDb } from "../../functions/_shared/db.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler } from "../../functions/chat/handler.ts";
import { ChatResponse } from "../../types/api.ts";
import { type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { asVisitor, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;
const QUESTION = "Comment créer une séquence e-mail dans Kajabi ?";
const ROUTE_AUDREY = { json: { agent: "audrey", confidence: 0.9, reason: "Kajabi" } };

interface Bench {
  fake: FakeProviders;
  tenant: TestTenant;
  probe: postgres.Sql;
  send(conversation: string, extra?: Record<string, unknown>): Promise<Response>;
}

/** A tenant, the fake providers (`drop`: keys to leave unset) and the chat handler over them. */
async function bench(
  fn: (b: Bench) => Promise<void>,
  options: { agents?: string[]; env?: Record<string, string>; drop?: string[] } = {},
) {
  const fake = await startFakeProviders();
  const tenant = await createTestTenant(stack.dbUrl, "test-ledger", options.agents ?? []);
  const db = createDb(stack.dbUrl, { max: 20 });
  const probe = postgres(stack.dbUrl, { max: 2, onnotice: () => {} });
  const env: Record<string, string> = {
    ...fake.env(),
    PROVIDER_MAX_RETRIES: "0",
    PROVIDER_TIMEOUT_MS: "10000",
    ...options.env,
  };
  for (const key of options.drop ?? []) delete env[key];
  const config = readProviderConfig(env);
  const providers = createProviders(config);
  const handler = createHandler({
    store: createSqlChatStore({ db, defaults: { ...TEST_DEFAULTS, company_turns_per_minute: 1000 } }),
    providers,
    plan: paidPlan(config),
    retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
    budgets: { routerMs: 20_000, retrieveMs: 20_000, answerMs: 20_000 },
    auth: await stackAuthenticator(),
  });
  try {
    await fn({
      fake,
      tenant,
      probe,
      send: async (conversation, extra = {}) =>
        await handler(
          new Request("http://x/chat", {
            method: "POST",
            headers: asVisitor(),
            body: JSON.stringify({
              company_id: tenant.slug,
              conversation_id: conversation,
              user_id: `visitor-${conversation}`,
              message: QUESTION,
              ...extra,
            }),
          }),
        ),
    });
  } finally {
    await Promise.all([db.end(), probe.end()]);
    await fake.close();
    await tenant.drop();
  }
}

interface LedgerRow {
  kind: string;
  provider: string;
  model_requested: string | null;
  model_answered: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  search_units: number;
  outcome: string;
  cost_usd: string | null;
  cost_source: string;
  agent: string | null;
}

function ledger(b: Bench, conversation: string): Promise<LedgerRow[]> {
  return b.probe<LedgerRow[]>`
    select l.kind, l.provider, l.model_requested, l.model_answered, l.prompt_tokens, l.completion_tokens,
      l.search_units, l.outcome, l.cost_usd::text, l.cost_source, l.agent
    from public.usage_ledger l join public.conversations c on c.id = l.conversation_id
    where c.external_id = ${conversation} and l.company_id = ${b.tenant.id}::uuid and l.product = 'chat'
    order by l.id`;
}

Deno.test({
  name:
    "ledger: a turn leaves one row per call — router, embedding, rerank, answer — the fallback as the model that answered, unpriced flagged",
  ignore,
  async fn() {
    await bench(async (b) => {
      await b.probe`insert into public.documents (company_id, source, content, title, agent_owner)
        values (${b.tenant.slug}, 'kajabi.md', 'Dans Kajabi, une séquence e-mail se crée dans Marketing.', 'Kajabi', 'audrey')`;
      // The router, then the answer: its model is down at OpenRouter, which falls back itself.
      b.fake.script("openrouter", [ROUTE_AUDREY, { failModels: ["anthropic/claude-3.5-sonnet"] }]);
      const res = await b.send("conv-json");
      assert.equal(res.status, 200, await res.clone().text());
      const answer = ChatResponse.parse(await res.json());
      assert.equal(answer.model, "openai/gpt-4o-mini");

      const rows = await ledger(b, "conv-json");
      const byKind = (kind: string) => rows.filter((r) => r.kind === kind);
      assert.equal(rows.length, 4, JSON.stringify(rows));
      assert.deepEqual(rows.map((r) => r.agent), ["audrey", "audrey", "audrey", "audrey"]);
      const [router, answered] = byKind("chat");
      assert.deepEqual([router.provider, router.model_answered, router.cost_source], [
        "openrouter",
        "anthropic/claude-3.5-haiku",
        "provider",
      ]);
      // OpenRouter's own figure (usage.cost) is the cost; the row names the model that answered.
      assert.deepEqual([answered.provider, answered.model_answered, answered.outcome, answered.cost_source], [
        "openrouter",
        "openai/gpt-4o-mini",
        "ok",
        "provider",
      ]);
      assert.ok(answered.completion_tokens > 0 && Number(answered.cost_usd) > 0);
      const [embedding] = byKind("embedding");
      assert.deepEqual([embedding.provider, embedding.model_answered, embedding.cost_source], [
        "openai",
        "text-embedding-3-small",
        "price_table",
      ]);
      assert.ok(embedding.prompt_tokens > 0);
      const [rerank] = byKind("rerank");
      assert.deepEqual([rerank.provider, rerank.search_units, rerank.cost_usd, rerank.cost_source], [
        "cohere",
        1,
        "0.00200000",
        "price_table",
      ]);

      // OpenRouter down: an error row for it, then Groq's answer — a model without a price:
      // flagged, never counted as 0.
      b.fake.script("openrouter", [ROUTE_AUDREY, { status: 500 }]);
      const chained = await b.send("conv-chain");
      assert.equal(chained.status, 200, await chained.clone().text());
      const chain = (await ledger(b, "conv-chain")).filter((r) => r.kind === "chat").slice(1);
      assert.deepEqual(
        chain.map((r) => [r.provider, r.outcome, r.model_answered, r.cost_source, r.cost_usd]),
        [
          ["openrouter", "error", null, "price_table", "0.00000000"],
          ["groq", "ok", "test-unpriced-model", "unpriced", null],
        ],
      );

      // Streamed: the usage of the last chunk is counted like a plain answer's.
      b.fake.script("openrouter", [ROUTE_AUDREY, {}]);
      const streamed = await b.send("conv-stream", { stream: true });
      assert.equal(streamed.status, 200);
      assert.match(await streamed.text(), /event: done/);
      const [, , , streamedAnswer] = await ledger(b, "conv-stream");
      assert.deepEqual([streamedAnswer.kind, streamedAnswer.model_answered, streamedAnswer.cost_source], [
        "chat",
        "anthropic/claude-3.5-sonnet",
        "provider",
      ]);
      assert.ok(streamedAnswer.completion_tokens > 0 && Number(streamedAnswer.cost_usd) > 0);

      const [daily] = await b.probe`select sum(calls)::int as calls, sum(unpriced_calls)::int as unpriced
        from public.usage_daily where company_id = ${b.tenant.id}::uuid and product = 'chat'`;
      assert.deepEqual([daily.calls, daily.unpriced], [13, 1]);
      const [held] = await b.probe`select count(*)::int as n from private.budget_reservations
        where company_id = ${b.tenant.id}::uuid`;
      assert.equal(held.n, 0, "no budget: nothing held");
    }, { agents: ["audrey", "carole"], env: { GROQ_MODEL: "test-unpriced-model" } });
  },
});

Deno.test({
  name:
    "budget: 50 concurrent turns against a budget that admits 7: exactly 7 paid calls, the others the polite reply, none a 500",
  ignore,
  async fn() {
    const admitted = 7;
    const model = `test/ledger-${crypto.randomUUID().slice(0, 8)}`;
    const probe = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
    // A reply costs exactly its ceiling: 700 output tokens at 10 USD a million = 0.007 USD.
    await probe`insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from)
      values ('openrouter', ${model}, 0, 10, '2020-01-01')`;
    try {
      await bench(async (b) => {
        b.fake.setDefault("openrouter", {
          usage: { prompt_tokens: 800, completion_tokens: 700, cost: 0.007 },
        });
        await b.probe`insert into public.company_budgets (company_id, monthly_limit, soft_ratio)
          values (${b.tenant.id}::uuid, ${(admitted * 0.007).toFixed(3)}, 0.5)`;
        const responses = await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const res = await b.send(`conv-${i}`, i % 2 ? { stream: true } : {});
            const body = await res.text();
            return { status: res.status, body };
          }),
        );
        assert.deepEqual(responses.filter((r) => r.status !== 200), [], "never an error");
        const polite = responses.filter((r) => r.body.includes(JSON.stringify(BUDGET_REACHED).slice(1, 40)));
        assert.equal(polite.length, 50 - admitted);
        const paid = b.fake.requests.filter((r) => r.provider === "openrouter");
        assert.equal(paid.length, admitted, "not one paid call past the cap");

        const month = () =>
          b.probe`select spent_usd::text, soft_reached_at is not null as soft,
            cap_reached_at is not null as cap from public.budget_months where company_id = ${b.tenant.id}::uuid`;
        // Refused while the seven held the rest: the cap itself is not reached by holds alone…
        assert.deepEqual((await month())[0], { spent_usd: "0.04900000", soft: true, cap: false });
        // …the next turn, whose own ceiling passes what is left of the spent budget, reaches it.
        const after = await b.send("conv-after", {});
        assert.ok((await after.text()).includes(JSON.stringify(BUDGET_REACHED).slice(1, 40)));
        assert.deepEqual((await month())[0], { spent_usd: "0.04900000", soft: true, cap: true });
        const [rows] = await b.probe`select count(*)::int as n from public.usage_ledger
          where company_id = ${b.tenant.id}::uuid and outcome = 'ok' and model_answered = ${model}`;
        assert.equal(rows.n, admitted);
        const activities = await b.probe`select type, count(*)::int as n from public.activities
          where company_id = ${b.tenant.id}::uuid group by type order by type`;
        assert.deepEqual(activities.map((a) => [a.type, a.n]), [["budget.cap", 1], ["budget.soft", 1]]);
        const [held] = await b.probe`select count(*)::int as n from private.budget_reservations
          where company_id = ${b.tenant.id}::uuid`;
        assert.equal(held.n, 0, "every reservation settled");
      }, { env: { CHAT_MODEL: model }, drop: ["OPENAI_API_KEY", "COHERE_API_KEY"] });
    } finally {
      await probe`delete from public.model_prices where model = ${model}`;
      await probe.end();
    }
  },
});

Deno.test({
  name: "budget at the cap with a fallback model: the router and the answer are asked for it",
  ignore,
  async fn() {
    await bench(async (b) => {
      // A spent month: only the cheap model's ceilings (unpriced: 0.05 USD a call) still fit.
      await b.probe`insert into public.company_budgets (company_id, monthly_limit, fallback_model)
        values (${b.tenant.id}::uuid, 1, 'openai/gpt-4o-mini')`;
      await b
        .probe`insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from)
        values ('openrouter', 'openai/gpt-4o-mini', 0.15, 0.60, '2099-01-01')`.catch(() => {});
      await b.probe`insert into public.budget_months (company_id, month, spent_usd)
        values (${b.tenant.id}::uuid, private.budget_month(${b.tenant.id}::uuid, now()), 0.9)`;
      b.fake.script("openrouter", [ROUTE_AUDREY]);
      const res = await b.send("conv-fallback");
      assert.equal(res.status, 200, await res.clone().text());
      const answer = ChatResponse.parse(await res.json());
      assert.notEqual(answer.reply, BUDGET_REACHED);
      const asked = b.fake.requests.filter((r) => r.provider === "openrouter");
      assert.deepEqual(asked.map((r) => r.body?.model), ["openai/gpt-4o-mini", "openai/gpt-4o-mini"]);
    }, { agents: ["audrey", "carole"], drop: ["OPENAI_API_KEY", "COHERE_API_KEY"] });
  },
});

Deno.test({
  name: "budget: the month turns in the company's time zone — last month's spending no longer counts",
  ignore,
  async fn() {
    await bench(async (b) => {
      await b
        .probe`update public.companies set time_zone = 'America/New_York' where id = ${b.tenant.id}::uuid`;
      await b
        .probe`insert into public.company_budgets (company_id, monthly_limit) values (${b.tenant.id}::uuid, 1)`;
      await b
        .probe`insert into public.budget_months (company_id, month, spent_usd) values (${b.tenant.id}::uuid, '2026-11-01', 1)`;
      const ceiling = [{
        provider: "openrouter",
        model: "anthropic/claude-3.5-sonnet",
        max_input_tokens: 1000,
        max_output_tokens: 700,
      }];
      const reserve = async (at: string) =>
        (await b.probe`select private.budget_reserve(${b.tenant.id}::uuid, ${
          b.probe.json(ceiling)
        }::jsonb, ${at}::timestamptz) as r`)[0].r;
      // 04:30 UTC on December 1st is still November 30th in New York: the cap holds.
      const before = await reserve("2026-12-01T04:30:00Z");
      assert.deepEqual([before.allowed, before.month], [false, "2026-11-01"]);
      const after = await reserve("2026-12-01T05:30:00Z");
      assert.deepEqual([after.allowed, after.month], [true, "2026-12-01"]);
      // The finishing round trip settles that reservation and books the call in December.
      const [conv] = await b.probe`insert into public.conversations (company_id, external_id, visitor_id)
        values (${b.tenant.slug}, 'conv-month', 'v') returning id`.catch(() => [null]);
      if (conv) {
        const reply = {
          content: "ok",
          agent: null,
          model: "anthropic/claude-3.5-sonnet",
          latency_ms: 1,
          sources: [],
          metadata: {},
          reservation: after.reservation,
          usage: [{
            kind: "chat",
            provider: "openrouter",
            model: "anthropic/claude-3.5-sonnet",
            prompt_tokens: 1000,
            completion_tokens: 100,
            outcome: "ok",
          }],
        };
        const finish = () =>
          b.probe`select public.chat_finish_turn(${b.tenant.id}::uuid, ${conv.id}::uuid, 'k1', ${
            b.probe.json(reply)
          }::jsonb,
            null, null, '2026-12-01T05:31:00Z')`;
        await finish();
        await finish(); // a retry after a lost answer: nothing booked twice
        const months = await b.probe`select month::text, spent_usd::text from public.budget_months
          where company_id = ${b.tenant.id}::uuid order by month`;
        // 1000 × 3 / 1e6 + 100 × 15 / 1e6 = 0.0045 USD
        assert.deepEqual(months.map((m) => [m.month, m.spent_usd]), [["2026-11-01", "1.00000000"], [
          "2026-12-01",
          "0.00450000",
        ]]);
        const [held] = await b
          .probe`select count(*)::int as n from private.budget_reservations where company_id = ${b.tenant.id}::uuid`;
        assert.equal(held.n, 0);
      }
    });
  },
});
