/**
 * Ingestion: chunk documents, embed only the chunks that are new or changed (one embedder
 * request per batch), then write everything in one short transaction, one
 * `private.upsert_document_chunks` statement per document. Idempotent: the same content twice
 * embeds nothing and writes nothing. Embedding happens before the transaction, so a provider
 * failure leaves the knowledge base as it was. Paid embeddings are reserved against the company's
 * monthly budget first (refused at the cap: nothing embedded, nothing written) and recorded in
 * the usage ledger by the writing transaction's last statement (budget.ts).
 */
import type { Db, Tx } from "../db.ts";
import { dbStep } from "../errors.ts";
import { HttpError } from "../http.ts";
import { ProviderError } from "../providers/types.ts";
import type { Embedder } from "../providers/types.ts";
import type { ChunkCounts, IngestDocument, IngestResponse } from "../../../types/api.ts";
import type { Company } from "./access.ts";
import {
  embeddingCall,
  embeddingCeiling,
  recordAfterFailure,
  recordUsage,
  reserveBudget,
  type UsageRecord,
} from "./budget.ts";
import { type Chunk, chunkDocument } from "./chunking.ts";

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
 * source given twice, or an agent the company does not have (the message lists its agents); 413 for more chunks than `maxChunks`; 429 when the
 * company's monthly budget cannot pay for the embeddings, 502 when the embedding provider fails
 * (nothing is written then; the calls already made are recorded in the ledger all the same).
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
  // The provider calls made and the budget held: recorded by the writing transaction, or (when
  // the request fails after paying) by a round trip of their own.
  const usage: UsageRecord = { calls: [], reservations: [] };
  try {
    try {
      return await ingestOnce(deps, input.company, prepared, deleteSources, usage);
    } catch (error) {
      // Another ingestion changed a document between our read and our write: read again, once.
      if (!isStaleWrite(error)) throw error;
      return await ingestOnce(deps, input.company, prepared, deleteSources, usage);
    }
  } catch (error) {
    await recordAfterFailure(deps.db, input.company.id, usage, "ingest");
    throw error;
  }
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
    }).map((chunk) => ({ doc, chunk }))
  );

  // 2. Embeddings for new and changed chunks only, before any write: the budget first (one
  // reservation whose ceiling bounds every batch), then one provider request per batch.
  const vectors = new Map<Chunk, string>();
  let tokens = 0;
  if (needsEmbedding.length > 0) {
    const texts = needsEmbedding.map(({ chunk }) => chunk.content);
    const reservation = await reserveBudget(db, {
      company: company.id,
      ceilings: [embeddingCeiling(embedder, texts)],
      what: "ingest",
    });
    if (reservation) usage.reservations.push(reservation);
    const result = await embed(embedder, texts, usage);
    tokens = result.tokens;
    needsEmbedding.forEach(({ chunk }, i) => vectors.set(chunk, vectorLiteral(result.vectors[i])));
  }

  // 3. One short transaction: one statement per document, pipelined, then deletions, tagging and
  // the ledger, pipelined (retried whole on a lost connection: every statement but the ledger's
  // is an idempotent upsert or delete, and the ledger's commits with them or not at all).
  const response = await dbStep("ingest", () =>
    db.asService(async (tx) => {
      const written = await Promise.all(
        prepared.map((doc) => upsertDocument(tx, company, doc, vectors, embedder)),
      );
      const deleting = deleteSources.length === 0 ? [] : tx<{ source: string; deleted: number }[]>`
      select s.source, public.delete_document_source(${company.slug}, s.source) as deleted
      from unnest(${deleteSources}::text[]) with ordinality as s (source, position)
      order by s.position`;
      // Documents sent without an agent go to the agent whose keywords they mention (the company's
      // own agents decide); `agent: "shared"` keeps a document for every agent on purpose.
      const untagged = prepared.filter((doc) => !doc.document.agent).map((doc) => doc.source);
      const [deleted] = await Promise.all([
        deleting,
        untagged.length > 0
          ? tx`select * from public.tag_documents_by_agent_keywords(${company.id}, ${untagged}::text[])`
          : null,
        usage.calls.length > 0 || usage.reservations.length > 0 ? recordUsage(tx, company.id, usage) : null,
      ]);

      const documents = [
        ...written.map((counts, i) => ({ source: prepared[i].source, chunks: counts })),
        ...deleted.map((row) => ({ source: row.source, chunks: { ...zero(), deleted: row.deleted } })),
      ];
      const chunks = zero();
      for (const doc of documents) {
        for (const key of ["new", "unchanged", "replaced", "deleted"] as const) {
          chunks[key] += doc.chunks[key];
        }
      }
      return { chunks, documents, usage: { embedding_tokens: tokens, embedding_model: embedder.model } };
    }));
  // Committed: the calls are in the ledger, the reservations released.
  usage.calls = [];
  usage.reservations = [];
  return response;
}

async function upsertDocument(
  tx: Tx,
  company: Company,
  doc: PreparedDocument,
  vectors: Map<Chunk, string>,
  embedder: Embedder,
): Promise<ChunkCounts> {
  const { document } = doc;
  const payload = doc.chunks.map((chunk) => ({
    chunk_index: chunk.index,
    content: chunk.content,
    // Unchanged chunks omit it: the stored embedding is kept.
    ...(vectors.has(chunk) ? { embedding: vectors.get(chunk) } : {}),
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

/** Embeds `texts`, one provider request per batch of `embedder.maxBatch`, each one a ledger call in `usage`. */
async function embed(
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
      if (error instanceof ProviderError) {
        throw new HttpError(
          "provider_failed",
          `ingest: embeddings failed (${error.message}); nothing was written`,
        );
      }
      throw error;
    }
    usage.calls.push(embeddingCall(embedder, { ms: performance.now() - started, tokens: result.tokens }));
    if (result.vectors.length !== batch.length) {
      throw new HttpError(
        "provider_failed",
        `ingest: ${embedder.name} returned ${result.vectors.length} vectors for ${batch.length} chunks`,
      );
    }
    vectors.push(...result.vectors);
    tokens += result.tokens;
  }
  return { vectors, tokens };
}

/** A vector as pgvector's text input (`[0.1,0.2,...]`). */
export function vectorLiteral(vector: number[]): string {
  return `[${vector.join(",")}]`;
}

function isStaleWrite(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "22023" && /has no embedding/.test(e.message ?? "");
}
