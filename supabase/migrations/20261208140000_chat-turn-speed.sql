-- The chat turn's speed (issue 21): the small SQL helpers a turn calls on every step become
-- plpgsql, whose statements keep their plans for the connection's life. Written in SQL with
-- their own search_path they were never inlined, so each call parsed and planned its body again
-- (about a dozen such calls a turn, and eighteen of model_price in one ledger write). Same
-- signatures, results and grants; ledger_record finds each call's price in a lateral join.

/** The first day of p_at's month in the company's time zone. */
create or replace function private.budget_month(p_company uuid, p_at timestamptz)
returns date
language plpgsql
stable
set search_path = ''
as $$
begin
  return (select date_trunc('month', p_at at time zone coalesce(c.time_zone, 'UTC'))::date
    from public.companies c where c.id = p_company);
end;
$$;

/** The price of a provider's model valid at p_at (the latest from before it); null when none. */
create or replace function private.model_price(p_provider text, p_model text, p_at timestamptz)
returns public.model_prices
language plpgsql
stable
set search_path = ''
as $$
declare
  v_price public.model_prices;
begin
  select * into v_price from public.model_prices m
  where m.provider = p_provider and m.model = p_model and m.valid_from <= p_at
  order by m.valid_from desc limit 1;
  if not found then
    return null;
  end if;
  return v_price;
end;
$$;

/**
 * At most what a call can cost (USD): its token bounds at the model's price; null when the
 * model has no price (the caller reserves its default). p_call: { provider, model,
 * max_input_tokens, max_output_tokens, search_units }.
 */
create or replace function private.call_ceiling(p_call jsonb, p_at timestamptz)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
  v_price public.model_prices;
begin
  if p_call ->> 'provider' = 'offline' then
    return 0;
  end if;
  v_price := private.model_price(p_call ->> 'provider', p_call ->> 'model', p_at);
  if v_price.id is null then
    return null;
  end if;
  return coalesce((p_call ->> 'max_input_tokens')::numeric, 0) * v_price.input_per_million / 1000000
    + coalesce((p_call ->> 'max_output_tokens')::numeric, 0) * v_price.output_per_million / 1000000
    + coalesce((p_call ->> 'search_units')::numeric, 0) * coalesce(v_price.per_search_unit, 0);
end;
$$;

