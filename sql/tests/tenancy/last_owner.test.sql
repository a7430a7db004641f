-- A company always keeps an owner: its last owner can neither leave nor be demoted, while
-- deleting the company or the owner's account still cascades.
begin;
select plan(7);

select tests.create_user('owner@tenant-a.test') as owner_a \gset
select tests.create_user('second@tenant-a.test') as second_a \gset
select tests.create_company('tenant-a', :'owner_a') as company_a \gset
select tests.add_member(:'company_a', :'second_a', 'admin');

select tests.act_as(:'owner_a');
select throws_ok(format($$update public.company_members set role = 'admin' where user_id = %L$$, :'owner_a'),
  '23514', 'a company must keep at least one owner', 'the last owner cannot demote itself');
select throws_ok(format('delete from public.company_members where user_id = %L', :'owner_a'),
  '23514', 'a company must keep at least one owner', 'the last owner cannot leave');

select lives_ok(format($$update public.company_members set role = 'owner' where user_id = %L$$, :'second_a'),
  'an owner promotes another member to owner');
select is(tests.affected_rows(format($$update public.company_members set role = 'member' where user_id = %L$$, :'owner_a')), 1,
  'with a second owner, the first may step down');

select tests.act_as(:'second_a');
select is(tests.affected_rows(format('delete from public.company_members where user_id = %L', :'owner_a')), 1,
  'an owner removes a member who was an owner');

select is(tests.affected_rows($$delete from public.companies where slug = 'tenant-a'$$), 1,
  'deleting the company cascades to its last owner''s membership');

select tests.reset_role();
select tests.create_company('tenant-b', :'owner_a') as company_b \gset
delete from auth.users where id = :'owner_a';
select is((select count(*)::int from public.company_members where company_id = :'company_b'), 0,
  'deleting the last owner''s account cascades too');

select * from finish();
rollback;
