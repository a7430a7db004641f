-- An attacker's review of the usage ledger, the budgets and the analytics (issue 20).
-- Tests marked HOLE fail today and describe what should hold; the others pin good behaviour.
begin;
select plan(15);

select * from tests.two_companies() \gset
select tests.reset_role();

insert into public.model_prices (provider, model, input_per_million, output_per_million, valid_from)
values ('testprov', 'm1', 1, 1, '2026-01-01');

-- A's figures, so that a reader of another company has something to find.
select tests.act_as_service_role();
select private.ledger_record(:'company_a', 'chat', null,
  '[{"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 1000, "outcome": "error"}]',
  null, '2026-07-15 12:00+00') is not null as recorded \gset
select tests.reset_role();
insert into public.company_budgets (company_id, monthly_limit) values (:'company_a', 100);

-- ---------------------------------------------------------------------------------------------
-- Who may call the writers: service_role only.
select is((select bool_or(has_function_privilege(r, f, 'execute'))
  from unnest(array['anon', 'authenticated']) r,
       unnest(array['public.ledger_record(uuid,text,uuid,jsonb,uuid)', 'public.budget_reserve(uuid,jsonb)',
         'private.ledger_record(uuid,text,uuid,jsonb,uuid,timestamptz,numeric)',
         'private.budget_reserve(uuid,jsonb,timestamptz,numeric)', 'public.chat_finish_turn(uuid,uuid,text,jsonb,jsonb,jsonb,timestamptz)',
         'public.botlive_finish_turn(text,uuid,text,text,jsonb)', 'public.assistant_finish_turn(uuid,text,jsonb)']) f),
  false, 'neither anon nor a signed-in user may write the ledger, reserve, or finish a turn');

-- Another company's member reads nothing of A.
select tests.act_as(:'member_b');
select is((select count(*)::int from public.usage_ledger where company_id = :'company_a')
  + (select count(*)::int from public.usage_daily where company_id = :'company_a')
  + (select count(*)::int from public.budget_months where company_id = :'company_a')
  + (select count(*)::int from public.company_budgets where company_id = :'company_a')
  + (select count(*)::int from public.analytics_daily where company_id = :'company_a'), 0,
  'a member of B reads none of A''s ledger, rollups, budget, months or analytics');
select throws_ok(format($$select public.analytics(%L, '2026-07-01', '2026-07-31')$$, :'company_a'), '42501', null,
  'analytics of A by a member of B: 42501');
select throws_ok($$select public.analytics('tenant-a', '2026-07-01', '2026-07-31')$$, '42501', null,
  'analytics of A by slug, by a member of B: 42501');
select throws_ok(format($$insert into public.usage_ledger (company_id, product, kind, provider, outcome, cost_source)
  values (%L, 'chat', 'chat', 'x', 'ok', 'free')$$, :'company_b'), '42501', null,
  'a member cannot forge a ledger row, even in their own company');
select throws_ok(format($$insert into public.company_budgets (company_id, monthly_limit) values (%L, 1)$$, :'company_a'),
  '42501', null, 'a member of B cannot set A''s budget (nor exhaust it by lowering it)');

-- A plain member of A cannot raise (dodge) or lower their own company's budget.
select tests.act_as(:'member_a');
select is(tests.affected_rows(format($$update public.company_budgets set monthly_limit = 1000000 where company_id = %L$$,
  :'company_a')), 0, 'a plain member cannot raise their company''s cap');
select throws_ok(format($$update public.company_budgets set company_id = %L where company_id = %L$$, :'company_b', :'company_a'),
  '42501', null, 'nobody moves a budget to another company (company_id is not updatable)');

-- anon: nothing at all.
select tests.act_as_anon();
select throws_ok($$select count(*) from public.usage_ledger$$, '42501', null, 'anon cannot read the ledger');
select throws_ok($$select public.analytics('tenant-a', '2026-07-01', '2026-07-31')$$, '42501', null,
  'anon cannot call analytics');
select tests.reset_role();

-- A reservation of B cannot be released by recording calls for A.
insert into public.company_budgets (company_id, monthly_limit) values (:'company_b', 100);
select tests.act_as_service_role();
select (private.budget_reserve(:'company_b', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000}]',
  '2026-07-15 12:00+00') ->> 'reservation') as b_reservation \gset
