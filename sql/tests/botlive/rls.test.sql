-- Who reads and writes Botlive's tables, per actor: the owner, an admin, a member, another
-- company's member, anon (the public key) and service_role (the bot). Members read their
-- company's catalog, zones, sessions, orders, payments, drafts and usage; admins edit the
-- catalog and orders' statuses; nobody reads another company's rows; anon reads nothing;
-- orders, payments, drafts, sessions and usage are written only by the SQL functions.
begin;
select plan(44);
\ir fixtures.sql

-- A live, one placed order (with its payment and usage) and one draft still being filled.
select tests.act_as(:'owner_a');
select session_id as session_a from public.toggle_live_mode('tenant-a', true) \gset
select tests.act_as_service_role();
select tests.botlive_paid_order('tenant-a', 'wa-fatou', :'robe', :'pikine', 'TXN1') ->> 'status' as placed \gset
select tests.botlive_draft('tenant-a', 'wa-moussa', :'pagne', :'pikine') as draft_conv \gset
select tests.botlive_paid_order('tenant-b', 'wa-b', :'sac_b', :'thies', 'TXN1') ->> 'status' as placed_b \gset
select is(:'placed'::text, 'created', 'fixture: the bot placed an order in company A');
select is(:'placed_b'::text, 'created', 'and one in company B (the same reference is fine in another company)');

-- Members of A: read everything of A, nothing of B.
select tests.act_as(:'member_a');
select results_eq('select name from public.products order by name',
  $$values ('Kimono imprimé'), ('Pagne tissé'), ('Robe wax')$$, 'a member reads its catalog, not B''s');
select results_eq('select name from public.delivery_zones', $$values ('Pikine')$$, 'a member reads its zones');
select results_eq('select id from public.bot_sessions', format('values (%L::uuid)', :'session_a'), 'a member reads its sessions');
select is((select count(*)::int from public.orders), 1, 'a member reads its orders');
select is((select count(*)::int from public.payments), 1, 'a member reads its payments');
select is((select count(*)::int from public.botlive_drafts), 1, 'a member reads the drafts being filled');
select results_eq('select orders_count, revenue from public.bot_usage', $$values (1, 17500::bigint)$$,
  'a member reads its usage: one order, its total');
select throws_ok(format($$insert into public.products (company_id, name, price) values (%L, 'Nouveau', 1000)$$, :'company_a'),
  '42501', null, 'a member cannot add a product');
select is(tests.affected_rows(format('update public.products set price = 1 where id = %L', :'robe')), 0,
  'a member cannot change a price');
select is(tests.affected_rows('update public.orders set status = ''confirmed'''), 0, 'a member cannot change an order''s status');
select throws_ok(format($$insert into public.delivery_zones (company_id, name, fee) values (%L, 'Zone', 0)$$, :'company_a'),
  '42501', null, 'a member cannot add a zone');
select throws_ok($$select public.toggle_live_mode('tenant-a', false)$$, '42501', null, 'a member cannot close the live');
select throws_ok(format($$select public.create_order('tenant-a', '{"items": [{"product_id": "%s"}]}')$$, :'pagne'),
  '42501', null, 'a member cannot enter an order');

-- An admin of A edits the catalog and zones, changes statuses, enters orders.
select tests.act_as(:'admin_a');
select lives_ok(format($$insert into public.products (company_id, name, price, stock) values (%L, 'Collier', 4000, 2)$$, :'company_a'),
  'an admin adds a product');
select is(tests.affected_rows(format('update public.products set price = 16000 where id = %L', :'robe')), 1, 'an admin changes a price');
select is(tests.affected_rows(format('update public.delivery_zones set fee = 3000 where id = %L', :'pikine')), 1, 'an admin changes a fee');
select is(tests.affected_rows(format('update public.products set price = 1 where id = %L', :'sac_b')), 0,
  'an admin of A cannot touch B''s catalog');
