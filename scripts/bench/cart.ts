/**
 * Botlive's cart under a rush, on a throw-away shop (bench.sh's cluster): one article with 20 in
 * stock and 500 customers, each with a complete draft (the article, a zone, a phone), who all
 * call public.botlive_hold_cart through a pool of 100 connections — once as fast as the pool
 * goes (burst), once with their arrivals spread evenly over 5 s (spread), and once one after
 * another (sequential: what a call costs without contention).
 *
 * Each call is one statement that reads clock_timestamp() before calling the function (the
 * arrival as the database saw it) and after it. Checked: held = 20 and oversold 0, the stock at
 * 0 and never negative, everyone else in the waitlist with positions 1…480 in the order the
 * database served them, and how far the winners and the line are from the order of arrival
 * (inversions: pairs served in the opposite order of their arrival). Then the 20 holds expire
 * (expires_at moved into the past, public.botlive_expire_holds()) and the stock must go to
 * waitlist positions 1–20 exactly.
 *
 *   deno run -A scripts/bench/cart.ts --db <url> --out bench/results/cart.json
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/cart.json" },
    customers: { type: "string", default: "500" },
    stock: { type: "string", default: "20" },
    pool: { type: "string", default: "100" },
    "spread-ms": { type: "string", default: "5000" },
    seed: { type: "string", default: "20261207" },
  },
});
if (!args.db) {
  console.error("usage: cart.ts --db <postgres url> [--out file]");
  Deno.exit(2);
}
const CUSTOMERS = Number(args.customers);
const STOCK = Number(args.stock);
const POOL = Number(args.pool);
const SPREAD_MS = Number(args["spread-ms"]);
const log = (text: string) => console.error(`[bench cart] ${text}`);

const admin = postgres(args.db, { max: 2, onnotice: () => {} });
const pool = postgres(args.db, { max: POOL, onnotice: () => {}, idle_timeout: 0 });

/** mulberry32: the customers' order of arrival is the same from one run to the next. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Pairs (a before b in `served`) where b arrived strictly before a. */
function inversions(served: string[], arrival: Map<string, number>): number {
  let count = 0;
  for (let i = 0; i < served.length; i++) {
    for (let j = i + 1; j < served.length; j++) {
      if (arrival.get(served[j])! < arrival.get(served[i])!) count++;
    }
  }
  return count;
}

interface Shop {
  id: string;
  slug: string;
  owner: string;
  zone: string;
}

async function createShop(): Promise<Shop> {
  const slug = `bench-cart-${Date.now().toString(36)}`;
  const [owner] = await admin`
    insert into auth.users (id, email) values (gen_random_uuid(), ${`${slug}@bench.invalid`}) returning id::text`;
  const [company] =
    await admin`insert into public.companies (slug, name) values (${slug}, ${slug}) returning id::text`;
  await admin`insert into public.company_members (company_id, user_id, role) values (${company.id}, ${owner.id}, 'owner')`;
  const [zone] = await admin`
    insert into public.delivery_zones (company_id, name, fee) values (${company.id}, 'Pikine', 2500) returning id::text`;
  return { id: company.id, slug, owner: owner.id, zone: zone.id };
}

/** A new article with STOCK in stock and CUSTOMERS conversations whose drafts are complete. */
async function stage(shop: Shop, label: string) {
  const [product] = await admin`
    insert into public.products (company_id, name, price, stock)
    values (${shop.id}, ${`Robe wax édition limitée (${label})`}, 15000, ${STOCK}) returning id::text`;
  const drafts = await admin<{ id: string }[]>`
    with c as (
      insert into public.conversations (company_id, channel, external_id)
      select ${shop.id}, 'botlive', ${`wa-${label}-`} || g from generate_series(1, ${CUSTOMERS}) g
      returning id
    )
    insert into public.botlive_drafts (conversation_id, company_id, product_id, quantity, delivery_zone_id, phone)
    select c.id, ${shop.id}, ${product.id}, 1, ${shop.zone}, '+22177' || (1000000 + row_number() over ())::text
    from c
    returning conversation_id::text as id`;
  return { product: product.id as string, conversations: drafts.map((d) => d.id) };
}

/** Opens every connection of the pool and compiles the function on each (an unknown conversation: P0002). */
async function warm(shop: Shop) {
  await Promise.all(Array.from({ length: POOL }, () => pool`select pg_sleep(0.2)`));
  await Promise.all(
    Array.from({ length: POOL }, () =>
      pool`
        with a as materialized (select clock_timestamp() as t)
        select (extract(epoch from a.t) * 1e6)::bigint::text as arrived,
          public.botlive_hold_cart(${shop.slug}, gen_random_uuid()) as result,
          (extract(epoch from clock_timestamp()) * 1e6)::bigint::text as done
        from a`.catch(() => null)),
  );
}

