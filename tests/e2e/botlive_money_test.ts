// Botlive's money paths, end to end (the botlive and orders handlers in-process on the test
// database, the offline extractor): a customer's proof is a claim the shop verifies, references
// are one once normalised, negative and foreign amounts are never francs, every acknowledged
// proof is a row, money owed back is recorded until settled, and the same message delivered
// many times at once is answered once. Everything is read back from the database.
import assert from "node:assert/strict";
import { DashboardResponse, ErrorBody, Order, Refund } from "../../types/api.ts";
import { asUser, stack } from "../support/stack.ts";
import { call, dashboard, orders, toggle } from "../fixtures/botlive/back_office.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

async function withShop(fn: (shop: TestShop) => Promise<void>) {
  const shop = await createTestShop(stack.dbUrl, { knowledge: false });
  try {
    await fn(shop);
  } finally {
    await shop.drop();
  }
}

const conv = () => `wa-${crypto.randomUUID().slice(0, 8)}`;

/** A kimono-free order ready for its proof: Sac en cuir (noir) to Pikine, 18 000 + 2 500. */
async function readyForProof(shop: TestShop, c: string) {
  await shop.say(c, "je veux le sac en cuir noir");
  const r = await shop.say(c, "livraison Pikine, 77 123 45 67");
  assert.equal(r.order_state.payment.required, 20500);
}

async function activities(shop: TestShop, type: string) {
  return await shop.db.sql<{ title: string; description: string }[]>`
    select title, description from public.activities where company_id = ${shop.id} and type = ${type} order by created_at`;
}

Deno.test({
  name:
    "botlive money: a proof is a claim — the order waits to_verify (stock held), the feed says « Preuve reçue — à vérifier », a member confirms once (who, when), the dashboard shows what waits",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await readyForProof(shop, c);
      const r = await shop.say(c, "j'ai payé 20 500 par Wave réf. TXNQWERTYAB");
      assert.ok(r.order, r.reply);
      assert.equal(r.order.payment_status, "to_verify");
      assert.match(r.reply, /Preuve de paiement reçue \(20 500 FCFA\) : la boutique la vérifie/);
      assert.doesNotMatch(r.reply, /payé \(/, "the bot does not say it is paid");
      const [row] = await shop.db.sql`
        select o.payment_status, p.stock from public.orders o, public.products p
        where o.id = ${r.order.id} and p.company_id = ${shop.id} and p.name = 'Sac en cuir'`;
      assert.deepEqual(
        { ...row },
        { payment_status: "to_verify", stock: 5 },
        "stock held while it is checked",
      );
      assert.deepEqual((await activities(shop, "payment.to_verify")).map((a) => a.title), [
        "Preuve reçue — à vérifier : 20 500 FCFA (Wave)",
      ]);
      assert.equal(
        (await activities(shop, "payment.validated")).length,
        0,
        "no « Paiement validé » for a claim",
      );

      const member = await asUser(shop.users.member);
      const board = await call(dashboard, "GET", member, undefined, `?company_id=${shop.slug}`);
      assert.equal(board.status, 200, JSON.stringify(board.body));
      const parsed = DashboardResponse.parse(board.body);
      assert.deepEqual({ count: parsed.to_verify.count, amount: parsed.to_verify.amount }, {
        count: 1,
        amount: 20500,
      });
      assert.deepEqual(parsed.to_verify.orders[0].references, ["TXNQWERTYAB"]);
      assert.equal(parsed.active_orders.find((o) => o.id === r.order!.id)?.paiement, "to_verify");

      const stranger = await createTestTenant(stack.dbUrl);
      try {
        const other = await call(orders, "PATCH", await asUser(stranger.users.owner), {
          company_id: shop.slug,
          id: r.order.id,
          payment: { decision: "confirm" },
        });
        assert.equal(other.status, 404, "another shop's owner cannot confirm it");
      } finally {
        await stranger.drop();
      }
      const confirmed = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        id: r.order.id,
        payment: { decision: "confirm", note: "vu sur Wave Business" },
      });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      const order = Order.parse(confirmed.body.order);
      assert.equal(order.payment_status, "paid");
      assert.equal(order.payment_verified_by, shop.users.member);
      assert.ok(order.payment_verified_at);
      const again = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        id: r.order.id,
        payment: { decision: "refuse" },
      });
      assert.equal(again.status, 409, "decided once");
      assert.equal(ErrorBody.parse(again.body).error.code, "conflict");
      assert.deepEqual((await activities(shop, "payment.validated")).map((a) => a.title), [
        "Paiement validé : 20 500 FCFA (Wave)",
      ]);
    }),
});

