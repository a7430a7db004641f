/**
 * `ingest`: chunk and upsert a company's documents, idempotently, and queue the new or changed
 * chunks for their embedding; delete documents by source. Callers: the service role, or an
 * admin/owner of the company.
 *
 *   POST /ingest          the documents written and queued, then 202 (200 when nothing waits);
 *                         the queue is drained after the answer (EdgeRuntime.waitUntil).
 *   POST /ingest/drain    the secret key: the queue's due jobs (retries, what a stopped run left),
 *                         for a scheduler (Supabase Cron); `retry_dead` queues dead letters again.
 *   POST /ingest/files    the files uploaded to the `knowledge` bucket (files.ts).
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { authorizeCompanyAdmin } from "../_shared/knowledge/access.ts";
import { createEmbeddingWorker, type EmbeddingWorker } from "../_shared/knowledge/embedding_queue.ts";
import { ingestDocuments } from "../_shared/knowledge/ingest.ts";
import type { Embedder } from "../_shared/providers/types.ts";
import {
  INGEST_MAX_BODY_BYTES,
  INGEST_MAX_CHUNKS,
  IngestDrainRequest,
  type IngestDrainResponse,
  IngestFilesRequest,
  IngestRequest,
  type IngestResponse,
} from "../../types/api.ts";
import type { FileWorker } from "./files.ts";

export interface IngestHandlerDeps {
  db: Db;
  auth: Authenticate;
  embedder: Embedder;
  /** The queue of files uploaded to the `knowledge` bucket (POST /ingest/files). */
  files?: FileWorker;
  /** The embedding queue's worker (default: one over `db` and `embedder`). */
  embeddings?: EmbeddingWorker;
  /**
   * Keeps work going after the response (EdgeRuntime.waitUntil on Supabase). Default: the work
   * runs on, unawaited (the local server, a long-lived process).
   */
  waitUntil?: (work: Promise<unknown>) => void;
}

export function createHandler(deps: IngestHandlerDeps) {
  const embeddings = deps.embeddings ?? createEmbeddingWorker({ db: deps.db, embedder: deps.embedder });
  const waitUntil = deps.waitUntil ?? ((work: Promise<unknown>) => void work);

  return serveJson({ name: "ingest", methods: ["POST"] }, async function (req) {
    const path = new URL(req.url).pathname.replace(/\/$/, "");
    if (path.endsWith("/files")) return await files(req);
    if (path.endsWith("/drain")) return await drain(req);
    const caller = await deps.auth(req, ["secret", "user", "publishable"]);
    const body = await readJson(req, IngestRequest, { maxBytes: INGEST_MAX_BODY_BYTES });
    const { company } = await authorizeCompanyAdmin(deps.db, caller, body.company_id, "ingest");
    const result: IngestResponse = await ingestDocuments(
      { db: deps.db, embedder: deps.embedder },
      {
        company,
        documents: body.documents,
        deleteSources: body.delete_sources,
        maxChunks: INGEST_MAX_CHUNKS,
        embed: "queue",
      },
    );
    if (result.embedding.pending === 0) return json(200, result);
    waitUntil(
      embeddings.drain({ company: company.id }).catch((error) => {
        console.error(
          `ingest: embedding after the answer failed (${error instanceof Error ? error.name : "error"})`,
        );
      }),
    );
    return json(202, result);
  });

  /** The queue's due jobs, every company's or one's; dead letters queued again first if asked. */
  async function drain(req: Request): Promise<Response> {
    const caller = await deps.auth(req, ["secret"]);
    // Strict: a misspelt key ("company") would otherwise drain, and with retry_dead queue again,
    // every company's jobs instead of the one meant.
    const body = await readJson(req, IngestDrainRequest.strict(), { maxBytes: 4096 });
    const company = body.company_id
      ? (await authorizeCompanyAdmin(deps.db, caller, body.company_id, "ingest")).company
      : undefined;
    const requeued = body.retry_dead ? await embeddings.retryDead({ company: company?.id }) : 0;
    const { error: _error, ...done } = await embeddings.drain({ company: company?.id });
    const result: IngestDrainResponse = { requeued, ...done };
    return json(200, result);
  }

  /** Processes the company's (or, with the secret key and no company, every) uploaded file waiting. */
  async function files(req: Request): Promise<Response> {
    if (!deps.files) throw new HttpError("not_found", "ingest: files are not processed here");
    const caller = await deps.auth(req, ["secret", "user", "publishable"]);
    const body = await readJson(req, IngestFilesRequest, { maxBytes: 4096 });
    if (caller.kind !== "secret" && !body.company_id) {
      throw new HttpError("invalid_request", "ingest: company_id is required with a session");
    }
    const company = body.company_id
      ? (await authorizeCompanyAdmin(deps.db, caller, body.company_id, "ingest")).company
      : undefined;
    return json(200, await deps.files.drain({ company: company?.id }));
  }
}
