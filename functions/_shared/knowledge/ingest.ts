/**
 * Ingestion: chunk documents, then write them in one short transaction, one
 * `private.upsert_document_chunks` statement per document, without waiting for the embedder:
 * a new or changed chunk is stored without its embedding and queued (public.embedding_jobs, by
 * a trigger of the same transaction), and the queue's worker (embedding_queue.ts) embeds it
 * later. Idempotent: the same content twice queues and writes nothing. The embeddings the
 * queued chunks will cost are reserved against the company's monthly budget before anything is
 * written (refused at the cap: 429, nothing written), and the reservation goes with the jobs to
 * the worker, which records the calls in the usage ledger (budget.ts).
 */
import type { Db, Tx } from "../db.ts";
import { dbStep } from "../errors.ts";
import { HttpError } from "../http.ts";
import type { Embedder } from "../providers/types.ts";
import type { ChunkCounts, EmbeddingStatus, IngestDocument, IngestResponse } from "../../../types/api.ts";
import type { Company } from "./access.ts";
import { embeddingCeiling, recordAfterFailure, reserveBudget, type UsageRecord } from "./budget.ts";
import { type Chunk, chunkDocument } from "./chunking.ts";
import { createEmbeddingWorker, vectorLiteral } from "./embedding_queue.ts";

export { vectorLiteral };

/** The width of `documents.embedding`. */
export const EMBEDDING_DIMENSIONS = 1536;

/** What {@link ingestDocuments} needs. */
export interface IngestDeps {
  db: Db;
  embedder: Embedder;
}

/** One ingestion request, for a company already resolved and authorised. */
export interface IngestInput {
  company: Company;
  documents: IngestDocument[];
  /** Sources whose chunks are all deleted. */
  deleteSources?: string[];
  /** The most chunks the documents may make (a request limit; 413 beyond). Default: no limit. */
  maxChunks?: number;
  /**
   * `queue`: answer once the chunks are written and queued (the `ingest` function, which drains
   * the queue after its answer). `wait` (default): drain the company's queue before answering, for
   * callers that need the embeddings there on return (the CLI, fixtures, the files worker).
   */
  embed?: "queue" | "wait";
}

interface PreparedDocument {
  source: string;
  document: IngestDocument;
  chunks: Chunk[];
}

interface StoredChunk {
  source: string;
  chunk_index: number;
  content_hash: string;
  embedding_model: string | null;
}

const zero = (): ChunkCounts => ({ new: 0, unchanged: 0, replaced: 0, deleted: 0 });

/**
 * Ingests `input.documents` and deletes `input.deleteSources` for one company.
 * Throws HttpError 400 for a document with neither source nor title, an empty document, or a
 * source given twice, or an agent the company does not have (the message lists its agents); 413
 * for more chunks than `maxChunks`; 429 when the company's monthly budget cannot pay for the
 * embeddings (nothing written). With `embed: "wait"`, 502 when the embedding provider fails: the
 * chunks are stored and stay queued (the next drain retries them).
 */
export async function ingestDocuments(deps: IngestDeps, input: IngestInput): Promise<IngestResponse> {
  if (deps.embedder.dimensions !== EMBEDDING_DIMENSIONS) {
    throw new Error(
      `ingest: embedder ${deps.embedder.model} gives ${deps.embedder.dimensions} dimensions, not ${EMBEDDING_DIMENSIONS}`,
    );
  }
  const prepared = await prepareDocuments(input.documents);
  const chunks = prepared.reduce((sum, doc) => sum + doc.chunks.length, 0);
  if (input.maxChunks !== undefined && chunks > input.maxChunks) {
    throw new HttpError(
      "payload_too_large",
      `ingest: these documents make ${chunks} chunks, more than the ${input.maxChunks} one request may embed; ` +
        "send them in several requests",
    );
  }
  const deleteSources = [...new Set((input.deleteSources ?? []).map((source) => source.trim()))];
  const ingested = new Set(prepared.map((doc) => doc.source));
  const both = deleteSources.find((source) => ingested.has(source));
  if (both !== undefined) {
    throw new HttpError("invalid_request", `ingest: "${both}" is both ingested and deleted in one request`);
  }
  await checkAgents(deps.db, input.company, prepared);
  // The budget held for the queued chunks: handed to their jobs by the writing transaction, or
  // released by a round trip of its own when the request fails.
  const usage: UsageRecord = { calls: [], reservations: [] };
  let response: IngestResponse;
  try {
    response = await ingestOnce(deps, input.company, prepared, deleteSources, usage);
  } catch (error) {
    await recordAfterFailure(deps.db, input.company.id, usage, "ingest");
    throw error;
  }
  if ((input.embed ?? "wait") === "queue" || response.embedding.pending === 0) return response;
  return await waitForEmbeddings(deps, input.company, response);
}