Deno.test({
  name:
    "botlive money: references are one once normalised (FAKE-0001 = FAKE.0001 = FAKE_0001 = « fake0001 »); a reference starting with N keeps its N",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const first = conv();
      await readyForProof(shop, first);
      const paid = await shop.say(first, "payé 20500 par wave ref FAKE-0001");
      assert.ok(paid.order, paid.reply);
      for (const reference of ["FAKE.0001", "FAKE_0001", " fake0001 "]) {
        const c = conv();
        await readyForProof(shop, c);
        const r = await shop.say(c, `payé 20500 par wave ref ${reference}`);
        assert.equal(r.order, null, reference);
        assert.match(r.reply, /déjà été utilisée/, reference);
      }
      const [{ orders: count }] = await shop.db.sql`
        select count(*)::int as orders from public.orders where company_id = ${shop.id}`;
      assert.equal(count, 1, "one reference paid one order");
      const n = conv();
      await readyForProof(shop, n);
      const r = await shop.say(n, "paiement 20500 wave réf n° NEG00001");
      assert.ok(r.order, r.reply);
      const [proof] = await shop.db.sql`select reference from public.payments where order_id = ${r.order.id}`;
      assert.equal(proof.reference, "NEG00001");
    }),
});

Deno.test({
  name:
    "botlive money: « -9000 F » is refused, « 9000 EUR » and « $9000 » are asked about; none is counted as francs",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await readyForProof(shop, c);
      let r = await shop.say(c, "j'ai payé -9000 F par wave ref ABCD1234");
      assert.match(r.reply, /« -9000 f » n'est pas valable/i);
      r = await shop.say(c, "j'ai envoyé 9000 EUR par wave ref EURO0001");
      assert.match(r.reply, /9000 EUR.*francs CFA/);
      r = await shop.say(c, "payé $9000 wave ref DOLL0001");
      assert.match(r.reply, /9000 USD.*francs CFA/);
      assert.equal(r.order_state.payment.paid, 0);
      const [{ n }] = await shop.db
        .sql`select count(*)::int as n from public.payments where company_id = ${shop.id}`;
      assert.equal(n, 0, "no proof recorded");
    }),
});

Deno.test({
  name:
    "botlive money: every proof the bot acknowledges is a row, before the order is known (« j'ai payé 21500 par MTN MoMo ref … »)",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      const r = await shop.say(c, "j'ai payé 21500 par MTN MoMo ref MM240517XYZ");
      assert.match(r.reply, /J'ai bien reçu votre preuve de paiement de 21 500 FCFA \(réf\. MM240517XYZ\)/);
      const rows = await shop.db.sql`
        select amount, reference, status from public.payments where company_id = ${shop.id}`;
      assert.deepEqual(rows.map((p) => ({ ...p })), [{
        amount: 21500,
        reference: "MM240517XYZ",
        status: "to_verify",
      }]);
      // It pays the order once it is known.
      await shop.say(c, "le sac en cuir noir");
      const placed = await shop.say(c, "livraison Médina, 77 123 45 67");
      assert.ok(placed.order, placed.reply);
      assert.equal(placed.order.total_amount, 19500);
      assert.match(placed.reply, /2 000 FCFA de plus que le total : la boutique vous les rendra/);
    }),
});

