/**
 * A chat provider that tries several in turn: the next one gets the request when the
 * previous one fails with a ProviderError. Every attempt is recorded.
 */
import type { Attempt, ChatProvider, ChatRequest, ChatResult, ChatStreamEvent } from "./types.ts";
import { ProviderError } from "./types.ts";

/** Every provider of a chain failed; `attempts` says how, in order. */
export class AllProvidersFailed extends Error {
  readonly attempts: Attempt[];

  constructor(attempts: Attempt[], options?: { cause?: unknown }) {
    const summary = attempts.map((a) => `${a.provider} (${a.model}): ${a.error}`).join("; ");
    super(`all chat providers failed: ${summary || "no provider configured"}`, options);
    this.name = "AllProvidersFailed";
    this.attempts = attempts;
  }
}

function failedAttempt(error: ProviderError, provider: ChatProvider, started: number): Attempt {
  return {
    provider: error.provider || provider.name,
    model: error.model ?? "",
    ok: false,
    error: error.reason,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Chains `providers` in order. Any ProviderError (any HTTP status: a 400 or 401 can be one
 * provider's problem, e.g. an unsupported `json_schema` or an expired key; timeouts;
 * malformed bodies; network failures) moves on to the next provider; other errors, including
 * the caller's abort, propagate at once. `ChatRequest.model` goes to the first provider only,
 * since model ids are provider-specific: the others use their configured model.
 * Streams fall back only until the first delta has been emitted.
 */
export function createChatChain(providers: ChatProvider[]): ChatProvider {
  const name = providers.map((p) => p.name).join(">") || "none";

  function requestFor(req: ChatRequest, position: number): ChatRequest {
    if (position === 0 || req.model === undefined) return req;
    const { model: _firstProvidersModel, ...rest } = req;
    return rest;
  }

  async function complete(req: ChatRequest): Promise<ChatResult> {
    const failed: Attempt[] = [];
    let lastError: ProviderError | undefined;
    for (const [position, provider] of providers.entries()) {
      const started = performance.now();
      try {
        const result = await provider.complete(requestFor(req, position));
        return { ...result, attempts: [...failed, ...result.attempts] };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        failed.push(failedAttempt(error, provider, started));
        lastError = error;
      }
    }
    throw new AllProvidersFailed(failed, { cause: lastError });
  }

  async function* stream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const failed: Attempt[] = [];
    let lastError: ProviderError | undefined;
    for (const [position, provider] of providers.entries()) {
      const started = performance.now();
      let emitted = false;
      try {
        for await (const event of provider.stream(requestFor(req, position))) {
          if ("delta" in event) {
            emitted = true;
            yield event;
          } else {
            yield { done: { ...event.done, attempts: [...failed, ...event.done.attempts] } };
            return;
          }
        }
        throw new ProviderError({
          provider: provider.name,
          kind: "malformed",
          detail: "stream ended without a result",
        });
      } catch (error) {
        if (emitted || !(error instanceof ProviderError)) throw error;
        failed.push(failedAttempt(error, provider, started));
        lastError = error;
      }
    }
    throw new AllProvidersFailed(failed, { cause: lastError });
  }

  return { name, complete, stream };
}
