// Botlive beyond Senegal, end to end: the shop's country (companies.country, set here as the
// service would) decides which numbers are delivery phones and which mobile-money methods the bot
// names; the order keeps the E.164 phone; an order entered by hand reads its phone in the shop's
// country too. Then the labelled set of non-Senegalese conversations (countries.json), with its floor.
import assert from "node:assert/strict";
import { createHandler as ordersHandler } from "../../functions/orders/handler.ts";
import { ErrorBody } from "../../types/api.ts";
import { asUser, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";
import { evaluate, type LabelledConversation } from "../fixtures/botlive/evaluate.ts";

const ignore = !stack.available;
const conv = () => `wa-${crypto.randomUUID().slice(0, 8)}`;
const setCountry = (shop: TestShop, country: string | null) =>
  shop.db.sql`update public.companies set country = ${country} where id = ${shop.id}`;

Deno.test({
  name:
    "botlive countries: an Ivorian shop takes a 10-digit number, names its own payment methods, and the order keeps the +225 phone",
  ignore,
  async fn() {
    const shop = await createTestShop(stack.dbUrl, { knowledge: false });
    try {
      await setCountry(shop, "CI");
      const c = conv();
      let r = await shop.say(c, "Bonjour, je veux le pagne tissé");
      r = await shop.say(c, "livraison à Pikine, mon numéro 77 123 45 67");
      assert.equal(r.order_state.zone?.name, "Pikine");
      assert.equal(r.order_state.phone, null, "a Senegalese number without +221 is not Ivorian");
      assert.match(
        r.reply,
        /« 77 123 45 67 » n'est pas un numéro de portable ivoirien valide \(10 chiffres.*par exemple 07 07 12 34 56\)/,
      );
      r = await shop.say(c, "07 07 12 34 56");
      assert.equal(r.order_state.phone, "+2250707123456");
      const required = r.order_state.payment.required;
      assert.equal(required, 7500 + 2500);
      for (const method of ["Orange Money", "MTN MoMo", "Moov Money", "Wave"]) {
        assert.ok(r.reply.includes(method), `« ${method} » in: ${r.reply}`);
      }
      assert.doesNotMatch(r.reply, /Free Money/, "Free Money is Senegalese");
      r = await shop.say(c, `j'ai payé ${required} F par MTN MoMo, ref MP240101.1200.A56789`);
      const orders = await shop.db.sql`
        select o.customer_phone, pay.method
        from public.orders o join public.payments pay on pay.order_id = o.id
        where o.company_id = ${shop.id}`;
      assert.deepEqual(orders.map((o) => ({ ...o })), [{ customer_phone: "+2250707123456", method: "mtn_momo" }], r.reply);
      const [{ named }] = await shop.db.sql`
        select count(*)::int as named from public.activities
        where company_id = ${shop.id} and (title || ' ' || coalesce(description, '')) like '%MTN MoMo%'`;
      assert.ok(named >= 1, "the feed names the method as the bot does");

      // No country: Sénégal, as before.
      await setCountry(shop, null);
      const s = conv();
      await shop.say(s, "je veux le pagne tissé, livraison Médina");
      r = await shop.say(s, "mon numéro 07 07 12 34 56");
      assert.match(r.reply, /n'est pas un numéro de portable sénégalais valide/);
      r = await shop.say(s, "77 123 45 67");
      assert.equal(r.order_state.phone, "+221771234567");
      assert.match(r.reply, /Wave, Orange Money ou Free Money/);
    } finally {
      await shop.drop();
    }
  },
});

Deno.test({
  name: "botlive countries: an order entered by hand reads its phone in the shop's country",
  ignore,
  async fn() {
    const shop = await createTestShop(stack.dbUrl, { knowledge: false, live: false });
    const orders = ordersHandler({ db: shop.db, auth: await stackAuthenticator() });
    try {
      await setCountry(shop, "BJ");
      const admin = await asUser(shop.users.admin);
      const post = async (customer_phone: string) => {
        const res = await orders(
          new Request("http://x/orders", {
            method: "POST",
            headers: { "content-type": "application/json", ...admin },
            body: JSON.stringify({
              company_id: shop.slug,
              customer_phone,
              items: [{ product_id: await shop.productId("Pagne tissé") }],
            }),
          }),
        );
        return { status: res.status, body: await res.json() };
      };
      const created = await post("01 97 12 34 56");
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.order.customer_phone, "+2290197123456");
      const old = await post("97 12 34 56");
      assert.equal(old.status, 400, "Bénin's old 8 digits are no longer a number");
      assert.match(ErrorBody.parse(old.body).error.message, /Bénin.*01 97 12 34 56/);
    } finally {
      await shop.drop();
    }
  },
});

/** The floor of the set (countries.json): every slot and every conversation right when written. */
const FLOOR = { slots: 1.0, endToEnd: 1.0, minimum: 12 };

Deno.test({
  name: "botlive countries: the offline extractor on the labelled conversations of the seven other XOF countries",
  ignore,
  async fn() {
    const set: (LabelledConversation & { country: string })[] = JSON.parse(
      await Deno.readTextFile(new URL("../fixtures/botlive/countries.json", import.meta.url)),
    ).conversations;
    assert.ok(set.length >= FLOOR.minimum, `${set.length} conversations`);
    assert.deepEqual(
      [...new Set(set.map((c) => c.country))].sort(),
      ["BF", "BJ", "CI", "GW", "ML", "NE", "TG"],
    );
    const shop = await createTestShop(stack.dbUrl, { knowledge: false });
    try {
      let slots = 0, slotsRight = 0, right = 0;
      for (const conversation of set) {
        await setCountry(shop, conversation.country);
        const result = await evaluate(shop, [conversation]);
        slots += result.slots;
        slotsRight += result.slotsRight;
        right += result.endToEndRight;
        for (const miss of result.misses) {
          console.log(
            `  miss ${miss.id} (got ${miss.outcome}): ${JSON.stringify(miss.slots.filter((s) => !s.right))}`,
          );
        }
      }
      console.log(
        `botlive countries: ${set.length} conversations; slot accuracy ${
          (100 * slotsRight / slots).toFixed(1)
        }% (${slotsRight}/${slots}), end-to-end ${(100 * right / set.length).toFixed(1)}% (${right}/${set.length})`,
      );
      assert.ok(slotsRight / slots >= FLOOR.slots, `slot accuracy ${slotsRight}/${slots}`);
      assert.ok(right / set.length >= FLOOR.endToEnd, `end-to-end ${right}/${set.length}`);
    } finally {
      await shop.drop();
    }
  },
});
