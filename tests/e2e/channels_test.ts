// The channels relay end to end: Meta's webhook (signed as Meta signs, with its escaped unicode)
// into the `channels` handler in-process on the test database, Botlive answering (the offline
// extractor), the replies sent to a fake Graph API. Everything asserted is read back from the
// database or from what the fake Graph API received.
import assert from "node:assert/strict";
import { COMMENT_REPLY, SEEN_PROOF, UNREADABLE } from "../../functions/channels/worker.ts";
import {
  combinePayloads,
  instagramLiveComment,
  messengerText,
  metaBody,
  wamid,
  whatsappImage,
  whatsappMessage,
  whatsappStatus,
  whatsappText,
} from "../support/fake_meta.ts";
import { stack } from "../support/stack.ts";
import { createRelay, type Relay } from "../fixtures/channels/relay.ts";

const ignore = !stack.available;

async function withRelay(fn: (relay: Relay) => Promise<void>) {
  const relay = await createRelay(stack.dbUrl);
  try {
    await fn(relay);
  } finally {
    await relay.drop();
  }
}

/** A Senegalese WhatsApp id (the number without +), unique per call. */
const customer = () => `22177${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

async function inbox(relay: Relay) {
  return await relay.shop.db.sql<{ external_id: string; status: string; kind: string; text: string | null }[]>`
    select external_id, status, kind, text from public.channel_messages where company_id = ${relay.shop.id}
    order by sent_at, received_at`;
}

const sentTo = (relay: Relay, to: string) => relay.meta.sent.filter((s) => s.to === to).map((s) => s.text);

Deno.test({
  name: "channels: Meta's verification GET echoes the challenge for the app's verify token, 403 otherwise",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const get = (app: string, query: string) =>
        Promise.resolve(relay.handler(new Request(`http://x/channels/${app}?${query}`)));
      const ok = await get(relay.app.id, `hub.mode=subscribe&hub.verify_token=${relay.app.verifyToken}&hub.challenge=1158201444`);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), "1158201444");
      for (
        const [app, query] of [
          [relay.app.id, `hub.mode=subscribe&hub.verify_token=wrong-token-123456&hub.challenge=1`],
          [relay.app.id, `hub.mode=unsubscribe&hub.verify_token=${relay.app.verifyToken}&hub.challenge=1`],
          ["999999999", `hub.mode=subscribe&hub.verify_token=${relay.app.verifyToken}&hub.challenge=1`],
        ]
      ) {
        const refused = await get(app, query);
        assert.equal(refused.status, 403);
        assert.equal((await refused.json()).error.code, "forbidden");
      }
      const lost = await get("not-an-app", "");
      assert.equal(lost.status, 404);
      await lost.body?.cancel();
    });
  },
});

Deno.test({
  name:
    "channels: the signature is checked on the raw bytes — accented and emoji payloads signed as Meta signs pass; re-serialised, tampered, unsigned or signed with another secret: 401 and nothing stored",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      const texts = ["Bonjour, je voudrais la robe à fleurs 😍", "Ça coûte combien ? Réponse rapide s’il vous plaît 🙏🏾"];
      for (const text of texts) {
        const payload = whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, name: "Aïssatou", text });
        const res = await relay.deliver(payload);
        assert.equal(res.status, 200, await res.clone().text());
        // The signed body is Meta's escaped form: the accents are \u escapes, not UTF-8.
        assert.match(metaBody(payload), /\\u00e0|\\u00c7/);
      }
      const refusedPayload = whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "Déjà payé, réf. ABC" });
      const signed = await relay.sign(refusedPayload);
      const attempts: [string, Record<string, string>][] = [
        // The classic bug: the JSON re-serialised (UTF-8 accents) no longer matches Meta's signature.
        [JSON.stringify(JSON.parse(signed.body)), signed.headers],
        [signed.body.replace("ABC", "ABD"), signed.headers],
        [signed.body, { "content-type": "application/json" }],
        [signed.body, { ...signed.headers, "x-hub-signature-256": "sha256=" + "0".repeat(64) }],
        [signed.body, (await relay.sign(refusedPayload, "another-apps-secret-123")).headers],
      ];
      for (const [body, headers] of attempts) {
        const res = await relay.post(body, headers);
        assert.equal(res.status, 401);
        assert.equal((await res.json()).error.code, "unauthorized");
      }
      const rows = await inbox(relay);
      assert.deepEqual(rows.map((r) => r.text), texts, "the two signed messages, accents intact; nothing else");
    });
  },
});

