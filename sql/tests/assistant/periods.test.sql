-- The assistant's periods and time zone: billing_period_totals (invoiced by issue date, collected
-- by payment date, in the company's time zone at p_now) per actor; the time zone setting (admins
-- change it, members cannot, an unknown zone is refused, a change invalidates every section); the
-- context's day, week (past and upcoming) and overdue in that zone.
begin;
select plan(24);

select * from tests.two_companies() \gset

insert into public.clients (id, company_id, name) values
  ('22222222-0000-4000-8000-000000000001', :'company_a', 'Hôtel du Lac'),
  ('22222222-0000-4000-8000-000000000002', :'company_a', 'Élodie Bérard');
insert into public.invoices (company_id, client_id, number, amount, status, issue_date, due_date, paid_at) values
  (:'company_a', '22222222-0000-4000-8000-000000000001', 'F-1', 1000, 'paid', '2026-11-05', '2026-12-05', '2026-11-20 09:00+00'),
  (:'company_a', '22222222-0000-4000-8000-000000000002', 'F-2', 2500.50, 'pending', '2026-11-15', '2026-12-15', null),
  -- Paid at 00:30 on 1 December in Paris: December there, November in UTC.
  (:'company_a', '22222222-0000-4000-8000-000000000002', 'F-3', 700, 'paid', '2026-11-03', '2026-12-03', '2026-11-30 23:30+00'),
  (:'company_a', '22222222-0000-4000-8000-000000000001', 'F-4', 300, 'cancelled', '2026-11-10', null, null),
  (:'company_a', '22222222-0000-4000-8000-000000000001', 'F-5', 900, 'draft', '2026-11-25', null, null),
  (:'company_a', '22222222-0000-4000-8000-000000000001', 'F-6', 1200, 'pending', '2026-12-01', '2026-12-01', null),
  (:'company_a', '22222222-0000-4000-8000-000000000001', 'F-7', 800, 'paid', '2026-11-20', '2026-12-20', null);
insert into public.invoices (company_id, number, amount, status, issue_date, paid_at) values
  (:'company_b', 'B-1', 99999, 'paid', '2026-11-05', '2026-11-06 10:00+00');
insert into public.appointments (company_id, subject, scheduled_date, status) values
  (:'company_a', 'Lundi', '2026-11-30 08:00+00', 'scheduled'),
  (:'company_a', 'Mercredi matin', '2026-12-02 07:30+00', 'scheduled'),
  (:'company_a', 'Mercredi soir', '2026-12-02 17:00+00', 'scheduled'),
  (:'company_a', 'Vendredi', '2026-12-04 09:00+00', 'scheduled'),
  (:'company_a', 'Annulé', '2026-12-03 09:00+00', 'cancelled');

select tests.act_as(:'owner_a');
select is(public.billing_period_totals('tenant-a', 'm11', '2026-12-02 09:00+00'),
  jsonb_build_object('period', 'm11', 'from', '2026-11-01', 'to', '2026-11-30', 'today', '2026-12-02',
    'time_zone', 'Europe/Paris', 'current', false, 'future', false,
    'invoiced', jsonb_build_object('count', 4, 'amount', 5000.50),
    'collected', jsonb_build_object('count', 1, 'amount', 1000.00),
    'paid_undated', jsonb_build_object('count', 1, 'amount', 800.00)),
  'November: invoiced = pending or paid issued in it (draft and cancelled apart); collected by payment date in Paris; the undated paid one said apart');
select is(public.billing_period_totals('tenant-a', 'last_month', '2026-12-02 09:00+00') - 'period',
  public.billing_period_totals('tenant-a', '2026-11', '2026-12-02 09:00+00') - 'period',
  'last_month, 2026-11 and m11 are the same month');
select is(public.billing_period_totals('tenant-a', 'month', '2026-12-02 09:00+00') -> 'collected',
  jsonb_build_object('count', 1, 'amount', 700.00), 'December in Paris collects the invoice paid at 23:30 UTC on 30 November');
select is((public.billing_period_totals('tenant-a', 'month', '2026-12-02 09:00+00') ->> 'current')::boolean, true,
  'the month under way is current');
select is(public.billing_period_totals('tenant-a', 'm12', '2026-11-15 09:00+00') ->> 'from', '2025-12-01',
  '« décembre » asked in November is the last December that began');
