/**
 * Ingestion throughput, end to end through the same module as the `ingest` function and the
 * CLI (chunking, hashing, the one diff query, batched embedding, one upsert statement per
 * document in one transaction per request), with a zero-latency in-process embedder that
 * returns deterministic unit vectors, so only Comptoir's own work and Postgres are measured
 * (full-text index maintenance included). Into a new (small, unpromoted) company, whose chunks
 * stay out of the partial HNSW index: cold (every chunk new), again (every chunk unchanged:
 * nothing embedded or written), and edited (one section changed in every tenth document).
 * Target: ≥ 1,000 chunks/s cold. Then into a promoted large company, whose chunks are inserted
 * into the HNSW index as they arrive: a second company is filled with as many other chunks,
 * promoted (timed: what the pg_cron job does once), and the cold pass is run into it.
 *
 *   deno run -A scripts/bench/ingest.ts --db <url> --out bench/results/ingest.json
 *     [--documents 200] [--sections 25] [--batch 25] [--concurrency 1] [--vectors lexical|random] [--seed 7]
 * --vectors lexical (default): the offline embedder's feature-hashed vectors, which cluster like
 * text; random: isotropic unit vectors, the worst case for HNSW insertion. --concurrency: requests
 * in flight at once (as several callers of `ingest` would).
 * Creates companies `bench-ingest-<random>` and `bench-ingest-<random>-big` and deletes them
 * (with their chunks) at the end.
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { createDb, type Db } from "../../functions/_shared/db.ts";
import { splitText } from "../../functions/_shared/knowledge/chunking.ts";
import { ingestDocuments } from "../../functions/_shared/knowledge/ingest.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import type { Embedder } from "../../functions/_shared/providers/types.ts";
import type { IngestDocument } from "../../types/api.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/ingest.json" },
    documents: { type: "string", default: "200" },
    sections: { type: "string", default: "25" },
    batch: { type: "string", default: "25" },
    concurrency: { type: "string", default: "1" },
    vectors: { type: "string", default: "lexical" },
    seed: { type: "string", default: "7" },
  },
});
if (!args.db) {
  console.error(
    "usage: ingest.ts --db <postgres url> [--out file] [--documents n] [--sections n] [--batch n]",
  );
  Deno.exit(2);
}
const DOCUMENTS = Number(args.documents);
const SECTIONS = Number(args.sections);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
if (args.vectors !== "lexical" && args.vectors !== "random") {
  console.error("--vectors must be lexical or random");
  Deno.exit(2);
}
const TARGET_CHUNKS_PER_S = 1000;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "tunnel vente page capture séquence e-mail automatisation kajabi zapier formulaire contact offre paiement " +
  "abonnement relance panier instagram reel story contenu calendrier publication canva visuel modèle couleur " +
  "police carrousel hashtag abonnée cliente lancement webinaire newsletter consentement désinscription tag " +
  "segment conversion taux ouverture clic objet témoignage garantie prix forfait coaching formation module leçon"
).split(" ");

/** A markdown document of `SECTIONS` sections of about 600 characters (one chunk each). */
function makeDocument(random: () => number, index: number): IngestDocument {
  const word = () => WORDS[Math.floor(random() * WORDS.length)];
  const sentence = () => {
    const words = Array.from({ length: 8 + Math.floor(random() * 8) }, word).join(" ");
    return `${words[0].toUpperCase()}${words.slice(1)}.`;
  };
  const sections = Array.from({ length: SECTIONS }, (_, s) => {
    let body = "";
    while (body.length < 600) body += (body ? " " : "") + sentence();
    return `## Partie ${s + 1} : ${word()} et ${word()}\n\n${body}`;
  });
  return {
    source: `bench/doc-${String(index).padStart(4, "0")}.md`,
    content: `# Guide ${index}\n\n${sections.join("\n\n")}`,
  };
}

/** Zero latency: deterministic unit vectors, computed in process (no network, no wait). */
function zeroLatencyEmbedder(kind: "lexical" | "random"): Embedder {
  const lexical = createOfflineEmbedder();
  return {
    name: "bench",
    model: `zero-latency-${kind}`,
    dimensions: 1536,
    maxBatch: 2048,
    embed(texts: string[]) {
      if (kind === "lexical") return lexical.embed(texts);
      const vectors = texts.map((text) => {
        let h = 2166136261;
        for (let i = 0; i < text.length; i += 7) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
        const random = rng(h);
        const v = Array.from({ length: 1536 }, () => random() - 0.5);
        const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
        return v.map((x) => x / norm);
      });
      return Promise.resolve({ vectors, tokens: texts.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0) });
    },
  };
}

const random = rng(Number(args.seed));
const documents = Array.from({ length: DOCUMENTS }, (_, i) => makeDocument(random, i));
const chunkCount = documents.reduce((sum, d) => sum + splitText(d.content).length, 0);

const db = createDb(args.db, { max: CONCURRENCY + 1 });
const slug = `bench-ingest-${crypto.randomUUID().slice(0, 8)}`;
const embedder = zeroLatencyEmbedder(args.vectors);

