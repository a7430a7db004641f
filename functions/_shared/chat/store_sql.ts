/**
 * The chat store on Postgres: each method is one statement of one short service-role
 * transaction (public.chat_begin_turn, chat_finish_turn, open_escalation, chat_allowance,
 * budget_reserve); a turn's ledger rows ride in its finishing statement (or its escalation's),
 * retried on a lost connection (each is idempotent on the turn's key), errors mapped by
 * errors.ts.
 */
import type { Db } from "../db.ts";
import { dbStep } from "../errors.ts";
import type { ChatMessage } from "../providers/types.ts";
import { DEFAULT_BUDGET } from "./prompt.ts";
import type { Reservation } from "../usage.ts";
import type { AgentRow, AllowanceOutcome, BeginOutcome, ChatDefaults, ChatStore, Refusal } from "./store.ts";

export interface SqlChatStoreOptions {
  db: Db;
  defaults: ChatDefaults;
  /** statement_timeout of each step. Default 5,000 ms. */
  statementMs?: number;
  /** Messages of history a turn reads. Default: the prompt budget's. */
  historyMessages?: number;
  /** A key's message older than this without an answer is answered again on a retry. Default 150 s. */
  staleSeconds?: number;
}

interface AgentJson {
  slug: string;
  name: string;
  expertise: string;
  keywords: string[];
  system_prompt: string;
  model: string | null;
  temperature: number;
  style_notes: string | null;
  greeting: string | null;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** Builds the SQL store. */
export function createSqlChatStore(options: SqlChatStoreOptions): ChatStore {
  const { db } = options;
  const step = { statementTimeoutMs: options.statementMs ?? 5_000 };
  const defaults = options.defaults as Json;

  return {
    async begin(start) {
      const [{ result }] = await dbStep("chat", () =>
        db.asService((tx) =>
          tx`select public.chat_begin_turn(
            p_company => ${start.company}, p_conversation => ${start.conversationId},
            p_visitor => ${start.visitorId}, p_message => ${start.message},
            p_idempotency_key => ${start.key}, p_client_key => ${start.clientKey},
            p_address => ${start.address}, p_metadata => ${tx.json(start.metadata as Json)}::jsonb,
            p_defaults => ${tx.json(defaults)}::jsonb, p_history => ${
            options.historyMessages ?? DEFAULT_BUDGET.historyMessages
          }::int,
            p_stale_seconds => ${options.staleSeconds ?? 150}::int) as result`, step));
      return toOutcome(result);
    },

    async finish(finish) {
      const r = finish.reply;
      const reply = {
        content: r.content,
        agent: r.agent,
        model: r.model,
        ...(r.promptTokens === undefined ? {} : { prompt_tokens: r.promptTokens }),
        ...(r.completionTokens === undefined ? {} : { completion_tokens: r.completionTokens }),
        latency_ms: Math.max(0, Math.round(r.latencyMs)),
        sources: r.sources,
        metadata: r.metadata,
        // public.chat_finish_turn records these in the ledger (migration usage-chat).
        usage: finish.usage?.calls ?? [],
        reservation: finish.usage?.reservation ?? null,
      };
      const [{ id }] = await dbStep("chat", () =>
        db.asService((tx) =>
          tx`select public.chat_finish_turn(
            ${finish.companyId}::uuid, ${finish.conversationUuid}::uuid, ${finish.key},
            ${tx.json(reply as Json)}::jsonb,
            ${finish.state ? tx.json(finish.state as Json) : null}::jsonb,
            ${finish.escalation ? tx.json(finish.escalation as Json) : null}::jsonb) as id`, step));
      return id;
    },

    async escalate(e) {
      const calls = e.usage?.calls ?? [];
      const reservation = e.usage?.reservation ?? null;
      await dbStep(
        "chat",
        () =>
          db.asService(
            (tx) =>
              calls.length === 0 && reservation === null
                ? tx`select public.open_escalation(${e.companyId}, ${e.conversationUuid}::uuid, ${e.reason}, ${e.details})`
                : tx`select public.open_escalation(${e.companyId}, ${e.conversationUuid}::uuid, ${e.reason}, ${e.details}),
                    public.ledger_record(${e.companyId}::uuid, 'chat', ${e.conversationUuid}::uuid,
                      ${tx.json(calls as Json)}::jsonb, ${reservation}::uuid)`,
            step,
          ),
      );
    },

    async reserve(companyId, ceilings) {
      const [{ result }] = await dbStep("chat", () =>
        db.asService(
          (tx) =>
            tx`select public.budget_reserve(${companyId}::uuid, ${
              tx.json(ceilings as Json)
            }::jsonb) as result`,
          step,
        ));
      return {
        allowed: result.allowed === true,
        reservation: result.reservation ?? null,
        amount_usd: Number(result.amount_usd ?? 0),
        ...(result.remaining_usd === undefined ? {} : { remaining_usd: Number(result.remaining_usd) }),
        soft: result.soft === true,
        month: result.month,
        fallback_model: result.fallback_model ?? null,
      } satisfies Reservation;
    },

    async allowance(query) {
      const [{ result }] = await dbStep(
        "rate-limit",
        () =>
          db.asService(
            (tx) =>
              tx`select public.chat_allowance(${query.company}, ${query.conversationId}, ${query.visitorId},
            ${query.address}, ${tx.json(defaults)}::jsonb) as result`,
            step,
          ),
      );
      if (result.outcome === "forbidden") return { outcome: "forbidden" };
      return {
        outcome: "allowance",
        allowed: result.allowed,
        limitedBy: result.limited_by ?? null,
        remaining: result.remaining,
        limit: result.limit,
        resetAt: new Date(result.reset_at).toISOString(),
      } satisfies AllowanceOutcome;
    },
  };
}

function toOutcome(result: Json): BeginOutcome {
  switch (result.outcome) {
    case "forbidden":
    case "key_reused":
    case "in_progress":
      return { outcome: result.outcome };
    case "limited":
      return { outcome: "limited", refused: toRefusal(result.refused) };
    case "replay": {
      const r = result.reply;
      return {
        outcome: "replay",
        reply: {
          messageId: r.message_id,
          content: r.content,
          agent: r.agent,
          agentName: r.agent_name,
          model: r.model,
          promptTokens: r.prompt_tokens,
          completionTokens: r.completion_tokens,
          sources: r.sources,
          metadata: r.metadata,
        },
        rateLimit: toAllowance(result.rate_limit),
      };
    }
    case "turn":
      return {
        outcome: "turn",
        turn: {
          companyId: result.company_id,
          companySlug: result.company_slug,
          conversationUuid: result.conversation_id,
          messageId: result.message_id,
          retried: result.retried,
          paused: result.paused,
          currentAgent: result.current_agent,
          streak: result.streak,
          history: result.history as ChatMessage[],
          agents: (result.agents as AgentJson[]).map(toAgent),
          settings: {
            chatModel: result.settings.chat_model ?? null,
            routerModel: result.settings.router_model ?? null,
            rerankModel: result.settings.rerank_model ?? null,
            matchCount: Number(result.settings.match_count),
            matchThreshold: Number(result.settings.match_threshold),
          },
          rateLimit: toAllowance(result.rate_limit),
        },
      };
    default:
      throw new Error(`chat store: unknown outcome ${String(result.outcome).slice(0, 40)}`);
  }
}

function toRefusal(r: Json): Refusal {
  return {
    name: r.name,
    limit: Number(r.limit),
    retryAfterSeconds: r.retry_after_seconds,
    resetAt: new Date(r.reset_at).toISOString(),
  };
}

function toAllowance(a: Json) {
  return { remaining: a.remaining, limit: a.limit, resetAt: new Date(a.reset_at).toISOString() };
}

function toAgent(a: AgentJson): AgentRow {
  return {
    slug: a.slug,
    name: a.name,
    expertise: a.expertise,
    keywords: a.keywords,
    systemPrompt: a.system_prompt,
    model: a.model,
    temperature: Number(a.temperature),
    styleNotes: a.style_notes,
    greeting: a.greeting,
  };
}
