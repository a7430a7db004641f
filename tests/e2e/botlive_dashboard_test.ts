// The shop's side of Botlive: toggle-live-mode, orders and dashboard, in-process on the test
// database, called with the sessions of the shop's owner, admin and member, another shop's
// owner, the publishable key alone and the secret key.
import assert from "node:assert/strict";
import { DashboardResponse, ErrorBody, type Order, ToggleLiveResponse } from "../../types/api.ts";
import { asServer, asUser, asVisitor, stack } from "../support/stack.ts";
import { call, dashboard, db, orders, toggle } from "../fixtures/botlive/back_office.ts";
import { createTestShop } from "../fixtures/botlive/shop.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

Deno.test({
  name:
    "toggle-live-mode: admins and owners open and close the live (twice = the same session); members, strangers and the public key are refused",
  ignore,
  async fn() {
    const shop = await createTestShop(stack.dbUrl, { live: false, knowledge: false });
    const other = await createTestTenant(stack.dbUrl);
    try {
      const admin = await asUser(shop.users.admin);
      const first = await call(toggle, "POST", admin, { company_id: shop.slug, enable: true });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const opened = ToggleLiveResponse.parse(first.body);
      assert.equal(opened.status, "enabled");
      const [again, parallel] = await Promise.all([
        call(toggle, "POST", await asUser(shop.users.owner), { company_id: shop.slug, enable: true }),
        call(toggle, "POST", admin, { company_id: shop.id, enable: true }),
      ]);
      assert.equal(again.body.session_id, opened.session_id, "enabling twice returns the same open session");
      assert.equal(parallel.body.session_id, opened.session_id);
      for (
        const [headers, status] of [
          [await asUser(shop.users.member), 403],
          [await asUser(other.users.owner), 403],
          [asVisitor(), 401],
          [{}, 401],
        ] as [Record<string, string>, number][]
      ) {
        const res = await call(toggle, "POST", headers, { company_id: shop.slug, enable: false });
        assert.equal(res.status, status, JSON.stringify(res.body));
        ErrorBody.parse(res.body);
      }
      const bad = await call(toggle, "POST", admin, { company_id: shop.slug, enable: "yes" });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /enable/);
      const closed = ToggleLiveResponse.parse(
        (await call(toggle, "POST", admin, { company_id: shop.slug, enable: false })).body,
      );
      assert.equal(closed.status, "disabled");
      assert.equal(closed.session_id, opened.session_id);
      assert.ok(closed.ended_at);
      const [{ n }] = await db
        .sql`select count(*)::int as n from public.bot_sessions where company_id = ${shop.id}`;
      assert.equal(n, 1, "one session was opened");
    } finally {
      await shop.drop();
      await other.drop();
    }
  },
});

