/**
 * Tenant-population benchmark (issue 21): 1,000 tenants of skewed sizes, loaded in steps
 * (100 → 300 → 1,000 by default), and at each step the p50/p95 and recall@10 of a search per
 * tenant size class — small (≤ 5,000 chunks), medium (5,001-10,000, exact scan), large (> 10,000,
 * promoted to the partial HNSW index) — under three layouts of the same rows:
 *   A. today: one public.documents table, through public.match_documents (as service_role, as
 *      the product calls it) and through the plain search below (the layout's own cost);
 *   B. by size class: a copy list-partitioned on in_ann_index (exact tenants / promoted ones),
 *      a company btree on each, an HNSW index over the whole promoted partition;
 *   C. by company hash: a copy hash-partitioned on company_id (8 partitions), each with a
 *      company btree and a partial HNSW index (where in_ann_index).
 * The plain search (sim_layout.search, created here, not a migration) is the vector path
 * match_documents had before its sign-bits exact path (20261208100000): an exact scan of the
 * tenant's rows for unpromoted tenants, an HNSW iterative scan (relaxed order, ef_search 200,
 * sorts off) for promoted ones, over the table it is given; B and C can only be searched so, and
 * A-plain against them is the layout comparison. It returns ids, match_documents whole rows.
 * Recall@10 is against an exact scan of the tenant's rows. Each (layout, class) is measured in
 * several rounds, interleaved; the summary reports the median of the rounds.
 *
 * Tenants are promoted by private.promote_large_tenants, as the pg_cron job would, and every
 * HNSW index is rebuilt after each step's load (bulk build, not one insert at a time). The
 * database must be disposable: tenants sim-*, the schema sim_layout and the HNSW indexes of
 * public.documents are replaced.
 *
 *   deno run -A scripts/bench/tenants.ts --db <url> --out bench/results/tenants.json
 *     [--steps 100,300,1000] [--queries 150] [--warmup 20] [--rounds 3] [--seed 42]
 *     [--hash-partitions 8]
 * About 21 minutes for the default steps on 2 busy cores (load 8 min, HNSW builds 6 min).
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { DIMS, passage, Rng, TopicModel, toVectorText } from "./data.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/tenants.json" },
    steps: { type: "string", default: "100,300,1000" },
    topics: { type: "string", default: "200" },
    queries: { type: "string", default: "150" },
    warmup: { type: "string", default: "20" },
    rounds: { type: "string", default: "3" },
    seed: { type: "string", default: "42" },
    "hash-partitions": { type: "string", default: "8" },
  },
});
if (!args.db) {
  console.error("usage: tenants.ts --db <postgres url> [--out file] [--steps 100,300,1000] [--queries n]");
  Deno.exit(2);
}

const STEPS = args.steps!.split(",").map(Number).sort((a, b) => a - b);
const TOPICS = Number(args.topics);
const QUERIES = Number(args.queries);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const SEED = Number(args.seed);
const HASH_PARTITIONS = Number(args["hash-partitions"]);
const K = 10;
const CLASSES = ["small", "medium", "large"] as const;
type SizeClass = (typeof CLASSES)[number];

const sql = postgres(args.db, { prepare: false, max: 1, onnotice: () => {}, idle_timeout: 0 });
// The product's path: match_documents runs as its caller, here service_role (one connection).
const svc = postgres(args.db, { prepare: false, max: 1, onnotice: () => {}, idle_timeout: 0 });
const t0 = performance.now();
const log = (msg: string) =>
  console.error(`[tenants ${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}`);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------- population
interface SimTenant {
  slug: string;
  size: number;
  topics: number[];
  cls: SizeClass;
  /** Seeds its rows, so a tenant's data does not depend on what was loaded before it. */
  seed: number;
}

/**
 * Chunks per tenant by quantile: a piecewise log-linear quantile function, median 80, 80 % ≤ 180,
 * 95 % ≤ 550, up to 2,000 for the small ones; 0.8 % medium (5,200-9,800), 0.8 % large
 * (10,500-16,000): 301,533 chunks for 1,000 tenants. Scaled down: see docs/SCALING.md.
 */
