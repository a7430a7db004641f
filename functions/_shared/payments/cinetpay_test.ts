import assert from "node:assert/strict";
import { withFakePayments } from "../../../tests/support/fake_payments.ts";
import { CINETPAY_TOKEN_FIELDS, cinetpayToken } from "./cinetpay.ts";
import { createProvider, hmacSha256Hex, ProviderError } from "./provider.ts";

const input = (amount = 17500) => ({
  intentId: crypto.randomUUID(),
  amount,
  description: "Commande #42 / boutique_test",
  payerPhone: "+2250707070707",
  successUrl: "https://shop.example/ok",
  errorUrl: "https://shop.example/ko",
  notifyUrl: "https://shop.example/notify",
});

Deno.test("cinetpay: the x-token is HMAC-SHA256 of the 16 cpm fields in the documented order, no separator", async () => {
  const values = Object.fromEntries(CINETPAY_TOKEN_FIELDS.map((name, i) => [name, `v${i}`]));
  // Sent in another order: the token follows the documented one, not the body's.
  const form = new URLSearchParams(Object.entries(values).reverse());
  const expected = await hmacSha256Hex("secret", "v0v1v2v3v4v5v6v7v8v9v10v11v12v13v14v15");
  assert.equal(await cinetpayToken("secret", form), expected);
  assert.equal(CINETPAY_TOKEN_FIELDS[0], "cpm_site_id");
  assert.equal(CINETPAY_TOKEN_FIELDS.at(-1), "cpm_error_message");
});

Deno.test("cinetpay: checkout, payment, signed notification, status paid from the check", async () => {
  await withFakePayments(async (fake) => {
    const cinetpay = createProvider("cinetpay", fake.credentials.cinetpay, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await cinetpay.createCheckout(order);
    assert.ok(checkout.providerRef.startsWith(`${order.intentId}-`), "a fresh transaction_id per checkout");
    const sent = fake.sessions.get(checkout.providerRef)!.request;
    assert.equal(sent.amount, 17500);
    assert.equal(sent.description, "Commande 42 boutique test", "no # / $ _ & in a description");
    assert.equal(sent.metadata, order.intentId);
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    assert.equal((await cinetpay.status(ref)).state, "pending");

    const delivery = await fake.pay(checkout.providerRef, { payer: "+2250707070707" });
    const read = await cinetpay.readNotification(delivery.body, delivery.headers);
    assert.ok(read.ok);
    assert.match(read.notification.eventId, /^cinetpay:[0-9a-f]{40}$/);
    assert.deepEqual({ ...read.notification, eventId: "" }, {
      eventId: "",
      kind: "completed",
      providerRef: checkout.providerRef,
      clientReference: order.intentId,
      transactionId: null,
      amount: 17500,
      payer: "+2250707070707",
      signed: true,
    });
    const again = await cinetpay.readNotification(delivery.body, delivery.headers);
    assert.equal(
      again.ok && again.notification.eventId,
      read.notification.eventId,
      "a replay has the same dedupe key",
    );
    const status = await cinetpay.status(ref);
    assert.equal(status.state, "paid");
    assert.equal(status.amount, 17500);
    assert.match(status.transactionId ?? "", /^MP/);
    assert.equal(cinetpay.refund, undefined);
  });
});

Deno.test("cinetpay: another secret, a tampered amount, no x-token or another site are refused", async () => {
  await withFakePayments(async (fake) => {
    const cinetpay = createProvider("cinetpay", fake.credentials.cinetpay, { baseUrl: fake.baseUrl });
    const checkout = await cinetpay.createCheckout(input());
    const good = await fake.pay(checkout.providerRef);
    const fields = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(good.body)));
    const forged = await fake.webhooks.cinetpay(fields, { secretKey: "not-the-secret" });
    assert.deepEqual(await cinetpay.readNotification(forged.body, forged.headers), {
      ok: false,
      reason: "x-token does not match",
    });
    const tampered = new TextEncoder().encode(
      new URLSearchParams({ ...fields, cpm_amount: "100" }).toString(),
    );
    assert.equal((await cinetpay.readNotification(tampered, good.headers)).ok, false);
    assert.deepEqual(await cinetpay.readNotification(good.body, new Headers()), {
      ok: false,
      reason: "no x-token",
    });
    const elsewhere = await fake.webhooks.cinetpay({ ...fields, cpm_site_id: "999999" });
    assert.deepEqual(await cinetpay.readNotification(elsewhere.body, elsewhere.headers), {
      ok: false,
      reason: "another site_id",
    });
    const decimal = await fake.webhooks.cinetpay({ ...fields, cpm_amount: "175.5" });
    assert.equal((await cinetpay.readNotification(decimal.body, decimal.headers)).ok, false);
    const whole = await fake.webhooks.cinetpay({ ...fields, cpm_amount: "17500.00" });
    const read = await cinetpay.readNotification(whole.body, whole.headers);
    assert.equal(read.ok && read.notification.amount, 17500);
  });
});

Deno.test("cinetpay: a refused payment is failed; amounts not multiple of 5 and wrong keys are errors", async () => {
  await withFakePayments(async (fake) => {
    const cinetpay = createProvider("cinetpay", fake.credentials.cinetpay, { baseUrl: fake.baseUrl });
    const order = input(1000);
    const checkout = await cinetpay.createCheckout(order);
    const failure = await fake.fail(checkout.providerRef);
    const read = await cinetpay.readNotification(failure.body, failure.headers);
    assert.ok(read.ok && read.notification.kind === "failed");
    const status = await cinetpay.status({
      providerRef: checkout.providerRef,
      intentId: order.intentId,
      amount: 1000,
    });
    assert.equal(status.state, "failed");
    await assert.rejects(() => cinetpay.createCheckout(input(17502)), RangeError);

    const apikey = "12912847765bc0db748fdd44.40081707";
    const stranger = createProvider("cinetpay", { ...fake.credentials.cinetpay, apikey }, {
      baseUrl: fake.baseUrl,
    });
    const error = await stranger.createCheckout(input()).then(() => null, (e) => e);
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.status, error.code], [400, "609"]);
    assert.ok(!error.message.includes(apikey) && !error.message.includes(fake.credentials.cinetpay.site_id));
  });
});
