/**
 * Answers from the context, and the check on a model's answer.
 *
 * - `answerOffline`: correct French answers built from the context alone for the common
 *   questions (counts, unpaid invoices with amounts, urgent tasks, a client's card, the week's
 *   appointments…); every figure is the context's.
 * - `unsupportedNumbers`: the numbers of a reply that the context (or the question) does not
 *   hold; a model's reply with any is replaced by the offline answer.
 */
import type { Intent } from "./intent.ts";
import { eur, frDate, frDateTime, frList, plural } from "./format.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface EntityMatch {
  /** The client's card, when one client matched. */
  card?: Json;
  /** Several close matches: the bot asks which one. */
  candidates?: string[];
  /** The name looked up, when nothing matched. */
  missing?: string;
}

export interface Answer {
  text: string;
  /** The figures it rests on. */
  facts: Record<string, unknown>;
}

const more = (shown: number, total: number, what: string) =>
  total > shown ? ` (et ${plural(total - shown, what)} de plus)` : "";

export function answerOffline(intent: Intent, context: Json, entity?: EntityMatch): Answer {
  const billing = context.billing;
  switch (intent) {
    case "clients_count": {
      const c = context.clients;
      const recent = (c.recent_clients as Json[]).slice(0, 3).map((r) => r.name);
      return {
        text: `Vous avez ${plural(Number(c.total_clients), "client")}.` +
          (recent.length ? ` Les plus récents : ${frList(recent)}.` : ""),
        facts: { total_clients: Number(c.total_clients) },
      };
    }
    case "unpaid_invoices": {
      const i = billing.invoices;
      const unpaid = Number(i.unpaid);
      if (unpaid === 0) {
        return { text: "Vous n'avez aucune facture impayée.", facts: { unpaid: 0, total_unpaid_amount: 0 } };
      }
      const list = (i.unpaid_list as Json[]).map((u) =>
        `${u.number}${u.client ? ` (${u.client})` : ""} : ${eur(u.amount)}${
          u.due_date ? `, échéance le ${frDate(u.due_date)}` : ""
        }${u.overdue ? ", en retard" : ""}`
      );
      return {
        text:
          `Vous avez ${plural(unpaid, "facture impayée", "factures impayées")}, pour un total de ${
            eur(i.total_unpaid_amount)
          }` +
          `${Number(i.overdue) ? `, dont ${Number(i.overdue)} en retard (${eur(i.overdue_amount)})` : ""} : ${
            list.join(" ; ")
          }` +
          `${more(list.length, unpaid, "facture")}.`,
        facts: { unpaid, total_unpaid_amount: Number(i.total_unpaid_amount), overdue: Number(i.overdue) },
      };
    }
    case "overdue_invoices": {
      const i = billing.invoices;
      const overdue = (i.unpaid_list as Json[]).filter((u) => u.overdue);
      if (Number(i.overdue) === 0) {
        return { text: "Aucune facture n'est en retard de paiement.", facts: { overdue: 0 } };
      }
      return {
        text:
          `${plural(Number(i.overdue), "facture est", "factures sont")} en retard de paiement, pour ${
            eur(i.overdue_amount)
          } : ` +
          overdue.map((u) =>
            `${u.number}${u.client ? ` (${u.client})` : ""}, ${eur(u.amount)}, échue le ${frDate(u.due_date)}`
          ).join(" ; ") +
          `${more(overdue.length, Number(i.overdue), "facture")}.`,
        facts: { overdue: Number(i.overdue), overdue_amount: Number(i.overdue_amount) },
      };
    }
    case "quotes": {
      const q = billing.quotes;
      const pending = (q.recent as Json[]).filter((r) => r.status === "En attente");
      return {
        text:
          `Vous avez ${plural(Number(q.total), "devis", "devis")}, dont ${
            Number(q.pending)
          } en attente pour ${eur(q.pending_amount)}` +
          (pending.length
            ? ` : ${
              pending.map((r) =>
                `${r.number} ${r.title ?? ""}${r.client ? ` (${r.client})` : ""}, ${eur(r.amount)}`
              ).join(" ; ")
            }`
            : "") +
          ".",
        facts: {
          quotes: Number(q.total),
          pending: Number(q.pending),
          pending_amount: Number(q.pending_amount),
        },
      };
    }
    case "revenue": {
      const i = billing.invoices;
      return {
        text:
          `Vous avez encaissé ${eur(i.paid_amount)} (${
            plural(Number(i.paid), "facture payée", "factures payées")
          }) ; ` +
          `${eur(i.total_unpaid_amount)} restent à encaisser sur ${
            plural(Number(i.unpaid), "facture impayée", "factures impayées")
          }.`,
        facts: { paid_amount: Number(i.paid_amount), total_unpaid_amount: Number(i.total_unpaid_amount) },
      };
    }
    case "urgent_tasks": {
      const t = context.tasks;
      const count = Number(t.urgent_count);
      if (count === 0) {
        return { text: "Vous n'avez aucune tâche urgente en cours.", facts: { urgent_count: 0 } };
      }
      const list = (t.urgent as Json[]).map((u) =>
        `${u.title} (${u.priority.toLowerCase()}, ${u.status.toLowerCase()}${
          u.due_date ? `, pour le ${frDate(u.due_date)}` : ""
        })`
      );
      return {
        text: `Vous avez ${plural(count, "tâche urgente", "tâches urgentes")} : ${list.join(" ; ")}${
          more(list.length, count, "tâche")
        }.`,
        facts: { urgent_count: count },
      };
    }
    case "tasks": {
      const t = context.tasks;
      const s = t.by_status;
      return {
        text:
          `Vous avez ${plural(Number(t.total), "tâche")} : ${s["À faire"]} à faire, ${
            s["En cours"]
          } en cours et ${s["Terminée"]} ` +
          `${Number(s["Terminée"]) === 1 ? "terminée" : "terminées"}, dont ${Number(t.urgent_count)} ${
            Number(t.urgent_count) === 1 ? "urgente" : "urgentes"
          }.`,
        facts: { total: Number(t.total), ...s },
      };
    }
    case "week_appointments":
    case "today_appointments": {
      const a = context.appointments;
      const today = intent === "today_appointments";
      const todayIso = String(context.company?.today ?? "");
      const list = (a.week as Json[]).filter((w) =>
        !today || (todayIso && w.scheduled_date.startsWith(todayIso))
      );
      const count = today ? Number(a.today) : Number(a.this_week);
      if (count === 0) {
        return {
          text: today
            ? "Vous n'avez aucun rendez-vous aujourd'hui."
            : "Vous n'avez aucun rendez-vous cette semaine.",
          facts: { count: 0 },
        };
      }
      return {
        text:
          `${today ? "Aujourd'hui" : "Cette semaine"}, vous avez ${
            plural(count, "rendez-vous", "rendez-vous")
          } : ` +
          list.map((w) =>
            `${frDateTime(w.scheduled_date)}, ${w.subject}${w.client ? ` avec ${w.client}` : ""}${
              w.location ? ` (${w.location})` : ""
            }`
          ).join(" ; ") +
          `${more(list.length, count, "rendez-vous")}.`,
        facts: { count },
      };
    }
    case "projects": {
      const p = context.projects;
      const active = (p.recent as Json[]).filter((r) => r.status === "En cours");
      return {
        text:
          `Vous avez ${plural(Number(p.active), "projet en cours", "projets en cours")} sur ${
            Number(p.total)
          }` +
          (active.length
            ? ` : ${
              active.map((r) => `${r.name}${r.client ? ` (${r.client})` : ""}, ${r.progress} %`).join(" ; ")
            }`
            : "") +
          ".",
        facts: { active: Number(p.active), total: Number(p.total) },
      };
    }
    case "followups": {
      const f = context.followups;
      const count = Number(f.pending);
      if (count === 0) return { text: "Vous n'avez aucune relance à faire.", facts: { pending: 0 } };
      return {
        text: `Vous avez ${plural(count, "relance", "relances")} à faire : ` +
          (f.recent as Json[]).map((r) =>
            `${r.subject}${r.client ? ` (${r.client})` : ""}${
              r.due_date ? `, pour le ${frDate(r.due_date)}` : ""
            }`
          ).join(" ; ") +
          `${more((f.recent as Json[]).length, count, "relance")}.`,
        facts: { pending: count },
      };
    }
    case "inbox": {
      const b = context.inbox;
      const unread = (b.recent_conversations as Json[]).filter((t) => t.unread);
      return {
        text:
          `Vous avez ${plural(Number(b.unread), "conversation non lue", "conversations non lues")}, dont ${
            Number(b.urgent)
          } ` +
          `${Number(b.urgent) === 1 ? "urgente" : "urgentes"}` +
          (unread.length
            ? ` : ${
              unread.map((t) =>
                `${t.subject}${t.client ? ` (${t.client})` : ""}${t.urgent ? ", urgent" : ""}`
              ).join(" ; ")
            }`
            : "") +
          ".",
        facts: { unread: Number(b.unread), urgent: Number(b.urgent) },
      };
    }
    case "client_card": {
      if (entity?.candidates) {
        return {
          text: `J'ai trouvé plusieurs clients proches : ${
            frList(entity.candidates)
          }. Lequel voulez-vous dire ?`,
          facts: { candidates: entity.candidates },
        };
      }
      const card = entity?.card;
      if (!card) return { text: `Je ne trouve pas de client nommé « ${entity?.missing ?? ""} ».`, facts: {} };
      const contact = [card.email, card.phone, card.city].filter(Boolean).join(", ");
      const inv = card.invoices;
      const parts = [
        `${card.name}${contact ? ` : ${contact}` : ""}, client depuis le ${frDate(card.client_since)}.`,
        `Factures : ${Number(inv.total)}${
          Number(inv.unpaid)
            ? `, dont ${Number(inv.unpaid)} impayée${Number(inv.unpaid) > 1 ? "s" : ""} pour ${
              eur(inv.unpaid_amount)
            }`
            : ", aucune impayée"
        }.`,
        Number(card.quotes.pending) ? `Devis en attente : ${Number(card.quotes.pending)}.` : "",
        (card.projects as Json[]).length
          ? `Projets : ${
            (card.projects as Json[]).map((p) => `${p.name} (${p.status.toLowerCase()}, ${p.progress} %)`)
              .join(", ")
          }.`
          : "",
        card.next_appointment
          ? `Prochain rendez-vous : ${
            frDateTime(card.next_appointment.scheduled_date)
          }, ${card.next_appointment.subject}.`
          : "",
      ];
      return {
        text: parts.filter(Boolean).join(" "),
        facts: { client: card.name, unpaid: Number(inv.unpaid) },
      };
    }
    case "company": {
      const c = context.company;
      return {
        text:
          `${c.name}${c.sector ? `, ${c.sector}` : ""}${
            c.is_auto_entrepreneur ? ", auto-entrepreneur" : ""
          }` +
          `${c.vat_exempt ? ", exonérée de TVA" : ", assujettie à la TVA"}.`,
        facts: {},
      };
    }
    case "overview": {
      const parts: string[] = [];
      if (context.clients) parts.push(plural(Number(context.clients.total_clients), "client"));
      if (billing) {
        parts.push(
          `${plural(Number(billing.invoices.unpaid), "facture impayée", "factures impayées")} (${
            eur(billing.invoices.total_unpaid_amount)
          })`,
        );
      }
      if (context.tasks) {
        parts.push(plural(Number(context.tasks.urgent_count), "tâche urgente", "tâches urgentes"));
      }
      if (context.appointments) {
        parts.push(
          `${plural(Number(context.appointments.this_week), "rendez-vous", "rendez-vous")} cette semaine`,
        );
      }
      return {
        text: `En résumé : ${
          frList(parts)
        }. Posez-moi une question sur vos clients, devis, factures, tâches, projets, rendez-vous, relances ou messages.`,
        facts: {},
      };
    }
  }
}

