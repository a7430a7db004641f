// Botlive end to end: the botlive handler in-process on the test database (the real SQL store,
// the offline extractor unless a drill sets models), customers as the messaging integration
// sends them. Orders, stock and payments are read back from the database.
import assert from "node:assert/strict";
import { BotliveResponse, ErrorBody } from "../../types/api.ts";
import { asUser, asVisitor, stack } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;

async function withShop(
  fn: (shop: TestShop) => Promise<void>,
  options: Parameters<typeof createTestShop>[1] = {},
) {
  const shop = await createTestShop(stack.dbUrl, options);
  try {
    await fn(shop);
  } finally {
    await shop.drop();
  }
}

const conv = () => `wa-${crypto.randomUUID().slice(0, 8)}`;

Deno.test({
  name:
    "botlive: an order over several messages, with a correction, a question in between and the payment in two parts",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      let r = await shop.say(c, "Bonjour, je veux 2 robes wax rouges en L");
      assert.equal(r.mode, "live");
      assert.deepEqual(r.order_state.product, {
        id: await shop.productId("Robe wax"),
        name: "Robe wax",
        variant: { couleur: "rouge", taille: "L" },
        quantity: 2,
        unit_price: 15000,
      });
      assert.deepEqual(r.order_state.missing, ["zone", "numero", "paiement"]);
      assert.match(r.reply, /zone/);
      r = await shop.say(c, "non, plutôt la bleue en M");
      assert.deepEqual(r.order_state.product?.variant, { couleur: "bleue", taille: "M" });
      assert.equal(r.order_state.product?.quantity, 2, "the quantity stays");
      r = await shop.say(c, "Vous livrez le dimanche ?");
      assert.match(r.reply, /dimanche/, "answered from the knowledge base");
      assert.equal(r.order_state.product?.name, "Robe wax", "without losing the order");
      r = await shop.say(c, "à pa, mon numéro c'est le +221 77 123 45 67");
      assert.equal(r.order_state.zone?.name, "Parcelles Assainies");
      assert.equal(r.order_state.phone, "+221771234567");
      assert.equal(r.order_state.payment.required, 32000, "2 × 15 000 + 2 000, from the database");
      r = await shop.say(c, "j'ai payé");
      assert.match(r.reply, /montant et la référence/, "« j'ai payé » alone is not a proof");
      r = await shop.say(c, "envoyé 15k par wave ref TX-1");
      assert.equal(r.order, null);
      assert.match(
        r.reply,
        /Montant insuffisant : 15 000 FCFA envoyé, 32 000 FCFA requis\. Il manque 17 000 FCFA/,
      );
      r = await shop.say(c, "dix-sept mille par orange money, référence OM-77");
      assert.ok(r.order, r.reply);
      assert.equal(r.order.total_amount, 32000);
      assert.match(r.order.order_number, /^CMD-\d{4}$/);
      assert.match(r.reply, new RegExp(`${r.order.order_number}.*32 000 FCFA`));
      const [row] = await shop.db.sql`
        select o.total_amount, o.payment_status, o.status, p.stock,
          (select count(*)::int from public.payments pay where pay.order_id = o.id and pay.status = 'to_verify') as proofs
        from public.orders o, public.products p where o.id = ${r.order.id} and p.id = ${
        r.order_state.product?.id ?? r.order.items[0].product_id
      }`;
      assert.deepEqual({ ...row }, {
        total_amount: 32000,
        payment_status: "to_verify",
        status: "pending",
        stock: 18,
        proofs: 2,
      });
    }),
});

Deno.test({
  name: "botlive: the same message id twice gives the same reply and changes nothing",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "le kimono svp, livraison Médina, 76 000 11 22");
      const body = {
        company_id: shop.slug,
        conversation_id: c,
        message_id: "wamid.retry-1",
        customer: { id: c },
        text: "payé 13500 par wave ref WV-9",
      };
      const first = BotliveResponse.parse(await (await shop.post(body)).json());
      assert.ok(first.order);
      const count = async () =>
        (await shop.db
          .sql`select (select count(*)::int from public.orders where company_id = ${shop.id}) as orders,
          (select count(*)::int from public.payments where company_id = ${shop.id}) as payments,
          (select count(*)::int from public.messages where company_id = ${shop.id}) as messages`)[0];
      const before = await count();
      const again = await Promise.all([shop.post(body), shop.post(body)]);
      for (const res of again) {
        const replay = BotliveResponse.parse(await res.json());
        assert.equal(replay.replayed, true);
        assert.equal(replay.reply, first.reply);
        assert.equal(replay.order?.order_number, first.order.order_number);
      }
      assert.deepEqual(await count(), before, "no order, payment or message added by the retries");
    }),
});

Deno.test({
  name:
    "botlive: two customers racing for the last kimono through parallel requests: one order, one told it is sold out",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const [a, b] = [conv(), conv()];
      await shop.say(a, "kimono imprimé, Pikine, 77 111 22 33");
      await shop.say(b, "kimono imprimé, Rufisque, 78 444 55 66");
      const [ra, rb] = await Promise.all([
        shop.say(a, "payé 14 500 FCFA par Wave, réf. WV-A0001"),
        shop.say(b, "paiement 15000 f orange money ref OM-B0002"),
      ]);
      const results = [ra, rb];
      assert.equal(results.filter((r) => r.order).length, 1, "exactly one order");
      const lost = results.find((r) => !r.order)!;
      assert.equal(lost.order_state.status, "out_of_stock");
      assert.match(lost.reply, /épuisé/);
      const [row] = await shop.db.sql`
        select (select stock from public.products where company_id = ${shop.id} and name = 'Kimono imprimé') as stock,
          (select count(*)::int from public.orders where company_id = ${shop.id}) as orders,
          (select count(*)::int from public.activities where company_id = ${shop.id} and type = 'order.out_of_stock') as logged`;
      assert.deepEqual({ ...row }, { stock: 0, orders: 1, logged: 1 });
    }),
});

