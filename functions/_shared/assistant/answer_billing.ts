/**
 * The billing answers beyond the lists: revenue (all time, or a period's from SQL), the count of
 * issued invoices, the best client by revenue. Every figure is the context's.
 */
import { eur, frList, plural } from "./format.ts";
import { answerPeriod } from "./period.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface BillingAnswer {
  text: string;
  facts: Record<string, unknown>;
}

/** « Combien j'ai encaissé ? »: a period's totals when the question names one, else all time. */
export function answerRevenue(context: Json, question = ""): BillingAnswer {
  if (context.period) return answerPeriod(context.period, /encaiss|touche|rentre|recu/.test(question));
  const i = context.billing.invoices;
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

/** « Combien de factures ai-je émises ? »: every issued invoice (drafts apart), by status; a period's when named. */
export function answerInvoicesCount(context: Json): BillingAnswer {
  if (context.period) return answerPeriod(context.period, false);
  const i = context.billing.invoices;
  const [issued, draft, paid, unpaid, cancelled] = [i.issued, i.draft, i.paid, i.unpaid, i.cancelled].map(
    Number,
  );
  const parts = [
    paid ? `${paid} ${paid === 1 ? "payée" : "payées"}` : "",
    unpaid ? `${unpaid} ${unpaid === 1 ? "impayée" : "impayées"}` : "",
    cancelled ? `${cancelled} ${cancelled === 1 ? "annulée" : "annulées"}` : "",
  ].filter(Boolean);
  return {
    text: `Vous avez émis ${plural(issued, "facture")}${
      draft ? ` (hors ${plural(draft, "brouillon")})` : ""
    }${parts.length ? ` : ${frList(parts)}` : ""}.`,
    facts: { issued, draft, paid, unpaid, cancelled, total: Number(i.total) },
  };
}

/** « Qui est mon meilleur client ? »: by revenue (invoiced, pending or paid), or declined when nothing says. */
export function answerBestClient(context: Json): BillingAnswer {
  const top = (context.billing.invoices.top_clients ?? []) as Json[];
  if (top.length === 0) {
    return {
      text:
        "Je ne peux pas désigner de meilleur client : aucune facture émise (payée ou à payer) n'est rattachée à un client.",
      facts: {},
    };
  }
  const [best, ...rest] = top;
  const tied = rest.filter((r) => Number(r.invoiced_amount) === Number(best.invoiced_amount));
  const line = (c: Json) => `${c.name} (${eur(c.invoiced_amount)})`;
  const lead = tied.length
    ? `Vos meilleurs clients par chiffre d'affaires sont ex aequo : ${frList([best, ...tied].map(line))}.`
    : `Votre meilleur client par chiffre d'affaires est ${best.name} : ${
      eur(best.invoiced_amount)
    } facturés sur ${plural(Number(best.invoices), "facture")}, dont ${eur(best.paid_amount)} encaissés.`;
  const next = rest.filter((r) => !tied.includes(r));
  return {
    text: `${lead}${next.length ? ` Ensuite : ${frList(next.map(line))}.` : ""}` +
      " (Factures émises, payées ou à payer, hors brouillons et annulées.)",
    facts: { best_client: best.name, invoiced_amount: Number(best.invoiced_amount) },
  };
}
