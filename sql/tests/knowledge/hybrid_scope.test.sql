-- Hybrid search is scoped to the tenant. Its full-text branch reads the (company_id, fts) GIN
-- index (btree_gin), whose company key keeps other tenants' matches out, for every tenant, and
-- ranks exactly what a fusion over every match does (reciprocal-rank fusion, k = 60, of the
-- vector and full-text lists) below 500 matches, before and after the tenant is promoted.
begin;
select plan(11);

select tests.create_user('owner@tenant-small.test') as owner_small \gset
select tests.create_company('tenant-small', :'owner_small') as company_small \gset
select tests.create_company('tenant-other', tests.create_user('owner@tenant-other.test')) as company_other \gset

-- 200 chunks of the small tenant among 2,000 of another, sharing the same common words.
select setseed(0.17);
insert into public.documents (company_id, source, content, embedding, agent_owner)
select case when i <= 200 then 'tenant-small' else 'tenant-other' end,
  's' || i,
  'Chunk ' || i || ' '
    || (array['kajabi', 'tunnel', 'instagram', 'webinar', 'livraison'])[1 + i % 5] || ' '
    || (array['offre', 'newsletter', 'reels'])[1 + i % 3],
  (select array_agg(random() - 0.3)::float8[] from generate_series(1, 1536) where i > 0)::extensions.vector,
  (array['shared', 'audrey', 'carole'])[1 + i % 3]
from generate_series(1, 2200) i;
analyze public.documents;
select embedding::text as q from public.documents where source = 's7' \gset

/**
 * The fusion as the GIN-based branch computed it, written plainly: the p_pool nearest chunks
 * (threshold applied) and the p_pool best full-text matches (ts_rank_cd, then id), each ranked,
 * fused with k = 60. Exact for fewer than 500 matches, as in this fixture.
 */
create function pg_temp.expected(p_company text, p_q extensions.vector, p_count int, p_threshold float8,
  p_agent text, p_text text)
returns table (id bigint, text_rank float8, score float8)
language sql
as $$
  with params as (
    select greatest(p_count * 2, 20) as pool,
      websearch_to_tsquery('public.comptoir_simple', p_text) as tq
  ),
  mine as (
    select d.* from public.documents d
    where d.company_id = p_company and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
  ),
  vector_list as (
    select x.id, row_number() over (order by x.distance, x.id) as rank
    from (select m.id, m.embedding operator(extensions.<=>) p_q as distance
          from mine m order by 2, 1 limit (select pool from params)) x
    where x.distance <= 1 - p_threshold
  ),
  text_list as (
    select x.id, x.text_rank, row_number() over (order by x.text_rank desc, x.id) as rank
    from (select m.id, ts_rank_cd(m.fts, p.tq)::float8 as text_rank
          from mine m, params p where m.fts @@ p.tq
          order by 2 desc, 1 limit (select pool from params)) x
  )
  select coalesce(v.id, t.id), t.text_rank,
    (coalesce(1.0 / (60 + v.rank), 0) + coalesce(1.0 / (60 + t.rank), 0))::float8 as score
  from vector_list v full join text_list t on t.id = v.id
  order by 3 desc, 1
  limit p_count
$$;

create function pg_temp.fts_scans()
returns bigint
language sql
as $$ select pg_stat_get_xact_numscans('public.documents_company_id_fts_idx'::regclass) $$;

grant execute on function pg_temp.expected(text, extensions.vector, int, float8, text, text), pg_temp.fts_scans()
  to service_role;
select tests.act_as_service_role();

create temporary table or_result as
  select * from public.match_documents('tenant-small', :'q', 10, -1, null, 'kajabi or tunnel or offre or reels');

select is((select count(*)::int from or_result), 10, 'a small tenant''s hybrid OR query gets 10 rows');
select ok((select count(*) from or_result where text_rank is not null) > 0,
  'full-text matches among them');
select results_eq(
  'select id, round(text_rank::numeric, 6), round(score::numeric, 9) from or_result',
  format($$select id, round(text_rank::numeric, 6), round(score::numeric, 9)
           from pg_temp.expected('tenant-small', %L, 10, -1, null, 'kajabi or tunnel or offre or reels')$$, :'q'),
  'and the same rows, text ranks and fused scores as the fusion over every match');
select ok((select bool_and(d.company_id = 'tenant-small') from or_result r join public.documents d using (id)),
  'only the tenant''s own chunks');

select results_eq(
  format($$select id, round(score::numeric, 9)
           from public.match_documents('tenant-small', %L, 5, 0.1, 'audrey', 'kajabi offre')$$, :'q'),
  format($$select id, round(score::numeric, 9)
           from pg_temp.expected('tenant-small', %L, 5, 0.1, 'audrey', 'kajabi offre')$$, :'q'),
  'an AND query with an agent and a threshold fuses the same rows as well');
select is(
  (select count(*)::int from public.match_documents('tenant-small', :'q', 5, 0.1, 'audrey', 'kajabi offre') r
   join public.documents d using (id) where d.agent_owner not in ('audrey', 'shared')), 0,
  'only the agent''s chunks and the shared ones');

select is(
  (select count(*)::int from public.match_documents('tenant-small', :'q', 10, -1, null, 'introuvable')
   where text_rank is not null),
  0, 'a word no chunk has leaves only the vector list');

-- Tenants above 100 chunks count as large here (10,000 in production). The HNSW index is rebuilt
-- after the promotion (its own definition, rolled back with the rest): faster than 2,200 inserts.
reset role;
set local comptoir.exact_scan_max_chunks = 100;
select indexdef as hnsw_def from pg_indexes where schemaname = 'public' and indexname = 'documents_embedding_idx' \gset
drop index public.documents_embedding_idx;
select count(*) from private.promote_large_tenants();
select tests.affected_rows(:'hnsw_def');
analyze public.documents;

grant execute on function pg_temp.fts_scans() to authenticated;
select tests.act_as(:'owner_small');
create temporary table promoted_result as
  select * from public.match_documents('tenant-small', :'q', 10, -1, null, 'kajabi or tunnel or offre or reels');

select is((select count(*)::int from promoted_result), 10,
  'a promoted tenant''s owner gets 10 rows from a hybrid OR query');
select is((select count(*)::int from promoted_result r join public.documents d using (id) where d.company_id = 'tenant-small'), 10,
  'all of them the tenant''s own');
-- Whether match_documents picks the GIN or the tenant btree here depends on a 200-chunk tenant's
-- statistics; what must hold is that a member's query can read the GIN at all (btree_gin's
-- operator class needs no EXECUTE grant): a full-text-only predicate that nothing else serves
-- (the tenant btrees, which the policy's company condition could use, are dropped for this check).
reset role;
drop index public.documents_company_bits_idx;
alter table public.documents drop constraint documents_company_id_source_chunk_index_key;
select tests.act_as(:'owner_small');
set local enable_seqscan = off;
select pg_temp.fts_scans() as before_direct \gset
select count(*) as direct_matches from public.documents
  where fts @@ websearch_to_tsquery('public.comptoir_simple', 'kajabi or tunnel') \gset
select ok(pg_temp.fts_scans() - :before_direct::bigint > 0 and :direct_matches > 0,
  'a member''s full-text search reads the (company_id, fts) GIN index, btree_gin''s operator class included');
reset enable_seqscan;
select ok((select count(*) from promoted_result where text_rank is not null) > 0,
  'and the full-text matches take part in the fusion');

select * from finish();
rollback;
