// The assistant's periods, week and time zone (issue 17), end to end on a company with fixed
// dates and a fixed clock (tests/fixtures/assistant/calendar_company.ts): a period's totals
// (invoiced and collected) from SQL in the company's time zone, the count of issued invoices,
// the best client, « c'est qui … » without accents, the week's past and upcoming appointments,
// the time zone setting, and a follow-up keeping the previous turn's subject.
import assert from "node:assert/strict";
import { AssistantAskResponse } from "../../types/api.ts";
import { stack } from "../support/stack.ts";
import { calendarCompany } from "../fixtures/assistant/calendar_company.ts";
import { copySeedCompany } from "../fixtures/assistant/company.ts";

const ignore = !stack.available;

Deno.test({
  name:
    "assistant periods: « chiffre d'affaires du mois », « encaissé en novembre », « cette année » answer that period (invoiced and collected); « émises » counts every invoice; « meilleur client » is answered",
  ignore,
  async fn() {
    const company = await calendarCompany(stack.dbUrl);
    try {
      const ask = async (message: string) => {
        const res = await company.call({ message });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return AssistantAskResponse.parse(res.body);
      };
      const month = await ask("Quel est mon chiffre d'affaires du mois ?");
      assert.match(month.reply, /décembre 2026/);
      assert.match(month.reply, /facturé 1 650,00 € \(2 factures/);
      assert.match(month.reply, /encaissé 1 150,00 € \(2 factures/);
      assert.ok(month.sections.includes("period"), JSON.stringify(month.sections));

      const november = await ask("Combien j'ai encaissé en novembre ?");
      assert.match(november.reply, /novembre 2026/);
      assert.match(november.reply, /encaissé 3 000,00 € \(2 factures/);
      assert.match(november.reply, /facturé 4 200,50 € \(3 factures/);

      const year = await ask("chiffre d'affaires cette année");
      assert.match(year.reply, /2026/);
      assert.match(year.reply, /facturé 8 650,50 €/);
      assert.match(year.reply, /encaissé 4 150,00 €/);
      assert.match(year.reply, /1 facture payée sans date de paiement/);

      const issued = await ask("Combien de factures ai-je émises ?");
      assert.match(issued.reply, /émis 9 factures/);
      assert.match(issued.reply, /6 payées, 2 impayées et 1 annulée/);

      const best = await ask("Qui est mon meilleur client ?");
      assert.match(best.reply, /Hôtel du Lac/);
      assert.match(best.reply, /7 450,00 €/);
      assert.doesNotMatch(best.reply, /Je ne trouve pas de client/);
    } finally {
      await company.drop();
    }
  },
});

Deno.test({
  name:
    "assistant entity: « c'est qui <nom sans accents> ? » finds the client, whatever the case and the order",
  ignore,
  async fn() {
    const company = await copySeedCompany(stack.dbUrl);
    try {
      for (
        const [message, email] of [
          ["c'est qui helene garcon ?", "helene.garcon@exemple.fr"],
          ["C'est qui LEMAITRE francois", "francois.lemaitre@exemple.fr"],
          ["c'est qui chloe fontaine", "chloe.fontaine@exemple.fr"],
          ["qui c'est jean dupont ?", "jean.dupont@exemple.fr"],
        ]
      ) {
        const res = await company.call({ message });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(String(res.body.reply).includes(email), `${message}: ${res.body.reply}`);
      }
    } finally {
      await company.drop();
    }
  },
});

Deno.test({
  name:
    "assistant week and time zone: « cette semaine » separates past from upcoming; « aujourd'hui » and « en retard » follow the company's time zone setting",
  ignore,
  async fn() {
    const company = await calendarCompany(stack.dbUrl);
    try {
      const week = String((await company.call({ message: "Mes rendez-vous cette semaine ?" })).body.reply);
      assert.match(week, /5 rendez-vous/);
      assert.match(week, /3 passés/);
      assert.match(week, /2 à venir/);
      const upcoming = week.indexOf("à venir");
      assert.ok(
        week.indexOf("Point chantier") < upcoming && upcoming < week.indexOf("Livraison dressing"),
        week,
      );

      // 03:00 UTC: 2 December in Paris, still 1 December in Guadeloupe.
      company.setNow("2026-12-02T03:00:00Z");
      const ask = async (message: string) => String((await company.call({ message })).body.reply);
      assert.match(await ask("mes rdv aujourd'hui"), /2 rendez-vous.*Point chantier.*Livraison dressing/);
      assert.match(await ask("factures en retard"), /1 facture est en retard.*F-06/);
      const [{ zone }] = await company.db
        .sql`select time_zone as zone from public.companies where id = ${company.id}`;
      assert.equal(zone, "Europe/Paris", "the default");
      await company.db
        .sql`update public.companies set time_zone = 'America/Guadeloupe' where id = ${company.id}`;
      const today = await ask("mes rdv aujourd'hui");
      assert.match(today, /1 rendez-vous/);
      assert.match(today, /Devis terrasse/);
      assert.match(await ask("factures en retard"), /Aucune facture n'est en retard/);
    } finally {
      await company.drop();
    }
  },
});

Deno.test({
  name: "assistant follow-up: « et le mois dernier ? » keeps the previous turn's subject with the new period",
  ignore,
  async fn() {
    const company = await calendarCompany(stack.dbUrl);
    try {
      const first = AssistantAskResponse.parse(
        (await company.call({ message: "chiffre d'affaires du mois" })).body,
      );
      const next = async (message: string) =>
        String((await company.call({ message, conversation_id: first.conversation_id })).body.reply);
      const lastMonth = await next("et le mois dernier ?");
      assert.match(lastMonth, /novembre 2026/);
      assert.match(lastMonth, /facturé 4 200,50 €/);
      assert.match(lastMonth, /encaissé 3 000,00 €/);
      const lastYear = await next("Et l'année dernière ?");
      assert.match(lastYear, /2025/);
      assert.match(lastYear, /facturé 5 000,00 €/);
      // Another subject, then a follow-up on it.
      assert.match(await next("Combien de factures ai-je émises ?"), /émis 9 factures/);
      assert.match(await next("et ce mois-ci ?"), /décembre 2026.*2 factures/);
    } finally {
      await company.drop();
    }
  },
});
