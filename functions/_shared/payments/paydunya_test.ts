import assert from "node:assert/strict";
import { withFakePayments } from "../../../tests/support/fake_payments.ts";
import { paydunyaFormData } from "./paydunya.ts";
import { createProvider, ProviderError } from "./provider.ts";

const input = (amount = 17500) => ({
  intentId: crypto.randomUUID(),
  amount,
  description: "Commande CMD-0042",
  successUrl: "https://shop.example/ok",
  errorUrl: "https://shop.example/ko",
  notifyUrl: "https://shop.example/notify",
});

Deno.test("paydunya: invoice, payment, IPN read but never signed, confirm says completed", async () => {
  await withFakePayments(async (fake) => {
    const paydunya = createProvider("paydunya", fake.credentials.paydunya, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await paydunya.createCheckout(order);
    assert.ok(checkout.url.endsWith(checkout.providerRef));
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    assert.equal((await paydunya.status(ref)).state, "pending");

    const delivery = await fake.pay(checkout.providerRef, { payer: "+221770000042" });
    assert.equal(delivery.url, order.notifyUrl);
    const read = await paydunya.readNotification(delivery.body, delivery.headers);
    assert.ok(read.ok);
    assert.equal(read.notification.signed, false, "the hash is a constant: the caller must confirm");
    assert.equal(read.notification.kind, "completed");
    assert.equal(read.notification.providerRef, checkout.providerRef);
    assert.equal(read.notification.clientReference, order.intentId);
    assert.equal(read.notification.amount, 17500);
    assert.equal(read.notification.payer, "+221770000042");
    const status = await paydunya.status(ref);
    assert.deepEqual({ ...status, transactionId: null }, {
      state: "paid",
      transactionId: null,
      amount: 17500,
      payer: "+221770000042",
    });
  });
});

Deno.test("paydunya: a wrong hash is refused, a cancelled invoice is failed, wrong keys are a ProviderError", async () => {
  await withFakePayments(async (fake) => {
    const paydunya = createProvider("paydunya", fake.credentials.paydunya, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await paydunya.createCheckout(order);
    const forged = await fake.webhooks.paydunya({
      status: "completed",
      invoice: { token: checkout.providerRef },
    }, {
      masterKey: "guessed",
    });
    assert.deepEqual(await paydunya.readNotification(forged.body, forged.headers), {
      ok: false,
      reason: "PayDunya hash does not match the master key",
    });
    const failure = await fake.fail(checkout.providerRef);
    const read = await paydunya.readNotification(failure.body, failure.headers);
    assert.ok(read.ok && read.notification.kind === "failed" && !read.notification.signed);
    assert.equal((await paydunya.status({ ...order, providerRef: checkout.providerRef })).state, "failed");

    const key = "live_private_not_ours_at_all_123";
    const stranger = createProvider("paydunya", { ...fake.credentials.paydunya, private_key: key }, {
      baseUrl: fake.baseUrl,
    });
    const error = await stranger.status({ ...order, providerRef: checkout.providerRef }).then(
      () => null,
      (e) => e,
    );
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.status, error.code], [401, "1001"]);
    assert.ok(!error.message.includes(key));
  });
});

Deno.test("paydunya: the IPN form is read as PHP would, or as a data JSON field; no prototype keys", () => {
  const form = new URLSearchParams([
    ["data[status]", "completed"],
    ["data[invoice][token]", "tok"],
    ["data[invoice][total_amount]", "17500.00"],
    ["data[__proto__][polluted]", "yes"],
    ["other", "ignored"],
  ]);
  assert.deepEqual(paydunyaFormData(form), {
    status: "completed",
    invoice: { token: "tok", total_amount: "17500.00" },
  });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const asJson = new URLSearchParams({
    data: JSON.stringify({ status: "pending", invoice: { token: "t" } }),
  });
  assert.deepEqual(paydunyaFormData(asJson), { status: "pending", invoice: { token: "t" } });
});
