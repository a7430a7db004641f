-- The rules of Botlive's data, enforced by the database: one open session per company; an
-- order's status moves only forward (pending → confirmed → shipped → delivered, cancelled from
-- any open state), cancelling gives the stock back; the amount due is price × quantity + fee;
-- a declared proof below it is short by the missing amount; order numbers per company; every
-- event in the feed, in French.
begin;
select plan(28);
\ir fixtures.sql

-- Sessions: enabling twice returns the same open session; the database refuses a second one.
select tests.act_as(:'admin_a');
select session_id as s1 from public.toggle_live_mode('tenant-a', true) \gset
select session_id as s2 from public.toggle_live_mode('tenant-a', true) \gset
select is(:'s2'::uuid, :'s1'::uuid, 'enabling twice returns the same open session');
select tests.reset_role();
select throws_ok(format('insert into public.bot_sessions (company_id) values (%L)', :'company_a'), '23505', null,
  'the database holds at most one open session per company');
select tests.act_as(:'admin_a');
select results_eq($$select status, session_id from public.toggle_live_mode('tenant-a', false)$$,
  format($$values ('disabled', %L::uuid)$$, :'s1'), 'disabling closes it');
select results_eq($$select status, session_id from public.toggle_live_mode('tenant-a', false)$$,
  $$values ('disabled', null::uuid)$$, 'disabling again: nothing open');
select isnt((select session_id from public.toggle_live_mode('tenant-a', true)), :'s1'::uuid, 'a new live is a new session');
select tests.reset_role();
select results_eq(format($$select type, title, count(*)::int from public.activities where company_id = %L and type like 'session.%%' group by 1, 2 order by 1$$, :'company_a'),
  $$values ('session.ended', 'Live terminé', 1), ('session.started', 'Live démarré', 2)$$,
  'each start and end is in the feed');

-- Proofs: below the amount due short by what is missing, logged; then completed.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-awa', :'robe', :'pikine', 2) as conv \gset
select is(public.botlive_record_payment('tenant-a', :'conv', 10000, 'wave', 'W-1') - 'payment_id',
  '{"status": "to_verify", "paid": 10000, "required": 32500, "missing": 22500}'::jsonb,
  'required = 2 × 15 000 + 2 500; a proof of 10 000 is recorded, 22 500 missing');
select is(public.botlive_place_order('tenant-a', :'conv', null) ->> 'status', 'insufficient', 'no order while it is short');
select tests.reset_role();
select results_eq(format($$select title, description from public.activities where company_id = %L and type = 'payment.insufficient'$$, :'company_a'),
  $$values ('Montant insuffisant : 10 000 FCFA déclaré, 32 500 FCFA requis', 'Il manque 22 500 FCFA (Wave, réf. W-1).')$$,
  'the feed says it in French, with the amounts');
select tests.act_as_service_role();
select is(public.botlive_record_payment('tenant-a', :'conv', 22500, 'wave', 'W-2') ->> 'missing', '0', 'the rest covers it');
select public.botlive_place_order('tenant-a', :'conv', null) as placed \gset
select is(:'placed'::jsonb ->> 'status', 'created', 'then the order is placed');
select is((:'placed'::jsonb -> 'order' ->> 'total_amount')::int, 32500, 'its total is the amount due');
select is(:'placed'::jsonb -> 'order' ->> 'order_number', 'CMD-0001', 'the company''s first order number');
select is((:'placed'::jsonb ->> 'stock')::int, 3, 'the stock went down by the quantity');
select is(public.botlive_place_order('tenant-a', :'conv', null) ->> 'status', 'no_draft', 'placing again creates nothing');
select is((select count(*)::int from public.payments where order_id = (:'placed'::jsonb -> 'order' ->> 'id')::uuid and status = 'to_verify'),
  2, 'both proofs are attached to the order, still to verify');
select is(tests.botlive_paid_order('tenant-a', 'wa-next', :'pagne', :'pikine', 'W-3') -> 'order' ->> 'order_number', 'CMD-0002', 'numbers follow');
select is(tests.botlive_paid_order('tenant-b', 'wa-b', :'sac_b', :'thies', 'B-1') -> 'order' ->> 'order_number', 'CMD-0001', 'each company has its own numbers');

-- Transitions, as an admin.
select :'placed'::jsonb -> 'order' ->> 'id' as order_id \gset
select tests.act_as(:'admin_a');
select throws_ok(format($$update public.orders set status = 'delivered' where id = %L$$, :'order_id'), '55000', null,
  'pending → delivered skips steps: refused');
select lives_ok(format($$update public.orders set status = 'confirmed' where id = %L$$, :'order_id'), 'pending → confirmed');
select throws_ok(format($$update public.orders set status = 'pending' where id = %L$$, :'order_id'), '55000', null,
  'confirmed → pending: refused');
select lives_ok(format($$update public.orders set status = 'cancelled' where id = %L$$, :'order_id'), 'confirmed → cancelled');
select is((select stock from public.products where id = :'robe'), 5, 'cancelling gave the 2 robes back');
select throws_ok(format($$update public.orders set status = 'confirmed' where id = %L$$, :'order_id'), '55000', null,
  'a cancelled order stays cancelled');
select tests.act_as_service_role();
select tests.botlive_paid_order('tenant-a', 'wa-ship', :'robe', :'pikine', 'W-4') -> 'order' ->> 'id' as shipped_id \gset
select tests.act_as(:'admin_a');
update public.orders set status = 'confirmed' where id = :'shipped_id';
update public.orders set status = 'shipped' where id = :'shipped_id';
update public.orders set status = 'delivered' where id = :'shipped_id';
select throws_ok(format($$update public.orders set status = 'cancelled' where id = %L$$, :'shipped_id'), '55000', null,
  'a delivered order cannot be cancelled');
select tests.reset_role();
select results_eq(format($$select title from public.activities where company_id = %L and type = 'order.status_changed' and metadata ->> 'order_id' = %L order by created_at, title$$, :'company_a', :'shipped_id'),
  $$values ('Commande CMD-0003 confirmée'), ('Commande CMD-0003 expédiée'), ('Commande CMD-0003 livrée')$$,
  'every status change is in the feed');

-- Out of stock: logged, no order.
select tests.act_as_service_role();
select tests.botlive_paid_order('tenant-a', 'wa-k1', :'kimono', :'pikine', 'K-1') ->> 'status' as k1 \gset
select tests.botlive_paid_order('tenant-a', 'wa-k2', :'kimono', :'pikine', 'K-2') ->> 'status' as k2 \gset
select is(array[:'k1', :'k2']::text[], array['created', 'out_of_stock'], 'the last kimono goes to the first; the second is told it is sold out');
select tests.reset_role();
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'order.out_of_stock'
  and title = 'Rupture de stock : Kimono imprimé'), 1, 'and the sold-out is in the feed');
select * from finish();
rollback;
