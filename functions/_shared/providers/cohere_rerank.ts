/**
 * Cohere v2 rerank through the `cohere-ai` SDK, bounded by a timeout. A successful call reports
 * the search units Cohere billed through the caller's `onUsage`.
 */
import { CohereClientV2, CohereError, CohereTimeoutError } from "cohere-ai";
import { callerAbortError, startDeadline } from "./deadline.ts";
import type { Reranker, RerankHit, RerankOptions } from "./types.ts";
import { ProviderError } from "./types.ts";

/** Options of {@link createCohereReranker}. */
export interface CohereRerankerOptions {
  apiKey: string;
  /** e.g. `https://api.cohere.com` (the SDK appends `/v2/rerank`). */
  baseUrl: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  /** For tests: a custom fetch. */
  fetch?: typeof fetch;
}

const provider = "cohere";

/** A Reranker over Cohere's v2 rerank endpoint. */
export function createCohereReranker(options: CohereRerankerOptions): Reranker {
  const client = new CohereClientV2({
    token: options.apiKey,
    environment: options.baseUrl,
    timeoutInSeconds: options.timeoutMs / 1000,
    maxRetries: options.maxRetries,
    fetch: options.fetch,
  });
  const model = options.model;

  async function rerank(
    query: string,
    documents: string[],
    topN: number,
    call: RerankOptions = {},
  ): Promise<RerankHit[]> {
    if (documents.length === 0 || topN <= 0) return [];
    const asked = call.model ?? model;
    const started = performance.now();
    const deadline = startDeadline(options.timeoutMs);
    let hits: RerankHit[];
    let searchUnits: number;
    try {
      const response = await client.rerank(
        { model: asked, query, documents, topN: Math.min(topN, documents.length) },
        { abortSignal: deadline.signal },
      );
      const results = Array.isArray(response?.results) ? response.results : undefined;
      if (!results) throw malformed("no results in the response");
      hits = results.map((result) => {
        if (!Number.isInteger(result.index) || result.index < 0 || result.index >= documents.length) {
          throw malformed(`result index ${result.index} out of range for ${documents.length} documents`);
        }
        if (typeof result.relevanceScore !== "number") throw malformed("result without relevance_score");
        return { index: result.index, score: result.relevanceScore };
      }).sort((a, b) => b.score - a.score);
      searchUnits = billedSearchUnits(response.meta?.billedUnits?.searchUnits, documents.length);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      if (deadline.callerAborted()) throw callerAbortError(deadline.signal);
      throw toRerankError(error, deadline.expired());
    } finally {
      deadline.clear();
    }
    // Outside the try: a throwing callback is the caller's error, not a provider failure.
    call.onUsage?.({ searchUnits, ms: Math.round(performance.now() - started), model: asked });
    return hits;
  }

  function malformed(detail: string): ProviderError {
    return new ProviderError({ provider, model, kind: "malformed", detail });
  }

  function toRerankError(error: unknown, expired: boolean): unknown {
    if (expired || error instanceof CohereTimeoutError) {
      return new ProviderError({ provider, model, kind: "timeout", cause: error });
    }
    if (error instanceof CohereError) {
      const status = error.statusCode;
      if (status === undefined) {
        return new ProviderError({ provider, model, kind: "network", detail: error.message, cause: error });
      }
      // The SDK reports a 2xx body it could not parse as JSON with that 2xx status.
      if (status < 300) return new ProviderError({ provider, model, kind: "malformed", cause: error });
      return new ProviderError({ provider, model, kind: "http", status, cause: error });
    }
    return error;
  }

  return { name: provider, model, rerank };
}

/**
 * The search units Cohere billed, as its response says; when it does not, Cohere's rule (one
 * unit per query of up to 100 documents) rather than 0, so the ledger never counts a paid call free.
 */
function billedSearchUnits(reported: number | undefined, documents: number): number {
  if (typeof reported === "number" && Number.isFinite(reported) && reported >= 0) return reported;
  return Math.ceil(documents / 100);
}
