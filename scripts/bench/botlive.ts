/**
 * Botlive, measured on a throw-away shop with the seed's catalog (bench.sh's cluster):
 *
 * 1. turn overhead: 8 concurrent customers, each placing orders in a loop (« product, zone,
 *    phone », then the payment proof: two turns an order), through the botlive handler
 *    in-process with the offline extractor (no model): p50/p95 per turn, turns/s, CPU a turn
 *    (this process, and Postgres from /proc);
 * 2. racing: 32 customers at once on a shared catalog of 4 products with 100 in stock each, each
 *    customer ordering until everything is sold: orders/s, and the checks that matter — stock
 *    never negative, sold = created orders per product, at most one order per conversation;
 * 3. dashboard: a shop with 10,000 orders and 100,000 activities, public.botlive_dashboard as a
 *    member (the statement's time on the connection, and through the dashboard handler),
 *    p50/p95 over 300 calls (target p95 ≤ 20 ms server time).
 *
 *   deno run -A scripts/bench/botlive.ts --db <url> --out bench/results/botlive.json
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import process from "node:process";
import { clusterCpu } from "./demo_tenant.ts";
import { round, summary } from "./processes.ts";
import { createBotliveStore } from "../../functions/_shared/botlive/store.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/retrieval.ts";
import { createDb } from "../../functions/_shared/db.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import { createHandler as botliveHandler } from "../../functions/botlive/handler.ts";
import { createHandler as dashboardHandler } from "../../functions/dashboard/handler.ts";
import { asServer, asUser, stackAuthenticator } from "../../tests/support/stack.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/botlive.json" },
    customers: { type: "string", default: "8" },
    orders: { type: "string", default: "400" },
    racers: { type: "string", default: "32" },
    pool: { type: "string", default: "8" },
  },
});
if (!args.db) {
  console.error("usage: botlive.ts --db <postgres url> [--out file]");
  Deno.exit(2);
}
const DB_URL: string = args.db;
const SEED_SHOP = "c0000000-0000-4000-8000-000000000002";
const admin = postgres(DB_URL, { max: 4, onnotice: () => {} });
const db = createDb(DB_URL, { max: Number(args.pool) });
const auth = await stackAuthenticator();
const embedder = createOfflineEmbedder();
const botlive = botliveHandler({
  store: createBotliveStore(db),
  models: {},
  retrieve: knowledgeRetriever({ db, embedder, reranker: null }),
  timeoutMs: 1_000,
  auth,
});
const dashboard = dashboardHandler({ db, auth });
const postgresCpuMs = await clusterCpu(admin);
const secret = asServer();

/** A shop of its own: the seed's catalog (stock as given), zones, an open live, a member. */
async function createShop(slug: string, stock: (name: string) => number | null) {
  const [owner] =
    await admin`insert into auth.users (id, email) values (gen_random_uuid(), ${`${slug}@bench.invalid`}) returning id::text`;
  const [company] =
    await admin`insert into public.companies (slug, name) values (${slug}, ${slug}) returning id::text`;
  await admin`insert into public.company_members (company_id, user_id, role) values (${company.id}, ${owner.id}, 'owner')`;
  const products =
    await admin`select name, description, variants, price, aliases from public.products where company_id = ${SEED_SHOP}`;
  for (const p of products) {
    await admin`insert into public.products (company_id, name, description, variants, price, stock, aliases)
      values (${company.id}, ${p.name}, ${p.description}, ${p.variants}, ${p.price}, ${
      stock(p.name)
    }, ${p.aliases})`;
  }
  await admin`insert into public.delivery_zones (company_id, name, aliases, fee)
    select ${company.id}, name, aliases, fee from public.delivery_zones where company_id = ${SEED_SHOP}`;
  await admin`insert into public.bot_sessions (company_id, mode) values (${company.id}, 'live')`;
  return { id: company.id as string, slug, owner: owner.id as string };
}

async function say(slug: string, conversation: string, message: string, text: string) {
  const res = await botlive(
    new Request("http://x/botlive", {
      method: "POST",
      headers: { "content-type": "application/json", ...secret },
      body: JSON.stringify({
        company_id: slug,
        conversation_id: conversation,
        message_id: message,
        customer: { id: conversation },
        text,
      }),
    }),
  );
  if (res.status !== 200) throw new Error(`botlive ${res.status}: ${await res.text()}`);
  return await res.json();
}

const ITEMS = [
  ["la robe wax rouge en M", 15000],
  ["2 chemises homme wax XL", 25000],
  ["un sac en cuir noir", 18000],
  ["le pagne tissé", 7500],
] as const;
const ZONES = [["Pikine", 2500], ["Médina", 1500], ["Parcelles", 2000], ["Rufisque", 3000]] as const;

