/**
 * What a chat turn's paid calls may cost, asked of the company's monthly budget before they are
 * made (private.budget_reserve prices the ceilings in SQL): which provider and model each kind
 * of call goes to ({@link PaidPlan}, from the provider configuration) and, per turn, the
 * {@link Ceiling}s that bound them — tokens in and out, search units.
 *
 * NOTE: token bounds count one token per character at most (true of the byte-pair tokenizers
 * these providers use on Latin text); the answer's bound is the prompt budget's own
 * (prompt.ts: passages and the whole prompt in estimated tokens of four characters).
 */
import type { ProviderConfig } from "../providers/config.ts";
import type { Embedder, Reranker } from "../providers/types.ts";
import type { Ceiling } from "../usage.ts";
import { DEFAULT_BUDGET, REPLY_MAX_TOKENS } from "./prompt.ts";
import { type AgentProfile, ROUTER_MAX_TOKENS, routerMessages, routerSchema } from "./router.ts";
import type { ChatMessage } from "../providers/types.ts";
import { rerankSearchUnits } from "../knowledge/budget.ts";
import { rerankDocuments } from "../knowledge/retrieve.ts";

/** A provider and the model it is asked for by default. */
export interface PaidModel {
  provider: string;
  model: string;
}

/** Where each kind of a turn's calls goes; null when it costs nothing (offline, not configured). */
export interface PaidPlan {
  /** The chat chain's head (OpenRouter, else Groq, DeepSeek, OpenAI). */
  chat: PaidModel | null;
  router: PaidModel | null;
  embedding: PaidModel | null;
  rerank: PaidModel | null;
}

/** The plan of a provider configuration (the same choices as providers/index.ts makes). */
export function paidPlan(config: ProviderConfig): PaidPlan {
  const { models } = config;
  const heads: [string, string | undefined, string][] = [
    ["openrouter", config.openrouter.apiKey, models.chat],
    ["groq", config.groq.apiKey, models.groq],
    ["deepseek", config.deepseek.apiKey, models.deepseek],
    ["openai", config.openai.apiKey, models.openaiChat],
  ];
  const keyed = heads.filter(([, key]) => key);
  const chat = keyed[0] ? { provider: keyed[0][0], model: keyed[0][2] } : null;
  const router = config.openrouter.apiKey ? { provider: "openrouter", model: models.router } : chat;
  return {
    chat,
    router,
    embedding: config.openai.apiKey ? { provider: "openai", model: models.embedding } : null,
    rerank: config.cohere.apiKey ? { provider: "cohere", model: models.rerank } : null,
  };
}

/**
 * A plan from the providers alone, for callers that built them without passing the
 * configuration: the embedder's and reranker's own models; the chat chain's head with no known
 * model (reserved as unpriced, i.e. SQL's default holding).
 */
export function planOfProviders(providers: {
  chat: { name: string };
  offline: boolean;
  embedder: Embedder | null;
  reranker: Reranker | null;
}): PaidPlan {
  const head = providers.offline ? null : { provider: providers.chat.name.split(">")[0], model: "unknown" };
  return {
    chat: head,
    router: head,
    embedding: !providers.embedder || providers.embedder.name === "offline"
      ? null
      : { provider: providers.embedder.name, model: providers.embedder.model },
    rerank: providers.reranker
      ? { provider: providers.reranker.name, model: providers.reranker.model }
      : null,
  };
}

/** Characters of a message list, with a few per message for the chat format's framing. */
function chars(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + m.content.length + 8, 0);
}

/** What the turn will ask for. */
export interface TurnPlan {
  message: string;
  history: ChatMessage[];
  agents: (AgentProfile & { systemPrompt: string; styleNotes: string | null; model: string | null })[];
  current: string | null;
  /** Null: the keyword router decides (offline); undefined: the plan's router model. */
  routerModel: string | null | undefined;
  /** The answer's model for an agent without its own (the company's, else the plan's). */
  chatModel: string | null;
  /** Overrides the router's and every agent's model (the budget's fallback model). */
  forceModel?: string;
  rerankModel: string | null;
  /** Passages kept per agent (the company's match_count): sizes the rerank's pool. */
  matchCount: number;
  /** False when the turn does not retrieve (at the cap, without a fallback). */
  retrieve: boolean;
}

/**
 * The ceilings of a turn's paid calls: the LLM router (when it runs), the question's embedding,
 * the rerank (its most candidates' search units) and the answer — one per distinct model
 * among the agents that may answer (the router has not chosen yet), each at its largest prompt.
 */
export function turnCeilings(plan: PaidPlan, turn: TurnPlan): Ceiling[] {
  const ceilings: Ceiling[] = [];
  if (plan.router && turn.routerModel !== null && turn.agents.length > 1) {
    const messages = routerMessages({
      message: turn.message,
      agents: turn.agents,
      current: turn.current,
      history: turn.history,
    });
    ceilings.push({
      provider: plan.router.provider,
      model: turn.forceModel ?? turn.routerModel ?? plan.router.model,
      max_input_tokens: chars(messages) + JSON.stringify(routerSchema(turn.agents)).length,
      max_output_tokens: ROUTER_MAX_TOKENS,
    });
  }
  if (turn.retrieve && plan.embedding) {
    ceilings.push({ ...plan.embedding, max_input_tokens: turn.message.length, max_output_tokens: 0 });
  }
  if (turn.retrieve && plan.rerank) {
    ceilings.push({
      provider: plan.rerank.provider,
      model: turn.rerankModel ?? plan.rerank.model,
      // What retrieval will send the reranker: a pool per agent that may answer.
      search_units: rerankSearchUnits(
        rerankDocuments({ count: turn.matchCount, agents: turn.agents.length }),
        turn.message.length,
      ),
    });
  }
  if (plan.chat) {
    const byModel = new Map<string, number>();
    for (const agent of turn.agents) {
      const model = turn.forceModel ?? agent.model ?? turn.chatModel ?? plan.chat.model;
      const input = answerInputBound(agent, turn.message);
      byModel.set(model, Math.max(byModel.get(model) ?? 0, input));
    }
    for (const [model, input] of byModel) {
      ceilings.push({
        provider: plan.chat.provider,
        model,
        max_input_tokens: input,
        max_output_tokens: REPLY_MAX_TOKENS,
      });
    }
  }
  return ceilings;
}

/**
 * The largest answer prompt buildPrompt can make for `agent`, in characters: its system prompt
 * and style, the header, the passages' budget, the history the whole budget leaves, the message.
 */
export function answerInputBound(
  agent: { systemPrompt: string; styleNotes: string | null },
  message: string,
): number {
  const budget = DEFAULT_BUDGET;
  const framing = 8 * (budget.historyMessages + 2) + 400;
  return agent.systemPrompt.length + (agent.styleNotes?.length ?? 0) + message.length +
    4 * (budget.passages + budget.total) + framing;
}
