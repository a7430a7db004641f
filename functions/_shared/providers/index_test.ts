import assert from "node:assert/strict";
import { withFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createProviders, OFFLINE_NOTICE, readProviderConfig } from "./index.ts";

Deno.test("createProviders: with no keys everything is offline and still answers", async () => {
  const providers = createProviders(readProviderConfig({}));
  assert.equal(providers.offline, true);
  assert.equal(providers.reranker, null);
  assert.equal(providers.embedder.name, "offline");
  assert.deepEqual(providers.chatProviders, {});
  const answer = await providers.chat.complete({ messages: [{ role: "user", content: "Bonjour" }] });
  assert.ok(answer.text.startsWith(OFFLINE_NOTICE));
  assert.equal((await providers.router.complete({ messages: [], json: true })).provider, "offline");
});

Deno.test("createProviders: with the fake's env, chat, router, embeddings and rerank go through the SDKs", async () => {
  await withFakeProviders(async (fake) => {
    const config = readProviderConfig({
      ...fake.env(),
      PROVIDER_MAX_RETRIES: "0",
      PROVIDER_TIMEOUT_MS: "500",
    });
    const providers = createProviders(config);
    assert.equal(providers.offline, false);
    assert.deepEqual(Object.keys(providers.chatProviders), ["openrouter", "groq", "deepseek", "openai"]);

    const chat = await providers.chat.complete({ messages: [{ role: "user", content: "Bonjour" }] });
    assert.equal(chat.model, "anthropic/claude-3.5-sonnet");
    assert.ok(chat.usage.costUsd! > 0, "OpenRouter's own cost");
    const routed = await providers.router.complete({ messages: [{ role: "user", content: "Bonjour" }] });
    assert.equal(routed.model, "anthropic/claude-3.5-haiku");
    assert.deepEqual(fake.requests[1].body?.models, [
      "anthropic/claude-3.5-haiku",
      "openai/gpt-4o-mini",
      "meta-llama/llama-3.3-70b-instruct",
    ]);

    fake.script("openrouter", { status: 502 });
    const fellBack = await providers.chat.complete({ messages: [{ role: "user", content: "Bonjour" }] });
    assert.deepEqual([fellBack.provider, fellBack.model], ["groq", "llama-3.3-70b-versatile"]);
    assert.equal(fellBack.usage.costUsd, undefined, "Groq is priced from the table, not by itself");

    const schema = { type: "object", properties: { agent: { enum: ["audrey", "carole"] } } };
    const deepseek = await providers.chatProviders.deepseek!.complete({
      messages: [],
      json: { name: "r", schema },
    });
    assert.deepEqual(deepseek.json, { reply: "fake reply" }, "the fake's default json_object reply");
    assert.deepEqual(
      fake.requests.at(-1)?.body?.response_format,
      { type: "json_object" },
      "no json_schema on DeepSeek",
    );

    const { vectors } = await providers.embedder.embed(["un", "deux"]);
    assert.equal(vectors.length, 2);
    const hits = await providers.reranker!.rerank("deux", ["un", "deux"], 1);
    assert.equal(hits[0].index, 1);
    assert.deepEqual(
      fake.requests.map((r) => r.authorization),
      [
        "Bearer sk-fake-openrouter",
        "Bearer sk-fake-openrouter",
        "Bearer sk-fake-openrouter",
        "Bearer gsk-fake-groq",
        "Bearer sk-fake-deepseek",
        "Bearer sk-fake-openai",
        "Bearer fake-cohere",
      ],
    );
  });
});
