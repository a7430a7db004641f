import assert from "node:assert/strict";
import { verifyWaveWebhook } from "../../functions/_shared/payments/wave.ts";
import { type FakePayments, withFakePayments } from "./fake_payments.ts";

function post(
  fake: FakePayments,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${fake.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const waveSession = (amount: unknown) => ({
  amount,
  currency: "XOF",
  client_reference: "intent-1",
  success_url: "https://shop.example/ok",
  error_url: "https://shop.example/ko",
});

Deno.test("fake payments: Wave wants its bearer key and a whole-number string amount", async () => {
  await withFakePayments(async (fake) => {
    const auth = { authorization: `Bearer ${fake.credentials.wave.api_key}` };
    const missing = await post(fake, "/v1/checkout/sessions", waveSession("1000"));
    assert.deepEqual([missing.status, (await missing.json()).code], [401, "missing-auth-header"]);
    const wrong = await post(fake, "/v1/checkout/sessions", waveSession("1000"), {
      authorization: "Bearer nope",
    });
    assert.deepEqual([wrong.status, (await wrong.json()).code], [401, "api-key-not-found"]);
    for (const amount of ["175.5", "1000.00", 1000, "0", "-5", "1e3"]) {
      const refused = await post(fake, "/v1/checkout/sessions", waveSession(amount), auth);
      assert.deepEqual(
        [refused.status, (await refused.json()).code],
        [400, "request-validation-error"],
        String(amount),
      );
    }
    const created = await post(fake, "/v1/checkout/sessions", waveSession("1000"), auth);
    const session = await created.json();
    assert.equal(created.status, 200);
    assert.match(session.id, /^cos-/);
    assert.deepEqual([session.amount, session.checkout_status, session.payment_status], [
      "1000",
      "open",
      "processing",
    ]);
    const read = await fetch(`${fake.baseUrl}/v1/checkout/sessions/${session.id}`, { headers: auth });
    assert.equal((await read.json()).id, session.id);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [401, 401, 400, 400, 400, 400, 400, 400, 200, 200],
    );
  });
});

Deno.test("fake payments: pay, fail and receive return notifications signed as Wave signs them", async () => {
  await withFakePayments(async (fake) => {
    const auth = { authorization: `Bearer ${fake.credentials.wave.api_key}` };
    const session = await (await post(fake, "/v1/checkout/sessions", waveSession("2500"), auth)).json();
    const delivery = await fake.pay(session.id, { amount: 2000, payer: "+221770000009" });
    const check = (d: typeof delivery) =>
      verifyWaveWebhook(
        d.body,
        { signature: d.headers.get("wave-signature"), authorization: null },
        fake.credentials.wave.webhook_secret,
      );
    assert.deepEqual(await check(delivery), { ok: true });
    const event = JSON.parse(new TextDecoder().decode(delivery.body));
    assert.equal(event.type, "checkout.session.completed");
    assert.equal(event.data.amount, "2000", "pay's amount is what the provider reports");
    assert.equal(fake.sessions.get(session.id)?.status, "paid");
    assert.throws(() => fake.expire("cos-unknown"), /no session/);
    await assert.rejects(() => fake.fail(session.id), /is paid/);
    const received = await fake.receive(990, "+221761110001");
    assert.deepEqual(await check(received), { ok: true });
    assert.equal(JSON.parse(new TextDecoder().decode(received.body)).type, "merchant.payment_received");
  });
});

Deno.test("fake payments: CinetPay, PayDunya and Orange check their own credentials and amounts", async () => {
  await withFakePayments(async (fake) => {
    const { apikey, site_id } = fake.credentials.cinetpay;
    const payment = {
      apikey,
      site_id,
      transaction_id: "t-1",
      amount: 1002,
      currency: "XOF",
      description: "d",
      notify_url: "https://n",
      return_url: "https://r",
      channels: "ALL",
    };
    assert.equal((await (await post(fake, "/v2/payment", { ...payment, apikey: "x" })).json()).code, "609");
    assert.equal(
      (await (await post(fake, "/v2/payment", payment)).json()).code,
      "608",
      "not a multiple of 5",
    );
    assert.equal((await (await post(fake, "/v2/payment", { ...payment, amount: 1000 })).json()).code, "201");
    const check = await (await post(fake, "/v2/payment/check", { apikey, site_id, transaction_id: "t-1" }))
      .json();
    assert.deepEqual([check.code, check.data.amount], ["662", "1000"]);

    const noKeys = await post(fake, "/api/v1/checkout-invoice/create", {});
    assert.deepEqual([noKeys.status, (await noKeys.json()).response_code], [401, "1001"]);

    const basic = `Basic ${btoa(`${fake.credentials.orange_money.client_id}:wrong`)}`;
    const token = await fetch(`${fake.baseUrl}/oauth/v3/token`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    assert.deepEqual([token.status, (await token.json()).error], [401, "invalid_client"]);
    const anonymous = await post(fake, "/orange-money-webpay/sn/v1/webpayment", { amount: 100 });
    assert.deepEqual([anonymous.status, (await anonymous.json()).code], [401, 42]);
  });
});

Deno.test("fake payments: failNext scripts the next answers of one route; unknown routes are 404", async () => {
  await withFakePayments(async (fake) => {
    const auth = { authorization: `Bearer ${fake.credentials.wave.api_key}` };
    fake.failNext("wave.create", 503);
    fake.failNext("wave.create", 500, "<html>oops</html>");
    const first = await post(fake, "/v1/checkout/sessions", waveSession("1000"), auth);
    assert.deepEqual([first.status, (await first.json()).code], [503, "internal-server-error"]);
    const second = await post(fake, "/v1/checkout/sessions", waveSession("1000"), auth);
    assert.deepEqual([second.status, await second.text()], [500, "<html>oops</html>"]);
    const third = await post(fake, "/v1/checkout/sessions", waveSession("1000"), auth);
    assert.equal(third.status, 200);
    await third.body?.cancel();
    const lost = await fetch(`${fake.baseUrl}/v3/nowhere`);
    assert.equal(lost.status, 404);
    await lost.body?.cancel();
    assert.deepEqual(fake.requests.map((r) => r.route), ["wave.create", "wave.create", "wave.create", null]);
  });
});
