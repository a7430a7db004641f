-- Who reads the payments' and the cart's tables, and who runs their functions, per actor: the
-- owner, an admin, a member, another company's member, anon and service_role. Members read
-- their company's accounts, intents, events, cart lines, holds and waitlist, nothing of another;
-- anon reads nothing; nobody but service_role runs the service functions; an admin (only) sets
-- a payment account, with errors that name the missing key and never echo a value; the
-- credentials are readable by no API role at all.
begin;
select plan(41);
\ir ../botlive/fixtures.sql

create function pg_temp.error_of(p_sql text) returns text language plpgsql as $$
declare
  v_state text; v_message text; v_detail text; v_hint text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text, v_detail = pg_exception_detail, v_hint = pg_exception_hint;
  return concat_ws(' | ', v_state, v_message, nullif(v_detail, ''), nullif(v_hint, ''));
end;
$$;
grant execute on function pg_temp.error_of(text) to public;

-- Accounts: an admin sets them; nobody else; clear errors without the values.
select tests.act_as(:'member_a');
select throws_ok($$select public.set_payment_account('tenant-a', 'wave', '{"api_key": "k", "webhook_secret": "s"}')$$, '42501', null,
  'a member cannot set a payment account');
select tests.act_as(:'member_b');
select throws_ok($$select public.set_payment_account('tenant-a', 'wave', '{"api_key": "k", "webhook_secret": "s"}')$$, '42501', null,
  'nor another company''s member');
select tests.act_as(:'admin_a');
select is(pg_temp.error_of($$select public.set_payment_account('tenant-a', 'wave', '{"api_key": "SECRET-KEY-1"}')$$),
  '22023 | set_payment_account: wave needs webhook_secret (a string of 1 to 500 characters)',
  'a missing key is named, the value given is not echoed');
select is(pg_temp.error_of($$select public.set_payment_account('tenant-a', 'wave', '{"api_key": "SECRET-KEY-1", "webhook_secret": 42}')$$),
  '22023 | set_payment_account: wave needs webhook_secret (a string of 1 to 500 characters)',
  'a key that is not a string is named too');
select ok(pg_temp.error_of($$select public.set_payment_account('tenant-a', 'wave', '{"api_key": "SECRET-KEY-1", "webhook_secret": "SECRET-KEY-2", "SECRET-KEY-3": "SECRET-KEY-4"}')$$)
  !~ 'SECRET', 'an unknown key is refused without echoing it or any value');
select is(left(pg_temp.error_of($$select public.set_payment_account('tenant-a', 'paypal', '{}')$$), 5), '22023', 'an unknown provider is 22023');
select public.set_payment_account('tenant-a', 'wave', '{"api_key": "wave-key-a", "webhook_secret": "wave-secret-a"}') as acc_a \gset
select is(public.set_payment_account('tenant-a', 'wave', '{"api_key": "wave-key-a2", "webhook_secret": "wave-secret-a2"}'), :'acc_a'::uuid,
  'an admin sets the account; setting it again replaces it (same account)');
select tests.act_as(:'owner_b');
select public.set_payment_account('tenant-b', 'wave', '{"api_key": "wave-key-b", "webhook_secret": "wave-secret-b"}') as acc_b \gset
select tests.act_as(:'admin_a');
select throws_ok($$select public.set_payment_account('tenant-b', 'wave', '{"api_key": "k", "webhook_secret": "s"}')$$, '42501', null,
  'an admin of A cannot set B''s account');

-- The credentials: no API role reads them, directly or through the service's reader.
select tests.reset_role();
select is(
  array(select r from unnest(array['anon', 'authenticated', 'service_role']) r
        where has_table_privilege(r, 'private.payment_credentials', 'select, insert, update, delete')),
  '{}'::text[], 'private.payment_credentials: no privilege for anon, authenticated or service_role');
select tests.act_as(:'owner_a');
select throws_ok('select * from private.payment_credentials', '42501', null, 'the owner cannot read the credentials');
select throws_ok(format($$select public.payment_account(%L)$$, :'acc_a'), '42501', null, 'nor through payment_account');
select tests.act_as_service_role();
select throws_ok('select * from private.payment_credentials', '42501', null, 'service_role cannot read the table either');
select is(public.payment_account(:'acc_a') -> 'credentials' ->> 'api_key', 'wave-key-a2', 'only the payments function''s reader gives them, to service_role');

