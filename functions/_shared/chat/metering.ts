/**
 * A turn's provider calls, as the usage ledger counts them: wrappers around the chat chain, the
 * embedder and the reranker that push one {@link LedgerCall} per call (failed attempts and
 * fallbacks included, the model that answered recorded) into the turn's list, which the
 * finishing round trip sends to SQL. The offline providers bill nothing and record nothing.
 */
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatProvider, ChatRequest, ChatStreamEvent, Embedder, Reranker } from "../providers/types.ts";
import { chatCalls, failedCalls, type LedgerCall } from "../usage.ts";

/** Where a turn's calls go. */
export type CallSink = LedgerCall[];

function failedOf(error: unknown, agent: string | null): LedgerCall[] {
  return error instanceof AllProvidersFailed ? failedCalls(error.attempts, agent) : [];
}

/**
 * `provider` with every completion (streamed or not) recorded in `sink`: the answered call as
 * the model that answered, the attempts that failed before it as error rows.
 */
export function meteredChat(
  provider: ChatProvider,
  sink: CallSink,
  options: { agent?: string | null } = {},
): ChatProvider {
  const agent = options.agent ?? null;
  return {
    name: provider.name,
    async complete(req: ChatRequest) {
      try {
        const result = await provider.complete(req);
        if (result.provider !== "offline") {
          sink.push(...chatCalls(result, { requested: req.model ?? null, agent }));
        }
        return result;
      } catch (error) {
        sink.push(...failedOf(error, agent));
        throw error;
      }
    },
    async *stream(req: ChatRequest): AsyncGenerator<ChatStreamEvent> {
      try {
        for await (const event of provider.stream(req)) {
          if ("done" in event && event.done.provider !== "offline") {
            sink.push(...chatCalls(event.done, { requested: req.model ?? null, agent }));
          }
          yield event;
        }
      } catch (error) {
        sink.push(...failedOf(error, agent));
        throw error;
      }
    },
  };
}

function outcomeOf(error: unknown): "timeout" | "error" {
  const name = error instanceof Error ? error.name : "";
  const kind = (error as { kind?: unknown })?.kind;
  return name === "TimeoutError" || kind === "timeout" ? "timeout" : "error";
}

/** `embedder` with each embedding call recorded (its tokens; a failure as an error row). */
export function meteredEmbedder(embedder: Embedder, sink: CallSink): Embedder {
  if (embedder.name === "offline") return embedder;
  const base = { kind: "embedding" as const, provider: embedder.name, model_requested: embedder.model };
  return {
    name: embedder.name,
    model: embedder.model,
    dimensions: embedder.dimensions,
    maxBatch: embedder.maxBatch,
    async embed(texts: string[]) {
      const started = performance.now();
      try {
        const result = await embedder.embed(texts);
        sink.push({
          ...base,
          model: embedder.model,
          prompt_tokens: result.tokens,
          latency_ms: result.ms ?? Math.round(performance.now() - started),
          outcome: "ok",
        });
        return result;
      } catch (error) {
        sink.push({
          ...base,
          model: null,
          latency_ms: Math.round(performance.now() - started),
          outcome: outcomeOf(error),
        });
        throw error;
      }
    },
  };
}

/** `reranker` with each rerank recorded: the search units Cohere billed (a failure as an error row). */
export function meteredReranker(reranker: Reranker | null, sink: CallSink): Reranker | null {
  if (!reranker) return null;
  return {
    name: reranker.name,
    model: reranker.model,
    async rerank(query, documents, topN, options = {}) {
      const started = performance.now();
      const requested = options.model ?? reranker.model;
      try {
        return await reranker.rerank(query, documents, topN, {
          ...options,
          onUsage(usage) {
            sink.push({
              kind: "rerank",
              provider: reranker.name,
              model_requested: requested,
              model: usage.model,
              search_units: usage.searchUnits,
              latency_ms: usage.ms,
              outcome: "ok",
            });
            options.onUsage?.(usage);
          },
        });
      } catch (error) {
        sink.push({
          kind: "rerank",
          provider: reranker.name,
          model_requested: requested,
          model: null,
          latency_ms: Math.round(performance.now() - started),
          outcome: outcomeOf(error),
        });
        throw error;
      }
    },
  };
}
