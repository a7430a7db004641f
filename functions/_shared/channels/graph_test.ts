import assert from "node:assert/strict";
import { createGraph, type Graph, type GraphAccount, GraphError, graphErrorKind } from "./graph.ts";
import { decodeDigest } from "./graph_media.ts";
import { type FakeMeta, withFakeMeta } from "../../../tests/support/fake_meta.ts";

const WA: GraphAccount = { platform: "whatsapp", external_id: "1001", access_token: "wa-token" };
const PAGE: GraphAccount = { platform: "messenger", external_id: "PAGE1", access_token: "page-token" };
const IG: GraphAccount = {
  platform: "instagram",
  external_id: "17841400000000001",
  access_token: "ig-token",
};
const CUSTOMER = "221770000001";

/** The error `promise` rejects with, which must be a GraphError. */
async function failure(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GraphError, `not a GraphError: ${error}`);
    return error;
  }
  assert.fail("expected a GraphError");
}

function graphOn(meta: FakeMeta, options: Partial<Parameters<typeof createGraph>[0]> = {}): Graph {
  return createGraph({ baseUrl: meta.baseUrl, ...options });
}

Deno.test("graph: WhatsApp text in the Cloud API shape, with the bearer, returns the wamid", async () => {
  await withFakeMeta(async (meta) => {
    meta.expectToken(WA.external_id, WA.access_token);
    const { id } = await graphOn(meta).sendText(WA, CUSTOMER, "Bonjour Awa, la robe est à 15 000 FCFA 👗");
    assert.match(id, /^wamid\./);
    assert.equal(meta.sent.length, 1);
    const sent = meta.sent[0];
    assert.equal(sent.id, id);
    assert.equal(sent.account, WA.external_id);
    assert.equal(sent.authorization, "Bearer wa-token");
    assert.deepEqual(sent.body, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: CUSTOMER,
      type: "text",
      text: { body: "Bonjour Awa, la robe est à 15 000 FCFA 👗", preview_url: false },
    });
  });
});

