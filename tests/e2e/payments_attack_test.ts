/**
 * An attacker's pass over `payments`, end to end through its handler and the fake providers:
 * what a forger, another shop's admin, someone who learned a webhook URL or the anon key can
 * do (nothing, pinned here), and two holes (failing): a cart's two checkouts at once leave the
 * customer's paid session unknown, and a Wave refund whose answer was lost is owed again.
 * The SQL side of the same pass is sql/tests/payments/attack.test.sql.
 */
import assert from "node:assert/strict";
import { createHandler as paymentsHandler } from "../../functions/payments/handler.ts";
import { createPaymentService, type PaymentsConfig } from "../../functions/_shared/payments/service.ts";
import type { ProviderName } from "../../functions/_shared/payments/provider.ts";
import { asUser, asVisitor, stack, stackAuthenticator } from "../support/stack.ts";
import { type Delivery, type FakePayments, startFakePayments } from "../support/fake_payments.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";
import type { Db } from "../../functions/_shared/db.ts";

const ignore = !stack.available;
const FUNCTIONS = "http://x/functions/v1";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Shop {
  shop: TestShop;
  fake: FakePayments;
  account: string;
  service: ReturnType<typeof createPaymentService>;
  handler: (req: Request) => Response | Promise<Response>;
  /** A notification posted to this shop's webhook URL (or another account's: `to`). */
  post(delivery: Pick<Delivery, "body" | "headers">, to?: string): Promise<{ status: number; body: Json }>;
  /** A member's POST /payments/refund. */
  refund(refundId: string): Promise<{ status: number; body: Json }>;
}

/** A shop with its own fake provider (its own credentials) and a payment account there. */
async function openShop(provider: ProviderName, fetch?: typeof globalThis.fetch): Promise<Shop> {
  const fake = await startFakePayments();
  const config = (): PaymentsConfig => ({
    functionsUrl: FUNCTIONS,
    baseUrls: {
      wave: fake.baseUrl,
      cinetpay: fake.baseUrl,
      paydunya: fake.baseUrl,
      orange_money: fake.baseUrl,
    },
    fetch,
  });
  const shop = await createTestShop(stack.dbUrl, {
    payments: (db: Db) => createPaymentService(db, config()),
  });
  const [{ account }] = await shop.db.asUser(
    { role: "authenticated", sub: shop.users.owner },
    (tx) =>
      tx<{ account: string }[]>`select public.set_payment_account(${shop.slug}, ${provider}, ${
        tx.json(fake.credentials[provider] as Record<string, string>)
      })::text as account`,
  );
  const service = createPaymentService(shop.db, config());
  const handler = paymentsHandler({ db: shop.db, auth: await stackAuthenticator(), payments: service });
  const send = async (path: string, headers: HeadersInit, body: BodyInit) => {
    const res = await handler(new Request(`http://x/payments/${path}`, { method: "POST", headers, body }));
    return { status: res.status, body: await res.json() };
  };
  return {
    shop,
    fake,
    account,
    service,
    handler,
    post: (d, to = account) => send(`webhook/${to}`, d.headers, d.body as Uint8Array<ArrayBuffer>),
    refund: async (refundId) =>
      send(
        "refund",
        { "content-type": "application/json", ...await asUser(shop.users.member) },
        JSON.stringify({ company_id: shop.slug, refund_id: refundId }),
      ),
  };
}

async function withShops(providers: ProviderName[], fn: (...shops: Shop[]) => Promise<void>) {
  const shops: Shop[] = [];
  try {
    for (const p of providers) shops.push(await openShop(p));
    await fn(...shops);
  } finally {
    for (const s of shops) {
      await s.shop.drop();
      await s.fake.close();
    }
  }
}

/** A cart of one Robe wax delivered to Pikine (17 500 FCFA) through the bot; its conversation id. */
async function readyCart(s: Shop, phone = "77 123 45 67"): Promise<string> {
  const c = `atk-${crypto.randomUUID()}`;
  const ready = await s.shop.say(c, `robe wax en M rouge, livraison Pikine, ${phone}`);
  assert.equal(ready.order_state.payment.required, 17_500, ready.reply);
  const [row] = await s.shop.db.sql`select id::text from public.conversations where external_id = ${c}`;
  return row.id;
}

const ledger = (s: Shop) =>
  s.shop.db.sql`
    select (select count(*)::int from public.orders where company_id = ${s.shop.id}) as orders,
      (select count(*)::int from public.payments where company_id = ${s.shop.id} and status = 'validated') as validated,
      (select count(*)::int from public.payment_events where company_id = ${s.shop.id}) as events`
    .then(([row]) => ({ ...row }));

