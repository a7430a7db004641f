-- Knowledge documents from files: an upload to the `knowledge` bucket queues its ingestion in
-- the same transaction (a trigger on storage.objects), and the ingest path processes the queue
-- after the upload (text extracted, chunked, embedded). Each file's state is a row of
-- public.knowledge_files that the company's members read:
--   queued → processing → ready (its chunk count) | failed (the reason), retried with backoff
--   while the failure may pass, dead after 5 attempts; a deleted file removes its chunks.
-- The document's source is the object's path after `<company>/` (agent folder included, so that
-- faq.md under two agents are two documents), its agent the second segment (`shared`: every
-- agent's).

create table public.knowledge_files (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  -- The object's name in the bucket: <company id>/<agent or shared>/<path>.
  object_name text not null constraint knowledge_files_object_name_key unique,
  agent text not null,
  source text not null,
  size bigint,
  status text not null default 'queued' constraint knowledge_files_status_valid
    check (status in ('queued', 'processing', 'ready', 'failed', 'deleting', 'deleted')),
  chunks integer,
  error text constraint knowledge_files_error_length check (length(error) <= 1000),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index knowledge_files_company_id_updated_at_idx on public.knowledge_files (company_id, updated_at desc);
create index knowledge_files_due_idx on public.knowledge_files (next_attempt_at)
  where status in ('queued', 'processing', 'deleting');
create trigger knowledge_files_touch_updated_at
  before update on public.knowledge_files
  for each row execute function private.touch_updated_at();

alter table public.knowledge_files enable row level security;
create policy "members read their knowledge files" on public.knowledge_files
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
grant select on public.knowledge_files to authenticated, service_role;

/**
 * storage.objects → the queue, in the upload's (or the removal's) own transaction: a new or
 * replaced file is queued again from scratch; a removed one is queued for its chunks' deletion.
 * Only well-formed names of the knowledge bucket (the policies refuse the others anyway).
 * Definer: the Storage server writes objects as itself; the queue is ours.
 */
create function private.queue_knowledge_file()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_object storage.objects := case tg_op when 'DELETE' then old else new end;
  v_company uuid := private.storage_company(v_object.name);
  v_segments text[] := string_to_array(v_object.name, '/');
begin
  -- Moved out of the bucket (or renamed within it, below): the old name's chunks go.
  if tg_op = 'UPDATE' and old.bucket_id = 'knowledge' and (new.bucket_id <> 'knowledge' or old.name <> new.name) then
    update public.knowledge_files f
       set status = 'deleting', attempts = 0, next_attempt_at = now(), error = null, lease_until = null
     where f.object_name = old.name;
  end if;
  if v_object.bucket_id <> 'knowledge' or v_company is null or cardinality(v_segments) < 3 then
    return null;
  end if;
  if tg_op = 'DELETE' then
    update public.knowledge_files f
       set status = 'deleting', attempts = 0, next_attempt_at = now(), error = null, lease_until = null
     where f.object_name = v_object.name;
  else
    insert into public.knowledge_files (company_id, object_name, agent, source, size)
    values (v_company, v_object.name, v_segments[2], array_to_string(v_segments[2:], '/'),
      nullif(v_object.metadata ->> 'size', '')::bigint)
    on conflict (object_name) do update
      set status = 'queued', attempts = 0, next_attempt_at = now(), error = null, lease_until = null,
          size = excluded.size, chunks = null;
  end if;
  return null;
end;
$$;
revoke all on function private.queue_knowledge_file() from public;

create trigger knowledge_files_queue
  after insert or update or delete on storage.objects
  for each row execute function private.queue_knowledge_file();

/**
 * Claims up to p_limit files to process (queued, or processing whose run died, or deleting), of
 * one company or of all (null), the company's slug with them; SKIP LOCKED lets several runs share
 * the queue.
 */
create function public.knowledge_files_claim(p_limit integer default 5, p_lease_seconds integer default 120,
  p_company uuid default null)
returns table (id uuid, company_id uuid, company_slug text, object_name text, agent text, source text,
  status text, attempts integer)
language sql
volatile
security definer
set search_path = ''
as $$
  -- A file whose run died on each of its 5 attempts (a file that kills the worker) is failed, not
  -- claimed again for ever with the files claimed beside it.
  with dead as (
    update public.knowledge_files f
       set status = 'failed', lease_until = null,
           error = format('the worker stopped while processing it %s times', f.attempts)
     where f.status = 'processing' and f.lease_until <= now() and f.attempts >= 5
    returning f.id
  ), due as (
    select f.id from public.knowledge_files f
     where f.next_attempt_at <= now() and (p_company is null or f.company_id = p_company)
       and f.id not in (select id from dead)
       and (f.status in ('queued', 'deleting') or (f.status = 'processing' and f.lease_until <= now() and f.attempts < 5))
     order by f.next_attempt_at
     limit greatest(p_limit, 0)
     for update skip locked
  ), claimed as (
    update public.knowledge_files f
       set status = case when f.status = 'deleting' then 'deleting' else 'processing' end,
           attempts = f.attempts + 1, lease_until = now() + make_interval(secs => p_lease_seconds),
           next_attempt_at = now() + make_interval(secs => p_lease_seconds)
      from due where f.id = due.id
    returning f.*
  )
  select c.id, c.company_id, co.slug, c.object_name, c.agent, c.source, c.status, c.attempts
    from claimed c join public.companies co on co.id = c.company_id
$$;

/**
 * The outcome of one claimed file: ready with its chunk count; deleted; or failed — retried after
 * p_retry_seconds (null: for good, e.g. a scan without text), dead after p_max_attempts.
 */
create function public.knowledge_files_finish(p_file uuid, p_attempt integer, p_chunks integer, p_error text,
  p_retry_seconds integer default null, p_max_attempts integer default 5)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  update public.knowledge_files f
     set status = case
           when p_error is null and f.status = 'deleting' then 'deleted'
           when p_error is null then 'ready'
           when p_retry_seconds is not null and f.attempts < p_max_attempts then
             case when f.status = 'deleting' then 'deleting' else 'queued' end
           else 'failed' end,
         chunks = case when p_error is null and f.status <> 'deleting' then p_chunks else f.chunks end,
         error = left(p_error, 1000),
         lease_until = null,
         next_attempt_at = now() + make_interval(secs => coalesce(p_retry_seconds, 0))
   where f.id = p_file and f.attempts = p_attempt and f.status in ('processing', 'deleting')
  returning f.status into v_status;
  return v_status;
end;
$$;

revoke all on function public.knowledge_files_claim(integer, integer, uuid),
  public.knowledge_files_finish(uuid, integer, integer, text, integer, integer) from public;
grant execute on function public.knowledge_files_claim(integer, integer, uuid),
  public.knowledge_files_finish(uuid, integer, integer, text, integer, integer) to service_role;
