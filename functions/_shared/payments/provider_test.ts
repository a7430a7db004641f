import assert from "node:assert/strict";
import {
  createProvider,
  e164,
  parseFrancs,
  PROVIDER_CREDENTIALS,
  ProviderError,
  stableEventId,
} from "./provider.ts";

Deno.test("payments: amounts are whole francs, parsed strictly", () => {
  for (
    const [value, francs] of [[17500, 17500], ["17500", 17500], ["17500.00", 17500], ["0", 0], [
      0,
      0,
    ]] as const
  ) {
    assert.equal(parseFrancs(value), francs, String(value));
  }
  for (
    const value of [
      "175.5",
      "17500.01",
      "1e3",
      "",
      " 100",
      "-5",
      -5,
      12.5,
      Number.NaN,
      null,
      undefined,
      "1".repeat(16),
    ]
  ) {
    assert.throws(() => parseFrancs(value), RangeError, String(value));
  }
});

Deno.test("payments: credentials are checked per provider, naming the key and never a value", () => {
  assert.throws(() => createProvider("wave", { api_key: "wave_sn_prod_x" }), {
    name: "TypeError",
    message: 'wave: credential "webhook_secret" is missing',
  });
  assert.throws(() => createProvider("cinetpay", { apikey: "k", site_id: "", secret_key: "s" }), {
    message: 'cinetpay: credential "site_id" is missing',
  });
  assert.throws(
    () =>
      createProvider("orange_money", {
        client_id: "i",
        client_secret: "s",
        merchant_key: "m",
        country: "SN!",
      }),
    {
      message: 'orange_money: credential "country" is malformed',
    },
  );
  assert.equal(
    PROVIDER_CREDENTIALS.orange_money.parse({ client_id: "i", client_secret: "s", merchant_key: "m" })
      .country,
    "sn",
  );
  for (const name of ["wave", "cinetpay", "paydunya", "orange_money"] as const) {
    assert.equal(
      createProvider(
        name,
        Object.fromEntries(
          Object.keys(PROVIDER_CREDENTIALS[name].shape).map((
            key,
          ) => [key, key === "country" ? "ci" : "value"]),
        ),
      ).name,
      name,
    );
  }
});

const credentials = { apikey: "apikey-1234567890", site_id: "105900", secret_key: "secret-0987654321" };
const input = {
  intentId: "7a0c2b1e-0000-4000-8000-000000000001",
  amount: 1000,
  description: "x",
  successUrl: "https://a",
  errorUrl: "https://b",
  notifyUrl: "https://c",
};

function stub(response: () => Response | Promise<Response>): typeof fetch {
  return () => Promise.resolve(response());
}

Deno.test("payments: a provider's error is a ProviderError whose message carries no credential", async () => {
  const echo = stub(() =>
    new Response(
      JSON.stringify({
        code: "609",
        message: `AUTH_NOT_FOUND for ${credentials.apikey} on ${credentials.site_id}`,
      }),
      {
        status: 403,
      },
    )
  );
  const error = await createProvider("cinetpay", credentials, { fetch: echo }).createCheckout(input).then(
    () => null,
    (e) => e,
  );
  assert.ok(error instanceof ProviderError);
  assert.deepEqual([error.name, error.provider, error.status, error.code], [
    "ProviderError",
    "cinetpay",
    403,
    "609",
  ]);
  assert.match(
    error.message,
    /^cinetpay: initialise payment failed \(403 609\): AUTH_NOT_FOUND for \[redacted\]/,
  );
  assert.ok(!error.message.includes(credentials.apikey) && !error.message.includes(credentials.secret_key));
});

Deno.test("payments: a timeout, a lost network and a body that is not JSON are ProviderErrors", async () => {
  const hang: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) =>
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))
    );
  const slow = createProvider("cinetpay", credentials, { fetch: hang, timeoutMs: 20 });
  const timeout = await slow.createCheckout(input).then(() => null, (e) => e);
  assert.ok(timeout instanceof ProviderError);
  assert.deepEqual([timeout.status, timeout.code], [0, "timeout"]);

  const down: typeof fetch = () => Promise.reject(new TypeError("connection refused"));
  const network = await createProvider("cinetpay", credentials, { fetch: down }).createCheckout(input).then(
    () => null,
    (e) => e,
  );
  assert.deepEqual([network.status, network.code], [0, "network"]);

  const html = stub(() => new Response("<html>502 Bad Gateway</html>", { status: 502 }));
  const proxy = await createProvider("cinetpay", credentials, { fetch: html }).createCheckout(input).then(
    () => null,
    (e) => e,
  );
  assert.deepEqual([proxy.status, proxy.code], [502, "http_502"]);

  const garbage = stub(() => new Response("{not json", { status: 200 }));
  const bad = await createProvider("cinetpay", credentials, { fetch: garbage }).createCheckout(input).then(
    () => null,
    (e) => e,
  );
  assert.deepEqual([bad.status, bad.code], [200, "bad_response"]);
});

Deno.test("payments: a status whose amount is not whole francs is a bad_response, never a rounded number", async () => {
  const decimal = stub(() =>
    new Response(
      JSON.stringify({ code: "00", message: "SUCCES", data: { amount: "175.5", status: "ACCEPTED" } }),
    )
  );
  const error = await createProvider("cinetpay", credentials, { fetch: decimal })
    .status({ providerRef: "t", intentId: input.intentId, amount: 175 }).then(() => null, (e) => e);
  assert.ok(error instanceof ProviderError);
  assert.equal(error.code, "bad_response");
});

Deno.test("payments: phone numbers and dedupe keys", async () => {
  assert.equal(e164("+221 77 123 45 67"), "+221771234567");
  assert.equal(e164("771234567"), null);
  assert.equal(e164("+0123"), null);
  assert.equal(
    await stableEventId("orange_money", "a", "SUCCESS"),
    await stableEventId("orange_money", "a", "SUCCESS"),
  );
  assert.notEqual(
    await stableEventId("orange_money", "a", "SUCCESS"),
    await stableEventId("orange_money", "a", "FAILED"),
  );
  assert.notEqual(await stableEventId("paydunya", "ab", "c"), await stableEventId("paydunya", "a", "bc"));
});
