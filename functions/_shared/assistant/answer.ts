/**
 * Answers from the context: correct French answers built from the context alone for the common
 * questions (counts, unpaid invoices with amounts, urgent tasks, a client's card, the week's
 * appointments, a period's revenue…); every figure is the context's. The check on a model's
 * answer is check.ts.
 */
import type { Intent } from "./intent.ts";
import { answerBestClient, answerInvoicesCount, answerRevenue } from "./answer_billing.ts";
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

/** The answer to `intent` from the context alone (`question` folded, for the wording). */
export function answerOffline(intent: Intent, context: Json, entity?: EntityMatch, question = ""): Answer {
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
    case "revenue":
      return answerRevenue(context, question);
    case "invoices_count":
      return answerInvoicesCount(context);
    case "best_client":
      return answerBestClient(context);
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
      const item = (w: Json) =>
        `${frDateTime(w.scheduled_date)}, ${w.subject}${w.client ? ` avec ${w.client}` : ""}${
          w.location ? ` (${w.location})` : ""
        }`;
      const lead = `${today ? "Aujourd'hui" : "Cette semaine"}, vous avez ${
        plural(count, "rendez-vous", "rendez-vous")
      }`;
      if (today || a.week_past === undefined) {
        return {
          text: `${lead} : ${list.map(item).join(" ; ")}${more(list.length, count, "rendez-vous")}.`,
          facts: { count },
        };
      }
      // The week: what is past, then what is to come (the company's « now »).
      const [past, upcoming] = [Number(a.week_past), Number(a.week_upcoming)];
      const shown = (items: Json[], n: number, words: string) =>
        `${n} ${words}${
          items.length ? ` (${items.map(item).join(" ; ")}${more(items.length, n, "rendez-vous")})` : ""
        }`;
      const parts = [
        past ? shown(list.filter((w) => w.past), past, past === 1 ? "passé" : "passés") : "",
        upcoming ? shown(list.filter((w) => !w.past), upcoming, "à venir") : "aucun à venir",
      ].filter(Boolean);
      return { text: `${lead} : ${parts.join(" et ")}.`, facts: { count, past, upcoming } };
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
