-- A repeated idempotency key returns the message stored the first time and inserts nothing.
begin;
select plan(5);

select tests.create_company('tenant-a', tests.create_user('owner@tenant-a.test')) as company_a \gset

select tests.act_as_service_role();
select public.ensure_conversation('tenant-a', 'widget', 'conv-1') as conv_1 \gset
select public.ensure_conversation('tenant-a', 'widget', 'conv-2') as conv_2 \gset

select public.append_message('tenant-a', :'conv_1', 'user', 'Bonjour', p_idempotency_key => 'turn-1') as first \gset
select is(public.append_message('tenant-a', :'conv_1', 'user', 'Bonjour (renvoyé)', p_idempotency_key => 'turn-1'),
  :'first'::uuid, 'a repeated key returns the id of the message stored the first time');
select results_eq(format('select content from public.messages where conversation_id = %L', :'conv_1'),
  $$values ('Bonjour')$$, 'a repeated key stores nothing more and keeps the first content');
select isnt(public.append_message('tenant-a', :'conv_2', 'user', 'Bonjour', p_idempotency_key => 'turn-1'),
  :'first'::uuid, 'the same key in another conversation is another message');
select isnt(public.append_message('tenant-a', :'conv_1', 'user', 'Encore'),
  public.append_message('tenant-a', :'conv_1', 'user', 'Encore'),
  'messages without a key are never deduplicated');
select throws_ok(format($$select public.append_message('tenant-a', %L, 'robot', 'x')$$, :'conv_1'), '23514', null,
  'an unknown role is refused by the table''s check');

select * from finish();
rollback;
