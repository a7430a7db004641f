/**
 * Knowledge files, upload to searchable, as a Lovable app drives it: an admin of a fresh company
 * (its session signed as the stack's Auth signs) uploads a 50-page text PDF or a 30-page DOCX to
 * the `knowledge` bucket with supabase-js (the upload's transaction queues the file), calls
 * `ingest/files` (download, extraction, chunks, embeddings), and once it answers `ready: 1` calls
 * `search` for a phrase of the document's last page. Measured from the upload call to the search
 * hit: p50/p95, the split (upload, ingest/files, search), pages per second, the CPU of the stack
 * process (gateway, Storage stand-in and the functions, in-process) and of Postgres a run.
 * Providers: the stack's offline embedder (no key set: lexical, no network, zero latency), no
 * reranker. The first run of each format is reported apart (the function loads pdf.js / mammoth).
 *
 *   deno run -A scripts/bench/files.ts --db <url> --out bench/results/files.json [--runs 30]
 *
 * Needs the local stack's environment (scripts/bench.sh sources functions_env.sh): it starts
 * scripts/local/serve.ts on COMPTOIR_API_PORT itself.
 */
import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { describeProviders, readProviderConfig } from "../../functions/_shared/providers/config.ts";
import { IngestFilesResponse, SearchResponse } from "../../types/api.ts";
import { textDocx, textPdf } from "../../tests/fixtures/knowledge/files.ts";
import { createTestTenant } from "../../tests/fixtures/knowledge/tenant.ts";
import { mintJwt } from "../../tests/support/stack.ts";
import { clusterCpu } from "./demo_tenant.ts";
import { cpuMs, round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/files.json" },
    runs: { type: "string", default: "30" },
  },
});
if (!args.db) {
  console.error("usage: files.ts --db <postgres url> [--out file] [--runs n]");
  Deno.exit(2);
}
const RUNS = Number(args.runs);
const root = join(import.meta.dirname!, "../..");
const apiUrl = `http://127.0.0.1:${Deno.env.get("COMPTOIR_API_PORT")}`;
const publishableKey = Deno.env.get("COMPTOIR_PUBLISHABLE_KEY")!;
const log = (text: string) => console.error(`[bench files] ${text}`);

const providers = describeProviders(readProviderConfig(Deno.env.toObject()));
if (providers.embeddings !== "offline" || providers.rerank !== "none") {
  console.error(`bench files: needs the zero-latency offline providers, got ${JSON.stringify(providers)}`);
  Deno.exit(2);
}

/** A file to measure: its bytes, and a phrase of its last page with what a hit must contain. */
interface Case {
  name: string;
  ext: string;
  contentType: string;
  pages: number;
  bytes: Uint8Array;
  query: string;
  expect: string;
}

const PDF_PAGES = 50, DOCX_PAGES = 30;
const LAST_HEADING = "Retours et échanges à Ziguinchor";
const cases: Case[] = [
  {
    name: `text PDF, ${PDF_PAGES} pages`,
    ext: "pdf",
    contentType: "application/pdf",
    pages: PDF_PAGES,
    bytes: await textPdf(PDF_PAGES, {
      headings: Array.from(
        { length: PDF_PAGES },
        (_, i) => i === PDF_PAGES - 1 ? LAST_HEADING : `Chapitre ${i + 1} : conditions générales`,
      ),
    }),
    query: LAST_HEADING,
    expect: "Ziguinchor",
  },
  {
    name: `DOCX, ${DOCX_PAGES} pages`,
    ext: "docx",
    contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    pages: DOCX_PAGES,
    bytes: await textDocx(DOCX_PAGES),
    // textDocx numbers its sentences: 24 a page, the last one is on the last page.
    query: `Phrase ${DOCX_PAGES * 24 - 1}`,
    expect: `Phrase ${DOCX_PAGES * 24 - 1} :`,
  },
];

interface Run {
  total_ms: number;
  upload_ms: number;
  ingest_ms: number;
  search_ms: number;
  stack_cpu_ms: number;
  postgres_cpu_ms: number;
  chunks: number;
  hit: boolean;
}

