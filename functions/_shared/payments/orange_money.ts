/**
 * Orange Money WebPay (Orange's API platform, api.orange.com) behind {@link PaymentProvider}.
 * Facts from Orange Developer's "Orange Money WebPay – Getting started" (om-webpay):
 *
 * - OAuth client credentials: `POST /oauth/v3/token`, `Authorization: Basic
 *   base64(client_id:client_secret)`, form `grant_type=client_credentials` → `{ token_type,
 *   access_token, expires_in }` (seconds), then `Authorization: Bearer <access_token>`.
 * - `POST /orange-money-webpay/<country>/v1/webpayment` `{ merchant_key, currency, order_id,
 *   amount, return_url, cancel_url, notif_url, lang, reference }` → 201 `{ status: 201, message,
 *   pay_token, payment_url, notif_token }`. The sandbox is country `dev` with currency `OUV`.
 * - The notification is a JSON POST `{ status, notif_token, txnid }` with no signature: match its
 *   notif_token with the one stored at creation, then confirm with
 * - `POST …/transactionstatus` `{ order_id, amount, pay_token }` → `{ status:
 *   INITIATED|PENDING|SUCCESS|FAILED|EXPIRED, order_id, txnid }`.
 */
import {
  assertFrancs,
  call,
  callContext,
  type Credentials,
  type Notification,
  ok,
  type PaymentProvider,
  providerError,
  type ProviderOptions,
  type ProviderStatus,
  record,
  stableEventId,
  text,
} from "./provider.ts";

export const ORANGE_BASE_URL = "https://api.orange.com";

/** Our reading of a transactionstatus (or notification) status: only SUCCESS is paid. */
export function orangeState(status: string | null): ProviderStatus["state"] {
  return status === "SUCCESS"
    ? "paid"
    : status === "FAILED"
    ? "failed"
    : status === "EXPIRED"
    ? "expired"
    : "pending";
}

/** The Orange Money adapter; the access token is kept until a minute before it expires. */
export function createOrangeMoneyProvider(
  credentials: Credentials<"orange_money">,
  options: ProviderOptions = {},
): PaymentProvider {
  const ctx = callContext("orange_money", ORANGE_BASE_URL, credentials, options);
  const base = `/orange-money-webpay/${credentials.country}/v1`;
  let cached: { token: string; until: number } | null = null;
  const failed = (what: string, status: number, body: unknown) => {
    const b = record(body);
    const code = text(b.code) ?? text(b.error) ?? `http_${status}`;
    return providerError(ctx, what, status, code, text(b.message) ?? text(b.error_description) ?? undefined);
  };

  async function accessToken(): Promise<string> {
    if (cached && Date.now() < cached.until) return cached.token;
    const what = "get access token";
    const answer = await call(ctx, what, {
      method: "POST",
      path: "/oauth/v3/token",
      headers: { authorization: `Basic ${btoa(`${credentials.client_id}:${credentials.client_secret}`)}` },
      form: new URLSearchParams({ grant_type: "client_credentials" }),
    });
    const body = record(answer.body);
    const token = text(body.access_token);
    if (!ok(answer.status) || !token) throw failed(what, answer.status, body);
    const seconds = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in ?? 3600);
    cached = {
      token,
      until: Date.now() + Math.max(0, (Number.isFinite(seconds) ? seconds : 3600) - 60) * 1000,
    };
    return token;
  }

  /** A bearer call; an expired token (401) is fetched again once. */
  async function authorized(what: string, path: string, json: unknown) {
    for (let attempt = 1;; attempt++) {
      const answer = await call(ctx, what, {
        method: "POST",
        path,
        headers: { authorization: `Bearer ${await accessToken()}` },
        json,
      });
      if (answer.status !== 401 || attempt === 2) return answer;
      cached = null;
    }
  }

  return {
    name: "orange_money",
    async createCheckout(input) {
      assertFrancs("orange_money", input.amount);
      const what = "create web payment";
      const answer = await authorized(what, `${base}/webpayment`, {
        merchant_key: credentials.merchant_key,
        currency: credentials.country === "dev" ? "OUV" : "XOF",
        order_id: input.intentId,
        amount: input.amount,
        return_url: input.successUrl,
        cancel_url: input.errorUrl,
        notif_url: input.notifyUrl,
        lang: "fr",
        reference: input.description.slice(0, 30),
      });
      const body = record(answer.body);
      if (!ok(answer.status)) throw failed(what, answer.status, body);
      const payToken = text(body.pay_token);
      const url = text(body.payment_url);
      const notifToken = text(body.notif_token);
      if (!payToken || !url || !notifToken) {
        throw providerError(
          ctx,
          what,
          answer.status,
          "bad_response",
          "no pay_token, payment_url or notif_token",
        );
      }
      return { providerRef: payToken, url, expiresAt: null, notifToken };
    },

    /** Never signed: the caller matches `notifToken` and confirms with status(). */
    async readNotification(raw) {
      let body: Record<string, unknown>;
      try {
        body = record(JSON.parse(new TextDecoder().decode(raw)));
      } catch {
        return { ok: false, reason: "not JSON" };
      }
      const notifToken = text(body.notif_token);
      const status = text(body.status);
      if (!notifToken || !status) return { ok: false, reason: "no notif_token or status" };
      const state = orangeState(status);
      const notification: Notification = {
        eventId: await stableEventId("orange_money", notifToken, status),
        kind: state === "paid" ? "completed" : state === "failed" || state === "expired" ? "failed" : "other",
        providerRef: null,
        clientReference: null,
        transactionId: text(body.txnid),
        amount: null,
        payer: null,
        signed: false,
        notifToken,
      };
      return { ok: true, notification };
    },

    async status(ref) {
      assertFrancs("orange_money", ref.amount);
      const what = "transaction status";
      const answer = await authorized(what, `${base}/transactionstatus`, {
        order_id: ref.intentId,
        amount: ref.amount,
        pay_token: ref.providerRef,
      });
      const body = record(answer.body);
      if (!ok(answer.status)) throw failed(what, answer.status, body);
      const state = orangeState(text(body.status));
      return {
        state,
        transactionId: text(body.txnid),
        // The amount is fixed when we create the payment and is part of the lookup: a SUCCESS for
        // this order_id, amount and pay_token is a payment of this amount.
        amount: state === "paid" ? ref.amount : null,
        payer: null,
      };
    },
  };
}
