/**
 * Periods in an owner's words (« ce mois-ci », « en novembre », « l'an dernier », « en 2025 ») as
 * the keys `billing_period_totals` takes, and the answer from its totals: invoiced and collected,
 * both stated, the figures SQL's. Bounds and « today » are the company's (its time zone).
 */
import { eur, frDate, plural } from "./format.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const MONTHS = [
  "janvier",
  "fevrier",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "aout",
  "septembre",
  "octobre",
  "novembre",
  "decembre",
];
const MONTH_NAMES = [
  "janvier",
  "février",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "août",
  "septembre",
  "octobre",
  "novembre",
  "décembre",
];

const RELATIVE: [RegExp, string][] = [
  [/(mois (dernier|precedent|passe))|dernier mois/, "last_month"],
  [/(ce|du|le|par) mois|mois.?(ci|en cours)|\bmensuel/, "month"],
  [/semaine (derniere|precedente|passee)|derniere semaine/, "last_week"],
  [/(cette|la) semaine|semaine en cours/, "week"],
  [/trimestre (dernier|precedent|passe)|dernier trimestre/, "last_quarter"],
  [/(ce|du|le) trimestre|trimestre en cours/, "quarter"],
  [/(annee|an) (derniere|dernier|precedente|passee)|derniere annee/, "last_year"],
  [/(cette|l.|de l.) ?annee|annee en cours|depuis (le debut de l.annee|janvier)|\bannuel/, "year"],
  [/aujourd.?hui|\bce jour\b/, "today"],
];

/** The period a folded question names (a `billing_period_totals` key), if any. */
export function parsePeriod(folded: string): string | undefined {
  const month = new RegExp(`\\b(${MONTHS.join("|")})\\b(?:\\s+((?:19|20|21)\\d{2}))?`).exec(folded);
  if (month) {
    const mm = String(MONTHS.indexOf(month[1]) + 1).padStart(2, "0");
    return month[2] ? `${month[2]}-${mm}` : `m${mm}`;
  }
  // A bare year (« CA 2025 »), never the digits of an invoice number (« FAC-2026-019 »).
  const year = /(?:^|\s)((?:19|20|21)\d{2})(?=[\s?.!,]|$)/.exec(folded);
  if (year) return year[1];
  for (const [pattern, key] of RELATIVE) if (pattern.test(folded)) return key;
  return undefined;
}

/** « en novembre 2026 », « ce mois-ci (décembre 2026) », « en 2025 », « cette semaine (du 30/11/2026 au 06/12/2026) ». */
export function periodLabel(t: Json): string {
  const [fy, fm] = String(t.from).split("-").map(Number);
  const [ty, tm] = String(t.to).split("-").map(Number);
  const monthName = `${MONTH_NAMES[fm - 1]} ${fy}`;
  const range = `du ${frDate(t.from)} au ${frDate(t.to)}`;
  switch (t.period) {
    case "today":
      return `aujourd'hui (${frDate(t.from)})`;
    case "week":
      return `cette semaine (${range})`;
    case "last_week":
      return `la semaine dernière (${range})`;
    case "month":
      return `ce mois-ci (${monthName})`;
    case "quarter":
      return `ce trimestre (${range})`;
    case "last_quarter":
      return `le trimestre dernier (${range})`;
    case "year":
      return `cette année (${fy})`;
    case "last_year":
    case String(fy):
      return `en ${fy}`;
    default:
      return fy === ty && fm === tm ? `en ${monthName}` : range;
  }
}

/**
 * The period's answer: invoiced and collected (the one asked about first), the paid invoices
 * it cannot place, and « so far » for a period under way.
 */
export function answerPeriod(
  totals: Json,
  collectedFirst: boolean,
): { text: string; facts: Record<string, unknown> } {
  const label = periodLabel(totals);
  const invoiced = `facturé ${eur(totals.invoiced.amount)} (${
    plural(Number(totals.invoiced.count), "facture émise", "factures émises")
  })`;
  const collected = `encaissé ${eur(totals.collected.amount)} (${
    plural(Number(totals.collected.count), "facture payée", "factures payées")
  })`;
  const [first, second] = collectedFirst ? [collected, invoiced] : [invoiced, collected];
  const undated = Number(totals.paid_undated.count);
  // The label is quoted as the context holds it (its year is not a figure to check).
  const text =
    `Chiffre d'affaires ${label}${
      totals.current ? `, au ${frDate(totals.today)}` : ""
    } : vous avez ${first} et ${second}.` +
    (undated
      ? ` De plus, ${
        plural(undated, "facture payée sans date de paiement", "factures payées sans date de paiement")
      } (${eur(totals.paid_undated.amount)}) ne ${undated === 1 ? "peut" : "peuvent"} pas être ${
        undated === 1 ? "comptée" : "comptées"
      } dans l'encaissé.`
      : "") +
    (totals.future ? " Cette période n'a pas encore commencé." : "");
  return {
    text,
    facts: {
      period: totals.period,
      from: totals.from,
      to: totals.to,
      invoiced_amount: Number(totals.invoiced.amount),
      invoiced_count: Number(totals.invoiced.count),
      collected_amount: Number(totals.collected.amount),
      collected_count: Number(totals.collected.count),
      paid_undated: undated,
    },
  };
}
