-- Channels, an attacker's pass (issue 18): what another tenant (a free sign-up owns a company),
-- a shop's own admin or a stale worker can do through the channel functions. Each `attack:`
-- assertion states the property that must hold; the others pin what already holds.
begin;
select plan(19);

select * from tests.two_companies() \gset

-- The message and detail of the error `p_sql` raises (null when it raises none), as PostgREST
-- would return them to the caller (`message`, `details`). Invoker: runs as the current actor.
create function tests.attack_error(p_sql text)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_message text;
  v_detail text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_message = message_text, v_detail = pg_exception_detail;
  return coalesce(v_message, '') || ' | ' || coalesce(v_detail, '');
end;
$$;

-- A worker's channel_failed / channel_done for the claim it made (its attempt number).
create function tests.attack_failed(p_message uuid, p_attempt integer)
returns void
language sql
set search_path = ''
as $$
  select public.channel_failed(p_message, p_attempt, 'the run timed out', 30)
$$;
create function tests.attack_done(p_message uuid, p_reply text, p_attempt integer)
returns uuid
language sql
set search_path = ''
as $$
  select public.channel_done(p_message, p_attempt, p_reply)
$$;
grant execute on function tests.attack_error(text), tests.attack_failed(uuid, integer),
  tests.attack_done(uuid, text, integer) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Secrets: "no API role reads them back" — not even through an error's detail.
select tests.act_as(:'admin_a');
select public.set_channel_account('tenant-a', 'whatsapp', '7001', '8001', 'verify-token-aaaaaaaa',
  'app-secret-aaaaaaaaaaaa', 'access-token-aaaaaaaaaaaa', 'Boutique A') as account_a \gset
select tests.attack_error($$select public.set_channel_account('tenant-a', 'whatsapp', '7001', '8001', 'short')$$)
  as readback \gset
select ok(:'readback' like '%verify_token%' or :'readback' like '%verify token%',
  'a verify token too short is refused');
select unalike(:'readback'::text, '%app-secret-aaaaaaaaaaaa%',
  'attack: the refusal does not hand the admin the stored app secret (Failing row contains …)');
select unalike(:'readback'::text, '%access-token-aaaaaaaaaaaa%',
  'attack: nor the stored access token');

-- ---------------------------------------------------------------------------------------------
-- Another tenant hangs accounts, with its own secret, on the app id A's webhook URL names.
select tests.act_as(:'owner_b');
select public.set_channel_account('tenant-b', 'whatsapp', '7102', '8002', 'verify-token-bbbbbbbb',
  'app-secret-bbbbbbbbbbbb', 'access-token-bbbbbbbbbbbb', 'Boutique B') as account_b \gset
select throws_ok($$select public.set_channel_account('tenant-b', 'whatsapp', '7103', '8001', 'verify-token-bbbbbbbb',
    'app-secret-bbbbbbbbbbbb', 'access-token-bbbbbbbbbbbb')$$, '23505', null,
  'attack: B cannot register an account on A''s app id with a secret that is not that app''s');
select is(count(*)::int, 20, 'attack: 20 more tries on A''s app id are all refused') from generate_series(1, 20) i
 where tests.attack_error(format($$select public.set_channel_account('tenant-b', 'whatsapp', %L, '8001',
    'verify-token-bbbbbbbb', 'app-secret-bbbbbbbbbbbb', 'access-token-bbbbbbbbbbbb')$$, (7200 + i)::text))
   like 'set_channel_account: this Meta app is registered with another app secret%';
select tests.act_as(:'admin_a');
select public.set_channel_account('tenant-a', 'whatsapp', '7004', '8001', 'verify-token-aaaaaaaa',
  'app-secret-aaaaaaaaaaaa', 'access-token-aaaaaaaaaaaa', 'Boutique A, second number') as account_a2 \gset
