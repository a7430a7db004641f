/**
 * The HTTP side of every function: one JSON response helper, one error type mapped to the
 * error contract of DESIGN.md (`{ error: { code, message, details? } }`), CORS, and body
 * parsing that turns malformed or oversize input into 400/413 instead of a stack trace.
 */
import { z } from "zod";
import { databaseError } from "./errors.ts";

/**
 * CORS headers for browser callers: every header supabase-js and its clients send (the list of
 * `@supabase/supabase-js/cors`, plus functions-js's `x-region`, auth-js's
 * `x-supabase-api-version`, postgrest-js's profile, `prefer` and `range` headers) and ours
 * (`x-idempotency-key`); the headers a caller may read back exposed (`retry-after` for a 429).
 */
export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": [
    "authorization",
    "x-client-info",
    "apikey",
    "content-type",
    "x-retry-count",
    "traceparent",
    "tracestate",
    "baggage",
    "x-region",
    "x-supabase-api-version",
    "accept-profile",
    "content-profile",
    "prefer",
    "range",
    "x-idempotency-key",
  ].join(", "),
  "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  "Access-Control-Expose-Headers": "retry-after",
  "Access-Control-Max-Age": "86400",
};

/** Stable error codes of the contract, with their HTTP status. */
export const errorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  provider_failed: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** An error that becomes a contract response; throw it anywhere below a handler. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = errorStatus[code];
  }
}

/** A JSON response with CORS headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

/** The contract body for an error; unknown errors become a generic 500 that reveals nothing. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    const body: { code: string; message: string; details?: unknown } = {
      code: error.code,
      message: error.message,
    };
    if (error.details !== undefined) body.details = error.details;
    return json(error.status, { error: body }, error.headers);
  }
  if (error instanceof z.ZodError) {
    return errorResponse(invalidInput(error));
  }
  return json(500, { error: { code: "internal", message: "Internal error" } });
}

/** Turns zod issues into a 400 whose message names the first offending field. */
export function invalidInput(error: z.ZodError, what = "request body"): HttpError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  const first = issues[0];
  return new HttpError("invalid_request", `Invalid ${what}: ${first.path}: ${first.message}`, { issues });
}

/** Default request body limit (1 MiB); functions that take documents raise it. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body, bounded by `maxBytes`, and validates it with `schema`.
 * Oversize → 413, not JSON → 400 invalid_json, wrong shape → 400 invalid_request with zod issues.
 */
export async function readJson<T extends z.ZodType>(
  req: Request,
  schema: T,
  options: { maxBytes?: number } = {},
): Promise<z.infer<T>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readBounded(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError("invalid_json", "Request body is not valid JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(parsed.error);
  return parsed.data;
}

/** Validates query parameters (all strings) with `schema`. */
export function readQuery<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw invalidInput(parsed.error, "query");
  return parsed.data;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError("payload_too_large", `Request body exceeds ${maxBytes} bytes`);
}

async function readBounded(req: Request, maxBytes: number): Promise<string> {
  const bytes = await readUpTo(req, maxBytes);
  if (!bytes) throw tooLarge(maxBytes);
  return new TextDecoder().decode(bytes);
}

/**
 * A request's or response's whole body, or null (and the stream cancelled) as soon as it passes
 * `maxBytes` or declares more in Content-Length: nothing past the limit is buffered.
 */
export async function readUpTo(
  source: { body: ReadableStream<Uint8Array> | null; headers: Headers },
  maxBytes: number,
): Promise<Uint8Array | null> {
  if (Number(source.headers.get("content-length") ?? "0") > maxBytes) {
    await source.body?.cancel();
    return null;
  }
  if (!source.body) return new Uint8Array(0);
  const reader = source.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

type Handler = (req: Request) => Response | Promise<Response>;

/**
 * Wraps a handler: answers CORS preflight, rejects methods not in `methods`, and maps any
 * thrown error to the contract (database errors through errors.ts's one mapping). Unexpected
 * errors are logged by name only (never bodies or keys).
 */
export function serveJson(options: { name: string; methods: string[] }, handler: Handler): Handler {
  return async function (req: Request): Promise<Response> {
    if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
    if (!options.methods.includes(req.method)) {
      return errorResponse(
        new HttpError(
          "method_not_allowed",
          `${options.name}: method ${req.method} is not allowed`,
          undefined,
          {
            Allow: options.methods.join(", "),
          },
        ),
      );
    }
    try {
      return await handler(req);
    } catch (thrown) {
      const error = databaseError(thrown, options.name);
      if (!(error instanceof HttpError) && !(error instanceof z.ZodError)) {
        console.error(`${options.name}: unexpected ${error instanceof Error ? error.name : typeof error}`);
      }
      return errorResponse(error);
    }
  };
}
