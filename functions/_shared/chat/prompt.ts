/**
 * The answer prompt: the agent's system prompt and style, the retrieved passages labelled by
 * their document id (`[12] …`, cited `[doc:12]`), then the last turns of the conversation and
 * the visitor's message, all within a token budget.
 */
import type { ChatMessage } from "../providers/types.ts";

/** An agent as the answer prompt needs it. */
export interface AgentPrompt {
  slug: string;
  name: string;
  systemPrompt: string;
  styleNotes?: string | null;
}

/** A retrieved knowledge-base passage. */
export interface Passage {
  /** documents.id */
  id: number;
  content: string;
  title?: string | null;
  source?: string | null;
  score?: number | null;
}

/** Budgets, in estimated tokens (about four characters each). */
export interface PromptBudget {
  /** The whole prompt: system + passages + history + message. */
  total: number;
  /** The passages' share. */
  passages: number;
  /** At most this many earlier messages (user and assistant) are considered. */
  historyMessages: number;
  /** One passage is cut to this many characters. */
  passageChars: number;
}

/**
 * Defaults: 6,000 prompt tokens in all, up to 3,000 for passages (each cut at 2,000
 * characters), and the last 10 messages (5 exchanges) of history, oldest dropped first when
 * over budget. With a 700-token reply this stays far inside every fallback model's context.
 */
export const DEFAULT_BUDGET: PromptBudget = {
  total: 6000,
  passages: 3000,
  historyMessages: 10,
  passageChars: 2000,
};

/** Tokens the reply may use. */
export const REPLY_MAX_TOKENS = 700;

/** A rough token count: one token per four characters (rounded up), what budgets are measured in. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** What `buildPrompt` made. */
export interface BuiltPrompt {
  messages: ChatMessage[];
  /** The passages that made it into the prompt, in order. */
  passages: Passage[];
  /** Earlier messages included. */
  historyUsed: number;
  estimatedTokens: number;
}

function cut(text: string, max: number): string {
  const flat = text.trim().replace(/\n\s*\n/g, "\n");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Passage blocks as the offline chat (and any model) reads them: `[id] text`, blank line
 * between blocks. Lines inside a passage that look like a label are indented so that they
 * cannot open a block of their own.
 */
export function formatCitedPassages(passages: Passage[], passageChars: number): string {
  return passages.map((p) => `[${p.id}] ${cut(p.content, passageChars).replace(/\n(?=\[\d+\])/g, "\n ")}`)
    .join("\n\n");
}

/**
 * Builds the answer prompt. Passages are taken best first while they fit their budget;
 * history is taken newest first while the whole fits `budget.total`.
 */
export function buildPrompt(options: {
  agent: AgentPrompt;
  passages: Passage[];
  history: ChatMessage[];
  message: string;
  budget?: PromptBudget;
}): BuiltPrompt {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const kept: Passage[] = [];
  let passageTokens = 0;
  for (const passage of options.passages) {
    const tokens = estimateTokens(formatCitedPassages([passage], budget.passageChars)) + 1;
    if (passageTokens + tokens > budget.passages) break;
    kept.push(passage);
    passageTokens += tokens;
  }

  const header = kept.length > 0
    ? "Extraits de la base de connaissances (chacun commence par son identifiant entre crochets ; " +
      "cite ceux que tu utilises sous la forme [doc:ID], par exemple [doc:" + kept[0].id + "]) :"
    : "Aucun extrait de la base de connaissances ne correspond à cette question : dis-le, sans inventer.";
  const system = [
    options.agent.systemPrompt.trim(),
    options.agent.styleNotes?.trim() ? `Style : ${options.agent.styleNotes.trim()}` : "",
    header,
    kept.length > 0 ? formatCitedPassages(kept, budget.passageChars) : "",
  ].filter(Boolean).join("\n\n");

  let used = estimateTokens(system) + estimateTokens(options.message);
  const history: ChatMessage[] = [];
  const candidates = options.history.filter((m) => m.role !== "system").slice(-budget.historyMessages);
  for (const message of candidates.reverse()) {
    const tokens = estimateTokens(message.content);
    if (used + tokens > budget.total) break;
    history.unshift(message);
    used += tokens;
  }

  return {
    messages: [{ role: "system", content: system }, ...history, { role: "user", content: options.message }],
    passages: kept,
    historyUsed: history.length,
    estimatedTokens: used,
  };
}

/** The passage ids a reply cites, as `[doc:12]` or `[12]`, in order of first citation. */
export function citedIds(reply: string, passages: Passage[]): number[] {
  const known = new Set(passages.map((p) => p.id));
  const cited: number[] = [];
  for (const match of reply.matchAll(/\[(?:doc:\s*)?(\d+)\]/gi)) {
    const id = Number(match[1]);
    if (known.has(id) && !cited.includes(id)) cited.push(id);
  }
  return cited;
}
