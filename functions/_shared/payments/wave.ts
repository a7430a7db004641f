/**
 * Wave (Senegal, Côte d'Ivoire, Mali, Burkina Faso): the protocol facts a payments adapter needs,
 * with no I/O — a first step of issue 19 (payments confirmed by the provider). Facts from the
 * issue and ../shared/CHANNELS.md (Wave's docs: docs.wave.com/webhook, /checkout):
 *
 * - A checkout session is `POST /v1/checkout/sessions` with the amount in whole francs **as a
 *   string** (`"17500"`: XOF has no minor unit, never ×100), `currency: "XOF"`, a
 *   `client_reference` (our order), optional `restrict_payer_mobile`, `success_url`, `error_url`.
 * - A webhook proves itself by one of two strategies chosen when it is registered: the signing
 *   secret, `Wave-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + raw body)>` (t and
 *   body concatenated with no separator; several v1 while a secret is rotated; an old t is a
 *   replay), or the shared secret sent as `Authorization: Bearer <secret>`.
 */
import { z } from "zod";

/** How far a signature's timestamp may be from our clock, either way. */
export const WAVE_TOLERANCE_SECONDS = 300;

export type WaveCheck = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares in time that depends on the lengths only. */
function same(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}

/**
 * Whether a webhook came from Wave: its `Wave-Signature` checked on the raw bytes (every v1
 * compared, in constant time) within the tolerance, or else its bearer equal to the shared
 * secret. Nothing of the body is read before this says ok.
 */
export async function verifyWaveWebhook(
  raw: Uint8Array,
  headers: { signature: string | null; authorization: string | null },
  secret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<WaveCheck> {
  if (!secret) return { ok: false, reason: "no secret configured" };
  if (headers.signature) {
    const parts = headers.signature.split(",").map((part) => part.trim().split("="));
    const t = parts.find(([key]) => key === "t")?.[1];
    const signatures = parts.filter(([key, value]) => key === "v1" && value).map(([, value]) => value.toLowerCase());
    if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
      return { ok: false, reason: "malformed Wave-Signature" };
    }
    if (Math.abs(nowSeconds - Number(t)) > WAVE_TOLERANCE_SECONDS) {
      return { ok: false, reason: "Wave-Signature timestamp out of tolerance" };
    }
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const signed = new Uint8Array(t.length + raw.length);
    signed.set(encoder.encode(t));
    signed.set(raw, t.length);
    const expected = hex(await crypto.subtle.sign("HMAC", key, signed));
    // Every v1 is compared, so the time does not say which one (if any) matched.
    const matches = signatures.map((signature) => same(signature, expected));
    return matches.includes(true) ? { ok: true } : { ok: false, reason: "Wave-Signature does not match" };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization?.trim() ?? "")?.[1];
  if (bearer) return same(bearer, secret) ? { ok: true } : { ok: false, reason: "wrong shared secret" };
  return { ok: false, reason: "no Wave-Signature and no bearer" };
}

/** A Wave webhook event, as far as we read it. */
export const WaveEvent = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  data: z.record(z.string(), z.unknown()),
});
export type WaveEvent = z.infer<typeof WaveEvent>;

/** The body of `POST /v1/checkout/sessions` for an amount of whole francs. */
export function checkoutSessionBody(input: {
  amount: number;
  clientReference: string;
  successUrl: string;
  errorUrl: string;
  restrictPayerMobile?: string;
}): Record<string, string> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new RangeError(`wave: an amount is a whole, positive number of francs (got ${input.amount})`);
  }
  if (!/^[\x21-\x7e]{1,255}$/.test(input.clientReference)) {
    throw new RangeError("wave: client_reference is 1 to 255 printable ASCII characters");
  }
  return {
    amount: String(input.amount),
    currency: "XOF",
    client_reference: input.clientReference,
    success_url: input.successUrl,
    error_url: input.errorUrl,
    ...(input.restrictPayerMobile ? { restrict_payer_mobile: input.restrictPayerMobile } : {}),
  };
}