Deno.test({
  name:
    "channels: a WhatsApp burst (« bonjour » / « je veux le sac en cuir noir » / « livraison Pikine ») is answered in order, one reply per message, sent to the customer through the Graph API",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      const texts = ["bonjour", "je veux le sac en cuir noir", "livraison Pikine, 77 123 45 67"];
      const at = Math.floor(Date.now() / 1000);
      for (const text of texts) {
        // Same second, separate webhooks, as WhatsApp delivers a burst.
        const res = await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, name: "Awa", text, timestamp: at }));
        assert.equal(res.status, 200);
      }
      await relay.settle();
      const rows = await inbox(relay);
      assert.deepEqual(rows.map((r) => [r.text, r.status]), texts.map((t) => [t, "done"]));
      const replies = sentTo(relay, from);
      assert.equal(replies.length, 3, JSON.stringify(replies));
      assert.match(replies[1]!, /Sac en cuir/);
      assert.match(replies[2]!, /20 500 FCFA/, "the third reply states the total from the database");
      const outbox = await relay.shop.db.sql<{ status: string; external_id: string }[]>`
        select status, external_id from public.channel_outbox where company_id = ${relay.shop.id} order by created_at`;
      assert.deepEqual(outbox.map((o) => o.status), ["sent", "sent", "sent"]);
      assert.deepEqual(
        outbox.map((o) => o.external_id),
        relay.meta.sent.filter((s) => s.to === from).map((s) => s.id),
        "each outbox row holds the id Meta returned",
      );
    });
  },
});

Deno.test({
  name:
    "channels: the same payload replayed 5× at once and 5× in a row is one inbox row, one reply sent and one order",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      for (const text of ["je veux le sac en cuir noir", "livraison Pikine, 77 123 45 67"]) {
        await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text }));
        await relay.settle();
      }
      const proof = whatsappText({
        phoneNumberId: relay.accounts.whatsapp,
        from,
        text: "J'ai payé 20 500 FCFA par Wave, réf. TXNREPLAYAB",
      });
      const signed = await relay.sign(proof);
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => relay.post(signed.body, signed.headers)));
      assert.deepEqual(concurrent.map((r) => r.status), [200, 200, 200, 200, 200]);
      await Promise.all([relay.settle(), relay.otherWorker().drain()]);
      for (let i = 0; i < 5; i++) {
        assert.equal((await relay.post(signed.body, signed.headers)).status, 200);
        await relay.settle();
      }
      const rows = await inbox(relay);
      assert.equal(rows.length, 3);
      assert.equal(sentTo(relay, from).length, 3, "one reply per distinct message");
      const orders = await relay.shop.db.sql`select 1 from public.orders where company_id = ${relay.shop.id}`;
      assert.equal(orders.length, 1, "one order");
    });
  },
});

Deno.test({
  name:
    "channels: one payload with several entries, messages and statuses — each stored; an entry for another app's number is dropped; shuffled statuses never go backwards",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "bonjour" }));
      await relay.settle();
      const [sent] = relay.meta.sent;
      const statuses = ["read", "sent", "delivered", "sent", "read", "delivered"].map((status, i) =>
        whatsappStatus({ phoneNumberId: relay.accounts.whatsapp, id: sent.id, status, recipient: from, timestamp: 1_800_000_000 + i })
      );
      const res = await relay.deliver(combinePayloads(
        whatsappText({ phoneNumberId: relay.accounts.whatsapp, from: customer(), text: "premier" }),
        whatsappText({ phoneNumberId: "99999999999", from: customer(), text: "pas pour nous" }),
        ...statuses,
        whatsappText({ phoneNumberId: relay.accounts.whatsapp, from: customer(), text: "second" }),
      ));
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.received.new.length, 2);
      assert.equal(body.received.unrouted, 1);
      const [row] = await relay.shop.db.sql<{ status: string }[]>`
        select status from public.channel_outbox where external_id = ${sent.id}`;
      assert.equal(row.status, "read");
      await relay.settle();
    });
  },
});

