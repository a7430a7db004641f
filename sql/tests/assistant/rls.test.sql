-- Who reads and writes the assistant's tables, per actor: members of the company read, insert
-- and update; admins and owners delete; another company's member and anon see nothing;
-- service_role reads. build_company_context gives another company's member nothing (42501),
-- and members only their company's figures.
begin;
select plan(41);
select * from tests.two_companies() \gset

insert into public.clients (id, company_id, name) values
  ('11111111-0000-4000-8000-000000000001', :'company_a', 'Jean Dupont'),
  ('11111111-0000-4000-8000-000000000002', :'company_b', 'Client de B');
insert into public.invoices (company_id, client_id, number, amount, status, due_date) values
  (:'company_a', '11111111-0000-4000-8000-000000000001', 'FAC-1', 1250.50, 'pending', current_date - 3),
  (:'company_b', '11111111-0000-4000-8000-000000000002', 'FAC-B', 999.99, 'pending', current_date + 3);
insert into public.quotes (company_id, number, amount) values (:'company_a', 'DEV-1', 300), (:'company_b', 'DEV-B', 1);
insert into public.tasks (company_id, title, priority) values (:'company_a', 'Tâche A', 'urgent'), (:'company_b', 'Tâche B', 'urgent');
insert into public.projects (company_id, name) values (:'company_a', 'Projet A'), (:'company_b', 'Projet B');
insert into public.appointments (company_id, subject, scheduled_date) values (:'company_a', 'RDV A', now() + interval '1 hour'),
  (:'company_b', 'RDV B', now() + interval '1 hour');
insert into public.followups (company_id, subject) values (:'company_a', 'Relance A'), (:'company_b', 'Relance B');
insert into public.inbox_threads (company_id, subject) values (:'company_a', 'Message A'), (:'company_b', 'Message B');

-- A member of A reads every table of A and nothing of B.
select tests.act_as(:'member_a');
select results_eq(format($$select %L::text, count(*)::int from public.%I$$, t, t),
  format($$values (%L::text, 1)$$, t), format('a member reads its company''s %s only', t))
from unnest(array['clients', 'quotes', 'invoices', 'tasks', 'projects', 'appointments', 'followups', 'inbox_threads']) t;
select lives_ok(format($$insert into public.clients (company_id, name) values (%L, 'Nouveau client')$$, :'company_a'),
  'a member adds a client with only its company and name');
select is(tests.affected_rows($$update public.invoices set status = 'paid' where number = 'FAC-1'$$), 1, 'a member updates an invoice');
select is(tests.affected_rows($$delete from public.tasks$$), 0, 'a member does not delete');
select throws_ok(format($$insert into public.clients (company_id, name) values (%L, 'Intrus')$$, :'company_b'),
  '42501', null, 'nor writes into another company');
select throws_ok(format($$insert into public.invoices (company_id, client_id, number) values (%L, '11111111-0000-4000-8000-000000000002', 'X')$$, :'company_a'),
  '23503', null, 'nor names another company''s client (composite foreign key)');
select is(tests.affected_rows($$update public.clients set name = 'Volé' where name = 'Client de B'$$), 0, 'nor updates B''s rows');
select is((public.build_company_context('tenant-a', array['billing']) -> 'billing' -> 'invoices' ->> 'total')::int, 1,
  'build_company_context counts A''s invoices only');
select throws_ok($$select public.build_company_context('tenant-b')$$, '42501', null, 'and gives nothing of B');
select throws_ok($$select public.build_company_context('no-such-company')$$, '42501', null, 'an unknown company looks the same');
select throws_ok($$select public.build_company_context('tenant-a', array['salaries'])$$, '22023', null, 'an unknown section is refused');
select is((select count(*)::int from public.find_company_entities('tenant-a', 'jean dupond')), 1, 'entity lookup finds A''s client');
select throws_ok($$select * from public.find_company_entities('tenant-b', 'client')$$, '42501', null, 'not B''s');
select is_empty($$select 1 from public.chatbot_context_cache where company_id <> (select company_id from public.company_members where user_id = auth.uid())$$,
  'the cache shows nothing of another company');
select throws_ok($$insert into public.chatbot_context_cache (company_id, section, context_data) select id, 'clients', '{}' from public.companies$$,
  '42501', null, 'nobody writes the cache through the API (it would lie to the others)');
select throws_ok($$select public.assistant_begin_turn(auth.uid(), 'tenant-a', null, 'x')$$, '42501', null,
  'the assistant''s service functions are not callable by users');

-- The owner of A: everything of A, including the counters and versions the builder reads.
select tests.act_as(:'owner_a');
select is((select count(*)::int from public.invoices), 1, 'the owner reads A''s invoices');
select is((select sum(n)::int from private.company_counts where kind = 'invoice'), 1, 'and A''s invoice counters (kept by trigger)');
select ok((select count(*) from private.context_versions) > 0, 'and A''s context versions');
select is(tests.affected_rows($$delete from public.followups$$), 1, 'the owner deletes');
select throws_ok($$update private.company_counts set n = 0$$, '42501', null, 'nobody rewrites the counters');

-- An admin deletes.
select tests.act_as(:'admin_a');
select is(tests.affected_rows($$delete from public.tasks$$), 1, 'an admin deletes a task');
-- The owner of B: only B.
select tests.act_as(:'owner_b');
select results_eq($$select name from public.clients$$, $$values ('Client de B')$$, 'the owner of B reads only B''s clients');
select is((public.build_company_context('tenant-b', array['billing']) -> 'billing' -> 'invoices' ->> 'total_unpaid_amount')::numeric,
  999.99, 'and B''s own figures');
select throws_ok($$select public.build_company_context('tenant-a')$$, '42501', null, 'a member of another company gets nothing from build_company_context');
select is(public.client_card('tenant-a', '11111111-0000-4000-8000-000000000001'), null, 'a card of A''s client is empty to B');
select is_empty(format('select 1 from private.company_counts where company_id = %L', :'company_a'), 'nor A''s counters');
select is_empty(format('select 1 from private.context_versions where company_id = %L', :'company_a'), 'nor A''s versions');

-- anon holds nothing.
select tests.act_as_anon();
select throws_ok('select 1 from public.clients', '42501', null, 'anon cannot read clients');
select throws_ok('select 1 from public.invoices', '42501', null, 'anon cannot read invoices');
select throws_ok('select 1 from public.chatbot_context_cache', '42501', null, 'anon cannot read the cache');
select throws_ok($$select public.build_company_context('tenant-a')$$, '42501', null, 'anon cannot build a context');

-- service_role reads everything.
select tests.act_as_service_role();
select is((select count(*)::int from public.clients where company_id in (:'company_a', :'company_b')), 3, 'service_role reads every company''s clients');
select throws_ok(format($$insert into public.clients (company_id, name) values (%L, 'x')$$, :'company_a'), '42501', null,
  'and writes no business row');
select * from finish();
rollback;
