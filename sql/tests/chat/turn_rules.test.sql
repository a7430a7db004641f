-- A visitor's turn, as public.chat_begin_turn admits it: ownership first (another visitor's
-- conversation is refused before anything is counted, replayed or stored), a client key names
-- one message, then every limit (conversation, visitor, client address, company turns a minute
-- and tokens a day: all slots or none), then the replay of the same visitor's stored answer.
-- (The races between two sessions are in tests/e2e/chat_turn_concurrency_test.ts.)
begin;
select plan(32);

select * from tests.two_companies() \gset
insert into public.agents (company_id, slug, name, keywords, system_prompt)
values (:'company_a', 'audrey', 'Audrey', array['kajabi'], 'Tu es Audrey.');

select tests.act_as_service_role();

-- Ownership and the first turn.
select tests.begin_turn('tenant-a', 'c1', 'v1', 'Bonjour Kajabi', 'k1') as t1 \gset
select is(:'t1'::jsonb ->> 'outcome', 'turn', 'a first turn opens the conversation and is admitted');
select is((:'t1'::jsonb -> 'rate_limit' ->> 'remaining')::int, 9, 'it spends one of the conversation''s ten turns');
select is((select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
  where c.external_id = 'c1' and m.role = 'user'), 1, 'the visitor''s message is stored');
select is(jsonb_array_length(:'t1'::jsonb -> 'agents'), 1, 'the turn carries the company''s agents');
select is(:'t1'::jsonb -> 'settings' ->> 'match_count', '5', 'and its settings (here the functions'' defaults)');

select is(tests.begin_turn('tenant-a', 'c1', 'v2', 'Je lis votre conversation', 'k9') ->> 'outcome', 'forbidden',
  'another visitor''s message to the conversation is forbidden');
select is(tests.begin_turn('tenant-a', 'c1', 'v2', 'Bonjour Kajabi', 'k1') ->> 'outcome', 'forbidden',
  'another visitor reusing the owner''s key gets no replay either');
select is((select hits from private.rate_limits where key = 'chat:' || :'company_a' || ':c1'), 1,
  'the refused turns spent none of the owner''s budget');
select is((select count(*)::int from public.messages m join public.conversations c on c.id = m.conversation_id
  where c.external_id = 'c1'), 1, 'and stored nothing');
select is(tests.begin_turn('tenant-b', 'c1', 'v2', 'Bonjour', 'k1') ->> 'outcome', 'turn',
  'the same client id in another company is another conversation');

-- A key names one message; a key being answered; the replay.
select is(tests.begin_turn('tenant-a', 'c1', 'v1', 'Un autre message', 'k1') ->> 'outcome', 'key_reused',
  'a key reused for another message is refused');
select is(tests.begin_turn('tenant-a', 'c1', 'v1', 'Bonjour Kajabi', 'k1') ->> 'outcome', 'in_progress',
  'the same key and message while the first attempt has no answer yet is in progress');
select is(tests.begin_turn('tenant-a', 'c1', 'v1', 'Bonjour Kajabi', 'k1', p_now => now() + interval '3 minutes') -> 'retried',
  'true'::jsonb, 'once the first attempt is older than the stale limit, the key is answered again');
select public.chat_finish_turn(:'company_a', (:'t1'::jsonb ->> 'conversation_id')::uuid, 'k1',
  '{"content": "Voici la réponse.", "agent": "audrey", "model": "m", "prompt_tokens": 40, "completion_tokens": 10,
    "latency_ms": 5, "sources": [], "metadata": {"kind": "answer"}}',
  '{"agent": "audrey", "streak": 0}') as reply_id \gset
select results_eq(format($$select t ->> 'outcome', t -> 'reply' ->> 'message_id', t -> 'reply' ->> 'agent_name'
    from tests.begin_turn('tenant-a', 'c1', 'v1', 'Bonjour Kajabi', 'k1') t$$),
  format($$values ('replay', %L, 'Audrey')$$, :'reply_id'),
  'the same key and message after the answer replays it, agent name included');
select is((select current_agent from public.conversations where id = (:'t1'::jsonb ->> 'conversation_id')::uuid), 'audrey',
  'chat_finish_turn stored the routing state with the reply');
select is((select tokens from private.company_token_usage where company_id = :'company_a'), 50::bigint,
  'and added the reply''s tokens to the company''s day');
select is(public.chat_finish_turn(:'company_a', (:'t1'::jsonb ->> 'conversation_id')::uuid, 'k1',
  '{"content": "Doublon", "prompt_tokens": 40, "completion_tokens": 10}'), :'reply_id'::uuid,
  'finishing the same key again returns the stored reply');