const QUANTILES: [number, number][] = [
  [0, 20],
  [0.5, 80],
  [0.8, 180],
  [0.9, 320],
  [0.95, 550],
  [0.984, 2000],
  [0.984, 5200],
  [0.992, 9800],
  [0.992, 10500],
  [1, 16000],
];

function sizeAt(u: number): number {
  for (let i = 1; i < QUANTILES.length; i++) {
    const [u0, s0] = QUANTILES[i - 1];
    const [u1, s1] = QUANTILES[i];
    if (u < u1 || i === QUANTILES.length - 1) {
      const t = u1 === u0 ? 0 : (u - u0) / (u1 - u0);
      return Math.round(s0 * Math.exp(t * Math.log(s1 / s0)));
    }
  }
  throw new Error("unreachable");
}

/**
 * n tenants; tenant k sits at quantile frac(0.5 + k φ) (golden-ratio sequence), so every prefix
 * of the list (every step of the growth) is spread evenly over the distribution.
 */
function population(n: number, rng: Rng): SimTenant[] {
  const phi = (Math.sqrt(5) - 1) / 2;
  return Array.from({ length: n }, (_, k) => {
    const size = sizeAt((0.5 + k * phi) % 1);
    const count = Math.min(TOPICS, 5 + Math.round(Math.sqrt(size) / 3));
    const topics = new Set<number>();
    while (topics.size < count) topics.add(rng.int(TOPICS));
    const cls: SizeClass = size <= 5000 ? "small" : size <= 10000 ? "medium" : "large";
    return {
      slug: `sim-t${String(k + 1).padStart(4, "0")}`,
      size,
      topics: [...topics],
      cls,
      seed: SEED * 7919 + k,
    };
  });
}

const rng = new Rng(SEED);
const model = new TopicModel(rng, TOPICS);
const tenants = population(STEPS[STEPS.length - 1], rng);

// ---------------------------------------------------------------- layouts
/** The migration's HNSW index on public.documents, used if none is found (a previous run died). */
const DEFAULT_HNSW = [
  "CREATE INDEX documents_embedding_idx ON public.documents USING hnsw (embedding extensions.vector_cosine_ops) WHERE in_ann_index",
];

function layoutDdl(hashPartitions: number): string {
  const hash = Array.from({ length: hashPartitions }, (_, i) => `
    create table sim_layout.by_hash_${i} partition of sim_layout.by_hash
      for values with (modulus ${hashPartitions}, remainder ${i}) with (toast_tuple_target = 8160);`).join(
    "",
  );
  const columns = `id bigint not null, company_id text not null, in_ann_index boolean not null,
      content text not null, metadata jsonb not null, embedding extensions.vector(1536)`;
  return `
    drop schema if exists sim_layout cascade;
    create schema sim_layout;
    create table sim_layout.by_class (${columns}) partition by list (in_ann_index);
    create table sim_layout.by_class_exact partition of sim_layout.by_class for values in (false)
      with (toast_tuple_target = 8160);
    create table sim_layout.by_class_ann partition of sim_layout.by_class for values in (true)
      with (toast_tuple_target = 8160);
    create table sim_layout.by_hash (${columns}) partition by hash (company_id);
    ${hash}
    alter table sim_layout.by_class alter column embedding set storage main;
    alter table sim_layout.by_hash alter column embedding set storage main;
    create index by_class_company_idx on sim_layout.by_class (company_id);
    create index by_hash_company_idx on sim_layout.by_hash (company_id);

    /** A vector search over p_table: the tenant's rows exactly, or (p_ann) an HNSW iterative scan. */
    create function sim_layout.search(
      p_table regclass, p_company text, p_query extensions.vector, p_ann boolean, p_k integer
    )
    returns setof bigint
    language plpgsql
    stable
    set search_path = ''
    set enable_sort = on
    set jit = off
    set hnsw.iterative_scan = 'off'
    as $fn$
    begin
      if p_ann then
        perform pg_catalog.set_config('hnsw.iterative_scan', 'relaxed_order', true);
        perform pg_catalog.set_config('hnsw.ef_search', '200', true);
        perform pg_catalog.set_config('enable_sort', 'off', true);
        return query execute pg_catalog.format($q$
          with nearest as materialized (
            select d.id, d.embedding operator(extensions.<=>) $2 as distance
            from %s d
            where d.company_id = $1 and d.in_ann_index
            order by d.embedding operator(extensions.<=>) $2
            limit $3
          )
          select n.id from nearest n order by n.distance$q$, p_table)
        using p_company, p_query, p_k;
        perform pg_catalog.set_config('enable_sort', 'on', true);
      else
        return query execute pg_catalog.format($q$
          with scored as materialized (
            select d.id, d.embedding operator(extensions.<=>) $2 as distance
            from %s d
            where d.company_id = $1
          )
          select s.id from scored s order by s.distance, s.id limit $3$q$, p_table)
        using p_company, p_query, p_k;
      end if;
    end;
    $fn$;
    grant usage on schema sim_layout to service_role;
    grant select on all tables in schema sim_layout to service_role;
    grant execute on function sim_layout.search(regclass, text, extensions.vector, boolean, integer) to service_role;`;
}