/** burst: every call at once; spread: evenly over SPREAD_MS; sequential: one after another (the uncontended cost). */
type Mode = "burst" | "spread" | "sequential";
const ARRIVALS: Record<Mode, string> = {
  burst: "all at once, as fast as the pool goes",
  spread: `evenly over ${SPREAD_MS} ms (customers shuffled)`,
  sequential: "one after another on one connection (no contention: the cost of a call)",
};

interface Call {
  conversation: string;
  arrived: number; // µs, clock_timestamp() before the call
  done: number; // µs, clock_timestamp() after it (before the commit)
  clientMs: number;
  result: { status: string; sold_out?: { waitlist?: { position: number } | null }[] } | null;
  error: string | null;
}

async function holdCart(shop: Shop, conversation: string): Promise<Call> {
  const t = performance.now();
  try {
    const [row] = await pool`
      with a as materialized (select clock_timestamp() as t)
      select (extract(epoch from a.t) * 1e6)::bigint::text as arrived,
        public.botlive_hold_cart(${shop.slug}, ${conversation}::uuid) as result,
        (extract(epoch from clock_timestamp()) * 1e6)::bigint::text as done
      from a`;
    return {
      conversation,
      arrived: Number(row.arrived),
      done: Number(row.done),
      clientMs: performance.now() - t,
      result: row.result,
      error: null,
    };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return {
      conversation,
      arrived: NaN,
      done: NaN,
      clientMs: performance.now() - t,
      result: null,
      error: e.code ?? e.message ?? "?",
    };
  }
}

async function rush(shop: Shop, mode: Mode, seed: number) {
  const { product, conversations } = await stage(shop, mode);
  await warm(shop);
  const order = shuffled(conversations, prng(seed));
  const start = performance.now() + 20;
  const calls: Call[] = [];
  if (mode === "sequential") {
    for (const conversation of order) calls.push(await holdCart(shop, conversation));
  } else {
    calls.push(
      ...await Promise.all(order.map(async (conversation, i) => {
        if (mode === "spread") {
          const at = start + (i * SPREAD_MS) / order.length;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
        }
        return await holdCart(shop, conversation);
      })),
    );
  }
  const wallMs = performance.now() - start;

  const ok = calls.filter((c) => !c.error);
  const errors: Record<string, number> = {};
  for (const c of calls) if (c.error) errors[c.error] = (errors[c.error] ?? 0) + 1;
  const arrival = new Map(ok.map((c) => [c.conversation, c.arrived]));
  const byArrival = [...ok].sort((a, b) => a.arrived - b.arrived).map((c) => c.conversation);
  const served = [...ok].sort((a, b) => a.done - b.done).map((c) => c.conversation);
  const winners = ok.filter((c) => c.result?.status === "held").map((c) => c.conversation);
  const firstArrived = new Set(byArrival.slice(0, STOCK));
  const winnerSet = new Set(winners);
  // A loser that arrived before a winner: one pair each.
  let winnerInversions = 0;
  for (const w of winners) {
    for (const c of ok) if (!winnerSet.has(c.conversation) && c.arrived < arrival.get(w)!) winnerInversions++;
  }

  const [db] = await admin`
    select p.stock,
      (select coalesce(sum(h.quantity), 0)::integer from public.botlive_holds h where h.product_id = p.id) as held,
      (select count(*)::integer from public.botlive_waitlist w where w.product_id = p.id and w.status = 'waiting') as waiting
    from public.products p where p.id = ${product}`;
  const line = (await admin<{ conversation: string }[]>`
    select w.conversation_id::text as conversation from public.botlive_waitlist w
    where w.product_id = ${product} and w.status = 'waiting' order by w.id`).map((w) => w.conversation);
  const reported = new Map(
    ok.filter((c) => c.result?.sold_out?.[0]?.waitlist).map((
      c,
    ) => [c.conversation, c.result!.sold_out![0].waitlist!.position]),
  );
  const positionsMatchLine = line.every((c, i) => reported.get(c) === i + 1) && reported.size === line.length;
  const lineInversions = inversions(line, arrival);

  // Release: the holds run out, botlive_expire_holds gives the stock back, the line is served.
  const released = await admin.begin(async (tx) => {
    await tx`update public.botlive_holds set expires_at = now() - interval '1 second' where product_id = ${product}`;
    const t = performance.now();
    const [r] = await tx`select public.botlive_expire_holds() as result`;
    return { result: r.result, ms: performance.now() - t };
  });
  const [after] = await admin`
    select p.stock,
      (select coalesce(sum(h.quantity), 0)::integer from public.botlive_holds h where h.product_id = p.id) as held,
      (select count(*)::integer from public.botlive_holds h where h.product_id = p.id
         and h.conversation_id = any(${winners}::uuid[])) as winners_still_holding
    from public.products p where p.id = ${product}`;
  const offered = (await admin<{ conversation: string }[]>`
    select w.conversation_id::text as conversation from public.botlive_waitlist w
    where w.product_id = ${product} and w.status = 'offered' order by w.id`).map((w) => w.conversation);
  const holders = new Set((await admin<{ conversation: string }[]>`
    select h.conversation_id::text as conversation from public.botlive_holds h where h.product_id = ${product}`)
    .map((h) => h.conversation));
  const firstInLine = line.slice(0, STOCK);
  const servedFirstInLine = offered.length === firstInLine.length &&
    firstInLine.every((c, i) => offered[i] === c && holders.has(c)) && holders.size === firstInLine.length;

  const serverMs = ok.map((c) => (c.done - c.arrived) / 1000);
  const arrivals = ok.map((c) => c.arrived);
  return {
    mode,
    arrivals: ARRIVALS[mode],
    calls: calls.length,
    errors,
    held: winners.length,
    held_quantity: db.held,
    stock_after: db.stock,
    oversold: db.held - STOCK,
    waitlisted: line.length,
    waitlist_positions_match_line: positionsMatchLine,
    accounted: winners.length + line.length === CUSTOMERS,
    winners_not_first_to_arrive: winners.filter((w) => !firstArrived.has(w)).length,
    winner_inversions: winnerInversions,
    waitlist_inversions: lineInversions,
    waitlist_pairs: (line.length * (line.length - 1)) / 2,
    served_order_inversions: inversions(served, arrival),
    arrival_span_ms: round((Math.max(...arrivals) - Math.min(...arrivals)) / 1000),
    latency_ms: { client: summary(ok.map((c) => c.clientMs)), server: summary(serverMs) },
    wall_ms: round(wallMs),
    calls_per_second: round(calls.length / (wallMs / 1000)),
    release: {
      expire_holds: released.result,
      ms: round(released.ms),
      stock_after: after.stock,
      held_quantity: after.held,
      winners_still_holding: after.winners_still_holding,
      offered: offered.length,
      served_waitlist_positions_1_to_20: servedFirstInLine,
    },
  };
}

