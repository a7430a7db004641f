// Botlive's dialogue says why (the botlive handler in-process on the test database, the offline
// extractor): a zone the shop does not deliver, an invalid phone, a quantity changed after the
// product, a unit price and a total, « on en était où ? », and a draft left when the live closed.
import assert from "node:assert/strict";
import { stack } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;
const conv = () => `wa-${crypto.randomUUID().slice(0, 8)}`;

async function withShop(fn: (shop: TestShop) => Promise<void>) {
  const shop = await createTestShop(stack.dbUrl, { knowledge: true });
  try {
    await fn(shop);
  } finally {
    await shop.drop();
  }
}

Deno.test({
  name: "botlive dialogue: « livraison Thiès » is answered « nous ne livrons pas à Thiès » with the zones",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "je veux le sac en cuir noir");
      const r = await shop.say(c, "livraison Thiès");
      assert.match(r.reply, /nous ne livrons pas à Thiès/i);
      assert.match(r.reply, /Pikine/, "the zones it does deliver are named");
      assert.equal(r.order_state.zone, null);
    }),
});

Deno.test({
  name: "botlive dialogue: an invalid phone is called invalid",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "je veux le sac en cuir noir, livraison Pikine");
      for (const text of ["mon numéro 66 123 45 67", "tel: 77 12 34", "appelez moi au 123456789"]) {
        const r = await shop.say(c, text);
        assert.match(r.reply, /n'est pas un numéro .*valide/, text);
        assert.equal(r.order_state.phone, null, text);
      }
    }),
});

Deno.test({
  name:
    "botlive dialogue: a quantity changed after the product is applied; « × 3 à 6 000 FCFA » says the unit price and the total",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      let r = await shop.say(c, "je veux le sac en cuir noir");
      assert.equal(r.order_state.product?.quantity, 1);
      for (
        const [text, quantity] of [["finalement j'en veux 3", 3], ["plutôt 2 svp", 2], [
          "mettez-en quatre",
          4,
        ]] as const
      ) {
        r = await shop.say(c, text);
        assert.equal(r.order_state.product?.quantity, quantity, text);
      }
      assert.match(r.reply, /Sac en cuir \(noir\) × 4 à 18 000 FCFA l'unité, soit 72 000 FCFA/);
    }),
});

Deno.test({
  name: "botlive dialogue: « on en était où ? » gives the order's state without a refusal first",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "je veux le sac en cuir noir");
      await shop.say(c, "livraison Pikine");
      for (const text of ["on en était où ?", "où en est ma commande ?", "c'est quoi le total ?"]) {
        const r = await shop.say(c, text);
        assert.doesNotMatch(r.reply, /n'ai pas cette information|Je ne trouve pas/, text);
        assert.match(r.reply, /Sac en cuir \(noir\)/, text);
        assert.match(r.reply, /20 500 FCFA/, text);
        assert.match(r.reply, /numéro/, `${text}: what is missing is asked`);
      }
    }),
});

Deno.test({
  name: "botlive dialogue: after the live closes, a customer with a draft is told so",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "je veux le sac en cuir noir");
      await shop.db
        .sql`update public.bot_sessions set ended_at = now() where company_id = ${shop.id} and ended_at is null`;
      const r = await shop.say(c, "livraison Pikine, 77 123 45 67");
      assert.equal(r.mode, "rag");
      assert.match(r.reply, /live est terminé/);
      assert.match(r.reply, /Sac en cuir/, "her draft is named");
    }),
});
