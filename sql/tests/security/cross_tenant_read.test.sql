-- Threat: a signed-in member of one company reads another company's data.
begin;
select plan(8);

select * from tests.two_companies() \gset
select public.log_activity('tenant-a', 'order.created', 'Commande A') as activity_a \gset
select public.log_activity('tenant-b', 'order.created', 'Commande B') as activity_b \gset

select tests.act_as(:'member_b');

select is_empty(format('select 1 from public.companies where id = %L', :'company_a'),
  'a member of company B does not see company A');
select is_empty(format('select 1 from public.company_members where company_id = %L', :'company_a'),
  'a member of company B does not see the members of company A');
select is_empty($$select 1 from public.company_rag_configs where company_id = 'tenant-a'$$,
  'a member of company B does not see the RAG config (and prompts) of company A');
select is_empty(format('select 1 from public.activities where company_id = %L', :'company_a'),
  'a member of company B does not see the activities of company A');
select is_empty(format($$select 1 from public.company_mapping where uuid = %L or company_id = 'tenant-a'$$, :'company_a'),
  'a member of company B finds no company_mapping row of company A, by uuid or by slug');

select results_eq('select slug from public.companies', $$values ('tenant-b')$$,
  'a member of company B sees exactly its own company');
select results_eq('select title from public.activities', $$values ('Commande B')$$,
  'a member of company B sees exactly its own company''s activities');
select results_eq('select company_id, role from public.company_mapping order by role',
  $$values ('tenant-b', 'member'), ('tenant-b', 'owner')$$,
  'company_mapping shows a member of company B only company B''s memberships');

select * from finish();
rollback;