function met(r: Awaited<ReturnType<typeof rush>>) {
  return Object.keys(r.errors).length === 0 && r.held === STOCK && r.oversold === 0 && r.stock_after === 0 &&
    r.waitlisted === CUSTOMERS - STOCK && r.waitlist_positions_match_line && r.accounted &&
    r.release.stock_after === 0 && r.release.held_quantity === STOCK &&
    r.release.winners_still_holding === 0 &&
    r.release.served_waitlist_positions_1_to_20;
}

let results;
const shop = await createShop();
try {
  const started = performance.now();
  const runs = [];
  for (const [k, mode] of (["burst", "spread", "sequential"] as const).entries()) {
    log(`${mode}: ${CUSTOMERS} customers, ${STOCK} in stock, pool ${POOL}`);
    const r = await rush(shop, mode, Number(args.seed) + k);
    runs.push(r);
    console.log(
      `${mode} (${r.arrivals}): held ${r.held}, stock after ${r.stock_after}, oversold ${r.oversold}, waitlisted ${r.waitlisted} (positions follow the line: ${r.waitlist_positions_match_line}), errors ${
        JSON.stringify(r.errors)
      }`,
    );
    console.log(
      `  arrival order: ${r.winners_not_first_to_arrive}/${STOCK} winners not among the first ${STOCK} to arrive (${r.winner_inversions} winner/loser inversions), waitlist ${r.waitlist_inversions}/${r.waitlist_pairs} pairs inverted`,
    );
    console.log(
      `  per call: client p50 ${r.latency_ms.client.p50} ms, p95 ${r.latency_ms.client.p95} ms; server p50 ${r.latency_ms.server.p50} ms, p95 ${r.latency_ms.server.p95} ms; wall ${r.wall_ms} ms, ${r.calls_per_second} calls/s (arrivals over ${r.arrival_span_ms} ms)`,
    );
    console.log(
      `  release: ${
        JSON.stringify(r.release.expire_holds)
      } in ${r.release.ms} ms, stock ${r.release.stock_after}, ${r.release.offered} offered, waitlist 1–${STOCK} served exactly: ${r.release.served_waitlist_positions_1_to_20} (${
        met(r) ? "met" : "NOT met"
      })`,
    );
  }
  results = {
    machine: { cpus: navigator.hardwareConcurrency, note: "Postgres and this process on the same machine" },
    date: new Date().toISOString(),
    setup: {
      customers: CUSTOMERS,
      stock: STOCK,
      pool: POOL,
      spread_ms: SPREAD_MS,
      seed: Number(args.seed),
      call:
        "select public.botlive_hold_cart(company, conversation), one statement per customer with clock_timestamp() before and after",
      inversions:
        "pairs served (held, waitlisted, or finished) in the opposite order of their arrival by clock_timestamp()",
      seconds: round((performance.now() - started) / 1000),
    },
    runs,
    met: runs.every(met),
  };
} finally {
  await admin`delete from public.companies where id = ${shop.id}`;
  await admin`delete from auth.users where id = ${shop.owner}`;
  await pool.end();
  await admin.end();
}
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
console.log(`written ${args.out}`);
