/**
 * `npm run ingest -- --company <id> [--agent <slug>] <files or folders>`: ingests .pdf, .docx,
 * .html, .md, .txt and .csv files into a company's knowledge base, their text read by the same
 * extraction as uploaded files (functions/_shared/knowledge/extract.ts), then through the same
 * path as the `ingest` function (chunking, batched embeddings, idempotent upsert), into the
 * database of the stack `npm start` runs in this checkout (its .local/stack.json; SUPABASE_DB_URL
 * overrides), with the providers configured in the environment. It prints the database it
 * writes to.
 *
 * A folder is read recursively; each file's source is its path relative to that folder (a
 * file named directly: its name). A `manifest.json` in a folder maps relative paths to
 * `{ agent, category, tags, priority, title }`. Unsupported files named directly are errors;
 * inside folders they are skipped with a warning. Every file is checked before anything is
 * written. Exit code 0 on success, 1 on an error, 2 on a usage error.
 */
import { basename, join, relative, resolve } from "node:path";
import { createDb } from "../functions/_shared/db.ts";
import { findCompany } from "../functions/_shared/knowledge/access.ts";
import {
  EXTRACT_EXTENSIONS,
  EXTRACT_LIMITS,
  ExtractError,
  extractText,
  formatOf,
  size,
} from "../functions/_shared/knowledge/extract.ts";
import { ingestDocuments } from "../functions/_shared/knowledge/ingest.ts";
import { createProviders, readProviderConfig } from "../functions/_shared/providers/index.ts";
import type { Embedder } from "../functions/_shared/providers/types.ts";
import { HttpError } from "../functions/_shared/http.ts";
import { IngestDocument } from "../types/api.ts";
import { readStackFile } from "./stack.mjs";

const USAGE = "usage: npm run ingest -- --company <uuid or slug> [--agent <slug>] <files or folders>";
const HELP = `${USAGE}

Ingests .pdf, .docx, .html, .md, .txt and .csv files into a company's knowledge base (text
extracted, chunked, embedded, upserted: running it again embeds only what changed), in the
database of the stack that \`npm start\` runs in this checkout (found in .local/stack.json, or
beside COMPTOIR_DATA_DIR); SUPABASE_DB_URL=<postgres url> writes elsewhere. A scanned PDF (no
text layer), a PDF over ${EXTRACT_LIMITS.maxPages} pages, a file over ${size(EXTRACT_LIMITS.maxBytes)} (${
  size(EXTRACT_LIMITS.maxTextBytes)
} for HTML,
text and CSV) or text over ${
  EXTRACT_LIMITS.maxChars.toLocaleString("en-US")
} characters is refused, the limit named; nothing is written then.

  --company <uuid or slug>  the company (required)
  --agent <slug>            the agent the files are for: one of the company's agents, or
                            "shared" for all of them; without it each file goes to the agent
                            whose keywords it mentions, else it stays shared
  <files or folders>        folders are read recursively; a file's source is its path inside
                            the folder. A manifest.json in a folder maps paths to
                            { agent, category, tags, priority, title }
  -h, --help                this help

Embeddings are OpenAI's (EMBEDDING_MODEL, default text-embedding-3-small) when .env sets
OPENAI_API_KEY, else the offline lexical embedder. Exit codes: 0 done, 1 error, 2 usage.
Example: npm run ingest -- --company boutique-awa --agent audrey docs/faq/`;
/** « .pdf, .docx, .html, .htm, .md, .markdown, .txt or .csv », for messages. */
const KINDS = `${EXTRACT_EXTENSIONS.slice(0, -1).join(", ")} or ${EXTRACT_EXTENSIONS.at(-1)}`;
/** Files per ingestion transaction (and per progress step). */
const BATCH_FILES = 25;

interface ManifestEntry {
  agent?: string;
  category?: string;
  tags?: string[];
  priority?: number;
  title?: string;
}

/** Where the CLI writes and what it reads; replaced in tests. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stderr: (text: string) => void;
  stdout: (text: string) => void;
  isTerminal: boolean;
  /** For tests: an embedder instead of the configured providers'. */
  embedder?: Embedder;
}

class HelpRequested extends Error {}

