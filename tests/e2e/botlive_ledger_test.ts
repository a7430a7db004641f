// Botlive in the usage ledger and under a monthly budget, through the deployed wiring
// (botliveDepsFromEnv) and the real SDKs against the fake provider server: one ledger row per
// call written in the finishing round trip (the extractor's fallback as the model that answered,
// the retrieval's embedding and rerank, the answer, the screenshot's vision call; priced by the
// table, by the provider, or flagged unpriced), bot_usage.cost from the ledger; the soft
// threshold once; at the cap the offline extractor and offline answers, never an error; 50
// concurrent turns against a budget that admits N of them: exactly N paid; the month's reset.
// (Botlive streams nothing: its calls are all completions.)
import assert from "node:assert/strict";
import { botliveDepsFromEnv } from "../../functions/_shared/botlive/deps.ts";
import type { BotliveStore } from "../../functions/_shared/botlive/store.ts";
import { createDb, type Db } from "../../functions/_shared/db.ts";
import { loadEnv } from "../../functions/_shared/env.ts";
import type { Reservation } from "../../functions/_shared/usage.ts";
import { createHandler } from "../../functions/botlive/handler.ts";
import type { BotliveResponse } from "../../types/api.ts";
import { type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { asServer, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;

const MESSAGE = "la robe wax rouge en M, livraison Pikine, 77 123 45 67";
const EXTRACTION = {
  intent: "order",
  product: "Robe wax",
  variant: { taille: "M", couleur: "rouge" },
  quantity: 1,
  zone: "Pikine",
  phone: "77 123 45 67",
  payment: null,
  customer_name: null,
};
/** Short of a phone: the cart never completes (no stock held), the turns race on the budget only. */
const PARTIAL = "la robe wax rouge en M, livraison Pikine";
const PARTIAL_EXTRACTION = { ...EXTRACTION, phone: null };
const QUESTION = {
  ...EXTRACTION,
  intent: "question",
  product: null,
  variant: {},
  quantity: null,
  zone: null,
  phone: null,
};

interface Ledger {
  shop: TestShop;
  fake: FakeProviders;
  /** Every answer of budget_reserve the turns got. */
  reservations: Reservation[];
  say(conversation: string, text: string, extra?: Record<string, unknown>): Promise<BotliveResponse>;
  /** The botlive handler wired with other provider variables (same shop, same fake). */
  handlerWith(env: Record<string, string>): (conversation: string, text: string) => Promise<BotliveResponse>;
}

/** A live shop whose botlive handler is the deployed wiring, every provider on the fake. */
async function withLedger(fn: (t: Ledger) => Promise<void>) {
  const fake = await startFakeProviders();
  const shop = await createTestShop(stack.dbUrl);
  // The turns' own pool, wide enough for 50 at once.
  const db: Db = createDb(stack.dbUrl, { max: 20 });
  const reservations: Reservation[] = [];
  const auth = await stackAuthenticator();
  let counter = 0;
  function handlerWith(extra: Record<string, string>) {
    const env = loadEnv({
      ...Deno.env.toObject(),
      ...fake.env(),
      PROVIDER_MAX_RETRIES: "0",
      PROVIDER_TIMEOUT_MS: "10000",
      BOTLIVE_VISION_MODEL: "openai/gpt-4o-mini",
      ...extra,
    });
    const deps = botliveDepsFromEnv(env, db);
    const store: BotliveStore = {
      ...deps.store,
      async reserve(company, conversationId, ceilings) {
        const answer = await deps.store.reserve(company, conversationId, ceilings);
        reservations.push(answer);
        return answer;
      },
    };
    // No Storage for screenshots nor checkout links here: the models and the budget only.
    const handler = createHandler({ ...deps, store, proofs: undefined, payments: undefined, auth });
    return async (conversation: string, text: string, extraBody: Record<string, unknown> = {}) => {
      const res = await handler(
        new Request("http://x/botlive", {
          method: "POST",
          headers: { "content-type": "application/json", ...asServer() },
          body: JSON.stringify({
            company_id: shop.slug,
            conversation_id: conversation,
            message_id: `m-${conversation}-${++counter}`,
            customer: { id: conversation, name: "Cliente" },
            text,
            ...extraBody,
          }),
        }),
      );
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body as BotliveResponse;
    };
  }
  try {
    await fn({ shop, fake, reservations, say: handlerWith({}), handlerWith });
  } finally {
    await db.end();
    await shop.drop();
    await fake.close();
  }
}

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

async function ledgerRows(shop: TestShop, conversation?: string): Promise<Row[]> {
  return await shop.db.sql`
    select l.kind, l.provider, l.model_requested, l.model_answered, l.prompt_tokens, l.completion_tokens,
      l.search_units, l.outcome, l.cost_usd::float8 as cost, l.cost_source, l.product
    from public.usage_ledger l left join public.conversations c on c.id = l.conversation_id
    where l.company_id = ${shop.id} and l.product = 'botlive' and (${
    conversation ?? null
  }::text is null or c.external_id = ${conversation ?? null})
    order by l.id`;
}

async function setBudget(shop: TestShop, budget: { limit: number; soft?: number }) {
  await shop.db.sql`
    insert into public.company_budgets (company_id, monthly_limit, soft_ratio)
    values (${shop.id}, ${budget.limit}, ${budget.soft ?? 0.8})
    on conflict (company_id) do update set monthly_limit = excluded.monthly_limit, soft_ratio = excluded.soft_ratio`;
}

async function month(shop: TestShop): Promise<{ spent: number; unpriced: number; month: string }> {
  const [row] = await shop.db.sql`
    select coalesce(m.spent_usd, 0)::float8 as spent, coalesce(m.unpriced_calls, 0) as unpriced,
      private.budget_month(${shop.id}, now())::text as month
    from (select 1) x left join public.budget_months m
      on m.company_id = ${shop.id} and m.month = private.budget_month(${shop.id}, now())`;
  return { spent: row.spent, unpriced: row.unpriced, month: row.month };
}

async function held(shop: TestShop): Promise<number> {
  const [{ n }] = await shop.db
    .sql`select count(*)::int as n from private.budget_reservations where company_id = ${shop.id}`;
  return n;
}

const approx = (actual: number, expected: number, message: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${message}: ${actual} ≠ ${expected}`);

Deno.test({
  name:
    "botlive ledger: one row per call in the finishing round trip — the fallback as the model that answered, the retrieval and the answer, the screenshot; priced by the table or the provider, unpriced flagged; bot_usage.cost is the ledger's",
  ignore,
  fn: () =>
    withLedger(async ({ shop, fake, reservations, say, handlerWith }) => {
      await setBudget(shop, { limit: 100 });

      // Groq down (500): DeepSeek reads the message; two rows, the second as the model that answered.
      fake.script("chat", [{ status: 500 }, {
        json: EXTRACTION,
        usage: { prompt_tokens: 1000, completion_tokens: 100 },
      }]);
      const ordered = await say("wa-ledger", MESSAGE);
      assert.equal(ordered.order_state.product?.name, "Robe wax");
      assert.deepEqual(
        (await ledgerRows(shop, "wa-ledger")).map((
          r,
        ) => [r.kind, r.provider, r.model_requested, r.model_answered, r.outcome]),
        [
          ["chat", "groq", "llama-3.3-70b-versatile", null, "error"],
          ["chat", "deepseek", "deepseek-chat", "deepseek-chat", "ok"],
        ],
      );
      const [, deepseek] = await ledgerRows(shop, "wa-ledger");
      assert.equal(deepseek.cost_source, "price_table");
      approx(deepseek.cost, (1000 * 0.27 + 100 * 1.10) / 1e6, "DeepSeek at its list price");
      assert.equal(reservations.length, 1, "one budget round trip before the turn's paid calls");
      assert.ok(reservations[0].allowed && reservations[0].reservation);
      assert.equal(await held(shop), 0, "the reservation is released by the finish");

      // A question during the live: the extraction, the retrieval's embedding and rerank, the answer.
      fake.script("chat", [
        { json: QUESTION, usage: { prompt_tokens: 500, completion_tokens: 50 } },
        {
          text: "La livraison à Pikine coûte 2 500 FCFA.",
          usage: { prompt_tokens: 800, completion_tokens: 30 },
        },
      ]);
      const asked = await say("wa-ledger", "Combien coûte la livraison à Pikine ?");
      assert.match(asked.reply, /2 500 FCFA/);
      const question = (await ledgerRows(shop, "wa-ledger")).slice(2);
      assert.deepEqual(
        question.map((r) => [r.kind, r.provider, r.model_answered, r.outcome, r.cost_source]),
        [
          ["chat", "groq", "llama-3.3-70b-versatile", "ok", "price_table"],
          ["embedding", "openai", "text-embedding-3-small", "ok", "price_table"],
          ["rerank", "cohere", "rerank-multilingual-v3.0", "ok", "price_table"],
          ["chat", "groq", "llama-3.3-70b-versatile", "ok", "price_table"],
        ],
      );
      assert.equal(question[2].search_units, 1);
      approx(question[2].cost, 0.002, "a rerank: one search unit");
      assert.equal(reservations.length, 2, "still one reservation a turn, the question's calls in it");
      const [reply] = await shop.db.sql`
        select m.tokens_used from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.company_id = ${shop.id} and m.role = 'assistant' order by m.created_at desc limit 1`;
      assert.equal(
        reply.tokens_used,
        500 + 50 + 800 + 30,
        "the turn's message counts every model call's tokens",
      );

      // A screenshot read on OpenRouter: the provider's own cost.
      fake.script("openrouter", {
        json: { amount: 17500, method: "wave", reference: "WVIMG0001" },
        usage: { prompt_tokens: 900, completion_tokens: 20, cost: 0.0123 },
      });
      const paid = await say("wa-ledger", "", {
        attachments: [{
          type: "image",
          url: "https://media.example.invalid/receipt.jpg",
          mime_type: "image/jpeg",
        }],
      });
      assert.ok(paid.order, paid.reply);
      const vision = (await ledgerRows(shop, "wa-ledger")).at(-1)!;
      assert.deepEqual([vision.kind, vision.provider, vision.model_answered, vision.cost_source], [
        "vision",
        "openrouter",
        "openai/gpt-4o-mini",
        "provider",
      ]);
      approx(vision.cost, 0.0123, "OpenRouter's usage.cost");

      // A model without a price: flagged, never counted as 0.
      const unpricedSay = handlerWith({ GROQ_MODEL: "llama-unpriced-test" });
      fake.script("chat", { json: EXTRACTION, usage: { prompt_tokens: 300, completion_tokens: 30 } });
      await unpricedSay("wa-unpriced", MESSAGE);
      const [unpriced] = await ledgerRows(shop, "wa-unpriced");
      assert.deepEqual([unpriced.model_answered, unpriced.cost_source, unpriced.cost], [
        "llama-unpriced-test",
        "unpriced",
        null,
      ]);
      assert.equal((await month(shop)).unpriced, 1, "the month counts its unpriced call");

      const all = await ledgerRows(shop);
      const total = all.reduce((sum, r) => sum + (r.cost ?? 0), 0);
      // An unpriced call counts against the budget at what its reservation held (0.05 USD).
      const unpricedCalls = all.filter((r) => r.cost === null).length;
      approx((await month(shop)).spent, total + 0.05 * unpricedCalls, "the month's spending is the ledger's");
      const [usage] = await shop.db
        .sql`select sum(cost)::float8 as cost from public.bot_usage where company_id = ${shop.id}`;
      assert.ok(Math.abs(usage.cost - total) < 1e-5, `bot_usage.cost ${usage.cost} is the ledger's ${total}`);
      assert.equal(await held(shop), 0, "nothing left reserved");
    }),
});