-- Data in both companies: a cart with a line, a hold, a waitlist place, an intent and an event.
select tests.botlive_draft('tenant-a', 'wa-a', :'robe', :'pikine') as conv_a \gset
select public.botlive_push_line('tenant-a', :'conv_a') is not null as pushed \gset
select public.botlive_hold_cart('tenant-a', :'conv_a') is not null as held \gset
select public.botlive_join_waitlist('tenant-a', :'conv_a', :'kimono') is not null as waiting \gset
select public.payment_open_intent('tenant-a', :'conv_a') -> 'intent' ->> 'id' as intent_a \gset
select public.payment_apply(:'acc_a', 'evt-a', 'checkout.session.pending', 'pending', :'intent_a') is not null as applied \gset
select tests.botlive_draft('tenant-b', 'wa-b', :'sac_b', :'thies') as conv_b \gset
select public.botlive_push_line('tenant-b', :'conv_b') is not null as pushed \gset
select public.botlive_hold_cart('tenant-b', :'conv_b') is not null as held \gset
select public.botlive_join_waitlist('tenant-b', :'conv_b', :'sac_b') is not null as waiting \gset
select public.payment_open_intent('tenant-b', :'conv_b') -> 'intent' ->> 'id' as intent_b \gset
select public.payment_apply(:'acc_b', 'evt-b', 'checkout.session.pending', 'pending', :'intent_b') is not null as applied \gset

create temporary view seen with (security_invoker = true) as
  select 'payment_accounts' as tbl, company_id from public.payment_accounts
  union all select 'payment_intents', company_id from public.payment_intents
  union all select 'payment_events', company_id from public.payment_events
  union all select 'botlive_cart_lines', company_id from public.botlive_cart_lines
  union all select 'botlive_holds', company_id from public.botlive_holds
  union all select 'botlive_waitlist', company_id from public.botlive_waitlist;
grant select on seen to anon, authenticated, service_role;

select tests.act_as_service_role();
select results_eq('select tbl, count(distinct company_id)::int from seen group by 1 order by 1',
  $$values ('botlive_cart_lines', 2), ('botlive_holds', 2), ('botlive_waitlist', 2), ('payment_accounts', 2), ('payment_events', 2), ('payment_intents', 2)$$,
  'service_role reads both companies'' rows');
select tests.act_as(:'owner_a');
select results_eq('select tbl, company_id, count(*)::int from seen group by 1, 2 order by 1',
  format($$values ('botlive_cart_lines', %1$L::uuid, 1), ('botlive_holds', %1$L, 1), ('botlive_waitlist', %1$L, 1),
    ('payment_accounts', %1$L, 1), ('payment_events', %1$L, 1), ('payment_intents', %1$L, 1)$$, :'company_a'),
  'the owner of A reads A''s row of each table, none of B''s');
select tests.act_as(:'admin_a');
select results_eq('select tbl, count(*)::int from seen where company_id = ' || quote_literal(:'company_a') || ' group by 1 order by 1',
  'select tbl, count(*)::int from seen group by 1 order by 1', 'an admin of A: A''s rows only');
select tests.act_as(:'member_a');
select results_eq('select distinct company_id from seen', format('values (%L::uuid)', :'company_a'), 'a member of A: A''s rows only');
select is((select count(*)::int from seen), 6, 'all six of them');
select tests.act_as(:'member_b');
select results_eq('select distinct company_id from seen', format('values (%L::uuid)', :'company_b'), 'a member of B: B''s rows only');
select tests.act_as(:'member_a');
select lives_ok($$select public.botlive_dashboard('tenant-a')$$,
  'a member reads the dashboard of a company with a cart being filled (draft_amounts reads private.cart_lines as the member)');

-- anon reads nothing; nobody writes these tables directly.
select tests.act_as_anon();
select throws_ok('select * from public.payment_accounts', '42501', null, 'anon cannot read payment_accounts');
select throws_ok('select * from public.payment_intents', '42501', null, 'anon cannot read payment_intents');
select throws_ok('select * from public.payment_events', '42501', null, 'anon cannot read payment_events');
select throws_ok('select * from public.botlive_cart_lines', '42501', null, 'anon cannot read botlive_cart_lines');
select throws_ok('select * from public.botlive_holds', '42501', null, 'anon cannot read botlive_holds');
select throws_ok('select * from public.botlive_waitlist', '42501', null, 'anon cannot read botlive_waitlist');
select tests.act_as(:'admin_a');
select throws_ok(format($$update public.payment_intents set state = 'paid' where id = %L$$, :'intent_a'), '42501', null,
  'an admin cannot mark an intent paid by hand');
