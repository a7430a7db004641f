// Botlive's cart money as a property, end to end on the test database: for 10,000 random carts
// (1 to 5 lines of products priced 1 to 100 000 000 F, quantities 1 to 100, a zone fee of 0 to
// 5 000 F, totals at most 100 000 000 F), the amount Wave would be sent — payment_open_intent's
// amount through wave.ts's checkoutSessionBody, the string in the request body — is the order's
// total_amount after the signed event pays it (payment_apply, confirmed_by signed_event), and
// both are Σ price × quantity + fee computed here, in whole francs: never ×100.
//
// The PRNG is seeded (CART_PROPERTY_SEED to replay a run, CART_PROPERTY_CARTS to change the
// count); a failure names the cart (its index, lines and fee). Carts are staged, opened and paid
// in batches of one statement each (10,000 take about 200 round trips), in 4 shops at once.
import assert from "node:assert/strict";
import { checkoutSessionBody } from "../../functions/_shared/payments/wave.ts";
import { stack } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;
const MAX_TOTAL = 100_000_000;
const SEED = Number(Deno.env.get("CART_PROPERTY_SEED") ?? Math.floor(Math.random() * 2 ** 31));
// The SQL is the same on both profiles (only the keys differ): the second pass checks 1,000.
const CARTS = Number(Deno.env.get("CART_PROPERTY_CARTS") ?? (stack.profile === "hosted" ? 1_000 : 10_000));
const BATCH = 250;
/** Shops paid in parallel: each its own company (order numbers and usage counters are per company). */
const SHOPS = 4;

/** mulberry32: small, seeded, good enough to draw carts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  /** Index of the product in the cart: a line may repeat an earlier line's article in another variant. */
  product: number;
  price: number;
  quantity: number;
  variant: Record<string, string>;
}

interface Cart {
  index: number;
  lines: Line[];
  fee: number;
  /** The last line is the draft's line being filled (else every line is in botlive_cart_lines). */
  lastInDraft: boolean;
  /** Σ price × quantity + fee, computed here. */
  total: number;
}

/**
 * A random cart whose total stays within MAX_TOTAL: prices drawn log-uniformly up to what the
 * budget left allows (the bounds 1 and the largest price drawn on purpose now and then).
 */
function drawCart(random: () => number, index: number): Cart {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const count = int(1, 5);
  const quantities = Array.from(
    { length: count },
    () => (random() < 0.3 ? 1 : random() < 0.1 ? 100 : int(1, 100)),
  );
  const fee = random() < 0.1 ? 0 : random() < 0.05 ? 5_000 : int(0, 5_000);
  let left = MAX_TOTAL - fee;
  const lines: Line[] = [];
  for (let i = 0; i < count; i++) {
    const quantity = quantities[i];
    const reserved = quantities.slice(i + 1).reduce((sum, q) => sum + q, 0);
    const cap = Math.floor((left - reserved) / quantity);
    const earlier = i > 0 && random() < 0.1 ? lines[int(0, i - 1)] : null;
    if (earlier && earlier.price <= cap) {
      lines.push({ product: earlier.product, price: earlier.price, quantity, variant: { taille: `T${i}` } });
    } else {
      const u = random();
      const price = u < 0.08
        ? 1
        : u < 0.16
        ? cap
        : Math.max(1, Math.min(cap, Math.floor(Math.exp(random() * Math.log(cap + 1)))));
      lines.push({ product: i, price, quantity, variant: {} });
    }
    left -= lines[i].price * quantity;
  }
  const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0) + fee;
  return { index, lines, fee, lastInDraft: random() < 0.6, total };
}

const describe = (cart: Cart) =>
  `cart ${cart.index} (seed ${SEED}): ${
    cart.lines.map((l) => `${l.price} × ${l.quantity}`).join(" + ")
  } + fee ${cart.fee} = ${cart.total}${cart.lastInDraft ? ", last line in the draft" : ""}`;

