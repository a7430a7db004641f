/**
 * What a Botlive turn spends on the model providers (migrations usage-ledger, usage-botlive):
 * before its first paid call, the ceilings of every paid call it may make are reserved against
 * the company's monthly budget in one round trip (none when no paid provider is configured);
 * each call made is kept as a ledger row, sent with the reservation in the finishing round
 * trip (botlive_finish_turn's `usage` and `reservation`). Refused at the cap: the turn answers
 * offline (the offline extractor, the best passages), never with an error.
 */
import type { ChatMessage, JsonMode } from "../providers/types.ts";
import type { Ceiling, LedgerCall, Reservation } from "../usage.ts";

/** A configured paid model: the provider and the model it runs (the ledger's and the prices' names). */
export interface ProviderModel {
  provider: string;
  model: string;
}

/**
 * The models Botlive's chat ports run (deps.ts fills it from the provider config): the ledger's
 * model asked for, and what the budget's ceilings are priced on (a model left out is reserved
 * at the SQL's default for an unpriced one).
 */
export interface PaidModels {
  groq?: string;
  deepseek?: string;
  vision?: ProviderModel;
}

/** One turn's spending: the reservation (taken once) and the calls made. */
export interface TurnSpend {
  /**
   * True when the paid calls may be made. The first call with ceilings reserves them all (pass
   * every paid call the turn may still make); later calls answer the same without a round trip.
   */
  admit(ceilings: Ceiling[]): Promise<boolean>;
  /** The calls made so far: the ports push theirs here (a ledger row each). */
  readonly calls: LedgerCall[];
  /** botlive_finish_turn's fields: the ledger rows and the reservation to release. */
  fields(): { usage: LedgerCall[]; reservation: string | null };
}

/**
 * A turn's spending over `reserve` (the store's budget_reserve round trip). A reservation that
 * fails (the database) is a refusal: no paid call is made without money set aside.
 */
export function createTurnSpend(reserve: (ceilings: Ceiling[]) => Promise<Reservation>): TurnSpend {
  const calls: LedgerCall[] = [];
  let decided: Promise<boolean> | null = null;
  let reservation: string | null = null;
  return {
    calls,
    admit(ceilings) {
      if (decided) return decided;
      if (ceilings.length === 0) return Promise.resolve(true);
      decided = reserve(ceilings).then((answer) => {
        reservation = answer.reservation ?? null;
        return answer.allowed;
      }, () => false);
      return decided;
    },
    fields() {
      return { usage: [...calls], reservation };
    },
  };
}

/** Tokens the model counts for an image, at most (gpt-4o-mini, high detail, 2048 × 768: 36,835). */
export const IMAGE_TOKENS = 37_000;

/** UTF-8 bytes of a string: a byte-level BPE tokenizer never makes more tokens than bytes. */
function bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * At most the input tokens of a chat request: its bytes (every token covers at least one), the
 * JSON instruction an adapter adds for APIs without structured output, the images, and the
 * chat template's tokens around each message.
 */
export function inputTokensBound(messages: ChatMessage[], json?: JsonMode): number {
  let total = 64;
  for (const message of messages) {
    total += bytes(message.content) + 16 + (message.images?.length ?? 0) * IMAGE_TOKENS;
  }
  if (json && json !== true) total += 256 + bytes(json.name) + bytes(JSON.stringify(json.schema));
  return total;
}
