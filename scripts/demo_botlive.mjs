// `npm run demo:botlive` (with `npm start` running in another terminal): a live sale at Boutique
// Awa through supabase-js. The owner signs in and opens the live; customers write to the shop's
// bot through the messaging integration (which holds the secret key); one corrects her size, one
// pays too little and then completes; two race for the last kimono; the owner's dashboard shows
// the feed, the orders and the day's revenue. Then the shop takes Wave: a cart of two articles
// paid through its checkout link (the local stack's stand-in Wave, scripts/local/payments.ts); a
// kimono held for a customer runs out of time and goes to the next in line; a customer who sends
// too much is owed change. The live is closed. Every figure printed comes from the functions'
// answers or the database (its amounts), none is computed here. The clock is the one thing moved
// by hand, as the database's owner (pg): a hold's end brought forward instead of waiting 30 min.
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import pg from "pg";
import ws from "ws";
import { describeStack, scriptStack } from "./stack.mjs";

const { url, dbUrl, publishableKey, secretKey, ...stack } = scriptStack("demo:botlive");
console.log(describeStack({ url, ...stack }));
const options = { realtime: { transport: ws }, auth: { persistSession: false } };
const company = "boutique-awa";
// A run id of capital letters only, so that the references below carry no digit of their own:
// a labelled reference (« réf. TXNQWERTY ») is read whatever its characters.
const run = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => String.fromCharCode(65 + (b % 26))).join("");

// The owner's dashboard app (publishable key + her session) and the messaging integration.
const owner = createClient(url, publishableKey, options);
const integration = createClient(url, secretKey, options);

async function call(client, name, body, method = "POST") {
  const { data, error } = await client.functions.invoke(name, { body, method });
  if (error instanceof FunctionsHttpError) {
    throw new Error(`${name}: ${error.context.status} ${JSON.stringify(await error.context.json())}`);
  }
  if (error) throw error;
  return data;
}

let counter = 0;
async function say(customer, text) {
  const reply = await call(integration, "botlive", {
    company_id: company,
    conversation_id: `wa-${run}-${customer.id}`,
    message_id: `wamid-${run}-${++counter}`,
    customer: { id: customer.id, name: customer.name },
    text,
  });
  console.log(`  ${customer.name} > ${text}`);
  console.log(
    `  bot > ${reply.reply}${
      reply.order ? `   [${reply.order.order_number}, ${reply.order.total_amount} FCFA]` : ""
    }`,
  );
  return reply;
}

