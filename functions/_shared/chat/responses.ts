/**
 * Every answer and refusal of a turn, built in one place: the ChatResponse of an answer, of a
 * holding or clarifying reply, of a replayed answer; the contract error of each refused turn.
 */
import { HttpError } from "../http.ts";
import type { ChatResponse, ChatSource } from "../../../types/api.ts";
import { RATE_LIMITED } from "./copy.ts";
import type { Allowance, BeginOutcome, StoredReply } from "./store.ts";

function rateLimitOf(allowance: Allowance): ChatResponse["rate_limit"] {
  return { remaining: allowance.remaining, reset_at: allowance.resetAt };
}

function usageOf(promptTokens: number, completionTokens: number): ChatResponse["usage"] {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** A reply a model (or the offline provider) wrote. */
export function answerResponse(a: {
  conversationId: string;
  messageId: string;
  agent: { slug: string; name: string };
  reply: string;
  sources: ChatSource[];
  usage: { promptTokens: number; completionTokens: number };
  model: string;
  offline: boolean;
  allowance: Allowance;
}): ChatResponse {
  return {
    conversation_id: a.conversationId,
    message_id: a.messageId,
    agent: a.agent.slug,
    agent_name: a.agent.name,
    reply: a.reply,
    sources: a.sources,
    usage: usageOf(a.usage.promptTokens, a.usage.completionTokens),
    model: a.model,
    kind: "answer",
    offline: a.offline,
    escalated: false,
    replayed: false,
    rate_limit: rateLimitOf(a.allowance),
  };
}

/** A reply no model wrote: `holding` (a human will answer) or `clarify` (which agent?). */
export function cannedResponse(a: {
  conversationId: string;
  messageId: string;
  reply: string;
  kind: "holding" | "clarify";
  offline: boolean;
  allowance: Allowance;
}): ChatResponse {
  return {
    conversation_id: a.conversationId,
    message_id: a.messageId,
    agent: null,
    agent_name: null,
    reply: a.reply,
    sources: [],
    usage: usageOf(0, 0),
    model: null,
    kind: a.kind,
    offline: a.offline,
    escalated: a.kind === "holding",
    replayed: false,
    rate_limit: rateLimitOf(a.allowance),
  };
}

/** The stored answer to a repeated idempotency key. */
export function replayResponse(
  conversationId: string,
  reply: StoredReply,
  allowance: Allowance,
): ChatResponse {
  const kind = reply.metadata.kind;
  return {
    conversation_id: conversationId,
    message_id: reply.messageId,
    agent: reply.agent,
    agent_name: reply.agentName,
    reply: reply.content,
    sources: reply.sources,
    usage: usageOf(reply.promptTokens, reply.completionTokens),
    model: reply.model,
    kind: kind === "holding" || kind === "clarify" ? kind : "answer",
    offline: reply.metadata.offline === true,
    escalated: reply.metadata.escalated === true,
    replayed: true,
    rate_limit: rateLimitOf(allowance),
  };
}

/** The contract error of a turn the store did not admit. */
export function refusal(
  outcome: Exclude<BeginOutcome, { outcome: "turn" } | { outcome: "replay" }>,
  key: string | undefined,
): HttpError {
  switch (outcome.outcome) {
    case "forbidden":
      return new HttpError("forbidden", "chat: this conversation belongs to another visitor");
    case "key_reused":
      return new HttpError(
        "idempotency_key_reused",
        "chat: this idempotency key was already used for another message",
        { idempotency_key: key },
      );
    case "in_progress":
      return new HttpError("conflict", "chat: this message is already being answered; retry in a moment", {
        idempotency_key: key,
      });
    case "limited": {
      const r = outcome.refused;
      return new HttpError("rate_limited", RATE_LIMITED, {
        limit: r.name,
        max: r.limit,
        retry_after_seconds: r.retryAfterSeconds,
        reset_at: r.resetAt,
      }, { "Retry-After": String(r.retryAfterSeconds) });
    }
  }
}
