// The turn's orchestration, without a database: the in-memory store keeps the same rules as
// the SQL one (store_sql_test.ts and the pgTAP suites prove those on Postgres).
import assert from "node:assert/strict";
import { HttpError } from "../http.ts";
import type { ChatProvider } from "../providers/types.ts";
import { createOfflineChat } from "../providers/offline.ts";
import { RATE_LIMITED } from "./copy.ts";
import type { Passage } from "./prompt.ts";
import type { Retrieve } from "./retrieval.ts";
import { createMemoryChatStore, type MemoryCompany } from "./store_memory.ts";
import { allFailed, memoryCompany, scriptedChat, standInRetrieve, TEST_DEFAULTS } from "./testing.ts";
import { createTurns, type TurnEvent, type TurnInput } from "./turn.ts";

const passages: Passage[] = [
  {
    id: 901,
    content: "Dans Kajabi, une séquence e-mail se crée dans Marketing, onglet Séquences.",
    title: "Kajabi",
  },
  { id: 902, content: "Un reel Instagram de 15 secondes retient mieux l'attention.", title: "Reels" },
];

function setup(options: {
  offline?: boolean;
  chat?: ChatProvider;
  router?: ChatProvider;
  retrieve?: Retrieve;
  company?: Partial<MemoryCompany>;
  now?: () => number;
} = {}) {
  const company = memoryCompany(options.company);
  const store = createMemoryChatStore({ companies: [company], defaults: TEST_DEFAULTS, now: options.now });
  const turns = createTurns({
    store,
    providers: {
      chat: options.chat ?? createOfflineChat(),
      router: options.router ?? createOfflineChat(),
      offline: options.offline ?? true,
    },
    retrieve: options.retrieve ?? standInRetrieve(passages),
  });
  const turn = (message: string, extra: Partial<TurnInput> = {}): TurnInput => ({
    company_id: company.slug,
    conversation_id: "conv-1",
    user_id: "visitor-1",
    message,
    ...extra,
  });
  return { company, store, turns, turn };
}

async function refusedWith(call: Promise<unknown>, status: number, code: string) {
  const error = await call.then(() => undefined, (e) => e);
  assert.ok(error instanceof HttpError, `expected an HttpError, got ${error}`);
  assert.deepEqual([error.status, error.code], [status, code]);
  return error;
}

Deno.test("turn, offline: keyword routing, the agent's greeting, cited passages, and every field stored", async () => {
  const retrieve = standInRetrieve(passages);
  const { turns, turn, store, company } = setup({ retrieve });
  const res = await turns.run(
    turn("Comment créer une séquence e-mail dans Kajabi ?", { timestamp: 1700000000000 }),
  );
  assert.deepEqual([res.agent, res.agent_name, res.kind, res.offline], ["audrey", "Audrey", "answer", true]);
  assert.equal(res.model, "offline-extractive-v1");
  assert.match(res.reply, /^Bonjour, je suis Audrey !/);
  assert.match(res.reply, /sans modèle de langue/);
  assert.match(res.reply, /séquence e-mail se crée dans Marketing, onglet Séquences\. \[901\]/);
  assert.deepEqual(res.sources.find((s) => s.id === 901), {
    id: 901,
    title: "Kajabi",
    source: null,
    score: null,
    cited: true,
  });
  assert.equal(res.rate_limit.remaining, 9);
  // Retrieval was asked for every agent's candidates, with the company's settings, before routing.
  const { signal: _, calls: sink, ...query } = retrieve.calls[0];
  assert.deepEqual(sink, [], "offline: no paid call to record");
  assert.deepEqual(query, {
    company: company.slug,
    question: "Comment créer une séquence e-mail dans Kajabi ?",
    agents: ["audrey", "carole"],
    count: 5,
    threshold: 0.2,
    rerankModel: null,
  });
  assert.deepEqual(retrieve.chosen, ["audrey"]);

  const [user, answer] = store.messages(company.id, "conv-1");
  assert.equal(user.metadata.client_timestamp, 1700000000000);
  assert.equal(answer.content, res.reply);
  assert.equal(answer.agent, "audrey");
  assert.equal(answer.metadata.offline, true);
  assert.equal((answer.metadata.routing as { method: string }).method, "keyword");
  assert.deepEqual(answer.metadata.fallback_reasons, []);
  assert.equal((answer.metadata.retrieval as { count: number }).count, 2);
  assert.deepEqual(store.state(company.id, "conv-1"), { agent: "audrey", streak: 0 });
  assert.ok(store.tokensToday(company.id) > 0, "the answer's tokens count toward the company's day");
});

