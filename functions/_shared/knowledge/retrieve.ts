/**
 * Retrieval for answers and hit testing: embed the question → `public.match_documents`
 * (hybrid: vector + full text, reciprocal-rank fusion, restricted to the agent's documents and
 * the shared ones) → rerank (Cohere) → top-k, with each step's time. When the reranker is not
 * configured, fails or is too slow, the fused order is kept and the result says why.
 */
import type postgres from "postgres";
import { contentWords, foldText } from "../providers/lexical.ts";
import { ProviderError } from "../providers/types.ts";
import type { Embedder, Reranker } from "../providers/types.ts";
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
  /** Passages returned. Default 5. */
  count?: number;
  /** Candidates fetched for the reranker (ignored without one). Default max(4 × count, 20), at most 100. */
  candidates?: number;
  /** Minimum cosine similarity of the vector list. Default 0.2, as company_rag_configs. */
  threshold?: number;
  /** Metadata the passages must contain (jsonb containment). */
  filter?: Record<string, unknown>;
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
  const started = performance.now();
  const count = options.count ?? 5;
  const pool = deps.reranker
    ? Math.min(Math.max(options.candidates ?? Math.max(4 * count, 20), count), 100)
    : count;

  options.signal?.throwIfAborted();
  const embedded = await deps.embedder.embed([options.question]);
  const afterEmbed = performance.now();
  options.signal?.throwIfAborted();

  const run: SqlRunner = isQueryable(deps.db) ? (fn) => fn(deps.db as Queryable) : deps.db;
  const rows = await run((sql) =>
    sql<MatchRow[]>`
      select * from public.match_documents(
        ${options.company},
        ${vectorLiteral(embedded.vectors[0])}::extensions.vector,
        ${pool},
        ${options.threshold ?? 0.2},
        ${options.agent ?? null},
        ${fullTextQuery(options.question)},
        ${sql.json((options.filter ?? {}) as postgres.JSONValue)}
      )`
  );
  const afterMatch = performance.now();
  const candidates = rows.map(toPassage);
  options.signal?.throwIfAborted();

  const reranked = await rerank(deps, options.question, candidates, count);
  const finished = performance.now();
  return {
    passages: reranked.passages.slice(0, count),
    rerank: reranked.status,
    timings: {
      embedMs: round(afterEmbed - started),
      matchMs: round(afterMatch - afterEmbed),
      rerankMs: round(finished - afterMatch),
      totalMs: round(finished - started),
    },
    providers: {
      embedding: `${deps.embedder.name}:${deps.embedder.model}`,
      rerank: deps.reranker ? `${deps.reranker.name}:${deps.reranker.model}` : null,
    },
    candidates: candidates.length,
    embeddingTokens: embedded.tokens,
  };
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
): Promise<{ passages: Passage[]; status: string }> {
  if (!deps.reranker) return { passages: candidates, status: "skipped: not configured" };
  if (candidates.length === 0) return { passages: candidates, status: "skipped: no candidates" };
  const timeoutMs = deps.rerankTimeoutMs ?? 5000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const call = deps.reranker.rerank(question, candidates.map((p) => p.content), count);
  try {
    const hits = await Promise.race([call, timeout]);
    if (hits === "timeout") {
      call.catch(() => {}); // it may still fail later; nobody is waiting for it any more
      return { passages: candidates, status: "failed: timeout" };
    }
    const passages = hits.map((hit) => ({ ...candidates[hit.index], rerankScore: hit.score }));
    return { passages, status: deps.reranker.name };
  } catch (error) {
    const reason = error instanceof ProviderError ? error.reason : "error";
    return { passages: candidates, status: `failed: ${reason}` };
  } finally {
    clearTimeout(timer);
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