/** The rate-limit slots of one visitor turn: conversation, visitor, client address (if known), company. */
create or replace function private.chat_slots(p_company uuid, p_conversation text, p_visitor text, p_address text, p_settings jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return (
    select pg_catalog.jsonb_agg(s.slot)
    from (values
      (pg_catalog.jsonb_build_object('name', 'conversation', 'key', 'chat:' || p_company || ':' || p_conversation,
        'max_requests', p_settings -> 'rate_limit_messages', 'window_seconds', p_settings -> 'rate_limit_window_seconds')),
      (pg_catalog.jsonb_build_object('name', 'visitor', 'key', 'chat-visitor:' || p_company || ':' || p_visitor,
        'max_requests', p_settings -> 'visitor_turns_per_minute', 'window_seconds', 60)),
      (case when p_address is not null then pg_catalog.jsonb_build_object('name', 'address',
        'key', 'chat-address:' || p_company || ':' || p_address,
        'max_requests', p_settings -> 'address_turns_per_minute', 'window_seconds', 60) end),
      (pg_catalog.jsonb_build_object('name', 'company', 'key', 'chat-company:' || p_company,
        'max_requests', p_settings -> 'company_turns_per_minute', 'window_seconds', 60))
    ) as s (slot)
    where s.slot is not null
  );
end;
$$;

/** The company's tokens/day ceiling, when today's (UTC) usage has reached it: the refusal. */
create or replace function private.tokens_refusal(p_company uuid, p_settings jsonb, p_now timestamptz)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  -- (company_id, day) is the counter's key: one row at most.
  return (
    select pg_catalog.jsonb_build_object(
      'name', 'company_tokens',
      'limit', (p_settings ->> 'company_tokens_per_day')::bigint,
      'used', u.tokens,
      'reset_at', ((p_now at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC',
      'retry_after_seconds', greatest(ceil(extract(epoch from
        ((p_now at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC' - p_now)), 1)::integer
    )
    from private.company_token_usage u
    where u.company_id = p_company
      and u.day = (p_now at time zone 'UTC')::date
      and u.tokens >= (p_settings ->> 'company_tokens_per_day')::bigint
  );
end;
$$;

/** The stored reply to p_key in a conversation, as a turn's response needs it (null when none). */
create or replace function private.stored_reply(p_conversation uuid, p_key text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  -- A key names one message of a conversation, and a slug one agent of a company: one row at most.
  return (
    select pg_catalog.jsonb_build_object(
      'message_id', m.id, 'content', m.content, 'agent', m.agent, 'agent_name', a.name,
      'model', m.model_used, 'prompt_tokens', coalesce(m.prompt_tokens, 0),
      'completion_tokens', coalesce(m.completion_tokens, 0), 'sources', m.sources, 'metadata', m.metadata
    )
    from public.messages m
    join public.conversations c on c.id = m.conversation_id
    left join public.agents a on a.company_id = c.company_id and a.slug = m.agent
    where m.conversation_id = p_conversation and m.idempotency_key = p_key || '#reply'
  );
end;
$$;

/** Whether a conversation has an open escalation (the bot is paused). */
create or replace function public.conversation_is_paused(p_conversation uuid)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return exists (
    select 1 from public.escalations e where e.conversation_id = p_conversation and e.status = 'open'
  );
end;
$$;

/** The histogram bucket of a response time in ms (see analytics_response_times). */
create or replace function private.analytics_bucket(p_ms numeric)
returns smallint
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when p_ms < 1 then 0 else least(floor(ln(p_ms::float8) / ln(1.1::float8))::integer + 1, 200) end::smallint;
end;
$$;

/** A day in a company's time zone. */
create or replace function private.analytics_day(p_company uuid, p_at timestamptz)
returns date
language plpgsql
stable
set search_path = ''
as $$
begin
  return (p_at at time zone coalesce((select c.time_zone from public.companies c where c.id = p_company), 'UTC'))::date;
end;
$$;

/** Adds to a company's figures of a day and agent; one statement, row-locked. */
create or replace function private.analytics_bump(p_company uuid, p_day date, p_agent text, p_counts jsonb)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
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
    orders = d.orders + excluded.orders;
end;
$$;

/**
 * Records a turn's provider calls (p_calls: [{ kind, provider, model_requested, model,
 * prompt_tokens, completion_tokens, cached_tokens, search_units, latency_ms, outcome, cost_usd,
 * agent }]) in the ledger, each priced (the provider's cost_usd, else model_prices at now,
 * `free` for the offline provider, else `unpriced`), rolled up per day, added to the month's
 * spending (an unpriced call at p_unpriced_usd, what budget_reserve held for it), and
 * p_reservation released — inside the caller's transaction (the turn's finishing round trip).
 * Returns the calls' cost (USD; unpriced ones not in it).
 */
create or replace function private.ledger_record(p_company uuid, p_product text, p_conversation uuid, p_calls jsonb,
  p_reservation uuid default null, p_now timestamptz default now(), p_unpriced_usd numeric default 0.05)
returns numeric
language plpgsql
volatile
-- definer: the ledger is append-only for every API role; only this function writes it (service_role runs it)
security definer
set search_path = ''
as $$
declare
  v_cost numeric := 0;
  v_unpriced integer := 0;
begin
  if p_reservation is not null then
    delete from private.budget_reservations r where r.id = p_reservation and r.company_id = p_company;
  end if;
  if p_calls is null or jsonb_typeof(p_calls) <> 'array' or jsonb_array_length(p_calls) = 0 then
    return 0;
  end if;
  with calls as (
    -- The price in a lateral join: a function returning the row would run once per field read.
    select c.value as c, p
    from jsonb_array_elements(p_calls) c
    left join lateral (
      select m.* from public.model_prices m
      where m.provider = c.value ->> 'provider' and m.model = coalesce(c.value ->> 'model', c.value ->> 'model_requested')
        and m.valid_from <= p_now
      order by m.valid_from desc limit 1
    ) p on true
  ), priced as (
    select c, case
        when c ->> 'cost_usd' is not null then 'provider'
        when c ->> 'provider' = 'offline' then 'free'
        when (p).id is not null then 'price_table'
        else 'unpriced' end as source,
      case
        when c ->> 'cost_usd' is not null then (c ->> 'cost_usd')::numeric
        when c ->> 'provider' = 'offline' then 0
        when (p).id is not null then
          greatest(coalesce((c ->> 'prompt_tokens')::numeric, 0) - coalesce((c ->> 'cached_tokens')::numeric, 0), 0) * (p).input_per_million / 1000000
          + coalesce((c ->> 'cached_tokens')::numeric, 0) * coalesce((p).cached_per_million, (p).input_per_million) / 1000000
          + coalesce((c ->> 'completion_tokens')::numeric, 0) * (p).output_per_million / 1000000
          + coalesce((c ->> 'search_units')::numeric, 0) * coalesce((p).per_search_unit, 0)
      end as cost
    from calls
  ), inserted as (
    insert into public.usage_ledger (company_id, product, conversation_id, agent, kind, provider, model_requested,
      model_answered, prompt_tokens, completion_tokens, cached_tokens, search_units, latency_ms, outcome, cost_usd,
      cost_source, created_at)
    select p_company, p_product, p_conversation, left(c ->> 'agent', 100), coalesce(c ->> 'kind', 'chat'),
      left(c ->> 'provider', 50), left(c ->> 'model_requested', 200), left(c ->> 'model', 200),
      coalesce((c ->> 'prompt_tokens')::integer, 0), coalesce((c ->> 'completion_tokens')::integer, 0),
      coalesce((c ->> 'cached_tokens')::integer, 0), coalesce((c ->> 'search_units')::integer, 0),
      (c ->> 'latency_ms')::integer, coalesce(c ->> 'outcome', 'ok'), round(cost, 8), source, p_now
    from priced
    returning *
  ), rolled as (
    insert into public.usage_daily as d (company_id, day, product, provider, model, calls, errors, prompt_tokens,
      completion_tokens, cached_tokens, search_units, cost_usd, unpriced_calls)
    select i.company_id, (p_now at time zone coalesce((select c.time_zone from public.companies c where c.id = p_company), 'UTC'))::date,
      i.product, i.provider, coalesce(i.model_answered, i.model_requested, '?'), count(*), count(*) filter (where i.outcome <> 'ok'),
      sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.cached_tokens), sum(i.search_units),
      coalesce(sum(i.cost_usd), 0), count(*) filter (where i.cost_source = 'unpriced')
    from inserted i
    group by i.company_id, i.product, i.provider, coalesce(i.model_answered, i.model_requested, '?')
    on conflict (company_id, day, product, provider, model) do update set
      calls = d.calls + excluded.calls, errors = d.errors + excluded.errors,
      prompt_tokens = d.prompt_tokens + excluded.prompt_tokens, completion_tokens = d.completion_tokens + excluded.completion_tokens,
      cached_tokens = d.cached_tokens + excluded.cached_tokens, search_units = d.search_units + excluded.search_units,
      cost_usd = d.cost_usd + excluded.cost_usd, unpriced_calls = d.unpriced_calls + excluded.unpriced_calls
    returning 1
  )
  -- (rolled runs whether read or not: a data-modifying CTE always does)
  select coalesce(sum(i.cost_usd), 0), (count(*) filter (where i.cost_source = 'unpriced'))::integer
    into v_cost, v_unpriced from inserted i;
  if p_product = 'botlive' and v_cost > 0 then
    -- The shop's daily figures: their cost is the ledger's.
    insert into public.bot_usage as u (company_id, date, cost) values (p_company, private.usage_date(p_now), v_cost)
    on conflict (company_id, date) do update set cost = u.cost + excluded.cost, updated_at = now();
  end if;
  if v_cost > 0 or v_unpriced > 0 then
    -- An unpriced call counts against the budget at what its reservation held (never as free:
    -- a model without a price would otherwise have no cap); the ledger keeps its cost null.
    insert into public.budget_months as m (company_id, month, spent_usd, unpriced_calls)
    values (p_company, private.budget_month(p_company, p_now), v_cost + v_unpriced * p_unpriced_usd, v_unpriced)
    on conflict (company_id, month) do update set spent_usd = m.spent_usd + excluded.spent_usd,
      unpriced_calls = m.unpriced_calls + excluded.unpriced_calls;
  end if;
  return v_cost;
end;
$$;

/** The service's entry points (the functions' begin and finish round trips call the private ones directly). */
create or replace function public.budget_reserve(p_company uuid, p_calls jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return private.budget_reserve(p_company, p_calls);
end;
$$;
create or replace function public.ledger_record(p_company uuid, p_product text, p_conversation uuid, p_calls jsonb,
  p_reservation uuid default null)
returns numeric
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return private.ledger_record(p_company, p_product, p_conversation, p_calls, p_reservation);
end;
$$;
