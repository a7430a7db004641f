import assert from "node:assert/strict";
import { sameToken, signBody, verifySignature } from "./signature.ts";
import { metaBody, signedWebhook, whatsappText } from "../../../tests/support/meta_payloads.ts";

const SECRET = "app-secret-1";
const encoder = new TextEncoder();
const accented = whatsappText({
  phoneNumberId: "1001",
  from: "221770000001",
  name: "Aïssatou Ndiaye",
  text: "Bonjour 👋 je veux la robe « wax » en M, c'est combien ? Réponse svp 🙏 https://ex.sn/a",
});

Deno.test("signature: Meta escapes non-ASCII as lowercase \\uXXXX (emoji as surrogate pairs) and / as \\/", () => {
  const body = metaBody({ text: "é/👋" });
  assert.equal(body, '{"text":"\\u00e9\\/\\ud83d\\udc4b"}');
  assert.deepEqual(JSON.parse(metaBody(accented)), accented);
  assert.ok(/^[\x20-\x7e]*$/.test(metaBody(accented)), "the escaped body is pure ASCII");
});

Deno.test("signature: an accented, emoji payload verifies on its raw bytes", async () => {
  const { body, headers } = await signedWebhook(accented, SECRET);
  assert.equal(await verifySignature(encoder.encode(body), headers["x-hub-signature-256"], [SECRET]), 0);
});

Deno.test("signature: the same payload re-serialised with JSON.stringify fails (the classic bug)", async () => {
  const { body, headers } = await signedWebhook(accented, SECRET);
  const reserialised = JSON.stringify(JSON.parse(body));
  assert.notEqual(reserialised, body);
  assert.deepEqual(JSON.parse(reserialised), JSON.parse(body), "same data, different bytes");
  assert.equal(
    await verifySignature(encoder.encode(reserialised), headers["x-hub-signature-256"], [SECRET]),
    -1,
  );
});

Deno.test("signature: one tampered byte fails", async () => {
  const { body, headers } = await signedWebhook(accented, SECRET);
  const raw = encoder.encode(body);
  for (const index of [0, Math.floor(raw.length / 2), raw.length - 1]) {
    const tampered = raw.slice();
    tampered[index] ^= 0x01;
    assert.equal(
      await verifySignature(tampered, headers["x-hub-signature-256"], [SECRET]),
      -1,
      `byte ${index}`,
    );
  }
  const longer = encoder.encode(body + " ");
  assert.equal(
    await verifySignature(longer, headers["x-hub-signature-256"], [SECRET]),
    -1,
    "a trailing byte",
  );
});

Deno.test("signature: a wrong secret fails; an empty secret never matches", async () => {
  const { body, headers } = await signedWebhook(accented, SECRET);
  const raw = encoder.encode(body);
  assert.equal(await verifySignature(raw, headers["x-hub-signature-256"], ["another-secret"]), -1);
  assert.equal(await verifySignature(raw, headers["x-hub-signature-256"], []), -1);
  assert.equal(
    await verifySignature(raw, headers["x-hub-signature-256"], ["", SECRET]),
    1,
    "an empty one is passed over",
  );
  assert.equal(await verifySignature(raw, headers["x-hub-signature-256"], [""]), -1);
});

Deno.test("signature: a missing or malformed header fails", async () => {
  const raw = encoder.encode(metaBody(accented));
  const good = await signBody(raw, SECRET);
  const hex = good.slice("sha256=".length);
  for (
    const header of [
      null,
      "",
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(1)}`,
      `sha256=${hex}0`,
      `sha256=${hex.slice(2)}zz`,
      "sha256=",
      `sha256= ${hex}`,
    ]
  ) {
    assert.equal(await verifySignature(raw, header, [SECRET]), -1, String(header));
  }
  assert.equal(
    await verifySignature(raw, `SHA256=${hex.toUpperCase()}`, [SECRET]),
    0,
    "hex case is not significant",
  );
});

Deno.test("signature: the index of the matching secret is returned (rotation: the second of two)", async () => {
  const raw = encoder.encode(metaBody(accented));
  const header = await signBody(raw, "new-secret");
  assert.equal(await verifySignature(raw, header, ["old-secret", "new-secret"]), 1);
  assert.equal(await verifySignature(raw, header, ["new-secret", "new-secret"]), 0, "the first match");
});

Deno.test("signature: sameToken compares whole strings, lengths included", () => {
  assert.equal(sameToken("verify-me", "verify-me"), true);
  assert.equal(sameToken("", ""), true);
  assert.equal(sameToken("verify-me", "verify-mE"), false);
  assert.equal(sameToken("verify-me", "verify-me-"), false);
  assert.equal(sameToken("verify", "verify-me"), false);
  assert.equal(sameToken("", "x"), false);
  assert.equal(sameToken("café", "cafe"), false);
  assert.equal(sameToken("\u0000", ""), false, "a NUL is a byte, not an end");
});
