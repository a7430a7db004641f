/**
 * Provider configuration: read once from the environment, validated with zod, failing fast
 * with the name of the offending variable. `describeProviders` says what is configured
 * without ever revealing a key.
 */
import { z } from "zod";

/** One OpenAI-compatible (or Cohere) endpoint. `apiKey` is absent when the provider is off. */
export interface EndpointConfig {
  apiKey?: string;
  baseUrl: string;
}

/** The validated provider configuration. */
export interface ProviderConfig {
  openrouter: EndpointConfig;
  openai: EndpointConfig;
  cohere: EndpointConfig;
  groq: EndpointConfig;
  deepseek: EndpointConfig;
  models: {
    embedding: string;
    rerank: string;
    router: string;
    chat: string;
    /** OpenRouter's fallback list, tried by OpenRouter itself after `chat` (or `router`). */
    chatFallbacks: string[];
    groq: string;
    deepseek: string;
    /** The model used when the chain falls through to OpenAI's own chat API. */
    openaiChat: string;
    /** Botlive's payment-screenshot reader (a vision-capable model), if configured. */
    vision?: string;
  };
  /** Inputs per embeddings request. */
  embeddingBatchSize: number;
  /** Budget of one provider call, SDK retries included. */
  timeoutMs: number;
  /** Retries the SDKs make on 408/429/5xx/connection errors before giving up on a provider. */
  maxRetries: number;
}

const apiKey = z.string().trim().optional().transform((value) => value ? value : undefined);

function baseUrl(fallback: string) {
  return z.string().trim().default(fallback).pipe(z.url({ protocol: /^https?$/ }))
    .transform((url) => url.replace(/\/+$/, ""));
}

function modelName(fallback: string) {
  return z.string().trim().default(fallback).pipe(z.string().min(1));
}

function integer(fallback: number, { min, max }: { min: number; max: number }) {
  return z.string().trim().regex(/^\d+$/, "must be a whole number").default(String(fallback))
    .transform(Number).pipe(z.number().int().min(min).max(max));
}

const modelList = z.string().default("openai/gpt-4o-mini,meta-llama/llama-3.3-70b-instruct")
  .transform((list) => list.split(",").map((model) => model.trim()).filter(Boolean));

/** Empty strings count as unset, so `FOO=` in a .env file falls back to the default. */
function blankToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value?.trim() ? value : undefined]),
  );
}

const envSchema = z.object({
  OPENROUTER_API_KEY: apiKey,
  OPENROUTER_BASE_URL: baseUrl("https://openrouter.ai/api/v1"),
  OPENAI_API_KEY: apiKey,
  OPENAI_BASE_URL: baseUrl("https://api.openai.com/v1"),
  COHERE_API_KEY: apiKey,
  COHERE_BASE_URL: baseUrl("https://api.cohere.com"),
  GROQ_API_KEY: apiKey,
  GROQ_BASE_URL: baseUrl("https://api.groq.com/openai/v1"),
  DEEPSEEK_API_KEY: apiKey,
  DEEPSEEK_BASE_URL: baseUrl("https://api.deepseek.com"),
  EMBEDDING_MODEL: modelName("text-embedding-3-small"),
  RERANK_MODEL: modelName("rerank-multilingual-v3.0"),
  ROUTER_MODEL: modelName("anthropic/claude-3.5-haiku"),
  CHAT_MODEL: modelName("anthropic/claude-3.5-sonnet"),
  CHAT_FALLBACK_MODELS: modelList,
  GROQ_MODEL: modelName("llama-3.3-70b-versatile"),
  DEEPSEEK_MODEL: modelName("deepseek-chat"),
  OPENAI_CHAT_MODEL: modelName("gpt-4o-mini"),
  // Botlive reads payment screenshots with it (OpenRouter, else OpenAI); unset: no vision.
  BOTLIVE_VISION_MODEL: z.string().trim().min(1).max(200).optional(),
  EMBEDDING_BATCH_SIZE: integer(128, { min: 1, max: 2048 }),
  PROVIDER_TIMEOUT_MS: integer(20_000, { min: 1, max: 600_000 }),
  PROVIDER_MAX_RETRIES: integer(1, { min: 0, max: 10 }),
});

/**
 * Validates the provider variables of `env` (other variables are ignored).
 * Throws `provider config: NAME ...` on the first invalid value; keys are never echoed.
 */
export function readProviderConfig(env: Record<string, string | undefined>): ProviderConfig {
  const parsed = envSchema.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`provider config: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  return {
    openrouter: { apiKey: v.OPENROUTER_API_KEY, baseUrl: v.OPENROUTER_BASE_URL },
    openai: { apiKey: v.OPENAI_API_KEY, baseUrl: v.OPENAI_BASE_URL },
    cohere: { apiKey: v.COHERE_API_KEY, baseUrl: v.COHERE_BASE_URL },
    groq: { apiKey: v.GROQ_API_KEY, baseUrl: v.GROQ_BASE_URL },
    deepseek: { apiKey: v.DEEPSEEK_API_KEY, baseUrl: v.DEEPSEEK_BASE_URL },
    models: {
      embedding: v.EMBEDDING_MODEL,
      rerank: v.RERANK_MODEL,
      router: v.ROUTER_MODEL,
      chat: v.CHAT_MODEL,
      chatFallbacks: v.CHAT_FALLBACK_MODELS,
      groq: v.GROQ_MODEL,
      deepseek: v.DEEPSEEK_MODEL,
      openaiChat: v.OPENAI_CHAT_MODEL,
      ...(v.BOTLIVE_VISION_MODEL ? { vision: v.BOTLIVE_VISION_MODEL } : {}),
    },
    embeddingBatchSize: v.EMBEDDING_BATCH_SIZE,
    timeoutMs: v.PROVIDER_TIMEOUT_MS,
    maxRetries: v.PROVIDER_MAX_RETRIES,
  };
}

/** What `health` shows: which provider serves each capability, never a key. */
export interface ProviderDescription {
  embeddings: string;
  llm: string;
  rerank: string;
}

/**
 * Names the provider and model behind each capability, e.g.
 * `{ embeddings: "openai:text-embedding-3-small", llm: "openrouter:anthropic/claude-3.5-sonnet", rerank: "none" }`.
 * `llm` is the first provider of the chat chain (OpenRouter, then Groq, DeepSeek, OpenAI).
 */
export function describeProviders(config: ProviderConfig): ProviderDescription {
  const firstLlm = config.openrouter.apiKey
    ? `openrouter:${config.models.chat}`
    : config.groq.apiKey
    ? `groq:${config.models.groq}`
    : config.deepseek.apiKey
    ? `deepseek:${config.models.deepseek}`
    : config.openai.apiKey
    ? `openai:${config.models.openaiChat}`
    : "offline";
  return {
    embeddings: config.openai.apiKey ? `openai:${config.models.embedding}` : "offline",
    llm: firstLlm,
    rerank: config.cohere.apiKey ? `cohere:${config.models.rerank}` : "none",
  };
}
