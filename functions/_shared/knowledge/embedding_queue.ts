/**
 * The embedding queue's worker (migration embedding-queue): claim due jobs →
 * per company, renew their lease (what another worker took since is left to it) → reserve what the
 * ingestion did not already hold → embed (one provider request per batch) → complete them and
 * record the calls in the usage ledger, in one short transaction → or fail them (retried with
 * backoff, dead after 5 attempts, with a reason that names no text and no key). Safe to run
 * anywhere at any time, several at once: a claim hands each job to one worker under a lease,
 * and a completion writes a vector only where the chunk still holds the text embedded. Runs
 * after `ingest`'s answer (EdgeRuntime.waitUntil) and from POST /ingest/drain (Supabase Cron).
 */
import type { Db } from "../db.ts";
import { HttpError } from "../http.ts";
import { ProviderError } from "../providers/types.ts";
import type { Embedder } from "../providers/types.ts";
import {
  embeddingCall,
  embeddingCeiling,
  recordAfterFailure,
  recordUsage,
  reserveBudget,
  type UsageRecord,
} from "./budget.ts";

/** What {@link createEmbeddingWorker} needs, and its settings. */
export interface EmbeddingWorkerDeps {
  db: Db;
  embedder: Embedder;
  /** Jobs claimed per round (default 100). */
  batch?: number;
  /** How long a claimed job is ours before another worker may take it (default 120 s; above the embedder's timeout). */
  leaseSeconds?: number;
  /** Attempts before a job is dead-lettered (default 5). */
  maxAttempts?: number;
}

/** What one drain did. `error`: the last failure's reason, if any. */
export interface EmbeddingDrainResult {
  embedded: number;
  stale: number;
  retried: number;
  dead: number;
  tokens: number;
  error?: string;
}

interface ClaimedJob {
  id: string;
  company_id: string;
  document_id: string;
  content: string;
  content_hash: string;
  attempts: number;
  reservation: string | null;
}

/** A vector as pgvector's text input (`[0.1,0.2,...]`). */
export function vectorLiteral(vector: number[]): string {
  return `[${vector.join(",")}]`;
}

/** Why an attempt failed, for the job's last_error: the provider and the kind, never a provider's text. */
export function failureReason(error: unknown): string {
  if (error instanceof ProviderError) {
    return `embeddings: ${error.provider} ${error.kind}${
      error.status === undefined ? "" : ` ${error.status}`
    }`;
  }
  if (error instanceof HttpError) return error.message.slice(0, 500);
  return `embeddings: ${error instanceof Error ? error.name : "failed"}`;
}

/**
 * Embeds `texts`, one provider request per batch of `embedder.maxBatch`, each one a ledger
 * call in `usage` (a failed request too). Throws the provider's error.
 */
export async function embedTexts(
  embedder: Embedder,
  texts: string[],
  usage: UsageRecord,
): Promise<{ vectors: number[][]; tokens: number }> {
  const vectors: number[][] = [];
  let tokens = 0;
  for (let first = 0; first < texts.length; first += embedder.maxBatch) {
    const batch = texts.slice(first, first + embedder.maxBatch);
    const started = performance.now();
    let result: { vectors: number[][]; tokens: number };
    try {
      result = await embedder.embed(batch);
    } catch (error) {
      usage.calls.push(embeddingCall(embedder, { ms: performance.now() - started, error }));
      throw error;
    }
    usage.calls.push(embeddingCall(embedder, { ms: performance.now() - started, tokens: result.tokens }));
    if (result.vectors.length !== batch.length) {
      throw new HttpError(
        "provider_failed",
        `embeddings: ${embedder.name} returned ${result.vectors.length} vectors for ${batch.length} chunks`,
      );
    }
    vectors.push(...result.vectors);
    tokens += result.tokens;
  }
  return { vectors, tokens };
}

const isDeadlock = (error: unknown) => (error as { code?: string })?.code === "40P01";

