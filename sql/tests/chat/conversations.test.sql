-- ensure_conversation maps a client-given conversation id to one conversation per company
-- and channel; append_message stores turns and keeps the conversation's last_message_at.
begin;
select plan(16);

select * from tests.two_companies() \gset
select tests.create_user('outsider@tenant-b.test') as outsider \gset

select tests.act_as_service_role();

select public.ensure_conversation('tenant-a', 'widget', 'test-conv-1', 'visitor-1') as conv_a \gset
select is(public.ensure_conversation('tenant-a', 'widget', 'test-conv-1', 'visitor-1'), :'conv_a'::uuid,
  'the same external id in the same company and channel is the same conversation');
select is(public.ensure_conversation(:'company_a', 'widget', 'test-conv-1'), :'conv_a'::uuid,
  'the company may be named by uuid as well as by slug');
select isnt(public.ensure_conversation('tenant-a', 'botlive', 'test-conv-1'), :'conv_a'::uuid,
  'the same external id on another channel is another conversation');
select public.ensure_conversation('tenant-b', 'widget', 'test-conv-1', 'visitor-1') as conv_b \gset
select isnt(:'conv_b'::uuid, :'conv_a'::uuid, 'the same external id in another company is another conversation');
select results_eq(format('select company_id, channel, external_id, visitor_id, status from public.conversations where id = %L', :'conv_a'),
  format($$values (%L::uuid, 'widget', 'test-conv-1', 'visitor-1', 'active')$$, :'company_a'),
  'a new conversation records its company, channel, external id and visitor, and starts active');

select throws_ok($$select public.ensure_conversation('tenant-a', 'sms', 'x')$$, '22023',
  'ensure_conversation: unknown channel sms', 'an unknown channel raises 22023');
select throws_ok($$select public.ensure_conversation('tenant-a', 'widget', '  ')$$, '22023',
  'ensure_conversation: external id must not be empty', 'a blank external id raises 22023');
select throws_ok($$select public.ensure_conversation('nope', 'widget', 'x')$$, 'P0002',
  'unknown company: nope', 'an unknown company raises P0002');

select public.ensure_conversation('tenant-a', 'assistant', 'chat-1', null, :'owner_a') as assistant_a \gset
select throws_ok(format($$select public.ensure_conversation('tenant-a', 'assistant', 'chat-1', null, %L)$$, :'owner_b'),
  '42501', 'ensure_conversation: user is not a member of company tenant-a',
  'the assistant channel refuses a user who is not a member of the company');
select tests.add_member(:'company_a', :'outsider', 'member');
select throws_ok(format($$select public.ensure_conversation('tenant-a', 'assistant', 'chat-1', null, %L)$$, :'outsider'),
  '42501', 'ensure_conversation: conversation belongs to another user',
  'an assistant conversation is never handed to another member');
select throws_ok($$select public.ensure_conversation('tenant-a', 'assistant', 'chat-2')$$, '22023',
  'ensure_conversation: the assistant channel needs a user', 'the assistant channel needs a user id');
select isnt(public.ensure_conversation('tenant-a', 'assistant', null, null, :'owner_a'),
  public.ensure_conversation('tenant-a', 'assistant', null, null, :'owner_a'),
  'an assistant conversation without an external id is always a new one');

select public.append_message('tenant-a', :'conv_a', 'user', 'Comment relier Kajabi à Zapier ?') as msg_1 \gset
select public.append_message('tenant-a', :'conv_a', 'assistant', 'Voici comment faire [doc:12].', 'audrey',
  'anthropic/claude-3.5-sonnet', 420, 380, 40, 1234, '[{"id": 12}]', '{"fallback_reason": "timeout"}') as msg_2 \gset
select results_eq(format($$select company_id, agent, model_used, tokens_used, prompt_tokens, completion_tokens, latency_ms,
    sources, metadata ->> 'fallback_reason' from public.messages where id = %L$$, :'msg_2'),
  format($$values (%L::uuid, 'audrey', 'anthropic/claude-3.5-sonnet', 420, 380, 40, 1234, '[{"id": 12}]'::jsonb, 'timeout')$$, :'company_a'),
  'an answer keeps its company, agent, model, token split, latency, sources and fallback reason');
select is((select last_message_at from public.conversations where id = :'conv_a'),
  (select created_at from public.messages where id = :'msg_2'),
  'storing a message moves the conversation''s last_message_at to it');
select ok((select m1.created_at < m2.created_at from public.messages m1, public.messages m2
  where m1.id = :'msg_1' and m2.id = :'msg_2'), 'messages of one transaction keep their order');
select throws_ok(format($$select public.append_message('tenant-b', %L, 'user', 'intrus')$$, :'conv_a'), 'P0002',
  format('append_message: unknown conversation %s', :'conv_a'),
  'a message cannot be appended to another company''s conversation');

select * from finish();
rollback;
