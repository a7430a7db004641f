-- Plan guard: for a large promoted tenant, match_documents must walk the (partial) HNSW index
-- (iterative scan), never fall back to the bitmap/btree scan + sort of every chunk of the tenant
-- (hundreds of ms at 20,000 chunks); for a small one, or a large one not yet promoted, it must
-- scan the tenant exactly. Checked with the transaction's own index-scan counters, so it fails
-- if the slow plan comes back.
begin;
select plan(14);

select tests.create_company('tenant-big', tests.create_user('owner@tenant-big.test')) as company_big \gset
select tests.create_company('tenant-other', tests.create_user('owner@tenant-other.test')) as company_other \gset
select tests.create_company('tenant-small', tests.create_user('owner@tenant-small.test')) as company_small \gset

-- Tenants above 300 chunks count as large here (10,000 in production).
set local comptoir.exact_scan_max_chunks = 300;

-- The "large" tenant is a fifth of the table, as the largest real ones. Only tenant-other
-- (1,500) is promoted before the HNSW index is rebuilt (its own definition, rolled back with
-- the rest): much faster than 1,500 index inserts.
select indexdef as hnsw_def from pg_indexes where schemaname = 'public' and indexname = 'documents_embedding_idx' \gset
drop index public.documents_embedding_idx;
select setseed(0.42);
insert into public.documents (company_id, source, content, embedding)
select case when i <= 400 then 'tenant-big' when i <= 1900 then 'tenant-other' else 'tenant-small' end,
  's' || i, 'Chunk ' || i,
  (select array_agg(random() - 0.3)::float8[] from generate_series(1, 1536) where i > 0)::extensions.vector
from generate_series(1, 2000) i;
select count(*) from private.promote_large_tenants(1000);
select tests.affected_rows(:'hnsw_def');
analyze public.documents;
select embedding::text as q from public.documents where source = 's7' \gset

-- Counters of this transaction: HNSW scans, btree entries read, sequential scans of the table.
create function pg_temp.scans()
returns table (hnsw bigint, company_btree bigint, unique_btree bigint, seq bigint)
language sql
as $$
  -- The btrees: entries read, not scans (the promoted path looks up the range of the tenant's
  -- chunks not flagged yet, normally none).
  select pg_stat_get_xact_numscans('public.documents_embedding_idx'::regclass),
    pg_stat_get_xact_tuples_returned('public.documents_company_bits_idx'::regclass),
    pg_stat_get_xact_tuples_returned('public.documents_company_id_source_chunk_index_key'::regclass),
    pg_stat_get_xact_numscans('public.documents'::regclass)
$$;

/** The plan Postgres would choose for p_sql, as JSON text. */
create function pg_temp.plan(p_sql text)
returns text
language plpgsql
as $$
declare
  v_plan text;
begin
  execute 'explain (format json) ' || p_sql into v_plan;
  return v_plan;
end;
$$;

create temporary table before_unpromoted as select * from pg_temp.scans();
create temporary table unpromoted_result as
  select * from public.match_documents('tenant-big', :'q', 10, -1);
create temporary table after_unpromoted as select * from pg_temp.scans();
select is((select count(*)::int from unpromoted_result), 10, 'a large tenant not yet promoted gets 10 rows');
select is((select a.hnsw - b.hnsw from after_unpromoted a, before_unpromoted b), 0::bigint,
  'without touching the HNSW index (its chunks are not in it)');
select results_eq(
  'select id from unpromoted_result',
  $$select d.id from public.documents d where d.company_id = 'tenant-big'
    order by d.embedding operator(extensions.<=>) (select embedding from public.documents where source = 's7'), d.id limit 10$$,
  'but exactly the 10 nearest of the tenant (exact scan until the next promotion)');

select results_eq($$select slug, chunks, flagged from private.promote_large_tenants()$$,
  $$values ('tenant-big', 400::bigint, 400::bigint)$$,
  'promotion (default limit: comptoir.exact_scan_max_chunks) puts the large tenant''s chunks in the index');
analyze public.documents;

-- The trap this guards against: left to itself, the planner does not choose the HNSW index.
select ok(
  pg_temp.plan(format(
    'select id from public.documents where company_id = %L and in_ann_index order by embedding operator(extensions.<=>) %L::extensions.vector limit 10',
    'tenant-big', :'q')) not like '%documents_embedding_idx%',
  'fixture: the plain tenant-filtered query is planned without the HNSW index (the trap is real here)');

create temporary table before as select * from pg_temp.scans();
create temporary table big_result as
  select * from public.match_documents('tenant-big', :'q', 10, -1);
create temporary table after_big as select * from pg_temp.scans();

select is((select count(*)::int from big_result), 10, 'the promoted large tenant gets 10 rows');
select is((select count(*)::int from big_result r join public.documents d using (id) where d.company_id <> 'tenant-big'), 0,
  'all of them its own');
select is((select a.hnsw - b.hnsw from after_big a, before b), 1::bigint,
  'the promoted large tenant''s search walks the HNSW index once');
-- The company index is looked up too, for the range of the tenant's chunks not flagged yet: in
-- this one transaction that range still holds the versions the promotion replaced (dead once it
-- commits, skipped after the first scan), so its count says nothing here.
select is((select a.unique_btree - b.unique_btree from after_big a, before b), 0::bigint,
  'and reads no entry of the tenant''s other btree (no index scan + sort over the tenant)');
select is((select a.seq - b.seq from after_big a, before b), 0::bigint,
  'and no sequential scan');

create temporary table small_result as
  select * from public.match_documents('tenant-small', :'q', 10, -1);
create temporary table after_small as select * from pg_temp.scans();
select is((select count(*)::int from small_result), 10, 'the small tenant gets 10 rows');
select is((select a.hnsw - b.hnsw from after_small a, after_big b), 0::bigint,
  'the small tenant''s search does not touch the HNSW index (exact scan)');
select results_eq(
  'select id from small_result',
  $$select d.id from public.documents d where d.company_id = 'tenant-small'
    order by d.embedding operator(extensions.<=>) (select embedding from public.documents where source = 's7'), d.id limit 10$$,
  'and returns exactly the 10 nearest of the tenant');

select is(
  (select count(*)::int from public.match_documents('tenant-big', :'q', 10, -1, p_filter => '{"none": 1}')), 0,
  'a filter nothing matches falls back to the exact scan and still returns only what matches');

select * from finish();
rollback;
