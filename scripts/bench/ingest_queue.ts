/**
 * Ingestion that never waits for the embedder (issue 21: `ingest` answers in ≤ 200 ms for a
 * 100-chunk document whatever the embedder's latency). Each request is a new 100-chunk document
 * ingested through the `ingest` function's path (ingestDocuments with `embed: "queue"`: chunking,
 * the budget, one writing transaction that queues the chunks), with an in-process embedder that
 * takes `--latency` ms a call (the offline embedder's vectors behind a timer); then, as the
 * function's waitUntil does, the queue is drained after the answer, and the time until every chunk
 * of the document has its embedding (searchable by vector) is measured from the request's start.
 * Requests run one after the other; p50/p95 of both.
 *
 *   deno run -A scripts/bench/ingest_queue.ts --db <url> [--out bench/results/ingest_queue.json]
 *     [--requests 20] [--latency 2000]
 * Creates a company `bench-queue-<random>` and deletes it (with its chunks) at the end.
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { createEmbeddingWorker } from "../../functions/_shared/knowledge/embedding_queue.ts";
import { ingestDocuments } from "../../functions/_shared/knowledge/ingest.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import type { Embedder } from "../../functions/_shared/providers/types.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/ingest_queue.json" },
    requests: { type: "string", default: "20" },
    latency: { type: "string", default: "2000" },
  },
});
if (!args.db) {
  console.error("usage: ingest_queue.ts --db <postgres url> [--out file] [--requests n] [--latency ms]");
  Deno.exit(2);
}
const REQUESTS = Number(args.requests);
const LATENCY_MS = Number(args.latency);
const CHUNKS = 100;
const TARGET_ANSWER_P95_MS = 200;

/** The offline embedder, `ms` slower a call (as a provider far away or busy). */
function slowEmbedder(ms: number): Embedder {
  const inner = createOfflineEmbedder();
  return {
    ...inner,
    async embed(texts: string[]) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return inner.embed(texts);
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10;
}

const document = (r: number) => ({
  source: `bench/doc-${r}.md`,
  content: Array.from(
    { length: CHUNKS },
    (_, i) =>
      `# Partie ${i}\n\nLa partie ${i} du document ${r} explique une étape de la séquence de bienvenue.`,
  ).join("\n\n"),
});

const db = createDb(args.db, { max: 10 });
const embedder = slowEmbedder(LATENCY_MS);
const slug = `bench-queue-${crypto.randomUUID().slice(0, 8)}`;
const [company] = await db.sql<{ id: string; slug: string }[]>`
  insert into public.companies (slug, name) values (${slug}, 'Bench queue') returning id::text, slug`;
const worker = createEmbeddingWorker({ db, embedder });
const answers: number[] = [];
const searchable: number[] = [];
const waiting: number[] = [];
const WAITING_REQUESTS = 5;
try {
  // One request first, not counted: a function instance that has served before (connections, JIT).
  await ingestDocuments({ db, embedder }, { company, documents: [document(-1)], embed: "queue" });
  await worker.drain({ company: company.id });
  for (let r = 0; r < REQUESTS; r++) {
    const started = performance.now();
    const result = await ingestDocuments({ db, embedder }, {
      company,
      documents: [document(r)],
      embed: "queue",
    });
    answers.push(performance.now() - started);
    if (result.chunks.new !== CHUNKS || result.embedding.pending !== CHUNKS) {
      throw new Error(`bench: expected ${CHUNKS} new chunks pending, got ${JSON.stringify(result)}`);
    }
    const drained = worker.drain({ company: company.id });
    for (;;) {
      const [row] = await db.sql<{ n: number }[]>`
        select count(embedding)::int as n from public.documents
        where company_id = ${slug} and source = ${document(r).source}`;
      if (row.n === CHUNKS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    searchable.push(performance.now() - started);
    await drained;
  }
  // Before the queue, `ingest` answered once every chunk was embedded: the same documents with
  // `embed: "wait"` (what the CLI and the files worker still use), a few requests.
  for (let r = 0; r < WAITING_REQUESTS; r++) {
    const started = performance.now();
    await ingestDocuments({ db, embedder }, { company, documents: [document(REQUESTS + r)], embed: "wait" });
    waiting.push(performance.now() - started);
  }
} finally {
  await db.sql`delete from public.companies where id = ${company.id}`;
  await db.end();
}

const result = {
  chunks_per_request: CHUNKS,
  requests: REQUESTS,
  embedder_latency_ms: LATENCY_MS,
  answer_ms: { p50: percentile(answers, 50), p95: percentile(answers, 95), max: percentile(answers, 100) },
  searchable_ms: { p50: percentile(searchable, 50), p95: percentile(searchable, 95) },
  before_waiting_for_the_embedder: {
    requests: WAITING_REQUESTS,
    answer_ms: { p50: percentile(waiting, 50), max: percentile(waiting, 100) },
  },
  target_answer_p95_ms: TARGET_ANSWER_P95_MS,
  ok: percentile(answers, 95) <= TARGET_ANSWER_P95_MS,
};
console.log(
  `ingest (${CHUNKS} chunks, embedder ${LATENCY_MS} ms a call): answer p50 ${result.answer_ms.p50} / p95 ${result.answer_ms.p95} ms ` +
    `(target ≤ ${TARGET_ANSWER_P95_MS}); searchable after p50 ${result.searchable_ms.p50} / p95 ${result.searchable_ms.p95} ms; ` +
    `waiting for the embedder as before: answer p50 ${result.before_waiting_for_the_embedder.answer_ms.p50} ms`,
);
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(result, null, 2) + "\n");
if (!result.ok) Deno.exit(1);
