/**
 * Retrieval for answers and hit testing: embed the question → `public.match_documents`
 * (hybrid: vector + full text, reciprocal-rank fusion, restricted to the agent's documents and
 * the shared ones) → rerank (Cohere) → top-k, with each step's time. When the reranker is not
 * configured, fails or is too slow, the fused order is kept and the result says why. The result
 * lists the provider calls made (`calls`), for the caller's usage ledger; {@link retrievalCeilings}
 * bounds them for its budget reservation.
 */
import type postgres from "postgres";
import { contentWords, foldText } from "../providers/lexical.ts";
import { ProviderError } from "../providers/types.ts";
import type { Embedder, Reranker, RerankOptions } from "../providers/types.ts";
import { TimeoutError, withTimeout } from "../timeout.ts";
import type { Ceiling, LedgerCall } from "../usage.ts";
import {
  embeddingCall,
  embeddingCeiling,
  failedOutcome,
  OFFLINE_PROVIDER,
  rerankSearchUnits,
} from "./budget.ts";
import { vectorLiteral } from "./ingest.ts";

/** Anything postgres.js can run a tagged query on: the pool or an open transaction. */
export type Queryable = postgres.ISql;

/** Runs `fn` in a transaction of the caller's choosing (`(fn) => db.asService(fn)`, `db.asUser`…). */
export type SqlRunner = <T>(fn: (sql: Queryable) => Promise<T>) => Promise<T>;

/** What {@link retrieve} needs. */
export interface RetrieveDeps {
  /** Where match_documents runs: a runner (one short transaction for that step) or a pool/tx. */
  db: SqlRunner | Queryable;
  embedder: Embedder;
  reranker: Reranker | null;
  /** Longest wait for the reranker before keeping the fused order. Default 5,000 ms. */
  rerankTimeoutMs?: number;
}

/** One retrieval. */
export interface RetrieveOptions {
  /** Company uuid or slug. */
  company: string;
  /** Only this agent's documents and the shared ones; all the company's when absent. */
  agent?: string | null;
  question: string;
  /** Passages returned (the company's match_count for the chat, the request's for search). */
  count: number;
  /** Candidates fetched for the reranker (ignored without one). Default max(4 × count, 20), at most 100. */
  candidates?: number;
  /** Minimum cosine similarity of the vector list (the company's match_threshold). */
  threshold: number;
  /** Metadata the passages must contain (jsonb containment). */
  filter?: Record<string, unknown>;
  /** The reranker's model for this call (a company's rerank_model); default: the configured one. */
  rerankModel?: string | null;
  /** The caller's cancellation: checked between steps (an embedding call in flight runs to its end). */
  signal?: AbortSignal;
}

/** A retrieved passage and every score that ranked it. */
export interface Passage {
  id: number;
  source: string;
  title: string | null;
  content: string;
  metadata: Record<string, unknown>;
  agentOwner: string;
  tags: string[];
  category: string | null;
  similarity: number | null;
  textRank: number | null;
  fusedScore: number;
  rerankScore: number | null;
}

/** What {@link retrieve} returns. */
export interface Retrieval {
  passages: Passage[];
  /** `cohere`, `skipped: not configured`, `skipped: no candidates`, `failed: timeout`, `failed: http 500`… */
  rerank: string;
  timings: { embedMs: number; matchMs: number; rerankMs: number; totalMs: number };
  providers: { embedding: string; rerank: string | null };
  /** Rows match_documents returned (the rerank pool). */
  candidates: number;
  embeddingTokens: number;
  /** The provider calls made (the question's embedding, the rerank if it ran), as ledger rows. */
  calls: LedgerCall[];
}

interface MatchRow {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
  agent_owner: string;
  tags: string[];
  category: string | null;
  title: string | null;
  source: string;
  similarity: number | null;
  text_rank: number | null;
  score: number;
}

/** Retrieves the `count` passages that best answer `question` in a company's knowledge base. */
export async function retrieve(deps: RetrieveDeps, options: RetrieveOptions): Promise<Retrieval> {
  const found = await retrieveForAgents(deps, { ...options, agents: [options.agent ?? null] });
  return { ...found, passages: found.passagesFor(options.agent ?? null) };
}