const LAYOUT_INDEXES = [
  "create index by_class_ann_hnsw_idx on sim_layout.by_class_ann using hnsw (embedding extensions.vector_cosine_ops)",
  "create index by_hash_hnsw_idx on sim_layout.by_hash using hnsw (embedding extensions.vector_cosine_ops) where in_ann_index",
];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, round((performance.now() - started) / 1000, 1)];
}

async function buildIndexes(ddls: string[]): Promise<void> {
  for (const ddl of ddls) {
    await sql.begin(async (tx) => {
      await tx`set local maintenance_work_mem = '2GB'`;
      await tx`set local max_parallel_maintenance_workers = 1`;
      await tx.unsafe(ddl);
    });
  }
}

async function dropHnsw(schema: string, tables: string[]): Promise<void> {
  const rows = await sql`
    select i.indexname from pg_indexes i
    where i.schemaname = ${schema} and i.tablename = any(${tables}) and i.indexdef ilike '%using hnsw%'`;
  for (const r of rows) await sql.unsafe(`drop index if exists ${schema}.${r.indexname}`);
}

/**
 * Generates and inserts the tenants' chunks into public.documents, 500 rows a statement. The
 * next batch is generated while the server inserts the last one (the event loop is given a turn
 * every 25 rows so that the statement keeps streaming out).
 */
async function insertTenants(batch: SimTenant[]): Promise<void> {
  await sql`
    insert into public.companies (slug, name)
    select s, 'Sim ' || s from unnest(${batch.map((t) => t.slug)}::text[]) as s`;
  let cols = emptyColumns();
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    await inFlight;
    if (cols.company.length === 0) return;
    inFlight = sql`
      insert into public.documents (company_id, source, chunk_index, content, metadata, embedding, embedding_model)
      select c, s, i, t, m::jsonb, e::extensions.vector, 'bench'
      from unnest(${cols.company}::text[], ${cols.source}::text[], ${cols.idx}::int[], ${cols.content}::text[],
                  ${cols.meta}::text[], ${cols.emb}::text[]) as u (c, s, i, t, m, e)`.execute();
    cols = emptyColumns();
  };
  for (const t of batch) {
    const data = new Rng(t.seed);
    for (let i = 0; i < t.size; i++) {
      const topic = t.topics[data.int(t.topics.length)];
      cols.company.push(t.slug);
      cols.source.push(`doc-${Math.floor(i / 8)}`);
      cols.idx.push(i % 8);
      cols.content.push(passage(data, topic, i));
      cols.meta.push(JSON.stringify({ topic }));
      cols.emb.push(toVectorText(model.point(data, topic)));
      if (cols.company.length === 500) await flush();
      else if (cols.company.length % 25 === 0) await new Promise((r) => setTimeout(r, 0));
    }
  }
  await flush();
  await inFlight;
}

function emptyColumns() {
  return {
    company: [] as string[],
    source: [] as string[],
    idx: [] as number[],
    content: [] as string[],
    meta: [] as string[],
    emb: [] as string[],
  };
}

