import assert from "node:assert/strict";
import { parseWebhook } from "./webhook.ts";
import {
  combinePayloads,
  instagramComment,
  instagramLiveComment,
  instagramText,
  messengerAttachment,
  messengerText,
  metaBody,
  whatsappImage,
  whatsappMessage,
  whatsappStatus,
  whatsappText,
} from "../../../tests/support/meta_payloads.ts";

const SHOP_A = "1001";
const SHOP_B = "2002";
const AWA = "221770000001";
const MOUSSA = "221770000002";

/** A body as the function will see it: Meta's escaped bytes, parsed. */
function received(payload: unknown) {
  return parseWebhook(JSON.parse(metaBody(payload)));
}

Deno.test("webhook: a multi-entry payload from two numbers keeps every message and status, names by wa_id", () => {
  const payload = combinePayloads(
    whatsappText({
      phoneNumberId: SHOP_A,
      from: AWA,
      name: "Awa Diop",
      id: "wamid.a1",
      text: "bonjour",
      timestamp: 1700000000,
    }),
    whatsappText({
      phoneNumberId: SHOP_B,
      from: MOUSSA,
      name: "Moussa Fall",
      id: "wamid.b1",
      text: "je veux la robe",
    }),
    whatsappText({ phoneNumberId: SHOP_A, from: MOUSSA, name: "Moussa Fall", id: "wamid.a2", text: "en M" }),
    whatsappStatus({ phoneNumberId: SHOP_A, id: "wamid.out1", status: "read", timestamp: 1700000100 }),
    whatsappStatus({ phoneNumberId: SHOP_B, id: "wamid.out2", status: "delivered", recipient: MOUSSA }),
  );
  assert.equal(payload.entry.length, 2, "one entry per phone number");
  const parsed = received(payload);
  assert.equal(parsed.object, "whatsapp_business_account");
  assert.deepEqual(parsed.skipped, []);
  assert.deepEqual(
    parsed.messages.map((m) => [m.account, m.id, m.from, m.name, m.text]),
    [
      [SHOP_A, "wamid.a1", AWA, "Awa Diop", "bonjour"],
      [SHOP_A, "wamid.a2", MOUSSA, "Moussa Fall", "en M"],
      [SHOP_B, "wamid.b1", MOUSSA, "Moussa Fall", "je veux la robe"],
    ],
  );
  assert.equal(parsed.messages[0].at, "2023-11-14T22:13:20.000Z", "unix seconds (a string) → ISO");
  assert.deepEqual(parsed.statuses.map((s) => [s.account, s.id, s.status]), [
    [SHOP_A, "wamid.out1", "read"],
    [SHOP_B, "wamid.out2", "delivered"],
  ]);
  assert.equal(parsed.statuses[0].at, "2023-11-14T22:15:00.000Z");
  assert.equal(parsed.statuses[1].recipient, MOUSSA);
});

Deno.test("webhook: one malformed message among good ones is skipped alone, with its path", () => {
  const payload = combinePayloads(
    whatsappText({ phoneNumberId: SHOP_A, from: AWA, id: "wamid.1", text: "un" }),
    whatsappMessage({ phoneNumberId: SHOP_A, from: AWA, id: "wamid.2", type: "text", fields: { text: {} } }),
    whatsappText({ phoneNumberId: SHOP_A, from: AWA, id: "wamid.3", text: "trois" }),
    whatsappStatus({ phoneNumberId: SHOP_A, id: "wamid.out", status: "teleported" }),
    whatsappStatus({ phoneNumberId: SHOP_A, id: "wamid.out", status: "sent" }),
  );
  const value = payload.entry[0].changes[0].value;
  value.messages.push({ from: AWA, type: "text", text: { body: "no id" }, timestamp: "1" });
  value.messages.push({
    from: "not a wa id",
    id: "wamid.4",
    type: "text",
    text: { body: "x" },
    timestamp: "1",
  });
  const parsed = received(payload);
  assert.deepEqual(parsed.messages.map((m) => m.id), ["wamid.1", "wamid.3"]);
  assert.deepEqual(parsed.statuses.map((s) => s.status), ["sent"]);
  assert.deepEqual(parsed.skipped.map((s) => s.path), [
    "entry[0].changes[0].value.messages[1].text.body",
    "entry[0].changes[0].value.messages[3].id",
    "entry[0].changes[0].value.messages[4].from",
    "entry[0].changes[0].value.statuses[0].status",
  ]);
  assert.ok(parsed.skipped.every((s) => s.reason.length > 0));
});