select tests.act_as_service_role();
select is((public.channel_receive('8001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('messages', jsonb_build_array(
    jsonb_build_object('platform', 'whatsapp', 'account', '7004', 'id', 'wamid.a2-1', 'from', '221770000002',
      'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'bonjour')))) -> 'new' ->> 0) is not null, true,
  'attack: the number A adds later is routed (nobody else''s accounts crowd A''s app)');
select is((select count(distinct s.app_secret)::int from public.channel_app_secrets('8001') s), 1,
  'attack: A''s webhook checks only A''s app secret, not secrets another tenant chose');

-- What holds: B's payload signed with B's secret never lands in A's inbox, whatever it names.
select is(public.channel_receive('8002', 'app-secret-bbbbbbbbbbbb', jsonb_build_object('messages', jsonb_build_array(
    jsonb_build_object('platform', 'whatsapp', 'account', '7001', 'id', 'wamid.b-names-a', 'from', '221770000001',
      'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'injected')))) ->> 'unrouted', '1',
  'an item naming A''s number, signed for B''s account, is dropped');
select is_empty($$select 1 from public.channel_messages where external_id = 'wamid.b-names-a'$$, 'nothing stored');

-- ---------------------------------------------------------------------------------------------
-- Leases: a run that outlived its lease must not undo the claim of the run that took over.
select public.channel_receive('8001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('messages', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7001', 'id', 'wamid.fence-1', 'from', '221770000010',
    'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'je veux la robe'))));
select id as fenced from public.channel_messages where external_id = 'wamid.fence-1' \gset
select is((select c.attempts from public.channel_claim(10) c where c.id = :'fenced'), 1, 'run 1 claims the message');
select tests.reset_role();
update public.channel_messages set lease_until = now() - interval '1 second' where id = :'fenced';
select tests.act_as_service_role();
select is((select c.attempts from public.channel_claim(10) c where c.id = :'fenced'), 2,
  'run 1 is slow: its lease over, run 2 claims it');
select tests.attack_failed(:'fenced', 1);
select is((select status from public.channel_messages where id = :'fenced'), 'processing',
  'attack: run 1 failing late does not hand back the message run 2 holds (else a third run takes it while run 2 still answers)');
select isnt(tests.attack_done(:'fenced', 'Bonjour ! Quelle taille ?', 2), null,
  'attack: run 2''s answer is queued, not dropped because run 1 failed late');

-- ---------------------------------------------------------------------------------------------
-- Meta's ids are keys across all tenants: B, signing its own payloads, names A's ids.
select tests.reset_role();
insert into public.channel_outbox (company_id, account_id, platform, recipient, source, body, status, external_id, sent_at)
values (:'company_a', :'account_a', 'whatsapp', '221770000001', 'bot', 'Votre commande est prête', 'sent',
  'wamid.a-out-1', now())
returning id as out_a \gset
select tests.act_as_service_role();
select public.channel_receive('8002', 'app-secret-bbbbbbbbbbbb', jsonb_build_object('statuses', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7102', 'id', 'wamid.a-out-1', 'status', 'delivered',
    'at', '2026-12-01T10:00:00Z'),
  jsonb_build_object('platform', 'whatsapp', 'account', '7102', 'id', 'wamid.a-out-1', 'status', 'failed',
    'at', '2026-12-01T10:00:01Z', 'errors', jsonb_build_array(jsonb_build_object('code', 131026,
      'message', 'Numéro bloqué : appelez le +221 77 000 00 00'))))));
select is((select status from public.channel_outbox where id = :'out_a'), 'sent',
  'attack: statuses signed for B''s account leave A''s outbox alone');
select public.channel_receive('8001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('statuses', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7001', 'id', 'wamid.a-out-1', 'status', 'delivered',
    'at', '2026-12-01T10:00:02Z'))));
select results_eq($$select status from public.channel_statuses where company_id = '$$ || :'company_a' || $$'$$,
  $$values ('delivered')$$, 'attack: A''s own delivery status is recorded for A (B''s row does not take its key)');

select public.channel_receive('8002', 'app-secret-bbbbbbbbbbbb', jsonb_build_object('messages', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7102', 'id', 'wamid.a-in-1', 'from', '221770000001',
    'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'squat'))));
select public.channel_receive('8001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('messages', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7001', 'id', 'wamid.a-in-1', 'from', '221770000001',
    'at', '2026-12-01T10:00:01Z', 'kind', 'text', 'text', 'je veux la robe'))));
select is((select count(*)::int from public.channel_messages where company_id = :'company_a' and external_id = 'wamid.a-in-1'),
  1, 'attack: A''s message is stored although B used its id first (not counted as a duplicate)');

-- ---------------------------------------------------------------------------------------------
-- The queue is shared by every tenant and ordered by the payload's own time: B back-dates a flood.
select tests.reset_role();
update public.channel_messages set status = 'done', lease_until = null where status in ('pending', 'processing');
select tests.act_as_service_role();
select public.channel_receive('8002', 'app-secret-bbbbbbbbbbbb', jsonb_build_object('messages',
  (select jsonb_agg(jsonb_build_object('platform', 'whatsapp', 'account', '7102', 'id', 'wamid.flood-' || i,
     'from', (221780000000 + i)::text, 'at', '1970-01-02T00:00:00Z', 'kind', 'text', 'text', 'bonjour'))
     from generate_series(1, 30) i)));
select public.channel_receive('8001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('messages', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '7001', 'id', 'wamid.victim-1', 'from', '221770000020',
    'at', now(), 'kind', 'text', 'text', 'bonjour'))));
select ok(exists (select 1 from public.channel_claim(10) c where c.company_id = :'company_a'),
  'attack: 30 back-dated messages of B do not push A''s message out of the next claim');

-- ---------------------------------------------------------------------------------------------
-- What holds: a member's reply only reaches a conversation of the member's own company.
select tests.reset_role();
insert into public.conversations (id, company_id, channel, external_id)
values ('c0000000-0000-4000-8000-0000000000a1', :'company_a', 'botlive', 'whatsapp:221770000020');
update public.channel_messages set conversation_id = 'c0000000-0000-4000-8000-0000000000a1'
 where external_id = 'wamid.victim-1';
select tests.act_as(:'member_b');
select throws_ok($$select public.channel_reply('tenant-b', 'c0000000-0000-4000-8000-0000000000a1', 'Appelez-moi')$$,
  'P0002', null, 'B''s member naming A''s conversation under B finds nothing to answer');
select tests.act_as(:'member_a');
select ok(public.channel_reply('tenant-a', 'c0000000-0000-4000-8000-0000000000a1', 'Bonjour') is not null,
  'A''s member answers it');

select * from finish();
rollback;