/** What the pg_cron job does over the following minutes, to completion (it may race us: retry). */
async function promoteAll(): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    await sql`select count(*) from private.promote_large_tenants(null, 2000000000)`;
    const [{ pending }] = await sql`
      select count(*)::int as pending from private.ann_tenants where promoted_at is null`;
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("tenants: promotion did not complete");
}

interface StepLoad {
  load_seconds: number;
  promote_seconds: number;
  hnsw_today_seconds: number;
  copy_seconds: number;
  hnsw_layouts_seconds: number;
}

async function loadStep(batch: SimTenant[], hnswToday: string[]): Promise<StepLoad> {
  // Every HNSW index is rebuilt in bulk after the load (inserting into it row by row is ~10x slower).
  await dropHnsw("public", ["documents"]);
  await dropHnsw("sim_layout", ["by_class_ann", "by_hash"]);
  const [, load_seconds] = await timed(() => insertTenants(batch));
  const [, promote_seconds] = await timed(promoteAll);
  const [, hnsw_today_seconds] = await timed(() => buildIndexes(hnswToday));
  const slugs = batch.map((t) => t.slug);
  const [, copy_seconds] = await timed(async () => {
    for (const table of ["by_class", "by_hash"]) {
      await sql.unsafe(
        `insert into sim_layout.${table} (id, company_id, in_ann_index, content, metadata, embedding)
         select d.id, d.company_id, d.in_ann_index, d.content, d.metadata, d.embedding
         from public.documents d where d.company_id = any($1) order by d.id`,
        [slugs],
      );
    }
  });
  const [, hnsw_layouts_seconds] = await timed(() => buildIndexes(LAYOUT_INDEXES));
  await sql`vacuum analyze public.documents`;
  await sql`vacuum analyze sim_layout.by_class`;
  await sql`vacuum analyze sim_layout.by_hash`;
  return { load_seconds, promote_seconds, hnsw_today_seconds, copy_seconds, hnsw_layouts_seconds };
}

// ---------------------------------------------------------------- measuring
interface Query {
  tenant: SimTenant;
  ann: boolean;
  vector: string;
}

type Runner = (q: Query) => Promise<number[]>;

const VARIANTS: Record<string, { layout: string; run: Runner }> = {
  today_match_documents: {
    layout: "A. one table (today), public.match_documents as service_role",
    run: async (q) =>
      (await svc`
        select id from public.match_documents(
          p_company => ${q.tenant.slug}, p_query_embedding => ${q.vector}::extensions.vector,
          p_match_count => ${K}, p_match_threshold => -1)`).map((r) => Number(r.id)),
  },
  today_plain: { layout: "A. one table (today), plain search", run: plain("public.documents") },
  by_size_class: { layout: "B. list-partitioned by size class", run: plain("sim_layout.by_class") },
  by_company_hash: {
    layout: `C. hash-partitioned by company (${HASH_PARTITIONS})`,
    run: plain("sim_layout.by_hash"),
  },
};

function plain(table: string): Runner {
  return async (q) =>
    (await svc`
      select s as id from sim_layout.search(${table}::regclass, ${q.tenant.slug},
        ${q.vector}::extensions.vector, ${q.ann}, ${K}) as s`).map((r) => Number(r.id));
}

