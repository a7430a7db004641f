/**
 * The `offline` providers, used when no key is configured: a lexical embedder, an extractive
 * chat that says plainly it wrote its answer without a language model, and a lexical
 * reranker. Everything is deterministic and local.
 */
import { contentWords, cosine, hashedVector, sharedWords } from "./lexical.ts";
import { sampleFromSchema } from "./schema_sample.ts";
import type {
  ChatMessage,
  ChatProvider,
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  Embedder,
  Reranker,
  RerankHit,
} from "./types.ts";

/** Opens every offline answer. */
export const OFFLINE_NOTICE = "Réponse rédigée sans modèle de langue (mode hors ligne).";

const OFFLINE_EMBEDDING_MODEL = "offline-hash-v1";

/**
 * A lexical embedder: feature hashing of accent-folded word unigrams and character trigrams
 * into `dimensions` floats (default 1536, the `documents.embedding` width), L2-normalised.
 * Its vectors are not comparable with a real model's: re-embed when switching.
 */
export function createOfflineEmbedder(options: { dimensions?: number } = {}): Embedder {
  const dimensions = options.dimensions ?? 1536;
  return {
    name: "offline",
    model: OFFLINE_EMBEDDING_MODEL,
    dimensions,
    maxBatch: 1024,
    embed(texts: string[]) {
      const vectors = texts.map((text) => hashedVector(text, dimensions));
      const tokens = texts.reduce((sum, text) => sum + contentWords(text).length, 0);
      return Promise.resolve({ vectors, tokens });
    },
  };
}

/**
 * A lexical reranker: cosine of the offline vectors of query and document, clamped to [0, 1].
 * `createProviders` does not use it (with no Cohere key the retrieval order stands, since it
 * would only repeat the offline embeddings' signal); the fake provider server scores with it.
 */
export function createLexicalReranker(): Reranker {
  return {
    name: "offline",
    model: "lexical-v1",
    rerank(query: string, documents: string[], topN: number): Promise<RerankHit[]> {
      const q = hashedVector(query, 1536);
      const hits = documents.map((document, index) => ({
        index,
        score: Math.max(0, cosine(q, hashedVector(document, 1536))),
      }));
      hits.sort((a, b) => b.score - a.score || a.index - b.index);
      return Promise.resolve(hits.slice(0, Math.max(0, topN)));
    },
  };
}

/**
 * Formats knowledge-base passages for a system message as `[1] ...` blocks separated by blank
 * lines (blank lines inside a passage are collapsed): the convention the offline chat reads
 * its passages from (any model reads it fine too).
 */
export function formatPassages(passages: string[]): string {
  return passages.map((passage, i) => `[${i + 1}] ${passage.trim().replace(/\n\s*\n/g, "\n")}`).join("\n\n");
}

/** Passages of the system messages: a line starting `[n]` opens one, a blank line ends it. */
function readPassages(messages: ChatMessage[]): { label: string; text: string }[] {
  const passages: { label: string; text: string }[] = [];
  let current: { label: string; text: string } | undefined;
  for (const message of messages) {
    if (message.role !== "system") continue;
    for (const line of message.content.split("\n")) {
      const opening = line.match(/^\[(\d+)\]\s*(.*)$/);
      if (opening) {
        current = { label: opening[1], text: opening[2] };
        passages.push(current);
      } else if (!line.trim()) current = undefined;
      else if (current) current.text += `\n${line}`;
    }
    current = undefined;
  }
  return passages.filter((passage) => passage.text.trim());
}

function lastUserMessage(messages: ChatMessage[]): string {
  return messages.findLast((m) => m.role === "user")?.content.trim() ?? "";
}

function quote(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The offline answer: the notice, then the (at most two) passage sentences sharing the most
 * words with the last user message, each with its `[n]` source; or a plain statement that
 * nothing matched.
 */
function offlineAnswer(messages: ChatMessage[]): string {
  const question = lastUserMessage(messages);
  const passages = readPassages(messages);
  if (passages.length === 0) {
    return `${OFFLINE_NOTICE} Je ne peux pas rédiger de réponse ; votre message « ${
      quote(question)
    } » a bien été reçu.`;
  }
  const sentences = passages.flatMap(({ label, text }) =>
    text.split(/(?<=[.!?])\s+/).map((sentence) => ({ label, sentence: sentence.trim() }))
  ).map((s, order) => ({ ...s, order, score: sharedWords(question, s.sentence) }));
  const best = sentences.filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, 2)
    .sort((a, b) => a.order - b.order);
  if (best.length === 0) {
    return `${OFFLINE_NOTICE} Je n'ai rien trouvé dans la base de connaissances qui réponde à « ${
      quote(question)
    } ».`;
  }
  const extract = best.map((s) => `${quote(s.sentence, 400)} [${s.label}]`).join(" ");
  return `${OFFLINE_NOTICE} D'après la base de connaissances : ${extract}`;
}

/**
 * An enum value for the offline JSON answer: the option whose mentions in the system
 * messages share the most words with the user's message (the first option on a tie).
 */
function pickEnumByContext(messages: ChatMessage[]) {
  const question = lastUserMessage(messages);
  const lines = messages.filter((m) => m.role === "system").flatMap((m) => m.content.split("\n"));
  return (options: unknown[]): unknown => {
    let best = options[0];
    let bestScore = 0;
    for (const option of options) {
      const name = String(option).toLowerCase();
      const context = lines.filter((line) => line.toLowerCase().includes(name)).join(" ");
      const score = sharedWords(question, context);
      if (score > bestScore) [best, bestScore] = [option, score];
    }
    return best;
  };
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The offline chat provider. Plain requests get the extractive answer; JSON requests get an
 * object shaped by the schema (enums picked lexically, strings filled with the answer) or
 * `{ "answer": ..., "offline": true }` for `json: true`.
 */
export function createOfflineChat(): ChatProvider {
  const name = "offline";
  const model = "offline-extractive-v1";

  function answer(req: ChatRequest): ChatResult {
    const started = performance.now();
    const text = offlineAnswer(req.messages);
    let json: unknown;
    if (req.json === true) json = { answer: text, offline: true };
    else if (req.json) {
      json = sampleFromSchema(req.json.schema, {
        pickEnum: pickEnumByContext(req.messages),
        text: () => text,
      });
    }
    const output = json === undefined ? text : JSON.stringify(json);
    const prompt = req.messages.map((m) => m.content).join("\n");
    return {
      text: output,
      ...(json === undefined ? {} : { json }),
      model,
      provider: name,
      usage: { promptTokens: estimateTokens(prompt), completionTokens: estimateTokens(output) },
      attempts: [{ provider: name, model, ok: true, ms: Math.round(performance.now() - started) }],
    };
  }

  return {
    name,
    complete: (req) => Promise.resolve(answer(req)),
    async *stream(req): AsyncIterable<ChatStreamEvent> {
      const result = answer(req);
      for (const piece of result.text.match(/\S+\s*/g) ?? []) yield { delta: piece };
      yield { done: result };
    },
  };
}
