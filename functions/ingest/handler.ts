/**
 * `ingest`: chunk, embed (batched) and upsert a company's documents, idempotently; delete
 * documents by source. Callers: the service role, or an admin/owner of the company.
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import { json, readJson, serveJson } from "../_shared/http.ts";
import { authorizeCompanyAdmin } from "../_shared/knowledge/access.ts";
import { ingestDocuments } from "../_shared/knowledge/ingest.ts";
import type { Embedder } from "../_shared/providers/types.ts";
import {
  INGEST_MAX_BODY_BYTES,
  INGEST_MAX_CHUNKS,
  IngestRequest,
  type IngestResponse,
} from "../../types/api.ts";

export interface IngestHandlerDeps {
  db: Db;
  auth: Authenticate;
  embedder: Embedder;
}

export function createHandler(deps: IngestHandlerDeps) {
  return serveJson({ name: "ingest", methods: ["POST"] }, async function (req) {
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
}
