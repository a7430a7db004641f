-- Botlive under real concurrency: separate database sessions (dblink connections, each its own
-- transaction, committed), lined up behind a lock and released together.
--   1. two customers race for the last item: exactly one order, the other out_of_stock, stock 0;
--   2. the same conversation's order placed twice at once (a retried message): one order;
--   3. 50 orders created concurrently from 10 sessions: bot_usage's orders_count + 50 exactly,
--      revenue exactly the sum of their totals, 50 distinct order numbers.
-- The data is committed, so the file cleans up after itself (the company cascades).
create extension if not exists dblink with schema extensions;
set search_path = public, extensions;

-- Leftovers of an interrupted run.
delete from public.companies where slug = 'race-shop';
delete from auth.users where email = 'owner@race-shop.test';
create temporary table race (key text primary key, value text);
select format('host=127.0.0.1 port=%s dbname=%s user=postgres password=postgres', current_setting('port'), current_database()) as dsn \gset

begin;
select plan(12);

-- Fixtures, committed through their own session.
select dblink_connect('setup', :'dsn');
select dblink_exec('setup', $setup$
  do $do$
  declare
    v_owner uuid := tests.create_user('owner@race-shop.test');
    v_company uuid := tests.create_company('race-shop', v_owner);
  begin
    insert into public.products (company_id, name, price, stock)
    values (v_company, 'Dernier article', 12000, 1);
    insert into public.products (company_id, name, price, stock)
    select v_company, 'Article ' || g, 1000 * g, null from generate_series(1, 10) g;
    insert into public.delivery_zones (company_id, name, fee) values (v_company, 'Médina', 1500);
  end
  $do$$setup$);
select id as last_item from public.products where name = 'Dernier article' \gset
select id as zone from public.delivery_zones where name = 'Médina' and company_id = (select id from public.companies where slug = 'race-shop') \gset
select id as company from public.companies where slug = 'race-shop' \gset
select id as conv1 from dblink('setup', format($$select tests.botlive_paid_draft('race-shop', 'racer-1', %L, %L, 'R-1')::text$$,
  :'last_item', :'zone')) as t (id text) \gset
select id as conv2 from dblink('setup', format($$select tests.botlive_paid_draft('race-shop', 'racer-2', %L, %L, 'R-2')::text$$,
  :'last_item', :'zone')) as t (id text) \gset

-- 1. The race for the last item: both sessions wait behind a lock on the product, released together.
select dblink_connect('lock', :'dsn'), dblink_connect('c1', :'dsn'), dblink_connect('c2', :'dsn');
select dblink_exec('lock', 'begin');
select * from dblink('lock', format('select 1 from public.products where id = %L for update', :'last_item')) as t (locked int);
select dblink_send_query('c1', format($$select public.botlive_place_order('race-shop', %L, null) ->> 'status'$$, :'conv1'));
select dblink_send_query('c2', format($$select public.botlive_place_order('race-shop', %L, null) ->> 'status'$$, :'conv2'));
select pg_sleep(0.2), pg_stat_clear_snapshot();
select is((select count(*)::int from pg_stat_activity where wait_event_type = 'Lock' and query like '%botlive_place_order%'), 2,
  'both orders are waiting on the same row at once (a real race)');
select dblink_exec('lock', 'commit');
insert into race select 'r1', status from dblink_get_result('c1') as t (status text);
insert into race select 'r2', status from dblink_get_result('c2') as t (status text);
select * from dblink_get_result('c1') as t (status text);
select * from dblink_get_result('c2') as t (status text);
select results_eq($$select value from race where key in ('r1', 'r2') order by value$$, $$values ('created'), ('out_of_stock')$$,
  'exactly one customer gets the last item, the other is told it is sold out');
select is((select stock from public.products where id = :'last_item'), 0, 'the stock is 0, never negative');
select is((select count(*)::int from public.orders where company_id = :'company'), 1, 'one order');
select is((select count(*)::int from public.activities where company_id = :'company' and type = 'order.out_of_stock'), 1,
  'the sold-out is logged');

-- 2. One conversation's order placed twice at once (the integration retried the message).
select id as twice from dblink('setup', format($$select tests.botlive_paid_draft('race-shop', 'twice', %L, %L, 'T-1')::text$$,
  (select id from public.products where name = 'Article 1' and company_id = :'company'), :'zone')) as t (id text) \gset
