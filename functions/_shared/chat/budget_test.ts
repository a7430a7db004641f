// The turn's usage and budget steps, without a database: what is reserved before the paid
// calls, what each call leaves for the ledger, and the answers at the cap.
import assert from "node:assert/strict";
import type { ChatProvider } from "../providers/types.ts";
import type { Ceiling } from "../usage.ts";
import { BUDGET_REACHED } from "./copy.ts";
import { answerInputBound, type PaidPlan, turnCeilings } from "./budget.ts";
import { createMemoryChatStore, type MemoryCompany } from "./store_memory.ts";
import { memoryCompany, scriptedChat, standInRetrieve, TEST_DEFAULTS } from "./testing.ts";
import { createTurns } from "./turn.ts";
import { rerankSearchUnits } from "../knowledge/budget.ts";

const PLAN: PaidPlan = {
  chat: { provider: "openrouter", model: "anthropic/claude-3.5-sonnet" },
  router: { provider: "openrouter", model: "anthropic/claude-3.5-haiku" },
  embedding: { provider: "openai", model: "text-embedding-3-small" },
  rerank: { provider: "cohere", model: "rerank-multilingual-v3.0" },
};
const ROUTE_AUDREY = { json: { agent: "audrey", confidence: 0.9, reason: "Kajabi" } };
const QUESTION = "Comment créer une séquence e-mail dans Kajabi ?";

function setup(options: { company?: Partial<MemoryCompany>; chat?: ChatProvider; plan?: PaidPlan } = {}) {
  const company = memoryCompany(options.company);
  // Four ceilings at 0.01 USD hold 0.04; the fallback model's two (router, answer) are cheaper.
  const price = (c: Ceiling) => (c.model === "cheap/model" ? 0.001 : 0.01);
  const store = createMemoryChatStore({ companies: [company], defaults: TEST_DEFAULTS, price });
  const chat = options.chat ?? scriptedChat();
  const router = scriptedChat([], ROUTE_AUDREY);
  const turns = createTurns({
    store,
    providers: { chat, router, offline: false },
    retrieve: standInRetrieve([]),
    plan: options.plan ?? PLAN,
  });
  const input = (conversation = "conv-1") => ({
    company_id: company.slug,
    conversation_id: conversation,
    user_id: `visitor-${conversation}`,
    message: QUESTION,
  });
  return { company, store, turns, chat, router, input };
}

Deno.test("budget: the ceilings bound the router, the embedding, the rerank's most search units and the answer's largest prompt", () => {
  const company = memoryCompany();
  const ceilings = turnCeilings(PLAN, {
    message: QUESTION,
    history: [],
    agents: company.agents,
    current: null,
    routerModel: undefined,
    chatModel: null,
    rerankModel: null,
    matchCount: 5,
    retrieve: true,
  });
  assert.deepEqual(ceilings.map((c) => [c.provider, c.model]), [
    ["openrouter", "anthropic/claude-3.5-haiku"],
    ["openai", "text-embedding-3-small"],
    ["cohere", "rerank-multilingual-v3.0"],
    ["openrouter", "anthropic/claude-3.5-sonnet"],
  ]);
  assert.equal(ceilings[0].max_output_tokens, 150);
  // What retrieval sends the reranker: a pool of 20 (4 × 5) per agent, at Cohere's units per 100 documents.
  assert.equal(ceilings[2].search_units, rerankSearchUnits(20 * company.agents.length, QUESTION.length));
  assert.equal(ceilings[3].max_output_tokens, 700);
  assert.equal(
    ceilings[3].max_input_tokens,
    Math.max(...company.agents.map((a) => answerInputBound(a, QUESTION))),
  );
  // Every provider offline: nothing to reserve (the turn skips the round trip).
  const none = { chat: null, router: null, embedding: null, rerank: null };
  assert.deepEqual(
    turnCeilings(none, {
      message: QUESTION,
      history: [],
      agents: company.agents,
      current: null,
      routerModel: undefined,
      chatModel: null,
      rerankModel: null,
      matchCount: 5,
      retrieve: true,
    }),
    [],
  );
});

