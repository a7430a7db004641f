-- Channels (migration channels): accounts and their secrets, the inbox that takes each Meta item
-- exactly once, processing in order per conversation, the outbox that never sends twice, and
-- delivery statuses that never go backwards; per actor: owner, admin, member, another company's
-- member, anon, service_role. (Two sessions claiming at once: tests/e2e/channels_test.ts.)
begin;
select plan(50);

select * from tests.two_companies() \gset

-- Accounts: admins register them with their secrets; members cannot; secrets are never read back.
select tests.act_as(:'admin_a');
select lives_ok($$select public.set_channel_account('tenant-a', 'whatsapp', '1001', '5001',
  'verify-token-aaaaaaaa', 'app-secret-aaaaaaaaaaaa', 'access-token-aaaaaaaaaaaa', 'Boutique A')$$,
  'an admin registers its WhatsApp number');
select public.set_channel_account('tenant-a', 'whatsapp', '1001', '5001') as account_a \gset
select ok(:'account_a' is not null, 'an update without secrets keeps them (and returns the account)');
select tests.act_as(:'member_a');
select throws_ok($$select public.set_channel_account('tenant-a', 'whatsapp', '1002', '5001',
  'verify-token-bbbbbbbb', 'app-secret-bbbbbbbbbbbb', 'access-token-bbbbbbbbbbbb')$$,
  '42501', 'set_channel_account: only an admin or owner of tenant-a manages its channels',
  'a member does not manage channels');
select results_eq($$select platform, external_id, name from public.channel_accounts$$,
  $$values ('whatsapp', '1001', 'Boutique A')$$, 'a member reads the company''s accounts');
select throws_ok($$select * from private.channel_secrets$$, '42501', null, 'a member cannot read the secrets');
select tests.act_as(:'owner_b');
select throws_ok($$select public.set_channel_account('tenant-b', 'whatsapp', '1001', '5001',
  'verify-token-cccccccc', 'app-secret-cccccccccccc', 'access-token-cccccccccccc')$$,
  '23505', 'set_channel_account: this whatsapp account is already registered',
  'another company cannot take a registered number (nor learn whose it is)');
select throws_ok($$select public.set_channel_account('tenant-b', 'whatsapp', '2001', '5002')$$,
  '22023', null, 'a new account needs its secrets');
select lives_ok($$select public.set_channel_account('tenant-b', 'whatsapp', '2001', '5002',
  'verify-token-dddddddd', 'app-secret-dddddddddddd', 'access-token-dddddddddddd')$$,
  'B registers its own number');
select is_empty($$select 1 from public.channel_accounts where external_id = '1001'$$, 'B does not see A''s account');
select tests.act_as_anon();
select throws_ok($$select public.set_channel_account('tenant-a', 'whatsapp', '9', '9', 'x', 'y', 'z')$$,
  '42501', null, 'anon cannot call it');
select throws_ok($$select * from public.channel_accounts$$, '42501', null, 'anon reads no account');
select tests.act_as_service_role();
select throws_ok($$select * from private.channel_secrets$$, '42501', null, 'even the service reads secrets only through its functions');
select results_eq($$select app_secret from public.channel_app_secrets('5001')$$,
  $$values ('app-secret-aaaaaaaaaaaa')$$, 'the webhook gets an app''s secrets (to check signatures)');
select results_eq($$select verify_token from public.channel_verify_tokens('5001')$$,
  $$values ('verify-token-aaaaaaaa')$$, 'and its verify tokens (for Meta''s verification call)');
select tests.act_as(:'member_b');
select throws_ok($$select * from public.channel_app_secrets('5001')$$, '42501', null,
  'a signed-in user cannot read an app''s secrets');
select throws_ok($$select public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', '{}')$$, '42501', null,
  'nor write to the inbox');

-- The inbox: exactly once, routed only to the accounts whose secret signed, one bad item alone.
select tests.act_as_service_role();
select public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object(
  'messages', jsonb_build_array(
    jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.1', 'from', '221770000001',
      'name', 'Awa', 'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'bonjour'),
    jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.2', 'from', '221770000001',
      'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'je veux la robe'),
    jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.bad', 'from', '221770000001',
      'at', 'not a time', 'kind', 'text', 'text', 'x'),
    jsonb_build_object('platform', 'whatsapp', 'account', '2001', 'id', 'wamid.b', 'from', '221770000009',
      'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'routed elsewhere'),
    jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.3', 'from', '221770000002',
      'at', '2026-12-01T10:00:01Z', 'kind', 'text', 'text', 'salut')
  ))) as first \gset
