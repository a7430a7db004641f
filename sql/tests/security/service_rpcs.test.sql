-- Threat: a visitor (anon key) or a signed-in user calls the RPCs meant for the edge functions'
-- service role: forging conversations and messages, opening escalations, resetting or draining
-- a rate limit. Only resolve_escalation is theirs, and it runs under their RLS.
begin;
select plan(5);

select results_eq($$
  select f.sig, has_function_privilege('anon', f.sig, 'execute'), has_function_privilege('authenticated', f.sig, 'execute'),
    has_function_privilege('service_role', f.sig, 'execute')
  from unnest(array[
    'public.ensure_conversation(text,text,text,text,uuid)',
    'public.append_message(text,uuid,text,text,text,text,integer,integer,integer,integer,jsonb,jsonb,jsonb,text)',
    'public.open_escalation(text,uuid,text,text)',
    'public.conversation_is_paused(uuid)',
    'public.check_rate_limit(text,integer,integer,timestamp with time zone)',
    'public.peek_rate_limit(text,integer,integer,timestamp with time zone)',
    'public.chat_begin_turn(text,text,text,text,text,boolean,text,jsonb,jsonb,integer,integer,timestamp with time zone)',
    'public.chat_finish_turn(uuid,uuid,text,jsonb,jsonb,jsonb,timestamp with time zone)',
    'public.chat_allowance(text,text,text,text,jsonb,timestamp with time zone)'
  ]) as f (sig)
$$, $$
  select f.sig, false, false, true
  from unnest(array[
    'public.ensure_conversation(text,text,text,text,uuid)',
    'public.append_message(text,uuid,text,text,text,text,integer,integer,integer,integer,jsonb,jsonb,jsonb,text)',
    'public.open_escalation(text,uuid,text,text)',
    'public.conversation_is_paused(uuid)',
    'public.check_rate_limit(text,integer,integer,timestamp with time zone)',
    'public.peek_rate_limit(text,integer,integer,timestamp with time zone)',
    'public.chat_begin_turn(text,text,text,text,text,boolean,text,jsonb,jsonb,integer,integer,timestamp with time zone)',
    'public.chat_finish_turn(uuid,uuid,text,jsonb,jsonb,jsonb,timestamp with time zone)',
    'public.chat_allowance(text,text,text,text,jsonb,timestamp with time zone)'
  ]) as f (sig)
$$, 'the chat and rate-limit RPCs are executable by service_role only');
select ok(has_function_privilege('authenticated', 'public.resolve_escalation(uuid)', 'execute')
  and not has_function_privilege('anon', 'public.resolve_escalation(uuid)', 'execute'),
  'resolve_escalation is for signed-in members, not for anon');

select tests.create_user('owner@tenant-a.test') as owner_a \gset
select tests.create_company('tenant-a', :'owner_a') as company_a \gset
select tests.act_as_service_role();
select public.ensure_conversation('tenant-a', 'widget', 'conv-1') as conv \gset
select public.open_escalation('tenant-a', :'conv', 'other') as esc \gset

select tests.act_as_anon();
select throws_ok(format('select public.resolve_escalation(%L)', :'esc'), '42501', null,
  'anon cannot resolve an escalation');
select throws_ok(format($$select public.append_message('tenant-a', %L, 'assistant', 'forged')$$, :'conv'), '42501', null,
  'anon cannot append a message');

select tests.act_as(:'owner_a');
select throws_ok(format($$select public.open_escalation('tenant-a', %L, 'other')$$, :'conv'), '42501', null,
  'even an owner opens escalations only through the service role');

select * from finish();
rollback;
