/**
 * One visitor turn of the expert chat, in short database steps around the slow calls (never a
 * transaction held across an LLM call):
 *
 *   admit     rate limit of the conversation (429), or the stored answer of a repeated key
 *   record    conversation + visitor message (idempotent), state, agents, history;
 *             paused conversation or a visitor asking for a human → holding reply, no LLM
 *   route     LLM router (structured output) unless offline or failing → keyword router;
 *             stickiness; low confidence several turns in a row → escalation
 *   retrieve  the agent's passages (knowledge module), within its budget
 *   answer    agent prompt + cited passages + history through the chat chain (with fallback)
 *   finish    the answer with its metadata, the conversation's agent and routing state
 *
 * Every provider failed → the visitor's message stays, an escalation opens, 503. Each database
 * step is retried on a lost connection (steps are idempotent: every visitor message carries an
 * idempotency key, the client's or a generated one).
 */
import type { Db, Tx } from "../db.ts";
import { HttpError } from "../http.ts";
import type { ChatMessage, ChatProvider, ChatResult, ChatStreamEvent } from "../providers/types.ts";
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatRequest, ChatResponse, ChatSource } from "../../../types/api.ts";
import { type Allowance, allowance, sqlState } from "./limits.ts";
import {
  buildPrompt,
  type BuiltPrompt,
  citedIds,
  DEFAULT_BUDGET,
  type Passage,
  REPLY_MAX_TOKENS,
} from "./prompt.ts";
import {
  type AgentProfile,
  asksForHuman,
  decide,
  type Decision,
  keywordRoute,
  llmRoute,
  type Route,
  RouterFailed,
} from "./router.ts";

/** The French message of every 429. */
export const RATE_LIMITED_MESSAGE = "Trop de messages. Veuillez patienter.";

/** What the knowledge module's `retrieve` gives the chat (adapted in functions/chat/index.ts). */
export type Retrieve = (query: {
  company: string;
  agent: string;
  question: string;
  count: number;
  signal?: AbortSignal;
}) => Promise<{ passages: Passage[]; timings?: Record<string, number> }>;

/** Time budgets of one turn, in milliseconds. */
export interface TurnBudgets {
  /** The LLM router, all its fallbacks included; then the keyword router decides. */
  routerMs: number;
  /** Retrieval (embedding, search, rerank); then the agent answers without passages. */
  retrieveMs: number;
  /** The answer, all fallbacks included; then the 503 path. */
  answerMs: number;
  /** Each SQL statement of a database step. */
  statementMs: number;
  /** A visitor message older than this without an answer is answered again on a retry. */
  staleTurnMs: number;
}

/**
 * Defaults. Worst case of a turn: 4 database steps × (5 s connect + 5 s statement) ×
 * 2 tries on a lost connection would be 80 s only if every step hit both limits; in practice
 * the bound is routerMs + retrieveMs + answerMs + ~4 × 10 s = 5 + 8 + 45 + 40 = 98 s,
 * well inside Edge Functions' 150 s request limit.
 */
export const DEFAULT_BUDGETS: TurnBudgets = {
  routerMs: 5_000,
  retrieveMs: 8_000,
  answerMs: 45_000,
  statementMs: 5_000,
  staleTurnMs: 150_000,
};

/** Passages asked of the knowledge module per turn. */
export const PASSAGES_PER_TURN = 5;
/** How long a company's agents are cached by a function instance. */
export const AGENTS_CACHE_MS = 10_000;
/** Unsure routes in a row that hand the conversation to a human. */
export const LOW_CONFIDENCE_TURNS = 3;

/** The chat's dependencies, built once per function instance. */
export interface ChatDeps {
  db: Db;
  providers: { chat: ChatProvider; router: ChatProvider; offline: boolean };
  retrieve: Retrieve;
  clock?: { now(): number };
  /** Default rate limit when the company's config has none (RATE_LIMIT_MESSAGES / _WINDOW_SECONDS). */
  env: { rateLimit: { messages: number; windowSeconds: number } };
  budgets?: Partial<TurnBudgets>;
}

