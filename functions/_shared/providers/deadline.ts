/**
 * A per-call time budget as an AbortSignal, merged with the caller's own signal, so that an
 * adapter can tell "we ran out of time" (a ProviderError 'timeout') from "the caller gave up"
 * (propagated untouched).
 */

/** A running budget. Always `clear()` it in a `finally` so no timer outlives the call. */
export interface Deadline {
  /** Aborts when the budget runs out or the caller aborts. */
  readonly signal: AbortSignal;
  /** True when the budget (not the caller) aborted the signal. */
  expired(): boolean;
  /** True when the caller's signal aborted. */
  callerAborted(): boolean;
  /** Restarts the budget from now (used between stream chunks: an idle timeout). */
  extend(): void;
  /** Stops the clock until the next `extend()` (while a stream consumer handles a chunk). */
  pause(): void;
  clear(): void;
}

/** Starts a budget of `ms` milliseconds, also aborted by `callerSignal`. */
export function startDeadline(ms: number, callerSignal?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      expired = true;
      controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError"));
    }, ms);
  };
  const onCallerAbort = () => {
    clearTimeout(timer);
    controller.abort(callerSignal?.reason);
  };
  if (callerSignal?.aborted) onCallerAbort();
  else {
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    arm();
  }
  return {
    signal: controller.signal,
    expired: () => expired,
    callerAborted: () => callerSignal?.aborted === true,
    extend: () => {
      if (!controller.signal.aborted) arm();
    },
    pause: () => clearTimeout(timer),
    clear: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

/** The error to rethrow when the caller aborted: its own reason, or a standard AbortError. */
export function callerAbortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException("aborted by caller", "AbortError");
}