Deno.test({
  name:
    "channels: a payment screenshot is downloaded from the Graph API (sha256 checked) and read; the same screenshot sent again is recognised, never a second payment; voice notes and stickers get a polite answer",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      const bytes = new TextEncoder().encode("fake jpeg bytes of a Wave receipt");
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
      const image = (id: string) =>
        whatsappImage({ phoneNumberId: relay.accounts.whatsapp, from, mediaId: id, sha256: digest, caption: "voilà" });
      await relay.deliver(image(relay.meta.addMedia(bytes, "image/jpeg", { account: relay.accounts.whatsapp })));
      await relay.settle();
      await relay.deliver(image(relay.meta.addMedia(bytes, "image/jpeg", { account: relay.accounts.whatsapp })));
      await relay.deliver(whatsappMessage({ phoneNumberId: relay.accounts.whatsapp, from, type: "audio", fields: { audio: { id: "a1", mime_type: "audio/ogg" } } }));
      await relay.deliver(whatsappMessage({ phoneNumberId: relay.accounts.whatsapp, from, type: "sticker", fields: { sticker: { id: "s1", mime_type: "image/webp" } } }));
      await relay.settle();
      const replies = sentTo(relay, from);
      assert.equal(replies.length, 4);
      assert.notEqual(replies[0], SEEN_PROOF, "the first screenshot goes to Botlive");
      assert.deepEqual(replies.slice(1), [SEEN_PROOF, UNREADABLE, UNREADABLE]);
      const hashes = await relay.shop.db.sql<{ media_sha256: string }[]>`
        select media_sha256 from public.channel_messages where company_id = ${relay.shop.id} and kind = 'image'`;
      assert.deepEqual(hashes.map((h) => h.media_sha256), [digest, digest]);
      assert.ok(relay.meta.requests.some((r) => r.authorization?.startsWith("Bearer access-token-")), "media fetched with the bearer");
    });
  },
});

Deno.test({
  name:
    "channels: Graph errors — pacing (131056) is retried and sent once; outside the 24-hour window (131047) the shop is told; a send with no answer becomes unknown and is never resent",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      relay.meta.failNext(1, { code: 131056 });
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "bonjour" }));
      await relay.settle();
      let [row] = await relay.shop.db.sql<{ status: string; id: string }[]>`
        select status, id from public.channel_outbox where recipient = ${from}`;
      assert.equal(row.status, "pending", "paced: waiting for its retry");
      await relay.shop.db.sql`update public.channel_outbox set next_attempt_at = now() where id = ${row.id}`;
      await relay.settle();
      [row] = await relay.shop.db.sql`select status, id from public.channel_outbox where recipient = ${from}`;
      assert.equal(row.status, "sent");
      assert.equal(sentTo(relay, from).length, 1);

      relay.meta.failNext(1, { code: 131047 });
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "merci" }));
      await relay.settle();
      const failed = await relay.shop.db.sql<{ status: string; kind: string }[]>`
        select status, error ->> 'kind' as kind from public.channel_outbox where recipient = ${from} and status = 'failed'`;
      assert.deepEqual(failed.map((f) => [f.status, f.kind]), [["failed", "window"]]);
      const told = await relay.shop.db.sql`
        select 1 from public.activities where company_id = ${relay.shop.id} and type = 'channel.send_failed'`;
      assert.equal(told.length, 1);

      relay.meta.latencyMs = 3_000; // longer than the Graph client's 2 s timeout: no answer
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "et la livraison ?" }));
      await relay.settle();
      relay.meta.latencyMs = 0;
      const [lost] = await relay.shop.db.sql<{ id: string; status: string }[]>`
        select id, status from public.channel_outbox where recipient = ${from} order by created_at desc limit 1`;
      assert.equal(lost.status, "sending");
      await relay.shop.db.sql`update public.channel_outbox set lease_until = now() - interval '1 second' where id = ${lost.id}`;
      // Meta did get it, late (the fake records a send when it answers): wait for that first.
      for (let i = 0; i < 100 && sentTo(relay, from).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(sentTo(relay, from).length, 2);
      const before = relay.meta.sent.length;
      await relay.settle();
      const [after] = await relay.shop.db.sql`select status from public.channel_outbox where id = ${lost.id}`;
      assert.equal(after.status, "unknown");
      assert.equal(relay.meta.sent.length, before, "not sent again");
    });
  },
});

