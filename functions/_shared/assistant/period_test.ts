import assert from "node:assert/strict";
import { foldText } from "../providers/lexical.ts";
import { answerOffline } from "./answer.ts";
import { unsupportedNumbers } from "./check.ts";
import { classifyOffline, classifyTurn, entityName } from "./intent.ts";
import { parsePeriod, periodLabel } from "./period.ts";

const period = (q: string) => parsePeriod(foldText(q));

Deno.test("assistant period: an owner's words as billing_period_totals keys", () => {
  assert.equal(period("chiffre d'affaires du mois"), "month");
  assert.equal(period("CA ce mois-ci"), "month");
  assert.equal(period("et le mois dernier ?"), "last_month");
  assert.equal(period("encaissé en novembre"), "m11");
  assert.equal(period("CA de février 2025"), "2025-02");
  assert.equal(period("cette année"), "year");
  assert.equal(period("l'an dernier"), "last_year");
  assert.equal(period("l'année dernière"), "last_year");
  assert.equal(period("chiffre d'affaires 2025"), "2025");
  assert.equal(period("la semaine dernière"), "last_week");
  assert.equal(period("ce trimestre"), "quarter");
  assert.equal(period("aujourd'hui"), "today");
  assert.equal(period("FAC-2026-019 est-elle payée ?"), undefined, "an invoice number is no year");
  assert.equal(period("chiffre d'affaires"), undefined);
});

Deno.test("assistant intent: issued invoices, the best client, « c'est qui », revenue with its period", () => {
  assert.equal(classifyOffline("Combien de factures ai-je émises ?").intent, "invoices_count");
  assert.equal(classifyOffline("Combien de factures impayées ?").intent, "unpaid_invoices");
  assert.equal(classifyOffline("Combien de factures en retard ?").intent, "overdue_invoices");
  assert.equal(classifyOffline("Qui est mon meilleur client ?").intent, "best_client");
  assert.equal(classifyOffline("Combien ai-je facturé ce mois-ci ?").intent, "revenue");
  assert.deepEqual(classifyOffline("encaissé en novembre"), {
    intent: "revenue",
    sections: ["billing"],
    period: "m11",
  });
  assert.equal(entityName("c'est qui helene garcon ?"), "helene garcon");
  assert.equal(entityName("C’est qui Jean Dupont"), "Jean Dupont");
  assert.equal(entityName("qui c'est, jean dupont ?"), "jean dupont");
});

Deno.test("assistant follow-up: the previous subject kept, with the new period; a new subject is its own", () => {
  assert.deepEqual(classifyTurn("et le mois dernier ?", ["chiffre d'affaires du mois"]), {
    intent: "revenue",
    sections: ["billing"],
    period: "last_month",
    followUp: true,
  });
  // Two follow-ups in a row lean on the first question's subject.
  assert.equal(
    classifyTurn("et en 2025 ?", ["chiffre d'affaires du mois", "et le mois dernier ?"]).period,
    "2025",
  );
  assert.equal(classifyTurn("et en retard ?", ["factures impayées"]).intent, "overdue_invoices");
  assert.equal(classifyTurn("bonjour", ["chiffre d'affaires du mois"]).intent, "overview");
  assert.equal(classifyTurn("et le mois dernier ?", []).intent, "overview");
});

Deno.test("assistant period answer: invoiced and collected stated, its figures all the context's", () => {
  const totals = {
    period: "m11",
    from: "2026-11-01",
    to: "2026-11-30",
    today: "2026-12-02",
    time_zone: "Europe/Paris",
    current: false,
    future: false,
    invoiced: { count: 3, amount: 4200.5 },
    collected: { count: 2, amount: 3000 },
    paid_undated: { count: 1, amount: 800 },
  };
  const context = { period: { ...totals, label: periodLabel(totals) } };
  const answer = answerOffline("revenue", context, undefined, "combien j'ai encaisse en novembre ?");
  assert.equal(
    answer.text,
    "Chiffre d'affaires en novembre 2026 : vous avez encaissé 3 000,00 € (2 factures payées) et facturé 4 200,50 € (3 factures émises). De plus, 1 facture payée sans date de paiement (800,00 €) ne peut pas être comptée dans l'encaissé.",
  );
  assert.deepEqual(unsupportedNumbers(answer.text, context, "encaissé en novembre"), []);
  assert.deepEqual(unsupportedNumbers(answer.text.replace("2026", "2025"), context, "encaissé en novembre"), [
    2025,
  ]);
});