/** Drains the company's queue now, then reads the documents' status again (502 if it failed). */
async function waitForEmbeddings(deps: IngestDeps, company: Company, response: IngestResponse) {
  const drained = await createEmbeddingWorker({ db: deps.db, embedder: deps.embedder }).drain({
    company: company.id,
  });
  const sources = response.documents.map((doc) => doc.source);
  const status = await embeddingStatus(deps.db, company, sources);
  const documents = response.documents.map((doc, i) => ({ ...doc, embedding: status.documents[i] }));
  if (status.total.pending + status.total.dead > 0 && drained.error) {
    throw new HttpError(
      "provider_failed",
      `ingest: embeddings failed (${drained.error}); the chunks are stored and queued, the next drain retries them`,
    );
  }
  return {
    ...response,
    documents,
    embedding: status.total,
    usage: { ...response.usage, embedding_tokens: drained.tokens },
  };
}

async function embeddingStatus(db: Db, company: Company, sources: string[], reservation?: string | null) {
  const rows = await dbStep(
    "ingest",
    () => db.asService((tx) => statusQuery(tx, company, sources, reservation)),
  );
  return summarise(rows);
}

function statusQuery(tx: Tx, company: Company, sources: string[], reservation?: string | null) {
  return tx<{ source: string; pending: number; dead: number }[]>`
    select * from private.embedding_jobs_status(${company.id}, ${sources}::text[], ${reservation ?? null})`;
}

function summarise(rows: { pending: number; dead: number }[]) {
  const documents: EmbeddingStatus[] = rows.map((row) => ({ pending: row.pending, dead: row.dead }));
  const total = documents.reduce(
    (sum, doc) => ({ pending: sum.pending + doc.pending, dead: sum.dead + doc.dead }),
    {
      pending: 0,
      dead: 0,
    },
  );
  return { documents, total };
}

/**
 * Refuses documents for an agent the company does not have, before anything is embedded or
 * written (a typo would otherwise file them under an agent no chat ever asks for). `shared`
 * is every agent's.
 */
async function checkAgents(db: Db, company: Company, prepared: PreparedDocument[]): Promise<void> {
  const named = prepared.filter((doc) => doc.document.agent && doc.document.agent !== "shared");
  if (named.length === 0) return;
  const agents = (await dbStep(
    "ingest",
    () =>
      db.asService((tx) =>
        tx<
          { slug: string }[]
        >`select slug from public.agents where company_id = ${company.id} order by slug`
      ),
  )).map((row) => row.slug);
  const unknown = named.find((doc) => !agents.includes(doc.document.agent!));
  if (!unknown) return;
  const i = prepared.indexOf(unknown);
  throw new HttpError(
    "invalid_request",
    `ingest: document ${i} is for agent "${unknown.document.agent}", which ${company.slug} does not have; ` +
      `its agents: ${agents.length ? agents.join(", ") : "none yet"} (or "shared" for all of them)`,
    { agent: unknown.document.agent, agents: [...agents, "shared"] },
  );
}

async function prepareDocuments(documents: IngestDocument[]): Promise<PreparedDocument[]> {
  const seen = new Map<string, number>();
  const prepared: PreparedDocument[] = [];
  for (const [i, document] of documents.entries()) {
    const source = document.source?.trim() || document.title?.trim();
    if (!source) throw new HttpError("invalid_request", `ingest: document ${i} has neither source nor title`);
    if (seen.has(source)) {
      throw new HttpError(
        "invalid_request",
        `ingest: documents ${seen.get(source)} and ${i} have the same source "${source}"`,
      );
    }
    seen.set(source, i);
    const chunks = document.content.trim()
      ? await chunkDocument(document.content, { title: document.title?.trim(), format: document.format })
      : [];
    // A document of headings only has no text to retrieve either.
    if (chunks.length === 0) throw new HttpError("invalid_request", `ingest: document ${i} is empty`);
    prepared.push({ source, document, chunks });
  }
  return prepared;
}