select is((:'first'::jsonb) - 'new', '{"duplicates": 0, "statuses": 0, "unrouted": 1, "failed": 1}'::jsonb,
  'three new messages; one naming an account the signing secret does not cover is dropped; an unreadable one fails alone');
select is(jsonb_array_length((:'first'::jsonb) -> 'new'), 3, 'the three good ones are in');
select is(public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('messages', jsonb_build_array(
    jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.1', 'from', '221770000001',
      'at', '2026-12-01T10:00:00Z', 'kind', 'text', 'text', 'bonjour'))))->>'duplicates', '1',
  'Meta''s redelivery is a duplicate, stored once');
select is((select count(*)::int from public.channel_messages where external_id = 'wamid.1'), 1, 'one row for wamid.1');

-- Processing: a burst is handed out in order, one message per conversation at a time.
select results_eq($$select external_id from public.channel_claim(10) order by 1$$,
  $$values ('wamid.1'), ('wamid.3')$$,
  'the first claim gets the earliest message of each conversation, not the one behind it');
select is_empty($$select 1 from public.channel_claim(10)$$, 'nothing else is claimable while they are processed');
select id as m1 from public.channel_messages where external_id = 'wamid.1' \gset
select id as m3 from public.channel_messages where external_id = 'wamid.3' \gset
select public.channel_done(:'m1', 1, 'Bonjour Awa !', null, repeat('a', 64)) as out1 \gset
select ok(:'out1' is not null, 'a processed message queues its reply');
select is(public.channel_done(:'m1', 1, 'Bonjour Awa !'), null, 'finishing it twice queues nothing more');
select is(public.channel_media_seen(:'m3', repeat('a', 64)), true, 'a screenshot already received by the company is recognised');
select is(public.channel_media_seen(:'m1', repeat('a', 64)), false, 'not against itself');
select results_eq($$select external_id from public.channel_claim(10)$$, $$values ('wamid.2')$$,
  'then the next of that conversation');
select id as m2 from public.channel_messages where external_id = 'wamid.2' \gset
select is(public.channel_done(:'m2', 1, ''), null, 'an empty reply (an escalated conversation) sends nothing');
select is((select count(*)::int from public.channel_outbox where in_reply_to = :'m2'), 0, 'no outbox row for it');

-- Failures: retried later, then dead after the attempts, which the shop sees.
select public.channel_failed(:'m3', 1, 'model down', 0);
select is((select status from public.channel_messages where id = :'m3'), 'pending', 'a failed run puts it back');
select tests.reset_role();
update public.channel_messages set attempts = 5 where id = :'m3';
select tests.act_as_service_role();
select is_empty($$select 1 from public.channel_claim(10, 120, 5)$$, 'past the attempts it is not claimed again');
select is((select status from public.channel_messages where id = :'m3'), 'dead', 'it is dead-lettered');
select tests.act_as(:'member_a');
select isnt_empty($$select 1 from public.activities where type = 'channel.dead_letter'$$,
  'the shop''s feed says a message waits for it');
select results_eq($$select external_id, status from public.channel_messages where status = 'dead'$$,
  $$values ('wamid.3', 'dead')$$, 'members see the dead letter');

-- The outbox: claimed once; an unknown outcome is never resent; statuses only go forward.
select tests.act_as_service_role();
select results_eq($$select recipient, body, window_open from public.channel_claim_outbox(10)$$,
  $$values ('221770000001', 'Bonjour Awa !', false)$$,
  'the reply is claimed with whether the 24-hour window is open (the test message is from an earlier day)');
select is_empty($$select 1 from public.channel_claim_outbox(10)$$, 'a claimed row is not claimed twice');
select public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('statuses', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.out1', 'status', 'delivered',
    'at', '2026-12-01T10:00:05Z')))) ->> 'statuses' as early \gset
