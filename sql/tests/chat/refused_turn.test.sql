-- A refused turn stores nothing: a first turn over a limit (429) or on another visitor's
-- conversation (403) leaves no conversation, no message and no count behind, and does not
-- claim the conversation id for its visitor. (The same under parallel sessions is in
-- tests/e2e/chat_refused_test.ts.)
begin;
select plan(14);

select * from tests.two_companies() \gset
update public.company_rag_configs set visitor_turns_per_minute = 1, company_tokens_per_day = 100
where company_id = 'tenant-a';

select tests.act_as_service_role();
select is(tests.begin_turn('tenant-a', 'first', 'v', 'Bonjour', 'k1') ->> 'outcome', 'turn',
  'a visitor''s first turn is admitted and opens its conversation');

-- 429: the visitor's limit, on a conversation id nobody used yet.
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name'
    from tests.begin_turn('tenant-a', 'new-1', 'v', 'Encore', 'k2') t$$,
  $$values ('limited', 'visitor')$$, 'the visitor''s next first turn, over its limit, is refused');
select is_empty($$select 1 from public.conversations where external_id = 'new-1'$$,
  'the refused first turn leaves no conversation');
select is_empty($$select 1 from private.rate_limits where key like 'chat:%:new-1'$$,
  'nor any count on the conversation''s limit');
select is((select hits from private.rate_limits where key = 'chat-visitor:' || :'company_a' || ':v'), 1,
  'nor on the visitor''s');
select is(tests.begin_turn('tenant-a', 'new-1', 'w', 'C''est à moi', 'k3') ->> 'outcome', 'turn',
  'the id stays free: another visitor''s turn on it is admitted, not forbidden');

-- 429: the company's tokens today.
select public.chat_finish_turn(:'company_a', c.id, 'k1', '{"content": "R", "prompt_tokens": 90, "completion_tokens": 20}')
from public.conversations c where c.external_id = 'first';
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name'
    from tests.begin_turn('tenant-a', 'new-2', 'x', 'Bonjour', 'k4') t$$,
  $$values ('limited', 'company_tokens')$$, 'a first turn past the company''s tokens a day is refused');
select is_empty($$select 1 from public.conversations where external_id = 'new-2'$$,
  'and leaves no conversation either');

-- 403: another visitor's conversation.
select is(tests.begin_turn('tenant-a', 'first', 'intruder', 'Je lis tout', 'k5', p_now => now() + interval '1 day') ->> 'outcome',
  'forbidden', 'a turn on another visitor''s conversation is forbidden');
select is((select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
  where c.external_id = 'first'), 2, 'and adds no message to it');
select is((select visitor_id from public.conversations where external_id = 'first'), 'v',
  'nor changes whose it is');
select is((select count(*)::int from public.conversations where company_id = :'company_a'), 2,
  'the company has the two admitted conversations only');

-- What members see, and who may call the turn at all.
select tests.act_as(:'owner_a');
select results_eq($$select external_id from public.chatbot_conversations order by external_id$$,
  $$values ('first'), ('new-1')$$, 'the owner''s list shows no empty conversation');
select tests.act_as(:'member_b');
select throws_ok($$select tests.begin_turn('tenant-a', 'new-3', 'v', 'x', 'k6')$$, '42501', null,
  'a member (of any company) cannot call chat_begin_turn');

select * from finish();
rollback;