Deno.test("turn, offline with an empty knowledge base: greeting, plain notice, what the visitor can do", async () => {
  const { turns, turn } = setup({ retrieve: standInRetrieve([]) });
  const res = await turns.run(turn("Des idées de reels Instagram ?"));
  assert.equal(res.agent, "carole");
  assert.match(res.reply, /^Coucou, moi c'est Carole/);
  assert.match(res.reply, /parler à un humain/);
  assert.deepEqual(res.sources, []);
});

Deno.test("turn: a conversation stays with its agent on follow-ups and switches only on a clear move", async () => {
  const { turns, turn } = setup();
  assert.equal((await turns.run(turn("Mon tunnel de vente Kajabi ne marche pas"))).agent, "audrey");
  assert.equal((await turns.run(turn("Et combien de temps ça prend ?"))).agent, "audrey");
  assert.equal((await turns.run(turn("Et sur Instagram ?"))).agent, "audrey");
  assert.equal((await turns.run(turn("Autre sujet : mes reels et mes stories Instagram"))).agent, "carole");
});

Deno.test("turn: the LLM router decides with providers configured; its failure falls back to keywords", async () => {
  const router = scriptedChat([
    { json: { agent: "carole", confidence: 0.9, reason: "contenu" } },
    allFailed(),
    { text: "pas du JSON" },
  ]);
  const chat = scriptedChat([], { text: "Voici la réponse [doc:902]." });
  const { turns, turn, store, company } = setup({ offline: false, router, chat });
  const first = await turns.run(turn("Je ne sais pas quoi publier cette semaine"));
  assert.deepEqual([first.agent, first.offline, first.model, first.reply], [
    "carole",
    false,
    "test-model",
    "Voici la réponse [doc:902].",
  ]);
  assert.deepEqual(first.sources.filter((s) => s.cited).map((s) => s.id), [902]);
  assert.deepEqual(first.usage, { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
  const prompt = chat.requests[0].messages;
  assert.match(prompt[0].content, /^Tu es Carole/);
  assert.match(prompt[0].content, /\n\[902\] Un reel Instagram/);
  assert.equal(prompt.at(-1)!.content, "Je ne sais pas quoi publier cette semaine");
  assert.equal(
    (await turns.run(turn("Comment automatiser mes e-mails avec Zapier et Kajabi ?"))).agent,
    "audrey",
  );
  assert.equal((await turns.run(turn("Merci !"))).agent, "audrey");
  assert.ok(
    chat.requests[2].messages.some((m) => m.content === "Je ne sais pas quoi publier cette semaine"),
    "history",
  );
  const routing = store.messages(company.id, "conv-1").filter((m) => m.role === "assistant")
    .map((m) => m.metadata.routing as Record<string, unknown>);
  assert.deepEqual([routing[0].method, routing[0].confidence], ["llm", 0.9]);
  assert.equal(routing[1].method, "keyword");
  assert.match(String(routing[1].router_fallback), /all providers failed: http 500, timeout/);
  assert.match(String(routing[2].router_fallback), /malformed/);
});

Deno.test("turn: retrieval does not wait for the router (it starts with the turn, for every agent)", async () => {
  let routerDone = 0;
  let retrievalStarted = 0;
  const router = scriptedChat([], () => ({ json: { agent: "audrey", confidence: 0.9, reason: "" } }));
  const slowRouter: ChatProvider = {
    ...router,
    complete: async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      routerDone = performance.now();
      return await router.complete(req);
    },
  };
  const inner = standInRetrieve(passages);
  const retrieve: Retrieve = (query) => {
    retrievalStarted = performance.now();
    return inner(query);
  };
  const { turns, turn } = setup({ offline: false, router: slowRouter, chat: scriptedChat(), retrieve });
  await turns.run(turn("Kajabi ?"));
  assert.ok(
    retrievalStarted > 0 && retrievalStarted < routerDone,
    "retrieval started before the router answered",
  );
});

Deno.test("turn: the company's settings reach the providers (chat, router and rerank models, passages)", async () => {
  const chat = scriptedChat();
  const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
  const retrieve = standInRetrieve(passages);
  const { turns, turn } = setup({
    offline: false,
    chat,
    router,
    retrieve,
    company: {
      settings: {
        chat_model: "company/chat",
        router_model: "company/router",
        rerank_model: "rerank-v9",
        match_count: 1,
        match_threshold: 0.5,
      },
    },
  });
  const res = await turns.run(turn("Kajabi ?"));
  assert.equal(chat.requests[0].model, "company/chat");
  assert.equal(router.requests[0].model, "company/router");
  assert.deepEqual([retrieve.calls[0].rerankModel, retrieve.calls[0].count, retrieve.calls[0].threshold], [
    "rerank-v9",
    1,
    0.5,
  ]);
  assert.equal(res.sources.length, 1);
});

Deno.test("turn: a repeated idempotency key replays the stored answer (no second model call)", async () => {
  const chat = scriptedChat();
  const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
  const { turns, turn, store, company } = setup({ offline: false, chat, router });
  const first = await turns.run(turn("Kajabi ?", { idempotency_key: "k-1" }));
  const again = await turns.run(turn("Kajabi ?", { idempotency_key: "k-1" }));
  assert.deepEqual([again.message_id, again.reply, again.replayed, first.replayed], [
    first.message_id,
    first.reply,
    true,
    false,
  ]);
  assert.equal(chat.requests.length, 1);
  assert.equal(store.messages(company.id, "conv-1").length, 2);
});

Deno.test("turn: refusals are the contract's 403, 409 idempotency_key_reused, 409 in progress and 429", async () => {
  let clock = 1_000_000;
  const { turns, turn } = setup({ now: () => clock });
  await turns.run(turn("Kajabi ?", { idempotency_key: "k-1" }));
  await refusedWith(turns.run(turn("Kajabi ?", { user_id: "intruder" })), 403, "forbidden");
  await refusedWith(
    turns.run(turn("Autre chose", { idempotency_key: "k-1" })),
    409,
    "idempotency_key_reused",
  );

  // A key whose message is stored without an answer (the first attempt is still running).
  const { turns: t2, turn: turn2, store } = setup({ now: () => clock });
  await store.begin({
    company: turn2("x").company_id,
    conversationId: "conv-1",
    visitorId: "visitor-1",
    message: "Kajabi ?",
    key: "k-2",
    clientKey: true,
    address: null,
    metadata: {},
  });
  await refusedWith(t2.run(turn2("Kajabi ?", { idempotency_key: "k-2" })), 409, "conflict");
  clock += 151_000; // older than the stale limit: answered again, marked retried
  assert.equal((await t2.run(turn2("Kajabi ?", { idempotency_key: "k-2" }))).kind, "answer");

  const { turns: t3, turn: turn3 } = setup();
  for (let i = 1; i <= 10; i++) await t3.run(turn3(`Kajabi ${i}`));
  const limited = await refusedWith(t3.run(turn3("Kajabi 11")), 429, "rate_limited");
  assert.equal(limited.message, RATE_LIMITED);
  assert.equal((limited.details as { limit: string }).limit, "conversation");
  assert.ok(Number(limited.headers["Retry-After"]) >= 1);
});

Deno.test("turn: a refused first turn stores nothing and leaves its conversation id free", async () => {
  const { turns, turn, store, company } = setup({ company: { settings: { visitor_turns_per_minute: 1 } } });
  await turns.run(turn("Kajabi ?"));
  await refusedWith(turns.run(turn("Kajabi ?", { conversation_id: "conv-2" })), 429, "rate_limited");
  assert.deepEqual(store.messages(company.id, "conv-2"), []);
  assert.equal(store.state(company.id, "conv-2"), undefined, "no conversation was kept");
  const other = await turns.run(turn("Kajabi ?", { conversation_id: "conv-2", user_id: "visitor-2" }));
  assert.equal(other.kind, "answer", "another visitor opens the id the refused turn did not claim");
});

Deno.test("turn: asking for a human opens an escalation and pauses the bot (holding replies, no model)", async () => {
  const chat = scriptedChat();
  const { turns, turn, store, company } = setup({ offline: false, chat, router: chat });
  const asked = await turns.run(turn("Je voudrais parler à un humain s'il vous plaît"));
  assert.deepEqual([asked.kind, asked.escalated, asked.agent], ["holding", true, null]);
  const next = await turns.run(turn("Alors, ce tunnel Kajabi ?"));
  assert.match(next.reply, /transmise à notre équipe/);
  assert.equal(chat.requests.length, 0);
  assert.deepEqual(store.escalations.map((e) => e.reason), ["visitor_request"]);
  assert.equal(store.messages(company.id, "conv-1").length, 4);
});

Deno.test("turn: unsure routing asks which agent, then escalates on the third unsure turn in a row", async () => {
  const { turns, turn, store } = setup();
  const first = await turns.run(turn("Bonjour"));
  assert.deepEqual([first.kind, first.agent], ["clarify", null]);
  assert.match(first.reply, /Audrey \(Automatisation du marketing/);
  assert.equal((await turns.run(turn("Vous êtes là ?"))).kind, "clarify");
  const third = await turns.run(turn("Il fait beau aujourd'hui"));
  assert.deepEqual([third.kind, third.escalated], ["holding", true]);
  assert.deepEqual(store.escalations.map((e) => e.reason), ["low_confidence"]);
});

Deno.test("turn: a sure turn resets the unsure streak", async () => {
  const { turns, turn, store } = setup();
  await turns.run(turn("Bonjour"));
  await turns.run(turn("Hello"));
  assert.equal((await turns.run(turn("Une question sur Kajabi"))).agent, "audrey");
  await turns.run(turn("Bonjour"));
  assert.equal(store.escalations.length, 0);
});

Deno.test("turn: every provider failed is a 503; the visitor's message kept, an escalation opened", async () => {
  const chat = scriptedChat([], allFailed());
  const { turns, turn, store, company } = setup({ offline: false, chat, router: chat });
  const error = await refusedWith(turns.run(turn("Mon Zap Kajabi est cassé")), 503, "unavailable");
  assert.equal((error.details as { attempts: unknown[] }).attempts.length, 2);
  assert.deepEqual(store.messages(company.id, "conv-1").map((m) => m.role), ["user"]);
  assert.deepEqual(store.escalations.map((e) => e.reason), ["provider_failure"]);
});

Deno.test("turn: a company without agents is answered by the generic assistant from all its documents", async () => {
  const retrieve = standInRetrieve(passages);
  const { turns, turn } = setup({ retrieve, company: { agents: [] } });
  const res = await turns.run(turn("Kajabi ?"));
  assert.equal(res.agent, "assistant");
  assert.deepEqual(retrieve.calls[0].agents, []);
  assert.deepEqual(retrieve.chosen, [null]);
});

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const all: TurnEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

Deno.test("turn, stream: start, tokens, done; the stored message is the complete text", async () => {
  const chat = scriptedChat([], { text: "Un reel court ✨ fonctionne mieux [doc:902]." });
  const router = scriptedChat([], { json: { agent: "carole", confidence: 0.95, reason: "reels" } });
  const { turns, turn, store, company } = setup({ offline: false, chat, router });
  const events = await collect(turns.stream(turn("Quelle durée pour un reel ?")));
  assert.deepEqual(events[0], {
    type: "start",
    conversation_id: "conv-1",
    agent: "carole",
    agent_name: "Carole",
  });
  const tokens = events.filter((e) => e.type === "token").map((e) => (e as { delta: string }).delta);
  assert.ok(tokens.length > 3);
  const done = events.at(-1) as Extract<TurnEvent, { type: "done" }>;
  assert.equal(tokens.join(""), done.response.reply);
  const answer = store.messages(company.id, "conv-1")[1];
  assert.equal(answer.content, done.response.reply);
  assert.equal(answer.metadata.stream, true);
});

Deno.test("turn, stream: a failure before the first token throws from the first next() (a plain 503)", async () => {
  const chat = scriptedChat([], allFailed());
  const { turns, turn, store, company } = setup({ offline: false, chat, router: chat });
  await assert.rejects(
    turns.stream(turn("Kajabi ?")).next(),
    (e: unknown) => e instanceof HttpError && e.status === 503,
  );
  assert.deepEqual(store.messages(company.id, "conv-1").map((m) => m.role), ["user"]);
});

Deno.test("turn, stream: a client that leaves mid-reply still gets the complete answer stored", async () => {
  const chat = scriptedChat([], { text: "un deux trois quatre cinq six sept" });
  const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
  const { turns, turn, store, company } = setup({ offline: false, chat, router });
  const events = turns.stream(turn("Kajabi ?"));
  await events.next(); // start
  await events.next(); // "un "
  await events.return(undefined);
  const answer = store.messages(company.id, "conv-1")[1];
  assert.equal(answer.content, "un deux trois quatre cinq six sept");
  assert.equal(answer.metadata.client_disconnected, true);
});