async function pass(
  name: string,
  docs: IngestDocument[],
  company: { id: string; slug: string },
  on: Db = db,
  concurrency = CONCURRENCY,
) {
  const started = performance.now();
  const totals = { new: 0, unchanged: 0, replaced: 0, deleted: 0 };
  const batches = Array.from(
    { length: Math.ceil(docs.length / BATCH) },
    (_, i) => docs.slice(i * BATCH, (i + 1) * BATCH),
  );
  let next = 0;
  async function worker() {
    while (next < batches.length) {
      const result = await ingestDocuments({ db: on, embedder }, { company, documents: batches[next++] });
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.chunks[key];
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const chunks = totals.new + totals.unchanged + totals.replaced;
  const result = {
    seconds: round(seconds, 3),
    chunks,
    chunks_per_s: Math.round(chunks / seconds),
    counts: totals,
  };
  console.error(
    `[bench ingest] ${name}: ${chunks} chunks in ${result.seconds} s = ${result.chunks_per_s} chunks/s`,
  );
  return result;
}

function round(x: number, digits: number) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

const [company] = await db.sql<{ id: string; slug: string }[]>`
  insert into public.companies (slug, name) values (${slug}, 'Bench ingest') returning id::text, slug`;
const [big] = await db.sql<{ id: string; slug: string }[]>`
  insert into public.companies (slug, name) values (${
  slug + "-big"
}, 'Bench ingest, promoted') returning id::text, slug`;
try {
  const chunkingStarted = performance.now();
  for (const d of documents) splitText(d.content);
  const chunkingSeconds = (performance.now() - chunkingStarted) / 1000;

  const cold = await pass("cold, new company (all new, no HNSW upkeep)", documents, company);
  const again = await pass("again (all unchanged)", documents, company);
  const edited = documents.map((d, i) =>
    i % 10 === 0 ? { ...d, content: d.content.replace("Partie 3 :", "Partie 3 (revue) :") } : d
  );
  const changed = await pass("edited (1 section in every 10th document)", edited, company);

  // A promoted company: as many chunks already there (under other sources), then promoted the
  // way private.promote_large_tenants does it (record + flag: every chunk into the HNSW index),
  // for this company only (the function itself takes every company above a size).
  const existing = documents.map((d) => ({ ...d, source: d.source!.replace("bench/", "bench/existing-") }));
  const prefill = await pass("prefill of the company to promote", existing, big);
  const promoteStarted = performance.now();
  await db.sql.begin(async (tx) => {
    await tx`insert into private.ann_tenants (company_id, chunks_at_promotion, promoted_at) values (${big.id}, ${prefill.chunks}, now())`;
    await tx`update public.documents set in_ann_index = true where company_id = ${big.slug} and not in_ann_index`;
  });
  const promoteSeconds = (performance.now() - promoteStarted) / 1000;
  console.error(`[bench ingest] promotion of ${prefill.chunks} chunks: ${round(promoteSeconds, 3)} s`);
  const coldPromoted = await pass("cold, promoted company (all new, HNSW upkeep)", documents, big);
  const [{ indexed }] = await db.sql<{ indexed: number }[]>`
    select count(*)::int as indexed from public.documents where company_id = ${big.slug} and in_ann_index`;

  const [versions] = await db.sql<{ postgres: string; pgvector: string }[]>`
    select current_setting('server_version') as postgres,
      (select extversion from pg_extension where extname = 'vector') as pgvector`;

  const results = {
    benchmark: "ingest",
    date: new Date().toISOString(),
    setup: {
      documents: DOCUMENTS,
      sections_per_document: SECTIONS,
      chunks: chunkCount,
      documents_per_request: BATCH,
      concurrent_requests: CONCURRENCY,
      embedder: `zero-latency in-process, ${args.vectors} 1536-dim unit vectors`,
      postgres: versions.postgres,
      pgvector: versions.pgvector,
      note:
        "end to end through ingestDocuments: chunking, sha256, diff query, embed, upsert (GIN maintained; HNSW for the promoted company only)",
    },
    chunking_only: {
      seconds: round(chunkingSeconds, 3),
      chunks_per_s: Math.round(chunkCount / chunkingSeconds),
    },
    cold,
    unchanged: again,
    edited: changed,
    promoted_company: {
      chunks_before: prefill.chunks,
      promotion: {
        seconds: round(promoteSeconds, 3),
        chunks_per_s: Math.round(prefill.chunks / promoteSeconds),
        note: "flagging every chunk of the company: one HNSW insert each (the pg_cron job, once per company)",
      },
      cold: coldPromoted,
      chunks_in_hnsw_after: indexed,
    },
    hnsw_share_of_promoted_cold_time: round(1 - cold.seconds / coldPromoted.seconds, 3),
    target_chunks_per_s: TARGET_CHUNKS_PER_S,
    meets_target: cold.chunks_per_s >= TARGET_CHUNKS_PER_S,
  };
  await Deno.mkdir(dirname(args.out!), { recursive: true });
  await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
  console.log(
    [
      `ingest bench: ${DOCUMENTS} documents, ${chunkCount} chunks, ${BATCH} documents per request, ` +
      `${CONCURRENCY} at a time, ${args.vectors} vectors`,
      `  cold, new company       ${cold.chunks_per_s} chunks/s (${cold.seconds} s)  target ≥ ${TARGET_CHUNKS_PER_S}: ${
        results.meets_target ? "met" : "NOT met"
      }`,
      `  unchanged               ${again.chunks_per_s} chunks/s (${again.seconds} s)`,
      `  edited                  ${changed.chunks_per_s} chunks/s (${changed.seconds} s; ${changed.counts.replaced} replaced)`,
      `  promotion of ${prefill.chunks} chunks ${
        round(promoteSeconds, 1)
      } s (${results.promoted_company.promotion.chunks_per_s} chunks/s)`,
      `  cold, promoted company  ${coldPromoted.chunks_per_s} chunks/s (${coldPromoted.seconds} s): HNSW upkeep is ` +
      `${Math.round(100 * results.hnsw_share_of_promoted_cold_time)} % of it`,
      `  chunking alone ${results.chunking_only.chunks_per_s} chunks/s`,
      `  written to ${args.out}`,
    ].join("\n"),
  );
} finally {
  await db.sql`delete from public.companies where slug in (${slug}, ${slug + "-big"})`;
  await db.end();
}
