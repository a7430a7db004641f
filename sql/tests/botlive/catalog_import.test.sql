-- A live needs something to sell and somewhere to deliver: toggle_live_mode refuses to open a
-- live for a company without an active product or an active delivery zone (22023, a message in
-- English and French saying what is missing), for its owner, an admin and service_role alike;
-- a member or another company still gets 42501 (the catalog is not revealed); closing a live and
-- re-enabling an open one are never refused; the function keeps its grants (its definer body in private).
begin;
select plan(20);
\ir fixtures.sql

-- Company C: an owner and an admin, an empty catalog.
select tests.create_user('owner@tenant-c.test') as owner_c \gset
select tests.create_user('admin@tenant-c.test') as admin_c \gset
select tests.create_user('member@tenant-c.test') as member_c \gset
select tests.create_company('tenant-c', :'owner_c') as company_c \gset
select tests.add_member(:'company_c', :'admin_c', 'admin');
select tests.add_member(:'company_c', :'member_c', 'member');

-- Nothing to sell, nowhere to deliver.
select tests.act_as(:'owner_c');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '22023',
  'cannot open the live of tenant-c: no active product and no active delivery zone (impossible d''ouvrir le live : aucun produit actif et aucune zone de livraison active)',
  'the owner cannot open a live with an empty catalog: both are named');
select tests.act_as(:'admin_c');
select throws_ok(format($$select public.toggle_live_mode(%L, true)$$, :'company_c'), '22023',
  format('cannot open the live of %s: no active product and no active delivery zone (impossible d''ouvrir le live : aucun produit actif et aucune zone de livraison active)', :'company_c'),
  'an admin neither (the company by its uuid)');
select tests.act_as_service_role();
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '22023', null, 'service_role neither');

-- Who may not toggle still learns nothing about the catalog.
select tests.act_as(:'member_c');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '42501', null, 'a member is refused for the role, first');
select tests.act_as(:'owner_b');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '42501', null, 'another company''s owner too');
select tests.act_as_anon();
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '42501', null, 'anon too');

-- Products but no zone: the zone is what is missing (the admin fills the catalog under RLS).
select tests.act_as(:'admin_c');
select lives_ok(format($$insert into public.products (company_id, name, price) values (%L, 'Robe C', 15000)$$, :'company_c'),
  'fixture: the admin adds a product');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '22023',
  'cannot open the live of tenant-c: no active delivery zone (impossible d''ouvrir le live : aucune zone de livraison active)',
  'a catalog without zones is refused: no delivery zone');
select lives_ok(format($$insert into public.delivery_zones (company_id, name, fee, is_active) values (%L, 'Rufisque', 3000, false)$$, :'company_c'),
  'fixture: an inactive zone');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '22023',
  'cannot open the live of tenant-c: no active delivery zone (impossible d''ouvrir le live : aucune zone de livraison active)',
  'an inactive zone does not count');

-- A zone but no active product.
select lives_ok($$update public.delivery_zones set is_active = true where name = 'Rufisque'$$, 'fixture: the zone is active');
select lives_ok($$update public.products set is_active = false where name = 'Robe C'$$, 'fixture: the product is not');
select throws_ok($$select public.toggle_live_mode('tenant-c', true)$$, '22023',
  'cannot open the live of tenant-c: no active product (impossible d''ouvrir le live : aucun produit actif)',
  'an inactive product does not count');

-- Refused attempts leave nothing behind.
select tests.reset_role();
select is_empty(format($$select 1 from public.bot_sessions where company_id = %L
  union all select 1 from public.activities where company_id = %L and type like 'session.%%'$$, :'company_c', :'company_c'),
  'no session and no « Live démarré » for a refused live');

-- Both there: the live opens; while it is open, enabling again returns it whatever the catalog.
select tests.act_as(:'admin_c');
update public.products set is_active = true where name = 'Robe C';
select results_eq($$select status from public.toggle_live_mode('tenant-c', true)$$, $$values ('enabled')$$,
  'with an active product and an active zone the live opens');
update public.delivery_zones set is_active = false where name = 'Rufisque';
select results_eq($$select status from public.toggle_live_mode('tenant-c', true)$$, $$values ('enabled')$$,
  'enabling an open live returns it, even once the zones are gone');
select results_eq($$select status from public.toggle_live_mode('tenant-c', false)$$, $$values ('disabled')$$,
  'closing is never refused');
select results_eq($$select status, session_id from public.toggle_live_mode('tenant-c', false)$$,
  $$values ('disabled', null::uuid)$$, 'nor closing when nothing is open');

-- The fixtures' companies (a catalog and a zone each) still open their lives.
select tests.act_as(:'owner_b');
select results_eq($$select status from public.toggle_live_mode('tenant-b', true)$$, $$values ('enabled')$$,
  'a company with a catalog and a zone opens its live');
select tests.reset_role();

-- Same signature and grants as before; since 20261206150000 (the Security Advisor's lint 0029)
-- the public function is an invoker entry point and its definer body is private's.
select ok(
  (select not p.prosecdef and p.proconfig = array[$q$search_path=""$q$] and p.provolatile = 'v'
     and has_function_privilege('authenticated', p.oid, 'execute')
     and has_function_privilege('service_role', p.oid, 'execute')
     and not has_function_privilege('anon', p.oid, 'execute')
   from pg_catalog.pg_proc p where p.oid = 'public.toggle_live_mode(text, boolean)'::regprocedure)
  and (select p.prosecdef and p.proconfig = array[$q$search_path=""$q$] and p.provolatile = 'v'
   from pg_catalog.pg_proc p where p.oid = 'private.toggle_live_mode(text, boolean)'::regprocedure),
  'toggle_live_mode keeps its grants (authenticated, service_role; not anon), an invoker entry point to its definer body in private');

select * from finish();
rollback;
