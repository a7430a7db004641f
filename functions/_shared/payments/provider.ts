/**
 * The one interface of the mobile-money payment providers (Wave, CinetPay, PayDunya, Orange Money
 * WebPay) and the plumbing their adapters share: credentials checked with zod, one HTTP call with
 * a time budget whose failures are a {@link ProviderError} that never carries a credential, strict
 * parsing of amounts, HMAC and digests. No database and no I/O but `fetch` to a configurable base
 * URL. Amounts are integers of XOF francs everywhere (ISO 4217 exponent 0: never ×100).
 *
 * NOTE: the adapters import this module and `createProvider` imports them back; every use of an
 * import sits inside a function, so the cycle is harmless whichever file is loaded first.
 */
import { z } from "zod";
import { TimeoutError, withTimeout } from "../timeout.ts";
import { createCinetPayProvider } from "./cinetpay.ts";
import { createOrangeMoneyProvider } from "./orange_money.ts";
import { createPayDunyaProvider } from "./paydunya.ts";
import { createWaveProvider } from "./wave.ts";

export type ProviderName = "wave" | "cinetpay" | "paydunya" | "orange_money";

/** Amounts are integers of XOF francs everywhere (ISO exponent 0: never ×100). */
export interface CheckoutInput {
  /** Our client reference, a uuid. */
  intentId: string;
  amount: number;
  description: string;
  /** E.164; Wave restricts the session to it, CinetPay pre-fills it. */
  payerPhone?: string;
  successUrl: string;
  errorUrl: string;
  /** Where CinetPay, PayDunya and Orange post notifications (Wave's webhooks are set in its portal). */
  notifyUrl: string;
}

export interface Checkout {
  /** Wave session id (cos-…), CinetPay transaction_id, PayDunya invoice token, Orange pay_token. */
  providerRef: string;
  url: string;
  expiresAt: string | null;
  /** Orange: the token its notification carries back; store it and compare on arrival. */
  notifToken?: string;
}

export type NotificationKind = "completed" | "failed" | "received" | "other";

export interface Notification {
  /** The dedupe key: Wave's event id; for the others a stable hash of provider, ref and status. */
  eventId: string;
  kind: NotificationKind;
  /** Session id / transaction_id / invoice token (null for Orange, whose notification names none). */
  providerRef: string | null;
  /** Our intentId when the provider echoes it. */
  clientReference: string | null;
  transactionId: string | null;
  /** Integer francs, parsed strictly. */
  amount: number | null;
  /** Payer mobile in E.164, if given. */
  payer: string | null;
  /** True only when the body is proven by the provider; false → the caller MUST confirm with status(). */
  signed: boolean;
  /** Orange: the notif_token to match against {@link Checkout.notifToken}. */
  notifToken?: string;
}

export type Verified = { ok: true; notification: Notification } | { ok: false; reason: string };

export interface ProviderStatus {
  state: "pending" | "paid" | "failed" | "expired";
  transactionId: string | null;
  amount: number | null;
  payer: string | null;
}

export interface PaymentProvider {
  name: ProviderName;
  createCheckout(input: CheckoutInput): Promise<Checkout>;
  /** Verifies (where the provider signs) and parses a raw webhook body; nothing trusted before ok. */
  readNotification(raw: Uint8Array, headers: Headers, nowSeconds?: number): Promise<Verified>;
  /** The provider's own word on a payment (Wave: GET session; CinetPay: /v2/payment/check; PayDunya: confirm/<token>; Orange: transactionstatus). */
  status(ref: { providerRef: string; intentId: string; amount: number }): Promise<ProviderStatus>;
  /** Where the provider supports it (Wave: POST /v1/checkout/sessions/<id>/refund). Others: undefined. */
  refund?(ref: { providerRef: string; amount: number }): Promise<{ ok: boolean }>;
}

export interface ProviderOptions {
  /** The provider's origin (default: its production API); the fake's baseUrl in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Budget of one HTTP call, body included (default 15 s). */
  timeoutMs?: number;
}

/** A provider call that failed: non-2xx, a body that is not the protocol's, a timeout, no network. */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    /** The HTTP status, or 0 when no answer came (timeout, network). */
    readonly status: number,
    /** The provider's own error code when it gave one, else ours: timeout, network, bad_response, http_<status>. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

const nonEmpty = z.string().min(1);

/** Which credential keys each provider needs. */
export const PROVIDER_CREDENTIALS = {
  wave: z.object({ api_key: nonEmpty, webhook_secret: nonEmpty }),
  cinetpay: z.object({ apikey: nonEmpty, site_id: nonEmpty, secret_key: nonEmpty }),
  paydunya: z.object({
    master_key: nonEmpty,
    private_key: nonEmpty,
    token: nonEmpty,
    store_name: nonEmpty.optional(),
  }),
  orange_money: z.object({
    client_id: nonEmpty,
    client_secret: nonEmpty,
    merchant_key: nonEmpty,
    // "dev" is the sandbox, whose currency is OUV.
    country: z.string().regex(/^[a-z]{2,3}$/).default("sn"),
  }),
} satisfies Record<ProviderName, z.ZodType>;

export type Credentials<P extends ProviderName> = z.output<(typeof PROVIDER_CREDENTIALS)[P]>;

