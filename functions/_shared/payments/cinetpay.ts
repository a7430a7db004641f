/**
 * CinetPay (Côte d'Ivoire and its neighbours; one counter for Orange, MTN, Moov, Wave, cards)
 * behind {@link PaymentProvider}. Facts from docs.cinetpay.com/api/1.0-fr/checkout
 * (initialisation, notification, hmac, verification, tableau):
 *
 * - `POST /v2/payment` (JSON) with `apikey`, `site_id`, a unique `transaction_id`, `amount` an
 *   integer **multiple of 5**, `currency`, `description` (no `# / $ _ &`), `notify_url`,
 *   `return_url`, `channels`, optional `metadata` (echoed back as `cpm_custom`) and
 *   `customer_phone_number`. Answer `{ code: "201", message: "CREATED", data: { payment_token,
 *   payment_url } }`. Errors carry a code of the table (608 MINIMUM_REQUIRED_FIELDS, 609
 *   AUTH_NOT_FOUND, …).
 * - The notification is a form POST of `cpm_*` fields with an `x-token` header: hex
 *   HMAC-SHA256(secret key, cpm_site_id + cpm_trans_id + cpm_trans_date + cpm_amount +
 *   cpm_currency + signature + payment_method + cel_phone_num + cpm_phone_prefixe + cpm_language +
 *   cpm_version + cpm_payment_config + cpm_page_action + cpm_custom + cpm_designation +
 *   cpm_error_message), no separator. CinetPay's own guide still confirms with the check.
 * - `POST /v2/payment/check` `{ apikey, site_id, transaction_id }` → `{ code, message, data: {
 *   amount: "100", currency, status: ACCEPTED|REFUSED|…, payment_method, operator_id, … } }`:
 *   code "00" with status ACCEPTED is a success; 627 TRANSACTION_CANCEL comes with REFUSED.
 */
import {
  assertFrancs,
  call,
  callContext,
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
  stableEventId,
  text,
} from "./provider.ts";

export const CINETPAY_BASE_URL = "https://api-checkout.cinetpay.com";

/** The notification's fields in the order the x-token concatenates them. */
export const CINETPAY_TOKEN_FIELDS = [
  "cpm_site_id",
  "cpm_trans_id",
  "cpm_trans_date",
  "cpm_amount",
  "cpm_currency",
  "signature",
  "payment_method",
  "cel_phone_num",
  "cpm_phone_prefixe",
  "cpm_language",
  "cpm_version",
  "cpm_payment_config",
  "cpm_page_action",
  "cpm_custom",
  "cpm_designation",
  "cpm_error_message",
] as const;

/** The x-token of a notification's fields (an absent field counts as empty, as in PHP). */
export function cinetpayToken(secretKey: string, fields: URLSearchParams): Promise<string> {
  return hmacSha256Hex(secretKey, CINETPAY_TOKEN_FIELDS.map((name) => fields.get(name) ?? "").join(""));
}

/** Codes of the table that end a payment as failed (the waiting ones, 623/662/663, do not). */
const FAILED_CODES = new Set(["600", "602", "604", "606", "627"]);

/** Our reading of a check answer: only code "00" with status ACCEPTED is paid. */
export function cinetpayStatus(body: Record<string, unknown>): ProviderStatus {
  const data = record(body.data);
  const status = text(data.status);
  const state = body.code === "00" && status === "ACCEPTED"
    ? "paid"
    : status === "REFUSED" || status === "CANCELLED" || FAILED_CODES.has(String(body.code))
    ? "failed"
    : "pending";
  return {
    state,
    transactionId: text(data.operator_id),
    amount: data.amount === undefined || data.amount === null ? null : parseFrancs(data.amount),
    payer: null,
  };
}

