-- What it costs and how it runs (issue 20): one append-only ledger row per provider call, its
-- cost (the provider's own figure — OpenRouter's usage.cost — or a versioned price table; a
-- model without a price is flagged, never counted as 0), daily rollups the analytics read, and
-- a monthly budget per company enforced before each paid call from the same ledger: a
-- reservation taken under the month's row lock (exact under concurrency), settled when the
-- call's ledger row is written in the turn's finishing round trip.

/** What a provider charges, per million tokens or per search unit, from a date (USD). */
create table public.model_prices (
  id bigint generated always as identity primary key,
  provider text not null constraint model_prices_provider_length check (length(provider) between 1 and 50),
  model text not null constraint model_prices_model_length check (length(model) between 1 and 200),
  input_per_million numeric(14, 6) not null default 0 constraint model_prices_input_nonnegative check (input_per_million >= 0),
  output_per_million numeric(14, 6) not null default 0 constraint model_prices_output_nonnegative check (output_per_million >= 0),
  cached_per_million numeric(14, 6) constraint model_prices_cached_nonnegative check (cached_per_million >= 0),
  per_search_unit numeric(14, 8) constraint model_prices_search_unit_nonnegative check (per_search_unit >= 0),
  valid_from timestamptz not null default now(),
  source text,
  constraint model_prices_provider_model_valid_from_key unique (provider, model, valid_from)
);
alter table public.model_prices enable row level security;
revoke all on public.model_prices from anon, authenticated, service_role;
-- Prices are public knowledge: any signed-in user reads them; the operator writes them (service).
grant select on public.model_prices to authenticated, service_role;
grant insert on public.model_prices to service_role;
create policy model_prices_select_authenticated on public.model_prices for select to authenticated using (true);

-- List prices as published by each provider on 2026-12-01 (USD). OpenRouter reports each
-- call's own cost; its rows here only size a budget's reservation before the call.
insert into public.model_prices (provider, model, input_per_million, output_per_million, cached_per_million, per_search_unit, valid_from, source) values
  ('openai', 'gpt-4o-mini', 0.15, 0.60, 0.075, null, '2024-07-18', 'openai.com/api/pricing'),
  ('openai', 'text-embedding-3-small', 0.02, 0, null, null, '2024-01-25', 'openai.com/api/pricing'),
  ('openai', 'text-embedding-3-large', 0.13, 0, null, null, '2024-01-25', 'openai.com/api/pricing'),
  ('cohere', 'rerank-multilingual-v3.0', 0, 0, null, 0.002, '2024-04-01', 'cohere.com/pricing: $2 per 1,000 searches'),
  ('cohere', 'rerank-v3.5', 0, 0, null, 0.002, '2024-12-02', 'cohere.com/pricing: $2 per 1,000 searches'),
  ('groq', 'llama-3.3-70b-versatile', 0.59, 0.79, null, null, '2024-12-06', 'groq.com/pricing'),
  ('deepseek', 'deepseek-chat', 0.27, 1.10, 0.07, null, '2025-02-08', 'api-docs.deepseek.com/quick_start/pricing'),
  ('openrouter', 'anthropic/claude-3.5-sonnet', 3.00, 15.00, 0.30, null, '2024-10-22', 'openrouter.ai/anthropic/claude-3.5-sonnet'),
  ('openrouter', 'anthropic/claude-3.5-haiku', 0.80, 4.00, 0.08, null, '2024-11-04', 'openrouter.ai/anthropic/claude-3.5-haiku');

/**
 * One row per provider call, never updated nor deleted by an API role: who (company, product,
 * conversation, agent), what (the model asked for and the one that answered, the provider),
 * how much (tokens, search units, latency, outcome) and what it cost (USD; cost_source says from
 * where: `provider` its own figure, `price_table` model_prices, `free` the offline provider,
 * `unpriced` no price known — then cost_usd is null, never 0).
 */
