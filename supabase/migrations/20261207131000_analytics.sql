-- Analytics (issue 20): what the operator watches after go-live — per day and agent the messages,
-- conversations, response times (user message → reply), escalations and errors; rate-limit
-- refusals by limit; tokens and cost by provider and model (usage_daily); cost per conversation
-- and per order; the month's budget — in one call, public.analytics, run as a member under RLS.
-- It reads per-day rollups kept by triggers in the transactions that write the rows (messages,
-- escalations, orders, failed ledger calls) and a refusal counter bumped where chat_begin_turn
-- refuses, never the raw rows, so its cost follows the days asked, not the traffic.
-- Days are the company's (companies.time_zone) when the row was written, as usage_daily's are.

/**
 * Per company, day and agent ('' = none: the visitor's messages, Botlive's, orders): messages,
 * replies, conversations with a message that day, conversations whose first message it was,
 * escalations opened, failed provider calls and orders placed. Written by triggers only.
 * A message counts under its own agent: a reply under the agent who wrote it, a visitor's
 * message under '' (no agent is known before routing).
 */
create table public.analytics_daily (
  company_id uuid not null references public.companies (id) on delete cascade,
  day date not null,
  agent text not null default '',
  messages integer not null default 0,
  replies integer not null default 0,
  conversations integer not null default 0,
  conversations_started integer not null default 0,
  escalations integer not null default 0,
  errors integer not null default 0,
  orders integer not null default 0,
  primary key (company_id, day, agent)
);

/**
 * Response times (a user message → the reply that follows it in its conversation) per company,
 * day (the reply's) and agent, as a histogram: bucket 0 holds [0, 1) ms and bucket b >= 1 holds
 * [1.1^(b-1), 1.1^b) ms, so a percentile read from it is within 5 % of the exact one.
 */
create table public.analytics_response_times (
  company_id uuid not null references public.companies (id) on delete cascade,
  day date not null,
  agent text not null default '',
  bucket smallint not null constraint analytics_response_times_bucket_range check (bucket between 0 and 200),
  count integer not null default 0,
  primary key (company_id, day, agent, bucket)
);

/** Turns refused by a rate limit, per company, day and limit (conversation, visitor, address, company, company_tokens). */
create table public.analytics_refusals (
  company_id uuid not null references public.companies (id) on delete cascade,
  day date not null,
  limit_name text not null,
  count integer not null default 0,
  primary key (company_id, day, limit_name)
);

/** Which (conversation, day, agent) already counted in analytics_daily.conversations. */
create table private.analytics_conversation_days (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  day date not null,
  agent text not null,
  primary key (conversation_id, day, agent)
);
revoke all on private.analytics_conversation_days from anon, authenticated, service_role;

-- The policies ask private.member_company_ids() once per statement (an init plan), not
-- private.is_member per row: analytics reads thousands of rollup rows in one call. usage_daily's
-- policy (20261207130000) gets the same form for the same reason.
alter table public.analytics_daily enable row level security;
alter table public.analytics_response_times enable row level security;
alter table public.analytics_refusals enable row level security;
revoke all on public.analytics_daily, public.analytics_response_times, public.analytics_refusals
  from anon, authenticated, service_role;
grant select on public.analytics_daily, public.analytics_response_times, public.analytics_refusals
  to authenticated, service_role;
create policy analytics_daily_select_member on public.analytics_daily
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
create policy analytics_response_times_select_member on public.analytics_response_times
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
create policy analytics_refusals_select_member on public.analytics_refusals
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
alter policy usage_daily_select_member on public.usage_daily
  using (company_id = any ((select private.member_company_ids())::uuid[]));

/** The histogram bucket of a response time in ms (see analytics_response_times). */
create function private.analytics_bucket(p_ms numeric)
returns smallint
language sql
immutable
set search_path = ''
as $$
  select case when p_ms < 1 then 0 else least(floor(ln(p_ms::float8) / ln(1.1::float8))::integer + 1, 200) end::smallint
