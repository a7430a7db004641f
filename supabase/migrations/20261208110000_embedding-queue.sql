-- Asynchronous embedding (issue 21): ingestion writes its chunks without waiting for the
-- embedder. A new or changed chunk is stored with a null embedding and queued in
-- public.embedding_jobs by a trigger, in the writing transaction itself; a worker (the ingest
-- function after its answer, and its drain endpoint on a schedule) claims jobs with SKIP
-- LOCKED under a lease, embeds them, and completes them, writing a vector only where the
-- chunk still holds the text that was embedded. A failure is retried with backoff and
-- dead-lettered after 5 attempts with its reason; ops list the dead letters and queue them
-- again. Members read their company's jobs (the embedding status of their documents).
--   queued → running → (done: the job row is deleted) | queued again (backoff) | dead
-- Until its job is done a chunk has no embedding: match_documents' vector branch skips it
-- (the exact scan drops null distances; the HNSW index holds no nulls).

/**
 * One chunk waiting for its embedding: the text of content_hash (the chunk's at queue time; a
 * change of text queues the new one, from scratch). `reservation`: the budget the ingestion set
 * aside for it (private.budget_reservations), spent by the worker while it lasts.
 * NOTE: a done job is deleted; what remains is pending (queued, running) or dead.
 */
create table public.embedding_jobs (
  id bigint generated always as identity primary key,
  company_id uuid not null references public.companies (id) on delete cascade,
  document_id bigint not null references public.documents (id) on delete cascade
    constraint embedding_jobs_document_id_key unique,
  source text not null,
  chunk_index integer not null,
  content_hash text not null,
  status text not null default 'queued'
    constraint embedding_jobs_status_valid check (status in ('queued', 'running', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text constraint embedding_jobs_last_error_length check (length(last_error) <= 500),
  reservation uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- The policy's column, and the per-source status the ingest answer reads.
create index embedding_jobs_company_id_source_idx on public.embedding_jobs (company_id, source);
-- What a claim scans: the due jobs, oldest first.
create index embedding_jobs_due_idx on public.embedding_jobs (next_attempt_at, id) where status <> 'dead';
create trigger embedding_jobs_touch_updated_at
  before update on public.embedding_jobs
  for each row execute function private.touch_updated_at();

alter table public.embedding_jobs enable row level security;
revoke all on public.embedding_jobs from anon, authenticated, service_role;
grant select on public.embedding_jobs to authenticated, service_role;
create policy embedding_jobs_select_member on public.embedding_jobs
  for select to authenticated
  using (company_id = any ((select private.member_company_ids())::uuid[]));

/**
 * Queues a chunk written without an embedding (a new chunk, a changed text, another model), in
 * the writing transaction. A job for the same text keeps its state (a re-ingestion of unchanged
 * text does not restart it); a new text restarts it from nothing. The reservation comes from
 * the transaction's `comptoir.embedding_reservation` setting (ingest.ts sets it).
 */
create function private.queue_embedding()
returns trigger
language plpgsql
-- definer: the queue is written by its functions only, and any role allowed to write documents must keep it
security definer
set search_path = ''
as $$
begin
  insert into public.embedding_jobs as j (company_id, document_id, source, chunk_index, content_hash, reservation)
  select c.id, new.id, new.source, new.chunk_index, new.content_hash,
    nullif(pg_catalog.current_setting('comptoir.embedding_reservation', true), '')::uuid
  from public.companies c
  where c.slug = new.company_id
  on conflict (document_id) do update set
    content_hash = excluded.content_hash, chunk_index = excluded.chunk_index, status = 'queued', attempts = 0,
    next_attempt_at = now(), locked_until = null, last_error = null, reservation = excluded.reservation
  where j.content_hash <> excluded.content_hash;
  return null;
end;
$$;
revoke all on function private.queue_embedding() from public, anon, authenticated, service_role;

create trigger documents_queue_embedding
  after insert or update of content, embedding, embedding_model on public.documents
  for each row when (new.embedding is null)
  execute function private.queue_embedding();

/**
 * As 20261122030000's, but a new or changed chunk may come without its embedding: it is stored
 * with none and queued (documents_queue_embedding). Service role only.
 */
create or replace function private.upsert_document_chunks(p_company text, p_source text, p_chunks jsonb)
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
      -- An unchanged chunk keeps its embedding (or its place in the queue); a changed one gets
      -- the one it brings, or none (queued).
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
end;
$$;

/**
 * The embedding status of a company's documents p_sources, in their order: chunks waiting
 * (queued or running) and dead-lettered. Given the reservation the ingestion set aside
 * (p_reservation), releases it when no job of this transaction took it. Service role only.
 */
create function private.embedding_jobs_status(p_company uuid, p_sources text[], p_reservation uuid default null)
returns table (source text, pending integer, dead integer)
language plpgsql
volatile
-- definer: budget reservations are private (the ledger's functions write them)
security definer
set search_path = ''
as $$
begin
  if p_reservation is not null
     and not exists (select 1 from public.embedding_jobs j where j.reservation = p_reservation) then
    delete from private.budget_reservations r where r.id = p_reservation and r.company_id = p_company;
  end if;
  return query
  select s.source,
    (count(j.id) filter (where j.status <> 'dead'))::integer,
    (count(j.id) filter (where j.status = 'dead'))::integer
  from unnest(coalesce(p_sources, '{}')) with ordinality as s (source, position)
  left join public.embedding_jobs j on j.company_id = p_company and j.source = s.source
  group by s.source, s.position
  order by s.position;
end;
$$;

/**
 * Claims up to p_limit due jobs (of one company, or of all) for p_lease_seconds, with the text
 * to embed and the reservation still held for it. SKIP LOCKED: concurrent workers never claim
 * the same job; a worker that dies leaves a lease that lapses, and the job is claimed again
 * (attempts counts claims: one that kept killing workers is dead at p_max_attempts).
 */
create function private.embedding_jobs_claim(
  p_limit integer default 100,
  p_lease_seconds integer default 120,
  p_company uuid default null,
  p_max_attempts integer default 5,
  p_now timestamptz default now()
)
returns table (id bigint, company_id uuid, document_id bigint, content text, content_hash text, attempts integer,
  reservation uuid)
language plpgsql
volatile
-- definer: the queue is written by its functions only; reservations are private
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'embedding_jobs_claim: limit and lease must be positive' using errcode = '22023';
  end if;
  update public.embedding_jobs j
     set status = 'dead', locked_until = null,
         last_error = pg_catalog.format('the worker stopped while embedding it %s times', j.attempts)
   where j.status = 'running' and j.next_attempt_at <= p_now and j.attempts >= p_max_attempts
     and (p_company is null or j.company_id = p_company);
  return query
  with due as (
    select j.id from public.embedding_jobs j
    where j.status <> 'dead' and j.next_attempt_at <= p_now
      and (p_company is null or j.company_id = p_company)
    order by j.next_attempt_at, j.id
    limit p_limit
    for update skip locked
  ),
  claimed as (
    update public.embedding_jobs j
       set status = 'running', attempts = j.attempts + 1,
           locked_until = p_now + pg_catalog.make_interval(secs => p_lease_seconds),
           next_attempt_at = p_now + pg_catalog.make_interval(secs => p_lease_seconds)
      from due where j.id = due.id
    returning j.*
  )
  select c.id, c.company_id, c.document_id, d.content, c.content_hash, c.attempts,
    -- Only a live reservation of the job's own company covers it (the trigger takes the id from
    -- a transaction setting, unchecked); otherwise null, and the worker reserves for it.
    (select r.id from private.budget_reservations r
     where r.id = c.reservation and r.company_id = c.company_id and r.expires_at > p_now)
  from claimed c
  join public.documents d on d.id = c.document_id
  order by c.company_id, c.id;
end;
$$;

/**
 * Renews the lease of claimed jobs (p_jobs: [{ id, attempts }], the attempts the claim returned)
 * for p_lease_seconds, and returns the ids still held: a job claimed again since (its lease lapsed),
 * completed, changed or dead is not (a lapsed lease nobody took yet is still this worker's: a claim
 * and a renewal meet on the job's row lock, and the later one sees the other's attempts). The
 * worker calls it right before embedding and embeds only what it returns: a drain claims jobs of
 * several companies at once and embeds them company by company, and behind a slow provider the
 * last ones' leases would lapse and a second drain pay for them again.
 */
create function private.embedding_jobs_renew(p_jobs jsonb, p_lease_seconds integer default 120,
  p_now timestamptz default now())
returns setof bigint
language plpgsql
volatile
-- definer: the queue is written by its functions only
security definer
set search_path = ''
as $$
begin
  if p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'embedding_jobs_renew: lease must be positive' using errcode = '22023';
  end if;
  return query
  with input as (
    select (e ->> 'id')::bigint as id, (e ->> 'attempts')::integer as attempts
    from jsonb_array_elements(coalesce(p_jobs, '[]')) e
  )
  update public.embedding_jobs j
     set locked_until = p_now + pg_catalog.make_interval(secs => p_lease_seconds),
         next_attempt_at = p_now + pg_catalog.make_interval(secs => p_lease_seconds)
    from input i
   where j.id = i.id and j.attempts = i.attempts and j.status = 'running'
  returning j.id;
end;
$$;
/**
 * Writes the embeddings of claimed jobs (p_jobs: [{ id, content_hash, embedding }]) and ends
 * them: a vector goes only to a chunk that still holds the text embedded (content_hash) and has
 * none yet; a job whose text changed meanwhile stays queued for the new text. Returns the
 * vectors written and the jobs found stale (changed or deleted). Locks chunks before jobs, in
 * the order a writing ingestion does.
 */
create function private.embedding_jobs_complete(p_jobs jsonb, p_model text)
returns table (embedded integer, stale integer)
language plpgsql
volatile
-- definer: the queue is written by its functions only
security definer
set search_path = ''
as $$
declare
  v_ids bigint[];
begin
  if p_jobs is null or jsonb_typeof(p_jobs) <> 'array' then
    raise exception 'embedding_jobs_complete: jobs must be a json array' using errcode = '22023';
  end if;
  select pg_catalog.array_agg((e ->> 'id')::bigint) into v_ids from jsonb_array_elements(p_jobs) e;
  perform 1 from public.documents d
  where d.id in (select j.document_id from public.embedding_jobs j where j.id = any (v_ids))
  order by d.id
  for no key update of d;

  return query
  with input as (
    select (e ->> 'id')::bigint as id, e ->> 'content_hash' as content_hash,
      (e ->> 'embedding')::extensions.vector(1536) as embedding
    from jsonb_array_elements(p_jobs) e
  ),
  live as (
    select j.id, j.document_id, i.embedding, i.content_hash
    from input i
    join public.embedding_jobs j on j.id = i.id and j.content_hash = i.content_hash
  ),
  written as (
    update public.documents d
       set embedding = c.embedding, embedding_model = p_model
      from live c
     where d.id = c.document_id and d.content_hash = c.content_hash and d.embedding is null
    returning d.id
  ),
  done as (
    delete from public.embedding_jobs j using live c where j.id = c.id
    returning j.id
  )
  select (select count(*) from written)::integer,
    (pg_catalog.cardinality(v_ids) - (select count(*) from done))::integer;
end;
$$;

/**
 * A claimed attempt failed (p_jobs: [{ id, attempts }], the attempts the claim returned; a job
 * claimed again since is not touched): queued again after 10 s, 20 s, 40 s… (at most 10 min),
 * dead after p_max_attempts with p_error (a reason, never a text or a key). Returns how many
 * were retried and how many died.
 */
create function private.embedding_jobs_fail(
  p_jobs jsonb,
  p_error text,
  p_max_attempts integer default 5,
  p_now timestamptz default now()
)
returns table (retried integer, dead integer)
language sql
volatile
-- definer: the queue is written by its functions only
security definer
set search_path = ''
as $$
  with input as (
    select (e ->> 'id')::bigint as id, (e ->> 'attempts')::integer as attempts
    from jsonb_array_elements(coalesce(p_jobs, '[]')) e
  ),
  failed as (
    update public.embedding_jobs j
       set status = case when j.attempts >= p_max_attempts then 'dead' else 'queued' end,
           last_error = left(coalesce(p_error, 'failed'), 500),
           locked_until = null,
           next_attempt_at = p_now + pg_catalog.make_interval(secs => least(600, 10 * 2 ^ (j.attempts - 1)))
      from input i
     where j.id = i.id and j.attempts = i.attempts and j.status = 'running'
    returning j.status
  )
  select (count(*) filter (where f.status = 'queued'))::integer, (count(*) filter (where f.status = 'dead'))::integer
  from failed f
$$;

/**
 * Ops: queues dead-lettered jobs again from nothing (of one company, or all; of p_sources only
 * when given). Returns how many.
 */
create function private.embedding_jobs_retry(p_company uuid default null, p_sources text[] default null)
returns integer
language plpgsql
volatile
-- definer: the queue is written by its functions only
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.embedding_jobs j
     set status = 'queued', attempts = 0, next_attempt_at = now(), locked_until = null, reservation = null
   where j.status = 'dead'
     and (p_company is null or j.company_id = p_company)
     and (p_sources is null or j.source = any (p_sources));
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

revoke all on function private.embedding_jobs_status(uuid, text[], uuid),
  private.embedding_jobs_claim(integer, integer, uuid, integer, timestamptz),
  private.embedding_jobs_renew(jsonb, integer, timestamptz),
  private.embedding_jobs_complete(jsonb, text),
  private.embedding_jobs_fail(jsonb, text, integer, timestamptz),
  private.embedding_jobs_retry(uuid, text[]) from public, anon, authenticated;
grant execute on function private.embedding_jobs_status(uuid, text[], uuid),
  private.embedding_jobs_claim(integer, integer, uuid, integer, timestamptz),
  private.embedding_jobs_renew(jsonb, integer, timestamptz),
  private.embedding_jobs_complete(jsonb, text),
  private.embedding_jobs_fail(jsonb, text, integer, timestamptz),
  private.embedding_jobs_retry(uuid, text[]) to service_role;
