/**
 * `ingest`: chunk, embed (batched) and upsert a company's documents, idempotently; delete
 * documents by source. Callers: the service role, or an admin/owner of the company.
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { authorizeCompanyAdmin } from "../_shared/knowledge/access.ts";
import { ingestDocuments } from "../_shared/knowledge/ingest.ts";
import type { Embedder } from "../_shared/providers/types.ts";
import {
  INGEST_MAX_BODY_BYTES,
  INGEST_MAX_CHUNKS,
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
}

export function createHandler(deps: IngestHandlerDeps) {
  return serveJson({ name: "ingest", methods: ["POST"] }, async function (req) {
    if (new URL(req.url).pathname.replace(/\/$/, "").endsWith("/files")) return await files(req);
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
      },
    );
    return json(200, result);
  });

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
