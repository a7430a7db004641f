/**
 * The usage ledger's shapes on the functions' side (migration usage-ledger): every provider
 * call a turn made becomes one {@link LedgerCall}, sent in the turn's finishing round trip
 * (private.ledger_record prices and rolls them up in SQL); before the paid calls, their
 * {@link Ceiling}s are reserved against the company's monthly budget (private.budget_reserve).
 * Nothing here talks to the database.
 */
import type { Attempt, ChatResult } from "./providers/types.ts";

/** One provider call, as the ledger stores it. */
export interface LedgerCall {
  kind: "chat" | "embedding" | "rerank" | "vision";
  provider: string;
  /** What the turn asked for (null when the provider's default). */
  model_requested?: string | null;
  /** The model that answered (OpenRouter's fallback, say); absent when the call failed. */
  model?: string | null;
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
  /** Cohere bills reranks by search unit (one per query of up to 100 documents). */
  search_units?: number;
  latency_ms?: number;
  outcome: "ok" | "error" | "timeout";
  /** The provider's own figure (OpenRouter's usage.cost), USD; absent: priced from model_prices. */
  cost_usd?: number;
  agent?: string | null;
}

/** At most what a paid call may cost, for the budget's reservation (priced in SQL). */
export interface Ceiling {
  provider: string;
  model: string;
  max_input_tokens?: number;
  max_output_tokens?: number;
  search_units?: number;
}

/** What private.budget_reserve answered. */
export interface Reservation {
  allowed: boolean;
  reservation?: string | null;
  amount_usd: number;
  remaining_usd?: number;
  soft: boolean;
  month: string;
  fallback_model?: string | null;
}

function failed(attempt: Attempt, requested: string | null, agent?: string | null): LedgerCall {
  return {
    kind: "chat",
    provider: attempt.provider,
    model_requested: requested ?? attempt.model,
    model: null,
    latency_ms: attempt.ms,
    outcome: attempt.error === "timeout" ? "timeout" : "error",
    agent: agent ?? null,
  };
}

/**
 * A chat completion's calls: each failed attempt (the fallbacks tried before it; no tokens, no
 * cost unless the provider billed it) and the one that answered, recorded as the model that
 * answered.
 */
export function chatCalls(
  result: ChatResult,
  options: { requested?: string | null; agent?: string | null; kind?: "chat" | "vision" } = {},
): LedgerCall[] {
  const calls = result.attempts.filter((a) => !a.ok).map((a) =>
    failed(a, options.requested ?? null, options.agent)
  );
  const answered = result.attempts.find((a) => a.ok);
  calls.push({
    kind: options.kind ?? "chat",
    provider: result.provider,
    model_requested: options.requested ?? answered?.model ?? result.model,
    model: result.model,
    prompt_tokens: result.usage.promptTokens,
    completion_tokens: result.usage.completionTokens,
    cached_tokens: result.usage.cachedTokens ?? 0,
    latency_ms: answered?.ms,
    outcome: "ok",
    ...(result.usage.costUsd !== undefined ? { cost_usd: result.usage.costUsd } : {}),
    agent: options.agent ?? null,
  });
  return calls;
}

/** Failed attempts of a completion that never answered (every provider failed). */
export function failedCalls(attempts: Attempt[], agent?: string | null): LedgerCall[] {
  return attempts.filter((a) => !a.ok).map((a) => failed(a, null, agent));
}
