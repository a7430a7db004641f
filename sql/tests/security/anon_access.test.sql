-- Threat: a visitor holding only the public anon key reads or writes tenant data.
begin;
select plan(10);

select tests.create_user('owner@tenant-a.test') as owner_a \gset
select tests.create_company('tenant-a', :'owner_a') as company_a \gset
select public.log_activity('tenant-a', 'order.created', 'Commande A') as activity_a \gset

select tests.act_as_anon();

-- Nothing in public is granted to anon: every read is refused before any policy runs.
select throws_ok('select 1 from public.companies', '42501', null, 'anon cannot read companies');
select throws_ok('select 1 from public.company_members', '42501', null, 'anon cannot read memberships');
select throws_ok('select 1 from public.company_rag_configs', '42501', null, 'anon cannot read RAG configs');
select throws_ok('select 1 from public.activities', '42501', null, 'anon cannot read activities');
select throws_ok('select 1 from public.company_mapping', '42501', null, 'anon cannot read company_mapping');

select throws_ok($$select public.log_activity('tenant-a', 'order.created', 'forged')$$,
  '42501', null, 'anon cannot execute log_activity');
select throws_ok($$select public.create_company('squat', 'Squat')$$,
  '42501', null, 'anon cannot execute create_company');
select throws_ok($$insert into public.companies (slug, name) values ('squat', 'Squat')$$,
  '42501', null, 'anon cannot insert a company');
select throws_ok($$update public.company_rag_configs set ai_name = 'pwned'$$,
  '42501', null, 'anon cannot update a RAG config');
select throws_ok(format('select private.is_member(%L)', :'company_a'),
  '42501', null, 'anon cannot reach the private schema');

select * from finish();
rollback;