/** SQL as the database's owner: only to move the clock (the API has no way to, rightly). */
async function asDatabaseOwner(text, values = []) {
  if (!dbUrl) throw new Error("demo:botlive: no database URL (set SUPABASE_DB_URL with SUPABASE_URL)");
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

const { error: signInError } = await owner.auth.signInWithPassword({
  email: "owner@boutique-awa.test",
  password: "comptoir-demo",
});
if (signInError) throw signInError;
console.log("owner signed in: owner@boutique-awa.test");

const { data: shop, error: shopError } = await owner.from("companies").select("id").eq("slug", company)
  .single();
if (shopError) throw shopError;
// So that the demo can be played again and again: the earlier runs' customers leave the lines,
// their holds run out, and Wave is off until the shop sets it up below.
await asDatabaseOwner(
  `update public.botlive_waitlist w set status = 'left' from public.companies c
   where c.id = w.company_id and c.slug = $1 and w.status = 'waiting'`,
  [company],
);
await asDatabaseOwner(
  `update public.botlive_holds h set expires_at = now() - interval '1 second' from public.companies c
   where c.id = h.company_id and c.slug = $1`,
  [company],
);
await asDatabaseOwner("select public.botlive_expire_holds()");
const localPayments = await fetch(`${url}/_local/payments/credentials`).then((r) => r.ok ? r.json() : null)
  .catch(() => null);
if (!localPayments) throw new Error(`demo:botlive: no stand-in Wave at ${url}/_local/payments (restart npm start)`);
const { error: waveOffError } = await owner.rpc("set_payment_account", {
  p_company: company,
  p_provider: "wave",
  p_credentials: localPayments.wave,
  p_active: false,
});
if (waveOffError) throw waveOffError;
// The owner puts the last kimono on sale (admins edit the catalog through the Data API, under RLS).
const { data: kimono, error: stockError } = await owner.from("products").update({ stock: 1 })
  .eq("company_id", shop.id).eq("name", "Kimono imprimé").select("name, price, stock").single();
if (stockError) throw stockError;
console.log(`catalog: ${kimono.name} back on sale, ${kimono.price} FCFA, stock ${kimono.stock}`);
// And what the demo sells back to the seed's stock.
for (const [name, stock] of [["Robe wax", 20], ["Chemise homme wax", 12], ["Sac en cuir", 6]]) {
  const { error } = await owner.from("products").update({ stock }).eq("company_id", shop.id).eq("name", name);
  if (error) throw error;
}

const live = await call(owner, "toggle-live-mode", { company_id: company, enable: true });
console.log(`live: ${live.status} (session ${live.session_id})`);

// The owner's feed in real time, as the dashboard subscribes to it.
const feed = [];
const channel = owner.channel(`feed-${run}`)
  .on("postgres_changes", { event: "INSERT", schema: "public", table: "activities" }, (payload) => {
    feed.push(payload.new.title);
  });
await new Promise((resolve, reject) => {
  channel.subscribe((status, err) => status === "SUBSCRIBED" ? resolve() : err && reject(err));
  setTimeout(() => reject(new Error("realtime: not subscribed after 10 s")), 10_000);
});

console.log("\nFatou orders a dress and corrects her size:");
const fatou = { id: "fatou", name: "Fatou" };
await say(fatou, "Bonjour, je veux la robe wax rouge en L");
await say(fatou, "non, plutôt en M");
await say(fatou, "livraison à Parcelles, mon numéro 77 123 45 67");
const fatouOrder = await say(fatou, "j'ai envoyé 17 000 par Wave, réf. TXN" + run);

console.log("\nMoussa pays too little, then completes:");
const moussa = { id: "moussa", name: "Moussa" };
await say(moussa, "Salut ! 2 chemises homme wax taille XL svp");
await say(moussa, "Pikine, 78 555 12 34");
await say(moussa, "paiement orange money 20000f ref OM" + run + "1");
await say(moussa, "ok j'envoie le reste : 7500 fcfa par orange money, ref OM" + run + "2");

console.log("\nAïda and Binta race for the last kimono:");
const racers = [{ id: "aida", name: "Aïda" }, { id: "binta", name: "Binta" }];
for (const [i, c] of racers.entries()) {
  await say(c, `le kimono imprimé svp, livraison Médina, 76 00${i} 11 22`);
}
const outcomes = await Promise.all(
  racers.map((c, i) => say(c, `payé 13500 par wave, ref WV${run}K${i}`)),
);
console.log(
  `race: ${outcomes.filter((o) => o.order).length} order, ${
    outcomes.filter((o) => o.order_state.status === "out_of_stock").length
  } told sold out`,
);

// A proof is a claim: the owner checks Fatou's transfer in her Wave account, then confirms it.
if (fatouOrder.order) {
  const { order } = await call(owner, "orders", {
    company_id: company,
    id: fatouOrder.order.id,
    payment: { decision: "confirm", note: "vu sur Wave Business" },
  }, "PATCH");
  console.log(`\nowner confirms Fatou's proof: ${order.order_number} payment ${order.payment_status}`);
}

await new Promise((r) => setTimeout(r, 500));
const dashboard = await call(owner, "dashboard", { company_id: company });
console.log("\ndashboard:");
console.log(`  live: ${JSON.stringify(dashboard.live.enabled)}`);
console.log("  feed (latest first):");
for (const a of dashboard.activity.slice(0, 12)) {
  console.log(`    ${a.relative_time} · ${a.title}${a.description ? ` — ${a.description}` : ""}`);
}
console.log(
  `  active orders: ${
    dashboard.active_orders.map((o) => `${o.order_number ?? o.user_name} ${o.completion_rate}%`).join(", ")
  }`,
);
console.log(`  proofs to verify: ${dashboard.to_verify.count} (${dashboard.to_verify.amount} FCFA)`);
console.log(
  `  money owed back: ${dashboard.refunds.amount} FCFA owed, ${dashboard.refunds.to_verify_amount} FCFA once its proof is checked`,
);
console.log(`  today: ${JSON.stringify(dashboard.stats.today)}`);
console.log(`  realtime events received during the sale: ${feed.length}`);

console.log("\nThe shop takes Wave; Sokhna pays her cart of two articles through its link:");
// An admin sets the account (the local stand-in's credentials: local only, never a real account).
const { data: waveAccount, error: waveError } = await owner.rpc("set_payment_account", {
  p_company: company,
  p_provider: "wave",
  p_credentials: localPayments.wave,
});
if (waveError) throw waveError;
console.log(`  payments: Wave account ${waveAccount}`);
const sokhna = { id: "sokhna", name: "Sokhna" };
await say(sokhna, "robe wax en M rouge");
await say(sokhna, "et aussi un sac en cuir noir");
const ready = await say(sokhna, "Pikine, 77 234 56 78");
if (!ready.checkout) throw new Error("demo:botlive: no checkout link for Sokhna's cart");
// Sokhna opens the link and pays: the stand-in posts Wave's signed webhook to the payments function.
const paying = await fetch(ready.checkout.url, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ account: waveAccount }),
});
const wave = await paying.json();
if (!paying.ok) throw new Error(`demo:botlive: paying on Wave: ${paying.status} ${JSON.stringify(wave)}`);
console.log(`  Sokhna pays ${wave.paid} FCFA on Wave: webhook ${wave.webhook.status} ${wave.webhook.body.status}`);
const { data: intent, error: intentError } = await owner.from("payment_intents")
  .select("state, orders(id, order_number, items, total_amount, payment_status)")
  .eq("company_id", shop.id).eq("provider_ref", wave.ref).single();