async function exact(q: Query): Promise<number[]> {
  return (await sql`
    select s as id from sim_layout.search('public.documents'::regclass, ${q.tenant.slug},
      ${q.vector}::extensions.vector, false, ${K}) as s`).map((r) => Number(r.id));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Round {
  p50_ms: number;
  p95_ms: number;
  recall_at_10: number;
  short_results: number;
}

async function measure(queries: Query[], run: Runner, truth: Map<Query, number[]>): Promise<Round> {
  for (const q of queries.slice(0, WARMUP)) await run(q);
  const times: number[] = [];
  let recall = 0;
  let short = 0;
  for (const q of queries) {
    const started = performance.now();
    const ids = await run(q);
    times.push(performance.now() - started);
    const want = new Set(truth.get(q)!);
    recall += want.size === 0 ? 1 : ids.filter((id) => want.has(id)).length / want.size;
    if (ids.length < K) short++;
  }
  times.sort((a, b) => a - b);
  return {
    p50_ms: round(pct(times, 50)),
    p95_ms: round(pct(times, 95)),
    recall_at_10: round(recall / queries.length, 4),
    short_results: short,
  };
}

interface CaseResult {
  tenants_in_class: number;
  queries: number;
  p50_ms: number;
  p95_ms: number;
  p95_ms_rounds: number[];
  recall_at_10: number;
  short_results: number;
}

async function measureStep(
  present: SimTenant[],
  step: number,
): Promise<Record<string, Record<string, CaseResult>>> {
  const promoted = new Set(
    (await sql`
      select c.slug from private.ann_tenants a join public.companies c on c.id = a.company_id
      where a.promoted_at is not null and c.slug like 'sim-%'`).map((r) => r.slug as string),
  );
  const qrng = new Rng(SEED + 100 + step);
  const queries = Object.fromEntries(CLASSES.map((c) => {
    const pool = present.filter((t) => t.cls === c);
    return [
      c,
      Array.from({ length: pool.length ? QUERIES : 0 }, () => {
        const tenant = pool[qrng.int(pool.length)];
        const topic = tenant.topics[qrng.int(tenant.topics.length)];
        return { tenant, ann: promoted.has(tenant.slug), vector: toVectorText(model.point(qrng, topic)) };
      }),
    ];
  })) as Record<SizeClass, Query[]>;
  log(`step ${step}: exact answers`);
  const truth = new Map<Query, number[]>();
  for (const c of CLASSES) for (const q of queries[c]) truth.set(q, await exact(q));

  const rounds: Record<string, Record<string, Round[]>> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, v] of Object.entries(VARIANTS)) {
      for (const c of CLASSES) {
        if (queries[c].length === 0) continue;
        ((rounds[name] ??= {})[c] ??= []).push(await measure(queries[c], v.run, truth));
      }
    }
    log(`step ${step}: round ${r + 1}/${ROUNDS} measured`);
  }
  return Object.fromEntries(
    Object.entries(rounds).map(([name, byClass]) => [
      name,
      Object.fromEntries(
        Object.entries(byClass).map(([c, rs]) => [c, {
          tenants_in_class: present.filter((t) => t.cls === c).length,
          queries: queries[c as SizeClass].length,
          p50_ms: round(median(rs.map((x) => x.p50_ms))),
          p95_ms: round(median(rs.map((x) => x.p95_ms))),
          p95_ms_rounds: rs.map((x) => x.p95_ms),
          recall_at_10: round(median(rs.map((x) => x.recall_at_10)), 4),
          short_results: Math.max(...rs.map((x) => x.short_results)),
        }]),
      ),
    ]),
  );
}

// ---------------------------------------------------------------- main
const [{ migrated }] =
  await sql`select to_regprocedure('private.promote_large_tenants(bigint, integer)') is not null as migrated`;
if (!migrated) {
  console.error(
    "tenants.ts: the knowledge-base migration is missing; give the URL of a migrated, disposable database",
  );
  Deno.exit(2);
}
await svc`set role service_role`;
const hnswToday = (await sql`
  select indexdef from pg_indexes
  where schemaname = 'public' and tablename = 'documents' and indexdef ilike '%using hnsw%'`)
  .map((r) => r.indexdef as string);
if (hnswToday.length === 0) hnswToday.push(...DEFAULT_HNSW);
const settings = await sql`
  select name, setting, unit from pg_settings
  where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather', 'jit')`;
const [{ extversion }] = await sql`select extversion from pg_extension where extname = 'vector'`;

log("replacing sim tenants and layouts");
await sql`delete from public.companies where slug like 'sim-%'`;
await sql.unsafe(layoutDdl(HASH_PARTITIONS));