// 1. Turn overhead, 8 customers.
async function turnOverhead() {
  const shop = await createShop(`bench-botlive-${Date.now().toString(36)}`, () => null);
  const customers = Number(args.customers);
  const total = Number(args.orders);
  const latencies: number[] = [];
  let turns = 0, orders = 0, next = 0;
  const one = async (warm: boolean) => {
    const i = next++;
    const [item, price] = ITEMS[i % ITEMS.length];
    const [zone, fee] = ZONES[i % ZONES.length];
    const c = `bench-${i}`;
    for (
      const [k, text] of [[1, `${item}, livraison ${zone}, 77 123 45 67`], [
        2,
        `payé ${price + fee} par wave ref BENCH${i}X${shop.slug.slice(-4)}`,
      ]] as const
    ) {
      const t = performance.now();
      const r = await say(shop.slug, c, `${c}-${k}`, text);
      if (!warm) latencies.push(performance.now() - t);
      turns++;
      if (k === 2 && r.order) orders++;
    }
  };
  // Warm-up: plans, pools, JIT.
  await Promise.all(Array.from({ length: customers }, async () => {
    for (let j = 0; j < 5; j++) await one(true);
  }));
  turns = 0;
  orders = 0;
  const fn0 = process.cpuUsage(), pg0 = postgresCpuMs(), t0 = performance.now();
  let remaining = total;
  await Promise.all(Array.from({ length: customers }, async () => {
    while (remaining-- > 0) await one(false);
  }));
  const seconds = (performance.now() - t0) / 1000;
  const fn = process.cpuUsage(fn0);
  const pg = postgresCpuMs() - pg0;
  return {
    customers,
    turns,
    orders_created: orders,
    turn_ms: summary(latencies),
    turns_per_second: round(turns / seconds),
    cpu_ms_per_turn: {
      function: round((fn.user + fn.system) / 1000 / turns),
      postgres: round(pg / turns),
    },
  };
}

