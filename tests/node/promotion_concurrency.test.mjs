// Promotion to the HNSW index beside ingestion, under real concurrency (separate Postgres
// sessions, node-postgres): while the pg_cron job flags a tenant's chunks, the tenant's new
// chunks are written without waiting (lock_timeout would fail them otherwise); a chunk that an
// ingestion holds is skipped by the promotion, never waited for, and flagged by the next call;
// and a promoted tenant's chunk the flag has not reached yet is still found by match_documents.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pg from "pg";

const dbUrl = process.env.SUPABASE_DB_URL;
const skip = !dbUrl && "no database (run through npm test: SUPABASE_DB_URL)";
const slug = `promo-race-${randomUUID().slice(0, 8)}`;
const CHUNKS = 120;
let admin;
let companyId;

async function connect(settings = "") {
  const client = new pg.Client({
    connectionString: dbUrl,
    options: `-c client_min_messages=warning ${settings}`,
  });
  await client.connect();
  return client;
}

/** A reproducible 1536-dim vector, as pgvector's text form. */
function vector(seed) {
  let x = seed * 7919 + 17;
  const values = Array.from({ length: 1536 }, () => {
    x = (x * 48271) % 2147483647;
    return (x / 2147483647 - 0.5).toFixed(5);
  });
  return `[${values.join(",")}]`;
}

async function insertChunks(client, source, from, count) {
  const rows = Array.from({ length: count }, (_, i) => from + i);
  await client.query(
    `insert into public.documents (company_id, source, chunk_index, content, embedding)
     select $1, $2, i, 'Morceau ' || i, e::extensions.vector
     from unnest($3::int[], $4::text[]) as u (i, e)`,
    [slug, source, rows, rows.map((i) => vector(i))],
  );
}

/**
 * Back to "recorded, nothing flagged". pg_cron runs the same promotion every minute for every
 * company: the tests start from this state and assert the state they leave, not counts alone.
 */
const reset = (client) =>
  client.query(
    `update private.ann_tenants set promoted_at = null where company_id = '${companyId}';
     update public.documents set in_ann_index = false where company_id = '${slug}'`,
  );

/** Only this file's tenant is in progress: the promotion is called with a limit nobody reaches. */
const promote = (client, batch) =>
  client.query(
    `select slug, flagged::int, promoted from private.promote_large_tenants(1000000000000, $1) where slug = $2`,
    [batch, slug],
  );

before(async () => {
  if (skip) return;
  admin = await connect();
  ({ rows: [{ id: companyId }] } = await admin.query(
    `insert into public.companies (slug, name) values ($1, 'Promotion race') returning id`,
    [slug],
  ));
  await insertChunks(admin, "guide.md", 0, CHUNKS);
  // What the job's first step does for a company above the limit: record it (in progress).
  await admin.query(
    `insert into private.ann_tenants (company_id, chunks_at_promotion) values ($1, $2)`,
    [companyId, CHUNKS],
  );
});

after(async () => {
  if (!admin) return;
  await admin.query(`delete from public.companies where slug = $1`, [slug]);
  await admin.end();
});

test("a tenant's ingestion writes while its promotion flags a batch, without waiting", { skip }, async () => {
  const promoter = await connect();
  const writer = await connect("-c lock_timeout=2000");
  try {
    await reset(admin);
    await promoter.query("begin");
    const { rows: [first] } = await promote(promoter, 50);
    assert.deepEqual(first, { slug, flagged: 50, promoted: false }, "the first batch is flagged, not committed yet");

    // New chunks of the same tenant, while the batch's transaction is open: before this change
    // they waited for the promotion's tenant-wide lock (lock_timeout would fail them here).
    await insertChunks(writer, "during.md", 0, 10);
    const { rows: flagged } = await writer.query(
      `select bool_and(in_ann_index) as all_flagged from public.documents where company_id = $1 and source = 'during.md'`,
      [slug],
    );
    assert.equal(flagged[0].all_flagged, true, "and flagged on insert: their tenant is being promoted");
    // A chunk outside the batch being flagged is rewritten without waiting either.
    const { rowCount } = await writer.query(
      `update public.documents set content = 'Morceau revu' where company_id = $1 and source = 'guide.md' and chunk_index = $2`,
      [slug, CHUNKS - 1],
    );
    assert.equal(rowCount, 1);
    await promoter.query("commit");
  } finally {
    await promoter.query("rollback").catch(() => {});
    await promoter.end();
    await writer.end();
  }
});