Deno.test("graph: Messenger and Instagram texts in the Send API shape (Instagram on its own host)", async () => {
  await withFakeMeta(async (meta) => {
    const urls: string[] = [];
    const graph = graphOn(meta, {
      instagramBaseUrl: `${meta.origin}/v22.0`,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    const messenger = await graph.sendText(PAGE, "PSID1", "Merci !");
    const instagram = await graph.sendText(IG, "IGSID1", "Dispo en M");
    assert.match(messenger.id, /^m_/);
    assert.match(instagram.id, /^m_/);
    assert.deepEqual(meta.sent.map((s) => s.body), [
      { recipient: { id: "PSID1" }, messaging_type: "RESPONSE", message: { text: "Merci !" } },
      { recipient: { id: "IGSID1" }, message: { text: "Dispo en M" } },
    ]);
    assert.deepEqual(urls, [
      `${meta.baseUrl}/PAGE1/messages`,
      `${meta.origin}/v22.0/${IG.external_id}/messages`,
    ]);
  });
});

Deno.test("graph: a WhatsApp template and a private reply to a comment", async () => {
  await withFakeMeta(async (meta) => {
    const graph = graphOn(meta);
    await graph.sendTemplate(WA, CUSTOMER, "order_update", "fr");
    await graph.sendPrivateReply(IG, "17900000000000001", "Bonjour ! Pour A12 en M, on continue ici.");
    assert.deepEqual(meta.sent[0].body, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: CUSTOMER,
      type: "template",
      template: { name: "order_update", language: { code: "fr" } },
    });
    assert.deepEqual(meta.sent[1].body, {
      recipient: { comment_id: "17900000000000001" },
      message: { text: "Bonjour ! Pour A12 en M, on continue ici." },
    });
    assert.equal(meta.sent[1].comment_id, "17900000000000001");
  });
});

Deno.test("graph: what a platform would refuse is refused before any call", async () => {
  await withFakeMeta(async (meta) => {
    const graph = graphOn(meta);
    for (
      const attempt of [
        graph.sendText(WA, CUSTOMER, "  "),
        graph.sendText(IG, "IGSID1", "x".repeat(1001)),
        graph.sendText(PAGE, "PSID1", "é".repeat(2001)),
        graph.sendTemplate(PAGE, "PSID1", "hello", "fr"),
        graph.sendPrivateReply(WA, "c1", "hi"),
        graph.fetchMedia(PAGE, "555"),
      ]
    ) {
      const error = await failure(attempt);
      assert.equal(error.kind, "invalid");
      assert.equal(error.status, 0);
    }
    await graph.sendText(WA, CUSTOMER, "👋".repeat(4096));
    assert.equal(meta.requests.length, 1, "only the 4,096-character text went out");
  });
});

Deno.test("graph: error kinds from Graph codes (131047, 131056, 130429, 190, 500, Messenger window, 100)", async () => {
  await withFakeMeta(async (meta) => {
    const graph = graphOn(meta);
    const cases: [Parameters<FakeMeta["failNext"]>[1], GraphAccount, string, number, number | undefined][] = [
      [{ code: 131047 }, WA, "window", 400, undefined],
      [{ code: 131056 }, WA, "pacing", 400, 6000],
      [{ code: 130429, retryAfter: 3 }, WA, "throughput", 400, 3000],
      [{ code: 80007 }, WA, "throughput", 400, undefined],
      [{ code: 4, status: 429 }, PAGE, "throughput", 429, undefined],
      [{ status: 500 }, WA, "transient", 500, undefined],
      [{ code: 131000 }, WA, "transient", 500, undefined],
      [{ code: 10, subcode: 2018278 }, PAGE, "window", 400, undefined],
      [{ code: 100 }, WA, "invalid", 400, undefined],
      [{ code: 132001 }, WA, "invalid", 400, undefined],
      [{ code: 368, status: 403 }, WA, "auth", 403, undefined],
    ];
    for (const [script, account, kind, status, retryAfterMs] of cases) {
      meta.failNext(1, script);
      const error = await failure(graph.sendText(account, "X1", "bonjour"));
      const label = JSON.stringify(script);
      assert.equal(error.kind, kind, label);
      assert.equal(error.status, status, label);
      assert.equal(error.code, script.code, label);
      assert.equal(error.retryAfterMs, retryAfterMs, label);
      assert.equal(error.maybeSent, false, label);
      assert.ok(!error.message.includes(account.access_token) && !error.message.includes("bonjour"), label);
    }
    assert.equal(meta.sent.length, 0);
    await graph.sendText(WA, CUSTOMER, "the queue is empty again");
    assert.equal(meta.sent.length, 1);
  });
});

Deno.test("graph: a wrong token is the 190 OAuth error, kind auth", async () => {
  await withFakeMeta(async (meta) => {
    meta.expectToken(WA.external_id, "the-right-one");
    const error = await failure(graphOn(meta).sendText(WA, CUSTOMER, "bonjour"));
    assert.deepEqual([error.kind, error.status, error.code], ["auth", 401, 190]);
    assert.ok(!error.message.includes(WA.access_token));
  });
});

Deno.test("graph: a timeout and a refused connection are transient and may have sent", async () => {
  await withFakeMeta(async (meta) => {
    meta.latencyMs = 500;
    const error = await failure(graphOn(meta, { timeoutMs: 50 }).sendText(WA, CUSTOMER, "bonjour"));
    assert.deepEqual([error.kind, error.status, error.maybeSent], ["transient", 0, true]);
    assert.match(error.message, /no answer within 50 ms/);
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const graph = createGraph({ baseUrl: `http://127.0.0.1:${port}/v21.0` });
  const refused = await failure(graph.sendText(WA, CUSTOMER, "bonjour"));
  assert.deepEqual([refused.kind, refused.status, refused.maybeSent], ["transient", 0, true]);
});

const PHOTO = new TextEncoder().encode("a Wave payment screenshot, pretend these are JPEG bytes ✓");

async function digests(bytes: Uint8Array): Promise<{ hex: string; base64: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return {
    hex: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    base64: btoa(String.fromCharCode(...digest)),
  };
}

Deno.test("graph: WhatsApp media by id, with the bearer twice, sha256 checked in hex or base64", async () => {
  await withFakeMeta(async (meta) => {
    meta.expectToken(WA.external_id, WA.access_token);
    const mediaId = meta.addMedia(PHOTO, "image/jpeg", { account: WA.external_id });
    const { hex, base64 } = await digests(PHOTO);
    const graph = graphOn(meta);
    for (const sha256 of [base64, hex, undefined]) {
      const media = await graph.fetchMedia(WA, mediaId, { sha256 });
      assert.deepEqual(media.bytes, PHOTO);
      assert.equal(media.mime_type, "image/jpeg");
      assert.equal(media.sha256, hex);
    }
    const [info, download] = meta.requests.slice(0, 2);
    assert.equal(info.path, `/v21.0/${mediaId}?phone_number_id=${WA.external_id}`);
    assert.match(download.path, /^\/lookaside\//);
    assert.deepEqual([info.authorization, download.authorization], ["Bearer wa-token", "Bearer wa-token"]);
  });
});

Deno.test("graph: media whose bytes do not match an announced sha256 is refused", async () => {
  await withFakeMeta(async (meta) => {
    const graph = graphOn(meta);
    const { hex } = await digests(new TextEncoder().encode("another picture"));
    const mediaId = meta.addMedia(PHOTO, "image/jpeg");
    const fromWebhook = await failure(graph.fetchMedia(WA, mediaId, { sha256: hex }));
    assert.deepEqual([fromWebhook.kind, fromWebhook.status], ["invalid", 0]);
    assert.match(fromWebhook.message, /sha256/);
    const fromMeta = meta.addMedia(PHOTO, "image/jpeg", { sha256: hex });
    assert.equal((await failure(graph.fetchMedia(WA, fromMeta))).kind, "invalid");
    const garbled = await failure(graph.fetchMedia(WA, mediaId, { sha256: "not-a-digest" }));
    assert.equal(garbled.kind, "invalid");
  });
});

Deno.test("graph: an expired media URL is fetched afresh once; always expired is transient", async () => {
  let clock = 1_700_000_000_000;
  await withFakeMeta(async (meta) => {
    // The first URL outlives its 5 minutes before the download starts.
    let infos = 0;
    const graph = graphOn(meta, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).includes("phone_number_id") && ++infos === 1) clock += 5 * 60_000 + 1;
        return response;
      },
    });
    const mediaId = meta.addMedia(PHOTO, "image/png");
    const media = await graph.fetchMedia(WA, mediaId);
    assert.deepEqual(media.bytes, PHOTO);
    assert.deepEqual(meta.requests.map((r) => r.path.split("?")[0].split("/")[1]), [
      "v21.0",
      "lookaside",
      "v21.0",
      "lookaside",
    ]);
    meta.mediaUrlTtlMs = 0;
    const expired = await failure(graph.fetchMedia(WA, mediaId));
    assert.deepEqual([expired.kind, expired.status], ["transient", 404]);
  }, { now: () => clock });
});

