-- The analytics a member reads (public.analytics) on a small hand-made data set, each figure
-- checked against a direct query of the raw rows; the three monitoring queries of seed 004
-- (messages per agent and response times, rate-limit hits, error and escalation rates < 5 %)
-- answered from it; the rollups the triggers keep equal to a rebuild from the rows.
begin;
select plan(17);

select * from tests.two_companies() \gset
select set_config('t.company', :'company_a', true);
\ir fixtures.sql
select tests.analytics_world(current_setting('t.company')::uuid);

select tests.act_as(:'member_a');
create temporary table a on commit drop as
  select public.analytics('tenant-a', '2026-11-01', '2026-11-30') as r;
grant select on a to authenticated, service_role;

select results_eq(
  $$select day::date, agent, messages, conversations, escalations, errors
    from a, jsonb_to_recordset(a.r -> 'days') as d (day text, agent text, messages int, conversations int, escalations int, errors int)
    order by 1, 2$$,
  $$select f.day, f.agent, sum(f.messages)::int, sum(f.conversations)::int, sum(f.escalations)::int, sum(f.errors)::int
    from (
      select (m.created_at at time zone 'Europe/Paris')::date as day, m.agent, count(*) as messages,
        count(distinct m.conversation_id) as conversations, 0 as escalations, 0 as errors
      from public.messages m where m.company_id = current_setting('t.company')::uuid group by 1, 2
      union all
      select (e.created_at at time zone 'Europe/Paris')::date, 'carole', 0, 0, 1, 0
      from public.escalations e where e.company_id = current_setting('t.company')::uuid
      union all
      select (l.created_at at time zone 'Europe/Paris')::date, l.agent, 0, 0, 0, 1
      from public.usage_ledger l where l.company_id = current_setting('t.company')::uuid and l.outcome <> 'ok'
    ) f group by 1, 2 order by 1, 2$$,
  'per day and agent: messages, conversations, escalations and failed calls are those of the rows');

create temporary table exact_times on commit drop as
  select (m.created_at at time zone 'Europe/Paris')::date as day, m.agent,
    extract(epoch from m.created_at - m.previous_at) * 1000 as ms
  from (select m.*, lag(m.role) over w as previous_role, lag(m.created_at) over w as previous_at
        from public.messages m where m.company_id = current_setting('t.company')::uuid window w as (partition by m.conversation_id order by m.created_at)) m
  where m.role = 'assistant' and m.previous_role = 'user';
grant select on exact_times to authenticated;

select is_empty(
  $$select 1 from a, jsonb_to_recordset(a.r -> 'days') as d (day date, agent text, response_ms_p50 numeric, response_ms_p95 numeric)
    join (select day, agent, percentile_disc(0.5) within group (order by ms) as p50,
            percentile_disc(0.95) within group (order by ms) as p95
          from exact_times group by 1, 2) x on x.day = d.day and x.agent is not distinct from d.agent
    where abs(d.response_ms_p50 - x.p50) > 0.05 * x.p50 or abs(d.response_ms_p95 - x.p95) > 0.05 * x.p95$$,
  'per day and agent, p50 and p95 (user message → reply) are within 5 % of the exact nearest-rank percentiles');
select results_eq(
  $$select (r -> 'totals' ->> 'response_ms_p50')::numeric between 0.95 * 2000 and 1.05 * 2000,
      (r -> 'totals' ->> 'response_ms_p95')::numeric between 0.95 * 4000 and 1.05 * 4000 from a$$,
  $$values (true, true)$$,
  'over the range, p50 ≈ 2 s and p95 ≈ 4 s (of 0.5, 1, 2, 3 and 4 s)');

select results_eq(
  $$select x.day::date, x."limit", x.count from a, jsonb_to_recordset(a.r -> 'refusals') as x (day text, "limit" text, count int)$$,
  $$values ('2026-11-03'::date, 'conversation', 1)$$,
  'refusals are counted per day and limit');

select results_eq(
  $$select c.day::date, c.product, c.provider, c.model, c.calls, c.errors, c.prompt_tokens, c.completion_tokens, c.cost_usd
    from a, jsonb_to_recordset(a.r -> 'costs') as c (day text, product text, provider text, model text, calls int,
      errors int, prompt_tokens int, completion_tokens int, cost_usd numeric) order by 1, 2, 3, 4$$,
  $$select (l.created_at at time zone 'Europe/Paris')::date, l.product, l.provider, l.model_answered, count(*)::int,
      (count(*) filter (where l.outcome <> 'ok'))::int, sum(l.prompt_tokens)::int, sum(l.completion_tokens)::int, sum(l.cost_usd)
    from public.usage_ledger l where l.company_id = current_setting('t.company')::uuid group by 1, 2, 3, 4 order by 1, 2, 3, 4$$,
  'tokens and cost per day, product, provider and model are the ledger''s');

select results_eq(
  $$select (r -> 'totals' ->> 'messages')::int, (r -> 'totals' ->> 'conversations')::int,
      (r -> 'totals' ->> 'orders')::int, (r -> 'totals' ->> 'cost_usd')::numeric from a$$,
  $$select (select count(*)::int from public.messages where company_id = current_setting('t.company')::uuid),
      (select count(*)::int from public.conversations where company_id = current_setting('t.company')::uuid),
      (select count(*)::int from public.orders where company_id = current_setting('t.company')::uuid),
      (select sum(cost_usd) from public.usage_ledger where company_id = current_setting('t.company')::uuid)$$,
  'totals: messages, conversations (started in the range), orders and cost');
