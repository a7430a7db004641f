// The chat handler without a database (the in-memory store): the HTTP contract, credentials,
// malformed input, the address the limits see, JSON and SSE answers.
import assert from "node:assert/strict";
import { readSse, type SseEvent } from "../_shared/sse.ts";
import { createOfflineChat } from "../_shared/providers/offline.ts";
import { createMemoryChatStore } from "../_shared/chat/store_memory.ts";
import {
  allFailed,
  memoryCompany,
  scriptedChat,
  standInRetrieve,
  TEST_DEFAULTS,
} from "../_shared/chat/testing.ts";
import type { ChatDeps } from "../_shared/chat/turn.ts";
import { ChatResponse, ErrorBody } from "../../types/api.ts";
import { asVisitor, stackAuthenticator } from "../../tests/support/stack.ts";
import { createHandler } from "./handler.ts";

const auth = await stackAuthenticator();

function setup(providers: Partial<ChatDeps["providers"]> = {}, settings = {}) {
  const company = memoryCompany({ settings });
  const store = createMemoryChatStore({ companies: [company], defaults: TEST_DEFAULTS });
  const handler = createHandler({
    store,
    providers: { chat: createOfflineChat(), router: createOfflineChat(), offline: true, ...providers },
    retrieve: standInRetrieve([{
      id: 11,
      content: "Kajabi envoie les e-mails d'une séquence automatiquement.",
    }]),
    auth,
  });
  const valid = () => ({
    company_id: company.slug,
    conversation_id: `conv-${crypto.randomUUID()}`,
    user_id: "visitor-h",
    message: "Comment automatiser mes e-mails dans Kajabi ?",
  });
  return { company, store, handler, valid };
}

