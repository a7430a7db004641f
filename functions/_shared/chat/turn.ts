/**
 * One visitor turn of the expert chat, as steps over ports (the ChatStore, the providers,
 * Retrieve); the rules about ownership, limits and idempotency live in SQL behind the store:
 *
 *   admit + record   store.begin: ownership, limits, replay, the visitor's message and what the
 *                    answer needs, in one round trip; a paused conversation or a visitor asking
 *                    for a human gets a holding reply (no model)
 *   reserve          store.reserve: the ceilings of the paid calls below, set aside from the
 *                    company's monthly budget (skipped when every provider is offline); at the
 *                    cap, the budget's fallback model for the router and the answer (reserved
 *                    again), else the polite reply of copy.ts with no paid call at all
 *   route ‖ retrieve the router (LLM, else keywords, then stickiness) and every agent's
 *                    candidates, at the same time: retrieval does not wait for the router
 *   answer           the chosen agent's prompt with its passages, through the chat chain
 *   finish           store.finish: the reply with the routing state and the turn's provider
 *                    calls (one ledger row each, the reservation settled), in one round trip
 *
 * Every provider failed → the visitor's message stays, an escalation opens, 503. Nothing is
 * held open across a model call: each store call is its own short transaction.
 */
import { HttpError } from "../http.ts";
import type { ChatProvider, ChatResult, ChatStreamEvent, Embedder, Reranker } from "../providers/types.ts";
import type { LedgerCall } from "../usage.ts";
import { type PaidPlan, planOfProviders, turnCeilings } from "./budget.ts";
import { meteredChat } from "./metering.ts";
import { AllProvidersFailed } from "../providers/fallback.ts";
import { TimeoutError, timeoutSignal, withTimeout } from "../timeout.ts";
import type { ChatRequest, ChatResponse, ChatSource } from "../../../types/api.ts";
import {
  BUDGET_REACHED,
  clarifyingReply,
  DEFAULT_AGENT_TEXT,
  ESCALATION_DETAILS,
  HOLDING,
  NO_MODEL_ANSWERED,
  OFFLINE_NO_PASSAGES,
  offlineOpening,
} from "./copy.ts";
import { buildPrompt, type BuiltPrompt, citedIds, type Passage, REPLY_MAX_TOKENS } from "./prompt.ts";
import { answerResponse, cannedResponse, refusal, replayResponse } from "./responses.ts";
import type { Retrieve, Retrieved } from "./retrieval.ts";
import {
  asksForHuman,
  decide,
  type Decision,
  keywordRoute,
  llmRoute,
  type Route,
  RouterFailed,
} from "./router.ts";
import type { AgentRow, ChatStore, OpenTurn, TurnFinish } from "./store.ts";

/** Time budgets of one turn, in milliseconds. */
export interface TurnBudgets {
  /** The LLM router, all its fallbacks included; then the keyword router decides. */
  routerMs: number;
  /** Retrieval (embedding, search, rerank); then the agent answers without passages. */
  retrieveMs: number;
  /** The answer, all fallbacks included; then the 503 path. */
  answerMs: number;
}

/**
 * Defaults. Worst case of a turn: max(router, retrieval) + answer + two store round trips of at
 * most 3 tries × (5 s connect + 5 s statement) = 8 + 45 + 60 = 113 s, inside Edge Functions'
 * 150 s request limit (in practice the store calls take milliseconds).
 */
export const DEFAULT_BUDGETS: TurnBudgets = { routerMs: 5_000, retrieveMs: 8_000, answerMs: 45_000 };

/** Unsure routes in a row that hand the conversation to a human. */
export const LOW_CONFIDENCE_TURNS = 3;

/** The chat's dependencies, built once per function instance. */
export interface ChatDeps {
  store: ChatStore;
  providers: {
    chat: ChatProvider;
    router: ChatProvider;
    offline: boolean;
    embedder?: Embedder;
    reranker?: Reranker | null;
  };
  retrieve: Retrieve;
  /** Where each kind of paid call goes (budget.ts paidPlan); default: read from the providers. */
  plan?: PaidPlan;
  clock?: { now(): number };
  budgets?: Partial<TurnBudgets>;
}