/** The numbers written in a text: « 15 860,50 € » → 15860.5, « 02/12/2026 » → 2, 12, 2026. */
export function numbersIn(text: string): number[] {
  const found: number[] = [];
  for (const match of text.matchAll(/\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?/g)) {
    const raw = match[0].replace(/[ \u00a0\u202f]/g, "");
    // « 02/12 » and « 2026-12-02 » split on their separators; « 15,50 » is a decimal.
    found.push(Number(raw.replace(",", ".")));
  }
  return found;
}

const DATE = /\b(\d{1,2})\/(\d{1,2})(?:\/(\d{4}))?\b/g;
const ISO_DATE = /(\d{4})-(\d{2})-(\d{2})/g;
const TIME = /\b(\d{1,2})[:h](\d{2})\b/g;
const PHONE = /\b0\d(?:[ .]?\d{2}){4}\b/g;

/** What the context holds: its numeric values and list lengths, its strings, dates, times and phone numbers. */
export function contextFacts(value: unknown) {
  const numbers = new Set<number>();
  const strings = new Set<string>();
  const dates = new Set<string>();
  const times = new Set<string>();
  const phones = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "number") numbers.add(Math.round(v * 100) / 100);
    else if (typeof v === "string") {
      if (v.length >= 3 && /\p{L}/u.test(v)) strings.add(v);
      let rest = v;
      for (const m of v.matchAll(ISO_DATE)) {
        dates.add(`${Number(m[3])}/${Number(m[2])}/${m[1]}`);
        dates.add(`${Number(m[3])}/${Number(m[2])}`);
      }
      rest = rest.replace(/(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/g, (_m, _y, _mo, _d, h, mi) => {
        if (h) times.add(`${Number(h)}:${mi}`);
        return " ";
      });
      for (const m of rest.matchAll(PHONE)) phones.add(m[0].replace(/\D/g, ""));
      // The other numbers inside strings (« Tâche 3 », « FAC-2026-019 ») are not values: a reply may
      // only quote them inside the same string.
    } else if (Array.isArray(v)) {
      numbers.add(v.length);
      v.forEach(walk);
    } else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return { numbers, strings: [...strings].sort((a, b) => b.length - a.length), dates, times, phones };
}

