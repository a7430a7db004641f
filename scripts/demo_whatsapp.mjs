// `npm run demo:whatsapp` (with `npm start` running in another terminal): a customer orders from
// Boutique Awa on WhatsApp, with Comptoir as the relay. The shop's WhatsApp number is registered
// once (set_channel_account, with the secret key: an admin's session does the same); each of the
// customer's messages is a webhook signed as Meta signs it (HMAC-SHA256 of the escaped body with
// the app secret), posted to /functions/v1/channels/<app id>; the replies are what the Graph API
// received — locally the stack's stand-in at /_local/graph (docs/CHANNELS.md), which lists them at
// /_local/graph/sent. Then Meta's delivery statuses come in out of order, and the order is read
// back from the database. Nothing printed is computed here.
import { createHmac, randomUUID } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import ws from "ws";
import { describeStack, scriptStack } from "./stack.mjs";

const { url, publishableKey, secretKey, ...stack } = scriptStack("demo:whatsapp");
console.log(describeStack({ url, ...stack }));
const options = { realtime: { transport: ws }, auth: { persistSession: false } };
const server = createClient(url, secretKey, options);
const owner = createClient(url, publishableKey, options);

// The shop's Meta app and number (demo values: locally nothing leaves the machine).
const app = { id: "1029384756102938", secret: "demo-app-secret-boutique-awa", verifyToken: "demo-verify-token-boutique-awa" };
const phoneNumberId = "221770000001";
const run = Array.from(randomUUID().replaceAll("-", "").slice(0, 8), (c) => String.fromCharCode(65 + (parseInt(c, 16) % 26))).join("");
// The customer's WhatsApp id (her number without +), new on each run.
const customer = { wa_id: `22177${String(Date.now()).slice(-7)}`, name: "Mariama" };

const { error: registerError } = await server.rpc("set_channel_account", {
  p_company: "boutique-awa",
  p_platform: "whatsapp",
  p_external_id: phoneNumberId,
  p_app_id: app.id,
  p_verify_token: app.verifyToken,
  p_app_secret: app.secret,
  p_access_token: "demo-access-token-boutique-awa",
  p_name: "Boutique Awa (WhatsApp)",
});
if (registerError) throw new Error(`set_channel_account: ${registerError.message}`);
console.log(`channel: WhatsApp number ${phoneNumberId} of boutique-awa, webhook ${url}/functions/v1/channels/${app.id}`);

// The owner opens the live (orders are taken during lives) with the robe back in stock.
const { error: signInError } = await owner.auth.signInWithPassword({ email: "owner@boutique-awa.test", password: "comptoir-demo" });
if (signInError) throw signInError;
const { error: stockError } = await owner.from("products").update({ stock: 20 })
  .eq("company_id", "c0000000-0000-4000-8000-000000000002").eq("name", "Robe wax");
if (stockError) throw stockError;
const { data: live, error: liveError } = await owner.functions.invoke("toggle-live-mode", { body: { company_id: "boutique-awa", enable: true } });
if (liveError) throw liveError;
console.log(`live: ${live.status}`);

const webhook = `${url}/functions/v1/channels/${app.id}`;
const verified = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=${app.verifyToken}&hub.challenge=4242`);
console.log(`Meta's verification: ${verified.status} ${await verified.text()}`);

/** JSON as Meta sends it: non-ASCII characters and "/" escaped (what the signature covers). */
function metaJson(value) {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replaceAll("/", "\\/");
}

async function deliver(value) {
  const body = metaJson({
    object: "whatsapp_business_account",
    entry: [{ id: "waba-demo", changes: [{ field: "messages", value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId },
      ...value,
    } }] }],
  });
  const signature = `sha256=${createHmac("sha256", app.secret).update(body).digest("hex")}`;
  const res = await fetch(webhook, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body,
  });
  if (res.status !== 200) throw new Error(`webhook: ${res.status} ${await res.text()}`);
  return await res.json();
}

async function sentToCustomer() {
  const res = await fetch(`${url}/_local/graph/sent`);
  if (!res.ok) throw new Error(`the Graph API stand-in: ${res.status} (is the stack of this checkout running?)`);
  return (await res.json()).filter((send) => send.to === customer.wa_id);
}

/** One message from the customer; waits for the reply the Graph API received. */
async function say(text) {
  const before = (await sentToCustomer()).length;
  const started = Date.now();
  await deliver({
    contacts: [{ profile: { name: customer.name }, wa_id: customer.wa_id }],
    messages: [{ from: customer.wa_id, id: `wamid.DEMO${run}${randomUUID().slice(0, 8)}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
  });
  console.log(`  ${customer.name} > ${text}`);
  for (;;) {
    const sent = await sentToCustomer();
    if (sent.length > before) {
      console.log(`  bot (WhatsApp, ${Date.now() - started} ms) > ${sent.at(-1).text}`);
      return sent.at(-1);
    }
    if (Date.now() - started > 20_000) throw new Error("no reply within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

console.log(`\nconversation (customer ${customer.wa_id}):`);
await say("Bonjour 👋");
await say("je veux la robe wax rouge en M");
await say("livraison à Pikine, mon numéro 77 123 45 67");
const last = await say(`J'ai payé 17 500 FCFA par Wave, réf. TXN${run}`);

// Meta's statuses for the last reply, in the wrong order: read never goes back to sent.
for (const status of ["read", "sent", "delivered"]) {
  await deliver({ statuses: [{ id: last.id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: customer.wa_id }] });
}
const { data: outbox, error: outboxError } = await server.from("channel_outbox").select("status, external_id")
  .eq("external_id", last.id).single();
if (outboxError) throw outboxError;
console.log(`\nstatus of the last reply after read, sent, delivered (in that order): ${outbox.status}`);

const { data: orders, error: ordersError } = await server.from("orders")
  .select("order_number, total_amount, status, payment_status, customer_phone")
  .eq("company_id", "c0000000-0000-4000-8000-000000000002").order("created_at", { ascending: false }).limit(1);
if (ordersError) throw ordersError;
console.log(`the order in the database: ${JSON.stringify(orders[0])}`);
const { data: inbox } = await server.from("channel_messages").select("status").eq("sender", customer.wa_id);
console.log(`inbox: ${inbox.length} messages from ${customer.wa_id}, ${inbox.filter((m) => m.status === "done").length} done`);

await owner.functions.invoke("toggle-live-mode", { body: { company_id: "boutique-awa", enable: false } });
await owner.auth.signOut();