Deno.test("graph: media with the wrong token is auth; past maxBytes is refused before the download", async () => {
  await withFakeMeta(async (meta) => {
    meta.expectToken(WA.external_id, "the-right-one");
    const mediaId = meta.addMedia(PHOTO, "image/jpeg", { account: WA.external_id });
    const graph = graphOn(meta);
    const error = await failure(graph.fetchMedia(WA, mediaId));
    assert.deepEqual([error.kind, error.status, error.code], ["auth", 401, 190]);
    const right = { ...WA, access_token: "the-right-one" };
    meta.requests.length = 0;
    const big = await failure(graph.fetchMedia(right, mediaId, { maxBytes: PHOTO.length - 1 }));
    assert.equal(big.kind, "invalid");
    assert.equal(meta.requests.length, 1, "no download after the announced file_size");
    const unknown = await failure(graph.fetchMedia(right, "404404"));
    assert.deepEqual([unknown.kind, unknown.code], ["invalid", 100]);
  });
});

Deno.test("graph: Messenger/Instagram attachment URLs are fetched without the token; foreign http refused", async () => {
  await withFakeMeta(async (meta) => {
    const graph = graphOn(meta);
    const url = meta.addAttachment(PHOTO, "image/png");
    const media = await graph.fetchUrl(url, { sha256: (await digests(PHOTO)).base64 });
    assert.deepEqual(media.bytes, PHOTO);
    assert.equal(media.mime_type, "image/png");
    assert.equal(meta.requests[0].authorization, null);
    const small = await failure(graph.fetchUrl(url, { maxBytes: 10 }));
    assert.equal(small.kind, "invalid");
    const foreign = await failure(graph.fetchUrl("http://169.254.169.254/latest/meta-data"));
    assert.deepEqual([foreign.kind, foreign.status], ["invalid", 0]);
    assert.equal(meta.requests.length, 2);
  });
});

Deno.test("graph: graphErrorKind by code, then by HTTP status", () => {
  const table: [number | undefined, number, number | undefined, string][] = [
    [131047, 400, undefined, "window"],
    [10, 400, 2018278, "window"],
    [10, 403, undefined, "auth"],
    [131056, 400, undefined, "pacing"],
    [613, 400, undefined, "throughput"],
    [17, 400, undefined, "throughput"],
    [190, 401, undefined, "auth"],
    [200, 403, undefined, "auth"],
    [131026, 400, undefined, "invalid"],
    [131009, 400, undefined, "invalid"],
    [2, 503, undefined, "transient"],
    [undefined, 502, undefined, "transient"],
    [undefined, 401, undefined, "auth"],
    [undefined, 429, undefined, "throughput"],
    [99999, 400, undefined, "unknown"],
  ];
  for (const [code, status, subcode, kind] of table) {
    assert.equal(graphErrorKind(code, status, subcode), kind, `${code}/${subcode} HTTP ${status}`);
  }
});

Deno.test("graph: decodeDigest reads 64 hex digits or 44-character (URL-safe) base64, nothing else", () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const base64 = btoa(String.fromCharCode(...bytes));
  assert.deepEqual(decodeDigest(hex), bytes);
  assert.deepEqual(decodeDigest(hex.toUpperCase()), bytes);
  assert.deepEqual(decodeDigest(base64), bytes);
  assert.deepEqual(decodeDigest(base64.replaceAll("+", "-").replaceAll("/", "_").replace("=", "")), bytes);
  for (const bad of ["", "abc", hex.slice(2), btoa("short"), base64.slice(4)]) {
    assert.equal(decodeDigest(bad), undefined);
  }
});
