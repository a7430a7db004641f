// Routing evaluation on tests/fixtures/routing/labelled.json (65 visitor messages, French and
// English, clear, ambiguous and off-topic, labelled audrey | carole | none): accuracy and
// confusion matrix of the keyword router (the demo tenant's agents as seeded) and of the LLM
// router's path through the fake provider server.
//
// What the LLM figure measures: the fake OpenRouter answers each request with the output of
// `simulatedModel` below, a small lexicon classifier standing in for a good model (written by
// the author of the labels, so it is no evidence of any real model's accuracy). The test
// checks the plumbing end to end — the structured-output request the SDK sends, the schema's
// enum, parsing and validation of the reply, none → no agent — and prints the numbers.
import assert from "node:assert/strict";
import { createDb } from "../../functions/_shared/db.ts";
import {
  type AgentProfile,
  keywordRoute,
  llmRoute,
  routingTokens,
} from "../../functions/_shared/chat/router.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { startFakeProviders } from "../support/fake_providers.ts";
import { stack } from "../support/stack.ts";

/**
 * Measured on 2026-11-22 with the seeded keywords: 51 / 65 = 0.785 (misses: ties between an
 * Audrey and a Carole keyword in ambiguous messages, and messages with no keyword at all).
 * Raise it when the router improves; never lower it to make a change pass.
 */
const KEYWORD_ACCURACY_FLOOR = 51 / 65;

const LABELS = ["audrey", "carole", "none"] as const;
type Label = typeof LABELS[number];
interface Labelled {
  text: string;
  label: Label;
  lang: string;
  kind: string;
}

const set: Labelled[] = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/routing/labelled.json", import.meta.url)),
).messages;

async function demoAgents(): Promise<AgentProfile[]> {
  const db = createDb(stack.dbUrl, { max: 1 });
  try {
    const rows = await db.sql`
      select a.slug, a.name, a.expertise, a.keywords from public.agents a
      join public.companies c on c.id = a.company_id
      where c.slug = 'agence-des-copines' and a.is_active order by a.slug`;
    return rows.map((r) => ({ slug: r.slug, name: r.name, expertise: r.expertise, keywords: r.keywords }));
  } finally {
    await db.end();
  }
}

/** A stand-in for a good router model: the agents' keywords plus general vocabulary of each field. */
function simulatedModel(message: string, agents: AgentProfile[]) {
  const general: Record<string, string[]> = {
    audrey: [
      "mail",
      "courriel",
      "automatique",
      "automatiquement",
      "automate",
      "relance",
      "panier",
      "crm",
      "stripe",
      "formulaire",
      "form",
      "inscription",
      "signup",
      "segmenter",
      "liste",
      "taux d ouverture",
      "lettre d information",
      "spam",
      "cours",
      "systeme io",
      "onboarding",
    ],
    carole: [
      "poster",
      "publier",
      "legende",
      "caption",
      "video",
      "musique",
      "tendance",
      "engagement",
      "logo",
      "couleur",
      "palette",
      "compte",
      "account",
      "createrice",
      "collaboration",
      "bio",
      "viral",
      "content",
    ],
  };
  const tokens = ` ${routingTokens(message).join(" ")} `;
  const scores = agents.map((agent) => {
    const terms = [...agent.keywords, ...(general[agent.slug] ?? [])].map((t) => routingTokens(t).join(" "));
    return { slug: agent.slug, score: new Set(terms.filter((t) => t && tokens.includes(` ${t} `))).size };
  }).sort((a, b) => b.score - a.score);
  if (scores[0].score === 0) return { agent: "none", confidence: 0.8, reason: "hors sujet" };
  const margin = scores[0].score - (scores[1]?.score ?? 0);
  return {
    agent: scores[0].slug,
    confidence: Math.min(0.95, 0.45 + 0.15 * margin + 0.05 * scores[0].score),
    reason: "vocabulaire du domaine",
  };
}

function report(name: string, predictions: Label[]) {
  const matrix = Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(LABELS.map((p) => [p, 0]))]));
  predictions.forEach((predicted, i) => matrix[set[i].label][predicted]++);
  const correct = predictions.filter((p, i) => p === set[i].label).length;
  const byKind = Object.fromEntries(
    [...new Set(set.map((m) => m.kind))].map((kind) => {
      const idx = set.map((m, i) => m.kind === kind ? i : -1).filter((i) => i >= 0);
      return [kind, `${idx.filter((i) => predictions[i] === set[i].label).length}/${idx.length}`];
    }),
  );
  const lines = [
    `${name}: accuracy ${correct}/${set.length} = ${(correct / set.length).toFixed(3)}  (${
      Object.entries(byKind).map(([k, v]) => `${k} ${v}`).join(", ")
    })`,
    `  label \\ predicted   ${LABELS.map((l) => l.padStart(7)).join("")}`,
    ...LABELS.map((l) => `  ${l.padEnd(20)}${LABELS.map((p) => String(matrix[l][p]).padStart(7)).join("")}`),
  ];
  console.log(lines.join("\n"));
  return { accuracy: correct / set.length, matrix };
}

Deno.test({
  name: "routing set: at least 60 labelled messages, French and English, with ambiguous and off-topic ones",
  fn() {
    assert.ok(set.length >= 60);
    for (const lang of ["fr", "en"]) assert.ok(set.some((m) => m.lang === lang));
    for (const kind of ["clear", "ambiguous", "offtopic"]) assert.ok(set.some((m) => m.kind === kind));
    for (const label of LABELS) assert.ok(set.some((m) => m.label === label));
    assert.equal(new Set(set.map((m) => m.text)).size, set.length, "no duplicates");
  },
});

Deno.test({
  name: "keyword router on the labelled set: accuracy and confusion matrix (fails below the measured floor)",
  ignore: !stack.available,
  async fn() {
    const agents = await demoAgents();
    const predictions = set.map((m) => (keywordRoute(m.text, agents).agent ?? "none") as Label);
    const { accuracy } = report("keyword router", predictions);
    assert.ok(
      accuracy >= KEYWORD_ACCURACY_FLOOR - 1e-9,
      `keyword routing accuracy ${accuracy.toFixed(3)} fell below ${KEYWORD_ACCURACY_FLOOR.toFixed(3)}`,
    );
  },
});

Deno.test({
  name:
    "LLM router path through the fake OpenRouter: structured output parsed and validated on every message",
  ignore: !stack.available,
  async fn() {
    const agents = await demoAgents();
    const fake = await startFakeProviders();
    try {
      const providers = createProviders(readProviderConfig(fake.env()));
      const predictions: Label[] = [];
      for (const m of set) {
        fake.script("openrouter", { json: simulatedModel(m.text, agents) });
        const route = await llmRoute(providers.router, { message: m.text, agents, current: null });
        predictions.push((route.agent ?? "none") as Label);
      }
      const requests = fake.requests.filter((r) => r.route === "openrouter");
      assert.equal(requests.length, set.length, "one router call per message, no fallback needed");
      const format = requests[0].body?.response_format as { type: string; json_schema: { schema: unknown } };
      assert.equal(format.type, "json_schema");
      assert.deepEqual(
        (format.json_schema.schema as { properties: { agent: { enum: string[] } } }).properties.agent.enum,
        ["audrey", "carole", "none"],
      );
      const { accuracy } = report("LLM router (fake provider, simulated model)", predictions);
      // The simulated model is a lexicon, so this only guards the plumbing: every reply was used.
      const expected = set.map((m) => simulatedModel(m.text, agents).agent);
      assert.deepEqual(predictions, expected);
      assert.ok(accuracy > 0);
    } finally {
      await fake.close();
    }
  },
});
