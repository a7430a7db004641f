/**
 * A local fake of four mobile-money providers for tests and the demo, on 127.0.0.1 (random port),
 * each on its real paths so an adapter needs only its base URL changed:
 *
 *   Wave      POST /v1/checkout/sessions · GET /v1/checkout/sessions/<id> · POST …/<id>/refund
 *   CinetPay  POST /v2/payment · POST /v2/payment/check
 *   PayDunya  POST /api/v1/checkout-invoice/create · GET /api/v1/checkout-invoice/confirm/<token>
 *   Orange    POST /oauth/v3/token · POST /orange-money-webpay/<country>/v1/webpayment|transactionstatus
 *
 * Auth is checked as each provider does (Wave bearer key, CinetPay apikey + site_id in the body,
 * PayDunya's three headers, Orange Basic then Bearer) and amounts as they validate them (Wave: a
 * whole-number string; CinetPay: an integer multiple of 5). The customer's side is simulated:
 * `pay`, `fail`, `receive` return the notification the provider would send, signed as it signs
 * (`Wave-Signature`, CinetPay `x-token`, PayDunya's constant hash), for the test to post, replay
 * or reorder. Error codes the public docs do not name are the fake's own ("fake-…").
 */
import type { ProviderName } from "../../functions/_shared/payments/provider.ts";
import { cinetpayToken } from "../../functions/_shared/payments/cinetpay.ts";

export type FakeRoute =
  | "wave.create"
  | "wave.get"
  | "wave.refund"
  | "cinetpay.payment"
  | "cinetpay.check"
  | "paydunya.create"
  | "paydunya.confirm"
  | "orange.token"
  | "orange.webpayment"
  | "orange.status";

/** One checkout the fake created; `status` moves with pay/fail/expire/refund. */
export interface FakeSession {
  provider: ProviderName;
  /** Wave session id, CinetPay transaction_id, PayDunya token, Orange pay_token. */
  ref: string;
  /** Our intent as the provider holds it (client_reference, metadata, custom_data, order_id). */
  clientReference: string | null;
  amount: number;
  status: "open" | "paid" | "failed" | "expired" | "refunded";
  /** What the customer paid (the amount unless `pay` said otherwise). */
  paidAmount: number | null;
  payer: string | null;
  transactionId: string | null;
  notifyUrl: string | null;
  notifToken?: string;
  description: string;
  createdAt: number;
  expiresAt: number;
  /** The create request's body as received. */
  request: Record<string, unknown>;
}

/** A notification as the provider would post it. */
export interface Delivery {
  url: string;
  body: Uint8Array;
  headers: Headers;
}

export interface FakePaymentsOptions {
  /** The fake's clock in ms (default Date.now): session times and Wave-Signature's t. */
  now?: () => number;
  /** The URL registered in Wave's portal (Wave's webhooks are not per session). */
  waveWebhookUrl?: string;
  /** Wave session lifetime (default 30 minutes). */
  sessionTtlMs?: number;
  /** The credentials it accepts (default: random per instance; the local stack fixes its own). */
  credentials?: FakeCredentials;
}

export interface FakeCredentials {
  wave: { api_key: string; webhook_secret: string };
  cinetpay: { apikey: string; site_id: string; secret_key: string };
  paydunya: { master_key: string; private_key: string; token: string };
  orange_money: { client_id: string; client_secret: string; merchant_key: string; country: string };
}

