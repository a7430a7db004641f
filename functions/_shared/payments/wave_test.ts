import assert from "node:assert/strict";
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
  return Array.from(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

const check = (signature: string | null, raw = body, authorization: string | null = null, now = NOW) =>
  verifyWaveWebhook(raw, { signature, authorization }, SECRET, now);

Deno.test("wave: a signature over t + the raw body verifies; one of several v1 (a rotation) is enough", async () => {
  const v1 = await sign(body, NOW);
  assert.deepEqual(await check(`t=${NOW},v1=${v1}`), { ok: true });
  const old = await sign(body, NOW, "the-previous-secret");
  assert.deepEqual(await check(`t=${NOW},v1=${old},v1=${v1}`), { ok: true });
  assert.deepEqual(await check(`t=${NOW}, v1=${v1.toUpperCase()}`), { ok: true }, "hex in either case, spaces tolerated");
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
  assert.deepEqual(await check(null, body, "Bearer wave_sn_AKS_test_secreT"), { ok: false, reason: "wrong shared secret" });
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
      () => checkoutSessionBody({ amount, clientReference: "CMD-1", successUrl: "https://a", errorUrl: "https://b" }),
      RangeError,
    );
  }
  assert.throws(() => checkoutSessionBody({ amount: 1, clientReference: "é", successUrl: "https://a", errorUrl: "https://b" }));
  assert.equal(WaveEvent.parse(JSON.parse(new TextDecoder().decode(body))).type, "checkout.session.completed");
});
