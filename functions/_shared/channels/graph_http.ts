/**
 * The one way the Graph client talks HTTP: a time budget per request (the shared withTimeout),
 * a bounded body read, and every failure turned into a GraphError. Nothing here logs; the
 * access token travels only in the Authorization header.
 */
import { TimeoutError, withTimeout } from "../timeout.ts";
import { readUpTo } from "../http.ts";
import { GraphError, responseError } from "./graph_error.ts";

/** Graph JSON answers are small; a bigger one is refused rather than buffered. */
export const MAX_JSON_BYTES = 256 * 1024;

export interface Reply {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

export interface Request {
  method: "GET" | "POST";
  token?: string;
  json?: unknown;
  /** A send: a failure after the request left may still have delivered it (GraphError.maybeSent). */
  sends?: boolean;
  maxBytes?: number;
  /** Follow redirects (Graph and WhatsApp media); attachments set false and check each hop. */
  follow?: boolean;
}

export interface Transport {
  /** Any status; throws a GraphError only when no complete answer came back in time. */
  call(op: string, url: string, request: Request): Promise<Reply>;
  /** A 2xx JSON answer, or the GraphError its error body describes. */
  json(op: string, url: string, request: Request): Promise<unknown>;
  /** Refuses a URL that is neither https nor on one of the configured Graph hosts (tests run on http). */
  checkUrl(op: string, url: string): URL;
}

export function createTransport(options: {
  fetch: typeof fetch;
  timeoutMs: number;
  trustedOrigins: string[];
}): Transport {
  const { timeoutMs, trustedOrigins } = options;
  const doFetch = options.fetch;

  async function call(op: string, url: string, request: Request): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    if (request.json !== undefined) headers["content-type"] = "application/json";
    const maxBytes = request.maxBytes ?? MAX_JSON_BYTES;
    try {
      return await withTimeout(`graph ${op}`, timeoutMs, async (signal) => {
        const response = await doFetch(url, {
          method: request.method,
          headers,
          body: request.json === undefined ? undefined : JSON.stringify(request.json),
          signal,
          redirect: request.follow === false ? "manual" : "follow",
        });
        const bytes = await readUpTo(response, maxBytes);
        if (!bytes) {
          throw new GraphError(`graph ${op}: the answer exceeds ${maxBytes} bytes`, {
            status: response.status,
            kind: "invalid",
            maybeSent: request.sends && response.ok,
          });
        }
        return { status: response.status, headers: response.headers, bytes };
      });
    } catch (error) {
      if (error instanceof GraphError) throw error;
      const timedOut = error instanceof TimeoutError;
      throw new GraphError(
        `graph ${op}: ${timedOut ? `no answer within ${timeoutMs} ms` : "network error"}`,
        {
          status: 0,
          kind: "transient",
          maybeSent: request.sends ?? false,
          cause: error,
        },
      );
    }
  }

  async function json(op: string, url: string, request: Request): Promise<unknown> {
    const reply = await call(op, url, request);
    const text = new TextDecoder().decode(reply.bytes);
    if (reply.status < 200 || reply.status > 299) throw responseError(op, reply.status, text, reply.headers);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new GraphError(`graph ${op}: HTTP ${reply.status} with a body that is not JSON`, {
        status: reply.status,
        kind: "unknown",
        maybeSent: request.sends ?? false,
        cause: error,
      });
    }
  }

  function checkUrl(op: string, url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new GraphError(`graph ${op}: not a URL`, { status: 0, kind: "invalid" });
    }
    if (parsed.protocol !== "https:" && !trustedOrigins.includes(parsed.origin)) {
      throw new GraphError(`graph ${op}: refusing a ${parsed.protocol} URL`, { status: 0, kind: "invalid" });
    }
    return parsed;
  }

  return { call, json, checkUrl };
}
