-- The usage ledger and the budgets (migration usage-ledger): a call priced by the provider's
-- own figure, by the price table valid at its time, free when offline, flagged when no price is
-- known (never 0); rolled up per day and month; the month in the company's time zone; a
-- reservation refused past the cap with nothing held; the soft threshold once; who reads what
-- (owner, member, another company's member, anon, service_role) and who may write.
begin;
select plan(35);

select * from tests.two_companies() \gset
select tests.reset_role();

-- Prices: a second, later price of a model; the one valid at a call's time is used.
insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from)
values ('testprov', 'm1', 1, 2, '2026-01-01'), ('testprov', 'm1', 10, 20, '2026-06-01');

select tests.act_as_service_role();
select is(private.ledger_record(:'company_a', 'chat', null, '[
  {"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 1000000, "completion_tokens": 1000000, "outcome": "ok"}
]', null, '2026-03-15 12:00+00'), 3.0::numeric, 'March: the January price (1 + 2 USD for a million each)');
select is(private.ledger_record(:'company_a', 'chat', null, '[
  {"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 1000000, "completion_tokens": 1000000, "outcome": "ok"}
]', null, '2026-07-15 12:00+00'), 30.0::numeric, 'July: the June price (10 + 20)');
select is(private.ledger_record(:'company_a', 'chat', null, '[
  {"kind": "chat", "provider": "openrouter", "model_requested": "anthropic/claude-3.5-sonnet", "model": "anthropic/claude-3.5-haiku", "prompt_tokens": 10, "completion_tokens": 10, "cost_usd": 0.5, "outcome": "ok"},
  {"kind": "embedding", "provider": "offline", "model": "offline-embed", "prompt_tokens": 50, "outcome": "ok"},
  {"kind": "chat", "provider": "testprov", "model": "no-such-model", "prompt_tokens": 100, "outcome": "ok"},
  {"kind": "chat", "provider": "openrouter", "model_requested": "anthropic/claude-3.5-sonnet", "outcome": "timeout", "latency_ms": 5000}
]', null, '2026-07-15 13:00+00'), 0.5::numeric, 'the provider''s own figure counts; offline is free; the unpriced one is not added as 0');
select tests.reset_role();

select results_eq(
  format($$select provider, model_requested, model_answered, cost_usd, cost_source, outcome from public.usage_ledger
    where company_id = %L and created_at = '2026-07-15 13:00+00' order by id$$, :'company_a'),
  $$values ('openrouter', 'anthropic/claude-3.5-sonnet', 'anthropic/claude-3.5-haiku', 0.5::numeric(14,8), 'provider', 'ok'),
    ('offline', null, 'offline-embed', 0::numeric(14,8), 'free', 'ok'),
    ('testprov', null, 'no-such-model', null, 'unpriced', 'ok'),
    ('openrouter', 'anthropic/claude-3.5-sonnet', null, 0::numeric(14,8), 'price_table', 'timeout')$$,
  'one row per call: the model that answered beside the one asked for; unpriced has no cost, never 0; a timeout billed nothing');
select is((select count(*)::int from public.usage_ledger where company_id = :'company_a'), 6, 'six calls, six rows');
select results_eq(
  format($$select provider, model, calls, errors, cost_usd, unpriced_calls from public.usage_daily
    where company_id = %L and day = '2026-07-15' order by provider, model$$, :'company_a'),
  $$values ('offline', 'offline-embed', 1, 0, 0::numeric(16,8), 0),
    ('openrouter', 'anthropic/claude-3.5-haiku', 1, 0, 0.5::numeric(16,8), 0),
    ('openrouter', 'anthropic/claude-3.5-sonnet', 1, 1, 0::numeric(16,8), 0),
    ('testprov', 'm1', 1, 0, 30::numeric(16,8), 0),
    ('testprov', 'no-such-model', 1, 0, 0::numeric(16,8), 1)$$,
  'rolled up per day, provider and the model that answered (a failed call under the one asked for)');
select results_eq(
  format($$select month, spent_usd, unpriced_calls from public.budget_months where company_id = %L order by month$$, :'company_a'),
  $$values ('2026-03-01'::date, 3::numeric(16,8), 0), ('2026-07-01'::date, 30.55::numeric(16,8), 1)$$,
  'each month''s spending and unpriced calls (one counts at what its reservation held: 0.05 USD)');

-- The month is the company's: 23:30 UTC on 31 July is already August in Paris.
select tests.act_as_service_role();
select private.ledger_record(:'company_a', 'chat', null, '[{"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 100000, "outcome": "ok"}]',
  null, '2026-07-31 23:30+00') is not null as recorded \gset
select tests.reset_role();
select is((select spent_usd from public.budget_months where company_id = :'company_a' and month = '2026-08-01'), 1.0::numeric(16,8),
  'Europe/Paris: counted in August');
update public.companies set time_zone = 'Africa/Dakar' where id = :'company_a';
select is(private.budget_month(:'company_a', '2026-07-31 23:30+00'), '2026-07-01'::date, 'Africa/Dakar: still July');

-- Budgets: reservations under the cap, refused past it, nothing held when refused.
insert into public.company_budgets (company_id, monthly_limit, currency, usd_rate, soft_ratio, fallback_model)
values (:'company_a', 60000, 'XOF', 600, 0.5, 'gpt-4o-mini');
-- 60 000 XOF at 600 a dollar: 100 USD; 30.5 spent in July (Dakar now), the rest for the test.
select tests.act_as_service_role();
select private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000, "max_output_tokens": 1000000}]',
  '2026-07-20 12:00+00') as r1 \gset
select is((:'r1'::jsonb ->> 'allowed')::boolean, true, '30 USD more: allowed (60.5 of 100)');
select is((:'r1'::jsonb ->> 'amount_usd')::numeric, 30::numeric, 'the ceiling at July''s price');
select is((:'r1'::jsonb ->> 'soft')::boolean, true, 'past the soft threshold (50 %)');
select private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000, "max_output_tokens": 1000000}]',
  '2026-07-20 12:01+00') as r2 \gset
