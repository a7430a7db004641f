/**
 * A local fake of Meta's Graph API for tests, benchmarks and the demo, on 127.0.0.1 (random port):
 *
 *   POST /v21.0/<account>/messages      WhatsApp Cloud API or Messenger/Instagram Send API
 *                                       (private replies too: recipient.comment_id)
 *   GET  /v21.0/<media id>              { messaging_product, url, mime_type, sha256, file_size, id }
 *   GET  /lookaside/...?hash=<h>        the media bytes: same bearer, URL valid 5 minutes
 *   GET  /cdn/<key>                     a Messenger/Instagram attachment (signed URL, no token)
 *
 * Errors have the Graph shape `{ error: { message, type, code, error_subcode, fbtrace_id } }`.
 * Kept apart from fake_providers.ts (its routes are model providers); `handle` lets a server
 * mount this one. The signer and payload builders live in meta_payloads.ts and are re-exported.
 */
import { createHash } from "node:crypto";

export * from "./meta_payloads.ts";

/** One send the fake accepted. */
export interface RecordedSend {
  /** The path's account: phone_number_id, Page id or Instagram account id. */
  account: string;
  /** The request body's shape. */
  api: "whatsapp" | "messenger";
  /** WhatsApp `to` or Messenger/Instagram `recipient.id`. */
  to?: string;
  /** A private reply's `recipient.comment_id`. */
  comment_id?: string;
  /** `text`, `template`, … (Messenger/Instagram: `text` or `attachment`). */
  type: string;
  text?: string;
  template?: { name: string; language?: string };
  /** The id the fake returned (`wamid.…` or `m_…`). */
  id: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/** A scripted Graph error. Without `code` the body is not JSON (a proxy's error page). */
export interface GraphFailure {
  code?: number;
  /** Default: 401 for 190, 500 for 1, 2 and 131000, else 400. */
  status?: number;
  subcode?: number;
  message?: string;
  /** Retry-After header, in seconds. */
  retryAfter?: number;
}

export interface FakeMetaOptions {
  /** Wait before every answer. */
  latencyMs?: number;
  /** Lifetime of a media download URL (default 5 minutes). */
  mediaUrlTtlMs?: number;
  /** The fake's clock, for expiring media URLs (default Date.now). */
  now?: () => number;
  /** The API version in baseUrl (default v21.0; any /vN.N is served). */
  version?: string;
}

export interface FakeMeta {
  /** E.g. http://127.0.0.1:4567/v21.0 (the Graph client's baseUrl). */
  baseUrl: string;
  origin: string;
  /** Every accepted send, oldest first. */
  readonly sent: RecordedSend[];
  /** Every request: method, path and query (no bodies). */
  readonly requests: { method: string; path: string; authorization: string | null }[];
  latencyMs: number;
  mediaUrlTtlMs: number;
  /** Stores media; its GET needs a bearer (the account's, when `account` has an expected token). */
  addMedia(bytes: Uint8Array, mime: string, options?: { account?: string; sha256?: string }): string;
  /** Stores an attachment served without credentials; returns its URL. */
  addAttachment(bytes: Uint8Array, mime: string): string;
  /** The next `count` sends fail with `failure`. */
  failNext(count: number, failure: GraphFailure): void;
  /** Requests for `account` must carry `Bearer <token>`; others get the 190 OAuth error. */
  expectToken(account: string, token: string): void;
  handle(request: Request): Promise<Response>;
  /** Forgets sends, requests, failures, media and tokens. */
  reset(): void;
  close(): Promise<void>;
}

const TITLES: Record<number, string> = {
  1: "An unknown error occurred",
  2: "Service temporarily unavailable",
  4: "Application request limit reached",
  100: "Invalid parameter",
  190: "Invalid OAuth access token - Cannot parse access token",
  131000: "Something went wrong",
  131047: "Re-engagement message",
  131056: "(Business Account, Consumer Account) pair rate limit hit",
  130429: "Rate limit hit",
};

function random(bytes = 12): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function graphError(failure: GraphFailure): Response {
  const code = failure.code;
  const status = failure.status ??
    (code === 190 ? 401 : code === 1 || code === 2 || code === 131000 ? 500 : 400);
  const headers: Record<string, string> = failure.retryAfter
    ? { "retry-after": String(failure.retryAfter) }
    : {};
  if (code === undefined) return new Response("<html>Internal Server Error</html>", { status, headers });
  return json(status, {
    error: {
      message: failure.message ?? `(#${code}) ${TITLES[code] ?? "Fake Graph error"}`,
      type: "OAuthException",
      code,
      ...(failure.subcode !== undefined ? { error_subcode: failure.subcode } : {}),
      error_data: { messaging_product: "whatsapp", details: TITLES[code] ?? "fake" },
      fbtrace_id: `A${random(9)}`,
    },
  }, headers);
}

const badToken = () => graphError({ code: 190 });
const invalid = (message: string) => graphError({ code: 100, message: `(#100) ${message}` });

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer behind. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

interface Media {
  bytes: Uint8Array;
  mime: string;
  sha256: string;
  account?: string;
}

/**
 * The fake's state and request handler, without a server (for mounting or direct calls);
 * `release()` ends the latency waits of requests in flight.
 */
export function createFakeMeta(
  origin: string,
  options: FakeMetaOptions = {},
): Omit<FakeMeta, "close"> & { release(): void } {
  const version = options.version ?? "v21.0";
  const now = options.now ?? Date.now;
  const closing = new AbortController();
  const sent: RecordedSend[] = [];
  const requests: FakeMeta["requests"] = [];
  const failures: GraphFailure[] = [];
  const tokens = new Map<string, string>();
  const media = new Map<string, Media>();
  const links = new Map<string, { mediaId: string; authorization: string; expiresAt: number }>();
  const attachments = new Map<string, { bytes: Uint8Array; mime: string }>();

  const fake: Omit<FakeMeta, "close"> = {
    baseUrl: `${origin}/${version}`,
    origin,
    sent,
    requests,
    latencyMs: options.latencyMs ?? 0,
    mediaUrlTtlMs: options.mediaUrlTtlMs ?? 5 * 60_000,
    addMedia(bytes, mime, extra = {}) {
      const id = String(900_000_000_000 + media.size + 1 + Math.floor(Math.random() * 1e9));
      // Meta's examples show the digest as 64 hex digits; `sha256` overrides it (a mismatch test).
      const sha256 = extra.sha256 ?? createHash("sha256").update(bytes).digest("hex");
      media.set(id, { bytes, mime, sha256, account: extra.account });
      return id;
    },
    addAttachment(bytes, mime) {
      const key = random();
      attachments.set(key, { bytes, mime });
      return `${origin}/cdn/${key}?oh=${random(6)}`;
    },
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    expectToken(account, token) {
      tokens.set(account, token);
    },
    handle,
    reset() {
      for (const list of [sent, requests, failures] as unknown[][]) list.length = 0;
      for (const map of [tokens, media, links, attachments]) map.clear();
    },
  };

  function authorized(account: string | undefined, authorization: string | null): boolean {
    if (!authorization?.startsWith("Bearer ") || authorization.length <= 7) return false;
    const expected = account === undefined ? undefined : tokens.get(account);
    return expected === undefined || authorization === `Bearer ${expected}`;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const authorization = request.headers.get("authorization");
    requests.push({ method: request.method, path: url.pathname + url.search, authorization });
    await wait(fake.latencyMs, closing.signal);
    const parts = url.pathname.split("/").filter(Boolean);
    const versioned = /^v\d+\.\d+$/.test(parts[0] ?? "");
    if (request.method === "POST" && versioned && parts.length === 3 && parts[2] === "messages") {
      return await send(decodeURIComponent(parts[1]), request, authorization);
    }
    if (request.method === "GET" && versioned && parts.length === 2) {
      return mediaInfo(parts[1], url, authorization);
    }
    if (request.method === "GET" && parts[0] === "lookaside") return download(url, authorization);
    if (request.method === "GET" && parts[0] === "cdn" && attachments.has(parts[1])) {
      const { bytes, mime } = attachments.get(parts[1])!;
      return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": mime } });
    }
    await request.body?.cancel();
    return json(404, {
      error: { message: `fake meta: no route for ${request.method} ${url.pathname}`, code: 803 },
    });
  }

  async function send(account: string, request: Request, authorization: string | null): Promise<Response> {
    let body: Record<string, unknown>;
    try {
      body = await request.json();
    } catch {
      return invalid("the body is not JSON");
    }
    if (!authorized(account, authorization)) return badToken();
    const failure = failures.shift();
    if (failure) return graphError(failure);
    // deno-lint-ignore no-explicit-any
    const b = body as any;
    if (b.messaging_product === "whatsapp") {
      if (typeof b.to !== "string" || typeof b.type !== "string") return invalid("to and type are required");
      if (b.type === "text" && typeof b.text?.body !== "string") return invalid("text.body is required");
      const id = `wamid.HBgL${random(24)}`;
      sent.push({
        account,
        api: "whatsapp",
        to: b.to,
        type: b.type,
        ...(b.type === "text" ? { text: b.text.body } : {}),
        ...(b.type === "template"
          ? { template: { name: b.template?.name, language: b.template?.language?.code } }
          : {}),
        id,
        authorization,
        body,
      });
      return json(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: b.to, wa_id: b.to.replace(/\D/g, "") }],
        messages: [{ id }],
      });
    }
    const to = b.recipient?.id;
    const commentId = b.recipient?.comment_id;
    if (typeof to !== "string" && typeof commentId !== "string") return invalid("recipient is required");
    if (!b.message || typeof b.message !== "object") return invalid("message is required");
    const id = `m_${random(24)}`;
    sent.push({
      account,
      api: "messenger",
      ...(typeof to === "string" ? { to } : {}),
      ...(typeof commentId === "string" ? { comment_id: commentId } : {}),
      type: typeof b.message.text === "string" ? "text" : "attachment",
      ...(typeof b.message.text === "string" ? { text: b.message.text } : {}),
      id,
      authorization,
      body,
    });
    return json(200, { recipient_id: typeof to === "string" ? to : `psid-${commentId}`, message_id: id });
  }

  function mediaInfo(id: string, url: URL, authorization: string | null): Response {
    const item = media.get(decodeURIComponent(id));
    if (!item) return invalid(`Unsupported get request. Object with ID '${id}' does not exist`);
    if (!authorized(item.account, authorization)) return badToken();
    const phone = url.searchParams.get("phone_number_id");
    if (phone && item.account && phone !== item.account) {
      return invalid("media does not belong to this number");
    }
    const hash = random();
    const expiresAt = now() + fake.mediaUrlTtlMs;
    links.set(hash, { mediaId: decodeURIComponent(id), authorization: authorization!, expiresAt });
    return json(200, {
      messaging_product: "whatsapp",
      url: `${origin}/lookaside/whatsapp_business/attachments/?mid=${id}&ext=${
        Math.floor(expiresAt / 1000)
      }&hash=${hash}`,
      mime_type: item.mime,
      sha256: item.sha256,
      file_size: item.bytes.byteLength,
      id,
    });
  }

  function download(url: URL, authorization: string | null): Response {
    const link = links.get(url.searchParams.get("hash") ?? "");
    if (!link || now() >= link.expiresAt) {
      return json(404, { error: { message: "URL signature expired", type: "OAuthException", code: 100 } });
    }
    if (authorization !== link.authorization) return badToken();
    const item = media.get(link.mediaId)!;
    return new Response(item.bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": item.mime, "content-length": String(item.bytes.byteLength) },
    });
  }

  return Object.assign(fake, { release: () => closing.abort() });
}

