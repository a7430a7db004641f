-- Knowledge base: each company's document chunks with their embeddings and a language-neutral
-- full-text vector, per-agent hybrid search (vector + full text, reciprocal-rank fusion),
-- keyword tagging of agents, and the idempotent upsert the `ingest` function uses.
--
-- Search design. Tenants range from a few hundred chunks to a fifth of the table, and one plan
-- cannot serve both: an HNSW scan filtered on a small tenant finds too few rows, while a
-- btree/bitmap scan + sort over a large tenant reads and sorts tens of thousands of 6 KB
-- vectors (hundreds of ms). So a per-company, per-agent chunk count kept by triggers
-- (private.document_counts) decides inside match_documents: up to 10,000 candidate chunks,
-- an exact scan through the company btree (recall 1.0); beyond, the HNSW index with pgvector
-- 0.8's iterative scan (relaxed order, re-sorted), the planner steered onto it by disabling
-- sorts for that one statement, and an exact scan as fallback whenever the index scan comes
-- back short (a very selective metadata filter). Per-tenant partial HNSW indexes or list
-- partitions would need DDL whenever a tenant grows; this needs none.
--
-- The HNSW index is partial (where in_ann_index): only tenants that can use it pay for its
-- upkeep, which is most of the cost of an insert (about 85 % of ingestion time with a full
-- index). A tenant is promoted once its chunks exceed the exact-scan limit, by
-- private.promote_large_tenants (pg_cron, every minute), which flags its rows; its later
-- chunks are flagged on insert. Until then match_documents serves it exactly (slower, correct).
--
-- Hybrid search: on the exact path the full-text branch is computed in the same pass over the
-- tenant's rows (cost follows the tenant, not the posting lists of common words across every
-- tenant). Promoted tenants read a (company_id, fts) GIN index (btree_gin): the company key is
-- matched inside the index, so other tenants' matches are never visited in the heap. Nothing
-- reads a whole-table GIN on fts, so there is none (its upkeep on every insert saved).

-- btree_gin: GIN operator classes for scalar types, here text (company_id). Its support
-- functions are called by the index itself, without an EXECUTE check, so the platform's
-- default revoke does not affect members searching.
create extension if not exists btree_gin with schema extensions;

/** Drops accents before indexing, so `creation` finds `création` (French and English text). */
create text search dictionary private.comptoir_unaccent (template = extensions.unaccent, rules = 'unaccent');

/** Language-neutral full-text configuration: `simple` (no stemming, no stop words) + unaccent. */
create text search configuration public.comptoir_simple (copy = pg_catalog.simple);
alter text search configuration public.comptoir_simple
  alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
  with private.comptoir_unaccent, pg_catalog.simple;

/**
 * One chunk of a company's document. A document is identified by (company_id, source); its
 * chunks by chunk_index. content_hash (sha256 hex, kept by trigger) makes ingestion idempotent.
 * agent_owner is 'shared' or the slug of the one agent the chunk belongs to.
 */
