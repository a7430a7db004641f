/**
 * The chat turn's storage, as a small port: `begin` admits and records a visitor's turn
 * (ownership, limits, replay, the visitor's message, and what the answer needs), `finish`
 * stores the reply with the routing state, `escalate` hands the conversation to a human,
 * `allowance` says what the visitor may still send. The rules live in SQL
 * (public.chat_begin_turn & co., proven in pgTAP and two-session tests); store_sql.ts calls
 * them, store_memory.ts keeps the same rules in memory for the turn's unit tests.
 */
import type { ChatLimit, ChatSource } from "../../../types/api.ts";
import type { ChatMessage } from "../providers/types.ts";
import type { Ceiling, LedgerCall, Reservation } from "../usage.ts";
import type { AgentProfile } from "./router.ts";

/** A company's agent, as the turn uses it. */
export interface AgentRow extends AgentProfile {
  systemPrompt: string;
  model: string | null;
  temperature: number;
  styleNotes: string | null;
  greeting: string | null;
}

/** The company's settings for a turn (null model: the provider's configured default). */
export interface TurnSettings {
  chatModel: string | null;
  routerModel: string | null;
  rerankModel: string | null;
  matchCount: number;
  matchThreshold: number;
}

/** What every setting a company may leave null falls back to (env.ts: the one place of each). */
export interface ChatDefaults {
  rate_limit_messages: number;
  rate_limit_window_seconds: number;
  visitor_turns_per_minute: number;
  address_turns_per_minute: number;
  company_turns_per_minute: number;
  company_tokens_per_day: number;
  match_count: number;
  match_threshold: number;
}

/** A conversation's allowance after this turn. */
export interface Allowance {
  remaining: number;
  limit: number;
  resetAt: string;
}

/** The limit that refused a turn. */
export interface Refusal {
  name: ChatLimit;
  limit: number;
  retryAfterSeconds: number;
  resetAt: string;
}

/** A stored answer, replayed for a repeated idempotency key. */
export interface StoredReply {
  messageId: string;
  content: string;
  agent: string | null;
  agentName: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  sources: ChatSource[];
  metadata: Record<string, unknown>;
}

/** A visitor's turn, as the widget sent it. */
export interface TurnStart {
  /** Company uuid or slug. */
  company: string;
  /** The client's conversation id. */
  conversationId: string;
  visitorId: string;
  message: string;
  /** The client's idempotency key, or one generated for this turn. */
  key: string;
  clientKey: boolean;
  /** The client's address as the platform's edge reports it (null when unknown). */
  address: string | null;
  /** Kept with the visitor's message. */
  metadata: Record<string, unknown>;
}

/** An admitted turn: the visitor's message is stored; what the answer needs. */
export interface OpenTurn {
  companyId: string;
  companySlug: string;
  conversationUuid: string;
  messageId: string;
  /** The key's message was stored by an earlier attempt that never answered. */
  retried: boolean;
  /** An escalation is open: a human answers, the bot holds. */
  paused: boolean;
  currentAgent: string | null;
  streak: number;
  history: ChatMessage[];
  agents: AgentRow[];
  settings: TurnSettings;
  rateLimit: Allowance;
}

export type BeginOutcome =
  | { outcome: "turn"; turn: OpenTurn }
  | { outcome: "replay"; reply: StoredReply; rateLimit: Allowance }
  | { outcome: "forbidden" }
  | { outcome: "key_reused" }
  | { outcome: "in_progress" }
  | { outcome: "limited"; refused: Refusal };

/** The reply of a turn, with what it changes. */
export interface TurnFinish {
  companyId: string;
  conversationUuid: string;
  key: string;
  reply: {
    content: string;
    agent: string | null;
    model: string | null;
    promptTokens?: number;
    completionTokens?: number;
    latencyMs: number;
    sources: ChatSource[];
    metadata: Record<string, unknown>;
  };
  /** The conversation's agent and unsure streak after this turn. */
  state?: { agent: string | null; streak: number };
  escalation?: { reason: EscalationReason; details: string };
  /** The turn's provider calls for the usage ledger, and the budget reservation they settle. */
  usage?: TurnUsage;
}

/** What a turn spent: its calls (one ledger row each) and the reservation taken before them. */
export interface TurnUsage {
  calls: LedgerCall[];
  reservation: string | null;
}

export type EscalationReason = "visitor_request" | "low_confidence" | "provider_failure";

/** What `rate-limit` reports. */
export type AllowanceOutcome =
  | { outcome: "forbidden" }
  | { outcome: "allowance"; allowed: boolean; limitedBy: ChatLimit | null } & Allowance;

export interface ChatStore {
  begin(start: TurnStart): Promise<BeginOutcome>;
  /** Stores the reply (idempotent on the turn's key) and returns its id. */
  finish(finish: TurnFinish): Promise<string>;
  escalate(escalation: {
    companyId: string;
    conversationUuid: string;
    reason: EscalationReason;
    details: string;
    /** The calls of a turn that ends here (every provider failed), recorded in the same round trip. */
    usage?: TurnUsage;
  }): Promise<void>;
  /**
   * Sets money aside from the company's monthly budget for a turn's paid calls, before they are
   * made (public.budget_reserve): `allowed` false at the cap, nothing held.
   */
  reserve(companyId: string, ceilings: Ceiling[]): Promise<Reservation>;
  allowance(
    query: { company: string; conversationId: string; visitorId: string; address: string | null },
  ): Promise<
    AllowanceOutcome
  >;
}