/** What {@link retrieveForAgents} returns: each agent's passages from one embedding, query and rerank. */
export interface AgentsRetrieval extends Omit<Retrieval, "passages"> {
  /** The agent's best `count` passages (its own documents and the shared ones), best first. */
  passagesFor(agent: string | null): Passage[];
}

/**
 * The candidates of several agents at once, before anyone knows which agent will answer: one
 * embedding of the question, one search of the whole company (match_documents without an agent,
 * a pool for each agent), one rerank. A relevance score depends only on the question and the
 * passage, so each agent's passages come out in the order its own rerank would give them.
 * (null in `agents`: the whole company.)
 */
export async function retrieveForAgents(
  deps: RetrieveDeps,
  options: Omit<RetrieveOptions, "agent"> & { agents: (string | null)[] },
): Promise<AgentsRetrieval> {
  const started = performance.now();
  const count = options.count;
  const pool = poolSize(deps.reranker, count, options.candidates);

  options.signal?.throwIfAborted();
  const embedded = await deps.embedder.embed([options.question]);
  const afterEmbed = performance.now();
  const calls = [embeddingCall(deps.embedder, { ms: afterEmbed - started, tokens: embedded.tokens })];
  options.signal?.throwIfAborted();

  // Several agents: one search over the whole company, with a pool for each of them, then each
  // agent's candidates (its own and the shared ones) are taken from it.
  const wholeCompany = options.agents.length > 1;
  const run: SqlRunner = isQueryable(deps.db) ? (fn) => fn(deps.db as Queryable) : deps.db;
  const rows = await run((sql) =>
    sql<MatchRow[]>`
      select * from public.match_documents(
        ${options.company},
        ${vectorLiteral(embedded.vectors[0])}::extensions.vector,
        ${wholeCompany ? Math.min(pool * options.agents.length, 1000) : pool},
        ${options.threshold},
        ${wholeCompany ? null : options.agents[0]},
        ${fullTextQuery(options.question)},
        ${sql.json((options.filter ?? {}) as postgres.JSONValue)}
      )`
  );
  const afterMatch = performance.now();
  const candidates = rows.map(toPassage);
  const byAgent = new Map<string | null, Passage[]>(options.agents.map((agent) => [
    agent,
    candidates.filter((p) =>
      agent === null || !wholeCompany || p.agentOwner === agent || p.agentOwner === "shared"
    )
      .slice(0, pool),
  ]));

  options.signal?.throwIfAborted();

  const reranked = await rerank(deps, options.question, candidates, candidates.length, options.rerankModel);
  if (reranked.call) calls.push(reranked.call);
  const scores = new Map(reranked.passages.map((p) => [p.id, p.rerankScore]));
  const finished = performance.now();
  return {
    passagesFor(agent) {
      const own = byAgent.get(agent) ?? [];
      if (!reranked.ranked) return own.slice(0, count);
      return own.map((p) => ({ ...p, rerankScore: scores.get(p.id) ?? null }))
        .filter((p) => p.rerankScore !== null)
        .sort((a, b) => b.rerankScore! - a.rerankScore!)
        .slice(0, count);
    },
    rerank: reranked.status,
    timings: {
      embedMs: round(afterEmbed - started),
      matchMs: round(afterMatch - afterEmbed),
      rerankMs: round(finished - afterMatch),
      totalMs: round(finished - started),
    },
    providers: {
      embedding: `${deps.embedder.name}:${deps.embedder.model}`,
      rerank: deps.reranker ? `${deps.reranker.name}:${options.rerankModel ?? deps.reranker.model}` : null,
    },
    candidates: candidates.length,
    embeddingTokens: embedded.tokens,
    calls,
  };
}

/** The rerank pool of one agent's retrieval (what match_documents is asked for). */
function poolSize(reranker: Reranker | null, count: number, candidates?: number): number {
  return reranker ? rerankPool(count, candidates) : count;
}

/** With a reranker: four times what is kept (at least 20), at most 100. */
function rerankPool(count: number, candidates?: number): number {
  return Math.min(Math.max(candidates ?? Math.max(4 * count, 20), count), 100);
}

/**
 * At most what a retrieval's paid calls cost, for the caller's budget reservation: the question's
 * embedding (null for the offline embedder) and the rerank of every candidate (null without a
 * reranker; `agents` > 1: a pool per agent, as {@link retrieveForAgents} searches).
 */