Deno.test({
  name:
    "orders: members list by status with pagination and read one; admins create (prices from the database) and change statuses (409 on an illegal one); strangers 403/404",
  ignore,
  async fn() {
    const shop = await createTestShop(stack.dbUrl, { knowledge: false });
    const other = await createTestTenant(stack.dbUrl);
    try {
      const admin = await asUser(shop.users.admin);
      const member = await asUser(shop.users.member);
      const pagne = await shop.productId("Pagne tissé");
      const [zone] = await db
        .sql`select id::text from public.delivery_zones where company_id = ${shop.id} and name = 'Pikine'`;
      const created: Order[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(orders, "POST", admin, {
          company_id: shop.slug,
          customer_name: `Client ${i}`,
          customer_phone: "77 123 45 67",
          delivery_zone_id: zone.id,
          items: [{ product_id: pagne, quantity: 2 }],
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        created.push(res.body.order);
      }
      assert.equal(created[0].total_amount, 2 * 7500 + 2500);
      assert.equal(created[0].customer_phone, "+221771234567");
      assert.deepEqual(created.map((o) => o.order_number), ["CMD-0001", "CMD-0002", "CMD-0003"]);

      const page = await call(
        orders,
        "GET",
        member,
        undefined,
        `?company_id=${shop.slug}&status=pending&limit=2`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.equal(page.body.total, 3);
      assert.deepEqual(page.body.orders.map((o: Order) => o.order_number), ["CMD-0003", "CMD-0002"]);
      const next = await call(
        orders,
        "GET",
        member,
        undefined,
        `?company_id=${shop.slug}&status=pending&limit=2&offset=2`,
      );
      assert.deepEqual(next.body.orders.map((o: Order) => o.order_number), ["CMD-0001"]);
      const one = await call(
        orders,
        "GET",
        member,
        undefined,
        `?company_id=${shop.slug}&id=${created[1].id}`,
      );
      assert.equal(one.body.order.order_number, "CMD-0002");

      const patch = (headers: Record<string, string>, status: string, id = created[0].id) =>
        call(orders, "PATCH", headers, { company_id: shop.slug, id, status });
      assert.equal((await patch(member, "confirmed")).status, 403, "a member reads but does not write");
      assert.equal((await patch(admin, "confirmed")).body.order.status, "confirmed");
      const illegal = await patch(admin, "pending");
      assert.equal(illegal.status, 409);
      assert.equal(ErrorBody.parse(illegal.body).error.code, "conflict");
      assert.equal((await patch(admin, "cancelled")).body.order.status, "cancelled");
      const [{ stock }] = await db.sql`select stock from public.products where id = ${pagne}`;
      assert.equal(stock, null, "unlimited stock stays unlimited");

      const stranger = await asUser(other.users.owner);
      assert.equal((await call(orders, "GET", stranger, undefined, `?company_id=${shop.slug}`)).status, 403);
      assert.equal(
        (await call(orders, "GET", stranger, undefined, `?company_id=${shop.slug}&id=${created[1].id}`))
          .status,
        404,
      );
      assert.equal((await patch(stranger, "confirmed", created[1].id)).status, 404);
      const refused = await call(orders, "POST", member, {
        company_id: shop.slug,
        items: [{ product_id: pagne }],
      });
      assert.equal(refused.status, 403);
      for (
        const body of [
          { company_id: shop.slug, items: [] },
          { company_id: shop.slug, items: [{ product_id: "pas-un-uuid" }] },
          { company_id: shop.slug, items: [{ product_id: pagne, quantity: -1 }] },
          { company_id: shop.slug, items: [{ product_id: pagne }], customer_phone: "12 34" },
          { company_id: shop.slug, items: [{ product_id: crypto.randomUUID() }] },
        ]
      ) {
        const res = await call(orders, "POST", admin, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        ErrorBody.parse(res.body);
      }
      const [{ n }] = await db
        .sql`select count(*)::int as n from public.orders where company_id = ${shop.id}`;
      assert.equal(n, 3, "nothing half-written by the refused requests");
      assert.equal(
        (await call(orders, "GET", asServer(), undefined, `?company_id=${shop.slug}`)).body.total,
        3,
        "the secret key reads too",
      );
    } finally {
      await shop.drop();
      await other.drop();
    }
  },
});

Deno.test({
  name:
    "dashboard: one call — the live, the feed with French relative times, the orders being filled with their slots, today's figures; members only",
  ignore,
  async fn() {
    const shop = await createTestShop(stack.dbUrl, { knowledge: false });
    const other = await createTestTenant(stack.dbUrl);
    try {
      await shop.say("wa-a", "la robe wax rouge M, Pikine, 77 123 45 67");
      await shop.say("wa-a", "payé 17500 par wave ref WV-DASH1");
      await shop.say("wa-b", "un sac en cuir noir");
      await shop.say("wa-b", "Médina");
      const res = await call(dashboard, "POST", await asUser(shop.users.member), { company_id: shop.slug });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = DashboardResponse.parse(res.body);
      assert.equal(body.live.enabled, true);
      assert.ok(body.live.session_id);
      const created = body.activity.find((a) => a.type === "order.created")!;
      assert.match(created.title, /^Nouvelle commande CMD-0001$/);
      assert.equal(created.client, "Cliente");
      assert.equal(created.produit, "Robe wax (rouge, M)");
      assert.equal(created.relative_time, "à l'instant");
      const draft = body.active_orders.find((o) => o.kind === "draft")!;
      assert.deepEqual(
        {
          produit: draft.produit,
          zone: draft.zone,
          numero: draft.numero,
          paiement: draft.paiement,
          rate: draft.completion_rate,
        },
        { produit: "done", zone: "done", numero: "missing", paiement: "missing", rate: 50 },
      );
      assert.equal(draft.total_amount, 19500, "18 000 + 1 500, from the database");
      const order = body.active_orders.find((o) => o.kind === "order")!;
      assert.equal(order.order_number, "CMD-0001");
      assert.equal(order.completion_rate, 100);
      assert.equal(body.stats.today.orders, 1);
      assert.equal(body.stats.today.revenue, 17500);
      assert.equal(body.stats.today.conversations, 2);
      assert.equal(body.stats.today.messages, 8);
      assert.equal(body.stats.last_7_days.revenue, 17500);

      const get = await call(
        dashboard,
        "GET",
        await asUser(shop.users.owner),
        undefined,
        `?company_id=${shop.id}`,
      );
      assert.equal(get.status, 200);
      for (
        const [headers, status] of [
          [await asUser(other.users.owner), 403],
          [asVisitor(), 401],
        ] as [Record<string, string>, number][]
      ) {
        const refused = await call(dashboard, "POST", headers, { company_id: shop.slug });
        assert.equal(refused.status, status);
        ErrorBody.parse(refused.body);
      }
      assert.equal((await call(dashboard, "POST", await asUser(shop.users.member), {})).status, 400);
    } finally {
      await shop.drop();
      await other.drop();
    }
  },
});

Deno.test({ name: "botlive dashboard tests: close the pool", ignore, fn: () => db.end() });