/**
 * Starts the fake on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * const meta = await startFakeMeta();
 * try {
 *   meta.expectToken("PHONE_ID", "token");
 *   const graph = createGraph({ baseUrl: meta.baseUrl });
 *   await graph.sendText({ platform: "whatsapp", external_id: "PHONE_ID", access_token: "token" }, "221770000001", "Bonjour");
 *   meta.sent[0].text; // "Bonjour"
 * } finally {
 *   await meta.close();
 * }
 */
export function startFakeMeta(options: FakeMetaOptions = {}): Promise<FakeMeta> {
  const stop = new AbortController();
  return new Promise((resolve) => {
    let fake: ReturnType<typeof createFakeMeta> | undefined;
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: stop.signal,
      onListen({ port }) {
        fake = createFakeMeta(`http://127.0.0.1:${port}`, options);
        const { release } = fake;
        // The same object, not a copy: latencyMs and mediaUrlTtlMs stay settable.
        resolve(Object.assign(fake, {
          async close() {
            release();
            stop.abort();
            await server.finished;
          },
        }));
      },
    }, (request) => fake!.handle(request));
  });
}

/** Runs `fn` with a fresh fake and closes it afterwards, whatever happens. */
export async function withFakeMeta(
  fn: (meta: FakeMeta) => Promise<void>,
  options?: FakeMetaOptions,
): Promise<void> {
  const meta = await startFakeMeta(options);
  try {
    await fn(meta);
  } finally {
    await meta.close();
  }
}
