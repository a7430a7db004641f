/**
 * The knowledge base's provider calls in the usage ledger, as product `ingest`: ingestion's
 * embeddings, and `search`'s embedding and rerank (hit testing is the knowledge base's own, not
 * a chat turn). Before paid calls: their ceilings, reserved against the company's monthly budget
 * (private.budget_reserve; nothing to reserve for the offline embedder). After them: the ledger
 * statement (private.ledger_record), run inside the caller's finishing transaction.
 */
import type { Db, Tx } from "../db.ts";
import { HttpError } from "../http.ts";
import { ProviderError } from "../providers/types.ts";
import type { Embedder } from "../providers/types.ts";
import type { Ceiling, LedgerCall, Reservation } from "../usage.ts";

/** The product the knowledge base's calls are recorded under. */
export const LEDGER_PRODUCT = "ingest";

/** The free provider: its calls are recorded (cost `free`), never reserved for. */
export const OFFLINE_PROVIDER = "offline";

/**
 * At most the tokens `texts` make, for a reservation: one per three characters, rounded up
 * per text (a tokenizer's token is about four characters of French or English text).
 */
export function tokenCeiling(texts: string[]): number {
  return texts.reduce((sum, text) => sum + Math.ceil(text.length / 3), 0);
}

/** The ceiling of embedding `texts` (null for the offline embedder: nothing to reserve). */
export function embeddingCeiling(embedder: Embedder, texts: string[]): Ceiling | null {
  if (embedder.name === OFFLINE_PROVIDER || texts.length === 0) return null;
  return { provider: embedder.name, model: embedder.model, max_input_tokens: tokenCeiling(texts) };
}

/** Characters a reranked passage has at most: a chunk's body (chunking.ts' 1,200) and its heading prefix. */
const RERANK_DOCUMENT_MAX_CHARS = 1500;

/**
 * The search units a rerank of at most `documents` passages can bill: Cohere counts one per
 * query of up to 100 documents, a document longer than 500 tokens (the query included) counting
 * once per 500.
 */
export function rerankSearchUnits(documents: number, queryChars: number): number {
  if (documents <= 0) return 0;
  const tokens = Math.ceil(RERANK_DOCUMENT_MAX_CHARS / 3) + Math.ceil(queryChars / 3);
  const perDocument = Math.ceil(tokens / 500);
  return Math.ceil((documents * perDocument) / 100);
}

/** A refusal at the cap: 429 `rate_limited` (the contract's), nothing called, nothing written. */
export function budgetReached(what: string, reservation: Reservation): HttpError {
  const remaining = Number(reservation.remaining_usd ?? 0);
  return new HttpError(
    "rate_limited",
    `${what}: monthly budget reached (${remaining.toFixed(6)} USD left for ${reservation.month}, ` +
      `this request may cost up to ${
        Number(reservation.amount_usd).toFixed(6)
      } USD); nothing was sent to the provider`,
    {
      reason: "monthly_budget",
      month: reservation.month,
      remaining_usd: remaining,
      needed_usd: Number(reservation.amount_usd),
    },
  );
}

/**
 * Reserves `ceilings` against the company's budget, in one round trip (none without ceilings).
 * Returns the reservation to release when the calls are recorded (null when nothing is held);
 * throws {@link budgetReached} at the cap.
 */
export async function reserveBudget(
  db: Db,
  options: { company: string; ceilings: (Ceiling | null)[]; what: string },
): Promise<string | null> {
  const ceilings = options.ceilings.filter((c): c is Ceiling => c !== null);
  if (ceilings.length === 0) return null;
  const [{ reservation }] = await db.asService((tx) =>
    tx<{ reservation: Reservation }[]>`
      select public.budget_reserve(${options.company}::uuid, ${
      tx.json(ceilings as never)
    }::jsonb) as reservation`
  );
  if (!reservation.allowed) throw budgetReached(options.what, reservation);
  return reservation.reservation ?? null;
}

/** `timeout` or `error`, as the ledger's outcome of a failed call. */
export function failedOutcome(error: unknown): "error" | "timeout" {
  return error instanceof ProviderError && error.kind === "timeout" ? "timeout" : "error";
}

/** One embedding request: its tokens when it answered, its outcome when it failed. */
export function embeddingCall(
  embedder: Embedder,
  result: { ms: number; tokens?: number; error?: unknown },
): LedgerCall {
  const ok = result.error === undefined;
  return {
    kind: "embedding",
    provider: embedder.name,
    model_requested: embedder.model,
    model: ok ? embedder.model : null,
    prompt_tokens: result.tokens ?? 0,
    latency_ms: Math.round(result.ms),
    outcome: ok ? "ok" : failedOutcome(result.error),
  };
}

/** The calls and reservations of one request, recorded (once) by its finishing statement. */
export interface UsageRecord {
  calls: LedgerCall[];
  reservations: string[];
}

/**
 * The statement that records `usage.calls` (one ledger row each, priced in SQL) and releases
 * its reservations, to run as the last statement(s) of the caller's transaction (service role).
 * The extra reservations (a retried ingestion holds two) are released by ledger_record with no calls.
 */
export function recordUsage(tx: Tx, company: string, usage: UsageRecord) {
  const [first = null, ...rest] = usage.reservations;
  return tx<{ cost: string }[]>`
    select private.ledger_record(${company}::uuid, ${LEDGER_PRODUCT}, null, ${
    tx.json(usage.calls as never)
  }::jsonb,
        ${first}::uuid) as cost,
      (select count(private.ledger_record(${company}::uuid, ${LEDGER_PRODUCT}, null, '[]'::jsonb, r.id))
       from unnest(${rest}::uuid[]) as r (id)) as released`;
}

/**
 * Records `usage` in a round trip of its own: only when the request failed after paying for calls
 * (an embedding failed, the writing transaction failed), so that they are not lost; a failure to
 * record is logged, never raised over the request's own error.
 */
export async function recordAfterFailure(
  db: Db,
  company: string,
  usage: UsageRecord,
  what: string,
): Promise<void> {
  if (usage.calls.length === 0 && usage.reservations.length === 0) return;
  try {
    await db.asService((tx) => recordUsage(tx, company, usage));
    usage.calls = [];
    usage.reservations = [];
  } catch (error) {
    console.error(
      `${what}: recording ${usage.calls.length} provider calls failed: ${(error as Error)?.name}`,
    );
  }
}