export function retrievalCeilings(
  deps: Pick<RetrieveDeps, "embedder" | "reranker">,
  options: {
    question: string;
    count: number;
    candidates?: number;
    agents?: number;
    rerankModel?: string | null;
  },
): { embedding: Ceiling | null; rerank: Ceiling | null } {
  const embedding = embeddingCeiling(deps.embedder, [options.question]);
  if (!deps.reranker || deps.reranker.name === OFFLINE_PROVIDER) return { embedding, rerank: null };
  return {
    embedding,
    rerank: {
      provider: deps.reranker.name,
      model: options.rerankModel ?? deps.reranker.model,
      search_units: rerankSearchUnits(rerankDocuments(options), options.question.length),
    },
  };
}

/**
 * How many passages a retrieval gives the reranker at most: one agent's pool, or a pool per
 * agent (`agents` > 1) capped at 1,000, as {@link retrieveForAgents} searches.
 */
export function rerankDocuments(options: { count: number; candidates?: number; agents?: number }): number {
  const agents = Math.max(options.agents ?? 1, 1);
  const pool = rerankPool(options.count, options.candidates);
  return agents > 1 ? Math.min(pool * agents, 1000) : pool;
}

/**
 * The question as a websearch query that ORs its content words (`tunnel or vente or kajabi`):
 * match_documents' full-text list needs some of the words, not all of them, and ranks by how
 * many match. Null when the question has no content word (vector search alone then).
 */
export function fullTextQuery(question: string): string | null {
  const words = new Set<string>();
  for (const raw of foldText(question).split(/[^a-z0-9]+/)) {
    // contentWords drops stop words and one-letter words; the raw form is kept (no stemming in SQL).
    if (raw && contentWords(raw).length > 0 && raw !== "or") words.add(raw);
  }
  return words.size ? [...words].join(" or ") : null;
}

async function rerank(
  deps: RetrieveDeps,
  question: string,
  candidates: Passage[],
  count: number,
  model?: string | null,
): Promise<{ passages: Passage[]; status: string; ranked: boolean; call?: LedgerCall }> {
  if (!deps.reranker) return { passages: candidates, status: "skipped: not configured", ranked: false };
  if (candidates.length === 0) {
    return { passages: candidates, status: "skipped: no candidates", ranked: false };
  }
  const reranker = deps.reranker;
  const started = performance.now();
  // Cohere's billed search units, as the reranker reports them (else one per call of ≤ 100 documents).
  let searchUnits: number | undefined;
  const options: RerankOptions = {
    ...(model ? { model } : {}),
    onUsage: (usage) => {
      searchUnits = usage.searchUnits;
    },
  };
  const call = (outcome: LedgerCall["outcome"], units: number): LedgerCall => ({
    kind: "rerank",
    provider: reranker.name,
    model_requested: model ?? reranker.model,
    model: outcome === "ok" ? model ?? reranker.model : null,
    search_units: units,
    latency_ms: Math.round(performance.now() - started),
    outcome,
  });
  try {
    const hits = await withTimeout(
      "rerank",
      deps.rerankTimeoutMs ?? 5000,
      () => reranker.rerank(question, candidates.map((p) => p.content), count, options),
    );
    const passages = hits.map((hit) => ({ ...candidates[hit.index], rerankScore: hit.score }));
    return {
      passages,
      status: reranker.name,
      ranked: true,
      call: call("ok", searchUnits ?? Math.ceil(candidates.length / 100)),
    };
  } catch (error) {
    if (error instanceof TimeoutError) {
      return { passages: candidates, status: "failed: timeout", ranked: false, call: call("timeout", 0) };
    }
    const reason = error instanceof ProviderError ? error.reason : "error";
    return {
      passages: candidates,
      status: `failed: ${reason}`,
      ranked: false,
      call: call(failedOutcome(error), 0),
    };
  }
}

function toPassage(row: MatchRow): Passage {
  return {
    id: Number(row.id),
    source: row.source,
    title: row.title,
    content: row.content,
    metadata: row.metadata,
    agentOwner: row.agent_owner,
    tags: row.tags,
    category: row.category,
    similarity: row.similarity,
    textRank: row.text_rank,
    fusedScore: row.score,
    rerankScore: null,
  };
}

function isQueryable(db: SqlRunner | Queryable): db is Queryable {
  return typeof (db as Queryable).unsafe === "function";
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