create table public.usage_ledger (
  id bigint generated always as identity primary key,
  company_id uuid not null references public.companies (id) on delete cascade,
  product text not null constraint usage_ledger_product_valid check (product in ('chat', 'botlive', 'assistant', 'ingest')),
  conversation_id uuid references public.conversations (id) on delete set null,
  agent text constraint usage_ledger_agent_length check (length(agent) <= 100),
  kind text not null constraint usage_ledger_kind_valid check (kind in ('chat', 'embedding', 'rerank', 'vision')),
  provider text not null constraint usage_ledger_provider_length check (length(provider) between 1 and 50),
  model_requested text constraint usage_ledger_model_requested_length check (length(model_requested) <= 200),
  model_answered text constraint usage_ledger_model_answered_length check (length(model_answered) <= 200),
  prompt_tokens integer not null default 0 constraint usage_ledger_prompt_tokens_nonnegative check (prompt_tokens >= 0),
  completion_tokens integer not null default 0 constraint usage_ledger_completion_tokens_nonnegative check (completion_tokens >= 0),
  cached_tokens integer not null default 0 constraint usage_ledger_cached_tokens_nonnegative check (cached_tokens >= 0),
  search_units integer not null default 0 constraint usage_ledger_search_units_nonnegative check (search_units >= 0),
  latency_ms integer constraint usage_ledger_latency_ms_nonnegative check (latency_ms >= 0),
  outcome text not null constraint usage_ledger_outcome_valid check (outcome in ('ok', 'error', 'timeout')),
  cost_usd numeric(14, 8) constraint usage_ledger_cost_nonnegative check (cost_usd >= 0),
  cost_source text not null constraint usage_ledger_cost_source_valid check (cost_source in ('provider', 'price_table', 'free', 'unpriced')),
  created_at timestamptz not null default now(),
  constraint usage_ledger_unpriced_has_no_cost check ((cost_source = 'unpriced') = (cost_usd is null))
);
create index usage_ledger_company_id_created_at_idx on public.usage_ledger (company_id, created_at desc);
create index usage_ledger_conversation_id_idx on public.usage_ledger (conversation_id);
alter table public.usage_ledger enable row level security;
revoke all on public.usage_ledger from anon, authenticated, service_role;
grant select on public.usage_ledger to authenticated, service_role;
create policy usage_ledger_select_member on public.usage_ledger
  for select to authenticated using ((select private.is_member(company_id)));

/** The ledger per company, day (the company's time zone), product, provider and model: what analytics read. */
create table public.usage_daily (
  company_id uuid not null references public.companies (id) on delete cascade,
  day date not null,
  product text not null,
  provider text not null,
  model text not null,
  calls integer not null default 0,
  errors integer not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  search_units bigint not null default 0,
  cost_usd numeric(16, 8) not null default 0,
  unpriced_calls integer not null default 0,
  primary key (company_id, day, product, provider, model)
);
alter table public.usage_daily enable row level security;
revoke all on public.usage_daily from anon, authenticated, service_role;
grant select on public.usage_daily to authenticated, service_role;
create policy usage_daily_select_member on public.usage_daily
  for select to authenticated using ((select private.is_member(company_id)));

/**
 * A company's monthly budget: `monthly_limit` in `currency` (USD, or the company's: XOF, EUR,
 * converted at `usd_rate` units per US dollar), a soft threshold (a share of it: an activity
 * and a flag) and the hard cap (the limit itself: no paid call past it). At the cap a turn uses
 * `fallback_model` when set, else answers offline. Admins set it; members read it.
 */
create table public.company_budgets (
  company_id uuid primary key references public.companies (id) on delete cascade,
  monthly_limit numeric(14, 2) not null constraint company_budgets_monthly_limit_positive check (monthly_limit > 0),
  currency text not null default 'USD' constraint company_budgets_currency_valid check (currency in ('USD', 'XOF', 'EUR')),
  usd_rate numeric(14, 6) not null default 1 constraint company_budgets_usd_rate_positive check (usd_rate > 0),
  soft_ratio numeric(4, 3) not null default 0.8 constraint company_budgets_soft_ratio_range check (soft_ratio > 0 and soft_ratio <= 1),
  fallback_model text constraint company_budgets_fallback_model_length check (length(fallback_model) between 1 and 200),
  updated_at timestamptz not null default now(),
  constraint company_budgets_usd_rate_for_usd check (currency <> 'USD' or usd_rate = 1)
);
alter table public.company_budgets enable row level security;
revoke all on public.company_budgets from anon, authenticated, service_role;
grant select on public.company_budgets to authenticated, service_role;
grant insert (company_id, monthly_limit, currency, usd_rate, soft_ratio, fallback_model),
  update (monthly_limit, currency, usd_rate, soft_ratio, fallback_model) on public.company_budgets to authenticated;
create policy company_budgets_select_member on public.company_budgets
  for select to authenticated using ((select private.is_member(company_id)));
create policy company_budgets_insert_admin on public.company_budgets
  for insert to authenticated with check ((select private.is_member(company_id, 'admin')));
