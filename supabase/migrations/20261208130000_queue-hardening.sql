-- The embedding queue, hardened (review of 20261208110000):
-- 1. A job's reservation covers it only if it is its own company's. The claim handed out any live
--    reservation the job named, and the worker then embedded without reserving: a reservation id of
--    another company (the trigger takes it from a transaction setting, unchecked) would have spent
--    one company's embeddings against another's hold.
-- 2. A worker renews its jobs' lease just before paying for them (private.embedding_jobs_renew). A
--    drain claims up to 100 jobs of several companies at once and embeds them company by company:
--    behind a slow provider the last companies' leases lapsed while they waited their turn, another
--    drain claimed them again, and both paid for the same embeddings (and each claim counted an
--    attempt, so waiting alone could dead-letter a job).

/**
 * As 20261208110000's, but a job's reservation is returned only when it is a live reservation of
 * the job's own company (otherwise null: the worker reserves for it).
 */
create or replace function private.embedding_jobs_claim(
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
 * and a renewal meet on the job's row lock, and the later one sees the other's attempts). The worker calls it right before embedding and embeds only
 * what it returns, so that two workers never pay for the same job.
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
revoke all on function private.embedding_jobs_renew(jsonb, integer, timestamptz) from public, anon, authenticated;
grant execute on function private.embedding_jobs_renew(jsonb, integer, timestamptz) to service_role;
