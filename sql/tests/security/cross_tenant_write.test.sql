-- Threat: the owner of one company (the strongest tenant actor) writes into another company.
begin;
select plan(13);

select * from tests.two_companies() \gset
select public.log_activity('tenant-a', 'order.created', 'Commande A') as activity_a \gset

select tests.act_as(:'owner_b');

select is(tests.affected_rows(format($$update public.companies set name = 'pwned' where id = %L$$, :'company_a')), 0,
  'the owner of company B updates no row of company A');
select is(tests.affected_rows(format('delete from public.companies where id = %L', :'company_a')), 0,
  'the owner of company B deletes no company A');
select is(tests.affected_rows($$update public.company_rag_configs set prompt_botlive_groq_70b = 'pwned' where company_id = 'tenant-a'$$), 0,
  'the owner of company B rewrites no prompt of company A');
select throws_ok(format($$insert into public.company_members (company_id, user_id, role) values (%L, %L, 'owner')$$, :'company_a', :'owner_b'),
  '42501', null, 'the owner of company B cannot make itself a member of company A');
select is(tests.affected_rows(format($$update public.company_members set role = 'member' where company_id = %L$$, :'company_a')), 0,
  'the owner of company B changes no role in company A');
select is(tests.affected_rows(format('delete from public.company_members where company_id = %L', :'company_a')), 0,
  'the owner of company B removes no member of company A');
select throws_ok(format('update public.company_members set company_id = %L where company_id = %L', :'company_a', :'company_b'),
  '42501', null, 'a membership cannot be moved to another company');
select throws_ok($$update public.company_rag_configs set company_id = 'tenant-a' where company_id = 'tenant-b'$$,
  '42501', null, 'a RAG config cannot be moved to another company');
select throws_ok(format($$insert into public.activities (company_id, type, title) values (%L, 'x', 'forged')$$, :'company_a'),
  '42501', null, 'nobody inserts activities directly');
select throws_ok(format('delete from public.activities where id = %L', :'activity_a'),
  '42501', null, 'nobody deletes activities directly');
select throws_ok('truncate public.activities', '42501', null,
  'the API roles cannot truncate a table (TRUNCATE ignores RLS)');

select tests.reset_role();
select is((select name from public.companies where id = :'company_a'), 'Tenant A',
  'company A is unchanged after the attempts');
select is((select count(*)::int from public.company_members where company_id = :'company_a'), 3,
  'company A still has exactly its three members');

select * from finish();
rollback;