create policy company_budgets_update_admin on public.company_budgets
  for update to authenticated using ((select private.is_member(company_id, 'admin')))
  with check ((select private.is_member(company_id, 'admin')));
create trigger company_budgets_touch_updated_at
  before update on public.company_budgets
  for each row execute function private.touch_updated_at();

/** What a company spent (the ledger's costs) and holds reserved, per month of its time zone. */
create table public.budget_months (
  company_id uuid not null references public.companies (id) on delete cascade,
  month date not null,
  spent_usd numeric(16, 8) not null default 0,
  unpriced_calls integer not null default 0,
  soft_reached_at timestamptz,
  cap_reached_at timestamptz,
  primary key (company_id, month)
);
alter table public.budget_months enable row level security;
revoke all on public.budget_months from anon, authenticated, service_role;
grant select on public.budget_months to authenticated, service_role;
create policy budget_months_select_member on public.budget_months
  for select to authenticated using ((select private.is_member(company_id)));

/** Money set aside for a paid call in flight, settled by its ledger row (or gone when it lapses). */
create table private.budget_reservations (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  month date not null,
  amount_usd numeric(16, 8) not null constraint budget_reservations_amount_positive check (amount_usd > 0),
  expires_at timestamptz not null
);
create index budget_reservations_company_id_month_idx on private.budget_reservations (company_id, month);
revoke all on private.budget_reservations from anon, authenticated, service_role;

/** The first day of p_at's month in the company's time zone. */
create function private.budget_month(p_company uuid, p_at timestamptz)
returns date
language sql
stable
set search_path = ''
as $$
  select date_trunc('month', p_at at time zone coalesce(c.time_zone, 'UTC'))::date
  from public.companies c where c.id = p_company
$$;

/** The price of a provider's model valid at p_at (the latest from before it); null when none. */
create function private.model_price(p_provider text, p_model text, p_at timestamptz)
returns public.model_prices
language sql
stable
set search_path = ''
as $$
  select * from public.model_prices m
  where m.provider = p_provider and m.model = p_model and m.valid_from <= p_at
  order by m.valid_from desc limit 1
$$;

/**
 * At most what a call can cost (USD): its token bounds at the model's price; null when the
 * model has no price (the caller reserves its default). p_call: { provider, model,
 * max_input_tokens, max_output_tokens, search_units }.
 */
create function private.call_ceiling(p_call jsonb, p_at timestamptz)
returns numeric
language sql
stable
set search_path = ''
as $$
  select case when p_call ->> 'provider' = 'offline' then 0 else (
    select coalesce((p_call ->> 'max_input_tokens')::numeric, 0) * p.input_per_million / 1000000
      + coalesce((p_call ->> 'max_output_tokens')::numeric, 0) * p.output_per_million / 1000000
      + coalesce((p_call ->> 'search_units')::numeric, 0) * coalesce(p.per_search_unit, 0)
    from private.model_price(p_call ->> 'provider', p_call ->> 'model', p_at) p where p.id is not null) end
$$;

/**
 * Sets money aside for p_calls (the paid calls a turn may make) before they are made, from the
 * company's month under its row lock: refused when what is spent, what other calls in flight
 * hold and this turn's ceiling would pass the cap (nothing taken). A model without a price
 * holds p_unpriced_usd (default 0.05 USD) a call. Without a budget: allowed, nothing held.
 * The soft threshold, crossed once a month: an activity and the month's flag.
 * Returns { allowed, reservation?, amount_usd, remaining_usd?, soft, month }.
 */
create function private.budget_reserve(p_company uuid, p_calls jsonb, p_now timestamptz default now(),
  p_unpriced_usd numeric default 0.05)
returns jsonb
language plpgsql
volatile
-- definer: the months and reservations are written by the products' SQL only (service_role runs it)
security definer
set search_path = ''
as $$
declare
  v_budget public.company_budgets;
  v_month date := private.budget_month(p_company, p_now);
  v_row public.budget_months;
  v_cap numeric;
  v_held numeric;
  v_amount numeric;
  v_id uuid;