test("the promotion skips a chunk an ingestion holds, never waits for it, and takes it on the next call", {
  skip,
}, async () => {
  const writer = await connect();
  const promoter = await connect("-c lock_timeout=2000");
  try {
    await reset(admin);
    await writer.query("begin");
    const { rows: [held] } = await writer.query(
      `update public.documents set content = 'En cours d''écriture'
       where id = (select min(id) from public.documents where company_id = $1 and not in_ann_index)
       returning id`,
      [slug],
    );
    assert.ok(held, "fixture: an unflagged chunk is being rewritten");
    const { rows: [call] } = await promote(promoter, 1000);
    assert.equal(call.promoted, false, "not promoted while a chunk is left");
    const { rows: [left] } = await promoter.query(
      `select count(*)::int as n, min(id) as id from public.documents where company_id = $1 and not in_ann_index`,
      [slug],
    );
    assert.deepEqual(left, { n: 1, id: held.id }, "every chunk but the held one is flagged");
    await writer.query("commit");
    await promote(promoter, 1000);
    const { rows: [done] } = await promoter.query(
      `select (select promoted_at is not null from private.ann_tenants where company_id = $2) as promoted,
         (select count(*)::int from public.documents where company_id = $1 and not in_ann_index) as unflagged`,
      [slug, companyId],
    );
    assert.deepEqual(done, { promoted: true, unflagged: 0 }, "the next call flags it and finishes");
  } finally {
    await writer.query("rollback").catch(() => {});
    await writer.end();
    await promoter.end();
  }
});

test("a promoted tenant's chunk not flagged yet is found by match_documents", { skip }, async () => {
  const reader = await connect("-c comptoir.exact_scan_max_chunks=10");
  try {
    // A chunk written while its tenant was being recorded (its statement's snapshot did not see
    // the record): the flag has not reached it, so the HNSW index does not hold it.
    await admin.query(`insert into public.documents (company_id, source, chunk_index, content, embedding)
      values ($1, 'late.md', 0, 'Arrivé pendant la promotion', $2::extensions.vector)`, [slug, vector(100000)]);
    // Unflagged inside this session's transaction: the promotion (pg_cron's too) skips the row
    // while it is held, so the search below reads it unflagged whatever the clock does.
    await reader.query("begin");
    await reader.query(
      `update public.documents set in_ann_index = false where company_id = $1 and source = 'late.md'`,
      [slug],
    );
    await reader.query(
      `update private.ann_tenants set promoted_at = coalesce(promoted_at, now()) where company_id = $1`,
      [companyId],
    );
    const { rows } = await reader.query(
      `select source, round(similarity::numeric, 6) as similarity
       from public.match_documents($1, $2::extensions.vector, 5, -1)`,
      [slug, vector(100000)],
    );
    assert.equal(rows.length, 5, "five rows, as asked");
    assert.deepEqual(rows[0], { source: "late.md", similarity: "1.000000" }, "the unflagged chunk comes first");
    const { rows: [state] } = await reader.query(
      `select promoted_at is not null as promoted from private.ann_tenants where company_id = $1`,
      [companyId],
    );
    assert.equal(state.promoted, true, "fixture: the tenant is promoted (its search walks the HNSW index)");
    await reader.query("rollback");
  } finally {
    await reader.end();
  }
});
