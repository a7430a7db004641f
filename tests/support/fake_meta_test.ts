import assert from "node:assert/strict";
import {
  combinePayloads,
  instagramLiveComment,
  messengerText,
  signedWebhook,
  startFakeMeta,
  whatsappStatus,
  whatsappText,
  withFakeMeta,
} from "./fake_meta.ts";
import { verifySignature } from "../../functions/_shared/channels/signature.ts";

function post(url: string, body: unknown, token = "t"): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("fake meta: WhatsApp and Messenger sends answer in the Graph shapes and are recorded", async () => {
  await withFakeMeta(async (meta) => {
    assert.match(meta.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v21\.0$/);
    const wa = await post(`${meta.baseUrl}/1001/messages`, {
      messaging_product: "whatsapp",
      to: "+221 77 000 00 01",
      type: "text",
      text: { body: "Bonjour" },
    });
    const waBody = await wa.json();
    assert.equal(wa.status, 200);
    assert.deepEqual(Object.keys(waBody), ["messaging_product", "contacts", "messages"]);
    assert.deepEqual(waBody.contacts, [{ input: "+221 77 000 00 01", wa_id: "221770000001" }]);
    assert.match(waBody.messages[0].id, /^wamid\./);
    const ms = await post(`${meta.origin}/v19.0/PAGE1/messages`, {
      recipient: { id: "PSID1" },
      message: { text: "Salut" },
    });
    const msBody = await ms.json();
    assert.equal(msBody.recipient_id, "PSID1");
    assert.match(msBody.message_id, /^m_/);
    assert.deepEqual(
      meta.sent.map((s) => [s.account, s.api, s.to, s.type, s.text, s.id, s.authorization]),
      [
        ["1001", "whatsapp", "+221 77 000 00 01", "text", "Bonjour", waBody.messages[0].id, "Bearer t"],
        ["PAGE1", "messenger", "PSID1", "text", "Salut", msBody.message_id, "Bearer t"],
      ],
    );
    const bad = await post(`${meta.baseUrl}/1001/messages`, { messaging_product: "whatsapp", type: "text" });
    assert.equal((await bad.json()).error.code, 100);
    const lost = await fetch(`${meta.origin}/nowhere`);
    assert.equal(lost.status, 404);
    await lost.body?.cancel();
  });
});

Deno.test("fake meta: failNext scripts Graph errors for the next sends, then sends succeed again", async () => {
  await withFakeMeta(async (meta) => {
    meta.failNext(2, { code: 131047 });
    meta.failNext(1, { code: 130429, retryAfter: 2, subcode: 2494055 });
    const send = () =>
      post(`${meta.baseUrl}/1001/messages`, {
        messaging_product: "whatsapp",
        to: "1",
        type: "text",
        text: { body: "x" },
      });
    for (const code of [131047, 131047]) {
      const response = await send();
      const { error } = await response.json();
      assert.equal(response.status, 400);
      assert.equal(error.code, code);
      assert.equal(error.type, "OAuthException");
      assert.match(error.message, /^\(#131047\) Re-engagement message$/);
      assert.ok(error.fbtrace_id);
    }
    const limited = await send();
    assert.equal(limited.headers.get("retry-after"), "2");
    assert.equal((await limited.json()).error.error_subcode, 2494055);
    assert.equal((await send()).status, 200);
    assert.equal(meta.sent.length, 1);
  });
});

Deno.test("fake meta: expectToken turns a wrong or missing bearer into the 190 OAuth error (HTTP 401)", async () => {
  await withFakeMeta(async (meta) => {
    meta.expectToken("1001", "good");
    const body = { messaging_product: "whatsapp", to: "1", type: "text", text: { body: "x" } };
    const wrong = await post(`${meta.baseUrl}/1001/messages`, body, "bad");
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, 190);
    const missing = await fetch(`${meta.baseUrl}/1001/messages`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    assert.equal(missing.status, 401);
    await missing.body?.cancel();
    assert.equal((await post(`${meta.baseUrl}/1001/messages`, body, "good")).status, 200);
    assert.equal(
      (await post(`${meta.baseUrl}/other/messages`, body, "anything")).status,
      200,
      "other accounts: any bearer",
    );
  });
});

Deno.test("fake meta: media URLs need the same bearer and expire after the TTL on the fake's clock", async () => {
  let clock = 0;
  await withFakeMeta(async (meta) => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const id = meta.addMedia(bytes, "image/jpeg", { account: "1001" });
    const info = await (await fetch(`${meta.baseUrl}/${id}`, { headers: { authorization: "Bearer a" } }))
      .json();
    assert.deepEqual(Object.keys(info).sort(), [
      "file_size",
      "id",
      "messaging_product",
      "mime_type",
      "sha256",
      "url",
    ]);
    assert.equal(info.sha256, "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a");
    assert.equal(info.file_size, 4);
    const other = await fetch(info.url, { headers: { authorization: "Bearer b" } });
    assert.equal(other.status, 401);
    await other.body?.cancel();
    const ok = await fetch(info.url, { headers: { authorization: "Bearer a" } });
    assert.deepEqual(new Uint8Array(await ok.arrayBuffer()), bytes);
    clock += 5 * 60_000;
    const late = await fetch(info.url, { headers: { authorization: "Bearer a" } });
    assert.equal(late.status, 404);
    await late.body?.cancel();
    const elsewhere = await fetch(`${meta.baseUrl}/${id}?phone_number_id=2002`, {
      headers: { authorization: "Bearer a" },
    });
    assert.equal((await elsewhere.json()).error.code, 100);
  }, { now: () => clock });
});

Deno.test("fake meta: latency delays answers; close() releases a request in flight", async () => {
  const meta = await startFakeMeta({ latencyMs: 80 });
  const started = performance.now();
  const response = await fetch(`${meta.baseUrl}/unknown-media`, { headers: { authorization: "Bearer a" } });
  await response.body?.cancel();
  assert.ok(performance.now() - started >= 75);
  meta.latencyMs = 60_000;
  const hanging = fetch(`${meta.baseUrl}/unknown-media`).then((r) => r.body?.cancel(), () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closing = performance.now();
  await meta.close();
  await hanging;
  assert.ok(performance.now() - closing < 5_000);
});

Deno.test("fake meta: signedWebhook signs Meta's escaped body; combinePayloads groups entries", async () => {
  const payload = combinePayloads(
    whatsappText({ phoneNumberId: "1001", from: "221770000001", text: "Ça marche 👍" }),
    whatsappStatus({ phoneNumberId: "1001", id: "wamid.x", status: "read" }),
    whatsappText({ phoneNumberId: "2002", from: "221770000002", text: "Merci" }),
  );
  assert.equal(payload.entry.length, 2);
  assert.equal(payload.entry[0].changes[0].value.messages.length, 1);
  assert.equal(payload.entry[0].changes[0].value.statuses.length, 1);
  const { body, headers } = await signedWebhook(payload, "s3cret");
  assert.ok(body.includes("\\u00c7a marche \\ud83d\\udc4d"));
  assert.equal(headers["content-type"], "application/json");
  assert.equal(
    await verifySignature(new TextEncoder().encode(body), headers["x-hub-signature-256"], ["s3cret"]),
    0,
  );
  const page = combinePayloads(
    messengerText({ account: "P", from: "U", text: "a" }),
    messengerText({ account: "P", from: "U", text: "b" }),
  );
  assert.equal(page.entry.length, 1);
  assert.equal(page.entry[0].messaging.length, 2);
  assert.throws(() => combinePayloads(page, instagramLiveComment({ account: "I", from: "U", text: "x" })));
});