select private.ledger_record(:'company_a', 'chat', null, '[]', :'b_reservation', '2026-07-15 12:00+00') is not null as released \gset
select tests.reset_role();
select is((select count(*)::int from private.budget_reservations where id = :'b_reservation'), 1,
  'A''s finishing round trip cannot release B''s reservation');

-- The month boundary (Europe/Paris): reserved on 30 November 23:59:59, recorded 1 December
-- 00:00:01 — released, spent in December.
select tests.act_as_service_role();
select (private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 1000000}]',
  '2026-11-30 22:59:59+00') ->> 'reservation') as nov_reservation \gset
select private.ledger_record(:'company_a', 'chat', null,
  '[{"kind": "chat", "provider": "testprov", "model": "m1", "prompt_tokens": 1000000, "outcome": "ok"}]',
  :'nov_reservation', '2026-11-30 23:00:01+00') is not null as settled \gset
select tests.reset_role();
select results_eq(format($$select month, spent_usd from public.budget_months where company_id = %L and month >= '2026-11-01'
  order by month$$, :'company_a'),
  $$values ('2026-11-01'::date, 0::numeric(16,8)), ('2026-12-01'::date, 1::numeric(16,8))$$,
  'a turn straddling midnight: its cost goes to the month it was recorded in (the company''s time zone)');
select is((select count(*)::int from private.budget_reservations where id = :'nov_reservation'), 0,
  'its November reservation is released by the December record');

-- ---------------------------------------------------------------------------------------------
-- HOLE 1: an unpriced model is never counted against the cap. budget_reserve holds 0.05 USD for
-- it, but ledger_record settles it as cost null and budget_months.spent_usd never moves, so a
-- company whose calls go to a model missing from model_prices (an OpenAI/Groq/DeepSeek/vision
-- model other than the nine seeded, an OpenRouter model that did not report usage.cost) spends
-- without limit: here a 0.12 USD budget admits call after call.
update public.company_budgets set monthly_limit = 0.12 where company_id = :'company_a';
select tests.act_as_service_role();
do $$
declare
  v_company uuid := (select id from public.companies where slug = 'tenant-a');
  v_r jsonb;
begin
  for i in 1..5 loop
    v_r := private.budget_reserve(v_company, '[{"provider": "testprov", "model": "pricey-unlisted"}]', '2026-08-10 12:00+00');
    exit when not (v_r ->> 'allowed')::boolean;
    perform private.ledger_record(v_company, 'chat', null,
      '[{"kind": "chat", "provider": "testprov", "model": "pricey-unlisted", "prompt_tokens": 100000, "completion_tokens": 100000, "outcome": "ok"}]',
      (v_r ->> 'reservation')::uuid, '2026-08-10 12:00+00');
  end loop;
end
$$;
select tests.reset_role();
select cmp_ok((select count(*)::int from public.usage_ledger where company_id = :'company_a' and model_answered = 'pricey-unlisted'),
  '<=', 2, 'HOLE: a 0.12 USD cap admits at most two unpriced calls (held at 0.05 each)');

-- HOLE 2: in-flight reservations alone mark the month's cap as reached. A burst of concurrent
-- turns (a visitor's, within the rate limits) holding ceilings makes budget_reserve refuse one —
-- right — but it also writes cap_reached_at and the 'budget.cap' activity ("Budget du mois
-- atteint") while nothing is spent; analytics then say cap_reached for the rest of the month
-- and the real crossing, later, logs nothing (once a month).
update public.company_budgets set monthly_limit = 1 where company_id = :'company_a';
select tests.act_as_service_role();
select private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 900000}]',
  '2026-09-10 12:00+00') is not null as held \gset
select private.budget_reserve(:'company_a', '[{"provider": "testprov", "model": "m1", "max_input_tokens": 200000}]',
  '2026-09-10 12:00+00') is not null as refused \gset
select tests.reset_role();
select is((select cap_reached_at from public.budget_months where company_id = :'company_a' and month = '2026-09-01'), null,
  'HOLE: money held in flight (0 spent of 1 USD) does not mark the month''s cap as reached');

select * from finish();
rollback;
