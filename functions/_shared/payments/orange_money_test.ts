import assert from "node:assert/strict";
import { withFakePayments } from "../../../tests/support/fake_payments.ts";
import { createProvider, ProviderError } from "./provider.ts";

const input = (amount = 17500) => ({
  intentId: crypto.randomUUID(),
  amount,
  description: "Commande CMD-0042",
  successUrl: "https://shop.example/ok",
  errorUrl: "https://shop.example/ko",
  notifyUrl: "https://shop.example/notify",
});

Deno.test("orange money: token, web payment, unsigned notification matched by notif_token, status SUCCESS", async () => {
  await withFakePayments(async (fake) => {
    const orange = createProvider("orange_money", fake.credentials.orange_money, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await orange.createCheckout(order);
    assert.match(checkout.providerRef, /^v1/);
    assert.ok(checkout.notifToken);
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    assert.equal((await orange.status(ref)).state, "pending");

    const delivery = await fake.pay(checkout.providerRef);
    const read = await orange.readNotification(delivery.body, delivery.headers);
    assert.ok(read.ok);
    assert.equal(read.notification.signed, false);
    assert.equal(
      read.notification.notifToken,
      checkout.notifToken,
      "the caller matches it with the stored one",
    );
    assert.equal(read.notification.kind, "completed");
    assert.match(read.notification.eventId, /^orange_money:/);
    const status = await orange.status(ref);
    assert.deepEqual(status, {
      state: "paid",
      transactionId: read.notification.transactionId,
      amount: 17500,
      payer: null,
    });
    assert.equal(
      fake.requests.filter((r) => r.route === "orange.token").length,
      1,
      "one token for all calls",
    );
  });
});

Deno.test("orange money: an expired token is fetched again once; failed and expired payments; the sandbox's OUV", async () => {
  await withFakePayments(async (fake) => {
    const orange = createProvider("orange_money", fake.credentials.orange_money, { baseUrl: fake.baseUrl });
    const order = input();
    await orange.createCheckout(input());
    fake.failNext("orange.webpayment", 401);
    const checkout = await orange.createCheckout(order);
    assert.equal(fake.requests.filter((r) => r.route === "orange.token").length, 2);
    const failure = await fake.fail(checkout.providerRef);
    const read = await orange.readNotification(failure.body, failure.headers);
    assert.ok(read.ok && read.notification.kind === "failed");
    const ref = { providerRef: checkout.providerRef, intentId: order.intentId, amount: order.amount };
    assert.equal((await orange.status(ref)).state, "failed");
    const other = input();
    const late = await orange.createCheckout(other);
    fake.expire(late.providerRef);
    assert.equal((await orange.status({ ...other, providerRef: late.providerRef })).state, "expired");

    const sandbox = createProvider("orange_money", { ...fake.credentials.orange_money, country: "dev" }, {
      baseUrl: fake.baseUrl,
    });
    const trial = await sandbox.createCheckout(input());
    assert.equal(fake.sessions.get(trial.providerRef)?.request.currency, "OUV");
  });
});

Deno.test("orange money: bad client secret and unknown payments are ProviderErrors naming no credential", async () => {
  await withFakePayments(async (fake) => {
    const secret = "definitely-not-it";
    const stranger = createProvider("orange_money", {
      ...fake.credentials.orange_money,
      client_secret: secret,
    }, {
      baseUrl: fake.baseUrl,
    });
    const error = await stranger.createCheckout(input()).then(() => null, (e) => e);
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.status, error.code], [401, "invalid_client"]);
    assert.ok(!error.message.includes(secret));
    const orange = createProvider("orange_money", fake.credentials.orange_money, { baseUrl: fake.baseUrl });
    const order = input();
    const checkout = await orange.createCheckout(order);
    // The amount is part of the lookup: another amount finds nothing.
    await assert.rejects(
      () => orange.status({ providerRef: checkout.providerRef, intentId: order.intentId, amount: 100 }),
      ProviderError,
    );
    assert.deepEqual(
      await orange.readNotification(new TextEncoder().encode("status=SUCCESS"), new Headers()),
      {
        ok: false,
        reason: "not JSON",
      },
    );
  });
});