async function waitFor(url: string) {
  for (let i = 0; i < 150; i++) {
    const res = await fetch(url).catch(() => null);
    if (res) {
      await res.body?.cancel();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`bench files: ${url} never answered`);
}

/**
 * One run on a fresh company: upload → ingest/files → search, timed from the upload call to the
 * search's answer; the company (its documents, its queue rows) and the object removed after.
 */
async function run(c: Case, i: number, stackPid: number, postgresCpu: () => number, admin: postgres.Sql) {
  const tenant = await createTestTenant(args.db!, "bench-files");
  const token = await mintJwt({ sub: tenant.users.admin, role: "authenticated" });
  const app = createClient(apiUrl, publishableKey, { accessToken: () => Promise.resolve(token) });
  const path = `${tenant.id}/shared/bench-${i}.${c.ext}`;
  try {
    const cpu0 = cpuMs(stackPid), pg0 = postgresCpu();
    const t0 = performance.now();
    const uploaded = await app.storage.from("knowledge").upload(path, c.bytes, {
      contentType: c.contentType,
    });
    const t1 = performance.now();
    if (uploaded.error) throw new Error(`bench files: upload refused: ${uploaded.error.message}`);
    const ingested = await app.functions.invoke("ingest/files", { body: { company_id: tenant.id } });
    const t2 = performance.now();
    if (ingested.error) throw new Error(`bench files: ingest/files failed: ${ingested.error.message}`);
    const outcome = IngestFilesResponse.parse(ingested.data);
    if (outcome.ready !== 1) throw new Error(`bench files: ingest/files answered ${JSON.stringify(outcome)}`);
    const found = await app.functions.invoke("search", {
      body: { company_id: tenant.id, query: c.query, count: 5 },
    });
    const t3 = performance.now();
    if (found.error) throw new Error(`bench files: search failed: ${found.error.message}`);
    const cpu = cpuMs(stackPid) - cpu0, pg = postgresCpu() - pg0;
    const source = `shared/bench-${i}.${c.ext}`;
    const hit = SearchResponse.parse(found.data).passages
      .some((p) => p.source === source && p.content.includes(c.expect));
    const [{ chunks }] = await admin<{ chunks: number }[]>`
      select chunks from public.knowledge_files where company_id = ${tenant.id} and source = ${source}`;
    return {
      total_ms: t3 - t0,
      upload_ms: t1 - t0,
      ingest_ms: t2 - t1,
      search_ms: t3 - t2,
      stack_cpu_ms: cpu,
      postgres_cpu_ms: pg,
      chunks,
      hit,
    } satisfies Run;
  } finally {
    await app.storage.from("knowledge").remove([path]).catch(() => {});
    await tenant.drop();
  }
}

/** A case's runs summarised: the first (cold) run apart, then p50/p95 of each part. */
function summarise(c: Case, first: Run, runs: Run[]) {
  const of = (key: keyof Run) => summary(runs.map((r) => r[key] as number));
  const total = of("total_ms");
  return {
    case: c.name,
    bytes: c.bytes.byteLength,
    pages: c.pages,
    chunks: runs[0].chunks,
    runs: runs.length,
    search_hits: runs.filter((r) => r.hit).length,
    first_run_ms: round(first.total_ms),
    total_ms: total,
    upload_ms: of("upload_ms"),
    ingest_files_ms: of("ingest_ms"),
    search_ms: of("search_ms"),
    pages_per_second: { p50: round(c.pages / (total.p50 / 1000)), p95: round(c.pages / (total.p95 / 1000)) },
    stack_cpu_ms: of("stack_cpu_ms"),
    postgres_cpu_ms: of("postgres_cpu_ms"),
  };
}

const stack = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", "--unstable-no-legacy-abort", join(root, "scripts/local/serve.ts")],
  env: { COMPTOIR_QUIET: "1" },
  stdout: "null",
  stderr: "inherit",
}).spawn();
const admin = postgres(args.db, { max: 1, onnotice: () => {}, prepare: false });

const measured: ReturnType<typeof summarise>[] = [];
try {
  await waitFor(`${apiUrl}/functions/v1/health`);
  const postgresCpu = await clusterCpu(admin);
  for (const c of cases) {
    const first = await run(c, 0, stack.pid, postgresCpu, admin);
    log(`${c.name}: first run ${Math.round(first.total_ms)} ms (library loaded), then ${RUNS} runs`);
    const runs: Run[] = [];
    for (let i = 1; i <= RUNS; i++) runs.push(await run(c, i, stack.pid, postgresCpu, admin));
    measured.push(summarise(c, first, runs));
    log(JSON.stringify(measured.at(-1)));
  }
} finally {
  try {
    stack.kill("SIGTERM");
  } catch { /* gone */ }
  await stack.status;
  await admin.end();
}

const results = {
  benchmark: "files",
  date: new Date().toISOString(),
  setup: {
    flow: "an admin of a fresh company (session minted as the stack's Auth signs) uploads with supabase-js " +
      "storage.from('knowledge').upload(<company>/shared/<name>), then functions.invoke('ingest/files') " +
      "(ready: 1), then functions.invoke('search') for a phrase of the last page; timed from the upload " +
      "call to the search's answer, one run at a time, a fresh company each run",
    providers: {
      ...providers,
      note: "zero-latency: the offline embedder (lexical, computed in the function, no network), no reranker",
    },
    runs_per_file: RUNS,
    first_run: "reported apart: the function process loads the extraction library (pdf.js, mammoth) then",
    cpu: "stack = the serve.ts process (gateway, Storage stand-in, functions in-process); postgres = every " +
      "process of the cluster; CPU ticks of 10 ms",
    cores: navigator.hardwareConcurrency,
    load_average: Deno.loadavg().map(round),
  },
  cases: measured,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
for (const r of measured) {
  console.log(
    `files: ${r.case}: upload to searchable p50/p95 ${r.total_ms.p50}/${r.total_ms.p95} ms ` +
      `(p50 upload ${r.upload_ms.p50}, ingest/files ${r.ingest_files_ms.p50}, search ${r.search_ms.p50} ms; ` +
      `${r.pages_per_second.p50} pages/s; found ${r.search_hits}/${r.runs})`,
  );
}