if (intentError) throw intentError;
const paidOrder = intent.orders;
console.log(
  `  order ${paidOrder.order_number}: ${
    paidOrder.items.map((i) =>
      `${i.name}${Object.keys(i.variant).length ? ` (${Object.values(i.variant).join(", ")})` : ""}${
        i.quantity > 1 ? ` × ${i.quantity}` : ""
      } ${i.line_total} FCFA`
    ).join(" + ")
  }, total ${paidOrder.total_amount} FCFA, payment ${paidOrder.payment_status} (intent ${intent.state})`,
);
const { data: told } = await owner.from("messages").select("content")
  .eq("company_id", shop.id).eq("metadata->>notice", "payment_confirmed")
  .ilike("content", `%${paidOrder.order_number}%`).limit(1);
if (told?.[0]) console.log(`  bot > ${told[0].content}`);

console.log("\nOne more kimono: Binta, first in line, has it held; Khady waits; Binta's hold runs out:");
const { error: restockError } = await owner.from("products").update({ stock: 1 })
  .eq("company_id", shop.id).eq("name", "Kimono imprimé");
if (restockError) throw restockError;
async function kimonoHolds() {
  const { data, error } = await owner.from("botlive_holds")
    .select("expires_at, products!inner(name), conversations(external_id)")
    .eq("company_id", shop.id).eq("products.name", "Kimono imprimé");
  if (error) throw error;
  return data.map((h) => h.conversations.external_id.replace(`wa-${run}-`, "")).join(", ") || "nobody";
}
console.log(`  kimono held for: ${await kimonoHolds()}`);
const khady = { id: "khady", name: "Khady" };
await say(khady, "le kimono imprimé svp, livraison Médina, 76 555 44 33");
// The clock: Binta's hold ends now rather than in 30 minutes; pg_cron's tick, run at once.
await asDatabaseOwner(
  `update public.botlive_holds h set expires_at = now() - interval '1 second'
   from public.conversations c where c.id = h.conversation_id and c.external_id = $1`,
  [`wa-${run}-binta`],
);
const [{ expired }] = await asDatabaseOwner("select public.botlive_expire_holds() as expired");
console.log(`  Binta's hold ends: botlive_expire_holds() ${JSON.stringify(expired)}`);
// pg_cron (or a test suite) may be running the same clock at that moment, holding the kimono:
// this run then skips it, and the other's work shows once it commits. Ticks again until it does.
for (let tick = 0; tick < 50 && (await kimonoHolds()) === "binta"; tick++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await asDatabaseOwner("select public.botlive_expire_holds()");
}
console.log(`  kimono held for: ${await kimonoHolds()}`);
const { data: served } = await owner.from("messages").select("content, conversations!inner(external_id)")
  .eq("company_id", shop.id).eq("metadata->>notice", "waitlist_served")
  .eq("conversations.external_id", `wa-${run}-khady`).limit(1);
if (served?.[0]) console.log(`  bot > Khady: ${served[0].content}`);

console.log("\nNdeye sends more than the total by Wave, proof by text:");
const ndeye = { id: "ndeye", name: "Ndeye" };
await say(ndeye, "une chemise homme wax en L, livraison Médina, 77 888 99 00");
const overpaid = await say(ndeye, "j'ai envoyé 20 000 par Wave, réf. WV" + run + "N");
const { data: change, error: changeError } = await owner.from("refunds").select("kind, reason, amount, status")
  .eq("order_id", overpaid.order?.id ?? "00000000-0000-0000-0000-000000000000");
if (changeError) throw changeError;
for (const r of change) console.log(`  change owed: ${r.amount} FCFA (${r.kind}, ${r.reason}, ${r.status})`);
const { data: owedFeed } = await owner.from("activities").select("title, description")
  .eq("company_id", shop.id).ilike("title", "Monnaie à rendre%").order("created_at", { ascending: false })
  .limit(1);
if (owedFeed?.[0]) console.log(`  feed: ${owedFeed[0].title}${owedFeed[0].description ? ` — ${owedFeed[0].description}` : ""}`);

const closed = await call(owner, "toggle-live-mode", { company_id: company, enable: false });
console.log(`\nlive: ${closed.status} (session ${closed.session_id}, ended ${closed.ended_at})`);
await owner.removeAllChannels();
owner.realtime.disconnect();
integration.realtime.disconnect();
process.exit(0);