$$;

/** What a bucket reports, in ms: its geometric middle (0 for bucket 0), within 5 % of any value in it. */
create function private.analytics_bucket_ms(p_bucket integer)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case when p_bucket = 0 then 0 else round(power(1.1::float8, p_bucket - 0.5))::integer end
$$;

/** A day in a company's time zone. */
create function private.analytics_day(p_company uuid, p_at timestamptz)
returns date
language sql
stable
set search_path = ''
as $$
  select (p_at at time zone coalesce((select c.time_zone from public.companies c where c.id = p_company), 'UTC'))::date
$$;

/** Adds to a company's figures of a day and agent; one statement, row-locked. */
create function private.analytics_bump(p_company uuid, p_day date, p_agent text, p_counts jsonb)
returns void
language sql
volatile
set search_path = ''
as $$
  insert into public.analytics_daily as d (company_id, day, agent, messages, replies, conversations,
    conversations_started, escalations, errors, orders)
  values (p_company, p_day, coalesce(p_agent, ''), coalesce((p_counts ->> 'messages')::integer, 0),
    coalesce((p_counts ->> 'replies')::integer, 0), coalesce((p_counts ->> 'conversations')::integer, 0),
    coalesce((p_counts ->> 'conversations_started')::integer, 0), coalesce((p_counts ->> 'escalations')::integer, 0),
    coalesce((p_counts ->> 'errors')::integer, 0), coalesce((p_counts ->> 'orders')::integer, 0))
  on conflict (company_id, day, agent) do update set
    messages = d.messages + excluded.messages, replies = d.replies + excluded.replies,
    conversations = d.conversations + excluded.conversations,
    conversations_started = d.conversations_started + excluded.conversations_started,
    escalations = d.escalations + excluded.escalations, errors = d.errors + excluded.errors,
    orders = d.orders + excluded.orders
$$;

/**
 * A stored message's figures: its day and agent's messages (and replies), the conversation's
 * first message that day for that agent, its first message ever (conversations_started: the
 * conversation had no earlier message),
 * and for a reply that follows a user message, the response time's bucket.
 * NOTE: about five index lookups and two upserts per message (measured in docs by the bench).
 */
create function private.messages_analytics()
returns trigger
language plpgsql
-- definer: messages are written by service_role, which may not write the rollups
security definer
set search_path = ''
as $$
declare
  v_conversation record;
  v_day date;
  v_agent text := coalesce(new.agent, '');
  v_new_day boolean;
  v_previous record;
begin
  select c.last_message_at, coalesce(co.time_zone, 'UTC') as time_zone into v_conversation
  from public.conversations c join public.companies co on co.id = c.company_id
  where c.id = new.conversation_id;
  v_day := (new.created_at at time zone v_conversation.time_zone)::date;
  insert into private.analytics_conversation_days (conversation_id, day, agent)
  values (new.conversation_id, v_day, v_agent)
  on conflict do nothing;
  v_new_day := found;
  perform private.analytics_bump(new.company_id, v_day, v_agent, pg_catalog.jsonb_build_object(
    'messages', 1, 'replies', (new.role = 'assistant')::integer, 'conversations', v_new_day::integer,
    'conversations_started', (not exists (select 1 from public.messages m
      where m.conversation_id = new.conversation_id and (m.created_at, m.id) < (new.created_at, new.id)))::integer));
  if new.role = 'assistant' then
    select m.role, m.created_at into v_previous
    from public.messages m
    where m.conversation_id = new.conversation_id and m.created_at < new.created_at
    order by m.created_at desc
    limit 1;
    if v_previous.role = 'user' then
      insert into public.analytics_response_times as r (company_id, day, agent, bucket, count)
      values (new.company_id, v_day, v_agent,
        private.analytics_bucket(extract(epoch from new.created_at - v_previous.created_at) * 1000), 1)
      on conflict (company_id, day, agent, bucket) do update set count = r.count + 1;
    end if;
  end if;
  return null;