select is(public.billing_period_totals('tenant-a', 'month', '2026-11-30 23:30+00') ->> 'from', '2026-12-01',
  'at 23:30 UTC on 30 November, « this month » in Paris is already December');
select is(public.billing_period_totals('tenant-a', 'year', '2026-12-02 09:00+00') -> 'invoiced',
  jsonb_build_object('count', 5, 'amount', 6200.50), 'the year: every issued invoice of 2026');
select throws_ok($$select public.billing_period_totals('tenant-a', 'forever')$$, '22023',
  'billing_period_totals: unknown period forever', 'an unknown period is refused');
select throws_ok($$select public.billing_period_totals('tenant-a', '2026-13')$$, '22023', null, 'so is a thirteenth month');

select is(public.build_company_context('tenant-a', array['appointments'], '2026-12-02 09:00+00') -> 'appointments'
    -> 'week_past', '2'::jsonb, 'the week at Wednesday 10:00 in Paris: Monday and Wednesday morning are past');
select is(public.build_company_context('tenant-a', array['appointments'], '2026-12-02 09:00+00') -> 'appointments'
    -> 'week_upcoming', '2'::jsonb, 'Wednesday evening and Friday are to come (the cancelled one is not counted)');
select is(public.build_company_context('tenant-a', array['appointments'], '2026-12-02 09:00+00') -> 'appointments'
    -> 'week' -> 1 -> 'past', 'true'::jsonb, 'each of the week''s appointments says whether it is past');
select is(public.build_company_context('tenant-a', array['billing'], '2026-12-02 03:00+00') -> 'billing' -> 'invoices'
    -> 'overdue', '1'::jsonb, 'at 04:00 on 2 December in Paris, an invoice due on 1 December is overdue');
select is(public.build_company_context('tenant-a', array['billing'], '2026-12-02 09:00+00') -> 'billing' -> 'invoices'
    -> 'top_clients' -> 0 ->> 'name', 'Élodie Bérard', 'the best client by revenue (invoiced, pending or paid)');

select tests.act_as(:'member_a');
select is(public.billing_period_totals('tenant-a', 'm11', '2026-12-02 09:00+00') -> 'invoiced' ->> 'amount', '5000.50',
  'a member reads the same totals');
select is(tests.affected_rows(format($$update public.companies set time_zone = 'UTC' where id = %L$$, :'company_a')), 0,
  'a member cannot change the time zone');

select tests.act_as(:'admin_a');
select throws_ok(format($$update public.companies set time_zone = 'Europe/Lutece' where id = %L$$, :'company_a'), '22023',
  null, 'an unknown time zone is refused');
select tests.reset_role();
select version as billing_version from private.context_versions where company_id = :'company_a' and section = 'billing' \gset
select tests.act_as(:'admin_a');
select is(tests.affected_rows(format($$update public.companies set time_zone = 'UTC' where id = %L$$, :'company_a')), 1,
  'an admin sets the time zone');
select tests.reset_role();
select cmp_ok((select version from private.context_versions where company_id = :'company_a' and section = 'billing'), '>',
  :'billing_version'::bigint, 'a time zone change invalidates the other sections too (billing)');
select tests.act_as(:'owner_a');
select is(public.billing_period_totals('tenant-a', 'm11', '2026-12-02 09:00+00') -> 'collected',
  jsonb_build_object('count', 2, 'amount', 1700.00), 'in UTC, the 23:30 payment falls in November');
select is(public.build_company_context('tenant-a', array['billing'], '2026-12-02 03:00+00') -> 'billing' -> 'invoices'
    -> 'overdue', '1'::jsonb, 'in UTC too it is 2 December at 03:00');

select tests.act_as(:'member_b');
select throws_ok($$select public.billing_period_totals('tenant-a', 'month')$$, '42501',
  'billing_period_totals: requires a member of company tenant-a', 'a member of another company gets nothing');
select is(public.billing_period_totals('tenant-b', 'm11', '2026-12-02 09:00+00') -> 'collected' ->> 'amount', '99999.00',
  'and their own company''s totals hold only their invoices');

select tests.act_as_anon();
select throws_ok($$select public.billing_period_totals('tenant-a', 'month')$$, '42501', null, 'anon cannot call it');

select * from finish();
rollback;
