-- log_activity appends to a company's realtime feed, for members and for service_role; an
-- activity's conversation must be the company's own.
begin;
select plan(18);

select * from tests.two_companies() \gset

select tests.act_as(:'owner_a');
select public.log_activity('tenant-a', 'order.created', 'Nouvelle commande') as by_slug \gset
select results_eq(format('select company_id, type, title, description, status, metadata, conversation_id from public.activities where id = %L', :'by_slug'),
  format($$values (%L::uuid, 'order.created', 'Nouvelle commande', null::text, 'info', '{}'::jsonb, null::uuid)$$, :'company_a'),
  'an owner logs by slug, with status info, empty metadata and no description by default');

select tests.reset_role();
insert into public.conversations (id, company_id, channel, external_id)
  values ('00000000-0000-4000-8000-0000000000c1', :'company_a', 'widget', 'conv-activity');
select tests.act_as(:'owner_a');
select public.log_activity(:'company_a', 'payment.received', 'Paiement reçu', '15 000 FCFA via Wave', 'success',
  '{"amount": 15000, "currency": "XOF"}', '00000000-0000-4000-8000-0000000000c1') as by_uuid \gset
select results_eq(format('select company_id, description, status, metadata ->> ''currency'', conversation_id from public.activities where id = %L', :'by_uuid'),
  format($$values (%L::uuid, '15 000 FCFA via Wave', 'success', 'XOF', '00000000-0000-4000-8000-0000000000c1'::uuid)$$, :'company_a'),
  'an owner logs by uuid, and every given field is kept');

select tests.act_as(:'member_a');
select isnt(public.log_activity('tenant-a', 'session.started', 'Live démarré'), null,
  'a plain member logs for its own company');

select throws_ok($$select public.log_activity('tenant-a', ' ', 'Titre')$$, '22023', 'log_activity: type must not be empty',
  'a blank type raises 22023');
select throws_ok($$select public.log_activity('tenant-a', 'order.created', '')$$, '22023', 'log_activity: title must not be empty',
  'an empty title raises 22023');
select throws_ok($$select public.log_activity('tenant-a', 'order.created', null)$$, '22023', 'log_activity: title must not be empty',
  'a null title raises 22023');
select throws_ok($$select public.log_activity('tenant-a', 'order.created', 'Titre', null, 'fatal')$$, '22023',
  'log_activity: unknown status fatal', 'an unknown status raises 22023');
select throws_ok($$select public.log_activity('tenant-a', 'order.created', 'Titre', null, 'info', '[1]')$$, '22023',
  'log_activity: metadata must be a json object', 'metadata that is not an object raises 22023');
select throws_ok($$select public.log_activity('nope', 'order.created', 'Titre')$$, '42501',
  'log_activity: not a member of company nope',
  'a signed-in caller gets the same 42501 for an unknown company as for another one (no existence leak)');

select tests.act_as_service_role();
select isnt(public.log_activity('tenant-b', 'escalation.created', 'Client à rappeler', null, 'warning'), null,
  'service_role logs for any company');
select throws_ok($$select public.log_activity('nope', 'order.created', 'Titre')$$, 'P0002', 'unknown company: nope',
  'service_role is told plainly that a company is unknown (P0002)');

select tests.act_as(:'member_a');
select results_eq('select distinct company_id from public.activities', format('values (%L::uuid)', :'company_a'),
  'a member sees only its own company''s activities');
select is((select count(*)::int from public.activities), 3, 'a member sees every activity of its company');

select tests.act_as(:'owner_b');
select results_eq('select title from public.activities', $$values ('Client à rappeler')$$,
  'the other company sees only its own activity');

select tests.reset_role();
select ok(exists (
  select 1 from pg_catalog.pg_publication_tables
  where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'activities'
), 'activities stream through the supabase_realtime publication');

-- An activity links only to the company's own conversations; another company's and a random id
-- get one and the same error, which tells nothing of whether the conversation exists.
select tests.reset_role();
insert into public.conversations (id, company_id, channel, external_id)
  values ('00000000-0000-4000-8000-0000000000b1', :'company_b', 'widget', 'conv-b');
select tests.act_as_service_role();
select throws_ok($$select public.log_activity('tenant-a', 'x', 'Lien', p_conversation_id => '00000000-0000-4000-8000-0000000000b1')$$,
  '22023', 'log_activity: no conversation 00000000-0000-4000-8000-0000000000b1 in this company',
  'another company''s conversation cannot be linked, not even by the service role');
select throws_ok($$select public.log_activity('tenant-a', 'x', 'Lien', p_conversation_id => '00000000-0000-4000-8000-00000000dead')$$,
  '22023', 'log_activity: no conversation 00000000-0000-4000-8000-00000000dead in this company',
  'a conversation that does not exist gets the same error (no foreign-key message)');
select tests.act_as(:'owner_a');
select throws_ok($$select public.log_activity('tenant-a', 'x', 'Lien', p_conversation_id => '00000000-0000-4000-8000-0000000000b1')$$,
  '22023', null, 'an owner cannot link another company''s conversation either');

select * from finish();
rollback;
