/**
 * Test doubles for the chat (used by its tests and the benchmark, never by a function): a
 * scripted chat provider, a stand-in for the knowledge module's retrieve, agents and defaults
 * for the in-memory store.
 */
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatProvider, ChatRequest, ChatResult, ChatStreamEvent } from "../providers/types.ts";
import type { Passage } from "./prompt.ts";
import type { RetrievalQuery, Retrieve } from "./retrieval.ts";
import type { AgentRow, ChatDefaults } from "./store.ts";
import type { MemoryCompany } from "./store_memory.ts";

/** One scripted answer: a result (text / json), an error to throw, or a function of the request. */
export type ScriptedAnswer =
  | Partial<ChatResult>
  | Error
  | ((req: ChatRequest) => Partial<ChatResult> | Error);

/** A chat provider that answers from a queue, then with `fallback`; it records every request. */
export function scriptedChat(
  answers: ScriptedAnswer[] = [],
  fallback: ScriptedAnswer = { text: "Réponse de test [doc:1]." },
): ChatProvider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  function answer(req: ChatRequest): ChatResult {
    requests.push(req);
    let next = answers.length > 0 ? answers.shift()! : fallback;
    if (typeof next === "function") next = next(req);
    if (next instanceof Error) throw next;
    const text = next.text ?? JSON.stringify(next.json);
    return {
      text,
      model: "test-model",
      provider: "scripted",
      usage: { promptTokens: 100, completionTokens: 20 },
      attempts: [{ provider: "scripted", model: next.model ?? "test-model", ok: true, ms: 0 }],
      ...next,
    };
  }
  return {
    name: "scripted",
    requests,
    complete: (req) => {
      try {
        return Promise.resolve(answer(req));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async *stream(req): AsyncIterable<ChatStreamEvent> {
      const result = answer(req);
      for (const piece of result.text.match(/\S+\s*/g) ?? []) yield { delta: piece };
      yield { done: result };
    },
  };
}

/** Every provider failed (what the fallback chain throws). */
export function allFailed(): AllProvidersFailed {
  return new AllProvidersFailed([
    { provider: "openrouter", model: "anthropic/claude-3.5-sonnet", ok: false, error: "http 500", ms: 3 },
    { provider: "groq", model: "llama-3.3-70b-versatile", ok: false, error: "timeout", ms: 5 },
  ]);
}

/**
 * A retrieve that returns `passages` (or, given a function, each agent's), every call recorded
 * with the agent each answer was taken for.
 */
export function standInRetrieve(
  passages: Passage[] | ((agent: string | null) => Passage[]) = [],
): Retrieve & { calls: RetrievalQuery[]; chosen: (string | null)[] } {
  const calls: RetrievalQuery[] = [];
  const chosen: (string | null)[] = [];
  const fn: Retrieve = (query) => {
    calls.push(query);
    return Promise.resolve({
      passagesFor(agent: string | null) {
        chosen.push(agent);
        const found = typeof passages === "function" ? passages(agent) : passages;
        return found.slice(0, query.count);
      },
      timings: { totalMs: 0 },
    });
  };
  return Object.assign(fn, { calls, chosen });
}

/** The functions' defaults as env.ts sets them, for stores built in tests. */
export const TEST_DEFAULTS: ChatDefaults = {
  rate_limit_messages: 10,
  rate_limit_window_seconds: 60,
  visitor_turns_per_minute: 20,
  address_turns_per_minute: 60,
  company_turns_per_minute: 600,
  company_tokens_per_day: 2_000_000,
  match_count: 5,
  match_threshold: 0.2,
};

/**
 * Two specialists shaped like the demo agency's (supabase/seed.sql): the greetings, the
 * openings of the prompts and the keyword lists the routing tests rely on.
 */
export function demoAgents(): AgentRow[] {
  return [
    {
      slug: "audrey",
      name: "Audrey",
      expertise:
        "Automatisation du marketing : tunnels de vente (funnels), séquences e-mail et newsletters, Kajabi, Zapier.",
      keywords: [
        "tunnel",
        "tunnels",
        "funnel",
        "email",
        "e-mail",
        "automatisation",
        "automatiser",
        "kajabi",
        "zapier",
        "séquence",
        "newsletter",
      ],
      systemPrompt: "Tu es Audrey, experte en automatisation marketing. Cite les extraits [doc:ID].",
      model: null,
      temperature: 0.3,
      styleNotes: null,
      greeting: "Bonjour, je suis Audrey ! Je vous aide sur l'automatisation.",
    },
    {
      slug: "carole",
      name: "Carole",
      expertise: "Instagram et création de contenu : reels, stories, publications, hashtags, design (Canva).",
      keywords: [
        "instagram",
        "insta",
        "reel",
        "reels",
        "story",
        "stories",
        "contenu",
        "création",
        "design",
        "canva",
        "publication",
        "hashtag",
      ],
      systemPrompt: "Tu es Carole, experte Instagram et création de contenu. Cite les extraits [doc:ID].",
      model: null,
      temperature: 0.6,
      styleNotes: null,
      greeting: "Coucou, moi c'est Carole ! ✨",
    },
  ];
}

/** A company for the in-memory store. */
export function memoryCompany(overrides: Partial<MemoryCompany> = {}): MemoryCompany {
  return {
    id: crypto.randomUUID(),
    slug: `test-${crypto.randomUUID().slice(0, 8)}`,
    agents: demoAgents(),
    ...overrides,
  };
}
