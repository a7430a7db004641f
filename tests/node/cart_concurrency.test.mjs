// The cart and the payments under real concurrency: separate Postgres sessions (node-postgres
// clients, each statement its own committed transaction), lined up behind a row lock and released
// together. 30 carts racing for 5 pieces: exactly 5 held, stock 0, 25 in line with places 1..25 in
// the order they got the lock; one provider event delivered twice at once: applied once; a payment
// confirmed while the holds' clock releases the cart: stock never negative, no order without
// stock; a release serving a customer whose turn is running: no deadlock.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pg from "pg";

const dbUrl = process.env.SUPABASE_DB_URL;
const skip = !dbUrl && "no database (run through npm test: SUPABASE_DB_URL)";
const slug = `cart-race-${randomUUID().slice(0, 8)}`;
let owner;
let company;
let zone;

async function connect() {
  const client = new pg.Client({ connectionString: dbUrl, options: "-c client_min_messages=warning" });
  await client.connect();
  return client;
}

/** One value of the first row. */
async function one(client, text, params = []) {
  const { rows } = await client.query(text, params);
  return rows[0] && Object.values(rows[0])[0];
}

/** Resolves once `count` sessions wait on a lock running a statement that contains `marker`. */
async function waiters(client, marker, count) {
  for (let i = 0; i < 200; i++) {
    // The activity view is a snapshot per transaction (the caller may be inside one).
    await client.query("select pg_catalog.pg_stat_clear_snapshot()");
    const n = Number(await one(client, `select count(*) from pg_catalog.pg_stat_activity
      where wait_event_type = 'Lock' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`, [marker]));
    if (n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const { rows } = await client.query(`select wait_event_type, wait_event, state, left(query, 60) as query from pg_catalog.pg_stat_activity
    where query like '%' || $1 || '%' and pid <> pg_backend_pid()`, [marker]);
  throw new Error(`fewer than ${count} sessions waited on ${marker}: ${JSON.stringify(rows)}`);
}

async function product(name, stock) {
  return await one(owner, `insert into public.products (company_id, name, price, stock) values ($1, $2, 10000, $3) returning id`,
    [company, name, stock]);
}

/** A conversation whose draft has the product (and the zone and phone). */
async function draft(key, productId, quantity = 1) {
  const conversation = await one(owner, `select public.botlive_begin_turn($1, $2, $3, $4, 'je commande', '[]') ->> 'conversation_id'`,
    [slug, key, `${key}-m1`, JSON.stringify({ id: key, name: key })]);
  await owner.query(`select public.botlive_save_draft($1, $2, $3)`, [slug, conversation, JSON.stringify({
    customer_name: key, product_id: productId, quantity, delivery_zone_id: zone, phone: "+221771234567",
  })]);
  return conversation;
}

before(async () => {
  if (skip) return;
  owner = await connect();
  company = await one(owner, `insert into public.companies (slug, name) values ($1, $1) returning id`, [slug]);
  zone = await one(owner, `insert into public.delivery_zones (company_id, name, fee) values ($1, 'Médina', 1500) returning id`, [company]);
});

after(async () => {
  if (skip) return;
  await owner.query(`delete from public.companies where id = $1`, [company]);
  await owner.end();
});

test("30 carts racing for 5 pieces: 5 held, stock 0, 25 in line in lock order", { skip }, async () => {
  const item = await product("Dernières pièces", 5);
  const conversations = [];
  for (let i = 0; i < 30; i++) conversations.push(await draft(`racer-${i}`, item));
  const sessions = await Promise.all(conversations.map(() => connect()));
  try {
    await owner.query("begin");
    await owner.query(`select 1 from public.products where id = $1 for update`, [item]);
    const results = conversations.map((conversation, i) =>
      sessions[i].query(`select public.botlive_hold_cart($1, $2) as r`, [slug, conversation]).then(({ rows }) => rows[0].r, (e) => e)
    );
    try {
      await waiters(owner, "botlive_hold_cart", 30);
    } finally {
      await owner.query("commit");
    }
    const outcomes = await Promise.all(results);
    const errors = outcomes.filter((r) => r instanceof Error).map((e) => `${e.code} ${e.message}`);
    assert.deepEqual(errors, [], "no cart's hold failed");

    assert.equal(outcomes.filter((r) => r.status === "held").length, 5, "exactly 5 carts held");
    assert.equal(outcomes.filter((r) => r.status === "sold_out").length, 25, "25 told sold out");
    assert.equal(Number(await one(owner, `select stock from public.products where id = $1`, [item])), 0, "stock 0");
    assert.equal(Number(await one(owner, `select sum(quantity) from public.botlive_holds where product_id = $1`, [item])), 5,
      "5 pieces held in all");
    const places = outcomes.filter((r) => r.status === "sold_out").map((r) => r.sold_out[0].waitlist.position);
    assert.deepEqual([...places].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 1), "places 1..25");
    // The place each was told is her rank in the line, which is the order the lock let them in.
    const { rows } = await owner.query(`select conversation_id, row_number() over (order by id) as rank
      from public.botlive_waitlist where product_id = $1 and status = 'waiting'`, [item]);
    const rank = new Map(rows.map((row) => [row.conversation_id, Number(row.rank)]));
    outcomes.forEach((r, i) => {
      if (r.status === "sold_out") assert.equal(r.sold_out[0].waitlist.position, rank.get(conversations[i]), `racer-${i}'s place`);
    });
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
  }
});

/** A Wave account of the company (as set_payment_account leaves it). */
async function account() {
  const id = await one(owner, `insert into public.payment_accounts (company_id, provider) values ($1, 'wave')
    on conflict (company_id, provider) do update set is_active = true returning id`, [company]);
  await owner.query(`insert into private.payment_credentials (account_id, credentials) values ($1, '{"api_key": "k", "webhook_secret": "s"}')
    on conflict (account_id) do nothing`, [id]);
  return id;
}

test("one provider event delivered twice at once: applied once, one payment, one order", { skip }, async () => {
  const acc = await account();
  const item = await product("Sac double", null);
  const conversation = await draft("twice", item);
  const intent = await one(owner, `select public.payment_open_intent($1, $2) -> 'intent' ->> 'id'`, [slug, conversation]);
  const sessions = await Promise.all([connect(), connect()]);
  try {
    await owner.query("begin");
    await owner.query(`select 1 from public.conversations where id = $1 for update`, [conversation]);
    const calls = sessions.map((s) =>
      s.query(`select public.payment_apply($1, 'evt-twice', 'checkout.session.completed', 'paid', $2, 'cos-twice', 'T-TWICE', 11500, null, 'signed_event') ->> 'status' as s`,
        [acc, intent]).then(({ rows }) => rows[0].s)
    );
    await waiters(owner, "evt-twice", 2);
    await owner.query("commit");
    assert.deepEqual((await Promise.all(calls)).sort(), ["applied", "duplicate"]);
    assert.equal(Number(await one(owner, `select count(*) from public.payments where intent_id = $1`, [intent])), 1, "one payment");
    assert.equal(Number(await one(owner, `select count(*) from public.orders where conversation_id = $1`, [conversation])), 1, "one order");
    assert.equal(Number(await one(owner, `select count(*) from public.payment_events where event_id = 'evt-twice'`)), 1, "one event");
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
  }
});

test("a payment confirmed while the clock releases the cart: stock never negative, no order without stock", { skip }, async () => {
  const acc = await account();
  const sessions = await Promise.all([connect(), connect()]);
  const seen = new Set();
  try {
    for (let round = 0; round < 8; round++) {
      const item = await product(`Pièce unique ${round}`, 1);
      const payer = await draft(`payer-${round}`, item);
      await owner.query(`select public.botlive_hold_cart($1, $2)`, [slug, payer]);
      const intent = await one(owner, `select public.payment_open_intent($1, $2) -> 'intent' ->> 'id'`, [slug, payer]);
      const next = await draft(`next-${round}`, item);
      await owner.query(`select public.botlive_hold_cart($1, $2)`, [slug, next]);
      await owner.query(`update public.botlive_holds set expires_at = now() - interval '1 second' where conversation_id = $1`, [payer]);
      const expire = () => sessions[0].query(`select public.botlive_expire_holds()`).then(() => null, (e) => e);
      const pay = () =>
        sessions[1].query(`select public.payment_apply($1, $2, 'checkout.session.completed', 'paid', $3, null, $4, 11500, null, 'signed_event') -> 'order' ->> 'status' as s`,
          [acc, `evt-race-${round}`, intent, `T-RACE-${round}`]).then(({ rows }) => rows[0].s, (e) => e);
      const [expired, placed] = round % 2 ? await Promise.all([expire(), pay()]) : (await Promise.all([pay(), expire()])).reverse();
      for (const outcome of [expired, placed]) {
        if (outcome instanceof Error) assert.fail(`round ${round}: ${outcome.code} ${outcome.message} (the clock and the payment must queue, not deadlock)`);
      }
      seen.add(placed);
      const stock = Number(await one(owner, `select stock from public.products where id = $1`, [item]));
      const ordered = Number(await one(owner, `select coalesce(sum((i ->> 'quantity')::int), 0) from public.orders o,
        jsonb_array_elements(o.items) i where o.company_id = $1 and i ->> 'product_id' = $2::text and o.status <> 'cancelled'`, [company, item]));
      const held = Number(await one(owner, `select coalesce(sum(quantity), 0) from public.botlive_holds where product_id = $1`, [item]));
      assert.ok(stock >= 0, `round ${round}: stock ${stock} is not negative`);
      assert.equal(stock + ordered + held, 1, `round ${round}: the one piece is in stock, ordered or held, once (${stock}/${ordered}/${held})`);
      if (placed === "created") assert.equal(held, 0, `round ${round}: ordered, so held by nobody`);
      else assert.equal(placed, "out_of_stock", `round ${round}: released first, so the payment finds it gone`);
    }
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
  }
  assert.ok(seen.size >= 1);
});

test("a release serving a customer whose own step is running does not deadlock", { skip }, async () => {
  // A holds Q and P (Q's id first); B waits for P, has Q in her cart and another article being filled.
  const ids = [await product("Article Q", 1), await product("Article P", 1)].sort();
  const [q, p] = ids;
  const other = await product("Article R", null);
  const a = await draft("holder-a", q);
  await owner.query(`select public.botlive_push_line($1, $2)`, [slug, a]);
  await owner.query(`select public.botlive_save_draft($1, $2, $3)`, [slug, a, JSON.stringify({ product_id: p })]);
  await owner.query(`select public.botlive_hold_cart($1, $2)`, [slug, a]);
  const b = await draft("waiter-b", q);
  await owner.query(`select public.botlive_push_line($1, $2)`, [slug, b]);
  await owner.query(`select public.botlive_save_draft($1, $2, $3)`, [slug, b, JSON.stringify({ product_id: other })]);
  await owner.query(`select public.botlive_join_waitlist($1, $2, $3)`, [slug, b, p]);
  const [sa, sb] = await Promise.all([connect(), connect()]);
  try {
    // B's step has begun (every Botlive step locks its conversation first)…
    await sb.query("begin");
    await sb.query(`select 1 from public.conversations where id = $1 for no key update`, [b]);
    // …when A cancels: her holds go back; P's line stops at B, busy (SKIP LOCKED: A never waits for her).
    const cancel = await sa.query(`select public.botlive_cancel_draft($1, $2)`, [slug, a]).then(() => "ok", (e) => e.code);
    const step = await sb.query(`select public.botlive_hold_cart($1, $2)`, [slug, b]).then(() => "ok", (e) => e.code);
    await sb.query(step === "ok" ? "commit" : "rollback");
    assert.deepEqual([cancel, step], ["ok", "ok"], "neither A's cancellation nor B's step waits or is a deadlock victim (40P01)");
    const { rows: [before] } = await owner.query(
      `select status from public.botlive_waitlist where conversation_id = $1 and product_id = $2`, [b, p]);
    assert.equal(before.status, "waiting", "B was busy: still first in line, P kept for her (nobody passes her)");
    // The holds' clock serves the line she was skipped in: this run of it, or another suite's at
    // that moment — it serves every company, and skips a product another run holds (SKIP
    // LOCKED), whose transaction may not have committed when we look. So the clock is run until
    // the state says she was served (a few runs at most), never counted.
    let after;
    for (let run = 0; run < 50; run++) {
      await owner.query(`select public.botlive_expire_holds()`);
      ({ rows: [after] } = await owner.query(
        `select w.status, (select quantity from public.botlive_holds h where h.conversation_id = $1 and h.product_id = $2) as held
         from public.botlive_waitlist w where w.conversation_id = $1 and w.product_id = $2`, [b, p]));
      if (after.status !== "waiting") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(after, { status: "offered", held: 1 });
  } finally {
    await Promise.all([sa.end(), sb.end()]);
  }
});