Deno.test({
  name:
    "payments attack: a Wave event signed for shop B posted to shop A's URL is a 401 that writes nothing; one A signed naming B's intent and session is unmatched — B's intent untouched, no order anywhere",
  ignore,
  fn: () =>
    withShops(["wave", "wave"], async (a, b) => {
      await readyCart(a);
      await readyCart(b);
      const [bSession] = [...b.fake.sessions.values()];
      const paidForB = await b.fake.pay(bSession.ref);
      const before = [await ledger(a), await ledger(b)];
      const wrongUrl = await a.post(paidForB);
      assert.equal(wrongUrl.status, 401, JSON.stringify(wrongUrl.body));
      assert.deepEqual(
        [await ledger(a), await ledger(b)],
        before,
        "nothing written before the signature is checked",
      );

      // Shop A's admin signs with her own secret an event naming B's intent and session.
      const crafted = await a.fake.webhooks.wave({
        id: `EV_${crypto.randomUUID()}`,
        type: "checkout.session.completed",
        data: {
          id: bSession.ref,
          amount: "17500",
          client_reference: bSession.clientReference,
          payment_status: "succeeded",
          checkout_status: "complete",
          transaction_id: "TCROSSTENANT01",
        },
      });
      const cross = await a.post(crafted);
      assert.equal(cross.status, 200, JSON.stringify(cross.body));
      assert.equal(cross.body.status, "unmatched");
      const [intentB] = await b.shop.db
        .sql`select state from public.payment_intents where company_id = ${b.shop.id}`;
      assert.equal(intentB.state, "awaiting");
      assert.deepEqual([(await ledger(a)).orders, (await ledger(b)).orders], [0, 0]);
      // B's real event, at B's URL, still pays B (nothing of A's craft got in its way).
      assert.equal((await b.post(paidForB)).body.status, "applied");
    }),
});

Deno.test({
  name:
    "payments attack: an unsigned provider's notification (PayDunya) at shop A's URL naming shop B's intent and invoice asks no provider anything and credits nobody; a flood of Orange notifications with made-up tokens writes no event and calls no status",
  ignore,
  fn: () =>
    withShops(["paydunya", "paydunya", "orange_money"], async (a, b, o) => {
      await readyCart(a);
      await readyCart(b);
      const [bInvoice] = [...b.fake.sessions.values()];
      await b.fake.pay(bInvoice.ref);
      // The IPN's hash is A's (a constant anyone who saw one of A's IPNs knows).
      const crafted = await a.fake.webhooks.paydunya({
        invoice: { token: bInvoice.ref, total_amount: "17500" },
        status: "completed",
        custom_data: { intent_id: bInvoice.clientReference },
      });
      const cross = await a.post(crafted);
      assert.equal(cross.body.status, "unmatched", JSON.stringify(cross.body));
      const confirms = (f: FakePayments) => f.requests.filter((r) => r.route === "paydunya.confirm").length;
      assert.deepEqual(
        [confirms(a.fake), confirms(b.fake)],
        [0, 0],
        "no status call for another shop's invoice",
      );
      assert.deepEqual([(await ledger(a)).orders, (await ledger(b)).orders], [0, 0]);

      await readyCart(o);
      const before = await ledger(o);
      const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        o.post(
          o.fake.webhooks.orange({
            status: "SUCCESS",
            notif_token: `guess-${i}-${crypto.randomUUID()}`,
            txnid: `MP${i}`,
          }),
        )));
      assert.deepEqual([
        ...new Set(outcomes.map((r) => r.body.status)),
      ], ["unmatched"]);
      assert.deepEqual(await ledger(o), before, "no event row per forged notification (no table to spam)");
      assert.equal(o.fake.requests.filter((r) => r.route === "orange.status").length, 0);
    }),
});

Deno.test({
  name:
    "payments attack: a genuine Wave event replayed after the signature's 5 minutes, and a forgery with a fresh event id, are 401s that store nothing and whose message quotes no credential",
  ignore,
  fn: () =>
    withShops(["wave"], async (s) => {
      await readyCart(s);
      const [session] = [...s.fake.sessions.values()];
      const event = {
        id: `EV_${crypto.randomUUID()}`,
        type: "checkout.session.completed",
        data: {
          id: session.ref,
          amount: "17500",
          client_reference: session.clientReference,
          payment_status: "succeeded",
        },
      };
      const stale = await s.post(
        await s.fake.webhooks.wave(event, { t: Math.floor(Date.now() / 1000) - 600 }),
      );
      const forged = await s.post(await s.fake.webhooks.wave(event, { secret: "guessed" }));
      const bearer = await s.post({
        body: new TextEncoder().encode(JSON.stringify(event)),
        headers: new Headers({ "content-type": "application/json", authorization: "Bearer guessed" }),
      });
      assert.deepEqual([stale.status, forged.status, bearer.status], [401, 401, 401]);
      const [{ events }] = await s.shop.db
        .sql`select count(*)::int as events from public.payment_events where event_id = ${event.id}`;
      assert.equal(events, 0);
      const said = JSON.stringify([stale.body, forged.body, bearer.body]);
      for (const secret of Object.values(s.fake.credentials.wave)) assert.ok(!said.includes(secret), said);
    }),
});