Deno.test({
  name:
    "botlive money: money owed back — change over the total, a proof kept after a sell-out, a cancelled draft — on the dashboard and in the feed until a member settles it; closing the live with a paid draft raises an alert",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      // The kimono (stock 1) to the first; the second has paid and is owed back.
      const winner = conv();
      const loser = conv();
      for (const c of [winner, loser]) {
        await shop.say(c, "le kimono imprimé svp, livraison Médina, 77 123 45 67");
      }
      const w = await shop.say(winner, "payé 15000 par wave ref WIN00001");
      assert.ok(w.order, w.reply);
      const l = await shop.say(loser, "payé 13500 par wave ref LOSE0001");
      assert.equal(l.order_state.status, "out_of_stock");
      assert.match(l.reply, /Votre paiement de 13 500 FCFA vous sera remboursé par la boutique/);
      // A paid draft cancelled.
      const quitter = conv();
      await readyForProof(shop, quitter);
      await shop.say(quitter, "10000 par wave ref QUIT0001");
      const q = await shop.say(quitter, "j'annule");
      assert.match(q.reply, /10 000 FCFA vous sera remboursé/);

      const member = await asUser(shop.users.member);
      const board = DashboardResponse.parse(
        (await call(dashboard, "GET", member, undefined, `?company_id=${shop.slug}`)).body,
      );
      assert.deepEqual(
        board.refunds.items.map((r) => [r.kind, r.reason, r.amount, r.status]),
        [
          ["change", "overpaid", 1500, "to_verify"],
          ["refund", "sold_out", 13500, "to_verify"],
          ["refund", "draft_cancelled", 10000, "to_verify"],
        ],
        "built on claims nobody checked yet",
      );
      assert.deepEqual({ amount: board.refunds.amount, to_verify_amount: board.refunds.to_verify_amount }, {
        amount: 0,
        to_verify_amount: 25000,
      });
      const feed = (await activities(shop, "refund.owed")).map((a) => a.title);
      assert.deepEqual(feed, [
        "Monnaie à rendre (paiement à vérifier) : Cliente, 1 500 FCFA",
        "Remboursement dû (paiement à vérifier) : Cliente, 13 500 FCFA",
        "Remboursement dû (paiement à vérifier) : Cliente, 10 000 FCFA",
      ]);

      const early = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        refund_id: board.refunds.items[1].id,
        settled: true,
      });
      assert.equal(early.status, 409, "an unchecked claim is not settled");
      const mixed = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        refund_id: board.refunds.items[1].id,
        settled: true,
        payment: { decision: "confirm" },
      });
      assert.equal(mixed.status, 400, "one decision a call");
      const checked = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        refund_id: board.refunds.items[1].id,
        payment: { decision: "confirm" },
      });
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      assert.equal(Refund.parse(checked.body.refund).status, "owed");
      const settle = await call(orders, "PATCH", member, {
        company_id: shop.slug,
        refund_id: board.refunds.items[1].id,
        settled: true,
        note: "rendu par Wave",
      });
      assert.equal(settle.status, 200, JSON.stringify(settle.body));
      const settled = Refund.parse(settle.body.refund);
      assert.equal(settled.status, "settled");
      assert.equal(settled.settled_by, shop.users.member);
      assert.equal(
        (await call(orders, "PATCH", member, {
          company_id: shop.slug,
          refund_id: settled.id,
          settled: true,
        })).status,
        409,
      );

      // A paid draft left when the live closes.
      const late = conv();
      await readyForProof(shop, late);
      await shop.say(late, "5000 par wave ref LATE0001");
      const closed = await call(toggle, "POST", await asUser(shop.users.owner), {
        company_id: shop.slug,
        enable: false,
      });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      assert.deepEqual((await activities(shop, "session.unfinished_paid")).map((a) => a.title), [
        "Live fermé : 1 commande(s) payée(s) non terminée(s), 5 000 FCFA",
      ]);
    }),
});

Deno.test({
  name:
    "botlive money: the same message_id delivered 20 times at once is processed once (the others: the stored reply or a 409), no rejected proof; 20 different proofs at once in one conversation are each answered",
  ignore,
  fn: () =>
    withShop(async (shop) => {
      const c = conv();
      await readyForProof(shop, c);
      const body = {
        company_id: shop.slug,
        conversation_id: c,
        message_id: `wamid-${crypto.randomUUID()}`,
        customer: { id: c, name: "Cliente" },
        text: "payé 20500 par wave ref SAME0001",
      };
      const responses = await Promise.all(Array.from({ length: 20 }, () => shop.post(body)));
      const statuses = responses.map((r) => r.status);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      assert.ok(statuses.every((s) => s === 200 || s === 409), JSON.stringify(statuses));
      assert.ok(statuses.includes(200));
      for (const [i, b] of bodies.entries()) {
        if (statuses[i] === 409) assert.equal(ErrorBody.parse(b).error.code, "conflict");
      }
      const answered = bodies.filter((_, i) => statuses[i] === 200);
      assert.equal(answered.filter((b) => !b.replayed).length, 1, "processed once");
      const [counts] = await shop.db.sql`
        select (select count(*)::int from public.payments where company_id = ${shop.id}) as proofs,
          (select count(*)::int from public.payments where company_id = ${shop.id} and status = 'rejected') as rejected,
          (select count(*)::int from public.orders where company_id = ${shop.id}) as orders,
          (select count(*)::int from public.activities where company_id = ${shop.id} and type = 'payment.rejected') as refused`;
      assert.deepEqual({ ...counts }, { proofs: 1, rejected: 0, orders: 1, refused: 0 });

      const d = conv();
      await readyForProof(shop, d);
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          shop.post({
            company_id: shop.slug,
            conversation_id: d,
            message_id: `wamid-${crypto.randomUUID()}`,
            customer: { id: d, name: "Cliente" },
            text: `payé 1100 par wave ref PART${String.fromCharCode(65 + i)}XYZ`,
          })),
      );
      const manyStatuses = many.map((r) => r.status);
      const manyBodies = await Promise.all(many.map((r) => r.json()));
      assert.deepEqual(
        manyStatuses,
        Array(20).fill(200),
        `each message answered, none a 400: ${JSON.stringify(manyBodies.filter((b) => b.error))}`,
      );
      const [after] = await shop.db.sql`
        select (select count(*)::int from public.payments p join public.conversations c on c.id = p.conversation_id
                 where c.external_id = ${d} and p.status = 'to_verify') as proofs,
          (select count(*)::int from public.orders o join public.conversations c on c.id = o.conversation_id
                 where c.external_id = ${d}) as orders`;
      assert.deepEqual({ ...after }, { proofs: 20, orders: 1 }, "every proof a row, one order");
    }),
});
