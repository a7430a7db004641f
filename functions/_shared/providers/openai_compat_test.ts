import assert from "node:assert/strict";
import {
  fakeOpenRouterCost,
  type FakeProviders,
  withFakeProviders,
} from "../../../tests/support/fake_providers.ts";
import { createOpenAICompatChat, type OpenAICompatOptions } from "./openai_compat.ts";
import { type ChatResult, ProviderError } from "./types.ts";

const question = [{ role: "user" as const, content: "Quels sont vos horaires ?" }];

function openaiChat(fake: FakeProviders, overrides: Partial<OpenAICompatOptions> = {}) {
  return createOpenAICompatChat({
    name: "openai",
    apiKey: "sk-test",
    baseUrl: fake.openaiBaseUrl,
    model: "gpt-4o-mini",
    timeoutMs: 500,
    maxRetries: 0,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${error}`);
  return error;
}

Deno.test("openai_compat: plain chat returns text, model, usage and one attempt", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", {
      text: "Nous sommes ouverts de 9h à 18h.",
      usage: { prompt_tokens: 12, completion_tokens: 9 },
    });
    const result = await openaiChat(fake).complete({ messages: question, temperature: 0.2, maxTokens: 100 });
    assert.equal(result.text, "Nous sommes ouverts de 9h à 18h.");
    assert.equal(result.model, "gpt-4o-mini");
    assert.equal(result.provider, "openai");
    assert.deepEqual(result.usage, { promptTokens: 12, completionTokens: 9 });
    assert.equal(result.attempts.length, 1);
    assert.equal(result.attempts[0].ok, true);
    const sent = fake.requests[0];
    assert.equal(sent.authorization, "Bearer sk-test");
    assert.deepEqual(sent.body?.messages, question);
    assert.equal(sent.body?.temperature, 0.2);
    assert.equal(sent.body?.max_tokens, 100);
  });
});

Deno.test("openai_compat: json schema request sends strict structured output and parses the reply", async () => {
  await withFakeProviders(async (fake) => {
    const schema = {
      type: "object",
      properties: { agent: { type: "string", enum: ["audrey", "carole"] }, confidence: { type: "number" } },
      required: ["agent", "confidence"],
      additionalProperties: false,
    };
    fake.script("chat", { json: { agent: "carole", confidence: 0.9 } });
    const result = await openaiChat(fake).complete({ messages: question, json: { name: "route", schema } });
    assert.deepEqual(result.json, { agent: "carole", confidence: 0.9 });
    assert.deepEqual(fake.requests[0].body?.response_format, {
      type: "json_schema",
      json_schema: { name: "route", schema, strict: true },
    });
  });
});

Deno.test("openai_compat: json mode tolerates a code fence but not prose", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", [{ text: '```json\n{"ok": true}\n```' }, { text: "Bien sûr ! Voici la réponse." }]);
    const chat = openaiChat(fake);
    const fenced = await chat.complete({ messages: question, json: true });
    assert.deepEqual(fenced.json, { ok: true });
    assert.deepEqual(fake.requests[0].body?.response_format, { type: "json_object" });
    const error = await rejection(chat.complete({ messages: question, json: true }));
    assert.equal(error.kind, "malformed");
    assert.equal(error.provider, "openai");
  });
});

Deno.test("openai_compat: a body that is not JSON is 'malformed'", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", { malformed: true });
    const error = await rejection(openaiChat(fake).complete({ messages: question }));
    assert.equal(error.kind, "malformed");
  });
});

Deno.test("openai_compat: 429, 500 and a hang map to http 429, http 500 and timeout", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", [{ status: 429, retryAfter: 0 }, { status: 500 }, { hang: true }]);
    const chat = openaiChat(fake, { timeoutMs: 100 });
    const limited = await rejection(chat.complete({ messages: question }));
    assert.deepEqual([limited.kind, limited.status, limited.reason], ["http", 429, "http 429"]);
    const broken = await rejection(chat.complete({ messages: question }));
    assert.deepEqual([broken.kind, broken.status], ["http", 500]);
    const started = performance.now();
    const slow = await rejection(chat.complete({ messages: question }));
    assert.equal(slow.kind, "timeout");
    assert.ok(performance.now() - started < 400, "the timeout bounds the call");
  });
});

Deno.test("openai_compat: a refused connection is 'network'", async () => {
  const chat = createOpenAICompatChat({
    name: "groq",
    apiKey: "x",
    baseUrl: "http://127.0.0.1:9/v1",
    model: "m",
    timeoutMs: 500,
    maxRetries: 0,
  });
  const error = await rejection(chat.complete({ messages: question }));
  assert.equal(error.kind, "network");
});

Deno.test("openai_compat: the caller's abort propagates as-is, not as a ProviderError", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", { hang: true });
    const controller = new AbortController();
    const pending = openaiChat(fake, { timeoutMs: 5_000 }).complete({
      messages: question,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("visitor left")), 20);
    const error = await pending.then(() => undefined, (e) => e);
    assert.ok(!(error instanceof ProviderError));
    assert.equal((error as Error).message, "visitor left");
  });
});

async function collect(events: AsyncIterable<{ delta: string } | { done: ChatResult }>) {
  const deltas: string[] = [];
  let done: ChatResult | undefined;
  for await (const event of events) {
    if ("delta" in event) deltas.push(event.delta);
    else done = event.done;
  }
  return { deltas, done };
}

Deno.test("openai_compat: streaming yields the deltas, then the result with usage", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", { chunks: ["Bon", "jour", " !"], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    const { deltas, done } = await collect(openaiChat(fake).stream({ messages: question }));
    assert.deepEqual(deltas, ["Bon", "jour", " !"]);
    assert.equal(done?.text, "Bonjour !");
    assert.deepEqual(done?.usage, { promptTokens: 5, completionTokens: 3 });
    assert.equal(fake.requests[0].body?.stream, true);
    assert.deepEqual(fake.requests[0].body?.stream_options, { include_usage: true });
  });
});

Deno.test("openai_compat: a stream error event or an unparsable event is a ProviderError", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", [{ chunks: ["a", "b", "c"], streamErrorAfter: 1 }, { malformed: true }]);
    const chat = openaiChat(fake);
    const failed = await collect(chat.stream({ messages: question })).then(() => undefined, (e) => e);
    assert.ok(failed instanceof ProviderError && failed.kind === "http");
    const garbled = await collect(chat.stream({ messages: question })).then(() => undefined, (e) => e);
    assert.ok(garbled instanceof ProviderError && garbled.kind === "malformed");
  });
});

Deno.test("openai_compat: OpenRouter gets the models list and reports the model that answered", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { failModels: ["anthropic/claude-3.5-sonnet"] });
    const chat = createOpenAICompatChat({
      name: "openrouter",
      apiKey: "sk-or",
      baseUrl: fake.openrouterBaseUrl,
      model: "anthropic/claude-3.5-sonnet",
      fallbackModels: ["openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet"],
      timeoutMs: 500,
      maxRetries: 0,
    });
    const result = await chat.complete({ messages: question });
    assert.equal(result.model, "openai/gpt-4o-mini");
    assert.equal(result.attempts[0].model, "openai/gpt-4o-mini");
    assert.deepEqual(fake.requests[0].body?.models, ["anthropic/claude-3.5-sonnet", "openai/gpt-4o-mini"]);
    assert.equal(fake.requests[0].route, "openrouter");
  });
});

Deno.test("openai_compat: without structured output, a schema request becomes json_object plus the schema", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", { json: { agent: "audrey" } });
    const schema = { type: "object", properties: { agent: { type: "string" } } };
    const result = await openaiChat(fake, { name: "deepseek", structuredOutput: "json_object" })
      .complete({ messages: question, json: { name: "route", schema } });
    assert.deepEqual(result.json, { agent: "audrey" });
    const body = fake.requests[0].body!;
    assert.deepEqual(body.response_format, { type: "json_object" });
    const [instruction, ...rest] = body.messages as { role: string; content: string }[];
    assert.equal(instruction.role, "system");
    assert.match(instruction.content, /JSON schema \(route\): \{"type":"object"/);
    assert.deepEqual(rest, question);
  });
});

function openrouterChat(fake: FakeProviders, overrides: Partial<OpenAICompatOptions> = {}) {
  return openaiChat(fake, {
    name: "openrouter",
    baseUrl: fake.openrouterBaseUrl,
    model: "anthropic/claude-3.5-sonnet",
    ...overrides,
  });
}

Deno.test("openai_compat: OpenRouter asks for usage accounting and reports its cost and cached tokens", async () => {
  await withFakeProviders(async (fake) => {
    const usage = { prompt_tokens: 1200, completion_tokens: 80, cached_tokens: 1024 };
    fake.script("openrouter", { usage });
    const result = await openrouterChat(fake).complete({ messages: question });
    assert.deepEqual(result.usage, {
      promptTokens: 1200,
      completionTokens: 80,
      cachedTokens: 1024,
      costUsd: fakeOpenRouterCost(usage),
    });
    assert.deepEqual(fake.requests[0].body?.usage, { include: true });
    assert.equal(fake.requests[0].usageAccounting, true);
  });
});

Deno.test("openai_compat: a streamed OpenRouter answer takes its cost from the last chunk", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", {
      chunks: ["Bon", "jour"],
      usage: { prompt_tokens: 40, completion_tokens: 2, cost: 0.00042 },
    });
    const { deltas, done } = await collect(openrouterChat(fake).stream({ messages: question }));
    assert.deepEqual(deltas, ["Bon", "jour"]);
    assert.deepEqual(done?.usage, { promptTokens: 40, completionTokens: 2, costUsd: 0.00042 });
    assert.equal(fake.requests[0].usageAccounting, true);
  });
});

Deno.test("openai_compat: OpenAI reports cached tokens, DeepSeek its cache hits; neither asks for or reads a cost", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", [
      { usage: { prompt_tokens: 2000, completion_tokens: 10, cached_tokens: 1536 } },
      { usage: { prompt_tokens: 300, completion_tokens: 7, cached_tokens: 256 } },
    ]);
    const openai = await openaiChat(fake).complete({ messages: question });
    assert.deepEqual(openai.usage, { promptTokens: 2000, completionTokens: 10, cachedTokens: 1536 });
    const deepseek = await openaiChat(fake, { name: "deepseek", baseUrl: fake.deepseekBaseUrl })
      .stream({ messages: question });
    assert.deepEqual((await collect(deepseek)).done?.usage, {
      promptTokens: 300,
      completionTokens: 7,
      cachedTokens: 256,
    });
    assert.deepEqual(fake.requests.map((r) => [r.provider, r.body?.usage, r.usageAccounting]), [
      ["openai", undefined, false],
      ["deepseek", undefined, false],
    ]);
    // An answer carrying a cost (the OpenRouter route) read by a provider not named openrouter: ignored.
    const unnamed = await openaiChat(fake, { baseUrl: fake.openrouterBaseUrl }).complete({
      messages: question,
    });
    assert.equal(unnamed.usage.costUsd, undefined);
  });
});
