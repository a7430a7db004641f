-- Retrieval at every tenant size, and promotion beside ingestion (issue 21).
--
-- 1. Tenants searched exactly (up to 10,000 chunks, or larger ones not promoted yet) computed the
--    cosine distance of every chunk, reading one 6 KB heap row each: p95 24.6 ms at 8,000-13,000
--    chunks. Now each chunk also carries its embedding's sign bits (binary_quantize: 1536 bits,
--    192 bytes), kept in a covering index on the tenant's key: the exact path ranks the tenant by
--    Hamming distance from the index alone (an index-only scan, a few hundred bytes a chunk), then
--    re-ranks the nearest candidates (20 per row asked, at least 200) by their true cosine distance.
--    Recall@10 against the full exact scan is measured in `npm run bench -- retrieval`. A metadata
--    filter keeps the full exact scan (a filter can leave too few of the Hamming candidates).
-- 2. The full-text branch of hybrid search reads the (company_id, fts) GIN index for every tenant
--    (it did for promoted tenants): the exact path no longer reads every row of the tenant for it.
-- 3. Promotion no longer locks ingestion out. It took a tenant-wide advisory lock while flagging a
--    batch (tens of seconds) that every insert of the tenant waited for, and skipped a tenant
--    whose ingestion was in flight. Now inserts never take a lock for it: a chunk is flagged on
--    insert once its tenant is recorded in private.ann_tenants, the pg_cron job flags the rest in
--    batches of rows nobody holds (skip locked), and match_documents reads a promoted tenant's
--    chunks not flagged yet (written while it was being recorded) exactly, beside the HNSW index,
--    so a chunk is found whether or not the flag has reached it.

/**
 * The embedding's sign bits (pgvector's binary_quantize), for the exact path's first ranking.
 * NOTE: a stored generated column rewrites the table under an exclusive lock when it is added
 * (1 min 51 s for 100,000 chunks on the benchmark's machine): apply at a quiet hour.
 */
alter table public.documents
  add column embedding_bits bit(1536)
  generated always as (extensions.binary_quantize(embedding)::bit(1536)) stored;
comment on column public.documents.embedding_bits is
  'Sign bits of the embedding (binary_quantize), kept by Postgres: the first ranking of match_documents'' exact path.';

-- The tenant key, whether the chunk is in the HNSW index, the agent, and what the exact path
-- reads (id and the bits): the exact path is an index-only scan; the tenant's chunks outside the
-- HNSW index are one range of it. Replaces the (company_id, agent_owner) index it extends.
create index documents_company_bits_idx on public.documents (company_id, in_ann_index, agent_owner)
  include (id, embedding_bits);
drop index public.documents_company_id_agent_owner_idx;

/**
 * Sets in_ann_index on a chunk inserted into (or moved to) a promoted tenant, without a lock: a
 * chunk whose statement started before its tenant was recorded is flagged by the next
 * private.promote_large_tenants call, and match_documents reads it exactly until then.
 */
create or replace function private.documents_set_in_ann_index()
returns trigger
language plpgsql
-- definer: private.ann_tenants is private, and any role allowed to write documents must read it
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.company_id = old.company_id then
    return new;
  end if;
  new.in_ann_index := exists (
    select 1
    from public.companies c
    join private.ann_tenants a on a.company_id = c.id
    where c.slug = new.company_id
  );
  return new;
end;
$$;

/**
 * Promotes the companies with more chunks than p_min_chunks (default: the exact-scan limit,
 * comptoir.exact_scan_max_chunks or 10,000) to the HNSW index, in bounded work per call: a
 * company over the limit is recorded in private.ann_tenants (from then on its new chunks are
 * flagged on insert), then at most p_batch of its chunks are flagged in_ann_index per call, each
 * one an HNSW insert (about 4 ms). Rows another transaction holds (an ingestion rewriting them)
 * are skipped until a later call: the promotion never waits for ingestion, and ingestion never
 * waits for it except to rewrite one of the rows of the batch being flagged. When a call finds
 * none left, promoted_at is set and match_documents starts using the index (it reads any chunk
 * still unflagged exactly). Returns the companies worked on. pg_cron runs it every minute;
 * service role only. Never demotes (see private.ann_tenants).
 */
create or replace function private.promote_large_tenants(p_min_chunks bigint default null, p_batch integer default 5000)
returns table (company_id uuid, slug text, chunks bigint, flagged bigint, promoted boolean)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_min bigint := coalesce(
    p_min_chunks,
    nullif(pg_catalog.current_setting('comptoir.exact_scan_max_chunks', true), '')::bigint,
    10000);
  v_budget bigint := coalesce(p_batch, 5000);
  v_tenant record;
  v_left boolean;
