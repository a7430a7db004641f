/**
 * Which specialist answers a visitor's message: a keyword router (the agents' keywords from
 * the `agents` table, accent- and plural-insensitive), an LLM router with structured output
 * `{ agent, confidence, reason }`, and the rule that keeps a conversation with its current
 * agent unless the topic clearly moves.
 */
import { z } from "zod";
import type { ChatMessage, ChatProvider } from "../providers/types.ts";

/** What routing needs to know about an agent. */
export interface AgentProfile {
  slug: string;
  name: string;
  expertise: string;
  keywords: string[];
}

/** One routing decision before the stickiness rule: `agent` null means no agent fits (off-topic or unsure). */
export interface Route {
  agent: string | null;
  /** 0..1 */
  confidence: number;
  reason: string;
  method: "keyword" | "llm";
  /** Keyword router: matched-keyword score per agent slug. */
  scores?: Record<string, number>;
}

/** A new agent takes over a conversation only with an LLM confidence at least this high… */
export const SWITCH_MIN_CONFIDENCE = 0.75;
/** …or a keyword score at least this much above the current agent's. */
export const SWITCH_MIN_MARGIN = 2;
/** Below this LLM confidence a route counts as unsure. */
export const UNSURE_BELOW_CONFIDENCE = 0.5;

/** Lower case, no accents, no apostrophes' elisions (`l'automatisation` → `l automatisation`). */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** A crude plural stemmer that is enough for French and English keywords: `reels` → `reel`, `visuels` → `visuel`. */
function stem(word: string): string {
  if (word.length > 3 && /[sx]$/.test(word) && !/ss$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Words of `text`, folded and stemmed; hyphens and apostrophes separate words (`e-mail` → `e mail`). */
export function routingTokens(text: string): string[] {
  return (fold(text).match(/[\p{L}\p{N}]+/gu) ?? []).map(stem);
}

function containsPhrase(tokens: string[], phrase: string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Scores each agent by the distinct keywords (after folding and stemming) found in `message`,
 * counting the agent's own name as two keywords. The best score wins; a tie or no match at
 * all gives `agent: null`. Confidence grows with the score and with the margin over the
 * runner-up: `min(1, best / 2) × (best − second) / best`.
 */
export function keywordRoute(message: string, agents: AgentProfile[]): Route {
  const tokens = routingTokens(message);
  const scores: Record<string, number> = {};
  for (const agent of agents) {
    const phrases = new Set(agent.keywords.map((k) => routingTokens(k).join(" ")).filter(Boolean));
    let score = 0;
    for (const phrase of phrases) if (containsPhrase(tokens, phrase.split(" "))) score += 1;
    if (containsPhrase(tokens, routingTokens(agent.name))) score += 2;
    scores[agent.slug] = score;
  }
  const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  const [best, second] = [ranked[0], ranked[1]];
  if (!best || best[1] === 0) {
    return { agent: null, confidence: 0, reason: "no keyword matched", method: "keyword", scores };
  }
  const runnerUp = second?.[1] ?? 0;
  if (runnerUp === best[1]) {
    return { agent: null, confidence: 0, reason: `keyword tie at ${best[1]}`, method: "keyword", scores };
  }
  const confidence = Math.min(1, best[1] / 2) * (best[1] - runnerUp) / best[1];
  return {
    agent: best[0],
    confidence: Math.round(confidence * 100) / 100,
    reason: `keywords ${best[1]} vs ${runnerUp}`,
    method: "keyword",
    scores,
  };
}

/** The LLM router's answer, validated. */
export const RouterOutput = z.object({
  agent: z.string().min(1),
  confidence: z.number().min(0).max(1),
  reason: z.string().max(500),
});

/** The JSON schema sent as structured output: `agent` is one of the slugs or `none`. */
export function routerSchema(agents: AgentProfile[]): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    required: ["agent", "confidence", "reason"],
    properties: {
      agent: { type: "string", enum: [...agents.map((a) => a.slug), "none"] },
      confidence: { type: "number", minimum: 0, maximum: 1 },
      reason: { type: "string" },
    },
  };
}

/** Tokens the router's answer may use. */
export const ROUTER_MAX_TOKENS = 150;

/** The LLM router could not give a usable answer; the caller falls back to the keyword router. */
export class RouterFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RouterFailed";
  }
}

/** The router's instructions (French, like the agents' prompts). */
export function routerMessages(options: {
  message: string;
  agents: AgentProfile[];
  current: string | null;
  history: ChatMessage[];
}): ChatMessage[] {
  const roster = options.agents.map((a) =>
    `- ${a.slug} (${a.name}) : ${a.expertise}${
      a.keywords.length ? ` Mots-clés : ${a.keywords.join(", ")}.` : ""
    }`
  ).join("\n");
  const recent = options.history.slice(-4).map((m) =>
    `${m.role === "user" ? "Visiteur" : "Agent"} : ${m.content}`
  )
    .join("\n").slice(-1500);
  const system = [
    "Tu es l'orchestrateur d'un chat de service client. Choisis l'experte qui doit répondre au dernier message du visiteur.",
    `Expertes :\n${roster}`,
    `Experte actuelle de la conversation : ${options.current ?? "aucune"}.`,
    "Réponds en JSON : agent (le slug de l'experte, ou \"none\" si le message ne relève d'aucune : salutation, hors sujet, demande trop vague), " +
    "confidence (entre 0 et 1 : ta certitude), reason (une phrase courte). " +
    "Un message de suivi sans sujet propre (« et combien ça coûte ? ») reste à l'experte actuelle.",
    recent ? `Derniers échanges :\n${recent}` : "",
  ].filter(Boolean).join("\n\n");
  return [{ role: "system", content: system }, { role: "user", content: options.message }];
}