begin
  select coalesce(sum(coalesce(private.call_ceiling(c, p_now), p_unpriced_usd)), 0) into v_amount
  from jsonb_array_elements(coalesce(p_calls, '[]')) c;
  select * into v_budget from public.company_budgets b where b.company_id = p_company;
  if not found then
    return pg_catalog.jsonb_build_object('allowed', true, 'amount_usd', v_amount, 'soft', false, 'month', v_month);
  end if;
  v_cap := v_budget.monthly_limit / v_budget.usd_rate;
  insert into public.budget_months as m (company_id, month) values (p_company, v_month)
  on conflict (company_id, month) do update set spent_usd = m.spent_usd
  returning * into v_row;
  select coalesce(sum(r.amount_usd), 0) into v_held from private.budget_reservations r
  where r.company_id = p_company and r.month = v_month and r.expires_at > p_now;
  if v_row.spent_usd + v_held + v_amount > v_cap then
    -- The month's flag and alert only when what is spent would pass the cap, not when turns in
    -- flight merely hold the rest for a moment.
    if v_row.cap_reached_at is null and v_row.spent_usd + v_amount > v_cap then
      update public.budget_months m set cap_reached_at = p_now where m.company_id = p_company and m.month = v_month;
      perform public.log_activity(p_company::text, 'budget.cap', 'Budget du mois atteint',
        pg_catalog.format('%s %s dépensés sur %s : les réponses passent au modèle de secours ou hors ligne.',
          round(v_row.spent_usd * v_budget.usd_rate, 2), v_budget.currency, v_budget.monthly_limit),
        'error', pg_catalog.jsonb_build_object('month', v_month, 'spent_usd', v_row.spent_usd), null);
    end if;
    return pg_catalog.jsonb_build_object('allowed', false, 'amount_usd', v_amount, 'soft', true, 'month', v_month,
      'remaining_usd', greatest(v_cap - v_row.spent_usd - v_held, 0), 'fallback_model', v_budget.fallback_model);
  end if;
  if v_amount > 0 then
    insert into private.budget_reservations (company_id, month, amount_usd, expires_at)
    values (p_company, v_month, v_amount, p_now + interval '5 minutes')
    returning id into v_id;
  end if;
  if v_row.soft_reached_at is null and v_row.spent_usd + v_held + v_amount >= v_cap * v_budget.soft_ratio then
    update public.budget_months m set soft_reached_at = p_now where m.company_id = p_company and m.month = v_month;
    perform public.log_activity(p_company::text, 'budget.soft', 'Budget du mois bientôt atteint',
      pg_catalog.format('%s %% du budget de %s %s engagé.', round(100 * (v_row.spent_usd + v_held + v_amount) / v_cap),
        v_budget.monthly_limit, v_budget.currency),
      'warning', pg_catalog.jsonb_build_object('month', v_month), null);
  end if;
  return pg_catalog.jsonb_build_object('allowed', true, 'reservation', v_id, 'amount_usd', v_amount,
    'remaining_usd', v_cap - v_row.spent_usd - v_held - v_amount,
    'soft', v_row.spent_usd + v_held + v_amount >= v_cap * v_budget.soft_ratio, 'month', v_month);
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
create function private.ledger_record(p_company uuid, p_product text, p_conversation uuid, p_calls jsonb,
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
    select c.value as c, private.model_price(c.value ->> 'provider', coalesce(c.value ->> 'model', c.value ->> 'model_requested'), p_now) as p
    from jsonb_array_elements(p_calls) c
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

revoke all on function private.budget_month(uuid, timestamptz), private.model_price(text, text, timestamptz),
  private.call_ceiling(jsonb, timestamptz), private.budget_reserve(uuid, jsonb, timestamptz, numeric),
  private.ledger_record(uuid, text, uuid, jsonb, uuid, timestamptz, numeric) from public;
grant execute on function private.budget_month(uuid, timestamptz), private.model_price(text, text, timestamptz),
  private.call_ceiling(jsonb, timestamptz), private.budget_reserve(uuid, jsonb, timestamptz, numeric),
  private.ledger_record(uuid, text, uuid, jsonb, uuid, timestamptz, numeric) to service_role;

/** The service's entry points (the functions' begin and finish round trips call the private ones directly). */
create function public.budget_reserve(p_company uuid, p_calls jsonb)
returns jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.budget_reserve(p_company, p_calls)
$$;
create function public.ledger_record(p_company uuid, p_product text, p_conversation uuid, p_calls jsonb,
  p_reservation uuid default null)
returns numeric
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.ledger_record(p_company, p_product, p_conversation, p_calls, p_reservation)
$$;
revoke all on function public.budget_reserve(uuid, jsonb), public.ledger_record(uuid, text, uuid, jsonb, uuid) from public;
grant execute on function public.budget_reserve(uuid, jsonb), public.ledger_record(uuid, text, uuid, jsonb, uuid) to service_role;
