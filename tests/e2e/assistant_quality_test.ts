// The business assistant on the labelled questions (tests/fixtures/assistant/questions.json,
// over a copy of the seed's Atelier Durand, a generated company and a fixed calendar's): the offline answerer's
// accuracy, and the LLM path through the fake provider — a faithful model (its reply restates
// the facts: must be kept) and a lying one (one figure changed: must be replaced by the facts).
// Floors at the figures reached (README); lower one only with a reason.
import assert from "node:assert/strict";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { startFakeProviders } from "../support/fake_providers.ts";
import { stack } from "../support/stack.ts";
import { type AssistantTenant, copySeedCompany, generatedCompany } from "../fixtures/assistant/company.ts";
import { calendarCompany } from "../fixtures/assistant/calendar_company.ts";
import { evaluateQuestions, type Kind, loadQuestions } from "../fixtures/assistant/evaluate.ts";

const OFFLINE_FLOOR = 1.0;
/**
 * The held-out questions (written after the answerer, not tuned on): 19 of 20 when written; with
 * issue 17's eleven (periods, issued invoices, best client, « c'est qui », a follow-up), 29 of 31.
 */
const HELD_OUT_FLOOR = 29 / 31;
/** The development set: 83 questions, all right. */
const DEVELOPMENT_SIZE = 83;

Deno.test({
  name: "assistant quality: the offline answerer and the checked LLM path on ≥ 83 labelled questions",
  ignore: !stack.available,
  async fn() {
    const questions = await loadQuestions();
    assert.ok(questions.length >= DEVELOPMENT_SIZE, `${questions.length} questions`);
    const fake = await startFakeProviders();
    const providers = createProviders(readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0" }));
    const companies: Record<Kind, AssistantTenant> = {
      seed: await copySeedCompany(stack.dbUrl),
      generated: await generatedCompany(stack.dbUrl, 7),
      calendar: await calendarCompany(stack.dbUrl),
    };
    const withModel: Record<Kind, AssistantTenant> = {
      seed: await copySeedCompany(stack.dbUrl, { chat: providers.chat, router: providers.router }),
      generated: await generatedCompany(stack.dbUrl, 7, { chat: providers.chat, router: providers.router }),
      calendar: await calendarCompany(stack.dbUrl, { chat: providers.chat, router: providers.router }),
    };
    try {
      const offline = await evaluateQuestions(companies, questions);
      console.log(
        `assistant offline answerer: ${offline.right}/${questions.length} right (${
          (100 * offline.accuracy).toFixed(1)
        }%)`,
      );
      for (const r of offline.results.filter((x) => !x.right)) {
        console.log(`  miss ${r.id} « ${r.question} »: ${JSON.stringify(r.missing)}`);
      }

      // The same companies, facts and questions, with a model that restates the right answer…
      const replies = new Map(offline.results.map((r) => [r.id, r.reply]));
      const faithful = await evaluateQuestions(withModel, questions, (q) => {
        fake.script("openrouter", [{ json: { sections: ["company"] } }, {
          text: `D'après vos données : ${replies.get(q.id)}`,
        }]);
      });
      const kept = faithful.results.filter((r) => !r.replaced).length;
      console.log(
        `assistant LLM path, faithful fake model: ${faithful.right}/${questions.length} right, ${kept}/${questions.length} replies kept (not flagged)`,
      );
      for (const r of faithful.results.filter((x) => x.replaced)) {
        console.log(`  flagged ${r.id}: ${r.reply.slice(0, 120)}`);
      }
      // …and one that changes a figure: every such reply must be caught and replaced by the facts.
      const lying = await evaluateQuestions(withModel, questions, (q) => {
        const truth = replies.get(q.id)!;
        const lie = /\d/.test(truth)
          ? truth.replace(/\d+/, (n) => String(Number(n) + 7))
          : `${truth} Vous avez 997 clients.`;
        fake.script("openrouter", [{ json: { sections: ["company"] } }, { text: lie }]);
      });
      const caught = lying.results.filter((r) => r.replaced).length;
      for (const r of lying.results.filter((x) => !x.replaced)) {
        console.log(`  not caught ${r.id}: ${r.reply.slice(0, 100)}`);
      }
      console.log(
        `assistant LLM path, lying fake model: ${caught}/${questions.length} wrong replies caught and replaced; ${lying.right}/${questions.length} right`,
      );

      const heldOut = await evaluateQuestions(companies, await loadQuestions("held_out"));
      console.log(
        `assistant offline answerer, held-out questions: ${heldOut.right}/${heldOut.results.length} right (${
          (100 * heldOut.accuracy).toFixed(1)
        }%)`,
      );
      for (const r of heldOut.results.filter((x) => !x.right)) {
        console.log(`  miss ${r.id} « ${r.question} »: ${JSON.stringify(r.missing)}`);
      }

      assert.ok(offline.accuracy >= OFFLINE_FLOOR, `offline accuracy ${offline.accuracy}`);
      assert.ok(heldOut.accuracy >= HELD_OUT_FLOOR, `held-out accuracy ${heldOut.accuracy}`);
      assert.equal(faithful.right, offline.right, "a faithful model's replies are as right as the facts");
      assert.equal(kept, questions.length, "no correct reply flagged");
      assert.equal(caught, questions.length, "every reply with a wrong figure replaced");
      assert.equal(lying.right, offline.right);
    } finally {
      for (const c of [...Object.values(companies), ...Object.values(withModel)]) await c.drop();
      await fake.close();
    }
  },
});