Deno.test({
  name:
    "botlive budget: the soft threshold is an activity once; at the cap the offline extractor and the offline answer, no model called, never an error",
  ignore,
  fn: () =>
    withLedger(async ({ shop, fake, reservations, say }) => {
      fake.setDefault("chat", { json: EXTRACTION, usage: { prompt_tokens: 100, completion_tokens: 20 } });
      // 1 USD, soft at 1 cent: the first turn's reservation crosses it, the second again.
      await setBudget(shop, { limit: 1, soft: 0.01 });
      await say("wa-soft-1", MESSAGE);
      await say("wa-soft-2", MESSAGE);
      const activities = async (type: string) => {
        const [{ n }] = await shop.db.sql`
          select count(*)::int as n from public.activities where company_id = ${shop.id} and type = ${type}`;
        return n;
      };
      assert.equal(await activities("budget.soft"), 1, "the soft threshold: one activity a month");
      assert.equal(fake.requests.filter((r) => r.route === "chat").length, 2);

      // The cap: 1 cent left is less than a turn's ceiling.
      const ceiling = reservations[0].amount_usd;
      const { spent } = await month(shop);
      await setBudget(shop, { limit: 0.01 });
      assert.ok(0.01 - spent < ceiling, `a turn's ceiling (${ceiling}) is past what is left`);
      const before = fake.requests.length;
      const rowsBefore = (await ledgerRows(shop)).length;
      const capped = await say("wa-cap", MESSAGE);
      assert.equal(capped.order_state.product?.name, "Robe wax", "the offline extractor reads the order");
      assert.equal(capped.order_state.zone?.name, "Pikine");
      assert.equal(capped.order_state.payment.required, 17500, "the amounts are the database's, as ever");
      const question = await say("wa-cap", "Quels sont vos horaires d'ouverture ?");
      assert.match(
        question.reply,
        /D'après nos informations/,
        "the question gets the best passages, offline",
      );
      assert.equal(fake.requests.length, before, "no model, no embedding, no rerank past the cap");
      assert.equal((await ledgerRows(shop)).length, rowsBefore, "nothing paid, nothing recorded");
      const [message] = await shop.db.sql`
        select m.model_used from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.company_id = ${shop.id} and c.external_id = 'wa-cap' and m.role = 'assistant' order by m.created_at limit 1`;
      assert.equal(message.model_used, "offline");
      assert.equal(await activities("budget.cap"), 1, "the cap: one activity");
      assert.equal(await held(shop), 0, "a refusal holds nothing");
    }),
});