create table public.documents (
  id bigint generated always as identity primary key,
  company_id text not null references public.companies (slug) on update cascade on delete cascade,
  source text not null constraint documents_source_not_blank check (btrim(source) <> ''),
  chunk_index integer not null default 0 constraint documents_chunk_index_non_negative check (chunk_index >= 0),
  title text,
  content text not null constraint documents_content_not_blank check (btrim(content) <> ''),
  content_hash text not null default '',
  metadata jsonb not null default '{}'
    constraint documents_metadata_object check (jsonb_typeof(metadata) = 'object'),
  embedding extensions.vector(1536),
  embedding_model text,
  agent_owner text not null default 'shared'
    constraint documents_agent_owner_format check (agent_owner ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  tags text[] not null default '{}',
  category text,
  priority integer not null default 0,
  fts tsvector generated always as (
    to_tsvector('public.comptoir_simple'::regconfig, coalesce(title, '') || ' ' || content)
  ) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- In the HNSW index: set for every chunk of a promoted tenant (private.ann_tenants), by
  -- private.promote_large_tenants and then on insert; never by the caller.
  in_ann_index boolean not null default false,
  constraint documents_company_id_source_chunk_index_key unique (company_id, source, chunk_index)
);
-- Vectors inline (a 1536-dim vector is 6 KB, over the 2 KB TOAST threshold): the exact scan then
-- reads one heap page per chunk instead of a TOAST index lookup and four TOAST chunks (2-3x faster).
alter table public.documents alter column embedding set storage main;
-- The rest of a chunk (content, fts, metadata: 1-3 KB) inline too, whenever the row fits in a
-- page (a row is already one page, so it costs no space): otherwise the 2 KB default target
-- moves them to TOAST, and every metadata filter, ts_rank_cd and result row reads 3-4 TOAST
-- chunks through the TOAST index (7 buffers a row instead of 1 in the full-text branch).
alter table public.documents set (toast_tuple_target = 8160);
-- The exact-scan path and the policy filter on (company_id, agent_owner).
create index documents_company_id_agent_owner_idx on public.documents (company_id, agent_owner);
create index documents_embedding_idx on public.documents
  using hnsw (embedding extensions.vector_cosine_ops) where in_ann_index;
-- The promoted tenants' full-text branch (match_documents): one tenant's matches, nobody else's.
create index documents_company_id_fts_idx on public.documents
  using gin (company_id extensions.text_ops, fts);

/** Keeps content_hash equal to the sha256 (hex) of the content's UTF-8 bytes. */
create function private.documents_set_content_hash()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.content_hash := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(new.content, 'UTF8')), 'hex');
  return new;
end;
$$;

create trigger documents_set_content_hash
  before insert or update of content on public.documents
  for each row execute function private.documents_set_content_hash();
-- Every column but the index bookkeeping: promoting a tenant does not change its documents.
create trigger documents_touch_updated_at
  before update of company_id, source, chunk_index, title, content, metadata, embedding, embedding_model,
    agent_owner, tags, category, priority
  on public.documents
  for each row execute function private.touch_updated_at();

/**
 * Chunks per company and agent_owner, kept by statement triggers on documents; match_documents
 * reads it to choose between an exact scan and the HNSW index. Keyed by the company's uuid,
 * which a slug rename does not change.
 */
create table private.document_counts (
  company_id uuid not null references public.companies (id) on delete cascade,
  agent_owner text not null,
  chunks bigint not null default 0,
  primary key (company_id, agent_owner)
);
alter table private.document_counts enable row level security;
-- match_documents runs as its caller, so members read their own company's counts.
grant select on private.document_counts to authenticated, service_role;
create policy document_counts_select_member on private.document_counts
  for select to authenticated
  using (private.is_member(company_id));

/** Adds the inserted chunks to private.document_counts (statement trigger, transition table). */
create function private.documents_count_insert()
returns trigger
language plpgsql
-- definer: the counts are private, and any role allowed to write documents must keep them
security definer
set search_path = ''
as $$
begin
  insert into private.document_counts as n (company_id, agent_owner, chunks)
  select c.id, r.agent_owner, count(*)
  from new_rows r
  join public.companies c on c.slug = r.company_id
  group by c.id, r.agent_owner
  on conflict (company_id, agent_owner) do update set chunks = n.chunks + excluded.chunks;
  return null;
end;
$$;

/** Subtracts the deleted chunks (a company's own deletion cascades to its counts instead). */
create function private.documents_count_delete()
returns trigger
language plpgsql
-- definer: the counts are private, and any role allowed to write documents must keep them
security definer
set search_path = ''
as $$
begin
  update private.document_counts n
  set chunks = n.chunks - d.chunks
  from (
    select c.id, r.agent_owner, count(*) as chunks
    from old_rows r
    join public.companies c on c.slug = r.company_id
    group by c.id, r.agent_owner
  ) d
  where n.company_id = d.id and n.agent_owner = d.agent_owner;
  return null;
end;
$$;

/**
 * Moves counts when chunks change agent (tagging) or company. A slug rename cascades here too:
 * the old slug no longer resolves, so the old side takes the new slug's company (no change).
 */
