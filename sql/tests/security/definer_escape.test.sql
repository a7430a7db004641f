-- Threat: a security definer function (which bypasses RLS) used to act outside one's tenant.
begin;
select plan(14);

select * from tests.two_companies() \gset

select tests.act_as(:'member_b');

select throws_ok($$select public.log_activity('tenant-a', 'order.created', 'forged')$$,
  '42501', 'log_activity: not a member of company tenant-a',
  'log_activity refuses a non-member writing to another company by slug');
select throws_ok(format($$select public.log_activity(%L, 'order.created', 'forged')$$, :'company_a'),
  '42501', null, 'log_activity refuses a non-member writing to another company by uuid');
select throws_ok($$select public.create_company('tenant-a', 'Hijack')$$,
  '23505', null, 'create_company cannot take over an existing slug');
select throws_ok($$select private.resolve_company('tenant-a')$$,
  '42501', null, 'authenticated cannot call private.resolve_company directly');

select is(private.is_member(:'company_a'), false, 'is_member says no about a company the caller is not in');
select is(private.is_member(:'company_b'), true, 'is_member says yes about the caller''s own company');
select is(private.is_member(:'company_b', 'admin'), false, 'is_member compares the caller''s role with the minimum asked');
select throws_ok(format($$select private.is_member(%L, 'superuser')$$, :'company_b'),
  '22023', 'is_member: unknown role superuser', 'is_member rejects an unknown role');

select tests.reset_role();
select results_eq($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  where p.pronamespace = 'private'::regnamespace
    and pg_catalog.has_function_privilege('authenticated', p.oid, 'execute')
  order by 1
$$, $$values ('private.botlive_settle_refund(text,uuid,text)'), ('private.botlive_time_zone(text)'),
    ('private.botlive_verify_payment(text,uuid,text,text)'),
    ('private.botlive_verify_refund(text,uuid,text,text)'), ('private.business_today()'),
    ('private.cart_lines(uuid)'), ('private.channel_reply(text,uuid,text)'),
    ('private.create_company(text,text,text,text)'), ('private.create_order(text,jsonb)'),
    ('private.draft_amounts(uuid)'), ('private.fold(text)'), ('private.is_member(uuid,text)'),
    ('private.log_activity(text,text,text,text,text,jsonb,uuid)'),
    ('private.member_company_ids()'), ('private.refund_via_provider(text,uuid)'),
    ('private.set_channel_account(text,text,text,text,text,text,text,text,text,text,boolean)'),
    ('private.set_payment_account(text,text,jsonb,boolean)'),
    ('private.status_label(text,text)'), ('private.storage_allowed(text,text,boolean)'), ('private.storage_company(text)'),
    ('private.tag_documents_by_keywords(text,text[],text)'), ('private.toggle_live_mode(text,boolean)')$$,
  'authenticated can execute in private only what the policies need (is_member, member_company_ids: the caller''s own memberships), the assistant''s invoker helpers, which read no data (fold, status_label, business_today; Botlive''s botlive_time_zone), Botlive''s draft_amounts, invoker: what it reads RLS decides, the audited money decisions of a member (verify a proof, of an order or of a refund; settle a refund; not exposed by PostgREST), the bodies of the five RPCs whose public entry points are security invoker since 20261206150000 (create_company, create_order, log_activity, tag_documents_by_keywords, toggle_live_mode: each checks its caller itself), the channels'' two (set_channel_account: an admin; channel_reply: a member), the payments'' two (set_payment_account: an admin; refund_via_provider: a member), and the Storage policies'' two invoker helpers (storage_company reads no data; storage_allowed asks is_member)');
select results_eq($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  where p.pronamespace = 'private'::regnamespace and p.prosecdef
    and pg_catalog.has_function_privilege('authenticated', p.oid, 'execute')
  order by 1
$$, $$values ('private.botlive_settle_refund(text,uuid,text)'), ('private.botlive_verify_payment(text,uuid,text,text)'),
    ('private.botlive_verify_refund(text,uuid,text,text)'), ('private.channel_reply(text,uuid,text)'),
    ('private.create_company(text,text,text,text)'),
    ('private.create_order(text,jsonb)'), ('private.is_member(uuid,text)'),
    ('private.log_activity(text,text,text,text,text,jsonb,uuid)'), ('private.member_company_ids()'),
    ('private.refund_via_provider(text,uuid)'),
    ('private.set_channel_account(text,text,text,text,text,text,text,text,text,text,boolean)'),
    ('private.set_payment_account(text,text,jsonb,boolean)'),
    ('private.tag_documents_by_keywords(text,text[],text)'), ('private.toggle_live_mode(text,boolean)')$$,
  'of those, only the two membership checks, the three money decisions (each checks membership of the row''s company first) and the five RPC bodies (create_company: a signed-in caller; create_order, toggle_live_mode, tag_documents_by_keywords: an admin of the company; log_activity: a member) the channels'' two (set_channel_account: an admin; channel_reply: a member) and the payments'' two (set_payment_account: an admin; refund_via_provider: a member of the refund''s company) are security definer');
select ok(not has_schema_privilege('anon', 'private', 'usage'), 'anon has no usage on schema private');

set local role authenticated;
select set_config('request.jwt.claims', '', true) as claims \gset
select throws_ok($$select public.log_activity('tenant-b', 'order.created', 'forged')$$,
  '42501', null, 'log_activity refuses role authenticated without JWT claims');
select tests.reset_role();
select set_config('request.jwt.claims', json_build_object('sub', :'member_b', 'role', 'authenticated')::text, true) as claims \gset
select throws_ok($$select public.log_activity('tenant-a', 'order.created', 'forged')$$,
  '42501', null, 'log_activity checks membership when only the JWT says authenticated');
select tests.act_as(:'owner_a');
select throws_ok($$select * from private.embedding_jobs_renew('[]')$$, '42501', null,
  'an owner cannot run the embedding queue''s definers (private.embedding_jobs_renew: service role only)');
select tests.reset_role();

select * from finish();
rollback;