async function ingestOnce(
  deps: IngestDeps,
  company: Company,
  prepared: PreparedDocument[],
  deleteSources: string[],
  usage: UsageRecord,
): Promise<IngestResponse> {
  const { db, embedder } = deps;
  const sources = prepared.map((doc) => doc.source);

  // 1. What is stored for these documents (one query for the whole request).
  const stored = sources.length === 0
    ? []
    : await dbStep("ingest", () =>
      db.asService((tx) =>
        tx<StoredChunk[]>`
        select d.source, d.chunk_index, d.content_hash, d.embedding_model
        from public.documents d
        where d.company_id = ${company.slug} and d.source = any(${sources}::text[])`
      ));
  const known = new Map(stored.map((row) => [`${row.source}\u0000${row.chunk_index}`, row]));
  const needsEmbedding = prepared.flatMap((doc) =>
    doc.chunks.filter((chunk) => {
      const row = known.get(`${doc.source}\u0000${chunk.index}`);
      return !row || row.content_hash !== chunk.hash || row.embedding_model !== embedder.model;
    })
  );

  // 2. The budget for the new and changed chunks' embeddings, before any write (one reservation
  // whose ceiling bounds every later provider request for them).
  let reservation: string | null = null;
  if (needsEmbedding.length > 0) {
    reservation = await reserveBudget(db, {
      company: company.id,
      ceilings: [embeddingCeiling(embedder, needsEmbedding.map((chunk) => chunk.content))],
      what: "ingest",
    });
    if (reservation) usage.reservations.push(reservation);
  }

  // 3. One short transaction: the reservation named for the queue's trigger, then one statement
  // per document, deletions and tagging, pipelined; then the documents' embedding status (which
  // releases the reservation if no chunk was queued).
  const response = await dbStep("ingest", () =>
    db.asService(async (tx) => {
      // First, on its own: a query is sent when awaited, and the upserts below start at once.
      await tx`select pg_catalog.set_config('comptoir.embedding_reservation', ${reservation ?? ""}, true)`;
      const written = Promise.all(prepared.map((doc) => upsertDocument(tx, company, doc, embedder)));
      const deleting = deleteSources.length === 0 ? [] : tx<{ source: string; deleted: number }[]>`
      select s.source, public.delete_document_source(${company.slug}, s.source) as deleted
      from unnest(${deleteSources}::text[]) with ordinality as s (source, position)
      order by s.position`;
      // Documents sent without an agent go to the agent whose keywords they mention (the company's
      // own agents decide); `agent: "shared"` keeps a document for every agent on purpose.
      const untagged = prepared.filter((doc) => !doc.document.agent).map((doc) => doc.source);
      const [counts, deleted] = await Promise.all([
        written,
        deleting,
        untagged.length > 0
          ? tx`select * from public.tag_documents_by_agent_keywords(${company.id}, ${untagged}::text[])`
          : null,
      ]);
      const status = summarise(await statusQuery(tx, company, sources, reservation));

      const documents = [
        ...counts.map((chunks, i) => ({
          source: prepared[i].source,
          chunks,
          embedding: status.documents[i],
        })),
        ...deleted.map((row) => ({
          source: row.source,
          chunks: { ...zero(), deleted: row.deleted },
          embedding: { pending: 0, dead: 0 },
        })),
      ];
      const chunks = zero();
      for (const doc of documents) {
        for (const key of ["new", "unchanged", "replaced", "deleted"] as const) {
          chunks[key] += doc.chunks[key];
        }
      }
      return {
        chunks,
        documents,
        embedding: status.total,
        usage: { embedding_tokens: 0, embedding_model: embedder.model },
      };
    }));
  // Committed: the reservation is the jobs' (or released).
  usage.reservations = [];
  return response;
}

async function upsertDocument(
  tx: Tx,
  company: Company,
  doc: PreparedDocument,
  embedder: Embedder,
): Promise<ChunkCounts> {
  const { document } = doc;
  // No embedding: a new or changed chunk is queued, an unchanged one keeps its own.
  const payload = doc.chunks.map((chunk) => ({
    chunk_index: chunk.index,
    content: chunk.content,
    embedding_model: embedder.model,
    title: document.title?.trim() || null,
    metadata: { ...document.metadata, headings: chunk.headings },
    agent_owner: document.agent ?? "shared",
    tags: document.tags ?? [],
    category: document.category ?? null,
    priority: document.priority ?? 0,
  }));
  const [row] = await tx<{ new: number; unchanged: number; replaced: number; removed: number }[]>`
    select * from private.upsert_document_chunks(${company.slug}, ${doc.source}, ${tx.json(payload)})`;
  return { new: row.new, unchanged: row.unchanged, replaced: row.replaced, deleted: row.removed };
}