/** The visitor's turn, validated, and the client's address as the platform reports it. */
export type TurnInput = Omit<ChatRequest, "stream"> & { stream?: boolean; address?: string | null };

/** What the stream of a turn yields: pieces of the reply, then the response. */
export type TurnEvent =
  | { type: "start"; conversation_id: string; agent: string | null; agent_name: string | null }
  | { type: "token"; delta: string }
  | { type: "done"; response: ChatResponse };

/** A company without agents is answered by this generic assistant, from all its documents. */
const DEFAULT_AGENT: AgentRow = {
  slug: "assistant",
  name: DEFAULT_AGENT_TEXT.name,
  expertise: "",
  keywords: [],
  systemPrompt: DEFAULT_AGENT_TEXT.systemPrompt,
  model: null,
  temperature: 0.3,
  styleNotes: null,
  greeting: DEFAULT_AGENT_TEXT.greeting,
};

/** One admitted turn, as the steps after `begin` see it. */
interface Turn {
  input: TurnInput;
  key: string;
  open: OpenTurn;
  agents: AgentRow[];
  started: number;
  /** The provider calls made so far (the ledger's rows, sent with the turn's end). */
  calls: LedgerCall[];
  /** The budget: `ok` (reservation held, or no budget), `fallback` (its cheaper model), `cap` (no paid call). */
  spend: { mode: "ok" | "fallback" | "cap"; reservation: string | null; model?: string; soft?: boolean };
}

/** A turn ready for its answer. */
interface Ready {
  agent: AgentRow;
  prompt: BuiltPrompt;
  routing: Record<string, unknown>;
  streak: number;
  retrieval: Record<string, unknown>;
}

type Begun = { kind: "final"; response: ChatResponse } | { kind: "answer"; turn: Turn; ready: Ready };

