import assert from "node:assert/strict";
import { createDb } from "../_shared/db.ts";
import { readSse, type SseEvent } from "../_shared/sse.ts";
import { createOfflineChat } from "../_shared/providers/offline.ts";
import { allFailed, scriptedChat, standInRetrieve } from "../_shared/chat/testing.ts";
import type { ChatDeps } from "../_shared/chat/turn.ts";
import { ChatResponse, ErrorBody } from "../../types/api.ts";
import { asVisitor, stack, stackAuthenticator } from "../../tests/support/stack.ts";
import { createHandler } from "./handler.ts";

const ignore = !stack.available;

async function withHandler(
  providers: Partial<ChatDeps["providers"]>,
  fn: (handler: ReturnType<typeof createHandler>) => Promise<void>,
) {
  // An unreachable database is fine for requests rejected before any query.
  const db = createDb(stack.dbUrl || "postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 2 });
  try {
    await fn(createHandler({
      db,
      providers: { chat: createOfflineChat(), router: createOfflineChat(), offline: true, ...providers },
      retrieve: standInRetrieve([{
        id: 11,
        content: "Kajabi envoie les e-mails d'une séquence automatiquement.",
      }]),
      env: { rateLimit: { messages: 10, windowSeconds: 60 } },
      auth: await stackAuthenticator(),
    }));
  } finally {
    await db.end();
  }
}

function post(body: unknown): Request {
  return new Request("http://x/chat", { method: "POST", headers: asVisitor(), body: JSON.stringify(body) });
}

const valid = () => ({
  company_id: "agence-des-copines",
  conversation_id: `test-handler-${crypto.randomUUID()}`,
  user_id: "visitor-h",
  message: "Comment automatiser mes e-mails dans Kajabi ?",
});

Deno.test("chat rejects contract violations with 400 naming the field, before touching the database", async () => {
  await withHandler({}, async (handler) => {
    const cases: [unknown, RegExp][] = [
      [{ ...valid(), message: "   " }, /message/],
      [{ ...valid(), message: "x".repeat(4001) }, /message/],
      [{ ...valid(), conversation_id: undefined }, /conversation_id/],
      [{ ...valid(), company_id: "Not A Slug!" }, /company_id/],
      [{ ...valid(), stream: "yes" }, /stream/],
      [{ ...valid(), timestamp: "hier" }, /timestamp/],
    ];
    for (const [body, field] of cases) {
      const res = await handler(post(body));
      assert.equal(res.status, 400);
      const error = ErrorBody.parse(await res.json()).error;
      assert.equal(error.code, "invalid_request");
      assert.match(error.message, field);
    }
    assert.equal(
      (await handler(new Request("http://x/chat", { method: "POST", headers: asVisitor(), body: "{" })))
        .status,
      400,
    );
    const get = await handler(new Request("http://x/chat", { headers: asVisitor() }));
    assert.equal(get.status, 405);
    await get.body?.cancel();
    const preflight = await handler(new Request("http://x/chat", { method: "OPTIONS" }));
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    await preflight.body?.cancel();
  });
});

Deno.test({
  name: "chat answers one turn as JSON in the contract's shape",
  ignore,
  async fn() {
    await withHandler({}, async (handler) => {
      const body = valid();
      const res = await handler(post(body));
      assert.equal(res.status, 200);
      const answer = ChatResponse.parse(await res.json());
      assert.equal(answer.conversation_id, body.conversation_id);
      assert.equal(answer.agent, "audrey");
      assert.equal(answer.offline, true);
      assert.deepEqual(answer.sources.map((s) => [s.id, s.cited]), [[11, true]]);
    });
  },
});

Deno.test({
  name: "chat 429 carries Retry-After and « Trop de messages. Veuillez patienter. »",
  ignore,
  async fn() {
    await withHandler({}, async (handler) => {
      const body = valid();
      for (let i = 0; i < 10; i++) assert.equal((await handler(post(body))).status, 200);
      const res = await handler(post(body));
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      const error = ErrorBody.parse(await res.json()).error;
      assert.deepEqual([error.code, error.message], [
        "rate_limited",
        "Trop de messages. Veuillez patienter.",
      ]);
    });
  },
});

async function events(res: Response): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const event of readSse(res.body!)) all.push(event);
  return all;
}

Deno.test({
  name: "chat stream: start, token events, then done with the JSON answer's shape",
  ignore,
  async fn() {
    await withHandler({}, async (handler) => {
      const res = await handler(post({ ...valid(), stream: true }));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /text\/event-stream/);
      const all = await events(res);
      assert.equal(all[0].event, "start");
      assert.equal((all[0].data as { agent: string }).agent, "audrey");
      const done = all.at(-1)!;
      assert.equal(done.event, "done");
      const answer = ChatResponse.parse(done.data);
      const text = all.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta)
        .join("");
      assert.equal(text, answer.reply);
    });
  },
});

Deno.test({
  name: "chat stream: providers failing before the first token give a plain 503 in the error contract",
  ignore,
  async fn() {
    const chat = scriptedChat([], allFailed());
    await withHandler({ chat, router: chat, offline: false }, async (handler) => {
      const res = await handler(post({ ...valid(), stream: true }));
      assert.equal(res.status, 503);
      assert.match(res.headers.get("content-type")!, /application\/json/);
      assert.equal(ErrorBody.parse(await res.json()).error.code, "unavailable");
    });
  },
});

Deno.test({
  name: "chat stream: a failure after the first token ends the stream with an error event",
  ignore,
  async fn() {
    const chat = {
      name: "breaks",
      complete: () => Promise.reject(new Error("unused")),
      async *stream() {
        yield { delta: "Bonjour " };
        throw allFailed();
      },
    };
    const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
    await withHandler({ chat, router, offline: false }, async (handler) => {
      const res = await handler(post({ ...valid(), stream: true }));
      assert.equal(res.status, 200);
      const all = await events(res);
      assert.deepEqual(all.map((e) => e.event), ["start", "token", "error"]);
      assert.equal((all[2].data as ErrorBody).error.code, "unavailable");
    });
  },
});
