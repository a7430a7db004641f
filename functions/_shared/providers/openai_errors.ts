/**
 * Translates whatever the `openai` SDK throws into a ProviderError (or rethrows the caller's
 * abort), so chat and embeddings adapters classify failures the same way.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { callerAbortError, type Deadline } from "./deadline.ts";
import { ProviderError } from "./types.ts";

/** Where the failure happened, for the error's context. */
export interface FailureContext {
  provider: string;
  model: string;
  deadline: Deadline;
}

/**
 * Maps an SDK error to a ProviderError: HTTP statuses → 'http', SDK or budget timeouts →
 * 'timeout', connection failures → 'network', unparsable bodies → 'malformed'.
 * A caller abort is rethrown as the caller's reason. Unknown errors (bugs) are rethrown as-is.
 */
export function toProviderError(error: unknown, context: FailureContext): unknown {
  const { provider, model, deadline } = context;
  if (error instanceof ProviderError) return error;
  if (deadline.callerAborted()) return callerAbortError(deadline.signal);
  if (deadline.expired() || error instanceof APIConnectionTimeoutError) {
    return new ProviderError({ provider, model, kind: "timeout", cause: error });
  }
  if (error instanceof APIUserAbortError) {
    return new ProviderError({ provider, model, kind: "timeout", detail: "aborted", cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError({ provider, model, kind: "network", detail: error.message, cause: error });
  }
  if (error instanceof APIError) {
    return new ProviderError({ provider, model, kind: "http", status: error.status, cause: error });
  }
  if (error instanceof SyntaxError) {
    return new ProviderError({
      provider,
      model,
      kind: "malformed",
      detail: "unparsable response",
      cause: error,
    });
  }
  if (error instanceof TypeError && /body|connection|fetch|network/i.test(error.message)) {
    return new ProviderError({ provider, model, kind: "network", detail: error.message, cause: error });
  }
  return error;
}