select is((:'r2'::jsonb ->> 'allowed')::boolean, true, '90.5 of 100: allowed');
select private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000, "max_output_tokens": 1000000}]',
  '2026-07-20 12:02+00') as r3 \gset
select is((:'r3'::jsonb ->> 'allowed')::boolean, false, '120.5 of 100: refused');
select is(:'r3'::jsonb ->> 'fallback_model', 'gpt-4o-mini', 'the budget''s cheaper model is offered');
select is((:'r3'::jsonb ->> 'remaining_usd')::numeric, 9.45::numeric, 'what is left: 100 − 30.55 spent − 60 held');
select tests.reset_role();
select is((select count(*)::int from private.budget_reservations where company_id = :'company_a'), 2, 'the refused one holds nothing');
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'budget.soft'), 1, 'the soft threshold: one activity');
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'budget.cap'), 0,
  'refused only because turns in flight hold the rest: the cap is not reached, no alert');
select tests.act_as_service_role();
select is((private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 10000000}]',
  '2026-07-20 12:02:30+00') ->> 'allowed')::boolean, false, 'a call that alone would pass the cap: refused');
select is((private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 10000000}]',
  '2026-07-20 12:02:40+00') ->> 'allowed')::boolean, false, 'again');
select tests.reset_role();
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'budget.cap'), 1, 'the cap: one activity');
select ok((select soft_reached_at is not null and cap_reached_at is not null from public.budget_months
  where company_id = :'company_a' and month = '2026-07-01'), 'and the month''s flags the dashboard shows');

-- Settling: the ledger row releases its reservation; a lapsed reservation stops counting.
select tests.act_as_service_role();
select private.ledger_record(:'company_a', 'chat', null, '[{"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 10, "outcome": "ok"}]',
  (:'r1'::jsonb ->> 'reservation')::uuid, '2026-07-20 12:03+00') is not null as settled \gset
select tests.reset_role();
select is((select count(*)::int from private.budget_reservations where company_id = :'company_a'), 1, 'settled: its reservation is gone');
select tests.act_as_service_role();
select is((private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000, "max_output_tokens": 1000000}]',
  '2026-07-20 12:30+00') ->> 'allowed')::boolean, true, 'half an hour later the other lapsed: 30 more fit again');
select is((private.budget_reserve(:'company_a', '[{"provider": "offline", "model": "x", "max_input_tokens": 1000000}]',
  '2026-07-20 12:31+00') ->> 'amount_usd')::numeric, 0::numeric, 'offline costs nothing to reserve');
select is((private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "unknown"}]',
  '2026-07-20 12:32+00') ->> 'amount_usd')::numeric, 0.05::numeric, 'an unpriced model holds the default');
select is((private.budget_reserve(:'company_b', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000}]',
  '2026-07-20 12:00+00') ->> 'allowed')::boolean, true, 'no budget: allowed');
select tests.reset_role();
select is((select count(*)::int from private.budget_reservations where company_id = :'company_b'), 0, 'and nothing held');

-- Who reads and who writes.
select tests.act_as(:'member_a');
select ok((select count(*) from public.usage_ledger) >= 7 and not exists (select 1 from public.usage_ledger where company_id <> :'company_a'),
  'a member reads her company''s ledger only');
select throws_ok($$insert into public.usage_ledger (company_id, product, kind, provider, outcome, cost_source) values
  ('00000000-0000-0000-0000-000000000000', 'chat', 'chat', 'x', 'ok', 'free')$$, '42501', null, 'and never writes it');
select is(tests.affected_rows(format($$update public.company_budgets set monthly_limit = 1 where company_id = %L$$, :'company_a')), 0,
  'a member does not change the budget');
select tests.act_as(:'member_b');
select is((select count(*)::int from public.usage_ledger where company_id = :'company_a'), 0, 'another company''s member reads nothing of it');
select tests.act_as(:'admin_a');
select lives_ok(format($$update public.company_budgets set monthly_limit = 120000 where company_id = %L$$, :'company_a'),
  'an admin sets it');
select tests.act_as_anon();
select throws_ok($$select 1 from public.usage_ledger$$, '42501', null, 'anon reads nothing');
select tests.reset_role();

select * from finish();
rollback;