select results_eq(
  $$select (r -> 'totals' ->> 'error_rate')::numeric, (r -> 'totals' ->> 'escalation_rate')::numeric from a$$,
  $$select round((select count(*) filter (where outcome <> 'ok')::numeric / count(*) from public.usage_ledger where company_id = current_setting('t.company')::uuid), 4),
      round((select count(*)::numeric from public.escalations where company_id = current_setting('t.company')::uuid)
        / (select count(*) from public.conversations where company_id = current_setting('t.company')::uuid), 4)$$,
  'error rate = failed calls / calls, escalation rate = escalations / conversations');
select results_eq(
  $$select (r -> 'totals' ->> 'cost_per_conversation_usd')::numeric, (r -> 'totals' ->> 'cost_per_order_usd')::numeric from a$$,
  $$select round((select sum(cost_usd) from public.usage_ledger where company_id = current_setting('t.company')::uuid and product in ('chat', 'botlive', 'assistant'))
        / (select count(*) from public.conversations where company_id = current_setting('t.company')::uuid), 8),
      round((select sum(cost_usd) from public.usage_ledger where company_id = current_setting('t.company')::uuid and product = 'botlive')
        / (select count(*) from public.orders where company_id = current_setting('t.company')::uuid), 8)$$,
  'cost per conversation (chat, botlive, assistant calls) and per order (botlive calls)');
select results_eq(
  $$select (r -> 'days' -> 0 ->> 'day'), r ->> 'time_zone', r -> 'budget' = 'null' from a$$,
  $$values ('2026-11-02', 'Europe/Paris', true)$$,
  'days are the company''s (Europe/Paris); no budget set, none shown');

select is(
  (select (public.analytics('tenant-a', '2026-11-03', '2026-11-03') -> 'totals' ->> 'messages')::int), 4,
  'a range of one day counts only that day');

-- Seed 004's monitoring queries, from the one call.
select results_eq(
  $$select coalesce(d.agent, '(aucun)'), sum(d.messages)::int, max(d.response_ms_p95) is not null
    from a, jsonb_to_recordset(a.r -> 'days') as d (agent text, messages int, response_ms_p95 numeric)
    group by 1 order by 1$$,
  $$values ('(aucun)', 6, true), ('audrey', 3, true), ('carole', 1, true)$$,
  'monitoring 1: messages per agent and their response times (the visitor''s messages and Botlive''s replies under none)');
select results_eq(
  $$select x."limit", sum(x.count)::int from a, jsonb_to_recordset(a.r -> 'refusals') as x ("limit" text, count int) group by 1$$,
  $$values ('conversation', 1)$$,
  'monitoring 2: rate-limit hits per limit');
select results_eq(
  $$select (r -> 'totals' ->> 'error_rate')::numeric < 0.05, (r -> 'totals' ->> 'escalation_rate')::numeric < 0.05 from a$$,
  $$values (false, false)$$,
  'monitoring 3: error (1 in 3 calls) and escalation (1 in 3 conversations) rates, both over the 5 % threshold');

-- The month's budget, in the company's currency.
select tests.reset_role();
insert into public.company_budgets (company_id, monthly_limit, currency, usd_rate) values (current_setting('t.company')::uuid, 10000, 'XOF', 600);
insert into public.budget_months (company_id, month, spent_usd, soft_reached_at)
values (current_setting('t.company')::uuid, date_trunc('month', now() at time zone 'Europe/Paris')::date, 12.5, now());
select tests.act_as(:'member_a');
select is(public.analytics('tenant-a', '2026-11-01', '2026-11-30') -> 'budget',
  jsonb_build_object('month', date_trunc('month', now() at time zone 'Europe/Paris')::date, 'monthly_limit', 10000.00,
    'currency', 'XOF', 'spent', 7500.00, 'remaining', 2500.00, 'soft_reached', true, 'cap_reached', false),
  'the month''s budget: limit, spent (12.5 USD at 600 XOF) and what is left, in XOF, with its flags');

-- The ranges refused.
select throws_ok($$select public.analytics('tenant-a', '2025-01-01', '2026-01-02')$$, '22023',
  'analytics: a range covers at most 366 days', 'a range over 366 days is refused (22023)');
select throws_ok($$select public.analytics('tenant-a', '2026-11-02', '2026-11-01')$$, '22023',
  'analytics: from must not be after to', 'a range that ends before it starts is refused (22023)');

-- The rollups the triggers wrote are what a rebuild from the rows gives.
select tests.reset_role();
create temporary table kept on commit drop as
  select 'daily' as t, to_jsonb(d) - 'company_id' as row from public.analytics_daily d where d.company_id = current_setting('t.company')::uuid
  union all select 'times', to_jsonb(r) - 'company_id' from public.analytics_response_times r where r.company_id = current_setting('t.company')::uuid;
select private.analytics_rebuild(current_setting('t.company')::uuid);
select set_eq(
  $$select 'daily' as t, to_jsonb(d) - 'company_id' from public.analytics_daily d where d.company_id = current_setting('t.company')::uuid
    union all select 'times', to_jsonb(r) - 'company_id' from public.analytics_response_times r where r.company_id = current_setting('t.company')::uuid$$,
  $$select * from kept$$,
  'private.analytics_rebuild gives exactly the rollups the triggers kept');

select * from finish();
rollback;