class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Runs the CLI; returns the exit code. */
export async function main(args: string[], io: CliIo = defaultIo()): Promise<number> {
  try {
    await run(args, io);
    return 0;
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout(`${HELP}\n`);
      return 0;
    }
    if (error instanceof CliError) {
      io.stderr(`ingest: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`ingest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function parseArgs(args: string[]): { company: string; agent?: string; paths: string[] } {
  let company: string | undefined;
  let agent: string | undefined;
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--company" || arg === "--agent") {
      const value = args[++i];
      if (!value || value.startsWith("--")) throw new CliError(`${arg} needs a value\n${USAGE}`, 2);
      if (arg === "--company") company = value;
      else agent = value;
    } else if (arg === "--help" || arg === "-h") {
      throw new HelpRequested();
    } else if (arg.startsWith("--")) {
      throw new CliError(`unknown option ${arg}\n${USAGE}`, 2);
    } else paths.push(arg);
  }
  if (!company) throw new CliError(`--company is required\n${USAGE}`, 2);
  if (paths.length === 0) throw new CliError(`no files or folders given\n${USAGE}`, 2);
  if (agent !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(agent)) {
    throw new CliError(`--agent must be an agent slug (kebab-case), got "${agent}"`, 2);
  }
  return { company, agent, paths };
}

async function run(args: string[], io: CliIo): Promise<void> {
  const options = parseArgs(args);
  const documents = await readDocuments(options.paths, options.agent, io);
  const target = database(io.env);
  const embedder = io.embedder ?? createProviders(readProviderConfig(io.env)).embedder;
  io.stderr(`ingest: writing to ${redacted(target.url)} (${target.from})\n`);
  const db = createDb(target.url, { max: 2 });
  try {
    const company = await findCompany(db, options.company);
    if (!company) throw new CliError(`unknown company: ${options.company}`);
    const started = performance.now();
    const totals = { new: 0, unchanged: 0, replaced: 0, deleted: 0, tokens: 0 };
    progress(io, 0, documents.length, 0);
    for (let start = 0; start < documents.length; start += BATCH_FILES) {
      const batch = documents.slice(start, start + BATCH_FILES);
      const result = await ingestDocuments({ db, embedder }, {
        company,
        documents: batch.map((d) => d.document),
      })
        .catch((error) => {
          // Name the file rather than its index in the batch.
          const index = error instanceof HttpError ? /document (\d+)/.exec(error.message) : null;
          if (!index) throw error;
          throw new CliError(error.message.replace(/^ingest: document \d+/, batch[Number(index[1])].path));
        });
      for (const key of ["new", "unchanged", "replaced", "deleted"] as const) {
        totals[key] += result.chunks[key];
      }
      totals.tokens += result.usage.embedding_tokens;
      const chunks = totals.new + totals.unchanged + totals.replaced;
      progress(io, Math.min(start + BATCH_FILES, documents.length), documents.length, chunks);
    }
    if (io.isTerminal) io.stderr("\n");
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.stdout(
      `ingested ${documents.length} file${
        documents.length === 1 ? "" : "s"
      } into ${company.slug} in ${seconds} s: ` +
        `chunks ${totals.new} new, ${totals.unchanged} unchanged, ${totals.replaced} replaced, ` +
        `${totals.deleted} deleted; ${totals.tokens} embedding tokens (${embedder.name}:${embedder.model})\n`,
    );
  } finally {
    await db.end();
  }
}

/**
 * Where to write: SUPABASE_DB_URL when the caller set it, else the database of the running
 * `npm start` of this checkout. `npm run ingest` passes the caller's own SUPABASE_DB_URL as
 * COMPTOIR_INGEST_DB_URL (scripts/deno.sh points SUPABASE_DB_URL at the default port).
 */
function database(env: Record<string, string | undefined>): { url: string; from: string } {
  const given = "COMPTOIR_INGEST_DB_URL" in env ? env.COMPTOIR_INGEST_DB_URL : env.SUPABASE_DB_URL;
  if (given) return { url: given, from: "SUPABASE_DB_URL" };
  try {
    const stack = readStackFile(env, "SUPABASE_DB_URL");
    return { url: stack.dbUrl, from: stack.from };
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}

/** A postgres URL without its password, for printing. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable SUPABASE_DB_URL)";
  }
}

function progress(io: CliIo, done: number, total: number, chunks: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const line = `[${"#".repeat(filled)}${
    ".".repeat(width - filled)
  }] ${done}/${total} files, ${chunks} chunks`;
  if (io.isTerminal) io.stderr(`\r${line}`);
  else if (done > 0) io.stderr(`${line}\n`);
}

/** Every file to ingest, checked (type, size, content) before anything is written. */
async function readDocuments(
  paths: string[],
  agent: string | undefined,
  io: CliIo,
): Promise<{ path: string; document: IngestDocument }[]> {
  const files: { path: string; source: string; manifest?: ManifestEntry }[] = [];
  for (const given of paths) {
    const path = resolve(given);
    const info = await Deno.stat(path).catch(() => {
      throw new CliError(`no such file or folder: ${given}`);
    });
    if (info.isFile) {
      if (!formatOf(path)) throw unsupported(given);
      files.push({ path, source: basename(path) });
      continue;
    }
    const manifest = await readManifest(path);
    for await (const file of walk(path)) {
      const source = relative(path, file).split("\\").join("/");
      if (source === "manifest.json") continue;
      if (!formatOf(file)) {
        io.stderr(`ingest: skipped ${join(given, source)} (not ${KINDS})\n`);
        continue;
      }
      files.push({ path: file, source, manifest: manifest[source] });
    }
  }
  if (files.length === 0) throw new CliError(`no ${KINDS} file found`);
  const seen = new Map<string, string>();
  const documents = [];
  for (const file of files) {
    if (seen.has(file.source)) {
      throw new CliError(
        `${file.path} and ${seen.get(file.source)} would have the same source "${file.source}"`,
      );
    }
    seen.set(file.source, file.path);
    // The extraction's limits (bytes, pages, characters) are the uploads'; each refusal names its own.
    const extracted = await extractText({ name: file.path, bytes: await Deno.readFile(file.path) })
      .catch((error) => {
        throw error instanceof ExtractError ? new CliError(error.message) : error;
      });
    for (const warning of extracted.warnings) io.stderr(`ingest: ${file.path}: ${warning}\n`);
    const content = extracted.text;
    if (!content.trim()) throw new CliError(`empty file: ${file.path}`);
    const m = file.manifest ?? {};
    const document = IngestDocument.safeParse({
      source: file.source,
      content,
      // Plain text and CSV rows have no headings: a line starting with # is text there.
      format: extracted.format === "txt" || extracted.format === "csv"
        ? "text" as const
        : "markdown" as const,
      metadata: { file: file.source },
      ...(m.title ? { title: m.title } : {}),
      ...((m.agent ?? agent) ? { agent: m.agent ?? agent } : {}),
      ...(m.category ? { category: m.category } : {}),
      ...(m.tags ? { tags: m.tags } : {}),
      ...(m.priority !== undefined ? { priority: m.priority } : {}),
    });
    if (!document.success) {
      const issue = document.error.issues[0];
      throw new CliError(
        `${file.path}: ${issue.path.join(".") || "document"}: ${issue.message} (check manifest.json)`,
      );
    }
    documents.push({ path: file.path, document: document.data });
  }
  return documents;
}

function unsupported(path: string): CliError {
  return new CliError(`unsupported file type: ${path} (expected ${KINDS})`);
}

async function readManifest(folder: string): Promise<Record<string, ManifestEntry>> {
  const path = join(folder, "manifest.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value;
  } catch (error) {
    throw new CliError(
      `${path} is not a JSON object mapping files to {agent, category, tags, priority, title}: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
}

/** Files under `folder`, recursively, in a stable order; dotfiles and dot-folders skipped. */
async function* walk(folder: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(folder)) if (!entry.name.startsWith(".")) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

function defaultIo(): CliIo {
  const encoder = new TextEncoder();
  return {
    env: Deno.env.toObject(),
    stderr: (text) => Deno.stderr.writeSync(encoder.encode(text)),
    stdout: (text) => Deno.stdout.writeSync(encoder.encode(text)),
    isTerminal: Deno.stderr.isTerminal(),
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
