/**
 * Retrieval benchmark: loads 100,000 generated chunks (1536-dim unit vectors in 200 topic
 * clusters, 13 tenants from 300 chunks to a fifth of the table) into a migrated throw-away
 * database, promotes the tenants above the exact-scan limit as the pg_cron job would
 * (private.promote_large_tenants), builds the partial HNSW index, then measures
 *   1. whole-table search at four hnsw.ef_search settings (recall@10 vs an exact scan, p50/p95);
 *   2. match_documents per tenant size class (rows, isolation, recall@10 vs its exact path, p50/p95);
 *   3. LangChain's documented match_documents (tenant in metadata) on the same rows and queries.
 * 1 and 3 need an HNSW index over the whole table, which Comptoir no longer has (its index holds
 * the promoted tenants only): one is built for them and dropped before 2.
 * Writes JSON to --out and prints a summary table. The database is expected to be disposable:
 * the bench tenants (slugs bench-*) are replaced and the HNSW index is rebuilt.
 *
 *   deno run -A scripts/bench/retrieval.ts --db <url> --out bench/results/retrieval.json
 *     [--chunks 100000] [--queries 200] [--warmup 30] [--seed 42] [--reuse] [--isotropic] [--exact-max n] [--match-only]
 * --isotropic generates plain isotropic noise around the centroids (harder, less like real text).
 * For meaningful latencies the cluster's shared_buffers should hold heap + HNSW (≈ 1.7 GB).
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { DIMS, passage, Rng, type Tenant, tenantPlan, TopicModel, toVectorText } from "./data.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/retrieval.json" },
    chunks: { type: "string", default: "100000" },
    topics: { type: "string", default: "200" },
    queries: { type: "string", default: "200" },
    warmup: { type: "string", default: "30" },
    seed: { type: "string", default: "42" },
    reuse: { type: "boolean", default: false },
    isotropic: { type: "boolean", default: false },
    "exact-max": { type: "string" },
    // Only match_documents' cases (no whole-table index build, no LangChain cases): for iterating.
    "match-only": { type: "boolean", default: false },
  },
});
if (!args.db) {
  console.error("usage: retrieval.ts --db <postgres url> [--out file] [--chunks n] [--queries n] [--reuse]");
  Deno.exit(2);
}

const TOTAL = Number(args.chunks);
const TOPICS = Number(args.topics);
const QUERIES = Number(args.queries);
const WARMUP = Number(args.warmup);
const SEED = Number(args.seed);
const K = 10;

// --exact-max overrides match_documents' exact-scan limit (10,000 chunks) for this run.
const sql = postgres(args.db, {
  prepare: false,
  max: 1,
  onnotice: () => {},
  idle_timeout: 0,
  // Index builds take minutes on a busy machine: no statement timeout for this admin session.
  connection: {
    statement_timeout: 0,
    ...(args["exact-max"] ? { "comptoir.exact_scan_max_chunks": args["exact-max"] } : {}),
  },
});
const t0 = performance.now();
const log = (msg: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}`);

// ---------------------------------------------------------------- data
const rng = new Rng(SEED);
const model = new TopicModel(rng, TOPICS, { isotropic: args.isotropic });
const tenants = tenantPlan(TOTAL, TOPICS, rng);
const sizeClass = (t: Tenant) => (t.size <= 5000 ? "small" : t.size >= 20000 ? "large" : "medium");

/** The migration's partial HNSW index (only promoted tenants' chunks). */
const PARTIAL_INDEX =
  "create index documents_embedding_idx on public.documents using hnsw (embedding extensions.vector_cosine_ops) where in_ann_index";
/** What LangChain's setup (and whole-table search) needs: every row in the graph. */
const FULL_INDEX = "documents_embedding_full_bench_idx";

async function buildIndex(ddl: string): Promise<number> {
  const started = performance.now();
  await sql.begin(async (tx) => {
    await tx`set local maintenance_work_mem = '2GB'`;
    await tx`set local max_parallel_maintenance_workers = 1`;
    await tx.unsafe(ddl);
  });
  return (performance.now() - started) / 1000;
}

async function load(): Promise<
  { loadSeconds: number; promoteSeconds: number; indexSeconds: number; promoted: string[] }