create function private.documents_count_update()
returns trigger
language plpgsql
-- definer: the counts are private, and any role allowed to write documents must keep them
security definer
set search_path = ''
-- The planner joins the transition tables (6 KB rows) by nested loop: quadratic, 5 s for 1,500
-- rows, 77 s to promote 5,000; a hash join makes it linear.
set enable_nestloop = off
as $$
begin
  with moved as (
    select
      coalesce(oc.id, nc.id) as old_company, o.agent_owner as old_agent,
      nc.id as new_company, n.agent_owner as new_agent
    from old_rows o
    join new_rows n on n.id = o.id
    left join public.companies oc on oc.slug = o.company_id
    left join public.companies nc on nc.slug = n.company_id
    where o.company_id is distinct from n.company_id or o.agent_owner is distinct from n.agent_owner
  ),
  delta as (
    select m.old_company as company_id, m.old_agent as agent_owner, -count(*) as chunks
    from moved m group by 1, 2
    union all
    select m.new_company, m.new_agent, count(*)
    from moved m group by 1, 2
  )
  insert into private.document_counts as c (company_id, agent_owner, chunks)
  select d.company_id, d.agent_owner, sum(d.chunks)
  from delta d
  where d.company_id is not null
  group by 1, 2
  having sum(d.chunks) <> 0
  on conflict (company_id, agent_owner) do update set chunks = c.chunks + excluded.chunks;
  return null;
end;
$$;

/** TRUNCATE skips row triggers: the counts start again from nothing. */
create function private.documents_count_truncate()
returns trigger
language plpgsql
-- definer: the counts are private, and any role allowed to write documents must keep them
security definer
set search_path = ''
as $$
begin
  delete from private.document_counts;
  return null;
end;
$$;

create trigger documents_count_insert
  after insert on public.documents
  referencing new table as new_rows
  for each statement execute function private.documents_count_insert();
create trigger documents_count_delete
  after delete on public.documents
  referencing old table as old_rows
  for each statement execute function private.documents_count_delete();
create trigger documents_count_update
  after update on public.documents
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.documents_count_update();
create trigger documents_count_truncate
  after truncate on public.documents
  for each statement execute function private.documents_count_truncate();

/**
 * Companies whose chunks go into the HNSW index (in_ann_index), at what size and since when.
 * A row with promoted_at null is a promotion in progress: its chunks are being flagged in
 * batches (new ones on insert already), and match_documents keeps scanning it exactly until
 * promoted_at is set. Written by private.promote_large_tenants only. No demotion: a tenant
 * that shrinks back keeps its chunks indexed (an upkeep cost, never a wrong answer:
 * match_documents still scans it exactly below the limit), so a promotion is never undone.
 */
create table private.ann_tenants (
  company_id uuid primary key references public.companies (id) on delete cascade,
  chunks_at_promotion bigint not null,
  started_at timestamptz not null default now(),
  promoted_at timestamptz
);
alter table private.ann_tenants enable row level security;
-- match_documents runs as its caller, so members see whether their own company is promoted.
grant select on private.ann_tenants to authenticated, service_role;
grant insert, update (promoted_at) on private.ann_tenants to service_role;
create policy ann_tenants_select_member on private.ann_tenants
  for select to authenticated
  using (private.is_member(company_id));

/**
 * The transaction-scoped advisory lock key that serialises a tenant's promotion with inserts of
 * its chunks (by slug, as documents.company_id).
 */
create function private.ann_lock_key(p_slug text)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.hashtextextended('comptoir.ann_tenants:' || p_slug, 0)
$$;

/**
 * Sets in_ann_index on a chunk inserted into (or moved to) a promoted tenant. The shared
 * advisory lock makes it wait for a promotion in progress, so no chunk committed after a
 * promotion is left out of the index.
 */
create function private.documents_set_in_ann_index()
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
  perform pg_catalog.pg_advisory_xact_lock_shared(private.ann_lock_key(new.company_id));
  -- A new statement, hence a new snapshot: a promotion that held the lock is visible now.
  new.in_ann_index := exists (
    select 1
    from public.companies c
    join private.ann_tenants a on a.company_id = c.id
    where c.slug = new.company_id
  );
  return new;
end;
$$;

create trigger documents_set_in_ann_index
  before insert or update of company_id on public.documents
  for each row execute function private.documents_set_in_ann_index();

