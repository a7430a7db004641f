/**
 * The budget panel: the company's `company_budgets` row and this month's `budget_months` row (the
 * month of the company's time zone, as the budget resets), read under RLS by any member. Spent is
 * kept in USD and shown in the budget's currency at its `usd_rate`.
 */
import { el, formatMoney, formatTime } from "./dom.js";

/** The first day of the current month in `timeZone` (YYYY-MM-01). */
export function currentMonth(timeZone, now = new Date()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" }).formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-01`;
}

function flag(at, on, off) {
  return at
    ? el("span", { className: "flag on" }, `${on} le ${formatTime(at)}`)
    : el("span", { className: "flag off" }, off);
}

/**
 * Reads and shows the budget of `company` in `body`; returns what it shows ({ month, limit,
 * currency, spent, remaining, soft, cap } in the budget's currency, or null without a budget).
 */
export async function showBudget(supabase, company, body) {
  const month = currentMonth(company.time_zone);
  const [budget, spent] = await Promise.all([
    supabase.from("company_budgets").select("monthly_limit, currency, usd_rate, soft_ratio, fallback_model")
      .eq("company_id", company.id).maybeSingle(),
    supabase.from("budget_months").select("spent_usd, unpriced_calls, soft_reached_at, cap_reached_at")
      .eq("company_id", company.id).eq("month", month).maybeSingle(),
  ]);
  const error = budget.error ?? spent.error;
  if (error) {
    body.replaceChildren(el("p", { className: "error" }, `Budget illisible : ${error.message}`));
    throw new Error(`budget: ${error.message}`);
  }
  if (!budget.data) {
    body.replaceChildren(el("p", {}, "Aucun budget mensuel n'est défini pour cette entreprise."));
    return null;
  }
  const b = budget.data;
  const m = spent.data ?? {};
  const limit = Number(b.monthly_limit);
  const used = Number(m.spent_usd ?? 0) * Number(b.usd_rate);
  const shown = {
    month,
    limit,
    currency: b.currency,
    spent: Math.round(used * 100) / 100,
    remaining: Math.round(Math.max(limit - used, 0) * 100) / 100,
    soft: Boolean(m.soft_reached_at),
    cap: Boolean(m.cap_reached_at),
  };
  const money = (v) => formatMoney(v, b.currency);
  const meter = el("div", { className: `meter ${shown.cap ? "cap" : shown.soft ? "soft" : ""}` }, [
    el("span", { style: `width: ${Math.min(100, (100 * used) / limit)}%` }),
    el("i", { style: `left: ${100 * Number(b.soft_ratio)}%`, title: "seuil d'alerte" }),
  ]);
  const row = (
    label,
    value,
    id,
    raw,
  ) => [el("dt", {}, label), el("dd", { id, dataset: { value: raw ?? "" } }, value)];
  body.replaceChildren(
    meter,
    el("dl", {}, [
      row("Mois", month.slice(0, 7), "budget-month", month),
      row("Limite", money(limit), "budget-limit", limit),
      row(
        "Dépensé",
        `${money(shown.spent)} (${formatMoney(Number(m.spent_usd ?? 0), "USD")})`,
        "budget-spent",
        shown.spent,
      ),
      row("Reste", money(shown.remaining), "budget-remaining", shown.remaining),
      row(
        `Seuil d'alerte (${Math.round(100 * Number(b.soft_ratio))} %)`,
        flag(m.soft_reached_at, "atteint", "non atteint"),
        "budget-soft",
        shown.soft,
      ),
      row("Plafond", flag(m.cap_reached_at, "atteint", "non atteint"), "budget-cap", shown.cap),
      row(
        "Au plafond",
        b.fallback_model ? `modèle de secours ${b.fallback_model}` : "réponse hors ligne",
        "budget-fallback",
      ),
      ...(m.unpriced_calls ? row("Appels sans prix", String(m.unpriced_calls), "budget-unpriced") : []),
    ]),
  );
  return shown;
}
