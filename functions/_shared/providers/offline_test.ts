import assert from "node:assert/strict";
import { cosine } from "./lexical.ts";
import {
  createLexicalReranker,
  createOfflineChat,
  createOfflineEmbedder,
  formatPassages,
  OFFLINE_NOTICE,
} from "./offline.ts";

const knowledge = [
  "Zapier permet d'automatiser l'envoi d'e-mails quand un client achète une formation sur Kajabi.",
  "Pour créer un tunnel de vente, commencez par une page de capture et une séquence d'e-mails automatisée.",
  "Les reels Instagram de moins de 30 secondes obtiennent plus de portée que les publications classiques.",
  "Publiez des stories Instagram chaque jour avec des stickers de sondage pour engager votre communauté.",
  "Nos bureaux sont fermés le dimanche ; le support répond du lundi au vendredi de 9 h à 18 h.",
  "Le paiement se fait par Mobile Money ou en espèces à la livraison, en francs CFA.",
];

Deno.test("offline embedder: deterministic unit vectors of 1536 dimensions", async () => {
  const embedder = createOfflineEmbedder();
  const first = await embedder.embed(["Créer un tunnel de vente", ""]);
  const again = await embedder.embed(["Créer un tunnel de vente"]);
  assert.deepEqual(first.vectors[0], again.vectors[0]);
  assert.equal(first.vectors[0].length, 1536);
  for (const vector of first.vectors) assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-9);
  assert.equal(embedder.dimensions, 1536);
});

Deno.test("offline embedder: a French question retrieves its passage from a small knowledge base", async () => {
  const embedder = createOfflineEmbedder();
  const { vectors } = await embedder.embed(knowledge);
  const cases: [string, number][] = [
    ["Comment automatiser mes emails avec Zapier ?", 0],
    ["Comment créer un tunnel de ventes ?", 1],
    ["Quelle durée pour un réel Instagram ?", 2],
    ["Des idées pour mes stories ?", 3],
    ["Êtes-vous ouverts le dimanche ?", 4],
    ["Je peux payer en espèces à la livraison ?", 5],
  ];
  for (const [question, expected] of cases) {
    const [q] = (await embedder.embed([question])).vectors;
    const ranked = vectors.map((v, i) => ({ i, score: cosine(q, v) })).sort((a, b) => b.score - a.score);
    assert.equal(ranked[0].i, expected, `${question} → ${knowledge[ranked[0].i]}`);
  }
});

Deno.test("offline embedder: related sentences score higher than unrelated ones, accents folded", async () => {
  const { vectors: [a, b, c] } = await createOfflineEmbedder().embed([
    "Les stories Instagram engagent la communauté",
    "ENGAGER sa communauté avec des STORIES sur instagram",
    "Le paiement à la livraison en francs CFA",
  ]);
  assert.ok(cosine(a, b) > 0.5, `related: ${cosine(a, b)}`);
  assert.ok(cosine(a, c) < 0.1, `unrelated: ${cosine(a, c)}`);
});

Deno.test("offline chat: says it is offline and answers from the passages given in the system message", async () => {
  const chat = createOfflineChat();
  const result = await chat.complete({
    messages: [
      { role: "system", content: `Tu es Audrey.\n\nPassages :\n${formatPassages(knowledge.slice(0, 2))}` },
      { role: "user", content: "Comment automatiser mes e-mails avec Zapier ?" },
    ],
  });
  assert.ok(result.text.startsWith(OFFLINE_NOTICE));
  assert.match(result.text, /Zapier permet d'automatiser.*\[1\]/);
  assert.equal(result.provider, "offline");
  assert.equal(result.attempts[0].ok, true);
  const again = await chat.complete({ messages: [{ role: "user", content: "Bonjour" }] });
  assert.match(again.text, /sans modèle de langue/);
  assert.match(again.text, /« Bonjour »/);
});

Deno.test("offline chat: JSON mode follows the schema and picks the enum the system prompt ties to the question", async () => {
  const schema = {
    type: "object",
    properties: { agent: { type: "string", enum: ["audrey", "carole"] }, reason: { type: "string" } },
    required: ["agent", "reason"],
  };
  const system = "audrey : automatisation, tunnels de vente, e-mails, Kajabi, Zapier\n" +
    "carole : Instagram, reels, stories, création de contenu, design";
  const result = await createOfflineChat().complete({
    messages: [{ role: "system", content: system }, {
      role: "user",
      content: "Des conseils pour mes reels Instagram ?",
    }],
    json: { name: "route", schema },
  });
  assert.equal((result.json as { agent: string }).agent, "carole");
  assert.deepEqual(JSON.parse(result.text), result.json);
});

Deno.test("offline chat: streams the same text word by word", async () => {
  const chat = createOfflineChat();
  let text = "";
  let done = "";
  for await (const event of chat.stream({ messages: [{ role: "user", content: "Bonjour" }] })) {
    if ("delta" in event) text += event.delta;
    else done = event.done.text;
  }
  assert.equal(text, done);
  assert.ok(text.startsWith(OFFLINE_NOTICE));
});

Deno.test("lexical reranker: orders by word overlap and honours topN", async () => {
  const hits = await createLexicalReranker().rerank("paiement en espèces", knowledge, 2);
  assert.equal(hits.length, 2);
  assert.equal(hits[0].index, 5);
  assert.ok(hits[0].score > hits[1].score);
});