alter table public.documents enable row level security;
-- Read-only to members: writes go through the service role (the `ingest` function checks admins).
revoke all on public.documents from anon, authenticated, service_role;
grant select on public.documents to authenticated;
grant select, insert, update, delete on public.documents to service_role;

-- The member's companies are listed once per query (an uncorrelated init plan), not per row.
create policy documents_select_member on public.documents
  for select to authenticated
  using (company_id = any (array(
    select c.slug
    from public.companies c
    join public.company_members m on m.company_id = c.id
    where m.user_id = (select auth.uid())
  )));

/**
 * The company's chunks nearest p_query_embedding (cosine), best first: all of them, or
 * p_agent's plus the 'shared' ones, and only those whose metadata contains p_filter.
 * Without p_query_text: ranked by similarity, score = similarity, p_match_threshold (cosine
 * similarity, default 0.2 as company_rag_configs) applies. With it: reciprocal-rank fusion
 * (k = 60) of the vector list (threshold applied) and the full-text list (websearch syntax,
 * comptoir_simple; no threshold); score = sum of 1 / (60 + rank); text_rank = ts_rank_cd.
 * p_company is the uuid or the slug; an authenticated caller must be a member (42501).
 * NOTE: exact scan up to 10,000 candidate chunks (comptoir.exact_scan_max_chunks overrides),
 * HNSW iterative scan beyond if the tenant is promoted (private.ann_tenants), exact until then;
 * see the migration's header.
 */