export function createEmbeddingWorker(deps: EmbeddingWorkerDeps) {
  const { db, embedder } = deps;
  const batch = deps.batch ?? 100;
  const leaseSeconds = deps.leaseSeconds ?? 120;
  const maxAttempts = deps.maxAttempts ?? 5;

  async function fail(jobs: ClaimedJob[], reason: string, total: EmbeddingDrainResult) {
    if (jobs.length === 0) return;
    const [row] = await db.asService((tx) =>
      tx<{ retried: number; dead: number }[]>`
        select * from private.embedding_jobs_fail(${
        tx.json(jobs.map((j) => ({ id: j.id, attempts: j.attempts })) as never)
      }, ${reason}, ${maxAttempts})`
    );
    total.retried += row.retried;
    total.dead += row.dead;
    total.error = reason;
    console.error(`ingest: ${jobs.length} embedding jobs failed (${reason}); ${row.dead} dead`);
  }

  /**
   * The jobs still ours, their lease renewed for a full term: a claim's later companies wait for
   * the earlier ones' embeddings, and a lease that lapsed meanwhile may be another worker's now.
   */
  async function renew(jobs: ClaimedJob[]): Promise<ClaimedJob[]> {
    const held = await db.asService((tx) =>
      tx<{ id: string }[]>`
        select id from private.embedding_jobs_renew(${
        tx.json(jobs.map((j) => ({ id: j.id, attempts: j.attempts })) as never)
      }, ${leaseSeconds}) as r (id)`
    );
    const ids = new Set(held.map((row) => String(row.id)));
    return jobs.filter((job) => ids.has(String(job.id)));
  }

  /** One company's claimed jobs: renew their lease, reserve what no live reservation covers, embed, complete. */
  async function processCompany(company: string, claimed: ClaimedJob[], total: EmbeddingDrainResult) {
    const jobs = await renew(claimed);
    if (jobs.length === 0) return;
    const usage: UsageRecord = { calls: [], reservations: [] };
    const covered = jobs.filter((j) => j.reservation);
    const uncovered = jobs.filter((j) => !j.reservation);
    let embedding = covered;
    if (uncovered.length > 0) {
      try {
        const reservation = await reserveBudget(db, {
          company,
          ceilings: [embeddingCeiling(embedder, uncovered.map((j) => j.content))],
          what: "ingest",
        });
        if (reservation) usage.reservations.push(reservation);
        embedding = jobs;
      } catch (error) {
        // At the cap: the ones the ingestion paid for go on, the others wait (and may die).
        if (!(error instanceof HttpError && error.code === "rate_limited")) throw error;
        await fail(uncovered, failureReason(error), total);
      }
    }
    usage.reservations.push(...new Set(covered.map((j) => j.reservation!)));
    if (embedding.length === 0) return;
    try {
      const result = await embedTexts(embedder, embedding.map((j) => j.content), usage);
      const payload = embedding.map((job, i) => ({
        id: job.id,
        content_hash: job.content_hash,
        embedding: vectorLiteral(result.vectors[i]),
      }));
      const complete = () =>
        db.asService(async (tx) => {
          const [row] = await tx<{ embedded: number; stale: number }[]>`
            select * from private.embedding_jobs_complete(${tx.json(payload as never)}, ${embedder.model})`;
          await recordUsage(tx, company, usage);
          return row;
        });
      // A writing ingestion holding the same chunks in another order: once more.
      const row = await complete().catch((error) => isDeadlock(error) ? complete() : Promise.reject(error));
      usage.calls = [];
      usage.reservations = [];
      total.embedded += row.embedded;
      total.stale += row.stale;
      total.tokens += result.tokens;
    } catch (error) {
      await recordAfterFailure(db, company, usage, "ingest");
      await fail(embedding, failureReason(error), total);
    }
  }

  /**
   * Embeds due jobs (of one company, or of all) until none is left or `budgetMs` (default 60 s)
   * has passed; never throws for a job's failure (it is recorded on the job).
   */
  async function drain(options: { company?: string; budgetMs?: number } = {}): Promise<EmbeddingDrainResult> {
    const until = Date.now() + (options.budgetMs ?? 60_000);
    const total: EmbeddingDrainResult = { embedded: 0, stale: 0, retried: 0, dead: 0, tokens: 0 };
    while (Date.now() < until) {
      const claimed = await db.asService((tx) =>
        tx<ClaimedJob[]>`
          select * from private.embedding_jobs_claim(${batch}, ${leaseSeconds}, ${
          options.company ?? null
        }, ${maxAttempts})`
      );
      if (claimed.length === 0) break;
      const companies = Map.groupBy(claimed, (job) => job.company_id);
      for (const [company, jobs] of companies) {
        try {
          await processCompany(company, jobs, total);
        } catch (error) {
          // The database itself failed: the lease lapses and another drain takes them again.
          console.error(`ingest: embedding jobs of ${company} left to their lease (${failureReason(error)})`);
          total.error = failureReason(error);
        }
      }
    }
    return total;
  }

  /** Ops: queues the dead-lettered jobs again (of one company, or all; of `sources` only). */
  async function retryDead(options: { company?: string; sources?: string[] } = {}): Promise<number> {
    const [{ retried }] = await db.asService((tx) =>
      tx<{ retried: number }[]>`
        select private.embedding_jobs_retry(${options.company ?? null}, ${
        options.sources ?? null
      }) as retried`
    );
    return retried;
  }

  return { drain, retryDead };
}

export type EmbeddingWorker = ReturnType<typeof createEmbeddingWorker>;
