/**
 * Wave (Senegal, Côte d'Ivoire, Mali, Burkina Faso): the Checkout API behind {@link PaymentProvider}
 * and its webhook check. Facts from docs.wave.com/checkout and docs.wave.com/webhook:
 *
 * - A checkout session is `POST /v1/checkout/sessions` (`Authorization: Bearer <api key>`, one key
 *   per business wallet) with the amount in whole francs **as a string** (`"17500"`: XOF has no
 *   minor unit, never ×100), `currency: "XOF"`, a `client_reference` (our intent), optional
 *   `restrict_payer_mobile`, `success_url`, `error_url`. It answers `{ id: "cos-…",
 *   wave_launch_url, checkout_status: open|complete|expired, payment_status:
 *   processing|cancelled|succeeded, transaction_id, when_expires, … }`; `GET …/sessions/<id>` reads
 *   it back and `POST …/sessions/<id>/refund` refunds it (whole). Errors are `{ code, message }`.
 * - Webhooks are registered in the Business Portal (not per session): `{ id, type, data }` with
 *   `checkout.session.completed`, `checkout.session.payment_failed` (data: the session) and
 *   `merchant.payment_received` (data: `{ id, amount, fee, currency, sender_mobile, … }`).
 * - A webhook proves itself by one of two strategies chosen when it is registered: the signing
 *   secret, `Wave-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + raw body)>` (t and
 *   body concatenated with no separator; several v1 while a secret is rotated; an old t is a
 *   replay), or the shared secret sent as `Authorization: Bearer <secret>`.
 */
import { z } from "zod";
import {
  assertFrancs,
  call,
  callContext,
  type Checkout,
  type CheckoutInput,
  type Credentials,
  e164,
  hmacSha256Hex,
  type Notification,
  ok,
  parseFrancs,
  type PaymentProvider,
  providerError,
  type ProviderOptions,
  type ProviderStatus,
  record,
  same,
  text,
  type Verified,
} from "./provider.ts";

/** How far a signature's timestamp may be from our clock, either way. */
export const WAVE_TOLERANCE_SECONDS = 300;

export type WaveCheck = { ok: true } | { ok: false; reason: string };

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
    const signatures = parts.filter(([key, value]) => key === "v1" && value).map(([, value]) =>
      value.toLowerCase()
    );
    if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
      return { ok: false, reason: "malformed Wave-Signature" };
    }
    if (Math.abs(nowSeconds - Number(t)) > WAVE_TOLERANCE_SECONDS) {
      return { ok: false, reason: "Wave-Signature timestamp out of tolerance" };
    }
    const signed = new Uint8Array(t.length + raw.length);
    signed.set(new TextEncoder().encode(t));
    signed.set(raw, t.length);
    const expected = await hmacSha256Hex(secret, signed);
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

export const WAVE_BASE_URL = "https://api.wave.com";

/** Our reading of a checkout session: only `succeeded` and `complete` together are paid. */
export function waveSessionStatus(session: Record<string, unknown>): ProviderStatus {
  const paid = session.payment_status === "succeeded" && session.checkout_status === "complete";
  const state = paid
    ? "paid"
    : session.checkout_status === "expired"
    ? "expired"
    : session.payment_status === "cancelled"
    ? "failed"
    : "pending";
  return {
    state,
    transactionId: text(session.transaction_id),
    amount: session.amount === undefined || session.amount === null ? null : parseFrancs(session.amount),
    payer: null,
  };
}

/** A verified event as a {@link Notification}; an amount that is not whole francs refuses it. */
export function waveNotification(event: WaveEvent): Notification {
  const data = event.data;
  const kind = event.type === "checkout.session.completed" && data.payment_status === "succeeded"
    ? "completed"
    : event.type === "checkout.session.payment_failed"
    ? "failed"
    : event.type === "merchant.payment_received"
    ? "received"
    : "other";
  const session = event.type.startsWith("checkout.session.");
  return {
    eventId: event.id,
    kind,
    providerRef: session ? text(data.id) : null,
    clientReference: session ? text(data.client_reference) : null,
    transactionId: session ? text(data.transaction_id) : text(data.id),
    amount: data.amount === undefined || data.amount === null ? null : parseFrancs(data.amount),
    payer: e164(data.sender_mobile),
    signed: true,
  };
}

/** The Wave adapter. `notifyUrl` is not sent: Wave's webhooks are registered in its portal. */
export function createWaveProvider(
  credentials: Credentials<"wave">,
  options: ProviderOptions = {},
): PaymentProvider {
  const ctx = callContext("wave", WAVE_BASE_URL, credentials, options);
  const auth = { authorization: `Bearer ${credentials.api_key}` };
  const failed = (what: string, status: number, body: unknown) => {
    const b = record(body);
    return providerError(ctx, what, status, text(b.code) ?? `http_${status}`, text(b.message) ?? undefined);
  };
  const sessionPath = (id: string) => `/v1/checkout/sessions/${encodeURIComponent(id)}`;

  return {
    name: "wave",
    async createCheckout(input: CheckoutInput): Promise<Checkout> {
      const json = checkoutSessionBody({
        amount: input.amount,
        clientReference: input.intentId,
        successUrl: input.successUrl,
        errorUrl: input.errorUrl,
        restrictPayerMobile: input.payerPhone,
      });
      const answer = await call(ctx, "create checkout session", {
        method: "POST",
        path: "/v1/checkout/sessions",
        headers: auth,
        json,
      });
      if (!ok(answer.status)) throw failed("create checkout session", answer.status, answer.body);
      const session = record(answer.body);
      const id = text(session.id);
      const url = text(session.wave_launch_url);
      if (!id || !url) {
        throw providerError(
          ctx,
          "create checkout session",
          answer.status,
          "bad_response",
          "no id or wave_launch_url",
        );
      }
      return { providerRef: id, url, expiresAt: text(session.when_expires) };
    },

    async readNotification(raw, headers, nowSeconds) {
      const check = await verifyWaveWebhook(
        raw,
        { signature: headers.get("wave-signature"), authorization: headers.get("authorization") },
        credentials.webhook_secret,
        nowSeconds,
      );
      if (!check.ok) return check;
      let event: WaveEvent;
      try {
        event = WaveEvent.parse(JSON.parse(new TextDecoder().decode(raw)));
      } catch {
        return { ok: false, reason: "not a Wave event" };
      }
      try {
        return { ok: true, notification: waveNotification(event) } satisfies Verified;
      } catch (error) {
        return { ok: false, reason: `wave: ${(error as Error).message}` };
      }
    },

    async status(ref) {
      const answer = await call(ctx, "get checkout session", {
        method: "GET",
        path: sessionPath(ref.providerRef),
        headers: auth,
      });
      if (!ok(answer.status)) throw failed("get checkout session", answer.status, answer.body);
      try {
        return waveSessionStatus(record(answer.body));
      } catch (error) {
        throw providerError(
          ctx,
          "get checkout session",
          answer.status,
          "bad_response",
          (error as Error).message,
        );
      }
    },

    /** Wave refunds a session whole: `amount` is not sent. A refusal (4xx but auth) is ok: false. */
    async refund(ref) {
      assertFrancs("wave", ref.amount);
      const what = "refund checkout session";
      const answer = await call(ctx, what, {
        method: "POST",
        path: `${sessionPath(ref.providerRef)}/refund`,
        headers: auth,
      });
      if (ok(answer.status)) return { ok: true };
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 401 && answer.status !== 403) {
        return { ok: false };
      }
      throw failed(what, answer.status, answer.body);
    },
  };
}
