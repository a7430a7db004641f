// Payment screenshots kept and shown: the image a customer sends with a proof is stored once in
// the `proofs` bucket (the stack's Storage), named by its sha256; the claim links to it; a member
// sees it through a short-lived signed URL in the dashboard and in `orders`; the same screenshot
// for a second order is flagged; what is not an image is refused with a word to the customer,
// nothing stored. (Botlive in-process with a fake vision reader; Storage is the served stack's.)
import assert from "node:assert/strict";
import { DashboardResponse, Order } from "../../types/api.ts";
import { asUser, stack } from "../support/stack.ts";
import { call, dashboard, orders, proofs } from "../fixtures/botlive/back_office.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;

/** A tiny valid PNG (1×1), varied by a trailing chunk so that each call is another screenshot. */
function png(seed: string): Uint8Array {
  const base = Uint8Array.from(atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  ), (c) => c.charCodeAt(0));
  const extra = new TextEncoder().encode(seed);
  const out = new Uint8Array(base.length + extra.length);
  out.set(base);
  out.set(extra, base.length);
  return out;
}
const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${btoa(String.fromCharCode(...bytes))}`;

async function withShop(fn: (shop: TestShop) => Promise<void>) {
  // The vision model reads 20 500 FCFA by Wave and a reference from whatever image it gets.
  let n = 0;
  const shop = await createTestShop(stack.dbUrl, {
    knowledge: false,
    proofs,
    readProof: () => Promise.resolve({ amount: 20500, method: "wave", reference: `TXNPROOF${String.fromCharCode(65 + n++)}` }),
  });
  try {
    await fn(shop);
  } finally {
    await shop.drop();
  }
}

async function readyForProof(shop: TestShop, c: string) {
  await shop.say(c, "je veux le sac en cuir noir");
  await shop.say(c, "livraison Pikine, 77 123 45 67");
}

Deno.test({
  name:
    "botlive proofs: the screenshot is stored once under its sha256, the claim links to it, a member sees it through a signed URL in the dashboard and orders; reused for a second order: flagged",
  ignore,
  async fn() {
    await withShop(async (shop) => {
      const shot = png("reçu Wave 1");
      const c1 = `wa-${crypto.randomUUID().slice(0, 8)}`;
      await readyForProof(shop, c1);
      const r = await shop.say(c1, "", { attachments: [{ type: "image", url: dataUrl(shot) }], text: undefined });
      assert.ok(r.order, r.reply);
      const [payment] = await shop.db.sql<{ proof_path: string; proof_sha256: string; proof_reused: boolean }[]>`
        select proof_path, proof_sha256, proof_reused from public.payments where order_id = ${r.order.id}`;
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", shot as Uint8Array<ArrayBuffer>)), (b) => b.toString(16).padStart(2, "0")).join("");
      assert.equal(payment.proof_sha256, digest);
      assert.match(payment.proof_path, new RegExp(`^${shop.id}/[0-9a-f-]{36}/${digest}\\.png$`));
      assert.equal(payment.proof_reused, false);
      const [object] = await shop.db.sql`select metadata ->> 'mimetype' as mime from storage.objects where bucket_id = 'proofs' and name = ${payment.proof_path}`;
      assert.equal(object.mime, "image/png", "stored in the proofs bucket");

      // The member's dashboard and orders give a signed URL that serves the very bytes.
      const member = await asUser(shop.users.member);
      const board = await call(dashboard, "GET", member, undefined, `?company_id=${shop.slug}`);
      const waiting = DashboardResponse.parse(board.body).to_verify.orders.find((o) => o.id === r.order!.id)!;
      assert.equal(waiting.proofs?.length, 1);
      const url = waiting.proofs![0].url!;
      const served = new Uint8Array(await (await fetch(url)).arrayBuffer());
      assert.deepEqual(served, shot);
      const listed = await call(orders, "GET", member, undefined, `?company_id=${shop.slug}&id=${r.order.id}`);
      assert.equal(Order.parse(listed.body.order).proofs?.[0].reference, "TXNPROOFA");

      // Another company's member gets no proof through orders (RLS), and no URL.
      const other = await createTestShop(stack.dbUrl, { knowledge: false, live: false });
      try {
        const stranger = await asUser(other.users.member);
        const refused = await call(orders, "GET", stranger, undefined, `?company_id=${shop.slug}&id=${r.order.id}`);
        assert.notEqual(refused.status, 200);
      } finally {
        await other.drop();
      }

      // The same screenshot for another order: flagged, and the shop's feed says so.
      const c2 = `wa-${crypto.randomUUID().slice(0, 8)}`;
      await readyForProof(shop, c2);
      const again = await shop.say(c2, "", { attachments: [{ type: "image", url: dataUrl(shot) }], text: undefined });
      assert.match(again.reply, /accompagne déjà un autre paiement/);
      const [flag] = await shop.db.sql<{ proof_reused: boolean }[]>`
        select proof_reused from public.payments where company_id = ${shop.id} and reference = 'TXNPROOFB'`;
      assert.equal(flag.proof_reused, true);
      const feed = await shop.db.sql`select 1 from public.activities where company_id = ${shop.id} and type = 'payment.proof_reused'`;
      assert.equal(feed.length, 1);
    });
  },
});

Deno.test({
  name: "botlive proofs: what is not an image is refused with a word to the customer, nothing stored",
  ignore,
  async fn() {
    await withShop(async (shop) => {
      const c = `wa-${crypto.randomUUID().slice(0, 8)}`;
      await readyForProof(shop, c);
      const pdf = new TextEncoder().encode("%PDF-1.4 not a screenshot");
      const r = await shop.say(c, "", { attachments: [{ type: "image", url: dataUrl(pdf, "image/png") }], text: undefined });
      assert.match(r.reply, /n'est pas une image/);
      assert.equal(r.order, null);
      const stored = await shop.db.sql`select 1 from storage.objects where bucket_id = 'proofs' and name like ${shop.id + "/%"}`;
      assert.equal(stored.length, 0);
    });
  },
});