const steps = [];
let loaded = 0;
for (const step of STEPS) {
  const batch = tenants.slice(loaded, step);
  const chunks = batch.reduce((a, t) => a + t.size, 0);
  log(`step ${step}: loading ${batch.length} tenants, ${chunks} chunks`);
  const load = await loadStep(batch, hnswToday);
  loaded = step;
  const present = tenants.slice(0, step);
  const [sizes] = await sql`
    select
      (select count(*)::int from public.documents where company_id like 'sim-%') as chunks,
      (select count(*)::int from public.documents where company_id like 'sim-%' and in_ann_index) as ann_chunks,
      pg_total_relation_size('public.documents')::float8 as today_bytes,
      (select sum(pg_total_relation_size(c.oid))::float8 from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'sim_layout.by_hash'::regclass) as by_hash_bytes`;
  log(`step ${step}: ${JSON.stringify(load)}`);
  const results = await measureStep(present, step);
  steps.push({
    tenants: step,
    chunks: sizes.chunks,
    promoted_chunks: sizes.ann_chunks,
    per_class: Object.fromEntries(CLASSES.map((c) => {
      const ts = present.filter((t) => t.cls === c);
      return [c, { tenants: ts.length, chunks: ts.reduce((a, t) => a + t.size, 0) }];
    })),
    documents_table_mb: Math.round(sizes.today_bytes / 2 ** 20),
    by_hash_mb: Math.round(sizes.by_hash_bytes / 2 ** 20),
    ...load,
    results,
  });
}

const report = {
  generated_at: new Date().toISOString(),
  machine: {
    cpus: navigator.hardwareConcurrency,
    note: "shared machine; other benchmarks may have been running",
  },
  postgres: Object.fromEntries(
    settings.map((s) => [s.name, s.unit ? `${s.setting} (${s.unit})` : s.setting]),
  ),
  pgvector: extversion,
  data: {
    tenants: tenants.length,
    chunks: tenants.reduce((a, t) => a + t.size, 0),
    dims: DIMS,
    topics: TOPICS,
    seed: SEED,
    size_quantiles: QUANTILES,
    size_classes: "small ≤ 5,000 chunks, medium 5,001-10,000 (exact scan), large > 10,000 (promoted)",
    steps: STEPS,
    vectors: "scripts/bench/data.ts TopicModel (as retrieval.ts): 200 topics x 12 sub-topics, unit vectors",
    hnsw_today: hnswToday,
    hnsw_layouts: LAYOUT_INDEXES,
    hash_partitions: HASH_PARTITIONS,
  },
  method: {
    latency:
      "client-side round trip over localhost (postgres.js, prepare: false), one query at a time, as service_role, after warm-up",
    queries_per_class_and_round: QUERIES,
    warmup: WARMUP,
    rounds: ROUNDS,
    reported: "median over rounds of each round's p50 / p95 (p95_ms_rounds: every round's)",
    tenant_choice:
      "each query: a tenant of the class drawn uniformly, one of its topics, a new point of that topic",
    match_documents: "p_match_count 10, p_match_threshold -1, no agent, no query text, no filter",
    plain_search:
      "sim_layout.search: exact scan of the tenant's rows, or HNSW iterative scan (relaxed_order, ef_search 200, sorts off) for promoted tenants",
    recall: "recall@10 against an exact scan of the tenant's rows in public.documents",
    variants: Object.fromEntries(Object.entries(VARIANTS).map(([k, v]) => [k, v.layout])),
  },
  steps,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");

console.log(
  `\nTenant population benchmark (${DIMS} dims), p95 ms (p50) / recall@10, median of ${ROUNDS} rounds`,
);
console.log(
  "tenants".padEnd(9) + "chunks".padStart(8) + "  variant".padEnd(26) +
    CLASSES.map((c) => c.padStart(24)).join(""),
);
for (const s of steps) {
  for (const [name, byClass] of Object.entries(s.results)) {
    console.log(
      String(s.tenants).padEnd(9) + String(s.chunks).padStart(8) + `  ${name}`.padEnd(26) +
        CLASSES.map((c) => {
          const r = byClass[c];
          return (r ? `${r.p95_ms.toFixed(1)} (${r.p50_ms.toFixed(1)}) / ${r.recall_at_10.toFixed(3)}` : "–")
            .padStart(24);
        }).join(""),
    );
  }
}
console.log(`\nwritten to ${args.out}`);
await sql.end();
await svc.end();
