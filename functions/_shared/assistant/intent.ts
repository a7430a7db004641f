/**
 * What a question is about: the intent and the context sections it needs. Keywords first (the
 * fallback, and what runs offline); the router model, when there is one, may pick sections with
 * structured output, checked against the list. A client's (or project's) name is taken from the
 * question for the entity lookup, and a period (« ce mois-ci ») for the billing totals. A
 * follow-up (« et le mois dernier ? ») keeps the previous question's subject.
 */
import { z } from "zod";
import { foldText } from "../providers/lexical.ts";
import { parsePeriod } from "./period.ts";
import type { AssistantSection } from "../../../types/api.ts";
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatProvider, ChatRequest } from "../providers/types.ts";
import { chatCalls, failedCalls, type LedgerCall } from "../usage.ts";

export type Intent =
  | "clients_count"
  | "unpaid_invoices"
  | "overdue_invoices"
  | "quotes"
  | "revenue"
  | "invoices_count"
  | "best_client"
  | "urgent_tasks"
  | "tasks"
  | "week_appointments"
  | "today_appointments"
  | "projects"
  | "followups"
  | "inbox"
  | "client_card"
  | "company"
  | "overview";

export interface Classified {
  intent: Intent;
  sections: AssistantSection[];
  /** The name to look up (a client's card). */
  entity?: string;
  /** The period of a revenue or invoice-count question (a `billing_period_totals` key). */
  period?: string;
  /** Asked as a follow-up: the subject is the previous question's. */
  followUp?: boolean;
}

/** The intents a period applies to. */
const PERIODIC: Intent[] = ["revenue", "invoices_count"];

const RULES: [RegExp, Intent, AssistantSection[]][] = [
  [
    /meilleurs? clients?|plus gros clients?|principaux clients|top \d* ?clients?|clients? (qui (me )?(rapporte|paye|achete)|les plus (rentables|importants))/,
    "best_client",
    ["billing"],
  ],
  [/\ben retard\b|\bechue?s?\b|retard de paiement/, "overdue_invoices", ["billing"]],
  [/impaye|non paye|pas (encore )?paye|me doi(ven)?t|reste a (payer|encaisser)/, "unpaid_invoices", [
    "billing",
  ]],
  [/chiffre d.?affaires|encaisse|\bca\b|revenus?|\b(ai|avons|a)\b.{0,8}\bfacture\b/, "revenue", ["billing"]],
  [
    /(combien|nombre|total) (de |d.)?factures|factures? (emises?|envoyees?|editees?|faites?|redigees?)|\bemis\b/,
    "invoices_count",
    ["billing"],
  ],
  [/\bdevis\b/, "quotes", ["billing"]],
  [/\bfactur/, "unpaid_invoices", ["billing"]],
  [/urgent|priorit/, "urgent_tasks", ["tasks"]],
  [
    /\b(qui est|c.?est qui|qui c.?est|fiche|coordonnees|infos? sur|informations sur|telephone de|email de|mail de|numero de)\b/,
    "client_card",
    ["clients"],
  ],
  [/\btaches?\b|\ba faire\b|todo/, "tasks", ["tasks"]],
  [
    /(rendez.?vous|\brdv\b|agenda|planning|rencontre).*aujourd.?hui|aujourd.?hui.*(rendez.?vous|\brdv\b|agenda)/,
    "today_appointments",
    ["appointments"],
  ],
  [/rendez.?vous|\brdv\b|agenda|planning/, "week_appointments", ["appointments"]],
  [/\bprojets?\b|\bchantiers?\b/, "projects", ["projects"]],
  [/relanc|a relancer|suivis?\b/, "followups", ["followups"]],
  [/\bmessages?\b|boite|inbox|non lus?|conversations?/, "inbox", ["inbox"]],
  [/combien.*clients?|nombre de clients|mes clients|clients?\b/, "clients_count", ["clients"]],
  [/entreprise|societe|\btva\b|auto.?entrepreneur/, "company", ["company"]],
];