begin
  if v_budget < 1 then
    raise exception 'promote_large_tenants: batch must be at least 1' using errcode = '22023';
  end if;

  insert into private.ann_tenants (company_id, chunks_at_promotion)
  select n.company_id, sum(n.chunks)::bigint
  from private.document_counts n
  where not exists (select 1 from private.ann_tenants a where a.company_id = n.company_id)
  group by n.company_id
  having sum(n.chunks) > v_min;

  for v_tenant in
    select a.company_id, c.slug, a.chunks_at_promotion
    from private.ann_tenants a
    join public.companies c on c.id = a.company_id
    where a.promoted_at is null
    order by a.started_at, a.company_id
  loop
    exit when v_budget = 0;
    -- Materialised: the batch is chosen (and locked) once, never re-read while being updated.
    with batch as materialized (
      select x.id from public.documents x
      where x.company_id = v_tenant.slug and not x.in_ann_index
      order by x.id
      limit v_budget
      for update skip locked
    )
    update public.documents d
    set in_ann_index = true
    from batch b
    where d.id = b.id;
    get diagnostics flagged = row_count;
    v_budget := v_budget - flagged;
    -- Promoted once none is left outside the index (rows skipped while locked are not "none").
    v_left := exists (
      select 1 from public.documents x where x.company_id = v_tenant.slug and not x.in_ann_index);
    promoted := not v_left;
    if promoted then
      update private.ann_tenants a set promoted_at = pg_catalog.now() where a.company_id = v_tenant.company_id;
    end if;
    company_id := v_tenant.company_id;
    slug := v_tenant.slug;
    chunks := v_tenant.chunks_at_promotion;
    return next;
  end loop;
end;
$$;

-- Nothing takes the tenant-wide promotion lock any more.
drop function private.ann_lock_key(text);

/**
 * The company's chunks nearest p_query_embedding (cosine), best first: all of them, or
 * p_agent's plus the 'shared' ones, and only those whose metadata contains p_filter.
 * Without p_query_text: ranked by similarity, score = similarity, p_match_threshold (cosine
 * similarity, default 0.2 as company_rag_configs) applies. With it: reciprocal-rank fusion
 * (k = 60) of the vector list (threshold applied) and the full-text list (websearch syntax,
 * comptoir_simple; no threshold); score = sum of 1 / (60 + rank); text_rank = ts_rank_cd.
 * p_company is the uuid or the slug; an authenticated caller must be a member (42501).
 * NOTE: tenants up to 10,000 candidate chunks (comptoir.exact_scan_max_chunks overrides), or not
 * promoted yet: ranked by Hamming distance of the sign bits, the best candidates re-ranked by
 * cosine (the full exact scan when p_filter is not empty); beyond, if promoted: the HNSW iterative
 * scan plus the tenant's chunks not flagged yet, exactly. See this migration's header.
 */
create or replace function public.match_documents(
  p_company text,
  p_query_embedding extensions.vector(1536),
  p_match_count integer default 10,
  p_match_threshold double precision default 0.2,
  p_agent text default null,
  p_query_text text default null,
  p_filter jsonb default '{}'
)
returns table (
  id bigint,
  content text,
  metadata jsonb,
  agent_owner text,
  tags text[],
  category text,
  title text,
  source text,
  similarity double precision,
  text_rank double precision,
  score double precision
)
language plpgsql
stable
security invoker
set search_path = ''
-- Pinned here so the per-statement changes below end with the function.
set enable_sort = on
set jit = off
set hnsw.iterative_scan = 'off'
as $$
declare
  c_rrf_k constant integer := 60;
  -- Full-text matches ranked at most (see below).
  c_text_candidates constant integer := 500;
  v_company uuid;
  v_slug text;
  v_filter jsonb := coalesce(p_filter, '{}');
  v_max_distance double precision := 1 - coalesce(p_match_threshold, -1);
  v_text text := nullif(btrim(coalesce(p_query_text, '')), '');
  v_pool integer;
  v_rerank integer;
  v_bits bit(1536);
  v_candidates bigint;
  v_ann boolean;
  v_exact_max bigint := coalesce(nullif(pg_catalog.current_setting('comptoir.exact_scan_max_chunks', true), '')::bigint, 10000);
  v_ids bigint[];
  v_found integer := 0;
  v_tsquery tsquery;
  v_tsquery_all tsquery;
  v_text_ids bigint[];
  v_text_ranks double precision[];