Deno.test("webhook: every WhatsApp message type is normalized; unknown types are kept as unsupported", () => {
  const at = { phoneNumberId: SHOP_A, from: AWA, timestamp: 1700000000 };
  const base64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  const parts = [
    whatsappText({ ...at, id: "m.text", text: "Salut", context: "wamid.before" }),
    whatsappMessage({
      ...at,
      id: "m.button_reply",
      type: "interactive",
      fields: { interactive: { type: "button_reply", button_reply: { id: "size-m", title: "Taille M" } } },
    }),
    whatsappMessage({
      ...at,
      id: "m.list_reply",
      type: "interactive",
      fields: {
        interactive: {
          type: "list_reply",
          list_reply: { id: "p-12", title: "Robe wax", description: "15 000" },
        },
      },
    }),
    whatsappMessage({
      ...at,
      id: "m.flow",
      type: "interactive",
      fields: { interactive: { type: "nfm_reply", nfm_reply: { response_json: "{}" } } },
    }),
    whatsappMessage({
      ...at,
      id: "m.button",
      type: "button",
      fields: { button: { text: "Oui", payload: "yes" } },
    }),
    whatsappImage({ ...at, id: "m.image", mediaId: "555", sha256: base64, caption: "Reçu Wave" }),
    whatsappMessage({
      ...at,
      id: "m.document",
      type: "document",
      fields: {
        document: { id: "556", mime_type: "application/pdf", filename: "facture.pdf", sha256: base64 },
      },
    }),
    whatsappMessage({
      ...at,
      id: "m.audio",
      type: "audio",
      fields: { audio: { id: "557", mime_type: "audio/ogg" } },
    }),
    whatsappMessage({
      ...at,
      id: "m.video",
      type: "video",
      fields: { video: { id: "558", mime_type: "video/mp4" } },
    }),
    whatsappMessage({ ...at, id: "m.sticker", type: "sticker", fields: { sticker: { id: "559" } } }),
    whatsappMessage({
      ...at,
      id: "m.location",
      type: "location",
      fields: { location: { latitude: 14.69, longitude: -17.44, name: "Marché Sandaga", address: "Dakar" } },
    }),
    whatsappMessage({
      ...at,
      id: "m.reaction",
      type: "reaction",
      fields: { reaction: { message_id: "wamid.ours", emoji: "❤️" } },
    }),
    whatsappMessage({ ...at, id: "m.contacts", type: "contacts", fields: { contacts: [{ name: {} }] } }),
    whatsappMessage({ ...at, id: "m.new", type: "hologram", fields: { hologram: { id: "1" } } }),
    whatsappMessage({ ...at, id: "m.proto", type: "toString" }),
  ];
  const parsed = received(combinePayloads(...parts));
  assert.deepEqual(parsed.skipped, []);
  const byId = new Map(parsed.messages.map((m) => [m.id, m]));
  const pick = (id: string) => {
    const { platform: _p, account: _a, from: _f, name: _n, at: _t, id: _i, ...rest } = byId.get(id)!;
    return rest;
  };
  assert.deepEqual(pick("m.text"), { kind: "text", text: "Salut", context_id: "wamid.before" });
  assert.deepEqual(pick("m.button_reply"), { kind: "interactive", text: "Taille M", reply_id: "size-m" });
  assert.deepEqual(pick("m.list_reply"), { kind: "interactive", text: "Robe wax", reply_id: "p-12" });
  assert.deepEqual(pick("m.flow"), { kind: "unsupported" });
  assert.deepEqual(pick("m.button"), { kind: "button", text: "Oui", reply_id: "yes" });
  assert.deepEqual(pick("m.image"), {
    kind: "image",
    text: "Reçu Wave",
    media: { id: "555", mime_type: "image/jpeg", sha256: base64, caption: "Reçu Wave" },
  });
  assert.deepEqual(pick("m.document"), {
    kind: "document",
    media: { id: "556", mime_type: "application/pdf", sha256: base64, filename: "facture.pdf" },
  });
  assert.deepEqual(pick("m.audio"), { kind: "audio", media: { id: "557", mime_type: "audio/ogg" } });
  assert.deepEqual(pick("m.video"), { kind: "video", media: { id: "558", mime_type: "video/mp4" } });
  assert.deepEqual(pick("m.sticker"), { kind: "sticker", media: { id: "559" } });
  assert.deepEqual(pick("m.location"), {
    kind: "location",
    text: "Marché Sandaga, Dakar",
    location: { latitude: 14.69, longitude: -17.44, name: "Marché Sandaga", address: "Dakar" },
  });
  assert.deepEqual(pick("m.reaction"), { kind: "reaction", text: "❤️", context_id: "wamid.ours" });
  assert.deepEqual(pick("m.contacts"), { kind: "unsupported" });
  assert.deepEqual(pick("m.new"), { kind: "unsupported" });
  assert.deepEqual(pick("m.proto"), { kind: "unsupported" });
});