select is((select tokens from private.company_token_usage where company_id = :'company_a'), 50::bigint,
  'and counts its tokens once');

-- The limits a browser cannot reset.
select tests.reset_role();
update public.company_rag_configs set visitor_turns_per_minute = 2, address_turns_per_minute = 2,
  company_turns_per_minute = 5, company_tokens_per_day = 100
where company_id = 'tenant-b';
select tests.act_as_service_role();
select tests.begin_turn('tenant-b', 'n1', 'rotator', 'Q1', 'q1', '203.0.113.9');
select tests.begin_turn('tenant-b', 'n2', 'rotator', 'Q2', 'q2', '203.0.113.9');
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name', (t -> 'refused' ->> 'limit')::int
    from tests.begin_turn('tenant-b', 'n3', 'rotator', 'Q3', 'q3', '198.51.100.1') t$$,
  $$values ('limited', 'visitor', 2)$$,
  'a visitor rotating conversation ids meets the per-visitor limit');
select is((select count(*)::int from private.rate_limits where key like 'chat:%:n3'), 0,
  'a refused turn counts on no limit, not even the ones it passed');
select is((select count(*)::int from public.conversations c join public.messages m on m.conversation_id = c.id
  where c.external_id = 'n3'), 0, 'and stores no message');
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name'
    from tests.begin_turn('tenant-b', 'n4', 'other-visitor', 'Q4', 'q4', '203.0.113.9') t$$,
  $$values ('limited', 'address')$$,
  'rotating visitor ids too meets the per-address limit (the address the platform reports)');
select is((tests.begin_turn('tenant-b', 'n5', 'fresh', 'Q5', 'q5', '192.0.2.1')) ->> 'outcome', 'turn',
  'another address and visitor still get through');
select tests.begin_turn('tenant-b', 'n6', 'fresh-2', 'Q6', 'q6', '192.0.2.2');
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name', (t -> 'refused' ->> 'retry_after_seconds')::int between 1 and 60
    from tests.begin_turn('tenant-b', 'n7', 'fresh-3', 'Q7', 'q7', '192.0.2.3') t$$,
  $$values ('limited', 'company', true)$$,
  'every address and visitor new, the company''s turns a minute are the ceiling');
select is((tests.begin_turn('tenant-b', 'n7', 'fresh-3', 'Q7', 'q7', '192.0.2.3', now() + interval '61 seconds')) ->> 'outcome',
  'turn', 'a minute later the company has turns again');

select public.chat_finish_turn(:'company_b', c.id, 'q5', '{"content": "R", "prompt_tokens": 90, "completion_tokens": 20}')
from public.conversations c where c.external_id = 'n5';
select results_eq($$select t ->> 'outcome', t -> 'refused' ->> 'name',
    (t -> 'refused' ->> 'reset_at')::timestamptz = ((now() at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC'
    from tests.begin_turn('tenant-b', 'n8', 'fresh-4', 'Q8', 'q8', '192.0.2.4') t$$,
  $$values ('limited', 'company_tokens', true)$$,
  'past its tokens a day, the company is refused until the next UTC day');
select is((tests.begin_turn('tenant-b', 'n8', 'fresh-4', 'Q8', 'q8', '192.0.2.4', now() + interval '1 day')) ->> 'outcome',
  'turn', 'the next day it is served again');

-- What the widget may still send (no count), for the conversation's own visitor only.
select results_eq($$select a ->> 'outcome', (a ->> 'remaining')::int, (a ->> 'allowed')::boolean, a ->> 'limited_by'
    from public.chat_allowance('tenant-a', 'c1', 'v1', null, tests.chat_defaults()) a$$,
  $$values ('allowance', 8, true, null)$$,
  'chat_allowance reports the visitor''s conversation without counting (two turns in the current window)');
select is((public.chat_allowance('tenant-a', 'c1', 'v2', null, tests.chat_defaults())) ->> 'outcome', 'forbidden',
  'and refuses another visitor');
select is((public.chat_allowance('tenant-b', 'n1', 'rotator', null, tests.chat_defaults(), now())) ->> 'limited_by',
  'company_tokens', 'it names the limit that would refuse the next turn (here the company''s tokens today)');

-- A paused conversation.
select public.open_escalation('tenant-a', (:'t1'::jsonb ->> 'conversation_id')::uuid, 'other');
select is((tests.begin_turn('tenant-a', 'c1', 'v1', 'Encore là ?', 'k2')) -> 'paused', 'true'::jsonb,
  'an open escalation pauses the conversation');

select tests.act_as_anon();
select throws_ok($$select tests.begin_turn('tenant-a', 'c1', 'v1', 'x', 'k3')$$, '42501', null,
  'anon cannot call chat_begin_turn');

select * from finish();
rollback;