select is(:'early'::text, '1', 'a status that arrives before the send is recorded is kept');
select public.channel_sent(:'out1', 'wamid.out1');
select is((select status from public.channel_outbox where id = :'out1'), 'delivered',
  'recording the send applies it: delivered, not sent');
select public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('statuses', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.out1', 'status', 'read', 'at', '2026-12-01T10:00:07Z'),
  jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.out1', 'status', 'sent', 'at', '2026-12-01T10:00:04Z'))));
select is((select status from public.channel_outbox where id = :'out1'), 'read', 'a late sent never downgrades read');
select public.channel_receive('5001', 'app-secret-aaaaaaaaaaaa', jsonb_build_object('statuses', jsonb_build_array(
  jsonb_build_object('platform', 'whatsapp', 'account', '1001', 'id', 'wamid.out1', 'status', 'failed',
    'at', '2026-12-01T10:00:09Z', 'errors', jsonb_build_array(jsonb_build_object('code', 131026))))));
select results_eq($$select status, error -> 'errors' -> 0 ->> 'code' from public.channel_outbox where external_id = 'wamid.out1'$$,
  $$values ('failed', '131026')$$, 'failed is terminal and keeps its error');

-- A member's reply goes through the same outbox; a send that never finished becomes unknown.
select tests.reset_role();
insert into public.conversations (id, company_id, channel, external_id)
values ('c0000000-0000-4000-8000-000000000001', :'company_a', 'botlive', 'whatsapp:221770000001');
update public.channel_messages set conversation_id = 'c0000000-0000-4000-8000-000000000001', sent_at = now()
 where external_id in ('wamid.1', 'wamid.2');
select tests.act_as(:'member_a');
select public.channel_reply('tenant-a', 'c0000000-0000-4000-8000-000000000001', 'Votre colis part demain') as out2 \gset
select results_eq(format($$select source, author::text, recipient from public.channel_outbox where id = %L$$, :'out2'),
  format($$values ('member', %L, '221770000001')$$, :'member_a'), 'a member''s reply is queued to the customer, signed');
select tests.act_as(:'member_b');
select throws_ok($$select public.channel_reply('tenant-a', 'c0000000-0000-4000-8000-000000000001', 'x')$$,
  '42501', 'channel_reply: not a member of company tenant-a', 'another company''s member cannot reply');
select tests.act_as_service_role();
select results_eq($$select body, window_open from public.channel_claim_outbox(10)$$,
  $$values ('Votre colis part demain', true)$$, 'inside the window now that the customer wrote recently');
select tests.reset_role();
update public.channel_outbox set lease_until = now() - interval '1 second' where id = :'out2';
select tests.act_as_service_role();
select is_empty($$select 1 from public.channel_claim_outbox(10)$$, 'an expired send is not claimed again');
select is((select status from public.channel_outbox where id = :'out2'), 'unknown', 'it becomes unknown, never resent');

-- Send failures: retried for pacing, failed for good outside the window (the shop told).
select tests.reset_role();
insert into public.channel_outbox (company_id, account_id, platform, recipient, source, body, status)
values (:'company_a', :'account_a', 'whatsapp', '221770000003', 'bot', 'Merci', 'sending') returning id as out3 \gset
select tests.act_as_service_role();
select public.channel_send_failed(:'out3', '{"kind": "pacing", "code": 131056}', 0);
select results_eq(format($$select status, attempts from public.channel_outbox where id = %L$$, :'out3'),
  $$values ('pending', 0)$$, 'pacing: back to pending for a later try');
select results_eq($$select body from public.channel_claim_outbox(10)$$, $$values ('Merci')$$, 'and claimed again');
select public.channel_send_failed(:'out3', '{"kind": "window", "code": 131047, "message": "Re-engagement message"}', null);
select is((select status from public.channel_outbox where id = :'out3'), 'failed', 'outside the window with no template: failed');
select tests.act_as(:'member_a');
select isnt_empty($$select 1 from public.activities where type = 'channel.send_failed' and title like '%24 h%'$$,
  'the shop is told the customer must write first');
select tests.act_as(:'member_b');
select is_empty($$select 1 from public.channel_outbox union all select 1 from public.channel_messages
  union all select 1 from public.channel_statuses$$, 'B sees none of A''s inbox, outbox or statuses');

select * from finish();
rollback;
