/**
 * Test doubles for the chat (used by its tests and the benchmark, never by a function): a
 * scripted chat provider and a stand-in for the knowledge module's retrieve.
 */
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatProvider, ChatRequest, ChatResult, ChatStreamEvent } from "../providers/types.ts";
import type { Passage } from "./prompt.ts";
import type { Retrieve } from "./turn.ts";

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

/** A retrieve that returns `passages` (every call recorded). */
export function standInRetrieve(
  passages: Passage[] | ((agent: string) => Passage[]) = [],
): Retrieve & { calls: Parameters<Retrieve>[0][] } {
  const calls: Parameters<Retrieve>[0][] = [];
  const fn = (query: Parameters<Retrieve>[0]) => {
    calls.push(query);
    const found = typeof passages === "function" ? passages(query.agent) : passages;
    return Promise.resolve({ passages: found.slice(0, query.count), timings: { totalMs: 0 } });
  };
  return Object.assign(fn, { calls });
}