export interface FakePayments {
  /** E.g. http://127.0.0.1:4567: every provider's base URL. */
  baseUrl: string;
  /** The credentials the fake accepts (random per instance unless given). */
  credentials: FakeCredentials;
  readonly sessions: Map<string, FakeSession>;
  /** Every request: method, path, the route it matched and the status answered. */
  readonly requests: { method: string; path: string; route: FakeRoute | null; status: number }[];
  /** The customer pays: the session is paid and its notification returned (not posted). */
  pay(ref: string, paid?: { amount?: number; payer?: string }): Promise<Delivery>;
  /** The payment fails or is cancelled; its notification is returned. */
  fail(ref: string): Promise<Delivery>;
  /** The session runs out of time (no notification: none of the four documents one). */
  expire(ref: string): void;
  /** Wave merchant.payment_received: a customer paid the shop's QR or number directly. */
  receive(amount: number, payer: string): Promise<Delivery>;
  /** Builders with this fake's secrets, for replays and forged variants. */
  webhooks: {
    wave(event: unknown, options?: { t?: number; secret?: string; url?: string }): Promise<Delivery>;
    cinetpay(
      fields: Record<string, string>,
      options?: { secretKey?: string; url?: string },
    ): Promise<Delivery>;
    paydunya(
      data: Record<string, unknown>,
      options?: { masterKey?: string; url?: string },
    ): Promise<Delivery>;
    orange(body: Record<string, unknown>, options?: { url?: string }): Delivery;
  };
  /** The next request on `route` answers `status` with the provider's error shape (or `body`). */
  failNext(route: FakeRoute, status: number, body?: unknown): void;
  handle(request: Request): Promise<Response>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

function random(length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => alphabet[b % alphabet.length])
    .join("");
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

async function hex(algorithm: "SHA-512", data: string): Promise<string> {
  const bytes = await crypto.subtle.digest(algorithm, encoder.encode(data));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A JSON event with `Wave-Signature: t=<t>,v1=<HMAC-SHA256(secret, t + body)>`. */
export async function signWaveEvent(
  secret: string,
  event: unknown,
  t: number,
): Promise<Omit<Delivery, "url">> {
  const body = encoder.encode(JSON.stringify(event));
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new Uint8Array([...encoder.encode(String(t)), ...body])),
  );
  const v1 = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    body,
    headers: new Headers({ "content-type": "application/json", "wave-signature": `t=${t},v1=${v1}` }),
  };
}

/** A CinetPay notification form with its `x-token`. */
export async function cinetpayNotification(
  secretKey: string,
  fields: Record<string, string>,
): Promise<Omit<Delivery, "url">> {
  const form = new URLSearchParams(fields);
  return {
    body: encoder.encode(form.toString()),
    headers: new Headers({
      "content-type": "application/x-www-form-urlencoded",
      "x-token": await cinetpayToken(secretKey, form),
    }),
  };
}

/** A PayDunya IPN: `data` as PHP-style form fields, with `hash` = SHA-512 of the master key. */
export async function paydunyaIpn(
  masterKey: string,
  data: Record<string, unknown>,
): Promise<Omit<Delivery, "url">> {
  const form = new URLSearchParams();
  const put = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) put(`${prefix}[${key}]`, inner);
    } else form.append(prefix, value === null || value === undefined ? "" : String(value));
  };
  put("data", { ...data, hash: await hex("SHA-512", masterKey) });
  return {
    body: encoder.encode(form.toString()),
    headers: new Headers({ "content-type": "application/x-www-form-urlencoded" }),
  };
}

/** An Orange Money notification: plain JSON, unsigned. */
export function orangeNotification(body: Record<string, unknown>): Omit<Delivery, "url"> {
  return {
    body: encoder.encode(JSON.stringify(body)),
    headers: new Headers({ "content-type": "application/json" }),
  };
}

/** Country calling codes of the fake's payers, to split a number as CinetPay does. */
const PREFIXES = ["221", "223", "224", "225", "226", "227", "228", "229", "237"];

