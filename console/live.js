/**
 * The console's live column: the company's activities and orders through `postgres_changes`
 * (members only, under RLS) and Botlive's drafts filling on the private Broadcast topic
 * `company:<uuid>:botlive` (README « Botlive »). Each list starts from a read with from(), then
 * changes as events arrive.
 */
import { el, formatTime } from "./dom.js";

const STATUS = {
  SUBSCRIBED: "en direct",
  CHANNEL_ERROR: "erreur",
  TIMED_OUT: "délai dépassé",
  CLOSED: "fermé",
};
const ORDER_STATUS = {
  pending: "en attente",
  confirmed: "confirmée",
  shipped: "expédiée",
  delivered: "livrée",
  cancelled: "annulée",
};
const PAYMENT_STATUS = {
  unpaid: "non payée",
  to_verify: "paiement à vérifier",
  paid: "payée",
  refunded: "remboursée",
};

function activityItem(row, fresh) {
  return el("li", { dataset: { id: row.id }, className: fresh ? "fresh" : "" }, [
    el("time", { dateTime: row.created_at }, formatTime(row.created_at)),
    " ",
    el("strong", { className: row.status }, row.title),
    row.description ? el("div", {}, el("small", {}, row.description)) : "",
  ]);
}

function orderItem(row, fresh) {
  const amount = `${Number(row.total_amount).toLocaleString("fr-FR")} FCFA`;
  return el("li", { dataset: { id: row.id }, className: fresh ? "fresh" : "" }, [
    el("time", { dateTime: row.created_at }, formatTime(row.created_at)),
    " ",
    el("strong", {}, row.order_number ?? "Commande"),
    ` — ${row.customer_name ?? "client"}, ${amount}, `,
    el("span", {}, ORDER_STATUS[row.status] ?? row.status),
    `, ${PAYMENT_STATUS[row.payment_status] ?? row.payment_status}`,
  ]);
}

function draftItem(row, fresh) {
  const variant = Object.values(row.variant ?? {}).join(", ");
  return el("li", { dataset: { id: row.conversation_id }, className: fresh ? "fresh" : "" }, [
    el("time", { dateTime: row.updated_at }, formatTime(row.updated_at)),
    " ",
    el("strong", {}, row.customer_name ?? "Client"),
    ` — quantité ${row.quantity}${variant ? `, ${variant}` : ""}${row.phone ? `, ${row.phone}` : ""}`,
    row.asked ? el("div", {}, el("small", {}, `en attente : ${row.asked}`)) : "",
  ]);
}

/** Puts `item` first in `list`, replacing the element of the same id; keeps the latest `max`. */
function upsert(list, item, max = 50) {
  list.querySelector(`[data-id="${item.dataset.id}"]`)?.remove();
  list.prepend(item);
  while (list.children.length > max) list.lastElementChild.remove();
}

/** Adds `item` at the end of `list` unless an event already put it there (reads come after joins). */
function appendOnce(list, item) {
  if (!list.querySelector(`[data-id="${item.dataset.id}"]`)) list.append(item);
}

/**
 * Subscribes to the company's changes, then fills the three lists from a read (joined first, so
 * nothing written in between is missed); returns the state the page exposes ({ activities,
 * orders, drafts, feed, botlive }: titles, numbers, ids and channel statuses).
 * `onError(message)` hears what failed.
 */
export async function startLive(supabase, company, lists, onError) {
  const live = { activities: [], orders: [], drafts: [], feed: null, botlive: null };
  const joined = {};
  const joins = ["feed", "botlive"].map((name) => new Promise((resolve) => (joined[name] = resolve)));
  const setStatus = (which, status, error) => {
    live[which] = error ? `${status}: ${error.message}` : status;
    lists[`${which}Status`].textContent = STATUS[status] ?? status;
    if (error) onError(`temps réel (${which}) : ${error.message}`);
    joined[which]();
  };
  const items = {
    activities: (row, fresh) => {
      if (fresh) live.activities.unshift(row.title);
      return activityItem(row, fresh);
    },
    orders: (row, fresh) => {
      if (fresh) live.orders.unshift(row.order_number);
      return orderItem(row, fresh);
    },
    drafts: (row, fresh) => {
      live.drafts = [row.conversation_id, ...live.drafts.filter((id) => id !== row.conversation_id)];
      return draftItem(row, fresh);
    },
  };
  for (const list of [lists.activities, lists.orders, lists.drafts]) list.replaceChildren();

  supabase.channel(`console:${company.id}`)
    .on(
      "postgres_changes",
      { event: "INSERT", schema: "public", table: "activities", filter: `company_id=eq.${company.id}` },
      (change) => upsert(lists.activities, items.activities(change.new, true)),
    )
    .on(
      "postgres_changes",
      { event: "*", schema: "public", table: "orders", filter: `company_id=eq.${company.id}` },
      (change) => upsert(lists.orders, items.orders(change.new, true)),
    )
    .subscribe((status, error) => setStatus("feed", status, error));

  // A private topic: the join is checked against the policy on realtime.messages as this user.
  await supabase.realtime.setAuth();
  supabase.channel(`company:${company.id}:botlive`, { config: { private: true } })
    .on("broadcast", { event: "*" }, ({ event, payload }) => {
      if (event === "DELETE") {
        const id = payload.old_record?.conversation_id;
        live.drafts = live.drafts.filter((d) => d !== id);
        lists.drafts.querySelector(`[data-id="${id}"]`)?.remove();
      } else if (payload.record) {
        upsert(lists.drafts, items.drafts(payload.record, true));
      }
    })
    .subscribe((status, error) => setStatus("botlive", status, error));
  await Promise.all(joins);

  const [activities, orders, drafts] = await Promise.all([
    supabase.from("activities").select("id, type, title, description, status, created_at")
      .eq("company_id", company.id).order("created_at", { ascending: false }).limit(30),
    supabase.from("orders")
      .select("id, order_number, customer_name, total_amount, status, payment_status, created_at")
      .eq("company_id", company.id).order("created_at", { ascending: false }).limit(30),
    supabase.from("botlive_drafts")
      .select("conversation_id, customer_name, variant, quantity, phone, asked, updated_at")
      .eq("company_id", company.id).order("updated_at", { ascending: false }).limit(30),
  ]);
  for (
    const [what, read, name] of [
      ["activités", activities, "activities"],
      ["commandes", orders, "orders"],
      ["brouillons", drafts, "drafts"],
    ]
  ) {
    if (read.error) onError(`${what} : ${read.error.message}`);
    else for (const row of read.data) appendOnce(lists[name], items[name](row, false));
  }
  return live;
}
