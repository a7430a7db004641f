/**
 * Graph API failures sorted by what the caller should do, from the error body
 * `{ error: { message, type, code, error_subcode, error_data, fbtrace_id } }` (Meta recommends
 * deciding on `code`, not on the HTTP status or the message text).
 */
import { z } from "zod";

/**
 * - window: outside the customer-service window (WhatsApp 131047, Messenger 10/2018278): send a
 *   template or tell the shop; retrying the same message is pointless.
 * - pacing: too many messages to this one user (131056): wait, then retry this user only.
 * - throughput: a number, app or account rate limit (130429, 80007, 4, 17, 32, 613): back off.
 * - auth: token expired or missing a permission (190, 0, 10, 102, 200-299, HTTP 401/403).
 * - invalid: the request itself is wrong or its recipient unreachable (100, 131008, 131009,
 *   131021, 131026, 131051-131053, 132000-132999, 133010, 551): never retry as is.
 * - transient: network, timeout, HTTP 5xx, codes 1, 2, 131000, 131016: retry later.
 * - unknown: anything else.
 */
export type GraphErrorKind =
  | "window"
  | "pacing"
  | "throughput"
  | "auth"
  | "invalid"
  | "transient"
  | "unknown";

/** Meta's figure for the pair limit: about one message every 6 seconds to the same user. */
const PACING_DEFAULT_MS = 6_000;

export class GraphError extends Error {
  /** HTTP status; 0 when no response came back (network, timeout) or the check was ours. */
  readonly status: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly kind: GraphErrorKind;
  /** From Retry-After when Meta sends it; for pacing, 6 s by default. */
  readonly retryAfterMs?: number;
  readonly fbtraceId?: string;
  /**
   * True when a send may have reached Meta although it failed here (a timeout or a connection
   * lost after the request left, a 200 we could not read): the Graph API has no idempotency key,
   * so retrying such a send can deliver the message twice.
   */
  readonly maybeSent: boolean;

  constructor(message: string, fields: {
    status: number;
    kind: GraphErrorKind;
    code?: number;
    subcode?: number;
    retryAfterMs?: number;
    fbtraceId?: string;
    maybeSent?: boolean;
    cause?: unknown;
  }) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "GraphError";
    this.status = fields.status;
    this.kind = fields.kind;
    this.maybeSent = fields.maybeSent ?? false;
    if (fields.code !== undefined) this.code = fields.code;
    if (fields.subcode !== undefined) this.subcode = fields.subcode;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.fbtraceId !== undefined) this.fbtraceId = fields.fbtraceId;
  }
}

const WINDOW = new Set([131047]);
const PACING = new Set([131056]);
const THROUGHPUT = new Set([4, 17, 32, 613, 80007, 130429]);
const AUTH = new Set([0, 10, 102, 190]);
const INVALID = new Set([100, 551, 131008, 131009, 131021, 131026, 131051, 131052, 131053, 133010]);
const TRANSIENT = new Set([1, 2, 131000, 131016]);
/** Messenger's subcode of code 10 for a message sent outside the allowed window. */
const MESSENGER_WINDOW_SUBCODE = 2018278;

/**
 * The kind of a Graph error code (also usable on the `errors[].code` of a failed status
 * webhook); without a known code, the HTTP status decides.
 */
export function graphErrorKind(code: number | undefined, status = 0, subcode?: number): GraphErrorKind {
  if (code !== undefined) {
    if (WINDOW.has(code) || (code === 10 && subcode === MESSENGER_WINDOW_SUBCODE)) return "window";
    if (PACING.has(code)) return "pacing";
    if (THROUGHPUT.has(code)) return "throughput";
    if (AUTH.has(code) || (code >= 200 && code <= 299)) return "auth";
    if (INVALID.has(code) || (code >= 132000 && code <= 132999)) return "invalid";
    if (TRANSIENT.has(code)) return "transient";
  }
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "throughput";
  if (status >= 500) return "transient";
  return "unknown";
}

const ErrorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    code: z.number().int().optional(),
    error_subcode: z.number().int().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** The GraphError of a non-2xx response to `op` (its body already read, possibly empty). */
export function responseError(op: string, status: number, body: string, headers: Headers): GraphError {
  let parsed: z.output<typeof ErrorBody>["error"] | undefined;
  try {
    const result = ErrorBody.safeParse(JSON.parse(body));
    if (result.success) parsed = result.data.error;
  } catch {
    // Not JSON (a proxy's HTML page): the status decides.
  }
  const code = parsed?.code;
  const subcode = parsed?.error_subcode;
  const kind = graphErrorKind(code, status, subcode);
  const retryAfterMs = retryAfter(headers.get("retry-after")) ??
    (kind === "pacing" ? PACING_DEFAULT_MS : undefined);
  // Meta's message names the problem ("Re-engagement message"); it never holds our token or text.
  const said = parsed?.message ? `: ${parsed.message.slice(0, 160)}` : "";
  const codeText = code === undefined ? "" : `, code ${code}${subcode === undefined ? "" : `/${subcode}`}`;
  return new GraphError(`graph ${op}: HTTP ${status}${codeText} (${kind})${said}`, {
    status,
    kind,
    ...(code !== undefined ? { code } : {}),
    ...(subcode !== undefined ? { subcode } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(parsed?.fbtrace_id ? { fbtraceId: parsed.fbtrace_id } : {}),
  });
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