select dblink_exec('lock', 'begin');
select * from dblink('lock', format('select 1 from public.botlive_drafts where conversation_id = %L for update', :'twice')) as t (locked int);
select dblink_send_query('c1', format($$select public.botlive_place_order('race-shop', %L, null) ->> 'status'$$, :'twice'));
select dblink_send_query('c2', format($$select public.botlive_place_order('race-shop', %L, null) ->> 'status'$$, :'twice'));
select pg_sleep(0.2), pg_stat_clear_snapshot();
select dblink_exec('lock', 'commit');
insert into race select 't1', status from dblink_get_result('c1') as t (status text);
insert into race select 't2', status from dblink_get_result('c2') as t (status text);
select * from dblink_get_result('c1') as t (status text);
select * from dblink_get_result('c2') as t (status text);
select results_eq($$select value from race where key in ('t1', 't2') order by value$$, $$values ('created'), ('no_draft')$$,
  'the same conversation placed twice at once: one order, the second finds nothing to place');

-- 3. 50 orders at once: 10 sessions, 5 orders each, every one of a different product.
select coalesce((select orders_count from public.bot_usage where company_id = :'company' and date = private.usage_date(now())), 0) as orders_before,
       coalesce((select revenue from public.bot_usage where company_id = :'company' and date = private.usage_date(now())), 0) as revenue_before \gset
select * from dblink('lock', 'select pg_advisory_lock(4242)::text') as t (locked text);
select dblink_connect('w' || g, :'dsn') from generate_series(1, 10) g;
select dblink_exec('w' || g, $$set request.jwt.claims to '{"role": "service_role"}'$$),
       dblink_exec('w' || g, 'set role service_role')
from generate_series(1, 10) g;
select dblink_send_query('w' || g, format($worker$
  do $do$
  begin
    -- behind the lock, so that the ten sessions start together
    perform pg_advisory_xact_lock_shared(4242);
    for i in 1 .. 5 loop
      perform public.create_order('race-shop', jsonb_build_object('items', jsonb_build_array(jsonb_build_object(
        'product_id', %L, 'quantity', 1)), 'delivery_zone_id', %L));
    end loop;
  end
  $do$$worker$,
  (select id from public.products where name = 'Article ' || g and company_id = :'company'), :'zone'))
from generate_series(1, 10) g;
select pg_sleep(0.2), pg_stat_clear_snapshot();
select is((select count(*)::int from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory'), 10,
  'the ten sessions are lined up behind the lock');
select * from dblink('lock', 'select pg_advisory_unlock(4242)::text') as t (unlocked text);
insert into race select 'w' || g, (select status from dblink_get_result('w' || g) as t (status text)) from generate_series(1, 10) g;
select results_eq($$select value, count(*)::int from race where key like 'w%' group by 1$$, $$values ('DO', 10)$$,
  'the 10 sessions succeeded');
select is((select count(*)::int from public.orders where company_id = :'company' and source = 'manual'), 50, '50 orders');
select is((select orders_count from public.bot_usage where company_id = :'company' and date = private.usage_date(now())),
  :orders_before + 50, 'bot_usage.orders_count went up by exactly 50');
select is((select revenue from public.bot_usage where company_id = :'company' and date = private.usage_date(now())),
  :revenue_before + (5 * (1000 + 2000 + 3000 + 4000 + 5000 + 6000 + 7000 + 8000 + 9000 + 10000) + 50 * 1500)::bigint,
  'revenue went up by exactly the 50 totals (5 × the ten prices + 50 × the 1 500 fee)');
select is((select count(distinct number)::int from public.orders where company_id = :'company' and source = 'manual'), 50,
  '50 distinct order numbers');

select * from finish();
rollback;

-- Clean up what the sessions committed.
select dblink_disconnect('w' || g) from generate_series(1, 10) g;
select dblink_disconnect('c1'), dblink_disconnect('c2'), dblink_disconnect('lock');
select dblink_exec('setup', $$delete from public.companies where slug = 'race-shop'$$);
select dblink_exec('setup', $$delete from auth.users where email = 'owner@race-shop.test'$$);
select dblink_disconnect('setup');
drop extension dblink;
