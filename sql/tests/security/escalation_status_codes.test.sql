-- resolve_escalation is called by members through PostgREST, which turns a SQLSTATE into the
-- HTTP status: an escalation the caller cannot see (another company's, or none) is PT404 (a
-- 404, like a row RLS hides), never P0002 (a 500). Each actor that matters, in turn.
begin;
select plan(9);

select * from tests.two_companies() \gset
select tests.act_as_service_role();
select public.ensure_conversation('tenant-a', 'widget', 'conv-1') as conv \gset
select public.open_escalation('tenant-a', :'conv', 'visitor_request') as esc \gset

select tests.act_as(:'owner_b');
select throws_ok(format('select public.resolve_escalation(%L)', :'esc'), 'PT404',
  format('resolve_escalation: unknown escalation %s', :'esc'),
  'another company''s owner resolving it: PT404 (PostgREST: 404)');
select tests.act_as(:'member_b');
select throws_ok(format('select public.resolve_escalation(%L)', :'esc'), 'PT404', null,
  'another company''s member: PT404 too');
select throws_ok(format('select public.resolve_escalation(%L)', gen_random_uuid()), 'PT404', null,
  'an escalation that does not exist: the same answer, so existence does not leak');
select throws_ok('select public.resolve_escalation(null)', 'PT404', null, 'no id at all: the same');

select tests.act_as_anon();
select throws_ok(format('select public.resolve_escalation(%L)', :'esc'), '42501', null,
  'anon may not call it (PostgREST: 401)');

select tests.act_as(:'member_a');
select is(public.resolve_escalation(:'esc'), true, 'a member of the company resolves it');
select is(public.resolve_escalation(:'esc'), false, 'and a second call says it was already resolved');

select tests.act_as_service_role();
select throws_ok(format('select public.resolve_escalation(%L)', gen_random_uuid()), 'PT404', null,
  'service_role meets PT404 for an unknown escalation as well');
select is((select status from public.escalations where id = :'esc'), 'resolved',
  'the refused calls changed nothing; the member''s resolved it');

select * from finish();
rollback;