/** Runs turns for one set of dependencies. */
export function createTurns(deps: ChatDeps) {
  const budgets: TurnBudgets = { ...DEFAULT_BUDGETS, ...deps.budgets };
  const now = () => deps.clock?.now() ?? Date.now();
  const offline = deps.providers.offline;
  const plan = deps.plan ?? planOfProviders({
    ...deps.providers,
    embedder: deps.providers.embedder ?? null,
    reranker: deps.providers.reranker ?? null,
  });

  /** Admit + record, then route ‖ retrieve; or a final reply that needs no model. */
  async function begin(input: TurnInput): Promise<Begun> {
    const started = now();
    const key = input.idempotency_key ?? `turn:${crypto.randomUUID()}`;
    const outcome = await deps.store.begin({
      company: input.company_id,
      conversationId: input.conversation_id,
      visitorId: input.user_id,
      message: input.message,
      key,
      clientKey: input.idempotency_key !== undefined,
      address: input.address ?? null,
      metadata: {
        channel: "widget",
        visitor_id: input.user_id,
        ...(input.timestamp === undefined ? {} : { client_timestamp: input.timestamp }),
        ...(input.idempotency_key ? {} : { generated_key: true }),
      },
    });
    if (outcome.outcome === "replay") {
      return {
        kind: "final",
        response: replayResponse(input.conversation_id, outcome.reply, outcome.rateLimit),
      };
    }
    if (outcome.outcome !== "turn") throw refusal(outcome, input.idempotency_key);
    const open = outcome.turn;
    const turn: Turn = {
      input,
      key,
      open,
      agents: open.agents.length > 0 ? open.agents : [DEFAULT_AGENT],
      started,
      calls: [],
      spend: { mode: "ok", reservation: null },
    };

    if (open.paused) return { kind: "final", response: await hold(turn, "paused") };
    if (asksForHuman(input.message)) return { kind: "final", response: await hold(turn, "visitor_request") };

    await reserve(turn);
    const retrieval = retrieveAll(turn);
    const routed = await route(turn);
    const streak = routed.decision.unsure ? open.streak + 1 : 0;
    const routing = routingMetadata(routed.route, routed.decision, routed.meta);
    if (routed.decision.agent === null || streak >= LOW_CONFIDENCE_TURNS) {
      // Its embedding and rerank were paid for: they are recorded with the reply.
      await retrieval;
      return { kind: "final", response: await unsure(turn, streak, routing) };
    }
    const agent = turn.agents.find((a) => a.slug === routed.decision.agent)!;
    const found = await retrieval;
    const passages = found.passages(agent === DEFAULT_AGENT ? null : agent.slug);
    const prompt = buildPrompt({ agent, passages, history: open.history, message: input.message });
    return {
      kind: "answer",
      turn,
      ready: { agent, prompt, routing, streak, retrieval: { ...found.meta, count: passages.length } },
    };
  }

  /**
   * Sets the ceilings of the turn's paid calls aside from the company's budget, in one round
   * trip before any of them (none when every provider is offline). Refused at the cap: again
   * with the budget's fallback model for the router and the answer, else no paid call at all.
   */
  async function reserve(turn: Turn): Promise<void> {
    const { open, input } = turn;
    const wanted = {
      message: input.message,
      history: open.history,
      agents: turn.agents,
      current: open.currentAgent,
      routerModel: offline ? null : open.settings.routerModel ?? undefined,
      chatModel: open.settings.chatModel,
      rerankModel: open.settings.rerankModel,
      matchCount: open.settings.matchCount,
      retrieve: true,
    };
    const ceilings = turnCeilings(plan, wanted);
    if (ceilings.length === 0) return;
    const first = await deps.store.reserve(open.companyId, ceilings);
    if (first.allowed) {
      turn.spend = { mode: "ok", reservation: first.reservation ?? null, soft: first.soft };
      return;
    }
    const model = first.fallback_model;
    if (model && plan.chat) {
      const cheaper = await deps.store.reserve(
        open.companyId,
        turnCeilings(plan, { ...wanted, forceModel: model }),
      );
      if (cheaper.allowed) {
        turn.spend = { mode: "fallback", reservation: cheaper.reservation ?? null, model, soft: true };
        return;
      }
    }
    turn.spend = { mode: "cap", reservation: null, soft: true };
  }

  /** Every agent's candidates, within the retrieval budget; none when it fails or runs out of time. */
  async function retrieveAll(
    turn: Turn,
  ): Promise<{ passages: (agent: string | null) => Passage[]; meta: object }> {
    const started = performance.now();
    const { open, input } = turn;
    if (turn.spend.mode === "cap") return { passages: () => [], meta: { ms: 0, skipped: "budget" } };
    try {
      const found: Retrieved = await withTimeout("retrieval", budgets.retrieveMs, (signal) =>
        deps.retrieve({
          company: open.companySlug,
          question: input.message,
          agents: open.agents.map((a) => a.slug),
          count: open.settings.matchCount,
          threshold: open.settings.matchThreshold,
          rerankModel: open.settings.rerankModel,
          signal,
          calls: turn.calls,
        }));
      return {
        passages: (agent) => found.passagesFor(agent),
        meta: { ms: ms(started), timings: found.timings },
      };
    } catch (error) {
      const reason = error instanceof TimeoutError
        ? "timeout"
        : error instanceof Error
        ? error.name
        : "error";
      return { passages: () => [], meta: { ms: ms(started), error: reason } };
    }
  }

  /** The LLM router unless offline, failing or pointless; else the keywords; then stickiness. */
  async function route(turn: Turn): Promise<{ route: Route; decision: Decision; meta: object }> {
    const { agents, open, input } = turn;
    const current = agents.some((agent) => agent.slug === open.currentAgent) ? open.currentAgent : null;
    let chosen: Route | undefined;
    const meta: Record<string, unknown> = {};
    if (agents.length === 1) {
      chosen = { agent: agents[0].slug, confidence: 1, reason: "only agent", method: "keyword" };
    } else if (!offline && turn.spend.mode !== "cap") {
      const started = performance.now();
      try {
        const llm = await withTimeout(
          "router",
          budgets.routerMs,
          (signal) =>
            llmRoute(meteredChat(deps.providers.router, turn.calls), {
              message: input.message,
              agents,
              current,
              history: open.history,
              model: turn.spend.mode === "fallback" ? turn.spend.model : open.settings.routerModel,
              signal,
            }),
        );
        chosen = llm;
        meta.router_model = llm.model;
      } catch (error) {
        meta.router_fallback = routerFailure(error);
      }
      meta.router_ms = ms(started);
    } else if (turn.spend.mode === "cap") {
      meta.router_skipped = "budget";
    }
    chosen ??= keywordRoute(input.message, agents);
    return { route: chosen, decision: decide(chosen, current), meta };
  }

  /** A holding reply: the bot is paused, or the visitor asked for a human (which escalates). */
  async function hold(turn: Turn, reason: "paused" | "visitor_request"): Promise<ChatResponse> {
    const content = HOLDING[reason];
    const id = await finish(turn, {
      reply: reply(turn, content, null, { kind: "holding", reason, escalated: true }),
      ...(reason === "visitor_request"
        ? { escalation: { reason: "visitor_request", details: ESCALATION_DETAILS.visitor_request } }
        : {}),
    });
    return cannedResponse({
      ...ids(turn, id),
      reply: content,
      kind: "holding",
      offline,
      allowance: turn.open.rateLimit,
    });
  }

  /** No agent is clear: a clarifying question, or after too many in a row, a human. */
  async function unsure(turn: Turn, streak: number, routing: Record<string, unknown>): Promise<ChatResponse> {
    const escalate = streak >= LOW_CONFIDENCE_TURNS;
    const content = escalate ? HOLDING.low_confidence : clarifyingReply(turn.agents);
    const id = await finish(turn, {
      reply: reply(turn, content, null, {
        kind: escalate ? "holding" : "clarify",
        escalated: escalate,
        routing,
      }),
      state: { agent: turn.open.currentAgent, streak: escalate ? 0 : streak },
      ...(escalate
        ? { escalation: { reason: "low_confidence", details: ESCALATION_DETAILS.low_confidence(streak) } }
        : {}),
    });
    return cannedResponse({
      ...ids(turn, id),
      reply: content,
      kind: escalate ? "holding" : "clarify",
      offline,
      allowance: turn.open.rateLimit,
    });
  }

  function ids(turn: Turn, messageId: string) {
    return { conversationId: turn.input.conversation_id, messageId };
  }

  /** A reply no model wrote. */
  function reply(turn: Turn, content: string, agent: string | null, metadata: Record<string, unknown>) {
    return {
      content,
      agent,
      model: null,
      latencyMs: now() - turn.started,
      sources: [],
      metadata: { offline, ...metadata, reply_to: turn.open.messageId },
    };
  }

  function finish(
    turn: Turn,
    rest: Omit<TurnFinish, "companyId" | "conversationUuid" | "key">,
  ): Promise<string> {
    return deps.store.finish({
      companyId: turn.open.companyId,
      conversationUuid: turn.open.conversationUuid,
      key: turn.key,
      ...rest,
      usage: usageOf(turn),
    });
  }

  /** The turn's calls so far and its reservation, for the round trip that ends it. */
  function usageOf(turn: Turn) {
    return { calls: [...turn.calls], reservation: turn.spend.reservation };
  }

  /** What the reply's metadata says of the budget (nothing when it played no part). */
  function budgetMetadata(turn: Turn): Record<string, unknown> {
    const { mode, soft, model } = turn.spend;
    if (mode === "ok" && !soft) return {};
    return { budget: { mode, soft: soft === true, ...(model ? { fallback_model: model } : {}) } };
  }

  function sourcesOf(prompt: BuiltPrompt, text: string): ChatSource[] {
    const cited = new Set(citedIds(text, prompt.passages));
    return prompt.passages.map((p) => ({
      id: p.id,
      title: p.title ?? null,
      source: p.source ?? null,
      score: p.score ?? null,
      cited: cited.has(p.id),
    }));
  }

  /** Offline replies open with the agent's greeting and, with nothing found, say what the visitor can do. */
  const opening = (ready: Ready) => (offline ? offlineOpening(ready.agent) : "");
  const closing = (
    ready: Ready,
  ) => (offline && ready.prompt.passages.length === 0 ? `\n\n${OFFLINE_NO_PASSAGES}` : "");

  /** The answer and the conversation's state, in one store call. */
  async function answered(
    turn: Turn,
    ready: Ready,
    result: ChatResult,
    text: string,
    extra: Record<string, unknown> = {},
  ): Promise<ChatResponse> {
    const sources = sourcesOf(ready.prompt, text);
    const failed = result.attempts.filter((x) => !x.ok);
    const id = await finish(turn, {
      reply: {
        content: text,
        agent: ready.agent.slug,
        model: result.model,
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
        latencyMs: now() - turn.started,
        sources,
        metadata: {
          kind: "answer",
          offline: result.provider === "offline",
          provider: result.provider,
          attempts: result.attempts,
          fallback_reasons: failed.map((x) => `${x.provider}${x.model ? ` (${x.model})` : ""}: ${x.error}`),
          routing: ready.routing,
          retrieval: ready.retrieval,
          history_used: ready.prompt.historyUsed,
          estimated_prompt_tokens: ready.prompt.estimatedTokens,
          reply_to: turn.open.messageId,
          ...(turn.open.retried ? { retried: true } : {}),
          ...budgetMetadata(turn),
          ...extra,
        },
      },
      state: { agent: ready.agent.slug, streak: ready.streak },
    });
    return answerResponse({
      ...ids(turn, id),
      agent: ready.agent,
      reply: text,
      sources,
      usage: result.usage,
      model: result.model,
      offline: result.provider === "offline",
      allowance: turn.open.rateLimit,
    });
  }

  /** Every provider failed: escalate (the visitor's message is already stored) and answer 503. */
  async function failed(turn: Turn, error: unknown): Promise<never> {
    const attempts = error instanceof AllProvidersFailed ? error.attempts : [];
    const summary = attempts.length
      ? attempts.map((x) => `${x.provider}: ${x.error}`).join("; ")
      : error instanceof TimeoutError
      ? "budget exceeded"
      : error instanceof Error
      ? error.name
      : "error";
    try {
      await deps.store.escalate({
        companyId: turn.open.companyId,
        conversationUuid: turn.open.conversationUuid,
        reason: "provider_failure",
        details: summary.slice(0, 500),
        usage: usageOf(turn),
      });
    } catch { /* the 503 stands; the visitor's message is stored */ }
    throw new HttpError("unavailable", NO_MODEL_ANSWERED, { attempts, escalated: true });
  }

  /**
   * At the cap without a fallback model: a polite reply, no model called (the keyword router
   * chose the agent; nothing was retrieved).
   */
  async function capped(turn: Turn, ready: Ready): Promise<ChatResponse> {
    const content = BUDGET_REACHED;
    const id = await finish(turn, {
      reply: reply(turn, content, ready.agent.slug, {
        kind: "answer",
        offline: true,
        routing: ready.routing,
        ...budgetMetadata(turn),
      }),
      state: { agent: ready.agent.slug, streak: ready.streak },
    });
    return {
      ...answerResponse({
        ...ids(turn, id),
        agent: ready.agent,
        reply: content,
        sources: [],
        usage: { promptTokens: 0, completionTokens: 0 },
        model: "",
        offline: true,
        allowance: turn.open.rateLimit,
      }),
      model: null,
    };
  }

  /** The answer's chain, its calls recorded for the ledger. */
  function answerChain(turn: Turn, ready: Ready): ChatProvider {
    return meteredChat(deps.providers.chat, turn.calls, { agent: ready.agent.slug });
  }

  function chatRequest(turn: Turn, ready: Ready, signal: AbortSignal) {
    const model = turn.spend.mode === "fallback"
      ? turn.spend.model
      : ready.agent.model ?? turn.open.settings.chatModel;
    return {
      messages: ready.prompt.messages,
      ...(model ? { model } : {}),
      temperature: ready.agent.temperature,
      maxTokens: REPLY_MAX_TOKENS,
      signal,
    };
  }

  /** One turn, answered in full. */
  async function run(input: TurnInput): Promise<ChatResponse> {
    const begun = await begin(input);
    if (begun.kind === "final") return begun.response;
    const { turn, ready } = begun;
    if (turn.spend.mode === "cap") return await capped(turn, ready);
    let result: ChatResult;
    try {
      result = await withTimeout(
        "answer",
        budgets.answerMs,
        (signal) => answerChain(turn, ready).complete(chatRequest(turn, ready, signal)),
      );
    } catch (error) {
      return await failed(turn, error);
    }
    return await answered(turn, ready, result, opening(ready) + result.text + closing(ready));
  }

  /**
   * One turn as events: `start`, `token`s, `done`. Errors before the first token are thrown
   * from the first `next()` (the caller answers with a plain error); after it, the stream
   * ends with the error (nothing stored but the visitor's message and the escalation). If the
   * consumer stops early, the reply is still read to its end and stored.
   */
  async function* stream(input: TurnInput): AsyncGenerator<TurnEvent> {
    const begun = await begin(input);
    if (begun.kind === "final") {
      const { response } = begun;
      yield {
        type: "start",
        conversation_id: response.conversation_id,
        agent: response.agent,
        agent_name: response.agent_name,
      };
      yield { type: "token", delta: response.reply };
      yield { type: "done", response };
      return;
    }
    const { turn, ready } = begun;
    if (turn.spend.mode === "cap") {
      const response = await capped(turn, ready);
      yield {
        type: "start",
        conversation_id: response.conversation_id,
        agent: response.agent,
        agent_name: response.agent_name,
      };
      yield { type: "token", delta: response.reply };
      yield { type: "done", response };
      return;
    }
    const signal = timeoutSignal("answer", budgets.answerMs);
    const events = answerChain(turn, ready).stream(chatRequest(turn, ready, signal))[Symbol.asyncIterator]();
    let text = opening(ready);
    let first: IteratorResult<ChatStreamEvent>;
    try {
      first = await events.next();
    } catch (error) {
      return await failed(turn, error);
    }
    let result: ChatResult | undefined;
    let consumerLeft = true;
    try {
      yield {
        type: "start",
        conversation_id: input.conversation_id,
        agent: ready.agent.slug,
        agent_name: ready.agent.name,
      };
      if (text) yield { type: "token", delta: text };
      for (let next = first; !next.done; next = await events.next()) {
        const event = next.value;
        if ("done" in event) {
          result = event.done;
          break;
        }
        text += event.delta;
        yield { type: "token", delta: event.delta };
      }
      consumerLeft = false;
    } catch (error) {
      consumerLeft = false;
      return await failed(turn, error);
    } finally {
      if (consumerLeft && !result) {
        // The client went away mid-reply: read the rest so that the stored message is complete.
        try {
          for (let next = await events.next(); !next.done; next = await events.next()) {
            if ("done" in next.value) {
              result = next.value.done;
              break;
            }
            text += next.value.delta;
          }
          if (result) {
            await answered(turn, ready, result, text + closing(ready), {
              stream: true,
              client_disconnected: true,
            });
          }
        } catch (error) {
          // Nothing half-written: the visitor's message stays and the conversation is escalated.
          if (!(error instanceof HttpError)) await failed(turn, error).catch(() => {});
        }
      }
    }
    if (!result) return await failed(turn, new Error("stream ended without a result"));
    const last = closing(ready);
    if (last) {
      text += last;
      yield { type: "token", delta: last };
    }
    yield { type: "done", response: await answered(turn, ready, result, text, { stream: true }) };
  }

  return { run, stream, budgets };
}

function routingMetadata(route: Route, decision: Decision, meta: object) {
  return {
    method: route.method,
    proposed: route.agent,
    confidence: route.confidence,
    reason: route.reason.slice(0, 200),
    decision: decision.why,
    unsure: decision.unsure,
    ...(route.scores ? { scores: route.scores } : {}),
    ...meta,
  };
}

function routerFailure(error: unknown): string {
  if (error instanceof TimeoutError) return "budget exceeded";
  if (!(error instanceof RouterFailed)) return "error";
  const cause = error.cause;
  if (cause instanceof AllProvidersFailed) {
    return `all providers failed: ${cause.attempts.map((a) => a.error).join(", ")}`;
  }
  if (cause instanceof DOMException) return cause.name === "TimeoutError" ? "budget exceeded" : cause.name;
  return error.message.replace(/^router: /, "").slice(0, 200);
}

function ms(started: number): number {
  return Math.round(performance.now() - started);
}