Deno.test("webhook: texts are cut to 4,096 characters without splitting an emoji; NUL and lone surrogates cleaned", () => {
  const long = "a".repeat(4095) + "👋👋";
  const parsed = received(combinePayloads(
    whatsappText({ phoneNumberId: SHOP_A, from: AWA, id: "w.long", text: long }),
    whatsappText({ phoneNumberId: SHOP_A, from: AWA, id: "w.nul", text: "a\u0000b\ud83dc" }),
  ));
  assert.equal(parsed.messages[0].text, "a".repeat(4095) + "👋");
  assert.equal(Array.from(parsed.messages[0].text!).length, 4096);
  assert.equal(parsed.messages[1].text, "ab\uFFFDc");
});

Deno.test("webhook: a failed status keeps its errors; other fields and error-only changes yield nothing", () => {
  const payload = combinePayloads(
    whatsappStatus({
      phoneNumberId: SHOP_A,
      id: "wamid.out",
      status: "failed",
      errors: [{ code: 131047, title: "Re-engagement message" }],
    }),
  );
  payload.entry[0].changes.push({ field: "message_template_status_update", value: { event: "APPROVED" } });
  payload.entry[0].changes.push({
    field: "messages",
    value: { metadata: { phone_number_id: SHOP_A }, errors: [{ code: 130429, title: "Rate limit hit" }] },
  });
  payload.entry[0].changes.push({ field: "messages", value: { metadata: {} } });
  const parsed = received(payload);
  assert.deepEqual(parsed.statuses[0].errors, [{ code: 131047, title: "Re-engagement message" }]);
  assert.equal(parsed.messages.length + parsed.statuses.length, 1);
  assert.deepEqual(parsed.skipped, [{
    path: "entry[0].changes[3].value.metadata.phone_number_id",
    reason: parsed.skipped[0]?.reason,
  }]);
});

Deno.test("webhook: Messenger texts, echoes skipped, attachments as URLs, quick replies and delivery receipts", () => {
  const page = "PAGE1";
  const payload = combinePayloads(
    messengerText({
      account: page,
      from: "PSID1",
      id: "m_1",
      text: "C'est combien ?",
      timestamp: 1700000000123,
    }),
    messengerText({ account: page, from: "PSID1", id: "m_echo", text: "15 000 FCFA", echo: true }),
    messengerAttachment({
      account: page,
      from: "PSID1",
      id: "m_2",
      type: "image",
      url: "https://cdn.example/a.jpg",
    }),
  );
  const messaging = payload.entry[0].messaging;
  messaging.push(
    {
      sender: { id: "PSID1" },
      recipient: { id: page },
      timestamp: 1700000000200,
      message: { mid: "m_3", text: "Taille M", quick_reply: { payload: "SIZE_M" } },
    },
    {
      sender: { id: "PSID1" },
      recipient: { id: page },
      timestamp: 1700000000300,
      message: {
        mid: "m_4",
        attachments: [{ type: "sticker", payload: { url: "https://cdn.example/s" } }, {
          type: "image",
          payload: { url: "https://cdn.example/s" },
        }],
      },
    },
    {
      sender: { id: "PSID1" },
      recipient: { id: page },
      timestamp: 1700000000400,
      message: {
        mid: "m_5",
        attachments: [{ type: "image", payload: { url: "https://cdn.example/1" } }, {
          type: "file",
          payload: { url: "https://cdn.example/2.pdf" },
        }],
      },
    },
    {
      sender: { id: "PSID1" },
      recipient: { id: page },
      timestamp: 1,
      delivery: { mids: ["m_ours"], watermark: 1 },
    },
    { sender: { id: "PSID1" }, recipient: { id: page }, timestamp: 2, read: { watermark: 2 } },
    {
      sender: { id: "PSID1" },
      recipient: { id: page },
      timestamp: 3,
      postback: { mid: "m_6", title: "Commander", payload: "ORDER" },
    },
  );
  const parsed = received(payload);
  assert.equal(parsed.object, "page");
  assert.deepEqual(parsed.skipped, []);
  assert.deepEqual(
    parsed.messages.map((
      m,
    ) => [m.platform, m.account, m.id, m.kind, m.text ?? null, m.media?.url ?? null, m.reply_id ?? null]),
    [
      ["messenger", page, "m_1", "text", "C'est combien ?", null, null],
      ["messenger", page, "m_2", "image", null, "https://cdn.example/a.jpg", null],
      ["messenger", page, "m_3", "interactive", "Taille M", null, "SIZE_M"],
      ["messenger", page, "m_4", "sticker", null, "https://cdn.example/s", null],
      ["messenger", page, "m_5", "image", null, "https://cdn.example/1", null],
      ["messenger", page, "m_5#1", "document", null, "https://cdn.example/2.pdf", null],
      ["messenger", page, "m_6", "interactive", "Commander", null, "ORDER"],
    ],
  );
  assert.equal(parsed.messages[0].at, "2023-11-14T22:13:20.123Z", "Messenger timestamps are ms");
  assert.deepEqual(parsed.statuses.map((s) => [s.id, s.status, s.recipient]), [[
    "m_ours",
    "delivered",
    "PSID1",
  ]]);
});