end;
$$;

-- Named to fire after messages_bot_usage (triggers fire in name order): every path then locks a
-- company's bot_usage row before its analytics_daily row, and two turns never deadlock on them.
create trigger messages_rollup_analytics
  after insert on public.messages
  for each row execute function private.messages_analytics();

/** An escalation counts on its day under the agent of the conversation's last reply before it. */
create function private.escalations_analytics()
returns trigger
language plpgsql
-- definer: escalations are opened by service_role or a member, neither of which writes the rollups
security definer
set search_path = ''
as $$
begin
  perform private.analytics_bump(new.company_id, private.analytics_day(new.company_id, new.created_at),
    (select m.agent from public.messages m
     where m.conversation_id = new.conversation_id and m.agent is not null and m.created_at <= new.created_at
     order by m.created_at desc limit 1),
    '{"escalations": 1}');
  return null;
end;
$$;

create trigger escalations_analytics
  after insert on public.escalations
  for each row execute function private.escalations_analytics();

/** An order counts on the day it was placed (agent ''). */
create function private.orders_analytics()
returns trigger
language plpgsql
-- definer: orders are placed by service_role or an admin, neither of which writes the rollups
security definer
set search_path = ''
as $$
begin
  perform private.analytics_bump(new.company_id, private.analytics_day(new.company_id, new.created_at), '',
    '{"orders": 1}');
  return null;
end;
$$;

-- After orders_bot_usage, for the same reason.
create trigger orders_rollup_analytics
  after insert on public.orders
  for each row execute function private.orders_analytics();

/** A failed provider call (outcome error or timeout) counts under its agent; successful calls fire nothing. */
create function private.usage_ledger_analytics()
returns trigger
language plpgsql
-- definer: the ledger is written by service_role, which may not write the rollups
security definer
set search_path = ''
as $$
begin
  perform private.analytics_bump(new.company_id, private.analytics_day(new.company_id, new.created_at), new.agent,
    '{"errors": 1}');
  return null;
end;
$$;

create trigger usage_ledger_analytics
  after insert on public.usage_ledger
  for each row when (new.outcome <> 'ok') execute function private.usage_ledger_analytics();

/** Counts one refused turn on the company's day, under the limit that refused it. */
create function private.count_refusal(p_company uuid, p_limit text, p_now timestamptz)
returns void
language sql
volatile
-- definer: chat_begin_turn runs as service_role, which may not write the rollups
security definer
set search_path = ''
as $$
  insert into public.analytics_refusals as r (company_id, day, limit_name, count)
  values (p_company, private.analytics_day(p_company, p_now), coalesce(p_limit, 'unknown'), 1)
  on conflict (company_id, day, limit_name) do update set count = r.count + 1
$$;

/**
 * Rebuilds a company's rollups from its rows, exactly as the triggers would have written them
 * (refusals excepted: a refused turn leaves no row to count again). For a backfill, a bulk
 * load that bypassed the triggers, or after the company's time zone changed.
 * NOTE: linear in the company's messages; takes the rollups' row locks for the transaction.
 */
