/**
 * The local stand-in for the mobile-money providers, at /_local/payments (the stack sets
 * PAYMENTS_WAVE_URL and the others to it unless you set your own): the payments service creates
 * its Wave, CinetPay, PayDunya and Orange Money checkouts here, and nothing leaves the machine.
 * It is the fake the tests use (tests/support/fake_payments.ts: each provider's paths, auth and
 * errors), mounted on the stack with fixed credentials — LOCAL ONLY, never a real account's:
 *
 *   GET  /_local/payments/credentials   what to give set_payment_account for each provider
 *   POST /_local/payments/pay/<ref>     the customer pays that checkout (its Wave link, …/pay/wave/<ref>,
 *        works too): the provider's signed notification is posted to the payments function, as the
 *        provider would, and its answer returned. Wave registers one webhook URL per account in its
 *        portal, so a Wave checkout needs `{ "account": "<payment account id>" }`; the others carry
 *        their notify URL in the session. `{ "amount": n }` pays another amount than asked.
 *
 * Nothing here is deployed.
 */
import { createFakePayments, type FakeCredentials } from "../../tests/support/fake_payments.ts";

const PREFIX = "/_local/payments";
const KEPT = 500;

/** Local-only credentials, fixed so that an account set once keeps working across restarts. */
export const LOCAL_PAYMENT_CREDENTIALS: FakeCredentials = {
  wave: { api_key: "wave_sn_prod_local-stack-only", webhook_secret: "wave_sn_WHS_local-stack-only" },
  cinetpay: { apikey: "0000000000.local-stack-only", site_id: "000000", secret_key: "local-stack-only" },
  paydunya: { master_key: "local-stack-only", private_key: "live_private_local-stack-only", token: "local" },
  orange_money: {
    client_id: "local-stack-only",
    client_secret: "local-stack-only",
    merchant_key: "local000",
    country: "sn",
  },
};

const ACCOUNT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPaymentsStandIn(options: { apiUrl: string; functionsUrl: string }) {
  const fake = createFakePayments(`${options.apiUrl}${PREFIX}`, { credentials: LOCAL_PAYMENT_CREDENTIALS });

  async function pay(ref: string, req: Request): Promise<Response> {
    const body = await req.json().catch(() => ({})) as { account?: unknown; amount?: unknown };
    const session = fake.sessions.get(ref);
    if (!session) return Response.json({ error: `local payments: no checkout ${ref}` }, { status: 404 });
    let url = session.notifyUrl;
    if (session.provider === "wave") {
      if (typeof body.account !== "string" || !ACCOUNT.test(body.account)) {
        return Response.json({
          error: 'local payments: a Wave checkout is paid with { "account": "<payment account id>" } ' +
            "(Wave's webhook URL is per account)",
        }, { status: 400 });
      }
      url = `${options.functionsUrl}/payments/webhook/${body.account}`;
    }
    if (!url) return Response.json({ error: `local payments: ${ref} has no notify URL` }, { status: 400 });
    const amount = typeof body.amount === "number" ? body.amount : undefined;
    let delivery;
    try {
      delivery = await fake.pay(ref, { amount });
    } catch (error) {
      return Response.json({ error: (error as Error).message }, { status: 409 });
    }
    const res = await fetch(url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body as Uint8Array<ArrayBuffer>,
    });
    const answer = await res.text();
    return Response.json({
      ref,
      provider: session.provider,
      paid: session.paidAmount,
      webhook: { status: res.status, body: JSON.parse(answer || "null") },
    });
  }

  return {
    /** The base URL of every provider (PAYMENTS_<PROVIDER>_URL). */
    baseUrl: fake.baseUrl,
    async handle(req: Request): Promise<Response> {
      const url = new URL(req.url);
      const path = url.pathname.slice(PREFIX.length) || "/";
      if (path === "/credentials" && req.method === "GET") return Response.json(fake.credentials);
      const paying = /^\/pay\/(?:wave\/)?([^/]+)$/.exec(path);
      if (paying && req.method === "POST") return await pay(decodeURIComponent(paying[1]), req);
      // (Behind the front the request's URL is the Unix socket's: only its path and query matter.)
      const res = await fake.handle(new Request(new URL(`${path}${url.search}`, "http://127.0.0.1"), req));
      if (fake.requests.length > KEPT) fake.requests.splice(0, fake.requests.length - KEPT);
      return res;
    },
  };
}