/** Checks credentials, naming the missing or malformed key and never echoing a value. */
export function parseCredentials<P extends ProviderName>(
  name: P,
  credentials: Record<string, string>,
): Credentials<P> {
  const parsed = PROVIDER_CREDENTIALS[name].safeParse(credentials);
  if (parsed.success) return parsed.data as Credentials<P>;
  const issue = parsed.error.issues[0];
  const key = String(issue.path[0] ?? "?");
  const missing = credentials[key] === undefined || credentials[key] === "";
  throw new TypeError(`${name}: credential "${key}" is ${missing ? "missing" : "malformed"}`);
}

/** Builds the adapter of `name`; throws a TypeError naming a missing credential key. */
export function createProvider(
  name: ProviderName,
  credentials: Record<string, string>,
  options: ProviderOptions = {},
): PaymentProvider {
  switch (name) {
    case "wave":
      return createWaveProvider(parseCredentials("wave", credentials), options);
    case "cinetpay":
      return createCinetPayProvider(parseCredentials("cinetpay", credentials), options);
    case "paydunya":
      return createPayDunyaProvider(parseCredentials("paydunya", credentials), options);
    case "orange_money":
      return createOrangeMoneyProvider(parseCredentials("orange_money", credentials), options);
    default:
      throw new TypeError(`payments: unknown provider "${name satisfies never}"`);
  }
}

/**
 * Whole francs from a provider's amount: an integer, or a decimal string whose fraction is zeros
 * ("17500", "17500.00"). Anything else ("175.5", "1e3", "", -5) is a RangeError.
 */
export function parseFrancs(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^\d{1,15}(\.0+)?$/.test(value)) return Number(value.split(".")[0]);
  throw new RangeError(`amount ${JSON.stringify(value)?.slice(0, 40)} is not a whole number of francs`);
}

/** Checks an amount we are about to send: a whole, positive number of francs. */
export function assertFrancs(provider: ProviderName, amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`${provider}: an amount is a whole, positive number of francs (got ${amount})`);
  }
}

/** A phone number if it is already E.164 (+ and 8 to 15 digits, spaces dropped), else null. */
export function e164(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const compact = value.replace(/[\s.-]/g, "");
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}

/** The shared context of one adapter's calls. */
export interface CallContext {
  provider: ProviderName;
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Every credential value, scrubbed from any message we build. */
  secrets: string[];
}

export function callContext(
  provider: ProviderName,
  defaultBaseUrl: string,
  credentials: Record<string, unknown>,
  options: ProviderOptions,
): CallContext {
  return {
    provider,
    baseUrl: (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, ""),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: options.timeoutMs ?? 15_000,
    secrets: Object.values(credentials).filter((v): v is string => typeof v === "string" && v.length >= 4),
  };
}

/** `text` without any credential value in it. */
export function redact(text: string, secrets: string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}

/** A ProviderError whose message says what was called and never a credential. */
export function providerError(
  ctx: CallContext,
  what: string,
  status: number,
  code: string,
  detail?: unknown,
): ProviderError {
  const said = typeof detail === "string" && detail ? `: ${detail.slice(0, 200)}` : "";
  return new ProviderError(
    ctx.provider,
    status,
    code,
    redact(`${ctx.provider}: ${what} failed (${status} ${code})${said}`, ctx.secrets),
  );
}

export interface Answer {
  status: number;
  /** The parsed JSON body; null when the body was empty. */
  body: unknown;
}

/**
 * One HTTP call within the time budget. Any status is returned with its JSON body (the adapter
 * reads the protocol's own error codes); a timeout, a lost network or a non-JSON body throws.
 */
export async function call(
  ctx: CallContext,
  what: string,
  request: {
    method: "GET" | "POST";
    path: string;
    headers?: Record<string, string>;
    json?: unknown;
    form?: URLSearchParams;
  },
): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(request.json);
  } else if (request.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = request.form.toString();
  }
  let status = 0;
  let text: string;
  try {
    text = await withTimeout(`${ctx.provider} ${what}`, ctx.timeoutMs, async (signal) => {
      const response = await ctx.fetch(`${ctx.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body,
        signal,
      });
      status = response.status;
      return await response.text();
    });
  } catch (error) {
    if (error instanceof TimeoutError) {
      throw providerError(ctx, what, 0, "timeout", `no answer within ${ctx.timeoutMs} ms`);
    }
    throw providerError(ctx, what, status, "network", error instanceof Error ? error.name : undefined);
  }
  if (text.trim() === "") return { status, body: null };
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    throw providerError(
      ctx,
      what,
      status,
      status >= 200 && status < 300 ? "bad_response" : `http_${status}`,
      "the body is not JSON",
    );
  }
}

export const ok = (status: number): boolean => status >= 200 && status < 300;

/** A record view of an unknown JSON value (an empty one when it is not an object). */
export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

/** A string field, or null when absent or not a non-empty string. */
export function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null;
}

const encoder = new TextEncoder();

export function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares in time that depends on the lengths only. */
export function same(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}

/** Lowercase hex HMAC-SHA256 of `data` under `secret`. */
export async function hmacSha256Hex(secret: string, data: Uint8Array | string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return hex(await crypto.subtle.sign("HMAC", key, bytes as Uint8Array<ArrayBuffer>));
}

/** Lowercase hex digest of a UTF-8 string. */
export async function digestHex(algorithm: "SHA-256" | "SHA-512", data: string): Promise<string> {
  return hex(await crypto.subtle.digest(algorithm, encoder.encode(data)));
}

/** A dedupe key for providers without event ids: the same provider, ref and status give the same key. */
export async function stableEventId(provider: ProviderName, ...parts: string[]): Promise<string> {
  return `${provider}:${(await digestHex("SHA-256", [provider, ...parts].join("\u0000"))).slice(0, 40)}`;
}