/** Products, zones, conversations, drafts and lines of a batch; the conversation id of each cart. */
async function stage(shop: TestShop, run: string, carts: Cart[]): Promise<string[]> {
  return await shop.db.sql.begin(async (tx) => {
    const names: string[] = [], prices: number[] = [];
    for (const cart of carts) {
      for (const [i, line] of cart.lines.entries()) {
        if (line.product === i) names.push(`${run}-${cart.index}-${i}`), prices.push(line.price);
      }
    }
    const products = new Map(
      (await tx<{ id: string; name: string }[]>`
        insert into public.products (company_id, name, price, stock)
        select ${shop.id}, t.name, t.price, null from unnest(${names}::text[], ${prices}::integer[]) t (name, price)
        returning id::text, name`).map((p) => [p.name, p.id]),
    );
    const product = (cart: Cart, line: Line) => products.get(`${run}-${cart.index}-${line.product}`)!;
    const staged = await tx<{ name: string; id: string; zone: string }[]>`
      with z as (
        insert into public.delivery_zones (company_id, name, fee)
        select ${shop.id}, t.name, t.fee from unnest(${carts.map((c) => `${run}-${c.index}`)}::text[],
          ${carts.map((c) => c.fee)}::integer[]) t (name, fee)
        returning id, name
      ), c as (
        insert into public.conversations (company_id, channel, external_id)
        select ${shop.id}, 'botlive', z.name from z
        returning id, external_id
      )
      select z.name, c.id::text, z.id::text as zone from c join z on z.name = c.external_id`;
    const byName = new Map(staged.map((s) => [s.name, s]));
    const ids = new Map(carts.map((c) => [c.index, byName.get(`${run}-${c.index}`)!]));
    const draft = (cart: Cart) => (cart.lastInDraft ? cart.lines.at(-1)! : null);
    await tx`
      insert into public.botlive_drafts (conversation_id, company_id, product_id, variant, quantity, delivery_zone_id, phone)
      select t.conversation, ${shop.id}, t.product, t.variant::jsonb, t.quantity, t.zone, '+221771234567'
      from unnest(${carts.map((c) => ids.get(c.index)!.id)}::uuid[],
        ${carts.map((c) => (draft(c) ? product(c, draft(c)!) : null))}::uuid[],
        ${carts.map((c) => JSON.stringify(draft(c)?.variant ?? {}))}::text[],
        ${carts.map((c) => draft(c)?.quantity ?? 1)}::integer[],
        ${
      carts.map((c) => ids.get(c.index)!.zone)
    }::uuid[]) t (conversation, product, variant, quantity, zone)`;
    const rows = carts.flatMap((c) =>
      (c.lastInDraft ? c.lines.slice(0, -1) : c.lines).map((line, i) => ({
        conversation: ids.get(c.index)!.id,
        line_no: i + 1,
        product: product(c, line),
        variant: JSON.stringify(line.variant),
        quantity: line.quantity,
      }))
    );
    await tx`
      insert into public.botlive_cart_lines (conversation_id, line_no, company_id, product_id, variant, quantity)
      select t.conversation, t.line_no, ${shop.id}, t.product, t.variant::jsonb, t.quantity
      from unnest(${rows.map((r) => r.conversation)}::uuid[], ${rows.map((r) => r.line_no)}::integer[],
        ${rows.map((r) => r.product)}::uuid[], ${rows.map((r) => r.variant)}::text[],
        ${rows.map((r) => r.quantity)}::integer[]) t (conversation, line_no, product, variant, quantity)`;
    return carts.map((c) => ids.get(c.index)!.id);
  });
}

/**
 * One statement for the whole batch; when it fails (nothing of it stays), the carts one by one,
 * so that the error names the cart that raises it.
 */
async function naming<T>(
  carts: Cart[],
  what: string,
  run: (from: number, to: number) => Promise<T[]>,
): Promise<T[]> {
  try {
    return await run(0, carts.length);
  } catch (batchError) {
    for (let i = 0; i < carts.length; i++) {
      await run(i, i + 1).catch((error) => {
        throw new Error(`${describe(carts[i])}: ${what} raised ${(error as Error).message}`);
      });
    }
    throw batchError;
  }
}

/** What a batch of carts became: Wave's request bodies, payment_apply's answers and the orders. */
async function openAndPay(shop: TestShop, account: string, run: string, carts: Cart[]) {
  const conversations = await stage(shop, run, carts);
  const opened = await naming(
    carts,
    "payment_open_intent",
    (from, to) =>
      shop.db.asService((tx) =>
        tx<{ result: { status: string; amount: number; intent: { id: string } } }[]>`
        select public.payment_open_intent(${shop.slug}, c.id) as result
        from unnest(${conversations.slice(from, to)}::uuid[]) with ordinality c (id, n) order by c.n`
      ),
  );
  const bodies = carts.map((cart, i) => {
    const { status, amount, intent } = opened[i].result;
    if (status !== "created") throw new Error(`${describe(cart)}: payment_open_intent says ${status}`);
    return checkoutSessionBody({
      amount,
      clientReference: intent.id,
      successUrl: "https://shop.invalid/ok",
      errorUrl: "https://shop.invalid/error",
      restrictPayerMobile: "+221771234567",
    });
  });
  // What Wave's signed checkout.session.completed reports: the session's amount, read back.
  const ids = carts.map((c) => `${run}${c.index}`);
  const paid = await naming(
    carts,
    "payment_apply",
    (from, to) =>
      shop.db.asService((tx) =>
        tx<{ result: { status: string; order: unknown } }[]>`
        select public.payment_apply(${account}::uuid, 'evt-' || t.id, 'checkout.session.completed', 'paid', t.intent,
          'cos-' || t.id, 'T' || upper(t.id), t.amount::integer, null, 'signed_event') as result
        from unnest(${ids.slice(from, to)}::text[], ${
          bodies.slice(from, to).map((b) => b.client_reference)
        }::text[],
          ${
          bodies.slice(from, to).map((b) => Number(b.amount))
        }::bigint[]) with ordinality t (id, intent, amount, n)
        order by t.n`
      ),
  );
  const orders = new Map(
    (await shop.db.sql<
      { conversation: string; total_amount: number; items_total: number; delivery_fee: number }[]
    >`
      select o.conversation_id::text as conversation, o.total_amount, o.items_total, o.delivery_fee
      from public.orders o where o.conversation_id = any(${conversations}::uuid[])`).map((
      o,
    ) => [o.conversation, o]),
  );
  return carts.map((cart, i) => ({
    cart,
    opened: opened[i].result.amount,
    body: bodies[i],
    paid: paid[i].result,
    order: orders.get(conversations[i]),
  }));
}

