import assert from "node:assert/strict";
import { describeProviders, readProviderConfig } from "./config.ts";

Deno.test("config: defaults with no variables at all", () => {
  const config = readProviderConfig({});
  assert.equal(config.openrouter.baseUrl, "https://openrouter.ai/api/v1");
  assert.equal(config.cohere.baseUrl, "https://api.cohere.com");
  assert.equal(config.groq.baseUrl, "https://api.groq.com/openai/v1");
  assert.equal(config.openai.apiKey, undefined);
  assert.deepEqual(config.models.chatFallbacks, ["openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct"]);
  assert.equal(config.models.embedding, "text-embedding-3-small");
  assert.equal(config.models.rerank, "rerank-multilingual-v3.0");
  assert.equal(config.timeoutMs, 20_000);
  assert.equal(config.maxRetries, 1);
  assert.deepEqual(describeProviders(config), { embeddings: "offline", llm: "offline", rerank: "none" });
});

Deno.test("config: values are trimmed, lists split, blank means default, trailing slashes dropped", () => {
  const config = readProviderConfig({
    GROQ_API_KEY: " gsk-1 ",
    GROQ_BASE_URL: "http://127.0.0.1:9999/groq/openai/v1/",
    CHAT_FALLBACK_MODELS: " a/b , c/d ,,",
    PROVIDER_TIMEOUT_MS: "1500",
    PROVIDER_MAX_RETRIES: "0",
    CHAT_MODEL: "",
    DEEPSEEK_API_KEY: "   ",
  });
  assert.equal(config.groq.apiKey, "gsk-1");
  assert.equal(config.groq.baseUrl, "http://127.0.0.1:9999/groq/openai/v1");
  assert.deepEqual(config.models.chatFallbacks, ["a/b", "c/d"]);
  assert.equal(config.timeoutMs, 1500);
  assert.equal(config.maxRetries, 0);
  assert.equal(config.models.chat, "anthropic/claude-3.5-sonnet");
  assert.equal(config.deepseek.apiKey, undefined);
});

Deno.test("config: invalid values fail fast naming the variable", () => {
  assert.throws(
    () => readProviderConfig({ PROVIDER_TIMEOUT_MS: "soon" }),
    /provider config: PROVIDER_TIMEOUT_MS/,
  );
  assert.throws(() => readProviderConfig({ PROVIDER_MAX_RETRIES: "-1" }), /PROVIDER_MAX_RETRIES/);
  assert.throws(() => readProviderConfig({ OPENAI_BASE_URL: "api.openai.com" }), /OPENAI_BASE_URL/);
  assert.throws(() => readProviderConfig({ COHERE_BASE_URL: "ftp://x" }), /COHERE_BASE_URL/);
  assert.throws(() => readProviderConfig({ EMBEDDING_BATCH_SIZE: "0" }), /EMBEDDING_BATCH_SIZE/);
});

Deno.test("config: describeProviders names provider and model, never a key", () => {
  const keys = {
    OPENROUTER_API_KEY: "sk-or-SECRET1",
    OPENAI_API_KEY: "sk-SECRET2",
    COHERE_API_KEY: "co-SECRET3",
    GROQ_API_KEY: "gsk-SECRET4",
    DEEPSEEK_API_KEY: "sk-SECRET5",
  };
  const description = describeProviders(readProviderConfig(keys));
  assert.deepEqual(description, {
    embeddings: "openai:text-embedding-3-small",
    llm: "openrouter:anthropic/claude-3.5-sonnet",
    rerank: "cohere:rerank-multilingual-v3.0",
  });
  assert.doesNotMatch(JSON.stringify(description), /SECRET/);
  assert.equal(
    describeProviders(readProviderConfig({ DEEPSEEK_API_KEY: "k" })).llm,
    "deepseek:deepseek-chat",
  );
  assert.equal(
    describeProviders(readProviderConfig({ GROQ_API_KEY: "k", OPENAI_API_KEY: "k" })).llm,
    "groq:llama-3.3-70b-versatile",
  );
});

Deno.test("config: an invalid key-bearing variable's message does not echo the value", () => {
  const error = (() => {
    try {
      readProviderConfig({ OPENAI_API_KEY: "sk-SECRET", OPENAI_BASE_URL: "sk-SECRET" });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(error);
  assert.doesNotMatch(error.message, /SECRET/);
});
