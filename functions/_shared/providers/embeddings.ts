/**
 * OpenAI embeddings through the `openai` SDK: one request per batch of `maxBatch` inputs,
 * vectors returned in input order, dimensions checked, tokens and wall time reported.
 */
import { startDeadline } from "./deadline.ts";
import { createOpenAIClient } from "./openai_client.ts";
import { toProviderError } from "./openai_errors.ts";
import type { Embedder } from "./types.ts";
import { ProviderError } from "./types.ts";

/** Options of {@link createOpenAIEmbedder}. */
export interface OpenAIEmbedderOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  /** Expected vector length; a response with another length is 'malformed'. Default 1536. */
  dimensions?: number;
  /** Inputs per request. Default 128. */
  maxBatch?: number;
  /** Budget of one batch request, SDK retries included. */
  timeoutMs: number;
  maxRetries: number;
  /** For tests: a custom fetch. */
  fetch?: typeof fetch;
}

const provider = "openai";

/** An Embedder over OpenAI's `/embeddings` endpoint (or any compatible one). */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const dimensions = options.dimensions ?? 1536;
  const maxBatch = options.maxBatch ?? 128;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new Error(`embeddings: maxBatch must be a positive integer, got ${maxBatch}`);
  }
  const client = createOpenAIClient(options);
  const model = options.model;

  async function embedBatch(
    batch: string[],
    first: number,
  ): Promise<{ vectors: number[][]; tokens: number }> {
    const deadline = startDeadline(options.timeoutMs);
    try {
      const response = await client.embeddings.create({ model, input: batch }, { signal: deadline.signal });
      const data = Array.isArray(response?.data) ? [...response.data] : [];
      if (data.length !== batch.length) {
        throw malformed(`batch at input ${first}: ${data.length} vectors for ${batch.length} inputs`);
      }
      data.sort((a, b) => a.index - b.index);
      const vectors = data.map((item, i) => {
        if (!Array.isArray(item.embedding) || item.embedding.length !== dimensions) {
          const got = Array.isArray(item.embedding) ? item.embedding.length : typeof item.embedding;
          throw malformed(`input ${first + i}: expected ${dimensions} dimensions, got ${got}`);
        }
        return item.embedding;
      });
      return { vectors, tokens: response.usage?.prompt_tokens ?? 0 };
    } catch (error) {
      throw toProviderError(error, { provider, model, deadline });
    } finally {
      deadline.clear();
    }
  }

  function malformed(detail: string): ProviderError {
    return new ProviderError({ provider, model, kind: "malformed", detail });
  }

  async function embed(texts: string[]): Promise<{ vectors: number[][]; tokens: number; ms: number }> {
    const empty = texts.findIndex((text) => !text.trim());
    if (empty >= 0) throw new Error(`embeddings: input ${empty} is empty (the API rejects empty inputs)`);
    if (texts.length === 0) return { vectors: [], tokens: 0, ms: 0 };
    const started = performance.now();
    const vectors: number[][] = [];
    let tokens = 0;
    for (let first = 0; first < texts.length; first += maxBatch) {
      const batch = await embedBatch(texts.slice(first, first + maxBatch), first);
      vectors.push(...batch.vectors);
      tokens += batch.tokens;
    }
    return { vectors, tokens, ms: Math.round(performance.now() - started) };
  }

  return { name: provider, model, dimensions, maxBatch, embed };
}
