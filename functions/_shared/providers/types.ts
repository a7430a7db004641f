/**
 * The provider layer's small interfaces: chat, embeddings, rerank, and the one error type
 * every adapter raises. Nothing here talks to the network.
 */

/** One message of a chat conversation. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
  /** Image URLs sent with a user message (vision-capable models only). */
  images?: string[];
}

/** Ask for JSON output: a named JSON schema (structured output) or any JSON object (`true`). */
export type JsonMode = { name: string; schema: Record<string, unknown> } | true;

/** One chat completion request, provider-neutral. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the provider's configured model (model ids are provider-specific). */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  json?: JsonMode;
  /** Overrides the provider's configured timeout for this call. */
  timeoutMs?: number;
  /** The caller's cancellation; an abort propagates as-is and is never retried elsewhere. */
  signal?: AbortSignal;
}

/** Short failure reasons recorded per attempt. */
export type AttemptReason = `http ${number}` | "http error" | "timeout" | "malformed" | "network";

/** One try against one provider, successful or not. */
export interface Attempt {
  provider: string;
  model: string;
  ok: boolean;
  error?: AttemptReason;
  ms: number;
}

/** Token counts as the provider reported them (0 when it did not). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /**
   * Prompt tokens served from the provider's cache (billed lower), when it says: a part of
   * `promptTokens`, not an addition (`prompt_tokens_details.cached_tokens`; DeepSeek's
   * `prompt_cache_hit_tokens`).
   */
  cachedTokens?: number;
  /** What the call cost as the provider bills it (OpenRouter's usage.cost), USD, when it says. */
  costUsd?: number;
}

/** A finished chat completion. */
export interface ChatResult {
  text: string;
  /** The model that actually answered (OpenRouter may pick a fallback). */
  model: string;
  provider: string;
  usage: Usage;
  /** Every try that led to this result, failed ones first. */
  attempts: Attempt[];
  /** The parsed JSON when the request asked for JSON output. Not validated against the schema. */
  json?: unknown;
}

/** What a chat stream yields: text deltas, then exactly one final result. */
export type ChatStreamEvent = { delta: string } | { done: ChatResult };

/** A chat model behind one API. */
export interface ChatProvider {
  readonly name: string;
  complete(req: ChatRequest): Promise<ChatResult>;
  stream(req: ChatRequest): AsyncIterable<ChatStreamEvent>;
}

/**
 * Text embeddings. `embed` splits its input into batches of `maxBatch`: one request per batch.
 * It answers the vectors in input order, the tokens billed (summed over the batches) and, for
 * providers over the network, `ms`: the wall time of the whole call, every batch included.
 */
export interface Embedder {
  readonly name: string;
  readonly model: string;
  readonly dimensions: number;
  readonly maxBatch: number;
  embed(texts: string[]): Promise<{ vectors: number[][]; tokens: number; ms?: number }>;
}

/** One reranked document: its index in the input and a relevance score (higher is better). */
export interface RerankHit {
  index: number;
  score: number;
}

/** What one billed rerank call used, for the usage ledger. */
export interface RerankUsage {
  /** Cohere's `meta.billed_units.search_units` (one per query of up to 100 documents). */
  searchUnits: number;
  /** Wall time of the call, SDK retries included. */
  ms: number;
  /** The model the call asked for (the API does not echo one back). */
  model: string;
}

/** Per-call options of {@link Reranker.rerank}. */
export interface RerankOptions {
  /** Overrides the configured model (a company's rerank_model). */
  model?: string;
  /**
   * Called once after a successful billed call, before `rerank` resolves; never on failure, nor
   * by a reranker that bills nothing (the offline one) or a call that made no request.
   */
  onUsage?: (usage: RerankUsage) => void;
}

/**
 * Reorders documents by relevance to a query. Results are sorted, best first, at most `topN`.
 */
export interface Reranker {
  readonly name: string;
  readonly model: string;
  rerank(query: string, documents: string[], topN: number, options?: RerankOptions): Promise<RerankHit[]>;
}

/** Why a provider call failed. */
export type ProviderErrorKind = "http" | "timeout" | "malformed" | "network";

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions {
  provider: string;
  kind: ProviderErrorKind;
  status?: number;
  model?: string;
  /** Extra context for the message (never prompts, contents or keys). */
  detail?: string;
  cause?: unknown;
}

/** A provider call failed in a way another provider might not: the fallback chain moves on. */
export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  readonly model?: string;

  constructor(options: ProviderErrorOptions) {
    const reason = options.kind === "http"
      ? (options.status === undefined ? "http error" : `http ${options.status}`)
      : options.kind;
    const where = options.model ? `${options.provider} (${options.model})` : options.provider;
    super(`${where}: ${reason}${options.detail ? ` - ${options.detail}` : ""}`, { cause: options.cause });
    this.name = "ProviderError";
    this.provider = options.provider;
    this.kind = options.kind;
    this.status = options.status;
    this.model = options.model;
  }

  /** The short reason recorded in {@link Attempt.error}: `http 429`, `timeout`, `malformed`, `network`. */
  get reason(): AttemptReason {
    if (this.kind !== "http") return this.kind;
    return this.status === undefined ? "http error" : `http ${this.status}`;
  }
}
