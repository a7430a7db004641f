/**
 * The one timeout helper of the functions: a step with a time budget. The step gets a signal
 * that aborts when the budget runs out (so that it can stop its own calls), and the caller
 * gets a TimeoutError at that moment even if the step ignores the signal. Provider adapters
 * keep their own per-call deadline (providers/deadline.ts), which this composes with.
 */

/** The error of a step that ran out of time; `label` names the step. */
export class TimeoutError extends Error {
  constructor(readonly label: string, readonly ms: number) {
    super(`${label}: timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Runs `step` within `ms` milliseconds; rejects with {@link TimeoutError} when it takes longer. */
export function withTimeout<T>(
  label: string,
  ms: number,
  step: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(label, ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running = step(controller.signal);
  // Whatever the step does after its budget ran out, nobody waits for it any more.
  running.catch(() => {});
  return Promise.race([running, expired]).finally(() => clearTimeout(timer));
}

/** A signal that aborts with {@link TimeoutError} after `ms` (for a stream read step by step). */
export function timeoutSignal(label: string, ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(label, ms)), ms);
  // A budget must not keep the process alive on its own.
  Deno.unrefTimer(timer);
  return controller.signal;
}
