/**
 * The one mapping of database errors to the error contract, used by every function (through
 * serveJson, and by the steps that retry): SQLSTATE → HTTP status, a lost connection →
 * retried, then 503. Errors are matched by SQLSTATE, never by message text.
 */
import { HttpError } from "./http.ts";

/** The SQLSTATE (or postgres.js error code) of an error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

const CONNECTION_ERRORS = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08001",
  "08003",
  "08006",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
]);

/** True for errors of a lost or refused database connection (the step may be retried). */
export function isConnectionError(error: unknown): boolean {
  const code = sqlState(error) ?? (error as { errno?: unknown })?.errno;
  return typeof code === "string" && CONNECTION_ERRORS.has(code);
}

/**
 * Errors a request's own input caused in Postgres. Ours (raised with a stable message: P0002,
 * 22023) keep their message; the server's own say what was refused without echoing it.
 */
const INPUT_ERRORS: Record<string, string | null> = {
  P0002: null, // our "unknown <thing>" errors
  "22023": null, // our "invalid argument" errors
  "22021": "the text contains a byte sequence the database refuses (a NUL character?)",
  "22P05": "the text contains a character the database cannot store (an unpaired surrogate?)",
  "54001": "the input is nested too deeply",
  "22P02": "a value does not have the expected form",
  "22001": "a value is too long",
  "23514": "a value breaks a rule of the data",
};

/** PostgREST's custom statuses (`raise ... using errcode = 'PT404'`) our functions raise. */
const POSTGREST_STATUSES: Record<string, "invalid_request" | "forbidden" | "not_found" | "conflict"> = {
  PT400: "invalid_request",
  PT403: "forbidden",
  PT404: "not_found",
  PT409: "conflict",
};

/**
 * The contract error for a database error, or the error itself when it is not one the
 * contract names (it then becomes a 500 that reveals nothing). `what` prefixes messages, in
 * place of the SQL function's name a Postgres message may open with.
 */
export function databaseError(error: unknown, what: string): unknown {
  if (error instanceof HttpError) return error;
  if (isConnectionError(error)) {
    return new HttpError("unavailable", `${what}: database unavailable, retry in a moment`);
  }
  const state = sqlState(error);
  if (state === undefined) return error;
  const message = withoutSqlContext((error as Error).message);
  if (state === "P0002") return new HttpError("not_found", `${what}: ${message}`);
  // Ours for functions members call through PostgREST, which answers PTxyz with status xyz.
  if (state in POSTGREST_STATUSES) return new HttpError(POSTGREST_STATUSES[state], `${what}: ${message}`);
  if (state in INPUT_ERRORS) {
    return new HttpError("invalid_request", `${what}: ${INPUT_ERRORS[state] ?? message}`, {
      sqlstate: state,
    });
  }
  if (state === "42501") return new HttpError("forbidden", `${what}: ${message}`);
  if (state === "23505") return new HttpError("conflict", `${what}: that already exists`);
  // Ours: a state change the rules refuse (an order's illegal status transition).
  if (state === "55000") return new HttpError("conflict", `${what}: ${message}`);
  if (state === "57014") {
    return new HttpError("unavailable", `${what}: the database took too long, retry in a moment`);
  }
  // A deadlock or a serialization failure: the transaction was rolled back whole; a retry is safe.
  if (state === "40P01" || state === "40001") {
    return new HttpError("unavailable", `${what}: the database was busy, retry in a moment`);
  }
  return error;
}

/**
 * A Postgres message without the SQL function's name it opens with (`toggle_live_mode: …`,
 * `assistant: …`): `what` gives the context once, where the caller meets it.
 */
function withoutSqlContext(message: string): string {
  return message.replace(/^[a-z][a-z0-9_]*: /, "");
}

/**
 * Runs one database step, retried on a lost connection (the step must be idempotent), with
 * its errors mapped to the contract. `attempts`: tries in all (default 3).
 */
export async function dbStep<T>(what: string, fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (isConnectionError(error) && attempt < attempts) continue;
      throw databaseError(error, what);
    }
  }
}
