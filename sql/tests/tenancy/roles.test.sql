-- Roles inside one company: members read, admins edit the company and its RAG config,
-- owners also manage the members and may delete the company.
begin;
select plan(15);

select tests.create_user('owner@tenant-a.test') as owner_a \gset
select tests.create_user('admin@tenant-a.test') as admin_a \gset
select tests.create_user('member@tenant-a.test') as member_a \gset
select tests.create_user('newcomer@tenant-a.test') as newcomer \gset
select tests.create_company('tenant-a', :'owner_a') as company_a \gset
select tests.add_member(:'company_a', :'admin_a', 'admin');
select tests.add_member(:'company_a', :'member_a', 'member');

select tests.act_as(:'member_a');
select is(tests.affected_rows($$update public.companies set sector = 'x' where slug = 'tenant-a'$$), 0,
  'a member cannot update the company');
select is(tests.affected_rows($$update public.company_rag_configs set ai_name = 'x' where company_id = 'tenant-a'$$), 0,
  'a member cannot update the RAG config');
select is(tests.affected_rows(format($$update public.company_members set role = 'owner' where user_id = %L$$, :'member_a')), 0,
  'a member cannot promote itself');
select is((select count(*)::int from public.company_members), 3, 'a member sees every member of its company');

select tests.act_as(:'admin_a');
select is(tests.affected_rows($$update public.companies set sector = 'mode' where slug = 'tenant-a'$$), 1,
  'an admin updates the company');
select is(tests.affected_rows($$update public.company_rag_configs set ai_name = 'Awa' where company_id = 'tenant-a'$$), 1,
  'an admin updates the RAG config');
select throws_ok(format($$insert into public.company_members (company_id, user_id) values (%L, %L)$$, :'company_a', :'newcomer'),
  '42501', null, 'an admin cannot add a member');
select is(tests.affected_rows(format($$update public.company_members set role = 'admin' where user_id = %L$$, :'member_a')), 0,
  'an admin cannot change a role');
select is(tests.affected_rows(format('delete from public.company_members where user_id = %L', :'member_a')), 0,
  'an admin cannot remove a member');
select is(tests.affected_rows($$delete from public.companies where slug = 'tenant-a'$$), 0,
  'an admin cannot delete the company');

select tests.act_as(:'owner_a');
select lives_ok(format($$insert into public.company_members (company_id, user_id) values (%L, %L)$$, :'company_a', :'newcomer'),
  'an owner adds a member');
select is(tests.affected_rows(format($$update public.company_members set role = 'admin' where user_id = %L$$, :'member_a')), 1,
  'an owner changes a role');
select is(tests.affected_rows(format('delete from public.company_members where user_id = %L', :'newcomer')), 1,
  'an owner removes a member');

select tests.reset_role();
update public.companies set updated_at = now() - interval '1 day' where id = :'company_a';
select tests.act_as(:'owner_a');
select is(tests.affected_rows($$update public.companies set name = 'Tenant A SARL' where slug = 'tenant-a'$$), 1,
  'an owner updates the company');
select is((select updated_at from public.companies where slug = 'tenant-a'), now(),
  'an update stamps updated_at');

select * from finish();
rollback;
