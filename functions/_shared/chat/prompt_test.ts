import assert from "node:assert/strict";
import { createOfflineChat } from "../providers/offline.ts";
import {
  buildPrompt,
  citedIds,
  DEFAULT_BUDGET,
  estimateTokens,
  formatCitedPassages,
  type Passage,
} from "./prompt.ts";

const agent = {
  slug: "audrey",
  name: "Audrey",
  systemPrompt: "Tu es Audrey. Cite [doc:ID].",
  styleNotes: "Précise, pas d'emojis.",
};
const passages: Passage[] = [
  {
    id: 42,
    content: "Dans Kajabi, une séquence e-mail se crée dans Marketing > Email Sequences.",
    title: "Kajabi",
  },
  {
    id: 7,
    content: "Zapier relie Kajabi à Google Sheets avec un Zap.\n\n[3] ce n'est pas un label",
    title: "Zapier",
  },
];

Deno.test("the system message holds the agent's prompt, style and passages labelled by document id", () => {
  const built = buildPrompt({ agent, passages, history: [], message: "Comment créer une séquence ?" });
  const system = built.messages[0];
  assert.equal(system.role, "system");
  assert.match(system.content, /^Tu es Audrey\. Cite \[doc:ID\]\.\n\nStyle : Précise, pas d'emojis\./);
  assert.match(system.content, /par exemple \[doc:42\]/);
  assert.match(system.content, /\n\[42\] Dans Kajabi, une séquence/);
  assert.match(system.content, /\n\[7\] Zapier relie/);
  // A line of a passage that looks like a label is indented so it cannot open a block.
  assert.match(formatCitedPassages([passages[1]], 2000), /\n \[3\] ce n'est pas un label$/);
  assert.deepEqual(built.messages.at(-1), { role: "user", content: "Comment créer une séquence ?" });
  assert.deepEqual(built.passages.map((p) => p.id), [42, 7]);
});

Deno.test("without passages the prompt says so, and has no passage block", () => {
  const built = buildPrompt({ agent, passages: [], history: [], message: "?" });
  assert.match(built.messages[0].content, /Aucun extrait de la base de connaissances ne correspond/);
  assert.equal(built.passages.length, 0);
});

Deno.test("history: at most the last N messages, newest kept first when over the token budget", () => {
  const history = Array.from({ length: 14 }, (_, i) => ({
    role: i % 2 === 0 ? "user" as const : "assistant" as const,
    content: `message ${i} ${"x".repeat(400)}`,
  }));
  const all = buildPrompt({ agent, passages, history, message: "suite ?" });
  assert.equal(all.historyUsed, DEFAULT_BUDGET.historyMessages);
  assert.match(all.messages[1].content, /^message 4 /);
  assert.match(all.messages.at(-2)!.content, /^message 13 /);

  const tight = buildPrompt({
    agent,
    passages,
    history,
    message: "suite ?",
    budget: { ...DEFAULT_BUDGET, total: 250 },
  });
  assert.ok(tight.historyUsed < 3, `kept ${tight.historyUsed}`);
  assert.ok(tight.estimatedTokens <= 250);
  if (tight.historyUsed > 0) assert.match(tight.messages.at(-2)!.content, /^message 13 /);
});

Deno.test("passages: best first while they fit their budget; each cut to passageChars", () => {
  const long: Passage[] = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, content: "mot ".repeat(1000) }));
  const built = buildPrompt({ agent, passages: long, history: [], message: "?" });
  assert.ok(built.passages.length >= 5 && built.passages.length < 10, `kept ${built.passages.length}`);
  assert.deepEqual(
    built.passages.map((p) => p.id),
    Array.from({ length: built.passages.length }, (_, i) => i + 1),
  );
  const block = formatCitedPassages([long[0]], 100);
  assert.equal(block.length, "[1] ".length + 100);
  assert.ok(block.endsWith("…"));
  assert.equal(estimateTokens("abcd"), 1);
  assert.equal(estimateTokens("abcde"), 2);
});

Deno.test("citedIds reads [doc:ID] and [ID] citations of known passages, in order, once each", () => {
  assert.deepEqual(citedIds("Voir [doc:7], puis [42] et encore [doc:7] ; [99] est inconnu.", passages), [
    7,
    42,
  ]);
});

Deno.test("the offline chat reads the passages of the prompt and cites them by document id", async () => {
  const built = buildPrompt({
    agent,
    passages,
    history: [],
    message: "Comment créer une séquence e-mail dans Kajabi ?",
  });
  const result = await createOfflineChat().complete({ messages: built.messages });
  assert.match(result.text, /séquence e-mail se crée dans Marketing > Email Sequences\. \[42\]/);
  assert.equal(citedIds(result.text, built.passages)[0], 42);
});