create function public.match_documents(
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
    -- tenant. `in_ann_index` is the partial index's predicate (true for all the tenant's rows).
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
    )
    select pg_catalog.array_agg(n.id order by n.distance) filter (where n.distance <= v_max_distance),
           count(*)
    into v_ids, v_found
    from nearest n;
    perform pg_catalog.set_config('enable_sort', 'on', true);
  end if;

  if v_text is not null then
    v_tsquery := pg_catalog.websearch_to_tsquery('public.comptoir_simple'::regconfig, v_text);
    -- A plain OR of two or more words ('a' | 'b' | ...): the same words ANDed, for the first tier.
    if v_tsquery::text ~ '^''[^'']+''( \| ''[^'']+'')+$' then
      v_tsquery_all := pg_catalog.replace(v_tsquery::text, ' | ', ' & ')::tsquery;
    end if;
  end if;

  -- The full-text branch is bounded: a common word ORed into the question matches most of a
  -- large tenant, and ranking every match costs ~10 us each (140-230 ms for 14,000). So at most
  -- c_text_candidates (or v_pool) matches are ranked (ts_rank_cd): first those with every word
  -- (v_tsquery_all, for a plain OR of words as retrieve.ts sends), then any others, each tier in
  -- storage order (the GIN bitmap's; the exact path orders by ctid to pick the same rows).
  -- Exact below that many matches.
  if not v_ann then
    -- Small or unpromoted tenant: every candidate's distance, exactly, and (hybrid) its
    -- full-text tier, in one pass over the tenant's rows through the company btree. The cost
    -- follows the tenant's size: the whole-table GIN index, whose posting lists for common
    -- words span every tenant (67,000 entries for four words), is not read. Materialised
    -- without ORDER BY so that the HNSW index, which would filter after the fact, is not used.
    with scored as materialized (
      select d.id, d.ctid, d.embedding operator(extensions.<=>) p_query_embedding as distance,
        case
          when v_tsquery is null then null
          when v_tsquery_all is not null and d.fts @@ v_tsquery_all then 1
          when d.fts @@ v_tsquery then 2
        end as tier
      from public.documents d
      where d.company_id = v_slug
        and (p_agent is null or d.agent_owner in (p_agent, 'shared'))
        and d.metadata @> v_filter
    ),
    nearest as (
      select s.id, s.distance from scored s where s.distance is not null order by s.distance limit v_pool
    ),
    matched as (
      select s.id from scored s where s.tier is not null order by s.tier, s.ctid
      limit greatest(c_text_candidates, v_pool)
    ),
    ranked as (
      select m.id, pg_catalog.ts_rank_cd(d.fts, v_tsquery)::double precision as text_rank
      from matched m
      join public.documents d on d.id = m.id
    ),
    text_top as (
      select r.id, r.text_rank from ranked r order by r.text_rank desc, r.id limit v_pool
    )
    select
      (select pg_catalog.array_agg(n.id order by n.distance) from nearest n where n.distance <= v_max_distance),
      (select pg_catalog.array_agg(t.id order by t.text_rank desc, t.id) from text_top t),
      (select pg_catalog.array_agg(t.text_rank order by t.text_rank desc, t.id) from text_top t)
    into v_ids, v_text_ids, v_text_ranks;
  else
    if v_found < v_pool and v_found < v_candidates then
      -- A short index scan (a very selective metadata filter): every candidate's distance, exactly.
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
    if v_tsquery is not null then
      -- Large promoted tenant: the matches through the (company_id, fts) GIN index.
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
grant execute on function public.match_documents(text, extensions.vector, integer, double precision, text, text, jsonb)
  to authenticated, service_role;

/**
 * The chunks of a company's agent `audrey` and the shared ones: the name the older frontends
 * call for the demo agency's automation expert (match_documents with p_agent => 'audrey').
 */
create function public.match_documents_audrey(
  p_company text,
  p_query_embedding extensions.vector(1536),
  p_match_count integer default 10,
  p_match_threshold double precision default 0.2,
  p_query_text text default null,
  p_filter jsonb default '{}'
)
returns table (
  id bigint, content text, metadata jsonb, agent_owner text, tags text[], category text,
  title text, source text, similarity double precision, text_rank double precision, score double precision
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from public.match_documents(
    p_company, p_query_embedding, p_match_count, p_match_threshold, 'audrey', p_query_text, p_filter)
$$;
grant execute on function public.match_documents_audrey(text, extensions.vector, integer, double precision, text, jsonb)
  to authenticated, service_role;

/** The chunks of a company's agent `carole` and the shared ones; as match_documents_audrey. */
create function public.match_documents_carole(
  p_company text,
  p_query_embedding extensions.vector(1536),
  p_match_count integer default 10,
  p_match_threshold double precision default 0.2,
  p_query_text text default null,
  p_filter jsonb default '{}'
)
returns table (
  id bigint, content text, metadata jsonb, agent_owner text, tags text[], category text,
  title text, source text, similarity double precision, text_rank double precision, score double precision
)
language sql
stable
security invoker
set search_path = ''
as $$
  select * from public.match_documents(
    p_company, p_query_embedding, p_match_count, p_match_threshold, 'carole', p_query_text, p_filter)
$$;
grant execute on function public.match_documents_carole(text, extensions.vector, integer, double precision, text, jsonb)
  to authenticated, service_role;

/**
 * Gives `agent` every chunk that has no agent of its own ('shared') and whose content matches
 * any of `patterns` (ILIKE; a pattern without % is wrapped as %pattern%), in p_company only or
 * in every company (service role only). Returns how many chunks it tagged. Company admins may
 * tag their own company; anyone else gets 42501. Parameter names are the older backend's.
 */
create function public.tag_documents_by_keywords(agent text, patterns text[], p_company text default null)
returns integer
language plpgsql
volatile
-- definer: members have no write access to documents; admins tag through this checked path
security definer
set search_path = ''
as $$
declare
  v_company uuid;
  v_slug text;
  v_patterns text[];
  v_count integer;
begin
  if tag_documents_by_keywords.agent is null
     or tag_documents_by_keywords.agent !~ '^[a-z0-9]+(-[a-z0-9]+)*$'
     or tag_documents_by_keywords.agent = 'shared' then
    raise exception 'tag_documents_by_keywords: invalid agent %', tag_documents_by_keywords.agent
      using errcode = '22023';
  end if;
  if p_company is not null then
    v_company := private.resolve_company(p_company);
    select c.slug into v_slug from public.companies c where c.id = v_company;
  end if;
  -- Under a definer current_user is the owner; the caller's role and JWT say who is asking.
  if (current_setting('role', true) in ('authenticated', 'anon')
      or (select auth.role()) in ('authenticated', 'anon'))
     and (v_company is null or not private.is_member(v_company, 'admin')) then
    raise exception 'tag_documents_by_keywords: admin of the company required' using errcode = '42501';
  end if;

  select pg_catalog.array_agg(case when strpos(p.pattern, '%') > 0 then p.pattern else '%' || p.pattern || '%' end)
  into v_patterns
  from unnest(tag_documents_by_keywords.patterns) as p (pattern)
  where p.pattern is not null and p.pattern <> '';
  if v_patterns is null then
    return 0;
  end if;

  update public.documents d
  set agent_owner = tag_documents_by_keywords.agent
  where d.agent_owner = 'shared'
    and (v_slug is null or d.company_id = v_slug)
    and d.content ilike any (v_patterns);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
grant execute on function public.tag_documents_by_keywords(text, text[], text) to authenticated, service_role;

/**
 * Replaces one document's chunks with p_chunks in one statement: a chunk whose content hash and
 * embedding model are unchanged keeps its embedding (it may then omit it), others are inserted
 * or rewritten, and chunk indexes beyond the new ones are removed. A chunk with no agent_owner
 * (or 'shared') keeps the agent tagging gave it. Returns the counts. Service role only.
 * p_chunks: [{ chunk_index?, content, embedding? ([numbers] or '[...]'), embedding_model?,
 * title?, metadata?, agent_owner?, tags?, category?, priority? }]; chunk_index defaults to the
 * element's position.
 */
create function private.upsert_document_chunks(p_company text, p_source text, p_chunks jsonb)
returns table (new integer, unchanged integer, replaced integer, removed integer)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_slug text;
begin
  select c.slug into v_slug from public.companies c where c.id = private.resolve_company(p_company);
  if p_source is null or btrim(p_source) = '' then
    raise exception 'upsert_document_chunks: source must not be empty' using errcode = '22023';
  end if;
  if p_chunks is null or jsonb_typeof(p_chunks) <> 'array' then
    raise exception 'upsert_document_chunks: chunks must be a json array' using errcode = '22023';
  end if;

  -- One statement: the CTEs read the chunks as they were before it, then insert, rewrite and remove.
  return query
  with input as (
    select
      coalesce((e.value ->> 'chunk_index')::integer, e.position::integer - 1) as chunk_index,
      e.value ->> 'content' as content,
      pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(e.value ->> 'content', 'UTF8')), 'hex') as content_hash,
      case jsonb_typeof(e.value -> 'embedding')
        when 'array' then (e.value -> 'embedding')::text::extensions.vector(1536)
        when 'string' then (e.value ->> 'embedding')::extensions.vector(1536)
      end as embedding,
      e.value ->> 'embedding_model' as embedding_model,
      e.value ->> 'title' as title,
      coalesce(e.value -> 'metadata', '{}') as metadata,
      coalesce(e.value ->> 'agent_owner', 'shared') as agent_owner,
      coalesce(array(select jsonb_array_elements_text(e.value -> 'tags')), '{}') as tags,
      e.value ->> 'category' as category,
      coalesce((e.value ->> 'priority')::integer, 0) as priority
    from jsonb_array_elements(p_chunks) with ordinality as e (value, position)
  ),
  classified as (
    select i.*,
      case
        when d.id is null then 'new'
        when d.content_hash = i.content_hash and d.embedding_model is not distinct from i.embedding_model then 'unchanged'
        else 'replaced'
      end as status
    from input i
    left join public.documents d
      on d.company_id = v_slug and d.source = p_source and d.chunk_index = i.chunk_index
  ),
  written as (
    insert into public.documents as d (
      company_id, source, chunk_index, title, content, metadata, embedding, embedding_model,
      agent_owner, tags, category, priority
    )
    select v_slug, p_source, c.chunk_index, c.title, c.content, c.metadata, c.embedding, c.embedding_model,
      c.agent_owner, c.tags, c.category, c.priority
    from classified c
    order by c.chunk_index
    on conflict (company_id, source, chunk_index) do update set
      title = excluded.title,
      content = excluded.content,
      metadata = excluded.metadata,
      -- An unchanged chunk may come without its embedding; a changed one must bring its own.
      embedding = case
        when excluded.content_hash = d.content_hash and excluded.embedding_model is not distinct from d.embedding_model
          then coalesce(excluded.embedding, d.embedding)
        else excluded.embedding
      end,
      embedding_model = excluded.embedding_model,
      agent_owner = case when excluded.agent_owner = 'shared' then d.agent_owner else excluded.agent_owner end,
      tags = excluded.tags,
      category = excluded.category,
      priority = excluded.priority
    -- Rewriting an unchanged row would still re-insert it into every index, HNSW included.
    where (d.content_hash, d.embedding_model, d.title, d.metadata, d.tags, d.category, d.priority)
        is distinct from
          (excluded.content_hash, excluded.embedding_model, excluded.title, excluded.metadata,
           excluded.tags, excluded.category, excluded.priority)
      or (excluded.agent_owner <> 'shared' and excluded.agent_owner <> d.agent_owner)
    returning 1
  ),
  gone as (
    delete from public.documents d
    where d.company_id = v_slug and d.source = p_source
      and not exists (select 1 from input i where i.chunk_index = d.chunk_index)
    returning 1
  )
  select
    (select count(*) from classified c where c.status = 'new')::integer,
    (select count(*) from classified c where c.status = 'unchanged')::integer,
    (select count(*) from classified c where c.status = 'replaced')::integer,
    (select count(*) from gone)::integer;

  -- A new or changed chunk sent without its embedding undoes the whole call.
  if exists (
    select 1 from public.documents d
    where d.company_id = v_slug and d.source = p_source and d.embedding is null
  ) then
    raise exception 'upsert_document_chunks: a new or changed chunk of % has no embedding', p_source
      using errcode = '22023';
  end if;