begin
  if p_company is null or btrim(p_company) = '' then
    raise exception 'company must not be empty' using errcode = '22023';
  end if;
  if p_query_embedding is null then
    raise exception 'match_documents: query embedding must not be null' using errcode = '22023';
  end if;
  if p_match_count is null or p_match_count not between 1 and 1000 then
    raise exception 'match_documents: match count must be between 1 and 1000' using errcode = '22023';
  end if;
  if p_match_threshold is not null and p_match_threshold not between -1 and 1 then
    raise exception 'match_documents: match threshold must be between -1 and 1' using errcode = '22023';
  end if;
  if p_agent is not null and btrim(p_agent) = '' then
    raise exception 'match_documents: agent must not be empty' using errcode = '22023';
  end if;
  if jsonb_typeof(v_filter) <> 'object' then
    raise exception 'match_documents: filter must be a json object' using errcode = '22023';
  end if;

  -- Resolved through companies, whose policy shows an authenticated caller only its own.
  if p_company ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select c.id, c.slug into v_company, v_slug from public.companies c where c.id = p_company::uuid;
  else
    select c.id, c.slug into v_company, v_slug from public.companies c where c.slug = p_company;
  end if;
  if (current_user in ('authenticated', 'anon') or (select auth.role()) in ('authenticated', 'anon'))
     and (v_company is null or not private.is_member(v_company)) then
    raise exception 'match_documents: not a member of company %', p_company using errcode = '42501';
  end if;
  if v_company is null then
    raise exception 'unknown company: %', p_company using errcode = 'P0002';
  end if;

  -- Hybrid search fuses two longer lists; plain search needs exactly p_match_count.
  v_pool := case when v_text is null then p_match_count else least(greatest(p_match_count * 2, 20), 1000) end;

  select coalesce(sum(n.chunks), 0) into v_candidates
  from private.document_counts n
  where n.company_id = v_company
    and (p_agent is null or n.agent_owner in (p_agent, 'shared'));
  v_ann := v_candidates > v_exact_max
    and exists (select 1 from private.ann_tenants a where a.company_id = v_company and a.promoted_at is not null);

  if v_ann then
    -- Large promoted tenant: HNSW iterative scan, filtered as it walks; sorts disabled for this
    -- one statement so the planner cannot prefer a btree/bitmap scan + sort over the whole
    -- tenant. `in_ann_index` is the partial index's predicate. Beside it, the tenant's chunks
    -- not flagged yet (written while it was being recorded; normally none), exactly, through
    -- the (company_id, in_ann_index) range of documents_company_bits_idx.
    perform pg_catalog.set_config('hnsw.iterative_scan', 'relaxed_order', true);
    -- 200: at 100 a few queries per hundred land in a region the graph reaches badly (recall
    -- 0.93 over the promoted tenants in npm run bench); 200 costs about a millisecond.
    perform pg_catalog.set_config('hnsw.ef_search', greatest(v_pool, 200)::text, true);
    perform pg_catalog.set_config('enable_sort', 'off', true);
    with nearest as materialized (
      select d.id, d.embedding operator(extensions.<=>) p_query_embedding as distance
      from public.documents d
      where d.company_id = v_slug
        and d.in_ann_index
        and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
        and d.metadata @> v_filter
      order by d.embedding operator(extensions.<=>) p_query_embedding
      limit v_pool
    ),
    unflagged as materialized (
      select d.id, d.embedding operator(extensions.<=>) p_query_embedding as distance
      from public.documents d
      where d.company_id = v_slug
        and not d.in_ann_index
        and d.embedding is not null
        and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
        and d.metadata @> v_filter
    )
    select
      (select pg_catalog.array_agg(b.id order by b.distance)
       from (
         select u.id, u.distance from (table nearest union all table unflagged) u
         order by u.distance limit v_pool
       ) b
       where b.distance <= v_max_distance),
      (select count(*) from nearest) + (select count(*) from unflagged)
    into v_ids, v_found;
    perform pg_catalog.set_config('enable_sort', 'on', true);
  elsif v_filter = '{}'::jsonb then
    -- Small or unpromoted tenant, no metadata filter: the tenant ranked by the Hamming distance
    -- of the sign bits, from the covering index alone, then the best v_rerank of them by cosine.
    v_bits := extensions.binary_quantize(p_query_embedding)::bit(1536);
    v_rerank := least(greatest(v_pool * 20, 200), 5000);
    with coarse as materialized (
      select d.id
      from public.documents d
      where d.company_id = v_slug
        and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
        and d.embedding_bits is not null
      order by d.embedding_bits operator(extensions.<~>) v_bits
      limit v_rerank
    ),
    reranked as (
      select d.id, d.embedding operator(extensions.<=>) p_query_embedding as distance
      from coarse c
      join public.documents d on d.id = c.id
      order by 2
      limit v_pool
    )
    select pg_catalog.array_agg(r.id order by r.distance)
    into v_ids
    from reranked r
    where r.distance <= v_max_distance;
  end if;

  if (not v_ann and v_filter <> '{}'::jsonb) or (v_ann and v_found < v_pool and v_found < v_candidates) then
    -- A metadata filter on a tenant searched exactly, or a promoted tenant's index scan that came
    -- back short (a very selective filter): every candidate's distance, exactly. Materialised
    -- without ORDER BY so that the HNSW index, which would filter after the fact, is not used.
    with scored as materialized (
      select d.id, d.embedding operator(extensions.<=>) p_query_embedding as distance
      from public.documents d
      where d.company_id = v_slug
        and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
        and d.metadata @> v_filter
        and d.embedding is not null
    )
    select pg_catalog.array_agg(s.id order by s.distance)
    into v_ids
    from (select s.id, s.distance from scored s order by s.distance limit v_pool) s
    where s.distance <= v_max_distance;
  end if;

  if v_text is not null then
    v_tsquery := pg_catalog.websearch_to_tsquery('public.comptoir_simple'::regconfig, v_text);
    -- A plain OR of two or more words ('a' | 'b' | ...): the same words ANDed, for the first tier.
    if v_tsquery::text ~ '^''[^'']+''( \| ''[^'']+'')+$' then
      v_tsquery_all := pg_catalog.replace(v_tsquery::text, ' | ', ' & ')::tsquery;
    end if;
  end if;

  -- The full-text branch, every tenant, through the (company_id, fts) GIN index: the company key
  -- is matched inside the index, so other tenants' matches are never visited in the heap. It is
  -- bounded: a common word ORed into the question matches most of a large tenant, and ranking
  -- every match costs ~10 us each. So at most c_text_candidates (or v_pool) matches are ranked
  -- (ts_rank_cd): first those with every word (v_tsquery_all, for a plain OR of words as
  -- retrieve.ts sends), then any others. Exact below that many matches.
  if v_tsquery is not null then
    with text_candidates as (
      select u.id, min(u.tier) as tier, min(u.text_rank) as text_rank
      from (
        (select d.id, 1 as tier, pg_catalog.ts_rank_cd(d.fts, v_tsquery)::double precision as text_rank
         from public.documents d
         where v_tsquery_all is not null
           and d.company_id = v_slug
           and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
           and d.metadata @> v_filter
           and d.fts @@ v_tsquery_all
         limit greatest(c_text_candidates, v_pool))
        union all
        (select d.id, 2, pg_catalog.ts_rank_cd(d.fts, v_tsquery)::double precision
         from public.documents d
         where d.company_id = v_slug
           and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
           and d.metadata @> v_filter
           and d.fts @@ v_tsquery
         limit greatest(c_text_candidates, v_pool))
      ) u
      group by u.id
      order by 2, u.id
      limit greatest(c_text_candidates, v_pool)
    ),
    text_top as (
      select c.id, c.text_rank from text_candidates c order by c.text_rank desc, c.id limit v_pool
    )
    select pg_catalog.array_agg(t.id order by t.text_rank desc, t.id),
      pg_catalog.array_agg(t.text_rank order by t.text_rank desc, t.id)
    into v_text_ids, v_text_ranks
    from text_top t;
  end if;

  if v_text is null then
    return query
    select d.id, d.content, d.metadata, d.agent_owner, d.tags, d.category, d.title, d.source,
      1 - (d.embedding operator(extensions.<=>) p_query_embedding),
      null::double precision,
      1 - (d.embedding operator(extensions.<=>) p_query_embedding)
    from unnest(coalesce(v_ids, '{}')) with ordinality as v (id, rank)
    join public.documents d on d.id = v.id and d.company_id = v_slug
    order by v.rank;
    return;
  end if;

  return query
  with vector_list as (
    select v.id, v.rank
    from unnest(coalesce(v_ids, '{}')) with ordinality as v (id, rank)
  ),
  text_list as (
    select t.id, t.text_rank, t.rank
    from unnest(coalesce(v_text_ids, '{}'), coalesce(v_text_ranks, '{}')) with ordinality as t (id, text_rank, rank)
  ),
  fused as (
    select coalesce(v.id, t.id) as id, t.text_rank,
      coalesce(1.0 / (c_rrf_k + v.rank), 0) + coalesce(1.0 / (c_rrf_k + t.rank), 0) as score
    from vector_list v
    full join text_list t on t.id = v.id
  )
  select d.id, d.content, d.metadata, d.agent_owner, d.tags, d.category, d.title, d.source,
    1 - (d.embedding operator(extensions.<=>) p_query_embedding),
    f.text_rank,
    f.score::double precision
  from fused f
  join public.documents d on d.id = f.id and d.company_id = v_slug
  order by f.score desc, d.id
  limit p_match_count;
end;
$$;
