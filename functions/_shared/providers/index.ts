/**
 * Builds the providers a function needs from a validated ProviderConfig: the chat and router
 * chains, the embedder, the reranker, or their offline stand-ins when no key is set.
 */
import { createCohereReranker } from "./cohere_rerank.ts";
import type { ProviderConfig } from "./config.ts";
import { createOpenAIEmbedder } from "./embeddings.ts";
import { createChatChain } from "./fallback.ts";
import { createOfflineChat, createOfflineEmbedder } from "./offline.ts";
import { createOpenAICompatChat } from "./openai_compat.ts";
import type { ChatProvider, Embedder, Reranker } from "./types.ts";

export { describeProviders, readProviderConfig } from "./config.ts";
export type { ProviderConfig, ProviderDescription } from "./config.ts";
export { AllProvidersFailed, createChatChain } from "./fallback.ts";
export { formatPassages, OFFLINE_NOTICE } from "./offline.ts";
export * from "./types.ts";

/** Names of the chat providers, in chain order. */
export type ChatProviderName = "openrouter" | "groq" | "deepseek" | "openai";

/** What `createProviders` returns. */
export interface Providers {
  /** OpenRouter (CHAT_MODEL + its fallback list), then Groq, DeepSeek, OpenAI; offline when none has a key. */
  chat: ChatProvider;
  /** The same chain with OpenRouter on ROUTER_MODEL. */
  router: ChatProvider;
  /** Each keyed chat provider on its own (e.g. Botlive sends Groq and DeepSeek different prompts). */
  chatProviders: Partial<Record<ChatProviderName, ChatProvider>>;
  /** OpenAI embeddings when OPENAI_API_KEY is set, else the offline lexical embedder. */
  embedder: Embedder;
  /** Cohere rerank when COHERE_API_KEY is set, else null (keep the retrieval order). */
  reranker: Reranker | null;
  /** True when answers come from the offline chat (no LLM key at all). */
  offline: boolean;
  /** BOTLIVE_VISION_MODEL on OpenRouter (else OpenAI), when set and keyed. */
  vision?: ChatProvider;
}

/** APIs whose default models reject `response_format: json_schema`: sent `json_object` + the schema. */
const WITHOUT_JSON_SCHEMA = new Set<ChatProviderName>(["groq", "deepseek"]);

/** Creates every provider from `config`. Cheap: no network until a provider is called. */
export function createProviders(config: ProviderConfig): Providers {
  const { timeoutMs, maxRetries, models } = config;
  const common = { timeoutMs, maxRetries };

  function compat(
    name: ChatProviderName,
    choice: { model: string; fallbackModels?: string[] },
  ): ChatProvider | undefined {
    const endpoint = config[name];
    if (!endpoint.apiKey) return undefined;
    return createOpenAICompatChat({
      name,
      apiKey: endpoint.apiKey,
      baseUrl: endpoint.baseUrl,
      ...choice,
      structuredOutput: WITHOUT_JSON_SCHEMA.has(name) ? "json_object" : "json_schema",
      ...common,
    });
  }

  const candidates: [ChatProviderName, ChatProvider | undefined][] = [
    ["openrouter", compat("openrouter", { model: models.chat, fallbackModels: models.chatFallbacks })],
    ["groq", compat("groq", { model: models.groq })],
    ["deepseek", compat("deepseek", { model: models.deepseek })],
    ["openai", compat("openai", { model: models.openaiChat })],
  ];
  const keyed = candidates.filter((entry): entry is [ChatProviderName, ChatProvider] =>
    entry[1] !== undefined
  );
  const chain = keyed.map(([, provider]) => provider);
  const rest = keyed.filter(([name]) => name !== "openrouter").map(([, provider]) => provider);
  const routerHead = compat("openrouter", { model: models.router, fallbackModels: models.chatFallbacks });
  const offline = chain.length === 0;
  const offlineChat = offline ? createOfflineChat() : undefined;

  return {
    chat: createChatChain(offlineChat ? [offlineChat] : chain),
    router: createChatChain(offlineChat ? [offlineChat] : [...(routerHead ? [routerHead] : []), ...rest]),
    chatProviders: Object.fromEntries(keyed),
    embedder: config.openai.apiKey
      ? createOpenAIEmbedder({
        apiKey: config.openai.apiKey,
        baseUrl: config.openai.baseUrl,
        model: models.embedding,
        maxBatch: config.embeddingBatchSize,
        ...common,
      })
      : createOfflineEmbedder(),
    reranker: config.cohere.apiKey
      ? createCohereReranker({
        apiKey: config.cohere.apiKey,
        baseUrl: config.cohere.baseUrl,
        model: models.rerank,
        ...common,
      })
      : null,
    offline,
    vision: models.vision
      ? compat("openrouter", { model: models.vision }) ?? compat("openai", { model: models.vision })
      : undefined,
  };
}