/** An agent row, as the turn uses it. */
interface AgentRow extends AgentProfile {
  systemPrompt: string;
  model: string | null;
  temperature: number;
  styleNotes: string | null;
  greeting: string | null;
}

/** What the stream of a turn yields: pieces of the reply, then the response. */
export type TurnEvent =
  | { type: "start"; conversation_id: string; agent: string | null; agent_name: string | null }
  | { type: "token"; delta: string }
  | { type: "done"; response: ChatResponse };

/** Holding replies: the bot is paused while a human takes over. */
const HOLDING = {
  paused:
    "Votre demande a bien été transmise à notre équipe : un membre vous répondra ici dès que possible. " +
    "Merci de votre patience !",
  visitor_request: "Bien sûr ! Je transmets votre demande à un membre de l'équipe, qui vous répondra ici " +
    "dès que possible.",
  low_confidence:
    "Je ne suis pas sûre de bien comprendre votre demande : je la transmets à un membre de l'équipe, " +
    "qui vous répondra ici dès que possible.",
} as const;

/** Offline, with nothing found in the knowledge base. */
export const OFFLINE_NO_PASSAGES =
  "Vous pouvez reformuler votre question, ou écrire « parler à un humain » pour " +
  "qu'un membre de l'équipe vous réponde.";

/** A company without agents is answered by this generic assistant, from its shared documents. */
const DEFAULT_AGENT: AgentRow = {
  slug: "assistant",
  name: "Assistant",
  expertise: "",
  keywords: [],
  systemPrompt: "Tu es l'assistant de l'entreprise. Réponds uniquement à partir des extraits de la base de " +
    "connaissances fournis, cite-les sous la forme [doc:ID], et dis-le clairement quand ils ne couvrent pas la question.",
  model: null,
  temperature: 0.3,
  styleNotes: null,
  greeting: "Bonjour !",
};

const CONNECTION_ERRORS = new Set([
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
]);

/** True for errors of a lost or refused database connection (the statement may be retried). */
export function isConnectionError(error: unknown): boolean {
  const code = sqlState(error) ?? (error as { errno?: unknown })?.errno;
  return typeof code === "string" && CONNECTION_ERRORS.has(code);
}

/** The visitor's turn, validated. */
export type TurnInput = Omit<ChatRequest, "stream"> & { stream?: boolean };

/** Context carried from the first steps to the answer. */
interface Recorded {
  conversationUuid: string;
  userMessageId: string;
  key: string;
  currentAgent: string | null;
  streak: number;
  agents: AgentRow[];
  history: ChatMessage[];
  /** The client retried a key whose earlier turn never finished. */
  retried: boolean;
}