Deno.test({
  name:
    "botlive budget: 50 concurrent turns against a budget that admits N of them — exactly N paid, 0 paid calls past the cap, the others answered offline",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withLedger(async ({ shop, fake, reservations, say }) => {
      // A probe turn without a budget: what one turn reserves (every conversation is alike).
      fake.setDefault("chat", {
        json: PARTIAL_EXTRACTION,
        usage: { prompt_tokens: 100, completion_tokens: 20 },
      });
      await say("wa-probe", PARTIAL);
      const ceiling = reservations[0].amount_usd;
      assert.ok(ceiling > 0);
      const { spent } = await month(shop);
      // A cap in cents about 12½ turns above what is spent.
      const limit = Math.ceil((spent + 12.5 * ceiling) * 100) / 100;
      const admits = Math.floor((limit - spent) / ceiling);
      assert.ok(admits >= 1 && admits < 50, `admits ${admits}`);
      await setBudget(shop, { limit, soft: 1 });

      // Every model call takes 3 s: all 50 reserve before any paid turn settles.
      fake.reset();
      fake.setDefault("chat", {
        json: PARTIAL_EXTRACTION,
        usage: { prompt_tokens: 100, completion_tokens: 20 },
        latencyMs: 3000,
      });
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => say(`wa-crowd-${i}`, PARTIAL)),
      );
      assert.equal(replies.length, 50, "every turn answered (200)");
      assert.ok(
        replies.every((r) => r.order_state.product?.name === "Robe wax"),
        "paid or offline, each read",
      );
      const paidTurns = await shop.db.sql`
        select c.external_id from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.company_id = ${shop.id} and c.external_id like 'wa-crowd-%' and m.role = 'assistant'
          and m.model_used <> 'offline'`;
      assert.equal(paidTurns.length, admits, `exactly ${admits} turns paid`);
      assert.equal(fake.requests.filter((r) => r.route === "chat").length, admits, "exactly N model calls");
      const crowd = (await ledgerRows(shop)).length - 1;
      assert.equal(crowd, admits, "one ledger row per paid call");
      const after = await month(shop);
      assert.ok(after.spent <= limit, `spent ${after.spent} within the cap ${limit}`);
      assert.equal(await held(shop), 0, "every reservation settled");
    }),
});