Deno.test("ledger: the router and the answer each leave one call, the answer as the model that answered, after its failed attempts", async () => {
  const chat = scriptedChat([], {
    text: "Dans Kajabi, Marketing.",
    model: "openai/gpt-4o-mini",
    provider: "openrouter",
    usage: { promptTokens: 900, completionTokens: 40, costUsd: 0.0012 },
    attempts: [
      { provider: "groq", model: "llama-3.3-70b-versatile", ok: false, error: "http 500", ms: 4 },
      { provider: "openrouter", model: "openai/gpt-4o-mini", ok: true, ms: 30 },
    ],
  });
  const { store, turns, input, company } = setup({ chat });
  const res = await turns.run(input());
  assert.equal(res.kind, "answer");
  assert.equal(store.reservations.length, 1, "one reservation before the paid calls");
  const calls = store.ledger.filter((l) => l.companyId === company.id).map((l) => l.call);
  assert.deepEqual(calls.map((c) => [c.kind, c.provider, c.outcome]), [
    ["chat", "scripted", "ok"], // the router
    ["chat", "groq", "error"],
    ["chat", "openrouter", "ok"],
  ]);
  const answer = calls[2];
  assert.equal(answer.model, "openai/gpt-4o-mini");
  assert.equal(answer.cost_usd, 0.0012);
  assert.equal(answer.agent, "audrey");
  assert.deepEqual(store.budget(company.id), { spentUsd: 0, heldUsd: 0 }, "no budget: nothing held");
});

Deno.test("ledger: a streamed answer is counted like any other", async () => {
  const { store, turns, input } = setup();
  for await (const _ of turns.stream({ ...input(), stream: true })) { /* read to the end */ }
  const answers = store.ledger.filter((l) => l.call.agent === "audrey" && l.call.prompt_tokens === 100);
  assert.equal(answers.length, 1);
  assert.equal(answers[0].call.completion_tokens, 20);
});

Deno.test("budget at the cap with a fallback model: reserved again for it, the router and the answer ask for it", async () => {
  const { store, turns, input, chat, router } = setup({
    company: { budget: { capUsd: 0.035, fallbackModel: "cheap/model" } },
  });
  const res = await turns.run(input());
  assert.equal(res.kind, "answer");
  assert.deepEqual(store.reservations.map((r) => r.answer.allowed), [false, true]);
  const asked = (p: ChatProvider) =>
    (p as unknown as { requests: { model?: string }[] }).requests.map((r) => r.model);
  assert.deepEqual(asked(router), ["cheap/model"]);
  assert.deepEqual(asked(chat), ["cheap/model"]);
});

Deno.test("budget at the cap without a fallback: the polite reply, no paid call, never an error", async () => {
  const { store, turns, input, chat, router, company } = setup({ company: { budget: { capUsd: 0.001 } } });
  const res = await turns.run(input());
  assert.deepEqual([res.reply, res.offline, res.model], [BUDGET_REACHED, true, null]);
  const streamed = [];
  for await (const event of turns.stream({ ...input("conv-2"), stream: true })) streamed.push(event.type);
  assert.deepEqual(streamed, ["start", "token", "done"]);
  assert.equal((chat as unknown as { requests: unknown[] }).requests.length, 0);
  assert.equal((router as unknown as { requests: unknown[] }).requests.length, 0);
  assert.equal(store.ledger.length, 0);
  assert.deepEqual(store.budget(company.id), { spentUsd: 0, heldUsd: 0 });
});

Deno.test("budget: every provider offline: no reservation at all", async () => {
  const { store, turns, input } = setup({
    plan: { chat: null, router: null, embedding: null, rerank: null },
  });
  await turns.run(input());
  assert.equal(store.reservations.length, 0);
});