/** The description CinetPay accepts: without the characters its guide warns about. */
function cleanDescription(description: string): string {
  return description.replace(/[#/$_&]/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) || "Paiement";
}

/**
 * The CinetPay adapter. Its `transaction_id` is the intent plus a random suffix (a retried checkout
 * needs a new one); the intent travels as `metadata` and comes back as `cpm_custom`.
 */
export function createCinetPayProvider(
  credentials: Credentials<"cinetpay">,
  options: ProviderOptions = {},
): PaymentProvider {
  const ctx = callContext("cinetpay", CINETPAY_BASE_URL, credentials, options);
  const keys = { apikey: credentials.apikey, site_id: credentials.site_id };
  const failed = (what: string, status: number, body: unknown) => {
    const b = record(body);
    return providerError(ctx, what, status, text(b.code) ?? `http_${status}`, text(b.message) ?? undefined);
  };

  return {
    name: "cinetpay",
    async createCheckout(input) {
      assertFrancs("cinetpay", input.amount);
      if (input.amount % 5 !== 0) {
        throw new RangeError(`cinetpay: an amount is a multiple of 5 francs (got ${input.amount})`);
      }
      const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
      const transactionId = `${input.intentId}-${suffix}`;
      const answer = await call(ctx, "initialise payment", {
        method: "POST",
        path: "/v2/payment",
        json: {
          ...keys,
          transaction_id: transactionId,
          amount: input.amount,
          currency: "XOF",
          description: cleanDescription(input.description),
          notify_url: input.notifyUrl,
          // CinetPay has one return URL, for success and failure alike.
          return_url: input.successUrl,
          channels: "ALL",
          lang: "fr",
          metadata: input.intentId,
          ...(input.payerPhone ? { customer_phone_number: input.payerPhone } : {}),
        },
      });
      const body = record(answer.body);
      if (!ok(answer.status) || body.code !== "201") throw failed("initialise payment", answer.status, body);
      const url = text(record(body.data).payment_url);
      if (!url) {
        throw providerError(ctx, "initialise payment", answer.status, "bad_response", "no payment_url");
      }
      return { providerRef: transactionId, url, expiresAt: null };
    },

    async readNotification(raw, headers) {
      const fields = new URLSearchParams(new TextDecoder().decode(raw));
      const received = headers.get("x-token")?.trim().toLowerCase();
      if (!received) return { ok: false, reason: "no x-token" };
      if (!same(received, await cinetpayToken(credentials.secret_key, fields))) {
        return { ok: false, reason: "x-token does not match" };
      }
      if (fields.get("cpm_site_id") !== credentials.site_id) return { ok: false, reason: "another site_id" };
      const ref = fields.get("cpm_trans_id");
      if (!ref) return { ok: false, reason: "no cpm_trans_id" };
      const message = fields.get("cpm_error_message") ?? "";
      let amount: number | null;
      try {
        amount = fields.has("cpm_amount") ? parseFrancs(fields.get("cpm_amount")) : null;
      } catch (error) {
        return { ok: false, reason: `cinetpay: ${(error as Error).message}` };
      }
      const prefix = fields.get("cpm_phone_prefixe") ?? "";
      const notification: Notification = {
        eventId: await stableEventId("cinetpay", ref, message),
        kind: message === "SUCCES"
          ? "completed"
          : message === "" || message.startsWith("WAITING")
          ? "other"
          : "failed",
        providerRef: ref,
        clientReference: text(fields.get("cpm_custom")),
        transactionId: null,
        amount,
        payer: e164(`+${prefix}${fields.get("cel_phone_num") ?? ""}`),
        signed: true,
      };
      return { ok: true, notification };
    },

    async status(ref) {
      const what = "check payment";
      const answer = await call(ctx, what, {
        method: "POST",
        path: "/v2/payment/check",
        json: { ...keys, transaction_id: ref.providerRef },
      });
      const body = record(answer.body);
      // A refused or waiting payment may come with a 4xx: its data.status is still the answer.
      if (!ok(answer.status) && typeof record(body.data).status !== "string") {
        throw failed(what, answer.status, body);
      }
      try {
        return cinetpayStatus(body);
      } catch (error) {
        throw providerError(ctx, what, answer.status, "bad_response", (error as Error).message);
      }
    },
  };
}
