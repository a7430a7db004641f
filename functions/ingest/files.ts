/**
 * Knowledge documents uploaded to the `knowledge` bucket: the queue that the upload's own
 * transaction filled (migration knowledge-files) processed by the ingest path. Each claimed file
 * is downloaded from Storage (with the secret key), its text extracted (extract.ts: PDF, DOCX,
 * HTML, Markdown, text, CSV), then chunked, embedded and stored as `ingest` does, under its
 * agent, with the path after `<company>/<agent>/` as its source; a removed file's chunks are
 * deleted. A file whose text cannot be read (a scan, a limit passed, an unknown format) fails at
 * once with the reason; a failure that may pass (Storage or the embedder down) is retried with
 * backoff, then dead after 5 attempts. The states are what members read in knowledge_files.
 */
import type { Db } from "../_shared/db.ts";
import { ExtractError, extractText } from "../_shared/knowledge/extract.ts";
import { ingestDocuments } from "../_shared/knowledge/ingest.ts";
import type { Embedder } from "../_shared/providers/types.ts";

export interface FileWorkerDeps {
  db: Db;
  embedder: Embedder;
  /** The object's bytes from the `knowledge` bucket (null: it is gone). */
  download(objectName: string): Promise<Uint8Array | null>;
}

interface ClaimedFile {
  id: string;
  company_id: string;
  company_slug: string;
  object_name: string;
  agent: string;
  source: string;
  status: "processing" | "deleting";
  attempts: number;
}

export interface FilesResult {
  ready: number;
  deleted: number;
  failed: number;
  retried: number;
}

const MAX_ATTEMPTS = 5;
const backoffSeconds = (attempts: number) => Math.min(600, 15 * 2 ** Math.max(0, attempts - 1));

/** Downloads from Storage's REST API with the project's secret key (the gateway maps it). */
export function storageDownloader(supabaseUrl: string, secretKey: string) {
  return async (objectName: string): Promise<Uint8Array | null> => {
    const path = objectName.split("/").map(encodeURIComponent).join("/");
    const res = await fetch(`${supabaseUrl}/storage/v1/object/knowledge/${path}`, {
      headers: { apikey: secretKey },
    });
    if (res.status === 404 || res.status === 400) {
      const body = await res.json().catch(() => ({}));
      if (res.status === 404 || String(body?.statusCode) === "404") return null;
      throw new Error(`storage: HTTP ${res.status} ${String(body?.error ?? "")}`.trim());
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`storage: HTTP ${res.status}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
}

export function createFileWorker(deps: FileWorkerDeps) {
  const { db } = deps;

  async function finish(
    file: ClaimedFile,
    chunks: number | null,
    error: string | null,
    retry: number | null,
  ) {
    await db.asService((tx) =>
      tx`select public.knowledge_files_finish(${file.id}, ${file.attempts}, ${chunks}, ${error}, ${retry}, ${MAX_ATTEMPTS})`
    );
  }

  async function processOne(file: ClaimedFile): Promise<keyof FilesResult> {
    const company = { id: file.company_id, slug: file.company_slug };
    try {
      if (file.status === "deleting") {
        await ingestDocuments({ db, embedder: deps.embedder }, {
          company,
          documents: [],
          deleteSources: [file.source],
        });
        await finish(file, null, null, null);
        return "deleted";
      }
      const bytes = await deps.download(file.object_name);
      if (!bytes) {
        await finish(file, null, "the file is no longer in the bucket", null);
        return "failed";
      }
      const extracted = await extractText({ name: file.source, bytes });
      const result = await ingestDocuments({ db, embedder: deps.embedder }, {
        company,
        documents: [{ source: file.source, content: extracted.text, agent: file.agent }],
      });
      const chunks = result.chunks.new + result.chunks.unchanged + result.chunks.replaced;
      await finish(file, chunks, null, null);
      return "ready";
    } catch (error) {
      // What cannot be read will not be readable later: the reason, at once. Else a later try.
      const final = error instanceof ExtractError || isRefusal(error);
      const reason = error instanceof Error ? error.message.slice(0, 500) : "failed";
      console.error(
        `ingest: file ${file.id} failed (attempt ${file.attempts}): ${
          error instanceof Error ? error.name : "error"
        }`,
      );
      await finish(file, null, reason, final ? null : backoffSeconds(file.attempts));
      return final || file.attempts >= MAX_ATTEMPTS ? "failed" : "retried";
    }
  }

  /** Processes due files (of one company, or all) until none is left or the budget is spent. */
  async function drain(options: { company?: string; budgetMs?: number } = {}): Promise<FilesResult> {
    const until = Date.now() + (options.budgetMs ?? 20_000);
    const total: FilesResult = { ready: 0, deleted: 0, failed: 0, retried: 0 };
    while (Date.now() < until) {
      const claimed = await db.asService((tx) =>
        tx<ClaimedFile[]>`select * from public.knowledge_files_claim(5, 120, ${options.company ?? null})`
      );
      if (claimed.length === 0) break;
      for (const outcome of await Promise.all(claimed.map(processOne))) total[outcome]++;
    }
    return total;
  }

  return { drain };
}

/**
 * A refusal of the content itself (an unknown agent, too many chunks), or the company's monthly
 * budget reached (429: not before next month): retrying within minutes changes nothing.
 */
function isRefusal(error: unknown): boolean {
  const status = (error as { status?: number })?.status;
  return typeof status === "number" && status >= 400 && status < 500;
}

export type FileWorker = ReturnType<typeof createFileWorker>;
