import assert from "node:assert/strict";
import { answerOffline } from "./answer.ts";
import { unsupportedNumbers } from "./check.ts";
import { eur, frDateTime } from "./format.ts";
import { classifyOffline, entityName } from "./intent.ts";
import { fitBudget } from "./budget.ts";

const context = {
  company: { name: "Atelier Durand", today: "2026-12-02" },
  clients: {
    total_clients: 40,
    recent_clients: [{ name: "Hôtel du Lac", phone: "06 49 59 69 79", created_at: "2026-11-29" }],
  },
  billing: {
    invoices: {
      total: 30,
      unpaid: 2,
      total_unpaid_amount: 3070.5,
      overdue: 1,
      overdue_amount: 1840,
      paid: 18,
      paid_amount: 23810.75,
      unpaid_list: [
        {
          number: "FAC-2026-019",
          client: "Chloé Fontaine",
          amount: 1840,
          due_date: "2026-11-20",
          overdue: true,
        },
        {
          number: "FAC-2026-023",
          client: "Ségolène Gérard",
          amount: 1230.5,
          due_date: "2026-12-22",
          overdue: false,
        },
      ],
    },
  },
};

Deno.test("assistant format: euros and dates as a French invoice writes them", () => {
  assert.equal(eur(15860.5), "15 860,50 €");
  assert.equal(eur(0), "0,00 €");
  assert.equal(frDateTime("2026-11-30T09:00"), "lundi 30/11 à 09:00");
});

Deno.test("assistant intent: the common questions, terse or not; the name of a client", () => {
  assert.equal(classifyOffline("Combien de clients ai-je ?").intent, "clients_count");
  assert.equal(classifyOffline("factures impayées").intent, "unpaid_invoices");
  assert.equal(classifyOffline("Quelles sont mes tâches urgentes ?").intent, "urgent_tasks");
  assert.equal(classifyOffline("Qu'est-ce qui est prioritaire ?").intent, "urgent_tasks");
  assert.equal(classifyOffline("mes rdv de la semaine").intent, "week_appointments");
  assert.deepEqual(classifyOffline("Qui est mon client Jean Dupont ?"), {
    intent: "client_card",
    sections: ["clients"],
    entity: "Jean Dupont",
  });
  assert.equal(entityName("Fiche client Chloé Fontaine"), "Chloé Fontaine");
});

Deno.test("assistant offline answer: the figures of the context, in French", () => {
  const answer = answerOffline("unpaid_invoices", context);
  assert.match(
    answer.text,
    /^Vous avez 2 factures impayées, pour un total de 3 070,50 €, dont 1 en retard \(1 840,00 €\)/,
  );
  assert.deepEqual(unsupportedNumbers(answer.text, context, "Quelles sont mes factures impayées ?"), []);
});

Deno.test("assistant number check: an invented figure, date or amount is caught; quoted names and identifiers are not figures", () => {
  const q = "Quelles sont mes factures impayées ?";
  assert.deepEqual(unsupportedNumbers("Vous avez 40 clients.", context, q), []);
  assert.deepEqual(unsupportedNumbers("Vous avez 41 clients.", context, q), [41]);
  assert.deepEqual(unsupportedNumbers("Total : 3 070,51 €.", context, q), [3070.51]);
  assert.deepEqual(unsupportedNumbers("FAC-2026-019 est due depuis le 20/11/2026.", context, q), []);
  assert.deepEqual(unsupportedNumbers("FAC-2026-019 est due depuis le 21/11/2026.", context, q), [21112026]);
  // A phone number's digits are not counts: « 49 clients » is caught although 49 is in a phone number.
  assert.deepEqual(unsupportedNumbers("Vous avez 49 clients.", context, q), [49]);
  assert.deepEqual(unsupportedNumbers("1. Chloé Fontaine\n2. Ségolène Gérard", context, q), []);
});

Deno.test("assistant budget: long lists are shortened until the context fits, totals kept", () => {
  const big = {
    billing: {
      invoices: {
        unpaid: 500,
        unpaid_list: Array.from({ length: 500 }, (_, i) => ({ number: `F-${i}`, amount: i })),
      },
    },
  };
  const { context: fitted, trimmed } = fitBudget(big, 300);
  assert.ok(trimmed);
  assert.ok(JSON.stringify(fitted).length / 4 <= 300);
  assert.equal(fitted.billing.invoices.unpaid, 500);
});
