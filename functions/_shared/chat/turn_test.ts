import assert from "node:assert/strict";
import { stack } from "../../../tests/support/stack.ts";
import { createDb, type Db } from "../db.ts";
import { HttpError } from "../http.ts";
import type { ChatProvider } from "../providers/types.ts";
import { createOfflineChat } from "../providers/offline.ts";
import type { Passage } from "./prompt.ts";
import { allFailed, scriptedChat, standInRetrieve } from "./testing.ts";
import { type ChatDeps, createTurns, RATE_LIMITED_MESSAGE, type TurnEvent, type TurnInput } from "./turn.ts";

const COMPANY = "agence-des-copines";
const ignore = !stack.available;

const passages: Passage[] = [
  {
    id: 901,
    content: "Dans Kajabi, une séquence e-mail se crée dans Marketing, onglet Séquences.",
    title: "Kajabi",
  },
  { id: 902, content: "Un reel Instagram de 15 secondes retient mieux l'attention.", title: "Reels" },
];

async function withTurns(
  options: {
    offline?: boolean;
    chat?: ChatProvider;
    router?: ChatProvider;
    retrieve?: ChatDeps["retrieve"];
  },
  fn: (t: ReturnType<typeof createTurns>, db: Db, deps: ChatDeps) => Promise<void>,
) {
  const db = createDb(stack.dbUrl, { max: 2 });
  const offline = options.offline ?? true;
  const deps: ChatDeps = {
    db,
    providers: {
      chat: options.chat ?? createOfflineChat(),
      router: options.router ?? createOfflineChat(),
      offline,
    },
    retrieve: options.retrieve ?? standInRetrieve(passages),
    env: { rateLimit: { messages: 10, windowSeconds: 60 } },
  };
  try {
    await fn(createTurns(deps), db, deps);
  } finally {
    await db.end();
  }
}

function turn(conversation: string, message: string, extra: Partial<TurnInput> = {}): TurnInput {
  return { company_id: COMPANY, conversation_id: conversation, user_id: "visitor-1", message, ...extra };
}

function conversationId(): string {
  return `test-turn-${crypto.randomUUID()}`;
}

/** The stored messages of a widget conversation, oldest first. */
async function stored(db: Db, conversation: string) {
  return await db.sql`
    select m.role, m.content, m.agent, m.model_used, m.prompt_tokens, m.completion_tokens, m.tokens_used,
           m.latency_ms, m.sources, m.metadata, m.idempotency_key, c.current_agent, c.status
    from public.messages m join public.conversations c on c.id = m.conversation_id
    where c.external_id = ${conversation} order by m.created_at`;
}

async function openEscalations(db: Db, conversation: string) {
  return await db.sql`
    select e.reason from public.escalations e join public.conversations c on c.id = e.conversation_id
    where c.external_id = ${conversation} and e.status = 'open'`;
}

Deno.test({
  name: "offline: keyword routing, the agent's greeting, cited passages, and every field stored",
  ignore,
  async fn() {
    const retrieve = standInRetrieve(passages);
    await withTurns({ retrieve }, async (t, db) => {
      const conv = conversationId();
      const res = await t.run(
        turn(conv, "Comment créer une séquence e-mail dans Kajabi ?", { timestamp: 1700000000000 }),
      );
      assert.equal(res.agent, "audrey");
      assert.equal(res.agent_name, "Audrey");
      assert.equal(res.kind, "answer");
      assert.equal(res.offline, true);
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
      assert.deepEqual(retrieve.calls[0], {
        company: COMPANY,
        agent: "audrey",
        question: "Comment créer une séquence e-mail dans Kajabi ?",
        count: 5,
        signal: retrieve.calls[0].signal,
      });

      const rows = await stored(db, conv);
      assert.deepEqual(rows.map((r) => r.role), ["user", "assistant"]);
      assert.equal(rows[0].metadata.client_timestamp, 1700000000000);
      const answer = rows[1];
      assert.equal(answer.content, res.reply);
      assert.equal(answer.agent, "audrey");
      assert.equal(answer.model_used, "offline-extractive-v1");
      assert.equal(answer.tokens_used, answer.prompt_tokens + answer.completion_tokens);
      assert.ok(answer.prompt_tokens > 0 && answer.latency_ms >= 0);
      assert.equal(answer.metadata.offline, true);
      assert.equal(answer.metadata.routing.method, "keyword");
      assert.deepEqual(answer.metadata.fallback_reasons, []);
      assert.equal(answer.metadata.retrieval.count, 2);
      assert.equal(answer.current_agent, "audrey");
    });
  },
});

