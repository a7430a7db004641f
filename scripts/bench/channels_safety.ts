/**
 * The channels benchmark's correctness sections, each over the relay in-process
 * (channels_harness.ts) and each returning its figures with `met`:
 *
 * - replays: customers' order flows (product, zone and phone, then the payment proof) run at
 *   once, every payload posted 5× at once, then 5× more one after the other once answered, a
 *   second instance draining beside the webhooks' own: duplicate replies and orders (target 0, 0);
 * - signatures: payloads full of accents and emoji signed as Meta signs them (target: all 200,
 *   stored with their text intact), and as many tampered (target: all 401, none stored);
 * - statuses: sent/delivered/read for sent replies, duplicated, shuffled, 1-3 to a webhook, 10
 *   webhooks at once; the outbox status read back after every 200 must never be below what was
 *   acknowledged (target 0 regressions, all `read` at the end).
 */
import { combinePayloads, wamid, whatsappStatus, whatsappText } from "../../tests/support/fake_meta.ts";
import { type Harness, pool } from "./channels_harness.ts";
import { summary } from "./processes.ts";

/** `flows` customers' order flows, each payload replayed 5× at once and 5× in a row. */
export async function replays(h: Harness, flows: number) {
  const { relay, sends } = h;
  const tag = Date.now().toString(36).toUpperCase();
  const people = Array.from({ length: flows }, h.customer);
  const other = relay.otherWorker();
  let racing = true;
  const rival = (async () => {
    while (racing) {
      await other.drain();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let posts = 0;
  await Promise.all(people.map(async (from, i) => {
    const texts = [
      "je veux le sac en cuir noir",
      `livraison Pikine, 77 ${100 + i} 45 67`,
      `J'ai payé 20 500 FCFA par Wave, réf. TXN${tag}${String(i).padStart(2, "0")}`,
    ];
    for (let k = 0; k < texts.length; k++) {
      const signed = await relay.sign(h.text(from, texts[k]));
      await Promise.all(Array.from({ length: 5 }, () => h.post(signed)));
      await sends.nth(from, k + 1);
      for (let j = 0; j < 5; j++) await h.post(signed);
      posts += 10;
    }
  }));
  await relay.settle();
  racing = false;
  await rival;
  await relay.settle();
  await new Promise((resolve) => setTimeout(resolve, 200)); // a late duplicate would show here
  const rows = await relay.shop.db.sql<{ sender: string; inbox: number; outbox: number }[]>`
    select m.sender, count(distinct m.id)::integer as inbox, count(o.id)::integer as outbox
      from public.channel_messages m left join public.channel_outbox o on o.in_reply_to = m.id
     where m.company_id = ${relay.shop.id} and m.sender = any(${people})
     group by m.sender`;
  const orders = await relay.shop.db.sql<{ external_id: string; orders: number }[]>`
    select c.external_id, count(o.id)::integer as orders
      from public.conversations c left join public.orders o on o.conversation_id = c.id
     where c.company_id = ${relay.shop.id} and c.external_id = any(${people.map((p) => `whatsapp:${p}`)})
     group by c.external_id`;
  const inbox = rows.reduce((a, r) => a + r.inbox, 0);
  const sent = people.map((p) => relay.meta.sent.filter((s) => s.to === p).length);
  const duplicateReplies = people.reduce((a, p, i) => {
    const stored = rows.find((r) => r.sender === p)?.inbox ?? 0;
    return a + Math.max(0, sent[i] - stored);
  }, 0);
  const duplicateOrders = orders.reduce((a, o) => a + Math.max(0, o.orders - 1), 0);
  const ordersCreated = orders.reduce((a, o) => a + Math.min(1, o.orders), 0);
  return {
    customers: flows,
    messages: flows * 3,
    posts,
    inbox_rows: inbox,
    outbox_rows: rows.reduce((a, r) => a + r.outbox, 0),
    graph_sends: sent.reduce((a, b) => a + b, 0),
    duplicate_replies: duplicateReplies,
    customers_with_an_order: ordersCreated,
    duplicate_orders: duplicateOrders,
    met: duplicateReplies === 0 && duplicateOrders === 0 && inbox === flows * 3 && ordersCreated === flows,
  };
}

const ACCENTED = [
  "Bonjour, je voudrais la robe à fleurs 😍",
  "Ça coûte combien ? Réponse rapide s’il vous plaît 🙏🏾",
  "Où êtes-vous situés exactement ? 📍 Près de la gare ?",
  "Je préfère le boubou brodé, c’est possible en bordeaux ? 🤔",
  "Merci beaucoup ! 👍🏽 À bientôt « inchallah »",
  "Livraison à Médina demain matin, ça marche ? 🚚💨",
  "Mon numéro : 77 123 45 67 — appelez-moi après 18h ☎️",
  "Vous acceptez Wave ou Orange Money ? 💸 Réf./Opération",
  "La jupe plissée noire taille M, il en reste ? 👩🏾‍💼",
  "Trop belle la collection 🔥🔥 félicitations à l’équipe 👏🏿",
];
const NAMES = ["Aïssatou", "Fatoumata Bâ", "Mame Diarra Ndiaye", "Sokhna Sèye", "Khadidiatou Cissé"];

/** `total` accented payloads signed as Meta signs them, and `total` tampered ones. */
export async function signatures(h: Harness, total: number) {
  const { relay } = h;
  const people = Array.from({ length: Math.ceil(total / ACCENTED.length) }, h.customer);
  const payloads = Array.from({ length: total }, (_, i) => {
    const id = wamid();
    const body = ACCENTED[i % ACCENTED.length];
    const payload = whatsappText({
      phoneNumberId: relay.accounts.whatsapp,
      from: people[Math.floor(i / ACCENTED.length)],
      name: NAMES[i % NAMES.length],
      text: body,
      id,
    });
    return { id, body, payload };
  });
  const accepted = await pool(total, 10, async (i) => {
    const res = await relay.deliver(payloads[i].payload);
    await res.body?.cancel();
    return res.status;
  });

  const kinds = ["one_byte_changed", "json_reserialised", "wrong_secret"] as const;
  const tampered = Array.from({ length: total }, (_, i) => {
    const id = wamid();
    const payload = whatsappText({
      phoneNumberId: relay.accounts.whatsapp,
      from: people[Math.floor(i / ACCENTED.length)],
      name: NAMES[i % NAMES.length],
      text: ACCENTED[i % ACCENTED.length],
      id,
    });
    return { id, kind: kinds[i % kinds.length], payload };
  });
  const refused = await pool(total, 10, async (i) => {
    const { kind, payload } = tampered[i];
    const signed = await relay.sign(
      payload,
      kind === "wrong_secret" ? "another-apps-secret-0123456789" : undefined,
    );
    let body = signed.body;
    if (kind === "one_byte_changed") {
      // Meta's body is ASCII (escaped unicode): one character of the text is one byte.
      const at = body.indexOf('"body":"') + 8;
      body = body.slice(0, at) + (body[at] === "a" ? "b" : "a") + body.slice(at + 1);
    } else if (kind === "json_reserialised") {
      body = JSON.stringify(JSON.parse(body));
    }
    const res = await relay.post(body, signed.headers);
    await res.body?.cancel();
    return res.status;
  });
  await relay.settle();

  const stored = await relay.shop.db.sql<{ external_id: string; text: string }[]>`
    select external_id, text from public.channel_messages
     where external_id = any(${[...payloads.map((p) => p.id), ...tampered.map((t) => t.id)]})`;
  const byId = new Map(stored.map((s) => [s.external_id, s.text]));
  const intact = payloads.filter((p) => byId.get(p.id) === p.body).length;
  const storedTampered = tampered.filter((t) => byId.has(t.id)).length;
  const byKind = Object.fromEntries(kinds.map((kind) => {
    const of = tampered.map((t, i) => [t, refused[i]] as const).filter(([t]) => t.kind === kind);
    return [kind, { posted: of.length, refused_401: of.filter(([, s]) => s === 401).length }];
  }));
  const ok200 = accepted.filter((s) => s === 200).length;
  const refused401 = refused.filter((s) => s === 401).length;
  return {
    signed: { posted: total, accepted_200: ok200, stored_text_intact: intact },
    tampered: { posted: total, refused_401: refused401, stored: storedTampered, by_kind: byKind },
    met: ok200 === total && intact === total && refused401 === total && storedTampered === 0,
  };
}

const RANK: Record<string, number> = { pending: 0, sending: 0, sent: 1, delivered: 2, read: 3 };

/** Statuses for up to `wanted` replies already sent to `people`, out of order and duplicated. */
export async function statuses(h: Harness, people: string[], wanted: number) {
  const { relay, rng } = h;
  const targets = relay.meta.sent.filter((s) => people.includes(s.to ?? "")).slice(0, wanted)
    .map((s) => ({ id: s.id, to: s.to! }));
  const items: { id: string; to: string; status: string; at: number }[] = [];
  const base = Math.floor(Date.now() / 1000);
  for (const t of targets) {
    const all = ["sent", "delivered", "read"];
    for (let d = 1 + rng.int(2); d > 0; d--) all.push(all[rng.int(3)]);
    for (const status of all) items.push({ ...t, status, at: base + RANK[status] });
  }
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  const webhooks: (typeof items)[] = [];
  for (let i = 0; i < items.length;) {
    const n = 1 + rng.int(3);
    webhooks.push(items.slice(i, i + n));
    i += n;
  }
  const acked = new Map<string, number>();
  const observed = new Map<string, number>();
  let regressions = 0;
  const ackMs = await pool(webhooks.length, 10, async (w) => {
    const group = webhooks[w];
    const payload = combinePayloads(
      ...group.map((s) =>
        whatsappStatus({
          phoneNumberId: relay.accounts.whatsapp,
          id: s.id,
          status: s.status,
          recipient: s.to,
          timestamp: s.at,
        })
      ),
    );
    const ms = await h.post(await relay.sign(payload));
    for (const s of group) acked.set(s.id, Math.max(acked.get(s.id) ?? 0, RANK[s.status]));
    const ids = [...new Set(group.map((s) => s.id))];
    const rows = await relay.shop.db.sql<{ external_id: string; status: string }[]>`
      select external_id, status from public.channel_outbox where external_id = any(${ids})`;
    for (const row of rows) {
      const rank = RANK[row.status] ?? -1;
      if (rank < acked.get(row.external_id)! || rank < (observed.get(row.external_id) ?? 0)) regressions++;
      observed.set(row.external_id, Math.max(rank, observed.get(row.external_id) ?? 0));
    }
    return ms;
  });
  const final = await relay.shop.db.sql<{ status: string; n: number }[]>`
    select status, count(*)::integer as n from public.channel_outbox
     where external_id = any(${targets.map((t) => t.id)}) group by status`;
  const finalRead = final.find((f) => f.status === "read")?.n ?? 0;
  return {
    messages: targets.length,
    statuses_delivered: items.length,
    duplicates: items.length - 3 * targets.length,
    webhooks: webhooks.length,
    ack_ms: summary(ackMs),
    regressions_observed: regressions,
    final: Object.fromEntries(final.map((f) => [f.status, f.n])),
    met: regressions === 0 && finalRead === targets.length,
  };
}