/** The name after « qui est (mon client) », « fiche de », « client » — as written, trimmed. */
export function entityName(question: string): string | undefined {
  const match =
    /(?:qui est|c['’ ]?est qui|qui c['’ ]?est|fiche(?: client)?(?: de)?|coordonn[ée]es de|infos? sur|informations sur|t[ée]l[ée]phone de|e?-?mail de|num[ée]ro de)[\s,:]+(?:mon |ma |le |la |l'|notre )?(?:client[e]? |projet )?(.+?)\s*[?.!]*$/i
      .exec(question.trim());
  const name = match?.[1]?.replace(/^(?:mon|ma|le|la|notre)\s+(?:client[e]?\s+)?/i, "").trim();
  return name && name.length >= 2 && name.length <= 120 ? name : undefined;
}

export function classifyOffline(question: string): Classified {
  const folded = foldText(question);
  for (const [pattern, intent, sections] of RULES) {
    if (pattern.test(folded)) {
      if (intent === "client_card") {
        const entity = entityName(question);
        if (entity) return { intent, sections, entity };
        continue;
      }
      const period = PERIODIC.includes(intent) ? parsePeriod(folded) : undefined;
      return period ? { intent, sections, period } : { intent, sections };
    }
  }
  return { intent: "overview", sections: ["company", "clients", "billing", "tasks", "appointments"] };
}

/** « et le mois dernier ? », « et en 2025 ? »: a question that leans on the previous one. */
function leansOnPrevious(folded: string): boolean {
  return /^\s*(et|alors|pareil|idem|meme chose)\b/.test(folded) ||
    (folded.split(/\s+/).filter(Boolean).length <= 5 && parsePeriod(folded) !== undefined);
}

/**
 * The question's intent, taking the conversation's earlier questions (oldest first) into
 * account: a follow-up without a subject of its own keeps the last subject (its sections, its
 * client), with its own period if it names one.
 */
export function classifyTurn(question: string, previous: string[] = []): Classified {
  let subject: Classified | undefined;
  const resolve = (q: string): Classified => {
    const own = classifyOffline(q);
    const folded = foldText(q);
    if (own.intent !== "overview" || !subject || !leansOnPrevious(folded)) return own;
    const period = PERIODIC.includes(subject.intent) ? parsePeriod(folded) ?? subject.period : undefined;
    const { period: _previous, ...rest } = subject;
    return { ...rest, ...(period ? { period } : {}), followUp: true };
  };
  for (const q of previous) {
    const c = resolve(q);
    if (c.intent !== "overview") subject = c;
  }
  return resolve(question);
}

const SECTIONS = [
  "company",
  "clients",
  "billing",
  "tasks",
  "projects",
  "appointments",
  "followups",
  "inbox",
] as const;
const ModelPick = z.object({ sections: z.array(z.enum(SECTIONS)).min(1).max(8) });

/** The router's request: its output is bounded (the budget's reservation counts on it). */
export function routerRequest(question: string, timeoutMs: number): ChatRequest {
  return {
    messages: [
      {
        role: "system",
        content:
          "Classe la question d'un chef d'entreprise sur ses propres données. Choisis les sections utiles parmi : " +
          "company (l'entreprise), clients, billing (devis et factures), tasks (tâches), projects (projets), " +
          "appointments (rendez-vous), followups (relances), inbox (messages).",
      },
      { role: "user", content: question },
    ],
    json: {
      name: "sections",
      schema: {
        type: "object",
        additionalProperties: false,
        required: ["sections"],
        properties: { sections: { type: "array", items: { type: "string", enum: [...SECTIONS] } } },
      },
    },
    temperature: 0,
    maxTokens: 60,
    timeoutMs,
  };
}

/**
 * The router model's pick of sections (structured output), merged with the keywords' (which
 * keep the intent, hence the offline answer's shape); null when the model fails. `calls` are
 * the ledger's rows for it (failed attempts included), whatever happened.
 */
export async function classifyWithModel(
  router: ChatProvider,
  question: string,
  timeoutMs: number,
  model?: string | null,
): Promise<{ sections: AssistantSection[] | null; calls: LedgerCall[] }> {
  try {
    const result = await router.complete(routerRequest(question, timeoutMs));
    const calls = chatCalls(result, { requested: model ?? null });
    const parsed = ModelPick.safeParse(result.json);
    return { sections: parsed.success ? [...new Set(parsed.data.sections)] : null, calls };
  } catch (error) {
    return { sections: null, calls: error instanceof AllProvidersFailed ? failedCalls(error.attempts) : [] };
  }
}