Deno.test({
  name: "botlive budget: a month at its cap answers offline; the next month (the company's) starts afresh",
  ignore,
  fn: () =>
    withLedger(async ({ shop, fake, say }) => {
      fake.setDefault("chat", { json: EXTRACTION, usage: { prompt_tokens: 100, completion_tokens: 20 } });
      await setBudget(shop, { limit: 1 });
      const { month: current } = await month(shop);
      await shop.db.sql`
        insert into public.budget_months (company_id, month, spent_usd) values (${shop.id}, ${current}, 1)`;
      await say("wa-month", MESSAGE);
      assert.equal(fake.requests.length, 0, "this month is spent: offline");

      // The month turns: what was spent is last month's.
      await shop.db.sql`
        update public.budget_months set month = (month - interval '1 month')::date
        where company_id = ${shop.id} and month = ${current}`;
      await say("wa-month-2", MESSAGE);
      assert.equal(fake.requests.filter((r) => r.route === "chat").length, 1, "a new month: the model again");
      const months = await shop.db.sql`
        select month::text, spent_usd::float8 as spent from public.budget_months where company_id = ${shop.id} order by month`;
      assert.equal(months.length, 2);
      assert.equal(months[0].spent, 1, "last month's spending stays");
      assert.ok(months[1].month === current && months[1].spent > 0 && months[1].spent < 0.01);
    }),
});
