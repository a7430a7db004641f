/**
 * What an assistant turn may spend: the paid models behind its two calls (the router, the
 * answer), their ceilings (tokens in and out, bounded before the call), and the budget's answer
 * before them — one `budget_reserve` round trip, skipped when every provider is offline. At the
 * cap: the budget's fallback model (reserved again, the answer only), else the offline answer
 * with a polite note. The calls made are recorded by the finishing round trip (turn.ts).
 */
import { createOpenAICompatChat } from "../providers/openai_compat.ts";
import type { ProviderConfig } from "../providers/config.ts";
import type { ChatMessage, ChatProvider, ChatRequest } from "../providers/types.ts";
import type { Ceiling, Reservation } from "../usage.ts";

/** A paid call's provider and the model it asks for. */
export interface PaidModel {
  provider: string;
  model: string;
}

/** The assistant's paid models: the heads of its chains, and one call on a given model (the budget's fallback). */
export interface AssistantModels {
  answer: PaidModel;
  router: PaidModel;
  /** The chain's first provider on `model` alone (no fallbacks: nothing but what was reserved is called). */
  single(model: string): ChatProvider;
}

/** Tokens the answer may write (sent as max_tokens). */
export const ANSWER_MAX_TOKENS = 500;

/** The note an answer written offline at the budget's cap carries. */
export const CAP_NOTE =
  "Le budget mensuel de l'assistant est atteint : cette réponse a été calculée directement à partir de vos données, " +
  "sans modèle de langue. Merci de votre compréhension.";

const HEADS = ["openrouter", "groq", "deepseek", "openai"] as const;

/** The assistant's paid models from the provider configuration; undefined when no chat provider has a key. */
export function assistantModels(config: ProviderConfig): AssistantModels | undefined {
  const head = HEADS.find((name) => config[name].apiKey);
  if (!head) return undefined;
  const model = {
    openrouter: config.models.chat,
    groq: config.models.groq,
    deepseek: config.models.deepseek,
    openai: config.models.openaiChat,
  }[head];
  return {
    answer: { provider: head, model },
    router: { provider: head, model: head === "openrouter" ? config.models.router : model },
    single: (chosen) =>
      createOpenAICompatChat({
        name: head,
        apiKey: config[head].apiKey!,
        baseUrl: config[head].baseUrl,
        model: chosen,
        structuredOutput: head === "groq" || head === "deepseek" ? "json_object" : "json_schema",
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
      }),
  };
}

const utf8 = new TextEncoder();
/** Framing tokens a message costs beside its text (role, separators), generously. */
const PER_MESSAGE = 16;

/**
 * At most the prompt tokens a request can be billed: byte-level BPE tokenizers spend at least
 * one UTF-8 byte a token, so a text's bytes bound its tokens; plus each message's framing and
 * a JSON schema sent with it. `extraBytes` stands for text not written yet (the facts).
 */
export function promptTokenBound(req: Pick<ChatRequest, "messages" | "json">, extraBytes = 0): number {
  const schema = req.json && req.json !== true
    ? utf8.encode(JSON.stringify(req.json.schema)).length + PER_MESSAGE
    : 0;
  return req.messages.reduce(
    (sum: number, m: ChatMessage) => sum + utf8.encode(m.content).length + PER_MESSAGE,
    PER_MESSAGE,
  ) +
    schema + extraBytes;
}

/** The ceiling of `req` on `paid`: its bounded input and its max_tokens. */
export function ceilingOf(
  paid: PaidModel,
  req: Pick<ChatRequest, "messages" | "json" | "maxTokens">,
  extraBytes = 0,
): Ceiling {
  return {
    provider: paid.provider,
    model: paid.model,
    max_input_tokens: promptTokenBound(req, extraBytes),
    max_output_tokens: req.maxTokens ?? 0,
  };
}

/** How the turn answers, as the budget decided. */
export type SpendPlan =
  /** The usual chains (no budget, or money set aside for both calls). */
  | { mode: "paid"; reservation: Reservation | null }
  /** At the cap: the budget's fallback model, the answer only (money set aside for it). */
  | { mode: "fallback"; model: string; reservation: Reservation }
  /** Offline: no key (`capped` false) or the cap with no fallback model left. */
  | { mode: "offline"; capped: boolean; reservation: Reservation | null };

/** One call of private.budget_reserve (through public.budget_reserve): `reserve(ceilings)`. */
export type Reserve = (ceilings: Ceiling[]) => Promise<Reservation>;

/**
 * The budget's decision before the turn's paid calls: the router's and the answer's ceilings
 * reserved together; refused, the fallback model's answer alone (when the budget names one);
 * refused again, offline.
 */
export async function planSpend(
  reserve: Reserve,
  ceilings: { router?: Ceiling; answer: Ceiling },
): Promise<SpendPlan> {
  const first = await reserve([...(ceilings.router ? [ceilings.router] : []), ceilings.answer]);
  if (first.allowed) return { mode: "paid", reservation: first };
  if (first.fallback_model) {
    const fallback = await reserve([{ ...ceilings.answer, model: first.fallback_model }]);
    if (fallback.allowed) return { mode: "fallback", model: first.fallback_model, reservation: fallback };
  }
  return { mode: "offline", capped: true, reservation: first };
}