Deno.test({
  name:
    "payments attack: refunds — anon and a stranger are refused, a refund settled by hand is a 409 with no call to Wave, and Wave's error quoting the API key reaches nobody",
  ignore,
  fn: () =>
    withShops(["wave"], async (s) => {
      await readyCart(s);
      const [session] = [...s.fake.sessions.values()];
      await s.post(await s.fake.pay(session.ref));
      const [order] = await s.shop.db.sql`select id::text from public.orders where company_id = ${s.shop.id}`;
      await s.shop.db.sql`update public.orders set status = 'cancelled' where id = ${order.id}::uuid`;
      const [refund] = await s.shop.db
        .sql`select id::text, status from public.refunds where order_id = ${order.id}::uuid`;
      assert.equal(refund.status, "owed");
      const body = JSON.stringify({ company_id: s.shop.slug, refund_id: refund.id });
      const as = async (headers: Record<string, string>) =>
        (await s.handler(
          new Request("http://x/payments/refund", {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          }),
        )).status;
      assert.equal(await as(asVisitor()), 401, "the anon key refunds nothing");
      assert.ok([403, 404, 409].includes(await as(await asUser(crypto.randomUUID()))), "nor a stranger");
      const reconcile = await s.handler(
        new Request("http://x/payments/reconcile", { method: "POST", headers: asVisitor() }),
      );
      assert.ok([401, 403].includes(reconcile.status), "nor runs the reconciliation");

      // Wave answers with an error quoting the key: the member sees a generic error.
      s.fake.failNext("wave.refund", 401, {
        code: "api-key-not-found",
        message: `key ${s.fake.credentials.wave.api_key} unknown`,
      });
      const failed = await s.refund(refund.id);
      assert.ok(failed.status >= 400, JSON.stringify(failed.body));
      assert.ok(
        !JSON.stringify(failed.body).includes(s.fake.credentials.wave.api_key),
        JSON.stringify(failed.body),
      );
      const [still] = await s.shop.db.sql`select status from public.refunds where id = ${refund.id}::uuid`;
      assert.equal(still.status, "owed", "nothing settled when Wave refused");

      const member = await asUser(s.shop.users.member);
      const { orders, call } = await import("../fixtures/botlive/back_office.ts");
      const byHand = await call(orders, "PATCH", member, {
        company_id: s.shop.slug,
        refund_id: refund.id,
        settled: true,
      });
      assert.equal(byHand.status, 200, JSON.stringify(byHand.body));
      const calls = s.fake.requests.filter((r) => r.route === "wave.refund").length;
      const again = await s.refund(refund.id);
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(
        s.fake.requests.filter((r) => r.route === "wave.refund").length,
        calls,
        "Wave is not asked again",
      );
      assert.equal(s.fake.sessions.get(session.ref)!.status, "paid");
    }),
});

// WAS A HOLE (fixed): two turns of one cart at once (two messages sent together, a retried delivery) both get
// the intent without a link from payment_open_intent and both create a provider session; the
// later payment_set_checkout overwrites provider_ref (and notif_token). The customer pays the
// link she was sent first: CinetPay's notification is matched by the intent id it echoes, but
// the status call asks the stored, unpaid session — pending for ever: her money is taken and her
// order never placed (PayDunya the same; on Wave the paid intent's provider_ref is the unpaid
// session, so its refund and reconciliation ask the wrong one; Orange refuses a second order_id).
// Two sessions per checkout is also spend the shop did not ask for.
// Fix: payment_set_checkout (20261207110000_payment-intents.sql) sets a session only on an intent
// that has none (`where provider_ref is null`), and service.ts checkout takes the intent's row
// lock — or a claim column set in payment_open_intent — before calling createCheckout, the loser
// returning the winner's link.
Deno.test({
  name:
    "payments attack (a hole, fixed): two checkouts of one cart at once create one provider session, and the link the customer pays is the one the intent knows — her CinetPay payment places her order",
  ignore,
  fn: async () => {
    // CinetPay answers in a few hundred milliseconds, as it does: long enough for a second turn.
    const slow: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/v2/payment")) await new Promise((r) => setTimeout(r, 300));
      return await fetch(input, init);
    };
    const s = await openShop("cinetpay", slow);
    try {
      // The turn's own checkout fails (CinetPay down): the intent waits without a link.
      s.fake.failNext("cinetpay.payment", 503);
      const conversation = await readyCart(s);
      const [{ links }] = await s.shop.db
        .sql`select count(*)::int as links from public.payment_intents where conversation_id = ${conversation}::uuid and checkout_url is not null`;
      assert.equal(links, 0);
      const [one, two] = await Promise.all([
        s.service.checkout(s.shop.slug, conversation, "Robe wax"),
        s.service.checkout(s.shop.slug, conversation, "Robe wax"),
      ]);
      assert.equal(one.status, "link");
      assert.equal(two.status, "link");
      const sessions = [...s.fake.sessions.values()];
      // She pays the link that is not the one stored (the first reply she read).
      const [stored] = await s.shop.db
        .sql`select provider_ref from public.payment_intents where conversation_id = ${conversation}::uuid and state = 'awaiting'`;
      const hers = sessions.find((x) => x.ref !== stored.provider_ref) ?? sessions[0];
      const paid = await s.fake.pay(hers.ref);
      const applied = await s.post(paid);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const [{ orders }] = await s.shop.db
        .sql`select count(*)::int as orders from public.orders where conversation_id = ${conversation}::uuid`;
      assert.deepEqual(
        { sessions: sessions.length, webhook: applied.body.status, orders },
        { sessions: 1, webhook: "applied", orders: 1 },
        "one session per intent, and the one paid is the one that places the order",
      );
    } finally {
      await s.shop.drop();
      await s.fake.close();
    }
  },
});

