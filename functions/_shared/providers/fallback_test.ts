import assert from "node:assert/strict";
import { type FakeProviders, withFakeProviders } from "../../../tests/support/fake_providers.ts";
import { AllProvidersFailed, createChatChain } from "./fallback.ts";
import { createOpenAICompatChat } from "./openai_compat.ts";
import type { ChatProvider, ChatStreamEvent } from "./types.ts";

const messages = [{ role: "user" as const, content: "Bonjour" }];

/** Groq, the one tests script to hang, gets a short budget; the others a loaded machine cannot exhaust. */
function chain(fake: FakeProviders, groqTimeoutMs = 100): ChatProvider {
  const common = { apiKey: "k", timeoutMs: 5_000, maxRetries: 0 };
  return createChatChain([
    createOpenAICompatChat({
      ...common,
      name: "openrouter",
      baseUrl: fake.openrouterBaseUrl,
      model: "anthropic/claude-3.5-sonnet",
    }),
    createOpenAICompatChat({
      ...common,
      name: "groq",
      timeoutMs: groqTimeoutMs,
      baseUrl: fake.groqBaseUrl,
      model: "llama-3.3-70b-versatile",
    }),
    createOpenAICompatChat({
      ...common,
      name: "deepseek",
      baseUrl: fake.deepseekBaseUrl,
      model: "deepseek-chat",
    }),
  ]);
}

Deno.test("fallback: 429, then timeout, then an answer from the third provider, every attempt recorded", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { status: 429 });
    fake.script("chat", [{ hang: true }, { text: "Bonjour !" }]);
    const result = await chain(fake).complete({ messages, model: "anthropic/claude-3.5-haiku" });
    assert.equal(result.text, "Bonjour !");
    assert.equal(result.provider, "deepseek");
    assert.deepEqual(
      result.attempts.map(({ provider, model, ok, error }) => ({ provider, model, ok, error })),
      [
        { provider: "openrouter", model: "anthropic/claude-3.5-haiku", ok: false, error: "http 429" },
        { provider: "groq", model: "llama-3.3-70b-versatile", ok: false, error: "timeout" },
        { provider: "deepseek", model: "deepseek-chat", ok: true, error: undefined },
      ],
    );
    assert.ok(result.attempts.every((a) => a.ms >= 0));
    assert.deepEqual(fake.requests.map((r) => r.provider), ["openrouter", "groq", "deepseek"]);
    assert.equal(
      fake.requests[1].body?.model,
      "llama-3.3-70b-versatile",
      "req.model goes to the first provider only",
    );
  });
});

Deno.test("fallback: when every provider fails, AllProvidersFailed carries the attempts", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { status: 500 });
    fake.script("chat", [{ malformed: true }, { status: 503 }]);
    const error = await chain(fake).complete({ messages }).catch((e) => e);
    assert.ok(error instanceof AllProvidersFailed);
    assert.deepEqual(error.attempts.map((a) => a.error), ["http 500", "malformed", "http 503"]);
    assert.match(error.message, /openrouter .*http 500; groq .*malformed; deepseek .*http 503/);
  });
});

async function drain(events: AsyncIterable<ChatStreamEvent>) {
  const deltas: string[] = [];
  for await (const event of events) {
    if ("delta" in event) deltas.push(event.delta);
    else return { deltas, done: event.done };
  }
  throw new Error("no result");
}

Deno.test("fallback: a stream falls back while nothing has been emitted", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { status: 429 });
    fake.script("chat", { chunks: ["Bon", "jour"] });
    const { deltas, done } = await drain(chain(fake).stream({ messages }));
    assert.deepEqual(deltas, ["Bon", "jour"]);
    assert.equal(done.provider, "groq");
    assert.deepEqual(done.attempts.map((a) => a.ok), [false, true]);
  });
});

Deno.test("fallback: a stream that fails after its first token does not fall back", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { chunks: ["Bon", "jour", " !"], streamErrorAfter: 1 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const event of chain(fake).stream({ messages })) {
        if ("delta" in event) deltas.push(event.delta);
      }
    })().catch((e) => e);
    assert.deepEqual(deltas, ["Bon"]);
    assert.equal(error?.name, "ProviderError");
    assert.equal(fake.requests.length, 1, "no second provider was asked");
  });
});

Deno.test("fallback: errors that are not ProviderErrors propagate at once", async () => {
  const calls: string[] = [];
  const broken: ChatProvider = {
    name: "broken",
    complete: () => Promise.reject(new TypeError("bug")),
    stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new TypeError("bug")) }) }),
  };
  const spare: ChatProvider = {
    name: "spare",
    complete: () => {
      calls.push("spare");
      return Promise.reject(new Error("unreachable"));
    },
    stream: () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("unreachable")) }),
    }),
  };
  await assert.rejects(createChatChain([broken, spare]).complete({ messages }), TypeError);
  assert.deepEqual(calls, []);
  await assert.rejects(createChatChain([]).complete({ messages }), AllProvidersFailed);
});