Deno.test({
  name: "offline with an empty knowledge base: greeting, plain notice, and what the visitor can do",
  ignore,
  async fn() {
    await withTurns({ retrieve: standInRetrieve([]) }, async (t) => {
      const res = await t.run(turn(conversationId(), "Des idées de reels Instagram ?"));
      assert.equal(res.agent, "carole");
      assert.match(res.reply, /^Coucou, moi c'est Carole/);
      assert.match(res.reply, /sans modèle de langue/);
      assert.match(res.reply, /parler à un humain/);
      assert.deepEqual(res.sources, []);
    });
  },
});

Deno.test({
  name: "a conversation stays with its agent on follow-ups and switches only when the topic clearly moves",
  ignore,
  async fn() {
    await withTurns({}, async (t) => {
      const conv = conversationId();
      assert.equal((await t.run(turn(conv, "Mon tunnel de vente Kajabi ne marche pas"))).agent, "audrey");
      assert.equal((await t.run(turn(conv, "Et combien de temps ça prend ?"))).agent, "audrey");
      // One Carole keyword is not enough to leave Audrey…
      assert.equal((await t.run(turn(conv, "Et sur Instagram ?"))).agent, "audrey");
      // …a clear move is.
      assert.equal(
        (await t.run(turn(conv, "Autre sujet : mes reels et mes stories Instagram"))).agent,
        "carole",
      );
    });
  },
});

Deno.test({
  name: "the LLM router decides when providers are configured; its failure falls back to keywords",
  ignore,
  async fn() {
    const router = scriptedChat([
      { json: { agent: "carole", confidence: 0.9, reason: "contenu" } },
      allFailed(),
      { text: "pas du JSON" },
    ]);
    const chat = scriptedChat([], { text: "Voici la réponse [doc:902]." });
    await withTurns({ offline: false, router, chat }, async (t, db) => {
      const conv = conversationId();
      const first = await t.run(turn(conv, "Je ne sais pas quoi publier cette semaine"));
      assert.equal(first.agent, "carole");
      assert.equal(first.offline, false);
      assert.equal(first.model, "test-model");
      assert.equal(first.reply, "Voici la réponse [doc:902].");
      assert.deepEqual(first.sources.filter((s) => s.cited).map((s) => s.id), [902]);
      assert.deepEqual(first.usage, { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
      // The answer prompt: Carole's system prompt with the passages, then the visitor's message.
      const prompt = chat.requests[0].messages;
      assert.match(prompt[0].content, /^Tu es Carole/);
      assert.match(prompt[0].content, /\n\[902\] Un reel Instagram/);
      assert.equal(prompt.at(-1)!.content, "Je ne sais pas quoi publier cette semaine");

      const second = await t.run(turn(conv, "Comment automatiser mes e-mails avec Zapier et Kajabi ?"));
      assert.equal(second.agent, "audrey", "keyword fallback, margin 3 ≥ 2");
      const third = await t.run(turn(conv, "Merci !"));
      assert.equal(third.agent, "audrey");
      // History reached the answer prompt.
      assert.ok(
        chat.requests[2].messages.some((m) => m.content === "Je ne sais pas quoi publier cette semaine"),
      );

      const rows = (await stored(db, conv)).filter((r) => r.role === "assistant");
      assert.equal(rows[0].metadata.routing.method, "llm");
      assert.equal(rows[0].metadata.routing.confidence, 0.9);
      assert.equal(rows[1].metadata.routing.method, "keyword");
      assert.match(rows[1].metadata.routing.router_fallback, /all providers failed: http 500, timeout/);
      assert.match(rows[2].metadata.routing.router_fallback, /malformed/);
    });
  },
});

Deno.test({
  name: "a repeated idempotency key returns the stored answer: no second turn, nothing counted",
  ignore,
  async fn() {
    const chat = scriptedChat();
    await withTurns({
      offline: false,
      chat,
      router: scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } }),
    }, async (t, db) => {
      const conv = conversationId();
      const first = await t.run(turn(conv, "Kajabi ?", { idempotency_key: "k-1" }));
      const again = await t.run(turn(conv, "Kajabi ?", { idempotency_key: "k-1" }));
      assert.equal(again.message_id, first.message_id);
      assert.equal(again.reply, first.reply);
      assert.equal(again.replayed, true);
      assert.equal(first.replayed, false);
      assert.equal(again.rate_limit.remaining, first.rate_limit.remaining);
      assert.equal(chat.requests.length, 1);
      assert.equal((await stored(db, conv)).length, 2);
    });
  },
});