select throws_ok(format($$insert into public.payment_events (company_id, provider, event_id, kind, outcome) values (%L, 'wave', 'forged', 'x', 'applied')$$, :'company_a'),
  '42501', null, 'nor forge an event');
select throws_ok(format($$delete from public.botlive_holds where conversation_id = %L$$, :'conv_a'), '42501', null,
  'nor drop a hold');
select throws_ok(format($$update public.payment_accounts set is_active = false where id = %L$$, :'acc_a'), '42501', null,
  'accounts change through set_payment_account only');
select tests.act_as_service_role();
select throws_ok(format($$update public.botlive_holds set quantity = 1 where conversation_id = %L$$, :'conv_a'), '42501', null,
  'service_role writes the holds through the functions only');

-- The service functions: service_role only.
select tests.reset_role();
create temporary table service_functions (fn regprocedure) on commit drop;
insert into service_functions values
  ('public.payment_account(uuid)'), ('public.payment_open_intent(text, uuid, text)'),
  ('public.payment_set_checkout(uuid, text, text, timestamptz, text)'),
  ('public.payment_apply(uuid, text, text, text, text, text, text, integer, text, text)'),
  ('public.payment_match_received(uuid, text, text, integer, text)'), ('public.payment_claim_checkout(uuid, boolean)'),
  ('public.payment_expire_intents()'), ('public.payment_reconcile_due(integer)'), ('public.payment_reconciled(uuid, text)'),
  ('public.botlive_push_line(text, uuid)'), ('public.botlive_hold_cart(text, uuid)'),
  ('public.botlive_join_waitlist(text, uuid, uuid, jsonb, integer)'), ('public.botlive_expire_holds()'),
  ('public.botlive_begin_turn(text, text, text, jsonb, text, jsonb)'),
  ('private.botlive_begin_turn_base(text, text, text, jsonb, text, jsonb)');
select is_empty($$select fn::text from service_functions where has_function_privilege('anon', fn, 'execute')
  or has_function_privilege('authenticated', fn, 'execute') or not has_function_privilege('service_role', fn, 'execute')$$,
  'every service function: executed by service_role, by neither anon nor authenticated');
select is_empty($$select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace = 'private'::regnamespace
    and p.proname in ('release_holds', 'botlive_serve_waitlist', 'botlive_notify', 'lock_cart_products', 'products_serve_waitlist',
      'payment_credential_keys', 'payment_transition_allowed', 'provider_method', 'product_quantity_text')
    and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')
      or has_function_privilege('service_role', p.oid, 'execute'))$$,
  'the cart''s and payments'' private helpers: no API role executes them');
select tests.act_as(:'owner_a');
select throws_ok(format($$select public.payment_apply(%L, 'evt-owner', 'x', 'paid', %L, null, 'T-OWN', 17500, null, 'signed_event')$$, :'acc_a', :'intent_a'),
  '42501', null, 'the owner cannot mark her own intent paid through payment_apply');
select throws_ok(format($$select public.botlive_hold_cart('tenant-a', %L)$$, :'conv_a'), '42501', null, 'nor hold stock');
select throws_ok('select public.botlive_expire_holds()', '42501', null, 'nor run the holds'' clock');
select throws_ok(format($$select public.payment_open_intent('tenant-a', %L)$$, :'conv_a'), '42501', null, 'nor open a checkout');
select tests.act_as_anon();
select throws_ok($$select public.set_payment_account('tenant-a', 'wave', '{}')$$, '42501', null, 'anon cannot call set_payment_account');
select throws_ok(format($$select public.payment_match_received(%L, 'e', 't', 1, null)$$, :'acc_a'), '42501', null,
  'nor payment_match_received');
select tests.act_as(:'member_a');
select is((select company_id from public.payment_accounts), :'company_a'::uuid, 'a member sees which account her company has');
select ok(not exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = 'payment_accounts'
  and column_name ~ 'key|secret|token|credential'), 'and the account''s public row carries no credential');

select * from finish();
rollback;