Deno.test({
  name:
    "channels: an Instagram live comment that orders gets one private reply (redelivered: still one); a Messenger message is answered on Messenger",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const comment = instagramLiveComment({
        account: relay.accounts.instagram,
        id: `1790${Date.now()}`,
        from: "17841400000000001",
        username: "awa_dkr",
        text: "je prends la robe A12 en M",
      });
      await relay.deliver(comment);
      await relay.deliver(comment);
      await relay.deliver(instagramLiveComment({
        account: relay.accounts.instagram,
        id: `1791${Date.now()}`,
        from: "17841400000000002",
        username: "fan",
        text: "trop belle 😍",
      }));
      const psid = `6${Date.now()}`;
      await relay.deliver(messengerText({ account: relay.accounts.messenger, from: psid, text: "bonjour" }));
      await relay.settle();
      const privateReplies = relay.meta.sent.filter((s) => s.comment_id);
      assert.deepEqual(privateReplies.map((s) => s.text), [COMMENT_REPLY]);
      assert.equal(relay.meta.sent.filter((s) => s.to === psid).length, 1);
    });
  },
});

Deno.test({
  name:
    "channels: an escalated conversation sends nothing; a member's reply from the dashboard goes out through the same outbox",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "je veux parler à quelqu'un" }));
      await relay.settle();
      await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text: "allô ?" }));
      await relay.settle();
      assert.equal(sentTo(relay, from).length, 1, "the holding message only");
      const [conversation] = await relay.shop.db.sql<{ id: string }[]>`
        select conversation_id as id from public.channel_messages where sender = ${from} limit 1`;
      assert.ok(conversation.id, "the inbox row is linked to Botlive's conversation");
      await relay.shop.db.asUser({ sub: relay.shop.users.member, role: "authenticated" }, (tx) =>
        tx`select public.channel_reply(${relay.shop.slug}, ${conversation.id}, 'Bonjour, ici Fatou de la boutique !')`);
      await relay.settle();
      assert.deepEqual(sentTo(relay, from).at(-1), "Bonjour, ici Fatou de la boutique !");
    });
  },
});

Deno.test({
  name:
    "channels: two instances draining a burst at once answer each message once and in order; a run that stopped mid-message is picked up by the next, never twice",
  ignore,
  async fn() {
    await withRelay(async (relay) => {
      const from = customer();
      const texts = ["bonjour", "je veux le sac en cuir noir", "livraison Pikine", "77 123 45 67", "merci"];
      for (const text of texts) {
        await relay.deliver(whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, text, id: wamid() }));
      }
      relay.pending.splice(0); // the webhooks' own drains are not awaited: two instances race instead
      await Promise.all([relay.worker.drain(), relay.otherWorker().drain(), relay.otherWorker().drain()]);
      await relay.settle();
      const rows = await inbox(relay);
      assert.deepEqual(rows.map((r) => r.text), texts);
      assert.ok(rows.every((r) => r.status === "done"));
      const outbox = await relay.shop.db.sql<{ text: string }[]>`
        select m.text from public.channel_outbox o join public.channel_messages m on m.id = o.in_reply_to
        where m.sender = ${from} order by o.created_at`;
      assert.deepEqual(outbox.map((o) => o.text), texts, "one reply each, queued in the order of the messages");

      // A run claims the next message and stops (the process killed): its lease runs out.
      // (Stored as the webhook stores it, without the webhook's own drain starting.)
      const late = customer();
      await relay.shop.db.asService((tx) =>
        tx`select public.channel_receive(${relay.app.id}, ${relay.app.secret}, ${tx.json({
          messages: [{ platform: "whatsapp", account: relay.accounts.whatsapp, id: wamid(), from: late, at: new Date().toISOString(), kind: "text", text: "bonjour" }],
        })})`
      );
      const stopped = await relay.shop.db.asService((tx) => tx`select * from public.channel_claim(10, 60, 5)`);
      assert.equal(stopped.length, 1);
      await relay.worker.drain();
      assert.equal(sentTo(relay, late).length, 0, "leased by the stopped run: left alone");
      await relay.shop.db.sql`update public.channel_messages set lease_until = now() where sender = ${late}`;
      await relay.worker.drain();
      await relay.worker.drain();
      assert.equal(sentTo(relay, late).length, 1, "then processed once");
    });
  },
});