/** Runs turns for one set of dependencies. */
export function createTurns(deps: ChatDeps) {
  const budgets: TurnBudgets = { ...DEFAULT_BUDGETS, ...deps.budgets };
  const now = () => deps.clock?.now() ?? Date.now();

  /** One short service-role transaction, retried once on a lost connection; SQL errors mapped. */
  async function step<T>(name: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await deps.db.asService(fn, { statementTimeoutMs: budgets.statementMs });
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (isConnectionError(error)) {
          if (attempt < 3) continue;
          throw new HttpError("unavailable", `chat: database unavailable during ${name}`);
        }
        const state = sqlState(error);
        if (state === "P0002") throw new HttpError("not_found", `chat: ${(error as Error).message}`);
        if (state === "22023") throw new HttpError("invalid_request", `chat: ${(error as Error).message}`);
        if (state === "57014") throw new HttpError("unavailable", `chat: database too slow during ${name}`);
        throw error;
      }
    }
  }

  function rateLimitOf(a: Pick<Allowance, "remaining" | "resetAt">): ChatResponse["rate_limit"] {
    return { remaining: a.remaining, reset_at: a.resetAt.toISOString() };
  }

  /** The stored answer to `key`, if any, as a response. */
  async function storedReply(
    tx: Tx,
    where: { company: string; conversationId: string; key: string },
  ): Promise<Omit<ChatResponse, "rate_limit" | "conversation_id"> | undefined> {
    const rows = await tx`
      select m.id, m.content, m.agent, m.model_used, m.prompt_tokens, m.completion_tokens, m.sources, m.metadata,
             a.name as agent_name
      from public.conversations c
      join public.messages m on m.conversation_id = c.id
      left join public.agents a on a.company_id = c.company_id and a.slug = m.agent
      where c.company_id = private.resolve_company(${where.company}) and c.channel = 'widget'
        and c.external_id = ${where.conversationId} and m.idempotency_key = ${`${where.key}#reply`}`;
    if (rows.length === 0) return undefined;
    const row = rows[0];
    const prompt = row.prompt_tokens ?? 0, completion = row.completion_tokens ?? 0;
    return {
      message_id: row.id,
      agent: row.agent,
      agent_name: row.agent_name ?? null,
      reply: row.content,
      sources: row.sources as ChatSource[],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      model: row.model_used,
      kind: row.metadata?.kind ?? "answer",
      offline: row.metadata?.offline === true,
      escalated: row.metadata?.escalated === true,
      replayed: true,
    };
  }

  /** Step 1: the stored answer of a repeated key (nothing counted), else the rate limit. */
  async function admit(input: TurnInput): Promise<{ allowance: Allowance; replay?: ChatResponse }> {
    const admitted = await step("admit", async (tx) => {
      const target = { company: input.company_id, conversationId: input.conversation_id };
      if (input.idempotency_key) {
        const stored = await storedReply(tx, { ...target, key: input.idempotency_key });
        if (stored) {
          const a = await allowance(tx, { ...target, defaults: deps.env.rateLimit, consume: false });
          return {
            allowance: a,
            replay: { ...stored, conversation_id: input.conversation_id, rate_limit: rateLimitOf(a) },
          };
        }
      }
      return { allowance: await allowance(tx, { ...target, defaults: deps.env.rateLimit, consume: true }) };
    });
    const a = admitted.allowance;
    if (!admitted.replay && !a.allowed) {
      throw new HttpError("rate_limited", RATE_LIMITED_MESSAGE, {
        retry_after_seconds: a.retryAfterSeconds,
        limit: a.limit,
        reset_at: a.resetAt.toISOString(),
      }, { "Retry-After": String(a.retryAfterSeconds) });
    }
    return admitted;
  }

  /** Stores an assistant message (idempotent on `key#reply`) and returns its id. */
  async function storeReply(tx: Tx, options: {
    /** Also sets the conversation's agent and unsure streak. */
    state?: { agent: string | null; streak: number };
    companyId: string;
    conversationUuid: string;
    key: string;
    content: string;
    agent: string | null;
    model?: string | null;
    usage?: { promptTokens: number; completionTokens: number };
    latencyMs: number;
    sources?: ChatSource[];
    metadata: Record<string, unknown>;
  }): Promise<string> {
    const usage = options.usage;
    // Not one statement with the insert: messages' trigger updates the same conversation row.
    if (options.state) {
      await saveState(tx, options.conversationUuid, options.state.agent, options.state.streak);
    }
    const [row] = await tx`
      select public.append_message(
        p_company => ${options.companyId}, p_conversation => ${options.conversationUuid}::uuid,
        p_role => 'assistant', p_content => ${options.content}, p_agent => ${options.agent},
        p_model_used => ${options.model ?? null},
        p_tokens_used => ${usage ? usage.promptTokens + usage.completionTokens : null}::int,
        p_prompt_tokens => ${usage?.promptTokens ?? null}::int,
        p_completion_tokens => ${usage?.completionTokens ?? null}::int,
        p_latency_ms => ${Math.max(0, Math.round(options.latencyMs))}::int,
        p_sources => ${tx.json((options.sources ?? []) as never)}::jsonb,
        p_metadata => ${tx.json(options.metadata as never)}::jsonb,
        p_idempotency_key => ${`${options.key}#reply`}) as id`;
    return row.id;
  }

  /** A company's agents, cached for AGENTS_CACHE_MS (an edit to an agent applies within that time). */
  const agentCache = new Map<string, { at: number; agents: AgentRow[] }>();
  async function agentsOf(tx: Tx, companyId: string): Promise<AgentRow[]> {
    const cached = agentCache.get(companyId);
    if (cached && performance.now() - cached.at < AGENTS_CACHE_MS) return cached.agents;
    const agents = await loadAgents(tx, companyId);
    if (agentCache.size > 1000) agentCache.clear();
    agentCache.set(companyId, { at: performance.now(), agents });
    return agents;
  }

  async function loadAgents(tx: Tx, companyId: string): Promise<AgentRow[]> {
    const rows = await tx`
      select slug, name, expertise, keywords, system_prompt, model, temperature, style_notes, greeting
      from public.agents where company_id = ${companyId}::uuid and is_active
      order by created_at, slug`;
    return rows.map((r) => ({
      slug: r.slug,
      name: r.name,
      expertise: r.expertise,
      keywords: r.keywords,
      systemPrompt: r.system_prompt,
      model: r.model,
      temperature: Number(r.temperature),
      styleNotes: r.style_notes,
      greeting: r.greeting,
    }));
  }

  type RecordOutcome =
    | { kind: "turn"; recorded: Recorded }
    | { kind: "final"; response: Omit<ChatResponse, "rate_limit"> };

  /**
   * Step 2: the conversation, the visitor's message (once per key), its state, agents and
   * history; a paused conversation or a request for a human ends here with a holding reply.
   */
  async function record(input: TurnInput, a: Allowance, started: number): Promise<RecordOutcome> {
    const clientKey = input.idempotency_key;
    const key = clientKey ?? `turn:${crypto.randomUUID()}`;
    return await step("record", async (tx) => {
      const userMetadata = {
        channel: "widget",
        visitor_id: input.user_id,
        ...(input.timestamp === undefined ? {} : { client_timestamp: input.timestamp }),
        ...(clientKey ? {} : { generated_key: true }),
      };
      // One statement: the conversation, the visitor's message (once per key), the conversation's
      // state and its last messages. A conversation created by this very statement is not in its
      // snapshot (left join): it has no agent, no streak, no escalation and no history yet.
      const [row] = await tx`
        with conv as (
          select public.ensure_conversation(${a.companyId}, 'widget', ${input.conversation_id}, ${input.user_id}) as id
        ), ins as (
          insert into public.messages (conversation_id, company_id, role, content, metadata, idempotency_key)
          select conv.id, ${a.companyId}::uuid, 'user', ${input.message}, ${
        tx.json(userMetadata as never)
      }::jsonb, ${key}
          from conv
          on conflict (conversation_id, idempotency_key) where idempotency_key is not null do nothing
          returning id
        )
        select conv.id as conversation_id, (select ins.id from ins) as inserted_id, c.current_agent, c.visitor_id,
               coalesce((c.metadata ->> 'low_confidence_streak')::int, 0) as streak,
               coalesce(public.conversation_is_paused(c.id), false) as paused,
               coalesce((
                 select json_agg(json_build_object('role', h.role, 'content', h.content) order by h.created_at)
                 from (
                   select m.role, m.content, m.created_at from public.messages m
                   where m.conversation_id = conv.id and m.role in ('user', 'assistant')
                     and m.idempotency_key is distinct from ${key}
                   order by m.created_at desc limit ${DEFAULT_BUDGET.historyMessages}
                 ) h
               ), '[]') as history
        from conv left join public.conversations c on c.id = conv.id`;
      // A widget conversation belongs to the visitor who opened it: another visitor who knows its
      // id must not read its history through the answers (throwing rolls the insert back).
      if (row.visitor_id && row.visitor_id !== input.user_id) {
        throw new HttpError(
          "forbidden",
          `chat: conversation ${input.conversation_id} belongs to another visitor`,
        );
      }
      const conversationUuid: string = row.conversation_id;
      const state = {
        current_agent: row.current_agent as string | null,
        streak: Number(row.streak ?? 0),
        paused: row.paused === true,
      };
      let userMessageId: string;
      let retried = false;
      if (row.inserted_id) userMessageId = row.inserted_id;
      else {
        // The key was seen before: a client retry, or this step replayed after a lost connection.
        const [existing] = await tx`
          select id, created_at from public.messages
          where conversation_id = ${conversationUuid}::uuid and idempotency_key = ${key}`;
        userMessageId = existing.id;
        const stored = await storedReply(tx, {
          company: a.companyId,
          conversationId: input.conversation_id,
          key,
        });
        if (stored) return { kind: "final", response: { ...stored, conversation_id: input.conversation_id } };
        const age = now() - new Date(existing.created_at).getTime();
        if (clientKey && age < budgets.staleTurnMs) {
          throw new HttpError("conflict", "chat: this message is already being answered; retry in a moment", {
            idempotency_key: clientKey,
          });
        }
        retried = Boolean(clientKey);
      }

      const holding = async (reason: keyof typeof HOLDING, escalation: "visitor_request" | null) => {
        if (escalation) {
          await tx`select public.open_escalation(${a.companyId}, ${conversationUuid}::uuid, ${escalation},
            'Demande du visiteur dans le chat')`;
        }
        const id = await storeReply(tx, {
          companyId: a.companyId,
          conversationUuid,
          key,
          content: HOLDING[reason],
          agent: null,
          latencyMs: now() - started,
          metadata: {
            kind: "holding",
            reason,
            escalated: true,
            offline: deps.providers.offline,
            reply_to: userMessageId,
          },
        });
        return {
          kind: "final" as const,
          response: holdingResponse(input.conversation_id, id, HOLDING[reason], deps.providers.offline),
        };
      };
      if (state.paused) return await holding("paused", null);
      if (asksForHuman(input.message)) return await holding("visitor_request", "visitor_request");

      const agents = await agentsOf(tx, a.companyId);
      const history = row.history as ChatMessage[];
      return {
        kind: "turn",
        recorded: {
          conversationUuid,
          userMessageId,
          key,
          currentAgent: state.current_agent,
          streak: state.streak,
          agents: agents.length > 0 ? agents : [DEFAULT_AGENT],
          history,
          retried,
        },
      };
    });
  }

  /** Step 3: LLM router unless offline or failing, then stickiness. */
  async function route(
    input: TurnInput,
    r: Recorded,
  ): Promise<{ route: Route; decision: Decision; meta: object }> {
    const current = r.agents.some((agent) => agent.slug === r.currentAgent) ? r.currentAgent : null;
    let chosen: Route | undefined;
    const meta: Record<string, unknown> = {};
    if (r.agents.length === 1) {
      chosen = { agent: r.agents[0].slug, confidence: 1, reason: "only agent", method: "keyword" };
    } else if (!deps.providers.offline) {
      const started = performance.now();
      const signal = AbortSignal.timeout(budgets.routerMs);
      try {
        const llm = await llmRoute(deps.providers.router, {
          message: input.message,
          agents: r.agents,
          current,
          history: r.history,
          signal,
        });
        chosen = llm;
        meta.router_model = llm.model;
      } catch (error) {
        meta.router_fallback = error instanceof RouterFailed ? routerFailure(error) : "error";
      }
      meta.router_ms = Math.round(performance.now() - started);
    }
    chosen ??= keywordRoute(input.message, r.agents);
    const decision = decide(chosen, current);
    return { route: chosen, decision, meta };
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

  /** Step 4: the agent's passages, or none when retrieval fails or runs out of time. */
  async function retrieveFor(company: string, agent: string, question: string) {
    const started = performance.now();
    const signal = AbortSignal.timeout(budgets.retrieveMs);
    try {
      const found = await Promise.race([
        deps.retrieve({ company, agent, question, count: PASSAGES_PER_TURN, signal }),
        new Promise<never>((_, reject) => {
          signal.addEventListener("abort", () => reject(new Error("retrieval timed out")), { once: true });
        }),
      ]);
      return {
        passages: found.passages,
        meta: { count: found.passages.length, ms: ms(started), timings: found.timings },
      };
    } catch (error) {
      const reason = signal.aborted ? "timeout" : error instanceof Error ? error.name : "error";
      return { passages: [] as Passage[], meta: { count: 0, ms: ms(started), error: reason } };
    }
  }

  /** Steps 3–4 and the prompt, or a final reply (clarifying question, low-confidence escalation). */
  async function prepare(input: TurnInput, a: Allowance, r: Recorded, started: number) {
    const routed = await route(input, r);
    const streak = routed.decision.unsure ? r.streak + 1 : 0;
    const routing = routingMetadata(routed.route, routed.decision, routed.meta);

    if (routed.decision.agent === null || streak >= LOW_CONFIDENCE_TURNS) {
      const escalate = streak >= LOW_CONFIDENCE_TURNS;
      const content = escalate ? HOLDING.low_confidence : clarifyingReply(r.agents);
      const id = await step("finish", async (tx) => {
        if (escalate) {
          await tx`select public.open_escalation(${a.companyId}, ${r.conversationUuid}::uuid, 'low_confidence',
            ${`${streak} messages de suite sans experte évidente`})`;
        }
        await saveState(tx, r.conversationUuid, r.currentAgent, escalate ? 0 : streak);
        return await storeReply(tx, {
          companyId: a.companyId,
          conversationUuid: r.conversationUuid,
          key: r.key,
          content,
          agent: null,
          latencyMs: now() - started,
          metadata: {
            kind: escalate ? "holding" : "clarify",
            escalated: escalate,
            offline: deps.providers.offline,
            routing,
            reply_to: r.userMessageId,
          },
        });
      });
      const response = holdingResponse(input.conversation_id, id, content, deps.providers.offline);
      if (!escalate) Object.assign(response, { kind: "clarify", escalated: false });
      return { kind: "final" as const, response: { ...response, rate_limit: rateLimitOf(a) } };
    }

    const agent = r.agents.find((x) => x.slug === routed.decision.agent)!;
    const retrieved = await retrieveFor(a.companySlug, agent.slug, input.message);
    const prompt = buildPrompt({
      agent,
      passages: retrieved.passages,
      history: r.history,
      message: input.message,
    });
    return { kind: "answer" as const, agent, prompt, routing, streak, retrieval: retrieved.meta };
  }

  async function saveState(tx: Tx, conversation: string, agent: string | null, streak: number) {
    await tx`
      update public.conversations
      set current_agent = ${agent},
          metadata = metadata || jsonb_build_object('low_confidence_streak', ${streak}::int)
      where id = ${conversation}::uuid`;
  }

  function sourcesOf(prompt: BuiltPrompt, reply: string): ChatSource[] {
    const cited = new Set(citedIds(reply, prompt.passages));
    return prompt.passages.map((p) => ({
      id: p.id,
      title: p.title ?? null,
      source: p.source ?? null,
      score: p.score ?? null,
      cited: cited.has(p.id),
    }));
  }

  /** Offline replies open with the agent's greeting (the offline text itself says no model wrote it). */
  function opening(agent: AgentRow): string {
    return deps.providers.offline ? `${agent.greeting?.trim() || `Bonjour, ici ${agent.name}.`}\n\n` : "";
  }

  /** …and, when the knowledge base had nothing, say what the visitor can do. */
  function closing(ready: { prompt: BuiltPrompt }): string {
    return deps.providers.offline && ready.prompt.passages.length === 0 ? `\n\n${OFFLINE_NO_PASSAGES}` : "";
  }

  /** Step 6: the answer and the conversation's state, in one transaction. */
  async function finish(
    input: TurnInput,
    a: Allowance,
    r: Recorded,
    ready: Extract<Awaited<ReturnType<typeof prepare>>, { kind: "answer" }>,
    result: ChatResult,
    reply: string,
    started: number,
    extra: Record<string, unknown> = {},
  ): Promise<ChatResponse> {
    const sources = sourcesOf(ready.prompt, reply);
    const offline = result.provider === "offline";
    const failed = result.attempts.filter((x) => !x.ok);
    const id = await step("finish", async (tx) => {
      return await storeReply(tx, {
        state: { agent: ready.agent.slug, streak: ready.streak },
        companyId: a.companyId,
        conversationUuid: r.conversationUuid,
        key: r.key,
        content: reply,
        agent: ready.agent.slug,
        model: result.model,
        usage: result.usage,
        latencyMs: now() - started,
        sources,
        metadata: {
          kind: "answer",
          offline,
          provider: result.provider,
          attempts: result.attempts,
          fallback_reasons: failed.map((x) => `${x.provider}${x.model ? ` (${x.model})` : ""}: ${x.error}`),
          routing: ready.routing,
          retrieval: ready.retrieval,
          history_used: ready.prompt.historyUsed,
          estimated_prompt_tokens: ready.prompt.estimatedTokens,
          reply_to: r.userMessageId,
          ...(r.retried ? { retried: true } : {}),
          ...extra,
        },
      });
    });
    return {
      conversation_id: input.conversation_id,
      message_id: id,
      agent: ready.agent.slug,
      agent_name: ready.agent.name,
      reply,
      sources,
      usage: {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        total_tokens: result.usage.promptTokens + result.usage.completionTokens,
      },
      model: result.model,
      kind: "answer",
      offline,
      escalated: false,
      replayed: false,
      rate_limit: rateLimitOf(a),
    };
  }

  /** Every provider failed: escalate (the visitor's message is already stored) and answer 503. */
  async function failed(a: Allowance, r: Recorded, error: unknown): Promise<never> {
    const attempts = error instanceof AllProvidersFailed ? error.attempts : [];
    const summary = attempts.length
      ? attempts.map((x) => `${x.provider}: ${x.error}`).join("; ")
      : error instanceof DOMException && error.name === "TimeoutError"
      ? "budget exceeded"
      : error instanceof Error
      ? error.name
      : "error";
    try {
      await step("escalate", async (tx) => {
        await tx`select public.open_escalation(${a.companyId}, ${r.conversationUuid}::uuid, 'provider_failure',
          ${summary.slice(0, 500)})`;
      });
    } catch { /* the 503 stands; the visitor's message is stored */ }
    throw new HttpError(
      "unavailable",
      "Aucun modèle de langage n'a pu répondre. Votre message est bien enregistré : un membre de l'équipe vous répondra.",
      { attempts, escalated: true },
    );
  }

  function chatRequest(
    ready: Extract<Awaited<ReturnType<typeof prepare>>, { kind: "answer" }>,
    signal: AbortSignal,
  ) {
    return {
      messages: ready.prompt.messages,
      ...(ready.agent.model ? { model: ready.agent.model } : {}),
      temperature: ready.agent.temperature,
      maxTokens: REPLY_MAX_TOKENS,
      signal,
    };
  }

  type Begun =
    | { kind: "final"; response: ChatResponse }
    | {
      kind: "answer";
      allowance: Allowance;
      recorded: Recorded;
      ready: Extract<Awaited<ReturnType<typeof prepare>>, { kind: "answer" }>;
    };

  /** Steps 1–4. */
  async function begin(input: TurnInput, started: number): Promise<Begun> {
    const admitted = await admit(input);
    if (admitted.replay) return { kind: "final", response: admitted.replay };
    const a = admitted.allowance;
    const outcome = await record(input, a, started);
    if (outcome.kind === "final") {
      return { kind: "final", response: { ...outcome.response, rate_limit: rateLimitOf(a) } };
    }
    const ready = await prepare(input, a, outcome.recorded, started);
    if (ready.kind === "final") return ready;
    return { kind: "answer", allowance: a, recorded: outcome.recorded, ready };
  }

  /** One turn, answered in full. */
  async function run(input: TurnInput): Promise<ChatResponse> {
    const started = now();
    const begun = await begin(input, started);
    if (begun.kind === "final") return begun.response;
    const { allowance: a, recorded: r, ready } = begun;
    let result: ChatResult;
    try {
      result = await deps.providers.chat.complete(chatRequest(ready, AbortSignal.timeout(budgets.answerMs)));
    } catch (error) {
      return await failed(a, r, error);
    }
    return await finish(
      input,
      a,
      r,
      ready,
      result,
      opening(ready.agent) + result.text + closing(ready),
      started,
    );
  }

  /**
   * One turn as events: `start`, `token`s, `done`. Errors before the first token are thrown
   * from the first `next()` (the caller answers with a plain error); after it, the stream
   * ends with the error (nothing stored but the visitor's message and the escalation). If the
   * consumer stops early, the reply is still read to its end and stored.
   */
  async function* stream(input: TurnInput): AsyncGenerator<TurnEvent> {
    const started = now();
    const begun = await begin(input, started);
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
    const { allowance: a, recorded: r, ready } = begun;
    const events = deps.providers.chat.stream(chatRequest(ready, AbortSignal.timeout(budgets.answerMs)))[
      Symbol.asyncIterator
    ]();
    let text = opening(ready.agent);
    let first: IteratorResult<ChatStreamEvent>;
    try {
      first = await events.next();
    } catch (error) {
      return await failed(a, r, error);
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
      return await failed(a, r, error);
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
            await finish(input, a, r, ready, result, text + closing(ready), started, {
              stream: true,
              client_disconnected: true,
            });
          }
        } catch (error) {
          // Nothing half-written: the visitor's message stays and the conversation is escalated.
          if (!(error instanceof HttpError)) await failed(a, r, error).catch(() => {});
        }
      }
    }
    if (!result) return await failed(a, r, new Error("stream ended without a result"));
    const last = closing(ready);
    if (last) {
      text += last;
      yield { type: "token", delta: last };
    }
    yield {
      type: "done",
      response: await finish(input, a, r, ready, result, text, started, { stream: true }),
    };
  }

  return { run, stream, budgets };
}

function holdingResponse(
  conversationId: string,
  messageId: string,
  reply: string,
  offline: boolean,
): Omit<ChatResponse, "rate_limit"> {
  return {
    conversation_id: conversationId,
    message_id: messageId,
    agent: null,
    agent_name: null,
    reply,
    sources: [],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    model: null,
    kind: "holding",
    offline,
    escalated: true,
    replayed: false,
  };
}

/** Which agent? The company's agents and what each one does, in one short question. */
export function clarifyingReply(agents: AgentProfile[]): string {
  const list = agents.map((a) => `${a.name}${a.expertise ? ` (${a.expertise.replace(/\.$/, "")})` : ""}`);
  return `Bonjour ! Pour bien vous orienter, pouvez-vous préciser votre question ? ` +
    `Nos expertes : ${list.join(" ; ")}.`;
}

function routerFailure(error: RouterFailed): string {
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
