-- Who reads a company's analytics: its owner, admins and members (and service_role); a member of
-- another company and the anon key are refused (42501), and no API role writes the rollups.
-- A turn chat_begin_turn refuses is counted under its limit, and still stores nothing else.
begin;
select plan(14);

select * from tests.two_companies() \gset
select set_config('t.company', :'company_a', true);
\ir fixtures.sql
select tests.analytics_world(current_setting('t.company')::uuid);

select tests.act_as(:'owner_a');
select is((public.analytics('tenant-a', '2026-11-01', '2026-11-30') -> 'totals' ->> 'messages')::int, 10,
  'the owner reads the company''s analytics');
select tests.act_as(:'member_a');
select is((public.analytics(current_setting('t.company'), '2026-11-01', '2026-11-30') -> 'totals' ->> 'messages')::int, 10,
  'a member reads them too, by uuid as by slug');
select is((select count(*)::int from public.analytics_daily), 5, 'a member reads the company''s rollups under RLS');
select throws_ok($$insert into public.analytics_daily (company_id, day) values (current_setting('t.company')::uuid, '2026-11-05')$$,
  '42501', null, 'a member cannot write the rollups');
select throws_ok($$update public.analytics_refusals set count = 0$$, '42501', null, 'nor reset the refusals');

select tests.act_as(:'owner_b');
select throws_ok($$select public.analytics('tenant-a', '2026-11-01', '2026-11-30')$$, '42501',
  'analytics: requires a member of company tenant-a', 'another company''s owner is refused (42501)');
select tests.act_as(:'member_b');
select throws_ok($$select public.analytics('tenant-a', '2026-11-01', '2026-11-30')$$, '42501',
  'analytics: requires a member of company tenant-a', 'another company''s member is refused (42501)');
select is_empty($$select 1 from public.analytics_daily union all select 1 from public.analytics_response_times
    union all select 1 from public.analytics_refusals$$,
  'and reads none of its rollups');
select throws_ok($$select public.analytics('no-such-company', '2026-11-01', '2026-11-30')$$, '42501',
  'analytics: requires a member of company no-such-company', 'an unknown company is refused alike (nothing to probe)');

select tests.act_as_anon();
select throws_ok($$select public.analytics('tenant-a', '2026-11-01', '2026-11-30')$$, '42501', null,
  'the anon key is refused (42501)');

select tests.act_as_service_role();
select is((public.analytics('tenant-a', '2026-11-01', '2026-11-30') -> 'totals' ->> 'orders')::int, 1,
  'service_role (the operator''s secret key) reads them');

-- A refusal through the real path: the conversation's limit at 1, a second turn on it.
select tests.reset_role();
update public.company_rag_configs set rate_limit_messages = 1 where company_id = 'tenant-a';
select tests.act_as_service_role();
select tests.begin_turn('tenant-a', 'r1', 'v9', 'Bonjour', 'k1', p_now => '2026-11-04 10:00+00');
select results_eq(
  $$select t ->> 'outcome', t -> 'refused' ->> 'name' from tests.begin_turn('tenant-a', 'r1', 'v9', 'Encore', 'k2',
      p_now => '2026-11-04 10:00:01+00') t$$,
  $$values ('limited', 'conversation')$$, 'chat_begin_turn still refuses the turn over the conversation''s limit');
select results_eq(
  $$select day, limit_name, count from public.analytics_refusals where company_id = current_setting('t.company')::uuid
    and day = '2026-11-04'$$,
  $$values ('2026-11-04'::date, 'conversation', 1)$$, 'and the refusal is counted on its day under its limit');
select is_empty($$select 1 from public.messages where idempotency_key = 'k2'$$,
  'the refused turn stored no message');

select * from finish();
rollback;