create function private.analytics_rebuild(p_company uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_tz text := coalesce((select c.time_zone from public.companies c where c.id = p_company), 'UTC');
begin
  delete from public.analytics_daily d where d.company_id = p_company;
  delete from public.analytics_response_times r where r.company_id = p_company;
  delete from private.analytics_conversation_days cd
  using public.conversations c where c.id = cd.conversation_id and c.company_id = p_company;

  create temporary table pg_temp.analytics_messages on commit drop as
  select m.conversation_id, (m.created_at at time zone v_tz)::date as day, coalesce(m.agent, '') as agent, m.role,
    row_number() over w = 1 as first,
    case when m.role = 'assistant' and lag(m.role) over w = 'user' and lag(m.created_at) over w < m.created_at
      then private.analytics_bucket(extract(epoch from m.created_at - lag(m.created_at) over w) * 1000) end as bucket
  from public.messages m
  where m.company_id = p_company
  window w as (partition by m.conversation_id order by m.created_at, m.id);

  insert into private.analytics_conversation_days (conversation_id, day, agent)
  select distinct a.conversation_id, a.day, a.agent from pg_temp.analytics_messages a;

  insert into public.analytics_response_times (company_id, day, agent, bucket, count)
  select p_company, a.day, a.agent, a.bucket, count(*) from pg_temp.analytics_messages a
  where a.bucket is not null group by a.day, a.agent, a.bucket;

  insert into public.analytics_daily (company_id, day, agent, messages, replies, conversations,
    conversations_started, escalations, errors, orders)
  select p_company, f.day, f.agent, sum(f.messages), sum(f.replies), sum(f.conversations), sum(f.started),
    sum(f.escalations), sum(f.errors), sum(f.orders)
  from (
    select a.day, a.agent, count(*) as messages, count(*) filter (where a.role = 'assistant') as replies,
      count(distinct a.conversation_id) as conversations, count(*) filter (where a.first) as started,
      0 as escalations, 0 as errors, 0 as orders
    from pg_temp.analytics_messages a group by a.day, a.agent
    union all
    select (e.created_at at time zone v_tz)::date, coalesce((select m.agent from public.messages m
        where m.conversation_id = e.conversation_id and m.agent is not null and m.created_at <= e.created_at
        order by m.created_at desc limit 1), ''), 0, 0, 0, 0, 1, 0, 0
    from public.escalations e where e.company_id = p_company
    union all
    select (l.created_at at time zone v_tz)::date, coalesce(l.agent, ''), 0, 0, 0, 0, 0, 1, 0
    from public.usage_ledger l where l.company_id = p_company and l.outcome <> 'ok'
    union all
    select (o.created_at at time zone v_tz)::date, '', 0, 0, 0, 0, 0, 0, 1
    from public.orders o where o.company_id = p_company
  ) f
  group by f.day, f.agent;
  drop table pg_temp.analytics_messages;
end;
$$;

revoke all on function private.analytics_bucket(numeric), private.analytics_bucket_ms(integer),
  private.analytics_day(uuid, timestamptz), private.analytics_bump(uuid, date, text, jsonb),
  private.messages_analytics(), private.escalations_analytics(), private.orders_analytics(),
  private.usage_ledger_analytics(), private.count_refusal(uuid, text, timestamptz),
  private.analytics_rebuild(uuid) from public, anon, authenticated, service_role;
grant execute on function private.count_refusal(uuid, text, timestamptz) to service_role;

/**
 * Admits and records one visitor turn of the website widget (chat_begin_turn of
 * 20261206120000, now private.chat_begin_turn_base, unchanged) and counts a `limited` outcome in
 * analytics_refusals under the limit that refused it: the refused turn still stores nothing else.
 */
alter function public.chat_begin_turn(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  rename to chat_begin_turn_base;
alter function public.chat_begin_turn_base(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  set schema private;
revoke all on function private.chat_begin_turn_base(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  from public, anon, authenticated;
grant execute on function private.chat_begin_turn_base(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  to service_role;

create function public.chat_begin_turn(
  p_company text,
  p_conversation text,
  p_visitor text,
  p_message text,
  p_idempotency_key text,
  p_client_key boolean,
  p_address text default null,
  p_metadata jsonb default '{}',
  p_defaults jsonb default '{}',
  p_history integer default 10,
  p_stale_seconds integer default 150,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_result jsonb := private.chat_begin_turn_base(p_company, p_conversation, p_visitor, p_message, p_idempotency_key,
    p_client_key, p_address, p_metadata, p_defaults, p_history, p_stale_seconds, p_now);
begin
  if v_result ->> 'outcome' = 'limited' then
    perform private.count_refusal(private.resolve_company(p_company), v_result -> 'refused' ->> 'name', p_now);
  end if;
  return v_result;
end;
$$;
revoke all on function public.chat_begin_turn(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  from public, anon, authenticated;
grant execute on function public.chat_begin_turn(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  to service_role;

/**
 * A company's analytics from p_from to p_to (its days, both included; at most 366, else 22023):
 * per day and agent (null: none) messages, conversations, response time p50/p95 (ms, from the
 * histogram: within 5 %), escalations and failed calls; refusals per day and limit; the ledger
 * per day, product, provider and model; totals (conversations: those whose first message falls in
 * the range; error rate: failed calls / calls; escalation rate: escalations / conversations; cost
 * per conversation: the chat, botlive and assistant calls' cost; cost per order: botlive's) and
 * this month's budget. Members of the company (and service_role) only, else 42501.
 * NOTE: reads rollups only — a few hundred rows for 90 days, whatever the traffic.
 */
create function public.analytics(p_company text, p_from date, p_to date)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
-- rollup reads by key range gain nothing from a plan per call: plan once per connection
set plan_cache_mode = 'force_generic_plan'
as $$
declare
  v_company uuid;
  v_slug text;
  v_tz text;
  v_result jsonb;
begin
  if p_from is null or p_to is null or p_from > p_to then
    raise exception 'analytics: from must not be after to' using errcode = '22023';
  end if;
  if p_to - p_from + 1 > 366 then
    raise exception 'analytics: a range covers at most 366 days' using errcode = '22023';
  end if;
  select c.id, c.slug, c.time_zone into v_company, v_slug, v_tz
  from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company)) then
    raise exception 'analytics: requires a member of company %', p_company using errcode = '42501';
  end if;

  with daily as (
    select * from public.analytics_daily d where d.company_id = v_company and d.day between p_from and p_to
  ), times as (
    select r.day, r.agent, r.bucket, r.count from public.analytics_response_times r
    where r.company_id = v_company and r.day between p_from and p_to
  ), ranked as (
    -- nearest rank: a percentile is the first bucket whose running count reaches p of the total;
    -- ms is its geometric middle (private.analytics_bucket_ms, inline: members run this), rising with it
    select t.day, t.agent, case when t.bucket = 0 then 0 else round(power(1.1::float8, t.bucket - 0.5))::integer end as ms,
      sum(t.count) over (partition by t.day, t.agent order by t.bucket) as running,
      sum(t.count) over (partition by t.day, t.agent) as total
    from times t
  ), day_times as (
    select r.day, r.agent, min(r.ms) filter (where r.running >= ceil(0.5 * r.total)) as p50,
      min(r.ms) filter (where r.running >= ceil(0.95 * r.total)) as p95
    from ranked r group by r.day, r.agent
  ), range_ranked as (
    select case when b.bucket = 0 then 0 else round(power(1.1::float8, b.bucket - 0.5))::integer end as ms,
      sum(b.count) over (order by b.bucket) as running, sum(b.count) over () as total
    from (select t.bucket, sum(t.count) as count from times t group by t.bucket) b
  ), range_times as (
    select min(r.ms) filter (where r.running >= ceil(0.5 * r.total)) as p50,
      min(r.ms) filter (where r.running >= ceil(0.95 * r.total)) as p95
    from range_ranked r
  ), usage as (
    select * from public.usage_daily u where u.company_id = v_company and u.day between p_from and p_to
  ), sums as (
    select coalesce(sum(d.messages), 0) as messages, coalesce(sum(d.conversations_started), 0) as conversations,
      coalesce(sum(d.escalations), 0) as escalations, coalesce(sum(d.orders), 0) as orders
    from daily d
  ), costs as (
    select coalesce(sum(u.calls), 0) as calls, coalesce(sum(u.errors), 0) as errors,
      coalesce(sum(u.cost_usd), 0) as cost, coalesce(sum(u.unpriced_calls), 0) as unpriced,
      coalesce(sum(u.cost_usd) filter (where u.product in ('chat', 'botlive', 'assistant')), 0) as conversation_cost,
      coalesce(sum(u.cost_usd) filter (where u.product = 'botlive'), 0) as order_cost
    from usage u
  ), budget as (
    select b.*, m.month, coalesce(bm.spent_usd, 0) * b.usd_rate as spent, bm.soft_reached_at, bm.cap_reached_at
    from public.company_budgets b
    cross join lateral (select date_trunc('month', now() at time zone v_tz)::date as month) m
    left join public.budget_months bm on bm.company_id = b.company_id and bm.month = m.month
    where b.company_id = v_company
  )
  select pg_catalog.jsonb_build_object(
    'company_id', v_slug,
    'from', p_from,
    'to', p_to,
    'time_zone', v_tz,
    'days', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'day', d.day, 'agent', nullif(d.agent, ''), 'messages', d.messages, 'conversations', d.conversations,
          'response_ms_p50', t.p50, 'response_ms_p95', t.p95,
          'escalations', d.escalations, 'errors', d.errors) order by d.day, d.agent)
      from daily d left join day_times t on t.day = d.day and t.agent = d.agent
      where d.messages > 0 or d.escalations > 0 or d.errors > 0), '[]'),
    'refusals', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('day', r.day, 'limit', r.limit_name, 'count', r.count)
        order by r.day, r.limit_name)
      from public.analytics_refusals r where r.company_id = v_company and r.day between p_from and p_to), '[]'),
    'costs', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('day', u.day, 'product', u.product,
          'provider', u.provider, 'model', u.model, 'calls', u.calls, 'errors', u.errors,
          'prompt_tokens', u.prompt_tokens, 'completion_tokens', u.completion_tokens,
          'cost_usd', round(u.cost_usd, 8), 'unpriced_calls', u.unpriced_calls)
        order by u.day, u.product, u.provider, u.model)
      from usage u), '[]'),
    'totals', (
      select pg_catalog.jsonb_build_object(
        'messages', s.messages,
        'conversations', s.conversations,
        'escalations', s.escalations,
        'escalation_rate', case when s.conversations > 0 then round(least(s.escalations::numeric / s.conversations, 1), 4) else 0 end,
        'calls', c.calls,
        'errors', c.errors,
        'error_rate', case when c.calls > 0 then round(c.errors::numeric / c.calls, 4) else 0 end,
        'response_ms_p50', rt.p50,
        'response_ms_p95', rt.p95,
        'cost_usd', round(c.cost, 8),
        'unpriced_calls', c.unpriced,
        'cost_per_conversation_usd', case when s.conversations > 0 then round(c.conversation_cost / s.conversations, 8) end,
        'orders', s.orders,
        'cost_per_order_usd', case when s.orders > 0 then round(c.order_cost / s.orders, 8) end)
      from sums s, costs c, range_times rt),
    'budget', (
      select pg_catalog.jsonb_build_object('month', b.month, 'monthly_limit', b.monthly_limit, 'currency', b.currency,
        'spent', round(b.spent, 2), 'remaining', greatest(round(b.monthly_limit - b.spent, 2), 0),
        'soft_reached', b.soft_reached_at is not null, 'cap_reached', b.cap_reached_at is not null)
      from budget b)
  ) into v_result;
  return v_result;
end;
$$;
revoke all on function public.analytics(text, date, date) from public, anon;
grant execute on function public.analytics(text, date, date) to authenticated, service_role;

-- The rows written before this migration, counted once.
do $$
declare
  v_company uuid;
begin
  for v_company in select c.id from public.companies c loop
    perform private.analytics_rebuild(v_company);
  end loop;
end
$$;