function post(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request("http://x/chat", {
    method: "POST",
    headers: { ...asVisitor(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function errorOf(res: Response) {
  return ErrorBody.parse(await res.json()).error;
}

Deno.test("chat rejects contract violations with 400 naming the field, before anything is stored", async () => {
  const { handler, valid, store, company } = setup();
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
    const error = await errorOf(res);
    assert.equal(error.code, "invalid_request");
    assert.match(error.message, field);
  }
  assert.equal((await handler(post("{"))).status, 400);
  const get = await handler(new Request("http://x/chat", { headers: asVisitor() }));
  assert.equal(get.status, 405);
  await get.body?.cancel();
  const preflight = await handler(new Request("http://x/chat", { method: "OPTIONS" }));
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  await preflight.body?.cancel();
  assert.deepEqual(store.messages(company.id, "x"), []);
});

Deno.test("chat refuses NUL characters and unpaired surrogates in every string with a 400, spending nothing", async () => {
  const { handler, valid, store, company } = setup();
  const body = valid();
  const bad = ["a\u0000b", "a\ud800b", "\udc00"];
  const fields = ["message", "conversation_id", "user_id", "idempotency_key"] as const;
  for (const field of fields) {
    for (const value of bad) {
      const res = await handler(post({ ...body, [field]: value }));
      assert.equal(res.status, 400, `${field} ${JSON.stringify(value)}`);
      const error = await errorOf(res);
      assert.equal(error.code, "invalid_request");
      assert.match(
        error.message,
        new RegExp(`${field}: must not contain NUL characters or unpaired surrogates`),
      );
    }
  }
  // The same escapes as the raw JSON a client sends.
  const raw = JSON.stringify(body).replace('"message":"', '"message":"\\u0000');
  assert.equal((await handler(post(raw))).status, 400);
  // Nothing was counted: all ten turns of the conversation remain.
  const ok = ChatResponse.parse(await (await handler(post(body))).json());
  assert.equal(ok.rate_limit.remaining, 9);
  assert.equal(store.messages(company.id, body.conversation_id).length, 2);
});

Deno.test("chat without credentials, or with a forged key, is a 401 before the body is read", async () => {
  const { handler, valid } = setup();
  for (const headers of [{ apikey: "" }, { apikey: "sb_publishable_forgedforgedforged_x" }]) {
    const res = await handler(
      new Request("http://x/chat", { method: "POST", headers, body: JSON.stringify(valid()) }),
    );
    assert.equal(res.status, 401);
    assert.equal((await errorOf(res)).code, "unauthorized");
  }
});

Deno.test("chat answers one turn as JSON in the contract's shape", async () => {
  const { handler, valid } = setup();
  const body = valid();
  const res = await handler(post(body));
  assert.equal(res.status, 200);
  const answer = ChatResponse.parse(await res.json());
  assert.deepEqual([answer.conversation_id, answer.agent, answer.offline], [
    body.conversation_id,
    "audrey",
    true,
  ]);
  assert.deepEqual(answer.sources.map((s) => [s.id, s.cited]), [[11, true]]);
});

Deno.test("chat counts turns per client address from cf-connecting-ip (what the platform's edge sets)", async () => {
  const { handler, valid } = setup({}, { address_turns_per_minute: 2 });
  const from = (ip: string) => ({
    "cf-connecting-ip": ip,
    "x-forwarded-for": `${crypto.randomUUID()}, ${ip}`,
  });
  // New conversations and new visitors each time: only the address is shared.
  for (let i = 0; i < 2; i++) {
    assert.equal((await handler(post({ ...valid(), user_id: `v-${i}` }, from("203.0.113.7")))).status, 200);
  }
  const refused = await handler(post({ ...valid(), user_id: "v-9" }, from("203.0.113.7")));
  assert.equal(refused.status, 429);
  assert.equal(((await errorOf(refused)).details as { limit: string }).limit, "address");
  assert.equal((await handler(post({ ...valid(), user_id: "v-10" }, from("198.51.100.1")))).status, 200);
});

Deno.test("chat 429 carries Retry-After, « Trop de messages. Veuillez patienter. » and the limit hit", async () => {
  const { handler, valid } = setup();
  const body = valid();
  for (let i = 0; i < 10; i++) assert.equal((await handler(post(body))).status, 200);
  const res = await handler(post(body));
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  const error = await errorOf(res);
  assert.deepEqual([error.code, error.message], ["rate_limited", "Trop de messages. Veuillez patienter."]);
  assert.deepEqual((error.details as { limit: string; max: number }).limit, "conversation");
});

async function events(res: Response): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const event of readSse(res.body!)) all.push(event);
  return all;
}

Deno.test("chat stream: start, token events, then done with the JSON answer's shape", async () => {
  const { handler, valid } = setup();
  const res = await handler(post({ ...valid(), stream: true }));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /text\/event-stream/);
  const all = await events(res);
  assert.equal(all[0].event, "start");
  assert.equal((all[0].data as { agent: string }).agent, "audrey");
  const done = all.at(-1)!;
  assert.equal(done.event, "done");
  const answer = ChatResponse.parse(done.data);
  const text = all.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta).join(
    "",
  );
  assert.equal(text, answer.reply);
});

Deno.test("chat stream: refusals and providers failing before the first token are plain errors", async () => {
  const chat = scriptedChat([], allFailed());
  const { handler, valid } = setup({ chat, router: chat, offline: false });
  const body = valid();
  const res = await handler(post({ ...body, stream: true }));
  assert.equal(res.status, 503);
  assert.match(res.headers.get("content-type")!, /application\/json/);
  assert.equal((await errorOf(res)).code, "unavailable");
  const intruder = await handler(post({ ...body, user_id: "someone-else", stream: true }));
  assert.equal(intruder.status, 403);
  assert.equal((await errorOf(intruder)).code, "forbidden");
});

Deno.test("chat stream: a failure after the first token ends the stream with an error event", async () => {
  const chat = {
    name: "breaks",
    complete: () => Promise.reject(new Error("unused")),
    async *stream() {
      yield { delta: "Bonjour " };
      throw allFailed();
    },
  };
  const router = scriptedChat([], { json: { agent: "audrey", confidence: 1, reason: "" } });
  const { handler, valid } = setup({ chat, router, offline: false });
  const res = await handler(post({ ...valid(), stream: true }));
  assert.equal(res.status, 200);
  const all = await events(res);
  assert.deepEqual(all.map((e) => e.event), ["start", "token", "error"]);
  assert.equal((all[2].data as ErrorBody).error.code, "unavailable");
});

Deno.test("chat: an unknown company is a 404 in the error contract", async () => {
  const { handler, valid } = setup();
  const res = await handler(post({ ...valid(), company_id: "nobody-here" }));
  assert.equal(res.status, 404);
  assert.equal((await errorOf(res)).code, "not_found");
});