// WAS A HOLE (fixed): POST /payments/refund settles the refund in the member's transaction, calls Wave, and
// rolls the settlement back on any error. When Wave carried out the refund but its answer was
// lost (a timeout, a reset connection), the refund stays `owed`; the next click gets Wave's
// « not refundable » (the session is refunded) → provider_failed, still owed; the member then
// settles it by hand and the customer is paid back twice.
// Fix: service.ts refund — on an error that is not a clear refusal, ask Wave for the session
// (GET) before rolling back, and treat a session already refunded as done (settle it); or send
// an idempotency key per refund id and keep the refund settled-pending until Wave's answer.
Deno.test({
  name:
    "payments attack (a hole, fixed): a Wave refund carried out whose answer was lost is not left owed — a second click does not send the member to pay it back by hand",
  ignore,
  fn: async () => {
    let loseNextRefundAnswer = true;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith("/refund") && loseNextRefundAnswer) {
        loseNextRefundAnswer = false;
        await response.body?.cancel();
        throw new TypeError("connection reset by peer");
      }
      return response;
    };
    const s = await openShop("wave", lossy);
    try {
      await readyCart(s);
      const [session] = [...s.fake.sessions.values()];
      await s.post(await s.fake.pay(session.ref));
      const [order] = await s.shop.db.sql`select id::text from public.orders where company_id = ${s.shop.id}`;
      await s.shop.db.sql`update public.orders set status = 'cancelled' where id = ${order.id}::uuid`;
      const [refund] = await s.shop.db
        .sql`select id::text from public.refunds where order_id = ${order.id}::uuid`;
      const first = await s.refund(refund.id);
      assert.equal(s.fake.sessions.get(session.ref)!.status, "refunded", "Wave did refund the session");
      const second = await s.refund(refund.id);
      const [after] = await s.shop.db.sql`select status from public.refunds where id = ${refund.id}::uuid`;
      assert.notEqual(
        after.status,
        "owed",
        `the money went back once; still owed after ${first.status} then ${second.status} ${
          JSON.stringify(second.body)
        }`,
      );
    } finally {
      await s.shop.drop();
      await s.fake.close();
    }
  },
});

// Not a failing test (no rule to hold it to yet): nothing bounds what one customer holds. A
// conversation holds up to 20 lines × 100 units for the shop's hold time (up to 1 440 minutes),
// every WhatsApp number or Messenger account is a new conversation, and after the expiry one
// message holds it all again. See the report: a per-conversation cap (e.g. ≤ N units or ≤ X % of
// an article's stock) in botlive_hold_cart and a per-channel-sender count of open holds.
Deno.test({
  name:
    "payments attack (pinned gap): one customer's single message holds an article's whole stock for the shop's hold time",
  ignore,
  fn: () =>
    withShops(["wave"], async (s) => {
      const c = `hoard-${crypto.randomUUID()}`;
      const reply = await s.shop.say(c, "20 robes wax en M rouge, livraison Pikine, 77 123 45 67");
      const [row] = await s.shop.db.sql`
        select (select stock from public.products where company_id = ${s.shop.id} and name = 'Robe wax') as stock,
          (select coalesce(sum(h.quantity), 0)::int from public.botlive_holds h where h.company_id = ${s.shop.id}) as held`;
      // Documents today's behaviour; flip it to a cap once one is decided.
      assert.deepEqual({ ...row }, { stock: 0, held: 20 }, reply.reply);
    }),
});
