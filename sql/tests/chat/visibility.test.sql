-- Who reads conversations and messages, directly or through the views older frontends read:
-- members see their company's widget and Botlive conversations, assistant conversations only
-- of their own, another company's members and anon see nothing.
begin;
select plan(17);

select * from tests.two_companies() \gset

select tests.act_as_service_role();
select public.ensure_conversation('tenant-a', 'widget', 'widget-1', 'visitor-1') as widget_a \gset
select public.append_message('tenant-a', :'widget_a', 'user', 'Question du visiteur') as msg \gset
select public.ensure_conversation('tenant-a', 'assistant', 'owner-chat', null, :'owner_a') as owner_chat \gset
select public.append_message('tenant-a', :'owner_chat', 'user', 'Combien de clients ai-je ?') as msg \gset
select public.ensure_conversation('tenant-a', 'assistant', 'member-chat', null, :'member_a') as member_chat \gset
select public.append_message('tenant-a', :'member_chat', 'user', 'Mes factures impayées ?') as msg \gset
select public.ensure_conversation('tenant-b', 'widget', 'widget-1', 'visitor-9') as widget_b \gset
select public.append_message('tenant-b', :'widget_b', 'user', 'Question chez B') as msg \gset

select tests.act_as(:'member_a');
select results_eq('select id from public.conversations order by id',
  format('select unnest(array[%L, %L]::uuid[]) order by 1', :'widget_a', :'member_chat'),
  'a member sees its company''s widget conversation and its own assistant conversation only');
select results_eq('select content from public.messages order by content',
  $$values ('Mes factures impayées ?'), ('Question du visiteur')$$,
  'a member reads the messages of exactly those conversations');
select results_eq('select company_id, user_id, role, content from public.conversation_memory order by content',
  format($$values ('tenant-a', %L, 'user', 'Mes factures impayées ?'), ('tenant-a', 'visitor-1', 'user', 'Question du visiteur')$$, :'member_a'),
  'conversation_memory shows the slug and the visitor (or user) id, under the same rules');
select is((select count(*)::int from public.chatbot_conversations), 2, 'chatbot_conversations follows the same rules');
select is((select count(*)::int from public.chatbot_messages), 2, 'chatbot_messages follows the same rules');

select tests.act_as(:'owner_a');
select is_empty(format('select 1 from public.chatbot_conversations where id = %L', :'member_chat'),
  'even an owner does not read a member''s assistant conversation');
select is_empty(format('select 1 from public.messages where conversation_id = %L', :'member_chat'),
  'nor its messages');

select tests.act_as(:'owner_b');
select results_eq('select company_id, user_id from public.chatbot_conversations', $$values ('tenant-b', 'visitor-9')$$,
  'a member of another company sees only its own conversation');
select is_empty($$select 1 from public.conversation_memory where company_id = 'tenant-a'$$,
  'and none of the first company''s memory');

select tests.act_as_anon();
select throws_ok('select 1 from public.conversations', '42501', null, 'anon cannot read conversations');
select throws_ok('select 1 from public.messages', '42501', null, 'anon cannot read messages');
select throws_ok('select 1 from public.conversation_memory', '42501', null, 'anon cannot read conversation_memory');

select tests.act_as(:'member_a');
select is(tests.affected_rows(format($$update public.conversations set title = 'Factures', status = 'archived' where id = %L$$, :'member_chat')), 1,
  'a user renames and archives its own assistant conversation');
select is(tests.affected_rows(format($$update public.conversations set title = 'pwned' where id = %L$$, :'owner_chat')), 0,
  'a user cannot touch another user''s assistant conversation');
select is(tests.affected_rows(format($$update public.conversations set status = 'archived' where id = %L$$, :'widget_a')), 0,
  'members do not edit widget conversations (they go through the service role)');
select throws_ok(format($$update public.conversations set status = 'escalated' where id = %L$$, :'member_chat'), '42501', null,
  'a user may only set its conversation active, archived or deleted');
select throws_ok(format($$insert into public.messages (conversation_id, company_id, role, content) values (%L, %L, 'assistant', 'forged')$$,
  :'member_chat', :'company_a'), '42501', null, 'members cannot write messages directly');

select * from finish();
rollback;