/** The fake's state and request handler, without a server (for mounting or direct calls). */
export function createFakePayments(
  origin: string,
  options: FakePaymentsOptions = {},
): Omit<FakePayments, "close"> {
  const now = options.now ?? Date.now;
  const ttl = options.sessionTtlMs ?? 30 * 60_000;
  const waveWebhookUrl = options.waveWebhookUrl ?? "https://shop.invalid/webhooks/wave";
  const credentials: FakeCredentials = options.credentials ?? {
    wave: { api_key: `wave_sn_prod_${random(24)}`, webhook_secret: `wave_sn_WHS_${random(24)}` },
    cinetpay: {
      apikey: `${random(20, "0123456789")}.${random(8)}`,
      site_id: random(6, "0123456789"),
      secret_key: random(32),
    },
    paydunya: { master_key: random(36), private_key: `live_private_${random(28)}`, token: random(20) },
    orange_money: {
      client_id: random(32),
      client_secret: random(16),
      merchant_key: random(8),
      country: "sn",
    },
  };
  const sessions = new Map<string, FakeSession>();
  const requests: FakePayments["requests"] = [];
  const failures = new Map<FakeRoute, { status: number; body?: unknown }[]>();
  const accessTokens = new Set<string>();
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

  function session(ref: string): FakeSession {
    const found = sessions.get(ref);
    if (!found) throw new Error(`fake payments: no session ${ref}`);
    return found;
  }

  function open(
    provider: ProviderName,
    ref: string,
    fields: Pick<FakeSession, "clientReference" | "amount" | "notifyUrl" | "description" | "request"> & {
      notifToken?: string;
    },
  ): FakeSession {
    const created: FakeSession = {
      provider,
      ref,
      status: "open",
      paidAmount: null,
      payer: null,
      transactionId: null,
      createdAt: now(),
      expiresAt: now() + ttl,
      ...fields,
    };
    sessions.set(ref, created);
    return created;
  }

  // --- Wave -------------------------------------------------------------------------------------

  function waveSession(s: FakeSession): Record<string, unknown> {
    const checkout = s.status === "paid" || s.status === "refunded"
      ? "complete"
      : s.status === "expired"
      ? "expired"
      : "open";
    return {
      id: s.ref,
      amount: String(s.status === "paid" || s.status === "refunded" ? s.paidAmount : s.amount),
      checkout_status: checkout,
      client_reference: s.clientReference,
      currency: "XOF",
      error_url: s.request.error_url,
      last_payment_error: s.status === "failed"
        ? { code: "insufficient-funds", message: "Insufficient balance" }
        : null,
      business_name: "Boutique Fake",
      payment_status: checkout === "complete"
        ? "succeeded"
        : s.status === "failed"
        ? "cancelled"
        : "processing",
      transaction_id: s.transactionId,
      success_url: s.request.success_url,
      wave_launch_url: `${origin}/pay/wave/${s.ref}`,
      when_completed: checkout === "open" ? null : iso(now()),
      when_created: iso(s.createdAt),
      when_expires: iso(s.expiresAt),
      ...(s.request.restrict_payer_mobile ? { restrict_payer_mobile: s.request.restrict_payer_mobile } : {}),
    };
  }

  async function wave(route: FakeRoute, request: Request, id: string | undefined): Promise<Response> {
    const authorization = request.headers.get("authorization");
    if (!authorization) {
      return json(401, {
        code: "missing-auth-header",
        message: "Your request should include an HTTP auth header.",
      });
    }
    if (authorization !== `Bearer ${credentials.wave.api_key}`) {
      return json(401, { code: "api-key-not-found", message: "The API key was not found." });
    }
    if (route === "wave.create") {
      const body = await request.json().catch(() => null) as Record<string, unknown> | null;
      const invalid = (message: string) => json(400, { code: "request-validation-error", message });
      if (!body) return invalid("The body is not JSON.");
      // XOF has no minor unit: a whole number of francs, as a string.
      if (typeof body.amount !== "string" || !/^[1-9]\d*$/.test(body.amount)) {
        return invalid("amount: not a whole amount of XOF");
      }
      if (body.currency !== "XOF") return invalid("currency: unsupported");
      if (typeof body.success_url !== "string" || typeof body.error_url !== "string") {
        return invalid("success_url and error_url are required");
      }
      const ref = `cos-${random(13)}`;
      const s = open("wave", ref, {
        clientReference: typeof body.client_reference === "string" ? body.client_reference : null,
        amount: Number(body.amount),
        notifyUrl: waveWebhookUrl,
        description: "",
        request: body,
      });
      return json(200, waveSession(s));
    }
    const s = id ? sessions.get(id) : undefined;
    if (!s || s.provider !== "wave") {
      return json(404, { code: "not-found", message: "Checkout session not found." });
    }
    if (route === "wave.get") return json(200, waveSession(s));
    if (s.status !== "paid") {
      return json(400, { code: "fake-not-refundable", message: "Only a paid session is refunded." });
    }
    s.status = "refunded";
    return new Response(null, { status: 200 });
  }

  // --- CinetPay ---------------------------------------------------------------------------------

  function cinetpayCheck(s: FakeSession): { code: string; message: string; data: Record<string, unknown> } {
    const [code, message, status] = s.status === "paid"
      ? ["00", "SUCCES", "ACCEPTED"]
      : s.status === "failed" || s.status === "expired"
      ? ["627", "TRANSACTION_CANCEL", "REFUSED"]
      : ["662", "WAITING_CUSTOMER_PAYMENT", "WAITING_FOR_CUSTOMER"];
    return {
      code,
      message,
      data: {
        amount: String(s.paidAmount ?? s.amount),
        currency: "XOF",
        status,
        payment_method: s.status === "paid" ? "OM" : null,
        description: s.description,
        metadata: s.clientReference,
        operator_id: s.transactionId,
        payment_date: s.status === "paid" ? iso(now()).replace("T", " ").replace("Z", "") : " ",
      },
    };
  }

  async function cinetpay(route: FakeRoute, request: Request): Promise<Response> {
    const body = await request.json().catch(() => null) as Record<string, unknown> | null;
    const refuse = (code: string, message: string, description: string) =>
      json(400, { code, message, description, api_response_id: `${now() / 1000}` });
    if (!body) return refuse("608", "MINIMUM_REQUIRED_FIELDS", "the body is not JSON");
    if (
      body.apikey !== credentials.cinetpay.apikey || String(body.site_id) !== credentials.cinetpay.site_id
    ) {
      return refuse("609", "AUTH_NOT_FOUND", "apikey or site_id not found");
    }
    if (route === "cinetpay.check") {
      const s = sessions.get(String(body.transaction_id));
      if (!s || s.provider !== "cinetpay") {
        return refuse("fake-404", "TRANSACTION_NOT_FOUND", "no such transaction_id");
      }
      return json(200, { ...cinetpayCheck(s), api_response_id: `${now() / 1000}` });
    }
    const amount = body.amount;
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0 || amount % 5 !== 0) {
      return refuse("608", "MINIMUM_REQUIRED_FIELDS", "amount must be an integer multiple of 5");
    }
    const ref = String(body.transaction_id ?? "");
    if (!ref || sessions.has(ref)) {
      return refuse("608", "MINIMUM_REQUIRED_FIELDS", "transaction_id missing or already used");
    }
    for (const field of ["currency", "description", "notify_url", "return_url", "channels"]) {
      if (typeof body[field] !== "string" || body[field] === "") {
        return refuse("608", "MINIMUM_REQUIRED_FIELDS", `${field} is required`);
      }
    }
    open("cinetpay", ref, {
      clientReference: typeof body.metadata === "string" ? body.metadata : null,
      amount,
      notifyUrl: String(body.notify_url),
      description: String(body.description),
      request: body,
    });
    const paymentToken = random(40);
    return json(200, {
      code: "201",
      message: "CREATED",
      description: "Transaction created with success",
      data: { payment_token: paymentToken, payment_url: `${origin}/pay/cinetpay/${paymentToken}` },
      api_response_id: `${now() / 1000}`,
    });
  }

  function cinetpayFields(s: FakeSession, errorMessage: string): Record<string, string> {
    const digits = (s.payer ?? "+2250700000000").replace(/^\+/, "");
    const prefix = PREFIXES.find((p) => digits.startsWith(p)) ?? digits.slice(0, 3);
    return {
      cpm_site_id: credentials.cinetpay.site_id,
      cpm_trans_id: s.ref,
      cpm_trans_date: iso(now()).replace("T", " ").replace("Z", ""),
      cpm_amount: String(s.paidAmount ?? s.amount),
      cpm_currency: "XOF",
      signature: random(32),
      payment_method: "OM",
      cel_phone_num: digits.slice(prefix.length),
      cpm_phone_prefixe: prefix,
      cpm_language: "fr",
      cpm_version: "V4",
      cpm_payment_config: "Single",
      cpm_page_action: "PAYMENT",
      cpm_custom: s.clientReference ?? "",
      cpm_designation: s.description,
      cpm_error_message: errorMessage,
    };
  }

  // --- PayDunya ---------------------------------------------------------------------------------

  async function paydunyaInvoice(s: FakeSession): Promise<Record<string, unknown>> {
    const request = s.request as { actions?: unknown; custom_data?: unknown };
    return {
      response_code: "00",
      response_text: "Transaction Found",
      hash: await hex("SHA-512", credentials.paydunya.master_key),
      invoice: { token: s.ref, total_amount: s.paidAmount ?? s.amount, description: s.description },
      custom_data: request.custom_data ?? {},
      actions: request.actions ?? {},
      mode: "live",
      status: s.status === "paid" ? "completed" : s.status === "open" ? "pending" : "cancelled",
      fail_reason: s.status === "failed" || s.status === "expired" ? s.status : "",
      customer: s.payer
        ? { name: "Client Fake", phone: s.payer, email: "", payment_method: "orange-money-senegal" }
        : {},
      receipt_identifier: s.transactionId,
      receipt_url: s.transactionId ? `${origin}/receipt/${s.transactionId}` : null,
    };
  }

  async function paydunya(route: FakeRoute, request: Request, token: string | undefined): Promise<Response> {
    const h = request.headers;
    if (
      h.get("paydunya-master-key") !== credentials.paydunya.master_key ||
      h.get("paydunya-private-key") !== credentials.paydunya.private_key ||
      h.get("paydunya-token") !== credentials.paydunya.token
    ) {
      await request.body?.cancel();
      return json(401, { response_code: "1001", response_text: "Invalid API keys" });
    }
    if (route === "paydunya.confirm") {
      const s = token ? sessions.get(token) : undefined;
      if (!s || s.provider !== "paydunya") {
        return json(404, { response_code: "fake-404", response_text: "Invoice not found" });
      }
      return json(200, await paydunyaInvoice(s));
    }
    const body = await request.json().catch(() => null) as Record<string, Record<string, unknown>> | null;
    const amount = body?.invoice?.total_amount;
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
      return json(422, {
        response_code: "fake-422",
        response_text: "invoice.total_amount must be a whole amount of XOF",
      });
    }
    if (typeof body?.store?.name !== "string") {
      return json(422, { response_code: "fake-422", response_text: "store.name is required" });
    }
    const ref = random(20, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    open("paydunya", ref, {
      clientReference: typeof body.custom_data?.intent_id === "string" ? body.custom_data.intent_id : null,
      amount,
      notifyUrl: typeof body.actions?.callback_url === "string" ? body.actions.callback_url : null,
      description: String(body.invoice.description ?? ""),
      request: body,
    });
    return json(200, {
      response_code: "00",
      response_text: `${origin}/checkout/invoice/${ref}`,
      description: "Checkout Invoice Created",
      token: ref,
    });
  }

  // --- Orange Money -----------------------------------------------------------------------------

  async function orange(route: FakeRoute, request: Request, country: string | undefined): Promise<Response> {
    if (route === "orange.token") {
      const basic = `Basic ${
        btoa(`${credentials.orange_money.client_id}:${credentials.orange_money.client_secret}`)
      }`;
      const form = new URLSearchParams(await request.text());
      if (request.headers.get("authorization") !== basic) {
        return json(401, {
          error: "invalid_client",
          error_description: "The requested service needs credentials",
        });
      }
      if (form.get("grant_type") !== "client_credentials") {
        return json(400, { error: "unsupported_grant_type" });
      }
      const token = random(28);
      accessTokens.add(token);
      return json(200, { token_type: "Bearer", access_token: token, expires_in: 7776000 });
    }
    const bearer = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!bearer || !accessTokens.has(bearer)) {
      await request.body?.cancel();
      return json(401, {
        code: 42,
        message: "Expired credentials",
        description: "The requested service needs credentials",
      });
    }
    const body = await request.json().catch(() => null) as Record<string, unknown> | null;
    if (!body) return json(400, { code: "fake-400", message: "The body is not JSON" });
    if (route === "orange.status") {
      const s = sessions.get(String(body.pay_token));
      if (
        !s || s.provider !== "orange_money" || s.clientReference !== body.order_id || s.amount !== body.amount
      ) {
        return json(404, {
          code: "fake-404",
          message: "No transaction for this order_id, amount and pay_token",
        });
      }
      const status = {
        open: "INITIATED",
        paid: "SUCCESS",
        failed: "FAILED",
        expired: "EXPIRED",
        refunded: "SUCCESS",
      }[s.status];
      return json(201, { status, order_id: s.clientReference, txnid: s.transactionId });
    }
    if (body.merchant_key !== credentials.orange_money.merchant_key) {
      return json(400, { code: "fake-merchant", message: "Invalid merchant key" });
    }
    if (body.currency !== (country === "dev" ? "OUV" : "XOF")) {
      return json(400, { code: "fake-currency", message: "Invalid currency" });
    }
    const amount = body.amount;
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
      return json(400, { code: "fake-amount", message: "amount must be a whole amount" });
    }
    if (
      typeof body.order_id !== "string" ||
      [...sessions.values()].some((s) => s.clientReference === body.order_id)
    ) {
      return json(400, { code: "fake-order", message: "order_id missing or already used" });
    }
    const payToken = `v1${random(30)}`;
    const notifToken = random(32, "0123456789abcdef");
    open("orange_money", payToken, {
      clientReference: body.order_id,
      amount,
      notifyUrl: typeof body.notif_url === "string" ? body.notif_url : null,
      description: String(body.reference ?? ""),
      request: body,
      notifToken,
    });
    return json(201, {
      status: 201,
      message: "OK",
      pay_token: payToken,
      payment_url: `${origin}/payment/pay_token/${payToken}`,
      notif_token: notifToken,
    });
  }

  // --- routing ----------------------------------------------------------------------------------

  function route(method: string, path: string): { route: FakeRoute; param?: string } | null {
    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/v1/checkout/sessions") return { route: "wave.create" };
    if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      return { route: "wave.get", param: m[1] };
    }
    if (method === "POST" && (m = /^\/v1\/checkout\/sessions\/([^/]+)\/refund$/.exec(path))) {
      return { route: "wave.refund", param: m[1] };
    }
    if (method === "POST" && path === "/v2/payment") return { route: "cinetpay.payment" };
    if (method === "POST" && path === "/v2/payment/check") return { route: "cinetpay.check" };
    if (method === "POST" && /^\/(api|sandbox-api)\/v1\/checkout-invoice\/create$/.test(path)) {
      return { route: "paydunya.create" };
    }
    if (
      method === "GET" && (m = /^\/(?:api|sandbox-api)\/v1\/checkout-invoice\/confirm\/([^/]+)$/.exec(path))
    ) {
      return { route: "paydunya.confirm", param: m[1] };
    }
    if (method === "POST" && path === "/oauth/v3/token") return { route: "orange.token" };
    if (
      method === "POST" &&
      (m = /^\/orange-money-webpay\/([a-z]+)\/v1\/(webpayment|transactionstatus)$/.exec(path))
    ) {
      return { route: m[2] === "webpayment" ? "orange.webpayment" : "orange.status", param: m[1] };
    }
    return null;
  }

  function scripted(name: FakeRoute, failure: { status: number; body?: unknown }): Response {
    if (typeof failure.body === "string") return new Response(failure.body, { status: failure.status });
    const provider = name.split(".")[0];
    const fallback = provider === "wave"
      ? { code: "internal-server-error", message: "fake failure" }
      : provider === "cinetpay"
      ? { code: String(failure.status), message: "FAKE_FAILURE", description: "fake failure" }
      : provider === "paydunya"
      ? { response_code: String(failure.status), response_text: "fake failure" }
      : { code: failure.status, message: "fake failure" };
    return json(failure.status, failure.body ?? fallback);
  }

  async function dispatch(request: Request, path: string): Promise<[FakeRoute | null, Response]> {
    const found = route(request.method, path);
    if (!found) {
      await request.body?.cancel();
      return [
        null,
        json(404, { code: "not-found", message: `fake payments: no route for ${request.method} ${path}` }),
      ];
    }
    const failure = failures.get(found.route)?.shift();
    if (failure) {
      await request.body?.cancel();
      return [found.route, scripted(found.route, failure)];
    }
    const provider = found.route.split(".")[0];
    const param = found.param === undefined ? undefined : decodeURIComponent(found.param);
    const response = provider === "wave"
      ? await wave(found.route, request, param)
      : provider === "cinetpay"
      ? await cinetpay(found.route, request)
      : provider === "paydunya"
      ? await paydunya(found.route, request, param)
      : await orange(found.route, request, param);
    return [found.route, response];
  }

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const [matched, response] = await dispatch(request, path);
    requests.push({ method: request.method, path, route: matched, status: response.status });
    return response;
  }

  // --- the customer's side ----------------------------------------------------------------------

  const t = () => Math.floor(now() / 1000);

  async function notify(s: FakeSession, outcome: "paid" | "failed"): Promise<Delivery> {
    const url = s.notifyUrl ?? waveWebhookUrl;
    if (s.provider === "wave") {
      const type = outcome === "paid" ? "checkout.session.completed" : "checkout.session.payment_failed";
      return {
        url,
        ...await signWaveEvent(credentials.wave.webhook_secret, {
          id: `AE_${random(12)}`,
          type,
          data: waveSession(s),
        }, t()),
      };
    }
    if (s.provider === "cinetpay") {
      return {
        url,
        ...await cinetpayNotification(
          credentials.cinetpay.secret_key,
          cinetpayFields(s, outcome === "paid" ? "SUCCES" : "PAYMENT_FAILED"),
        ),
      };
    }
    if (s.provider === "paydunya") {
      const { hash: _hash, response_code: _code, response_text: _text, ...data } = await paydunyaInvoice(s);
      return { url, ...await paydunyaIpn(credentials.paydunya.master_key, data) };
    }
    const status = outcome === "paid" ? "SUCCESS" : "FAILED";
    return { url, ...orangeNotification({ status, notif_token: s.notifToken, txnid: s.transactionId }) };
  }

  return {
    baseUrl: origin,
    credentials,
    sessions,
    requests,
    async pay(ref, paid = {}) {
      const s = session(ref);
      if (s.status !== "open" && s.status !== "failed") {
        throw new Error(`fake payments: ${ref} is ${s.status}`);
      }
      s.status = "paid";
      s.paidAmount = paid.amount ?? s.amount;
      s.payer = paid.payer ??
        (typeof s.request.restrict_payer_mobile === "string"
          ? s.request.restrict_payer_mobile
          : "+221770000001");
      s.transactionId = s.provider === "wave" ? `T${random(15, UPPER)}` : `MP${random(16, UPPER)}`;
      return await notify(s, "paid");
    },
    async fail(ref) {
      const s = session(ref);
      if (s.status !== "open") throw new Error(`fake payments: ${ref} is ${s.status}`);
      s.status = "failed";
      return await notify(s, "failed");
    },
    expire(ref) {
      const s = session(ref);
      if (s.status === "open" || s.status === "failed") s.status = "expired";
    },
    async receive(amount, payer) {
      const event = {
        id: `AE_${random(12)}`,
        type: "merchant.payment_received",
        data: {
          id: `T_${random(12, UPPER)}`,
          amount: String(amount),
          fee: String(Math.ceil(amount / 100)),
          currency: "XOF",
          sender_mobile: payer,
          merchant_name: "Boutique Fake",
          when_created: iso(now()),
        },
      };
      return { url: waveWebhookUrl, ...await signWaveEvent(credentials.wave.webhook_secret, event, t()) };
    },
    webhooks: {
      async wave(event, o = {}) {
        return {
          url: o.url ?? waveWebhookUrl,
          ...await signWaveEvent(o.secret ?? credentials.wave.webhook_secret, event, o.t ?? t()),
        };
      },
      async cinetpay(fields, o = {}) {
        return {
          url: o.url ?? "",
          ...await cinetpayNotification(o.secretKey ?? credentials.cinetpay.secret_key, fields),
        };
      },
      async paydunya(data, o = {}) {
        return {
          url: o.url ?? "",
          ...await paydunyaIpn(o.masterKey ?? credentials.paydunya.master_key, data),
        };
      },
      orange(body, o = {}) {
        return { url: o.url ?? "", ...orangeNotification(body) };
      },
    },
    failNext(name, status, body) {
      failures.set(name, [...failures.get(name) ?? [], { status, body }]);
    },
    handle,
  };
}

/**
 * Starts the fake on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * const fake = await startFakePayments();
 * const wave = createProvider("wave", fake.credentials.wave, { baseUrl: fake.baseUrl });
 * const checkout = await wave.createCheckout({ intentId, amount: 17500, … });
 * const delivery = await fake.pay(checkout.providerRef);
 * await wave.readNotification(delivery.body, delivery.headers); // { ok: true, … }
 * await fake.close();
 */
export function startFakePayments(options: FakePaymentsOptions = {}): Promise<FakePayments> {
  const stop = new AbortController();
  return new Promise((resolve) => {
    let fake: Omit<FakePayments, "close"> | undefined;
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: stop.signal,
      onListen({ port }) {
        fake = createFakePayments(`http://127.0.0.1:${port}`, options);
        resolve(Object.assign(fake, {
          async close() {
            stop.abort();
            await server.finished;
          },
        }));
      },
    }, (request) => fake!.handle(request));
  });
}

/** Runs `fn` with a fresh fake and closes it afterwards, whatever happens. */
export async function withFakePayments(
  fn: (fake: FakePayments) => Promise<void>,
  options?: FakePaymentsOptions,
): Promise<void> {
  const fake = await startFakePayments(options);
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}
