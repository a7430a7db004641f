/**
 * PayDunya (Senegal; one invoice page for Orange Money, Wave, Free Money, cards) behind
 * {@link PaymentProvider}. Facts from PayDunya's HTTP/JSON guide as its own clients use it
 * (npm paydunya 1.0.12 lib/checkout-invoice.js, pypi paydunya):
 *
 * - Every call carries `PAYDUNYA-MASTER-KEY`, `PAYDUNYA-PRIVATE-KEY` and `PAYDUNYA-TOKEN` headers;
 *   live under `/api/v1`, the sandbox under `/sandbox-api/v1` (a base URL concern).
 * - `POST /api/v1/checkout-invoice/create` `{ invoice: { total_amount, description }, store: {
 *   name }, actions: { cancel_url, return_url, callback_url }, custom_data }` → `{ response_code:
 *   "00", response_text: <checkout URL>, description, token }`.
 * - `GET /api/v1/checkout-invoice/confirm/<token>` → `{ response_code: "00", status:
 *   pending|completed|cancelled|failed, invoice: { token, total_amount, … }, custom_data,
 *   customer: { name, phone, email, payment_method }, receipt_identifier, receipt_url, … }`.
 * - The IPN posts that same object as a PHP-style form (`data[status]`, `data[invoice][token]`, …);
 *   its `data[hash]` is SHA-512 of the master key: a constant, not a signature. A wrong hash is
 *   refused; a right one proves nothing, so the notification is unsigned and must be confirmed.
 */
import {
  assertFrancs,
  call,
  callContext,
  type Credentials,
  digestHex,
  e164,
  type Notification,
  ok,
  parseFrancs,
  type PaymentProvider,
  providerError,
  type ProviderOptions,
  type ProviderStatus,
  record,
  same,
  stableEventId,
  text,
} from "./provider.ts";

export const PAYDUNYA_BASE_URL = "https://app.paydunya.com";
const API = "/api/v1/checkout-invoice";

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** `data[invoice][token]=…` form fields as the nested object PHP would build (or `data` as JSON). */
export function paydunyaFormData(form: URLSearchParams): Record<string, unknown> {
  const json = form.get("data");
  if (json !== null) {
    try {
      return record(JSON.parse(json));
    } catch {
      return {};
    }
  }
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const path = /^data((?:\[[^\[\]]*\])+)$/.exec(key)?.[1];
    if (!path) continue;
    const names = [...path.matchAll(/\[([^\[\]]*)\]/g)].map((m) => m[1]);
    if (names.some((name) => FORBIDDEN.has(name))) continue;
    let node = root;
    for (const name of names.slice(0, -1)) {
      const child = node[name];
      if (child === null || typeof child !== "object") node[name] = {};
      node = node[name] as Record<string, unknown>;
    }
    node[names[names.length - 1]] = value;
  }
  return root;
}

/** Our reading of a confirm answer (or an IPN's data): only status "completed" is paid. */
export function paydunyaStatus(body: Record<string, unknown>): ProviderStatus {
  const status = text(body.status);
  const invoice = record(body.invoice);
  return {
    state: status === "completed"
      ? "paid"
      : status === "cancelled" || status === "failed"
      ? "failed"
      : status === "expired"
      ? "expired"
      : "pending",
    transactionId: text(body.receipt_identifier),
    amount: invoice.total_amount === undefined || invoice.total_amount === null
      ? null
      : parseFrancs(invoice.total_amount),
    payer: e164(record(body.customer).phone),
  };
}

/** The PayDunya adapter; the intent travels in `custom_data.intent_id`. */
export function createPayDunyaProvider(
  credentials: Credentials<"paydunya">,
  options: ProviderOptions = {},
): PaymentProvider {
  const ctx = callContext("paydunya", PAYDUNYA_BASE_URL, credentials, options);
  const headers = {
    "PAYDUNYA-MASTER-KEY": credentials.master_key,
    "PAYDUNYA-PRIVATE-KEY": credentials.private_key,
    "PAYDUNYA-TOKEN": credentials.token,
  };
  const failed = (what: string, status: number, body: Record<string, unknown>) =>
    providerError(
      ctx,
      what,
      status,
      text(body.response_code) ?? `http_${status}`,
      text(body.response_text) ?? undefined,
    );

  return {
    name: "paydunya",
    async createCheckout(input) {
      assertFrancs("paydunya", input.amount);
      const what = "create invoice";
      const answer = await call(ctx, what, {
        method: "POST",
        path: `${API}/create`,
        headers,
        json: {
          invoice: { total_amount: input.amount, description: input.description },
          store: { name: credentials.store_name ?? "Comptoir" },
          actions: {
            cancel_url: input.errorUrl,
            return_url: input.successUrl,
            callback_url: input.notifyUrl,
          },
          custom_data: { intent_id: input.intentId },
        },
      });
      const body = record(answer.body);
      if (!ok(answer.status) || body.response_code !== "00") throw failed(what, answer.status, body);
      const token = text(body.token);
      const url = text(body.response_text);
      if (!token || !url?.startsWith("http")) {
        throw providerError(ctx, what, answer.status, "bad_response", "no token or URL");
      }
      return { providerRef: token, url, expiresAt: null };
    },

    async readNotification(raw) {
      const data = paydunyaFormData(new URLSearchParams(new TextDecoder().decode(raw)));
      const hash = text(data.hash)?.toLowerCase();
      if (!hash || !same(hash, await digestHex("SHA-512", credentials.master_key))) {
        return { ok: false, reason: "PayDunya hash does not match the master key" };
      }
      const token = text(record(data.invoice).token);
      if (!token) return { ok: false, reason: "no invoice token" };
      let read: ProviderStatus;
      try {
        read = paydunyaStatus(data);
      } catch (error) {
        return { ok: false, reason: `paydunya: ${(error as Error).message}` };
      }
      const notification: Notification = {
        eventId: await stableEventId("paydunya", token, text(data.status) ?? ""),
        kind: read.state === "paid" ? "completed" : read.state === "failed" ? "failed" : "other",
        providerRef: token,
        clientReference: text(record(data.custom_data).intent_id),
        transactionId: read.transactionId,
        amount: read.amount,
        payer: read.payer,
        signed: false,
      };
      return { ok: true, notification };
    },

    async status(ref) {
      const what = "confirm invoice";
      const answer = await call(ctx, what, {
        method: "GET",
        path: `${API}/confirm/${encodeURIComponent(ref.providerRef)}`,
        headers,
      });
      const body = record(answer.body);
      if (!ok(answer.status) || body.response_code !== "00") throw failed(what, answer.status, body);
      try {
        return paydunyaStatus(body);
      } catch (error) {
        throw providerError(ctx, what, answer.status, "bad_response", (error as Error).message);
      }
    },
  };
}
