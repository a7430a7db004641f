-- Rate limiting: an atomic fixed-window counter per key (e.g. one visitor conversation),
-- one row per key in private storage, expired rows swept by pg_cron. The edge functions call
-- it with the service role; each company's limit comes from its RAG config.

/**
 * One fixed window per key: hits counted since window_start, capped at the limit + 1.
 * Unlogged: the counters are disposable, and a crash that empties them only admits early.
 * fillfactor leaves room on each page so that the hot-path update stays HOT.
 */
create unlogged table private.rate_limits (
  key text primary key,
  window_start timestamptz not null,
  hits integer not null,
  expires_at timestamptz not null
) with (fillfactor = 70);
create index rate_limits_expires_at_idx on private.rate_limits (expires_at);

revoke all on private.rate_limits from public, anon, authenticated;
grant select, insert, update on private.rate_limits to service_role;

/** Raises 22023 with a stable message when a rate-limit call's arguments are unusable. */
create function private.validate_rate_limit_args(p_key text, p_max_requests integer, p_window_seconds integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_key is null or btrim(p_key) = '' then
    raise exception 'rate limit key must not be empty' using errcode = '22023';
  end if;
  if length(p_key) > 512 then
    raise exception 'rate limit key must not exceed 512 characters' using errcode = '22023';
  end if;
  if p_max_requests is null or p_max_requests < 1 then
    raise exception 'rate limit max_requests must be at least 1' using errcode = '22023';
  end if;
  if p_window_seconds is null or p_window_seconds < 1 then
    raise exception 'rate limit window_seconds must be at least 1' using errcode = '22023';
  end if;
end;
$$;
grant execute on function private.validate_rate_limit_args(text, integer, integer) to service_role;

/**
 * Counts one request for p_key and says whether it is admitted: at most p_max_requests per
 * window of p_window_seconds, which starts at the first request after the previous one ended.
 * Atomic: concurrent callers serialise on the key's row, so a window never admits more.
 * NOTE: a fixed window admits up to twice the limit across a window boundary.
 */
create function public.check_rate_limit(
  p_key text,
  p_max_requests integer default 10,
  p_window_seconds integer default 60,
  p_now timestamptz default now()
)
returns table (allowed boolean, remaining integer, "limit" integer, reset_at timestamptz, retry_after_seconds integer)
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_window interval;
begin
  perform private.validate_rate_limit_args(p_key, p_max_requests, p_window_seconds);
  v_window := pg_catalog.make_interval(secs => p_window_seconds);

  return query
  with counted as (
    insert into private.rate_limits as r (key, window_start, hits, expires_at)
    values (p_key, v_now, 1, v_now + v_window)
    on conflict (key) do update
    set window_start = case when v_now >= r.window_start + v_window then v_now else r.window_start end,
        hits = case when v_now >= r.window_start + v_window then 1 else least(r.hits, p_max_requests) + 1 end,
        expires_at = case when v_now >= r.window_start + v_window then v_now else r.window_start end + v_window
    returning r.window_start, r.hits
  )
  select
    c.hits <= p_max_requests,
    greatest(p_max_requests - c.hits, 0),
    p_max_requests,
    c.window_start + v_window,
    case when c.hits <= p_max_requests then 0
      else greatest(ceil(extract(epoch from c.window_start + v_window - v_now)), 1)::integer
    end
  from counted c;
end;
$$;
grant execute on function public.check_rate_limit(text, integer, integer, timestamptz) to service_role;

/**
 * What check_rate_limit would answer for p_key now, without counting a request: allowed
 * says whether the next request would be admitted, remaining how many would be.
 */
create function public.peek_rate_limit(
  p_key text,
  p_max_requests integer default 10,
  p_window_seconds integer default 60,
  p_now timestamptz default now()
)
returns table (allowed boolean, remaining integer, "limit" integer, reset_at timestamptz, retry_after_seconds integer)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_window interval;
  v_start timestamptz;
  v_hits integer;
begin
  perform private.validate_rate_limit_args(p_key, p_max_requests, p_window_seconds);
  v_window := pg_catalog.make_interval(secs => p_window_seconds);

  select r.window_start, r.hits into v_start, v_hits
  from private.rate_limits r
  where r.key = p_key and v_now < r.window_start + v_window;
  if v_start is null then
    return query select true, p_max_requests, p_max_requests, v_now + v_window, 0;
    return;
  end if;

  return query select
    v_hits < p_max_requests,
    greatest(p_max_requests - v_hits, 0),
    p_max_requests,
    v_start + v_window,
    case when v_hits < p_max_requests then 0
      else greatest(ceil(extract(epoch from v_start + v_window - v_now)), 1)::integer
    end;
end;
$$;
grant execute on function public.peek_rate_limit(text, integer, integer, timestamptz) to service_role;

/** A company's message limit and window (its RAG config), for the chat and rate-limit functions. */
create function public.company_rate_limit(p_company text)
returns table (max_requests integer, window_seconds integer)
language sql
stable
set search_path = ''
as $$
  select r.rate_limit_messages, r.rate_limit_window_seconds
  from public.company_rag_configs r
  join public.companies c on c.slug = r.company_id
  where c.id = (select private.resolve_company(p_company))
$$;
grant execute on function public.company_rate_limit(text) to service_role;

-- Expired windows are swept every five minutes (pg_cron, enabled by the platform-defaults migration).
select cron.schedule(
  'comptoir-rate-limit-cleanup',
  '*/5 * * * *',
  $job$delete from private.rate_limits where expires_at < now()$job$
);
