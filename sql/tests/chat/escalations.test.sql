-- An open escalation pauses its conversation until a member resolves it; opening and
-- resolving each write an activity; one escalation at most is open per conversation.
begin;
select plan(17);

select * from tests.two_companies() \gset

select tests.act_as_service_role();
select public.ensure_conversation('tenant-a', 'widget', 'conv-1') as conv \gset
select is(public.conversation_is_paused(:'conv'), false, 'a new conversation is not paused');

select public.open_escalation('tenant-a', :'conv', 'visitor_request', 'Souhaite parler à Audrey') as esc \gset
select is(public.conversation_is_paused(:'conv'), true, 'opening an escalation pauses the conversation');
select is((select status from public.conversations where id = :'conv'), 'escalated',
  'opening an escalation marks the conversation escalated');
select results_eq(format($$select company_id, conversation_id, type, status, metadata ->> 'escalation_id' from public.activities where metadata ->> 'escalation_id' = %L$$, :'esc'),
  format($$values (%L::uuid, %L::uuid, 'escalation', 'warning', %L)$$, :'company_a', :'conv', :'esc'),
  'opening an escalation writes a warning activity on the conversation');
select is(public.open_escalation('tenant-a', :'conv', 'low_confidence'), :'esc'::uuid,
  'opening again returns the escalation already open');
select is((select count(*)::int from public.escalations where conversation_id = :'conv'), 1, 'and opens no second one');
select throws_ok(format($$insert into public.escalations (conversation_id, company_id, reason) values (%L, %L, 'other')$$, :'conv', :'company_a'),
  '23505', null, 'the table itself refuses a second open escalation on a conversation');
select throws_ok(format($$select public.open_escalation('tenant-a', %L, 'bored')$$, :'conv'), '22023',
  'open_escalation: unknown reason bored', 'an unknown reason raises 22023');
select throws_ok(format($$select public.open_escalation('tenant-b', %L, 'other')$$, :'conv'), 'P0002',
  format('open_escalation: unknown conversation %s', :'conv'), 'a conversation of another company raises P0002');

select tests.act_as(:'owner_b');
select is_empty('select 1 from public.escalations', 'a member of another company sees no escalation');
select throws_ok(format('select public.resolve_escalation(%L)', :'esc'), 'PT404',
  format('resolve_escalation: unknown escalation %s', :'esc'), 'nor can it resolve one');

select tests.act_as(:'member_a');
select is(public.resolve_escalation(:'esc'), true, 'a plain member resolves its company''s escalation');
select results_eq(format('select status, resolved_by, resolved_at is not null from public.escalations where id = %L', :'esc'),
  format($$values ('resolved', %L::uuid, true)$$, :'member_a'), 'resolving stamps who resolved it and when');
select is(public.resolve_escalation(:'esc'), false, 'resolving twice says it was already resolved');
select throws_ok(format($$update public.escalations set status = 'open' where id = %L$$, :'esc'), '22023',
  format('escalation %s is already resolved', :'esc'), 'a resolved escalation cannot be reopened');

select tests.act_as_service_role();
select is(public.conversation_is_paused(:'conv'), false, 'resolving un-pauses the conversation');
select results_eq(format($$select c.status, a.status from public.conversations c, public.activities a
    where c.id = %L and a.metadata ->> 'escalation_id' = %L and a.title = 'Escalade résolue'$$, :'conv', :'esc'),
  $$values ('active', 'success')$$, 'resolving sets the conversation active again and writes a success activity');

select * from finish();
rollback;