/**
 * The figures of `reply` the context (or the question) does not hold: each amount or count must
 * be one of its values, each date one of its dates, each time and phone number one of its own;
 * a numbered list's markers (« 1. ») are not figures.
 */
export function unsupportedNumbers(reply: string, context: unknown, question: string): number[] {
  const facts = contextFacts(context);
  for (const n of numbersIn(question)) facts.numbers.add(n);
  const wrong: number[] = [];
  let text = reply.replace(/^\s*\d{1,2}[.)]\s/gm, " ");
  // The context's own strings quoted as they are (names, titles, invoice numbers) are not figures.
  for (const quoted of facts.strings) if (text.includes(quoted)) text = text.split(quoted).join(" ");
  text = text.replace(PHONE, (m) => {
    if (!facts.phones.has(m.replace(/\D/g, ""))) wrong.push(Number(m.replace(/\D/g, "")));
    return " ";
  });
  text = text.replace(DATE, (_m, d, mo, y) => {
    if (!facts.dates.has(y ? `${Number(d)}/${Number(mo)}/${y}` : `${Number(d)}/${Number(mo)}`)) {
      wrong.push(Number(`${d}${mo}${y ?? ""}`));
    }
    return " ";
  });
  text = text.replace(TIME, (_m, h, mi) => {
    if (!facts.times.has(`${Number(h)}:${mi}`)) wrong.push(Number(`${h}${mi}`));
    return " ";
  });
  text = text.replace(/[-/]/g, "|");
  for (const n of numbersIn(text)) if (!facts.numbers.has(Math.round(n * 100) / 100)) wrong.push(n);
  return wrong;
}
