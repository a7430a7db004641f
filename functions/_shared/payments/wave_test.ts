import assert from "node:assert/strict";
import { withFakePayments } from "../../../tests/support/fake_payments.ts";
import { createProvider, ProviderError } from "./provider.ts";
import { checkoutSessionBody, verifyWaveWebhook, WAVE_TOLERANCE_SECONDS, WaveEvent } from "./wave.ts";

const SECRET = "wave_sn_AKS_test_secret";
const NOW = 1_800_000_000;
const body = new TextEncoder().encode(
  JSON.stringify({ id: "AE_ijzo7oGgrlM", type: "checkout.session.completed", data: { amount: "17500" } }),
);

/** A Wave-Signature as Wave computes it: HMAC-SHA256(secret, t + body), no separator. */
async function sign(raw: Uint8Array, t: number, secret = SECRET): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signed = new Uint8Array([...new TextEncoder().encode(String(t)), ...raw]);
  return Array.from(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

const check = (signature: string | null, raw = body, authorization: string | null = null, now = NOW) =>
  verifyWaveWebhook(raw, { signature, authorization }, SECRET, now);

Deno.test("wave: a signature over t + the raw body verifies; one of several v1 (a rotation) is enough", async () => {
  const v1 = await sign(body, NOW);
  assert.deepEqual(await check(`t=${NOW},v1=${v1}`), { ok: true });
  const old = await sign(body, NOW, "the-previous-secret");
  assert.deepEqual(await check(`t=${NOW},v1=${old},v1=${v1}`), { ok: true });
  assert.deepEqual(
    await check(`t=${NOW}, v1=${v1.toUpperCase()}`),
    { ok: true },
    "hex in either case, spaces tolerated",
  );
});

Deno.test("wave: a tampered body, another secret, a separator added, a stale or future t: refused", async () => {
  const v1 = await sign(body, NOW);
  const tampered = new Uint8Array(body);
  tampered[tampered.length - 3] ^= 1;
  assert.equal((await check(`t=${NOW},v1=${v1}`, tampered)).ok, false);
  assert.equal((await check(`t=${NOW},v1=${await sign(body, NOW, "another-shops-secret")}`)).ok, false);
  // t and the body are concatenated with no separator: a "t." prefix is not Wave's.
  const dotted = await sign(new Uint8Array([46, ...body]), NOW);
  assert.equal((await check(`t=${NOW},v1=${dotted}`)).ok, false);
  const stale = NOW - WAVE_TOLERANCE_SECONDS - 1;
  assert.deepEqual(await check(`t=${stale},v1=${await sign(body, stale)}`), {
    ok: false,
    reason: "Wave-Signature timestamp out of tolerance",
  });
  const future = NOW + WAVE_TOLERANCE_SECONDS + 1;
  assert.equal((await check(`t=${future},v1=${await sign(body, future)}`)).ok, false);
});

Deno.test("wave: malformed headers, no credentials, the shared-secret bearer strategy", async () => {
  for (const header of ["v1=abc", `t=${NOW}`, "t=now,v1=00", "garbage"]) {
    assert.deepEqual(await check(header), { ok: false, reason: "malformed Wave-Signature" }, header);
  }
  assert.deepEqual(await check(null), { ok: false, reason: "no Wave-Signature and no bearer" });
  assert.deepEqual(await check(null, body, `Bearer ${SECRET}`), { ok: true });
  assert.deepEqual(await check(null, body, "Bearer wave_sn_AKS_test_secreT"), {
    ok: false,
    reason: "wrong shared secret",
  });
  assert.deepEqual(await verifyWaveWebhook(body, { signature: null, authorization: "Bearer x" }, ""), {
    ok: false,
    reason: "no secret configured",
  });
});

Deno.test("wave: a checkout session's amount is whole francs as a string (never ×100); events parse", () => {
  assert.deepEqual(
    checkoutSessionBody({
      amount: 17500,
      clientReference: "CMD-0042",
      successUrl: "https://shop.example/ok",
      errorUrl: "https://shop.example/ko",
      restrictPayerMobile: "+221771234567",
    }),
    {
      amount: "17500",
      currency: "XOF",
      client_reference: "CMD-0042",
      success_url: "https://shop.example/ok",
      error_url: "https://shop.example/ko",
      restrict_payer_mobile: "+221771234567",
    },
  );
  for (const amount of [0, -5, 12.5, Number.NaN]) {
    assert.throws(
      () =>
        checkoutSessionBody({
          amount,
          clientReference: "CMD-1",
          successUrl: "https://a",
          errorUrl: "https://b",
        }),
      RangeError,
    );
  }
  assert.throws(() =>
    checkoutSessionBody({ amount: 1, clientReference: "é", successUrl: "https://a", errorUrl: "https://b" })
  );
  assert.equal(
    WaveEvent.parse(JSON.parse(new TextDecoder().decode(body))).type,
    "checkout.session.completed",
  );
});

// --- the client side, against the fake provider server ---------------------------------------

const input = (amount = 17500) => ({
  intentId: crypto.randomUUID(),
  amount,
  description: "Commande CMD-0042",
  payerPhone: "+221771234567",
  successUrl: "https://shop.example/ok",
  errorUrl: "https://shop.example/ko",
  notifyUrl: "https://shop.example/notify",
});

Deno.test("wave client: checkout, payment, signed notification, status paid, refund", async () => {
  await withFakePayments(async (fake) => {
    const wave = createProvider("wave", fake.credentials.wave, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await wave.createCheckout(order);
    assert.match(checkout.providerRef, /^cos-/);
    assert.ok(checkout.url.includes(checkout.providerRef));
    assert.ok(checkout.expiresAt && Date.parse(checkout.expiresAt) > Date.now());
    assert.deepEqual(
      fake.sessions.get(checkout.providerRef)?.request.amount,
      "17500",
      "a string of whole francs",
    );
    assert.equal(fake.sessions.get(checkout.providerRef)?.request.restrict_payer_mobile, "+221771234567");
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    assert.equal((await wave.status(ref)).state, "pending");

    const delivery = await fake.pay(checkout.providerRef);
    const read = await wave.readNotification(delivery.body, delivery.headers);
    assert.ok(read.ok);
    const { notification } = read;
    assert.match(notification.eventId, /^AE_/);
    assert.deepEqual(
      { ...notification, eventId: "", transactionId: "" },
      {
        eventId: "",
        kind: "completed",
        providerRef: checkout.providerRef,
        clientReference: order.intentId,
        transactionId: "",
        amount: 17500,
        payer: null,
        signed: true,
      },
    );
    const status = await wave.status(ref);
    assert.deepEqual(status, {
      state: "paid",
      transactionId: notification.transactionId,
      amount: 17500,
      payer: null,
    });
    assert.deepEqual(await wave.refund!(ref), { ok: true });
    assert.equal(fake.sessions.get(checkout.providerRef)?.status, "refunded");
    assert.deepEqual(await wave.refund!(ref), { ok: false }, "a second refund is refused, not thrown");
  });
});

Deno.test("wave client: a payment failure, an expiry, and a payment received on the shop's QR", async () => {
  await withFakePayments(async (fake) => {
    const wave = createProvider("wave", fake.credentials.wave, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await wave.createCheckout(order);
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    const failure = await fake.fail(checkout.providerRef);
    const failed = await wave.readNotification(failure.body, failure.headers);
    assert.ok(failed.ok && failed.notification.kind === "failed");
    assert.equal((await wave.status(ref)).state, "failed");
    fake.expire(checkout.providerRef);
    assert.equal((await wave.status(ref)).state, "expired");

    const received = await fake.receive(2500, "+221761110001");
    const read = await wave.readNotification(received.body, received.headers);
    assert.ok(read.ok);
    assert.equal(read.notification.kind, "received");
    assert.equal(read.notification.amount, 2500);
    assert.equal(read.notification.payer, "+221761110001");
    assert.equal(read.notification.providerRef, null);
    assert.match(read.notification.transactionId ?? "", /^T_/);
  });
});

Deno.test("wave client: another secret, an old t, a tampered body or a decimal amount are refused", async () => {
  await withFakePayments(async (fake) => {
    const wave = createProvider("wave", fake.credentials.wave, { baseUrl: fake.baseUrl });
    const event = {
      id: "AE_1",
      type: "checkout.session.completed",
      data: { id: "cos-1", amount: "17500", payment_status: "succeeded" },
    };
    const forged = await fake.webhooks.wave(event, { secret: "wave_sn_WHS_someone_else" });
    assert.deepEqual(await wave.readNotification(forged.body, forged.headers), {
      ok: false,
      reason: "Wave-Signature does not match",
    });
    const old = await fake.webhooks.wave(event, { t: Math.floor(Date.now() / 1000) - 301 });
    assert.equal((await wave.readNotification(old.body, old.headers)).ok, false);
    const good = await fake.webhooks.wave(event);
    const tampered = new TextEncoder().encode(new TextDecoder().decode(good.body).replace("17500", "17501"));
    assert.equal((await wave.readNotification(tampered, good.headers)).ok, false);
    const decimal = await fake.webhooks.wave({ ...event, data: { ...event.data, amount: "175.5" } });
    const read = await wave.readNotification(decimal.body, decimal.headers);
    assert.equal(read.ok, false);
    assert.match((read as { reason: string }).reason, /not a whole number of francs/);
  });
});

Deno.test("wave client: a wrong key is a ProviderError that names no credential; 12.5 francs never leaves", async () => {
  await withFakePayments(async (fake) => {
    const key = "wave_sn_prod_not_the_right_one";
    const wave = createProvider("wave", { ...fake.credentials.wave, api_key: key }, {
      baseUrl: fake.baseUrl,
    });
    const error = await wave.createCheckout(input()).then(() => null, (e) => e);
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.provider, error.status, error.code], ["wave", 401, "api-key-not-found"]);
    assert.ok(!error.message.includes(key));
    await assert.rejects(() => wave.createCheckout(input(12.5)), RangeError);
    assert.equal(fake.requests.length, 1);
  });
});