> {
  const existing = await sql`select count(*)::int as n from public.documents where company_id like 'bench-%'`;
  if (args.reuse && existing[0].n === TOTAL) {
    log(`reusing ${TOTAL} bench chunks`);
    const promoted = await sql`
      select c.slug from private.ann_tenants a join public.companies c on c.id = a.company_id order by 1`;
    return { loadSeconds: 0, promoteSeconds: 0, indexSeconds: 0, promoted: promoted.map((r) => r.slug) };
  }
  log("replacing bench tenants");
  await sql`delete from public.companies where slug like 'bench-%'`;
  await sql`drop index if exists public.documents_embedding_idx`;
  await sql.unsafe(`drop index if exists public.${FULL_INDEX}`);
  for (const t of tenants) {
    await sql`insert into public.companies (slug, name) values (${t.slug}, ${"Bench " + t.slug})`;
  }
  const started = performance.now();
  const data = new Rng(SEED + 1);
  const agents = ["shared", "shared", "shared", "audrey", "carole"];
  let done = 0;
  for (const t of tenants) {
    for (let start = 0; start < t.size; start += 500) {
      const n = Math.min(500, t.size - start);
      const cols = {
        source: [] as string[],
        idx: [] as number[],
        content: [] as string[],
        meta: [] as string[],
        emb: [] as string[],
        agent: [] as string[],
      };
      for (let i = start; i < start + n; i++) {
        const topic = t.topics[data.int(t.topics.length)];
        cols.source.push(`doc-${Math.floor(i / 8)}`);
        cols.idx.push(i % 8);
        cols.content.push(passage(data, topic, i));
        cols.meta.push(JSON.stringify({ tenant: t.slug, topic }));
        cols.emb.push(toVectorText(model.point(data, topic)));
        cols.agent.push(agents[data.int(agents.length)]);
      }
      await sql`
        insert into public.documents (company_id, source, chunk_index, content, metadata, embedding, embedding_model, agent_owner)
        select ${t.slug}, s, i, c, m::jsonb, e::extensions.vector, 'bench', a
        from unnest(${cols.source}::text[], ${cols.idx}::int[], ${cols.content}::text[], ${cols.meta}::text[],
                    ${cols.emb}::text[], ${cols.agent}::text[]) as u (s, i, c, m, e, a)`;
      done += n;
    }
    log(`loaded ${t.slug} (${t.size} chunks, ${done}/${TOTAL})`);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  log(`loaded ${TOTAL} chunks in ${loadSeconds.toFixed(1)} s (${(TOTAL / loadSeconds).toFixed(0)} chunks/s)`);
  // What the pg_cron job does over the minutes after the load, in one call (here before the
  // index exists, so the flagging is a plain update and the index is built in bulk afterwards).
  const promoteStarted = performance.now();
  const promotedRows =
    await sql`select slug, chunks, flagged from private.promote_large_tenants(null, ${TOTAL})`;
  const promoteSeconds = (performance.now() - promoteStarted) / 1000;
  const promoted = promotedRows.map((r) => r.slug as string).sort();
  log(`promoted ${promoted.join(", ")} in ${promoteSeconds.toFixed(1)} s`);
  const indexSeconds = await buildIndex(PARTIAL_INDEX);
  log(`partial HNSW (promoted tenants) built in ${indexSeconds.toFixed(1)} s`);
  await sql`vacuum analyze public.documents`;
  return { loadSeconds, promoteSeconds, indexSeconds, promoted };
}

// ---------------------------------------------------------------- measuring
interface Query {
  tenant: Tenant | null;
  vector: string;
  agent?: string;
  text?: string;
}

function queriesFor(pick: () => Tenant | null, n: number, qrng: Rng): Query[] {
  return Array.from({ length: n }, () => {
    const tenant = pick();
    const topic = tenant ? tenant.topics[qrng.int(tenant.topics.length)] : qrng.int(TOPICS);
    return { tenant, vector: toVectorText(model.point(qrng, topic)) };
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function recall(got: number[], truth: number[]): number {
  if (truth.length === 0) return 1;
  const set = new Set(truth);
  return got.filter((id) => set.has(id)).length / truth.length;
}

interface ClassResult {
  queries: number;
  p50_ms: number;
  p95_ms: number;
  mean_ms: number;
  recall_at_10: number;
  min_recall: number;
  always_10_rows: boolean;
  short_results: number;
  min_rows: number;
  foreign_rows: number;
}

type Runner = (q: Query) => Promise<number[]>;

async function measure(
  queries: Query[],
  run: Runner,
  truth: Map<Query, number[]>,
  owner: Map<number, string>,
): Promise<ClassResult> {
  for (const q of queries.slice(0, WARMUP)) await run(q);
  const times: number[] = [];
  let recallSum = 0;
  let minRecall = 1;
  let short = 0;
  let minRows = Infinity;
  let foreign = 0;
  for (const q of queries) {
    const started = performance.now();
    const ids = await run(q);
    times.push(performance.now() - started);
    const r = recall(ids, truth.get(q)!);
    recallSum += r;
    minRecall = Math.min(minRecall, r);
    if (ids.length < K) short++;
    minRows = Math.min(minRows, ids.length);
    if (q.tenant) foreign += ids.filter((id) => owner.get(id) !== q.tenant!.slug).length;
  }
  times.sort((a, b) => a - b);
  const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    queries: queries.length,
    p50_ms: round(pct(times, 50)),
    p95_ms: round(pct(times, 95)),
    mean_ms: round(times.reduce((a, b) => a + b, 0) / times.length),
    recall_at_10: round(recallSum / queries.length, 4),
    min_recall: round(minRecall, 2),
    always_10_rows: short === 0,
    short_results: short,
    min_rows: minRows,
    foreign_rows: foreign,
  };
}

function wholeTable(ef: number): Runner {
  return async (q) => {
    const rows = await sql.begin(async (tx) => {
      await tx.unsafe(`set local hnsw.ef_search = ${ef}`);
      return await tx`select id from public.documents order by embedding operator(extensions.<=>) ${q.vector}::extensions.vector limit ${K}`;
    });
    return rows.map((r) => Number(r.id));
  };
}

const matchDocuments: Runner = async (q) => {
  const rows = await sql`select id from public.match_documents(${
    q.tenant!.slug
  }, ${q.vector}::extensions.vector, ${K}, -1, ${q.agent ?? null}, ${q.text ?? null})`;
  return rows.map((r) => Number(r.id));
};

const langchain: Runner = async (q) => {
  const rows = await sql`select id from bench.match_documents(${q.vector}::extensions.vector, ${K}, ${
    sql.json({ tenant: q.tenant!.slug })
  })`;
  return rows.map((r) => Number(r.id));
};

async function exactWhole(q: Query): Promise<number[]> {
  const rows = await sql.begin(async (tx) => {
    await tx`set local enable_indexscan = off`;
    return await tx`select id from public.documents order by embedding operator(extensions.<=>) ${q.vector}::extensions.vector limit ${K}`;
  });
  return rows.map((r) => Number(r.id));
}

/**
 * The truth per tenant: match_documents' full exact scan (every chunk's cosine distance), which it
 * takes for a tenant under the exact-scan limit with a metadata filter; {tenant: slug} is in every
 * bench chunk's metadata, so the filter keeps them all.
 */
async function exactTenant(q: Query): Promise<number[]> {
  const rows = await sql.begin(async (tx) => {
    await tx`set local comptoir.exact_scan_max_chunks = '1000000000'`;
    return await tx`select id from public.match_documents(${
      q.tenant!.slug
    }, ${q.vector}::extensions.vector, ${K}, -1, ${q.agent ?? null}, ${q.text ?? null}, ${
      sql.json({ tenant: q.tenant!.slug })
    })`;
  });
  return rows.map((r) => Number(r.id));
}

function current(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}

// ---------------------------------------------------------------- main
const [{ migrated }] = await sql`select to_regclass('public.documents') is not null as migrated`;
if (!migrated) {
  console.error("retrieval.ts: public.documents is missing; give the URL of a migrated, disposable database");
  Deno.exit(2);
}
const settings = await sql`
  select name, setting, unit from pg_settings
  where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather', 'jit')`;
const version = await sql`select extversion from pg_extension where extname = 'vector'`;
const [{ bytes }] = await sql`select pg_size_bytes(current_setting('shared_buffers'))::float8 as bytes`;
if (bytes < 1.5 * 2 ** 30) {
  log(
    `warning: shared_buffers is ${
      current(bytes)
    }; heap + HNSW need about 1.7 GB, latencies will include copies from the OS cache`,
  );
}
await sql.unsafe(
  await Deno.readTextFile(new URL("../../sql/bench/langchain_match_documents.sql", import.meta.url)),
);

const { loadSeconds, promoteSeconds, indexSeconds, promoted } = await load();
const owner = new Map<number, string>();
for (const r of await sql`select id, company_id from public.documents where company_id like 'bench-%'`) {
  owner.set(Number(r.id), r.company_id);
}

const qrng = new Rng(SEED + 2);
const byClass = (c: string) => tenants.filter((t) => sizeClass(t) === c);
const classes = ["small", "medium", "large"] as const;
// Whole-table questions follow the data: a tenant drawn by size, then one of its topics (a topic
// no tenant writes about has no true neighbours, only ties at cosine ≈ 0.1).
const wholeQueries = queriesFor(
  () => {
    let r = qrng.int(TOTAL);
    return tenants.find((t) => (r -= t.size) < 0) ?? tenants[tenants.length - 1];
  },
  QUERIES,
  qrng,
).map((q) => ({ ...q, tenant: null }));
const tenantQueries = Object.fromEntries(classes.map((c) => {
  const pool = byClass(c);
  let i = 0;
  return [c, queriesFor(() => pool[i++ % pool.length], QUERIES, qrng)];
})) as Record<(typeof classes)[number], Query[]>;

// Large tenants again, through an agent (its chunks + shared) and with query text (fusion).
const large = byClass("large");
const agentQueries = queriesFor(() => large[qrng.int(large.length)], QUERIES, qrng).map((q) => ({
  ...q,
  agent: "audrey",
}));
const hybridWords = ["kajabi", "instagram", "tunnel", "newsletter", "livraison", "webinar"];
const hybridQueries = queriesFor(() => large[qrng.int(large.length)], QUERIES, qrng)
  .map((q, i) => ({ ...q, text: `${hybridWords[i % hybridWords.length]} offre` }));
// What retrieve.ts sends (fullTextQuery): the question's content words ORed, here three or four
// of them, so a common word matches a large share of the tenant.
const orQuery = (i: number) =>
  [0, 1, 2, 3].slice(0, 3 + (i % 2)).map((j) => hybridWords[(i + j) % hybridWords.length])
    .concat("offre").join(" or ");
const hybridOrQueries = queriesFor(() => large[qrng.int(large.length)], QUERIES, qrng)
  .map((q, i) => ({ ...q, text: orQuery(i) }));
const small = byClass("small");
const smallHybridOrQueries = queriesFor(() => small[qrng.int(small.length)], QUERIES, qrng)
  .map((q, i) => ({ ...q, text: orQuery(i) }));

const truth = new Map<Query, number[]>();
if (!args["match-only"]) {
  log("exact answers (whole table)");
  for (const q of wholeQueries) truth.set(q, await exactWhole(q));
}
log("exact answers (per tenant)");
for (const c of classes) for (const q of tenantQueries[c]) truth.set(q, await exactTenant(q));
for (const q of [...agentQueries, ...hybridQueries, ...hybridOrQueries, ...smallHybridOrQueries]) {
  truth.set(q, await exactTenant(q));
}

const results: Record<string, unknown> = {};
let fullIndexSeconds = NaN;
if (!args["match-only"]) {
  log("HNSW index over the whole table (whole-table and LangChain cases only)");
  fullIndexSeconds = await buildIndex(
    `create index ${FULL_INDEX} on public.documents using hnsw (embedding extensions.vector_cosine_ops)`,
  );
  await sql`analyze public.documents`;
  log(`built in ${fullIndexSeconds.toFixed(1)} s`);
  for (const ef of [40, 100, 200, 400]) {
    log(`whole table, ef_search = ${ef}`);
    results[`whole_table_ef${ef}`] = await measure(wholeQueries, wholeTable(ef), truth, owner);
  }
  for (const c of classes) {
    log(`langchain match_documents, ${c} tenants`);
    results[`langchain_${c}`] = await measure(tenantQueries[c], langchain, truth, owner);
  }
  await sql.unsafe(`drop index public.${FULL_INDEX}`);
}

for (const c of classes) {
  log(`match_documents, ${c} tenants`);
  results[`match_documents_${c}`] = await measure(tenantQueries[c], matchDocuments, truth, owner);
}
log("match_documents, large tenants, agent audrey");
results.match_documents_large_agent = await measure(agentQueries, matchDocuments, truth, owner);
log("match_documents, large tenants, hybrid");
results.match_documents_large_hybrid = await measure(hybridQueries, matchDocuments, truth, owner);
log("match_documents, large tenants, hybrid OR query");
results.match_documents_large_hybrid_or = await measure(hybridOrQueries, matchDocuments, truth, owner);
log("match_documents, small tenants, hybrid OR query");
results.match_documents_small_hybrid_or = await measure(smallHybridOrQueries, matchDocuments, truth, owner);

const report = {
  generated_at: new Date().toISOString(),
  machine: { cpus: navigator.hardwareConcurrency, note: "shared machine; other jobs may have been running" },
  postgres: Object.fromEntries(
    settings.map((s) => [s.name, s.unit ? `${s.setting} (${s.unit})` : s.setting]),
  ),
  pgvector: version[0]?.extversion,
  data: {
    chunks: TOTAL,
    dims: DIMS,
    topics: TOPICS,
    seed: SEED,
    vectors: args.isotropic
      ? "centroid + isotropic noise (cosine ≈ 0.7 to the centroid)"
      : "200 topics x 12 sub-topics, variation in an 8-dim topic subspace + small isotropic noise, shared mean direction",
    exact_scan_max_chunks: args["exact-max"] ? Number(args["exact-max"]) : 10000,
    tenants: tenants.map((t) => ({
      slug: t.slug,
      chunks: t.size,
      topics: t.topics.length,
      class: sizeClass(t),
    })),
    load_seconds: Math.round(loadSeconds * 10) / 10,
    promoted_tenants: promoted,
    promote_seconds: Math.round(promoteSeconds * 10) / 10,
    hnsw_build_seconds: Math.round(indexSeconds * 10) / 10,
    hnsw:
      "m = 16, ef_construction = 64 (defaults), vector_cosine_ops, partial: where in_ann_index (promoted tenants)",
    full_table_hnsw_build_seconds: Math.round(fullIndexSeconds * 10) / 10,
    full_table_hnsw:
      "same parameters over every row; for the whole-table and LangChain cases only, dropped before match_documents is measured",
  },
  method: {
    latency:
      "client-side round trip over localhost with postgres.js (prepare: false), one query at a time, after warm-up",
    warmup_queries_per_class: WARMUP,
    recall:
      "recall@10 against an exact scan (whole table: sequential scan; tenants: match_documents' full exact scan over the whole tenant, every chunk's cosine distance)",
    match_documents:
      "p_match_threshold = -1 (no threshold); no agent and no query text except the *_agent (p_agent = audrey: its chunks + shared, 80% of the tenant) and *_hybrid (p_query_text, RRF k = 60; recall against the fusion of the exact vector list) cases; *_hybrid: 'word offre' (websearch AND), *_hybrid_or: 3-4 words ORed ('kajabi or tunnel or livraison or offre') as retrieve.ts sends them",
    langchain:
      "sql/bench/langchain_match_documents.sql: filter {tenant: slug} on metadata, same table, an HNSW index over every row, default hnsw settings (ef_search 40, no iterative scan)",
  },
  results,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");

const rows = Object.entries(results) as [string, ClassResult][];
console.log("\nRetrieval benchmark (" + TOTAL.toLocaleString("en") + " chunks, " + DIMS + " dims)");
console.log(
  "case".padEnd(28) + "p50 ms".padStart(9) + "p95 ms".padStart(9) + "recall@10".padStart(11) +
    "10 rows".padStart(10) + "foreign".padStart(9),
);
for (const [name, r] of rows) {
  console.log(
    name.padEnd(28) + r.p50_ms.toFixed(2).padStart(9) + r.p95_ms.toFixed(2).padStart(9) +
      r.recall_at_10.toFixed(3).padStart(11) +
      (r.always_10_rows ? "always" : `${r.short_results} short`).padStart(10) +
      String(r.foreign_rows).padStart(9),
  );
}
console.log(
  `\nload ${loadSeconds.toFixed(1)} s, promotion ${promoteSeconds.toFixed(1)} s (${promoted.join(", ")}), ` +
    `partial HNSW build ${indexSeconds.toFixed(1)} s, whole-table HNSW build ${
      fullIndexSeconds.toFixed(1)
    } s; written to ${args.out}`,
);
await sql.end();