select is(tests.affected_rows('update public.orders set status = ''confirmed'''), 1, 'an admin confirms an order');
select throws_ok(format($$insert into public.orders (company_id, number, items, items_total, total_amount) values (%L, 99, '[{}]', 1, 1)$$, :'company_a'),
  '42501', null, 'nobody inserts an order directly: create_order numbers and prices it');
select throws_ok(format($$insert into public.payments (company_id, amount, method, status) values (%L, 1000, 'wave', 'validated')$$, :'company_a'),
  '42501', null, 'nobody records a payment directly');
select throws_ok(format($$insert into public.bot_sessions (company_id) values (%L)$$, :'company_a'),
  '42501', null, 'nobody opens a session directly: toggle_live_mode checks the role');
select throws_ok(format($$update public.bot_usage set revenue = 0 where company_id = %L$$, :'company_a'),
  '42501', null, 'nobody rewrites the usage counters');
select is((public.create_order('tenant-a', format('{"items": [{"product_id": "%s", "quantity": 2}], "delivery_zone_id": "%s"}', :'pagne', :'pikine')::jsonb)).total_amount,
  18000, 'an admin enters an order: prices and fee from the database (2 × 7 500 + 3 000)');

-- The owner of A, likewise; the owner of B sees only B.
select tests.act_as(:'owner_a');
select is((select count(*)::int from public.orders), 2, 'the owner reads both orders of A');
select is(tests.affected_rows(format('update public.products set is_active = false where id = %L', :'kimono')), 1, 'the owner edits the catalog');

select tests.act_as(:'member_b');
select results_eq('select name from public.products', $$values ('Sac B')$$, 'a member of B reads only B''s catalog');
select is_empty(format('select 1 from public.orders where company_id = %L', :'company_a'), 'nor A''s orders');
select is_empty(format('select 1 from public.payments where company_id = %L', :'company_a'), 'nor A''s payments');
select is_empty(format('select 1 from public.botlive_drafts where company_id = %L', :'company_a'), 'nor A''s drafts');
select is_empty(format('select 1 from public.bot_sessions where company_id = %L', :'company_a'), 'nor A''s sessions');
select is_empty(format('select 1 from public.bot_usage where company_id = %L', :'company_a'), 'nor A''s usage');
select throws_ok($$select public.botlive_dashboard('tenant-a')$$, '42501', null, 'nor A''s dashboard');
select tests.act_as(:'owner_b');
select throws_ok($$select public.toggle_live_mode('tenant-a', false)$$, '42501', null, 'B''s owner cannot close A''s live');
select throws_ok($$select public.toggle_live_mode('no-such-shop', true)$$, '42501', null,
  'an unknown company looks the same as a foreign one');

-- anon holds nothing.
select tests.act_as_anon();
select throws_ok('select 1 from public.products', '42501', null, 'anon cannot read products');
select throws_ok('select 1 from public.orders', '42501', null, 'anon cannot read orders');
select throws_ok('select 1 from public.bot_usage', '42501', null, 'anon cannot read usage');
select throws_ok($$select public.toggle_live_mode('tenant-a', false)$$, '42501', null, 'anon cannot toggle a live');
select throws_ok($$select public.botlive_begin_turn('tenant-a', 'x', 'y', '{}', 'salut', '[]')$$, '42501', null,
  'anon cannot play the bot');

-- service_role (the bot) reads every company, writes through the functions only.
select tests.act_as_service_role();
select is((select count(*)::int from public.orders where company_id in (:'company_a', :'company_b')), 3, 'service_role reads every company''s orders');
select throws_ok(format('update public.products set stock = 100 where id = %L', :'robe'), '42501', null,
  'even the bot changes stock only through an order');
select is((public.botlive_record_payment('tenant-a', :'draft_conv', 10000, 'wave', 'txn1')) ->> 'status', 'rejected',
  'a reference already used in the company (in any case) is rejected: the same proof never pays twice');
select * from finish();
rollback;