type Outcome = Awaited<ReturnType<typeof openAndPay>>[number];

/** What is wrong with one cart's money (nothing: an empty list). */
function problems({ cart, opened, body, paid, order }: Outcome): string[] {
  const sent = Number(body.amount);
  return [
    !/^[0-9]+$/.test(body.amount) &&
    `the body's amount ${JSON.stringify(body.amount)} is not a string of digits`,
    opened !== cart.total && `payment_open_intent's amount is ${opened}`,
    sent !== cart.total && `Wave would be sent ${body.amount}`,
    paid.status !== "applied" && `payment_apply says ${JSON.stringify(paid)}`,
    !order && `no order (botlive_place_order: ${JSON.stringify(paid.order)})`,
    order && order.total_amount !== cart.total && `the order's total_amount is ${order.total_amount}`,
    order && order.total_amount !== sent &&
    `the order's total_amount ${order.total_amount} ≠ the amount sent ${sent}`,
    order && order.items_total !== cart.total - cart.fee && `the order's items_total is ${order.items_total}`,
    order && order.delivery_fee !== cart.fee && `the order's delivery_fee is ${order.delivery_fee}`,
  ].filter((p): p is string => typeof p === "string");
}

/** A shop with a Wave account set by its admin (the API's write path): the account id. */
async function waveAccount(shop: TestShop): Promise<string> {
  return await shop.db.asUser({ sub: shop.users.admin, role: "authenticated" }, async (tx) => {
    const credentials = tx.json({ api_key: "wave_sn_prod_test", webhook_secret: "wave_sn_whs_test" });
    const [row] =
      await tx`select public.set_payment_account(${shop.slug}, 'wave', ${credentials})::text as id`;
    return row.id as string;
  });
}

Deno.test({
  name:
    "botlive cart money: for 10,000 random carts the amount sent to Wave (a string of digits) = the paid order's total_amount = Σ price × quantity + fee, never ×100",
  ignore,
  fn: async () => {
    console.log(`cart property: seed ${SEED}, ${CARTS} carts (CART_PROPERTY_SEED=${SEED} replays it)`);
    const started = performance.now();
    const random = prng(SEED);
    const carts = Array.from({ length: CARTS }, (_, i) => drawCart(random, i));
    const batches = Array.from(
      { length: Math.ceil(CARTS / BATCH) },
      (_, b) => carts.slice(b * BATCH, (b + 1) * BATCH),
    );
    const run = `p${SEED.toString(36)}${crypto.randomUUID().slice(0, 6)}x`;
    const shops: TestShop[] = [];
    try {
      for (let i = 0; i < SHOPS; i++) shops.push(await createTestShop(stack.dbUrl, { knowledge: false }));
      const accounts = await Promise.all(shops.map(waveAccount));
      const outcomes: Outcome[] = [];
      let next = 0;
      await Promise.all(shops.map(async (shop, s) => {
        while (next < batches.length) {
          outcomes.push(...await openAndPay(shop, accounts[s], run, batches[next++]));
        }
      }));
      const failures = outcomes.flatMap((o) => {
        const wrong = problems(o);
        return wrong.length > 0 ? [`${describe(o.cart)}: ${wrong.join("; ")}`] : [];
      });
      const hundredfold = outcomes.filter((o) =>
        o.order &&
        (Number(o.body.amount) === 100 * o.order.total_amount || o.order.total_amount === 100 * o.cart.total)
      ).length;
      console.log(
        `cart property: ${outcomes.length} carts in ${
          Math.round(performance.now() - started)
        } ms, ${failures.length} failing, ${hundredfold} ×100`,
      );
      assert.equal(outcomes.length, CARTS);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${CARTS} carts fail (seed ${SEED})`);
      assert.equal(hundredfold, 0, "no cart charged a hundredfold");
    } finally {
      await Promise.all(shops.map((shop) => shop.drop()));
    }
  },
});