end;
$$;
grant execute on function private.upsert_document_chunks(text, text, jsonb) to service_role;

/** Deletes every chunk of one document of a company; returns how many. Service role only. */
create function public.delete_document_source(p_company text, p_source text)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from public.documents d
  using public.companies c
  where c.id = private.resolve_company(p_company)
    and d.company_id = c.slug
    and d.source = p_source;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
grant execute on function public.delete_document_source(text, text) to service_role;

/**
 * Promotes the companies with more chunks than p_min_chunks (default: the exact-scan limit,
 * comptoir.exact_scan_max_chunks or 10,000) to the HNSW index, in bounded work per call: a
 * company over the limit is recorded in private.ann_tenants (from then on its new chunks are
 * flagged on insert), then at most p_batch of its chunks are flagged in_ann_index per call
 * (each one an HNSW insert, about 4 ms: 5,000 take about 20 s, far inside the platform's
 * 2-minute statement timeout that a whole 25,000-chunk tenant in one statement would hit).
 * When none is left, promoted_at is set and match_documents starts using the index. A company
 * whose ingestion is in flight is skipped until the next call. Returns the companies worked on.
 * pg_cron runs it every minute; service role only. Never demotes (see private.ann_tenants).
 */
create function private.promote_large_tenants(p_min_chunks bigint default null, p_batch integer default 5000)
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
    -- Exclusive against the shared lock of documents_set_in_ann_index: a tenant being written
    -- to waits for the next call. Once held, no insert of the tenant is in flight, so every
    -- chunk committed so far is visible to the next statement and every later insert (which
    -- waits for this transaction) sees the tenant in ann_tenants and flags itself.
    continue when not pg_catalog.pg_try_advisory_xact_lock(private.ann_lock_key(v_tenant.slug));
    update public.documents d
    set in_ann_index = true
    where d.id in (
      select x.id from public.documents x
      where x.company_id = v_tenant.slug and not x.in_ann_index
      order by x.id
      limit v_budget
    );
    get diagnostics flagged = row_count;
    v_budget := v_budget - flagged;
    -- Fewer than asked: none of the tenant's chunks is left outside the index.
    promoted := v_budget > 0;
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
grant execute on function private.ann_lock_key(text) to service_role;
grant execute on function private.promote_large_tenants(bigint, integer) to service_role;

-- Tenants are promoted every minute (pg_cron, enabled by the platform-defaults migration).
select cron.schedule(
  'comptoir-promote-large-tenants',
  '* * * * *',
  $job$select count(*) from private.promote_large_tenants()$job$
);