Deno.test({
  name: "asking for a human opens an escalation and pauses the bot: holding replies, no model call",
  ignore,
  async fn() {
    const chat = scriptedChat();
    await withTurns({ offline: false, chat, router: chat }, async (t, db) => {
      const conv = conversationId();
      const asked = await t.run(turn(conv, "Je voudrais parler à un humain s'il vous plaît"));
      assert.equal(asked.kind, "holding");
      assert.equal(asked.escalated, true);
      assert.equal(asked.agent, null);
      assert.match(asked.reply, /membre de l'équipe/);
      const next = await t.run(turn(conv, "Alors, ce tunnel Kajabi ?"));
      assert.equal(next.kind, "holding");
      assert.match(next.reply, /transmise à notre équipe/);
      assert.equal(chat.requests.length, 0);
      assert.deepEqual((await openEscalations(db, conv)).map((e) => e.reason), ["visitor_request"]);
      const rows = await stored(db, conv);
      assert.equal(rows.length, 4);
      assert.equal(rows[0].status, "escalated");
    });
  },
});

Deno.test({
  name: "unsure routing: clarifying questions, then an escalation on the third unsure turn in a row",
  ignore,
  async fn() {
    await withTurns({}, async (t, db) => {
      const conv = conversationId();
      const first = await t.run(turn(conv, "Bonjour"));
      assert.equal(first.kind, "clarify");
      assert.equal(first.agent, null);
      assert.match(first.reply, /Audrey \(Automatisation du marketing/);
      assert.match(first.reply, /Carole \(Instagram/);
      assert.equal((await t.run(turn(conv, "Vous êtes là ?"))).kind, "clarify");
      const third = await t.run(turn(conv, "Il fait beau aujourd'hui"));
      assert.equal(third.kind, "holding");
      assert.equal(third.escalated, true);
      assert.deepEqual((await openEscalations(db, conv)).map((e) => e.reason), ["low_confidence"]);
    });
  },
});

Deno.test({
  name: "a sure turn resets the unsure streak",
  ignore,
  async fn() {
    await withTurns({}, async (t, db) => {
      const conv = conversationId();
      await t.run(turn(conv, "Bonjour"));
      await t.run(turn(conv, "Hello"));
      assert.equal((await t.run(turn(conv, "Une question sur Kajabi"))).agent, "audrey");
      await t.run(turn(conv, "Bonjour"));
      assert.equal((await openEscalations(db, conv)).length, 0);
    });
  },
});

Deno.test({
  name: "the 11th message within the window is refused with 429, Retry-After and the French message",
  ignore,
  async fn() {
    await withTurns({}, async (t, db) => {
      const conv = conversationId();
      for (let i = 1; i <= 10; i++) {
        assert.equal((await t.run(turn(conv, `Kajabi ${i}`))).rate_limit.remaining, 10 - i);
      }
      const refused = await t.run(turn(conv, "Kajabi 11")).then(() => undefined, (error) => error);
      assert.ok(refused instanceof HttpError);
      assert.equal(refused.status, 429);
      assert.equal(refused.message, RATE_LIMITED_MESSAGE);
      const retry = Number(refused.headers["Retry-After"]);
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      assert.equal((await stored(db, conv)).length, 20, "the refused message is not stored");
    });
  },
});

Deno.test({
  name: "every provider failed: 503, the visitor's message kept, an escalation opened, no answer stored",
  ignore,
  async fn() {
    const chat = scriptedChat([], allFailed());
    await withTurns({ offline: false, chat, router: chat }, async (t, db) => {
      const conv = conversationId();
      const error = await t.run(turn(conv, "Mon Zap Kajabi est cassé")).then(() => undefined, (e) => e);
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 503);
      assert.equal(error.code, "unavailable");
      assert.equal((error.details as { attempts: unknown[] }).attempts.length, 2);
      const rows = await stored(db, conv);
      assert.deepEqual(rows.map((r) => r.role), ["user"]);
      assert.deepEqual((await openEscalations(db, conv)).map((e) => e.reason), ["provider_failure"]);
    });
  },
});

Deno.test({
  name: "unknown company → 404; the message is not stored anywhere",
  ignore,
  async fn() {
    await withTurns({}, async (t) => {
      const error = await t.run({ ...turn(conversationId(), "Kajabi ?"), company_id: "nobody-here" })
        .then(() => undefined, (e) => e);
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 404);
    });
  },
});

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const all: TurnEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

Deno.test({
  name: "stream: start, tokens, done; the stored message is the complete text",
  ignore,
  async fn() {
    const chat = scriptedChat([], { text: "Un reel court ✨ fonctionne mieux [doc:902]." });
    const router = scriptedChat([], { json: { agent: "carole", confidence: 0.95, reason: "reels" } });
    await withTurns({ offline: false, chat, router }, async (t, db) => {
      const conv = conversationId();
      const events = await collect(t.stream(turn(conv, "Quelle durée pour un reel ?")));
      assert.deepEqual(events[0], {
        type: "start",
        conversation_id: conv,
        agent: "carole",
        agent_name: "Carole",
      });
      const tokens = events.filter((e) => e.type === "token").map((e) => (e as { delta: string }).delta);
      assert.ok(tokens.length > 3);
      const done = events.at(-1) as Extract<TurnEvent, { type: "done" }>;
      assert.equal(done.type, "done");
      assert.equal(tokens.join(""), done.response.reply);
      assert.equal(done.response.reply, "Un reel court ✨ fonctionne mieux [doc:902].");
      const rows = await stored(db, conv);
      assert.equal(rows[1].content, done.response.reply);
      assert.equal(rows[1].metadata.stream, true);
    });
  },
});

Deno.test({
  name: "stream: failure before the first token throws from the first next() (the handler answers 503)",
  ignore,
  async fn() {
    const chat = scriptedChat([], allFailed());
    await withTurns({ offline: false, chat, router: chat }, async (t, db) => {
      const conv = conversationId();
      const events = t.stream(turn(conv, "Kajabi ?"));
      await assert.rejects(events.next(), (e: unknown) => e instanceof HttpError && e.status === 503);
      assert.deepEqual((await stored(db, conv)).map((r) => r.role), ["user"]);
    });
  },
});

Deno.test({
  name: "stream: a client that leaves mid-reply still gets the complete answer stored",
  ignore,
  async fn() {
    const chat = scriptedChat([], { text: "un deux trois quatre cinq six sept" });
    const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
    await withTurns({ offline: false, chat, router }, async (t, db) => {
      const conv = conversationId();
      const events = t.stream(turn(conv, "Kajabi ?"));
      await events.next(); // start
      await events.next(); // "un "
      await events.return(undefined);
      const rows = await stored(db, conv);
      assert.equal(rows[1].content, "un deux trois quatre cinq six sept");
      assert.equal(rows[1].metadata.client_disconnected, true);
    });
  },
});