Deno.test({
  name: "botlive: bad input gets a clear reply or a 4xx in the error contract, and nothing half-written",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      const base = {
        company_id: shop.slug,
        conversation_id: c,
        message_id: "m1",
        customer: { id: c },
        text: "salut",
      };
      const status = async (body: Record<string, unknown>) => {
        const res = await shop.post(body);
        return { status: res.status, body: await res.json() };
      };
      // The error contract for what the integration sends wrong.
      for (
        const [body, code, field] of [
          [{ ...base, message_id: undefined }, 400, /message_id/],
          [{ ...base, customer: undefined }, 400, /customer/],
          [{ ...base, text: undefined }, 400, /text/],
          [{ ...base, text: "x".repeat(4001) }, 400, /text/],
          [{ ...base, company_id: "Pas Une Boutique" }, 400, /company_id/],
        ] as [Record<string, unknown>, number, RegExp][]
      ) {
        const res = await status(body);
        assert.equal(res.status, code, JSON.stringify(res.body));
        assert.match(ErrorBody.parse(res.body).error.message, field);
      }
      const huge = await status({ ...base, text: "a".repeat(100 * 1024) });
      assert.equal(huge.status, 413, "a 100 KB message");
      assert.equal(ErrorBody.parse(huge.body).error.code, "payload_too_large");
      const unknown = await status({ ...base, company_id: "no-such-shop" });
      assert.equal(unknown.status, 404);
      assert.equal(ErrorBody.parse(unknown.body).error.code, "not_found");
      assert.equal(
        (await shop.db
          .sql`select count(*)::int as n from public.conversations where company_id = ${shop.id}`)[0].n,
        0,
        "nothing stored for refused requests",
      );

      // What the customer writes wrong: a clear reply, the draft keeps only what is valid.
      let r = await shop.say(c, "je veux une trottinette électrique");
      assert.match(r.reply, /Je ne trouve pas|catalogue/);
      assert.equal(r.order_state.product, null);
      r = await shop.say(c, "la robe wax M rouge, livraison Pikine, mon numéro 12 34");
      assert.equal(r.order_state.phone, null);
      r = await shop.say(c, "mon numéro est le 66 123 45 67");
      assert.match(r.reply, /n'est pas un numéro de portable sénégalais/);
      assert.equal(r.order_state.phone, null);
      r = await shop.say(c, "77 123 45 67");
      r = await shop.say(c, "j'ai payé -5000 par wave ref NEG-1");
      assert.equal(r.order, null);
      r = await shop.say(c, "j'ai payé 999999999999 par wave ref BIG-1");
      assert.equal(r.order, null);
      const [row] = await shop.db.sql`
        select (select count(*)::int from public.payments where company_id = ${shop.id} and status <> 'insufficient') as accepted,
          (select count(*)::int from public.orders where company_id = ${shop.id}) as orders`;
      assert.deepEqual(
        { ...row },
        { accepted: 0, orders: 0 },
        "no absurd or negative payment accepted, no order",
      );
    }),
});

Deno.test({
  name: "botlive: credentials — the secret key only (the publishable key and a user session are refused)",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const body = {
        company_id: shop.slug,
        conversation_id: "x",
        message_id: "m",
        customer: { id: "x" },
        text: "salut",
      };
      for (const headers of [{}, asVisitor(), await asUser(shop.users.owner)]) {
        const res = await shop.post(body, headers);
        assert.ok([401, 403].includes(res.status), `${res.status}`);
        ErrorBody.parse(await res.json());
      }
    }),
});

Deno.test({
  name: "botlive: « j'annule » drops the order being filled; a request for a human pauses the bot",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await shop.say(c, "un sac en cuir noir");
      let r = await shop.say(c, "finalement j'annule");
      assert.equal(r.order_state.status, "cancelled");
      assert.equal(
        (await shop.db
          .sql`select count(*)::int as n from public.botlive_drafts where company_id = ${shop.id}`)[0].n,
        0,
      );
      r = await shop.say(c, "je veux parler à quelqu'un de la boutique");
      assert.equal(r.escalated, true);
      r = await shop.say(c, "allo ?");
      assert.equal(r.reply, "", "a human has the conversation: the bot stays silent");
      assert.equal(r.escalated, true);
    }),
});

Deno.test({
  name: "botlive: outside a live (rag mode) the bot answers from the knowledge base and takes no order",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const r = await shop.say(conv(), "Quels sont vos frais de livraison pour Pikine ?");
      assert.equal(r.mode, "rag");
      assert.match(r.reply, /2 500 FCFA/);
      const o = await shop.say(conv(), "je veux la robe wax en M");
      assert.match(o.reply, /lives/);
      assert.equal(
        (await shop.db
          .sql`select count(*)::int as n from public.botlive_drafts where company_id = ${shop.id}`)[0].n,
        0,
      );
    }, { live: false }),
});
