// `npm run demo:botlive` (with `npm start` running in another terminal): a live sale at Boutique
// Awa through supabase-js. The owner signs in and opens the live; customers write to the shop's
// bot through the messaging integration (which holds the secret key); one corrects her size, one
// pays too little and then completes; two race for the last kimono; the owner's dashboard shows
// the feed, the orders and the day's revenue; the live is closed. Every figure printed comes
// from the functions' answers (the database's amounts), none is computed here.
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import ws from "ws";
import { describeStack, scriptStack } from "./stack.mjs";

const { url, publishableKey, secretKey, ...stack } = scriptStack("demo:botlive");
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

const { error: signInError } = await owner.auth.signInWithPassword({
  email: "owner@boutique-awa.test",
  password: "comptoir-demo",
});
if (signInError) throw signInError;
console.log("owner signed in: owner@boutique-awa.test");

// The owner puts the last kimono on sale (admins edit the catalog through the Data API, under RLS).
const { data: shop, error: shopError } = await owner.from("companies").select("id").eq("slug", company)
  .single();
if (shopError) throw shopError;
const { data: kimono, error: stockError } = await owner.from("products").update({ stock: 1 })
  .eq("company_id", shop.id).eq("name", "Kimono imprimé").select("name, price, stock").single();
if (stockError) throw stockError;
console.log(`catalog: ${kimono.name} back on sale, ${kimono.price} FCFA, stock ${kimono.stock}`);
// And what the demo sells back to the seed's stock, so that it can be played again and again.
for (const [name, stock] of [["Robe wax", 20], ["Chemise homme wax", 12]]) {
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

const closed = await call(owner, "toggle-live-mode", { company_id: company, enable: false });
console.log(`\nlive: ${closed.status} (session ${closed.session_id}, ended ${closed.ended_at})`);
await owner.removeAllChannels();
owner.realtime.disconnect();
integration.realtime.disconnect();
process.exit(0);