/**
 * Asks `provider` (the router chain) for `{ agent, confidence, reason }`. Throws RouterFailed
 * when every provider failed, the answer is not the schema's shape, or names an unknown agent.
 */
export async function llmRoute(
  provider: ChatProvider,
  options: {
    message: string;
    agents: AgentProfile[];
    current: string | null;
    history?: ChatMessage[];
    /** The company's router_model; default: the provider's configured one. */
    model?: string | null;
    timeoutMs?: number;
    signal?: AbortSignal;
  },
): Promise<Route & { model: string; attempts: number }> {
  let result;
  try {
    result = await provider.complete({
      ...(options.model ? { model: options.model } : {}),
      messages: routerMessages({ ...options, history: options.history ?? [] }),
      json: { name: "route", schema: routerSchema(options.agents) },
      temperature: 0,
      maxTokens: ROUTER_MAX_TOKENS,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  } catch (error) {
    throw new RouterFailed(`router: ${error instanceof Error ? error.message : "call failed"}`, {
      cause: error,
    });
  }
  const parsed = RouterOutput.safeParse(result.json ?? tryParse(result.text));
  if (!parsed.success) {
    throw new RouterFailed(`router: malformed answer from ${result.provider} (${result.model})`);
  }
  const { agent, confidence, reason } = parsed.data;
  if (agent !== "none" && !options.agents.some((a) => a.slug === agent)) {
    throw new RouterFailed(`router: unknown agent ${JSON.stringify(agent.slice(0, 40))}`);
  }
  return {
    agent: agent === "none" ? null : agent,
    confidence,
    reason,
    method: "llm",
    model: result.model,
    attempts: result.attempts.length,
  };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The agent a turn goes to, and whether the router was unsure. */
export interface Decision {
  agent: string | null;
  /** True when the agent changed from a previous one. */
  switched: boolean;
  /** Counts toward the low-confidence escalation streak. */
  unsure: boolean;
  why: "new" | "same" | "switch" | "stay" | "none";
}

/**
 * Applies stickiness: a conversation stays with `current` unless the topic clearly moves —
 * another agent wins with LLM confidence ≥ SWITCH_MIN_CONFIDENCE, or by a keyword margin ≥
 * SWITCH_MIN_MARGIN over the current agent. A route with no agent keeps the current one.
 * Unsure: the LLM named nobody or was below UNSURE_BELOW_CONFIDENCE; the keyword router
 * matched nothing while the conversation has no agent yet (a keyword-less follow-up is normal).
 */
export function decide(route: Route, current: string | null): Decision {
  const unsure = route.method === "llm"
    ? route.agent === null || route.confidence < UNSURE_BELOW_CONFIDENCE
    : route.agent === null && current === null;
  if (route.agent === null) {
    return current ? { agent: current, switched: false, unsure, why: "stay" } : {
      agent: null,
      switched: false,
      unsure,
      why: "none",
    };
  }
  if (current === null) return { agent: route.agent, switched: false, unsure, why: "new" };
  if (route.agent === current) return { agent: current, switched: false, unsure, why: "same" };
  const clear = route.method === "llm"
    ? route.confidence >= SWITCH_MIN_CONFIDENCE
    : (route.scores?.[route.agent] ?? 0) - (route.scores?.[current] ?? 0) >= SWITCH_MIN_MARGIN;
  return clear
    ? { agent: route.agent, switched: true, unsure, why: "switch" }
    : { agent: current, switched: false, unsure, why: "stay" };
}

/** « parler à un humain », "talk to a human", « un conseiller »… : the visitor asks for a person. */
const HUMAN_REQUEST = [
  /\b(parler|discuter|echanger|joindre|contacter)\b.{0,30}\b(humain|humaine|personne|quelqu ?un|conseiller|conseillere|equipe|vrai|vraie)\b/,
  /\b(un|une|des|vrai|vraie) (humain|humaine|conseiller|conseillere|personne reelle|operateur|operatrice)\b/,
  /\b(talk|speak|chat)\b.{0,20}\b(human|person|someone|agent|representative|real)\b/,
  /\b(a|real|actual) human\b|\b(real|actual) person\b/,
  /\bhuman (agent|being|support)\b/,
  /^\s*(humain|human|agent|conseiller)\s*[!?.]*\s*$/,
];

/** True when the message asks to be put through to a human. */
export function asksForHuman(message: string): boolean {
  const text = fold(message).replace(/['’]/g, " ");
  return HUMAN_REQUEST.some((pattern) => pattern.test(text));
}