Deno.test("webhook: Instagram DMs, comments and live comments; the account's own comments are not customers'", () => {
  const ig = "17841400000000001";
  const dm = received(instagramText({ account: ig, from: "IGSID1", id: "aWdf1", text: "Dispo en M ?" }));
  assert.deepEqual(dm.messages.map((m) => [m.platform, m.account, m.from, m.text]), [
    ["instagram", ig, "IGSID1", "Dispo en M ?"],
  ]);
  const comments = received(combinePayloads(
    instagramLiveComment({
      account: ig,
      from: "IGSID2",
      username: "fatou.sn",
      id: "c1",
      text: "je prends A12 en M",
      mediaId: "live1",
      time: 1700000000000,
    }),
    instagramComment({ account: ig, from: "IGSID3", id: "c2", text: "prix ?" }),
    instagramComment({ account: ig, from: ig, id: "c3", text: "Merci ! Regardez vos messages" }),
  ));
  assert.deepEqual(comments.skipped, []);
  assert.deepEqual(comments.comments[0], {
    platform: "instagram",
    account: ig,
    id: "c1",
    from: "IGSID2",
    username: "fatou.sn",
    text: "je prends A12 en M",
    media_id: "live1",
    live: true,
    at: "2023-11-14T22:13:20.000Z",
  });
  assert.deepEqual(comments.comments.map((c) => [c.id, c.live]), [["c1", true], ["c2", false]]);
});

Deno.test("webhook: a Facebook Page comment (feed, item comment, verb add) is a comment; other feed changes are not", () => {
  const page = "PAGE1";
  const feed = (value: Record<string, unknown>) => ({ field: "feed", value });
  const parsed = received({
    object: "page",
    entry: [{
      id: page,
      time: 1700000000,
      changes: [
        feed({
          item: "comment",
          verb: "add",
          comment_id: "post1_c1",
          post_id: "post1",
          from: { id: "U1", name: "Khady" },
          message: "je prends",
          created_time: 1700000001,
        }),
        feed({ item: "reaction", verb: "add", reaction_type: "like" }),
        feed({ item: "comment", verb: "add", comment_id: "post1_c2", from: { id: page }, message: "merci" }),
        feed({ item: "comment", verb: "add", message: "anonyme" }),
      ],
    }],
  });
  assert.deepEqual(parsed.comments, [{
    platform: "messenger",
    account: page,
    id: "post1_c1",
    from: "U1",
    username: "Khady",
    text: "je prends",
    media_id: "post1",
    live: false,
    at: "2023-11-14T22:13:21.000Z",
  }]);
  assert.deepEqual(parsed.skipped.map((s) => s.path), ["entry[0].changes[3].value"]);
});

Deno.test("webhook: bodies that are not Meta webhooks yield one root skip, an impossible time a skip, never a throw", () => {
  for (const body of [null, 42, "x", {}, { object: "page" }, { object: "page", entry: {} }]) {
    const parsed = parseWebhook(body);
    assert.deepEqual([parsed.messages, parsed.statuses, parsed.comments], [[], [], []]);
    assert.equal(parsed.skipped.length, 1, JSON.stringify(body));
  }
  assert.deepEqual(parseWebhook({ object: "user", entry: [] }).skipped, [
    { path: "object", reason: 'unsupported object "user"' },
  ]);
  const future = whatsappText({ phoneNumberId: SHOP_A, from: AWA, text: "x", timestamp: "9999999999999999" });
  assert.deepEqual(parseWebhook(future).skipped.map((s) => s.path), [
    "entry[0].changes[0].value.messages[0].timestamp",
  ]);
  const badEntries = parseWebhook({ object: "whatsapp_business_account", entry: [null, { changes: "no" }] });
  assert.deepEqual(badEntries.skipped.map((s) => s.path), ["entry[0]", "entry[1].changes"]);
});