// 2. 32 customers racing on a shared catalog.
async function racing() {
  const STOCK = 100;
  const racingItems = ["Robe wax", "Chemise homme wax", "Sac en cuir", "Pagne tissé"];
  const shop = await createShop(
    `bench-race-${Date.now().toString(36)}`,
    (name) => racingItems.includes(name) ? STOCK : 0,
  );
  const racers = Number(args.racers);
  let created = 0, soldOut = 0, next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: racers }, async (_, racer) => {
    let exhausted = 0;
    while (exhausted < ITEMS.length) {
      const i = next++;
      const [item, price] = ITEMS[(i + racer) % ITEMS.length];
      const quantity = item.startsWith("2 ") ? 2 : 1;
      const unit = quantity === 2 ? price / 2 : price;
      const c = `race-${i}`;
      await say(shop.slug, c, `${c}-1`, `${item}, livraison Pikine, 77 123 45 67`);
      const r = await say(
        shop.slug,
        c,
        `${c}-2`,
        `payé ${unit * quantity + 2500} par wave ref RACE${i}X${shop.slug.slice(-4)}`,
      );
      if (r.order) created++;
      else if (r.order_state.status === "out_of_stock") {
        soldOut++;
        exhausted++;
      } else throw new Error(`race: unexpected reply ${r.reply}`);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const stock = await admin`select p.name, p.stock,
      coalesce((select sum((i ->> 'quantity')::integer) from public.orders o, jsonb_array_elements(o.items) i
        where o.company_id = p.company_id and (i ->> 'product_id')::uuid = p.id), 0)::integer as sold
    from public.products p where p.company_id = ${shop.id} and p.name = any(${racingItems})`;
  const [{ doubles }] = await admin`select count(*)::integer as doubles from (
      select conversation_id from public.orders where company_id = ${shop.id} group by 1 having count(*) > 1) d`;
  const [{ orders }] =
    await admin`select count(*)::integer as orders from public.orders where company_id = ${shop.id}`;
  const checks = {
    stock_never_negative: stock.every((p) => p.stock >= 0),
    sold_equals_stock_taken: stock.every((p) => p.sold === STOCK - p.stock),
    no_double_order: doubles === 0,
    orders_in_database_equal_created: orders === created,
  };
  if (!Object.values(checks).every(Boolean)) {
    throw new Error(`race checks failed: ${JSON.stringify({ checks, stock })}`);
  }
  return {
    racers,
    stock_per_product: STOCK,
    products: racingItems.length,
    orders_created: created,
    sold_out_replies: soldOut,
    seconds: round(seconds),
    orders_per_second: round(created / seconds),
    final_stock: Object.fromEntries(stock.map((p) => [p.name, p.stock])),
    checks,
  };
}

// 3. The dashboard of a shop with 10,000 orders and 100,000 activities.
async function dashboardAtScale() {
  const shop = await createShop(`bench-dash-${Date.now().toString(36)}`, () => null);
  const [product] =
    await admin`select id, name, price from public.products where company_id = ${shop.id} and name = 'Robe wax'`;
  const [zone] =
    await admin`select id, name, fee from public.delivery_zones where company_id = ${shop.id} and name = 'Pikine'`;
  await admin`insert into private.order_numbers (company_id, last_number) values (${shop.id}, 10000)`;
  // 10,000 orders over the last 30 days (their triggers write 10,000 activities and the usage).
  await admin`
    insert into public.orders (company_id, number, customer_name, customer_phone, delivery_zone_id, delivery_zone, delivery_fee,
      items, items_total, total_amount, status, payment_status, source, created_at)
    select ${shop.id}, g, 'Client ' || g, '+22177' || lpad(g::text, 7, '0'), ${zone.id}, ${zone.name}, ${zone.fee},
      jsonb_build_array(jsonb_build_object('product_id', ${product.id}::uuid, 'name', ${product.name}::text, 'variant', '{}'::jsonb,
        'quantity', 1, 'unit_price', ${product.price}::integer)),
      ${product.price}, ${product.price + zone.fee},
      (array['pending', 'confirmed', 'shipped', 'delivered', 'cancelled'])[1 + g % 5], 'paid', 'manual',
      now() - (g || ' minutes')::interval * 4
    from generate_series(1, 10000) g`;
  await admin`
    insert into public.activities (company_id, type, title, description, status, metadata, created_at)
    select ${shop.id}, 'order.status_changed', 'Commande CMD-' || g || ' confirmée', 'En attente → confirmée', 'info',
      jsonb_build_object('customer_name', 'Client ' || g, 'produit', 'Robe wax'), now() - (g || ' seconds')::interval * 26
    from generate_series(1, 90000) g`;
  // A few conversations being filled.
  for (let i = 0; i < 20; i++) {
    await say(shop.slug, `dash-${i}`, `dash-${i}-1`, "la robe wax rouge en M, Pikine");
  }
  await admin`analyze public.orders, public.activities, public.botlive_drafts, public.bot_usage`;
  const [{ activities }] =
    await admin`select count(*)::integer as activities from public.activities where company_id = ${shop.id}`;
  const [{ orders }] =
    await admin`select count(*)::integer as orders from public.orders where company_id = ${shop.id}`;

  // The statement as the member (what the function runs), on one connection.
  const member = postgres(DB_URL, { max: 1, onnotice: () => {} });
  const claims = JSON.stringify({ sub: shop.owner, role: "authenticated" });
  const statement: number[] = [];
  const handler: number[] = [];
  const headers = await asUser(shop.owner);
  for (let i = 0; i < 330; i++) {
    await member.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${claims}, true), set_config('role', 'authenticated', true)`;
      const t = performance.now();
      await tx`select public.botlive_dashboard(${shop.slug}) as d`;
      if (i >= 30) statement.push(performance.now() - t);
    });
    const t = performance.now();
    const res = await dashboard(
      new Request("http://x/dashboard", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ company_id: shop.slug }),
      }),
    );
    await res.json();
    if (i >= 30) handler.push(performance.now() - t);
  }
  await member.end();
  const statementSummary = summary(statement);
  return {
    orders,
    activities,
    calls: statement.length,
    statement_ms: statementSummary,
    handler_ms: summary(handler),
    target_p95_ms: 20,
    met: statementSummary.p95 <= 20,
  };
}

let results;
try {
  const turn = await turnOverhead();
  console.log(
    `turn overhead (${turn.customers} customers, ${turn.turns} turns): p50 ${turn.turn_ms.p50} ms, p95 ${turn.turn_ms.p95} ms, ${turn.turns_per_second} turns/s, CPU ${turn.cpu_ms_per_turn.function} + ${turn.cpu_ms_per_turn.postgres} ms a turn`,
  );
  const race = await racing();
  console.log(
    `racing (${race.racers} customers, ${race.products} × ${race.stock_per_product} in stock): ${race.orders_created} orders in ${race.seconds} s = ${race.orders_per_second} orders/s; ${race.sold_out_replies} sold-out replies; checks ${
      JSON.stringify(race.checks)
    }`,
  );
  const dash = await dashboardAtScale();
  console.log(
    `dashboard (${dash.orders} orders, ${dash.activities} activities): statement p50 ${dash.statement_ms.p50} / p95 ${dash.statement_ms.p95} ms (target ≤ 20: ${
      dash.met ? "met" : "NOT met"
    }); handler p50 ${dash.handler_ms.p50} / p95 ${dash.handler_ms.p95} ms`,
  );
  results = {
    machine: "2 cores (this machine)",
    date: new Date().toISOString(),
    turn,
    race,
    dashboard: dash,
  };
} finally {
  await admin`delete from public.companies where slug like 'bench-botlive-%' or slug like 'bench-race-%' or slug like 'bench-dash-%'`;
  await admin`delete from auth.users where email like 'bench-%@bench.invalid'`;
  await db.end();
  await admin.end();
}
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
console.log(`written ${args.out}`);
