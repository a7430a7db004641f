-- Botlive's cart: several articles in one order (Σ price × quantity + the zone's fee), a line
-- pushed merges with the same article and variant, 20 lines at most; stock held for the shop's
-- hold time, adjusted and given back exactly; the holds' clock reminds once then releases; the
-- waitlist is served first in line, strictly (nobody passes the first), by a released hold or a
-- member's restock; cancelling releases; placing consumes the holds without taking the stock
-- twice; a sold-out article leaves the cart and the proofs stay toward the smaller one.
begin;
select plan(63);
\ir fixtures.sql

-- Lines: the draft's line pushed, merged with the same article and variant, then the next one.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-cart', :'robe', :'pikine') as cart \gset
select public.botlive_save_draft('tenant-a', :'cart', '{"variant": {"taille": "M"}}') is not null as saved \gset
select is(jsonb_array_length(public.botlive_push_line('tenant-a', :'cart')), 1, '« et aussi… »: the robe in M becomes line 1');
select results_eq(format($$select product_id, variant, quantity from public.botlive_drafts where conversation_id = %L$$, :'cart'),
  $$values (null::uuid, '{}'::jsonb, 1)$$, 'and the draft is ready for the next article');
select public.botlive_save_draft('tenant-a', :'cart', format('{"product_id": "%s", "variant": {"taille": "M"}, "quantity": 2}', :'robe')::jsonb)
  is not null as saved \gset
select public.botlive_push_line('tenant-a', :'cart') as pushed \gset
select results_eq(format($$select line_no, product_id, variant, quantity from public.botlive_cart_lines where conversation_id = %L$$, :'cart'),
  format($$values (1, %L::uuid, '{"taille": "M"}'::jsonb, 3)$$, :'robe'),
  'two more robes in M join line 1 (1 + 2 = 3), no second line');
select public.botlive_save_draft('tenant-a', :'cart', format('{"product_id": "%s", "variant": {"taille": "L"}}', :'robe')::jsonb)
  is not null as saved \gset
select is(jsonb_array_length(public.botlive_push_line('tenant-a', :'cart')), 2, 'a robe in L is another line');
select is(jsonb_array_length(public.botlive_push_line('tenant-a', :'cart')), 2, 'pushing an empty draft changes nothing');
select public.botlive_save_draft('tenant-a', :'cart', format('{"product_id": "%s", "quantity": 2}', :'pagne')::jsonb) is not null as saved \gset
select results_eq(format($$select line_no, quantity, line_total::int from private.cart_lines(%L)$$, :'cart'),
  $$values (1, 3, 45000), (2, 1, 15000), (2147483647, 2, 15000)$$, 'the cart: its lines, then the line being filled, each at today''s price');
select results_eq(format($$select required, paid from private.draft_amounts(%L)$$, :'cart'),
  $$values (3 * 15000 + 15000 + 2 * 7500 + 2500, 0)$$, 'the amount due is Σ price × quantity + the zone''s fee (77 500)');
select throws_ok(format($$select public.botlive_push_line('tenant-b', %L)$$, :'cart'), 'P0002', null,
  'another company cannot push into this cart');

-- The cap: 20 articles, the one being filled included; the 21st is refused.
select tests.botlive_draft('tenant-a', 'wa-many', :'pagne', :'pikine') as many \gset
select count(*)::int as pushed from (
  select public.botlive_save_draft('tenant-a', :'many', jsonb_build_object('product_id', :'pagne', 'variant', jsonb_build_object('n', g::text))),
    public.botlive_push_line('tenant-a', :'many')
  from generate_series(1, 19) g) pushes \gset
select public.botlive_save_draft('tenant-a', :'many', format('{"product_id": "%s", "variant": {"n": "20"}}', :'pagne')::jsonb) is not null as saved \gset
select is((select count(*)::int from private.cart_lines(:'many')), 20, '19 lines and the one being filled: 20 articles');
select throws_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"lines": %s}')$$, :'many',
    (select jsonb_agg(jsonb_build_object('product_id', :'pagne', 'variant', jsonb_build_object('n', g::text), 'quantity', 1))
     from generate_series(1, 20) g)), '22023',
  'botlive_save_draft: a cart holds at most 20 articles', 'a 21st article is refused with a clear error');
select lives_ok(format($$select public.botlive_push_line('tenant-a', %L)$$, :'many'), 'the 20th joins the lines');
select ok((select count(*) from private.cart_lines(:'many')) <= 20,
  'a cart never holds more than 20 articles (the line being filled counts)');

-- Holds: taken for the whole cart, adjusted, released, stock exact.
select tests.botlive_draft('tenant-a', 'wa-hold', :'robe', :'pikine', 2) as hold \gset
select public.botlive_push_line('tenant-a', :'hold') is not null as pushed \gset
select public.botlive_save_draft('tenant-a', :'hold', format('{"product_id": "%s", "quantity": 1}', :'kimono')::jsonb) is not null as saved \gset
select public.botlive_hold_cart('tenant-a', :'hold') as held \gset
select is(:'held'::jsonb ->> 'status', 'held', 'the cart is held');
select results_eq(format($$select product_id, quantity from public.botlive_holds where conversation_id = %L order by quantity$$, :'hold'),
  format($$values (%L::uuid, 1), (%L::uuid, 2)$$, :'kimono', :'robe'), 'one hold per article: the kimono, two robes');
select results_eq(format($$select stock from public.products where id in (%L, %L) order by name$$, :'kimono', :'robe'),
  $$values (0), (3)$$, 'the stock counts them out: kimono 0, robes 3');
select is((select count(distinct expires_at)::int from public.botlive_holds where conversation_id = :'hold'), 1, 'all of a cart''s holds share one expiry');
select ok((select expires_at = now() + interval '30 minutes' from public.botlive_holds where conversation_id = :'hold' limit 1),
  'the shop''s hold time (30 minutes by default)');
select is((public.botlive_hold_cart('tenant-a', :'hold') ->> 'status'), 'held', 'holding again is a no-op');
select is((select stock from public.products where id = :'robe'), 3, 'and takes nothing more');
select tests.reset_role();
update public.botlive_cart_lines set quantity = 3 where conversation_id = :'hold';
select tests.act_as_service_role();
select is((public.botlive_hold_cart('tenant-a', :'hold') ->> 'status'), 'held', 'a third robe: held');
select is((select quantity from public.botlive_holds where conversation_id = :'hold' and product_id = :'robe'), 3, 'the hold adjusts to 3');
select is((select stock from public.products where id = :'robe'), 2, 'one more robe taken (2 left)');
select tests.reset_role();
update public.botlive_cart_lines set quantity = 1 where conversation_id = :'hold';
select tests.act_as_service_role();
select is((public.botlive_hold_cart('tenant-a', :'hold') ->> 'status'), 'held', 'back to one robe');
select is((select stock from public.products where id = :'robe'), 4, 'two robes given back (4)');
select public.botlive_save_draft('tenant-a', :'hold', '{"product_id": null}') is not null as saved \gset
select is((public.botlive_hold_cart('tenant-a', :'hold') -> 'held' -> 0 ->> 'product_id')::uuid, :'robe'::uuid, 'the kimono out of the cart');
select is((select stock from public.products where id = :'kimono'), 1, 'its hold is released: kimono 1');

-- The waitlist: the kimono held by one, two customers wait, strict first-come-first-served.
select public.botlive_save_draft('tenant-a', :'hold', format('{"product_id": "%s", "quantity": 1}', :'kimono')::jsonb) is not null as saved \gset
select public.botlive_hold_cart('tenant-a', :'hold') is not null as held \gset
select tests.botlive_draft('tenant-a', 'wa-w1', :'kimono', :'pikine', 2) as w1 \gset
select tests.botlive_draft('tenant-a', 'wa-w2', :'kimono', :'pikine', 1) as w2 \gset
select public.botlive_hold_cart('tenant-a', :'w1') as sold \gset
select is(:'sold'::jsonb ->> 'status', 'sold_out', 'two kimonos when none is left: sold_out');
select is(:'sold'::jsonb -> 'sold_out' -> 0 -> 'waitlist', '{"position": 1, "waiting": 1}'::jsonb, 'she takes place 1 in line');
select is((select product_id from public.botlive_drafts where conversation_id = :'w1'), :'kimono'::uuid,
  'the article stays in her cart, not held');
select is(public.botlive_hold_cart('tenant-a', :'w2') -> 'sold_out' -> 0 -> 'waitlist', '{"position": 2, "waiting": 2}'::jsonb,
  'the next one takes place 2');
select is(public.botlive_join_waitlist('tenant-a', :'w1', :'kimono', '{}', 2), '{"position": 1, "waiting": 2}'::jsonb,
  'joining again keeps her place');

-- The holds' clock: a reminder once, then the release serves the line.
select tests.reset_role();
update public.botlive_holds set expires_at = now() + interval '3 minutes' where conversation_id = :'hold';
select tests.act_as_service_role();
select is(public.botlive_expire_holds(), '{"reminded": 1, "released": 0, "served": 0}'::jsonb, 'three minutes left: one reminder for the cart (two holds)');
select is(public.botlive_expire_holds(), '{"reminded": 0, "released": 0, "served": 0}'::jsonb, 'not twice');
select is((select count(*)::int from public.messages where conversation_id = :'hold' and metadata ->> 'notice' = 'hold_reminder'), 1,
  'the customer has one reminder message');
select tests.reset_role();
update public.botlive_holds set expires_at = now() - interval '1 second' where conversation_id = :'hold';
select tests.act_as_service_role();
select is(public.botlive_expire_holds(), '{"reminded": 0, "released": 1, "served": 0}'::jsonb, 'past its time the cart is released');
select is((select count(*)::int from public.botlive_holds where conversation_id = :'hold'), 0, 'no hold left');
select is((select stock from public.products where id = :'robe'), 5, 'the robe back in stock (5)');
select is((select count(*)::int from public.messages where conversation_id = :'hold' and metadata ->> 'notice' = 'hold_expired'), 1,
  'she is told it expired');
select is((select stock from public.products where id = :'kimono'), 1,
  'the kimono came back but the first in line wants 2: it stays in stock');
select is((select array_agg(status order by id) from public.botlive_waitlist where product_id = :'kimono'), array['waiting', 'waiting'],
  'and the second in line (who wants 1) does not pass her');
select tests.act_as(:'admin_a');
update public.products set stock = stock + 1 where id = :'kimono';
select tests.act_as_service_role();
select is((select array_agg(status order by id) from public.botlive_waitlist where product_id = :'kimono'), array['offered', 'waiting'],
  'a member''s restock to 2 serves the first in line');
select results_eq(format($$select product_id, sum(quantity)::int from private.cart_lines(%L) group by 1$$, :'w1'),
  format($$values (%L::uuid, 2)$$, :'kimono'), 'her cart has the two kimonos, once');
select results_eq(format($$select quantity, expires_at > now() from public.botlive_holds where conversation_id = %L$$, :'w1'),
  $$values (2, true)$$, 'held for her');
select is((select stock from public.products where id = :'kimono'), 0, 'the stock counts them out');
select is((select count(*)::int from public.messages where conversation_id = :'w1' and metadata ->> 'notice' = 'waitlist_served'), 1,
  'and she is told');
select tests.reset_role();
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'waitlist.served'), 1,
  'the feed says so');

-- Cancelling gives her holds back, which serves the next in line.
select tests.act_as_service_role();
select ok(public.botlive_cancel_draft('tenant-a', :'w1'), 'the first in line cancels');
select is((select count(*)::int from public.botlive_holds where conversation_id = :'w1'), 0, 'her holds are gone');
select is((select array_agg(status order by id) from public.botlive_waitlist where product_id = :'kimono'), array['left', 'offered'],
  'the second in line is served from what she gave back');
select is((select stock from public.products where id = :'kimono'), 1, 'stock exact: 2 back, 1 held for the next (1)');

-- Placing consumes the holds: the stock is not taken twice.
select tests.botlive_draft('tenant-a', 'wa-buy', :'robe', :'pikine', 2) as buy \gset
select public.botlive_push_line('tenant-a', :'buy') is not null as pushed \gset
select public.botlive_save_draft('tenant-a', :'buy', format('{"product_id": "%s", "quantity": 3}', :'pagne')::jsonb) is not null as saved \gset
select public.botlive_hold_cart('tenant-a', :'buy') is not null as held \gset
select is((select stock from public.products where id = :'robe'), 3, 'two robes held (3 left)');
select public.botlive_record_payment('tenant-a', :'buy', 2 * 15000 + 3 * 7500 + 2500, 'wave', 'CART-1') is not null as paid \gset
select public.botlive_place_order('tenant-a', :'buy', null) as placed \gset
select is(:'placed'::jsonb ->> 'status', 'created', 'a cart of robes and pagnes, paid 55 000: the order');
select is((:'placed'::jsonb -> 'order' ->> 'total_amount')::int, 55000, 'its total: 2 × 15 000 + 3 × 7 500 + 2 500');
select is(:'placed'::jsonb -> 'order' -> 'items', jsonb_build_array(
    jsonb_build_object('product_id', :'robe', 'name', 'Robe wax', 'variant', '{}'::jsonb, 'quantity', 2, 'unit_price', 15000, 'line_total', 30000),
    jsonb_build_object('product_id', :'pagne', 'name', 'Pagne tissé', 'variant', '{}'::jsonb, 'quantity', 3, 'unit_price', 7500, 'line_total', 22500)),
  'every line is in the order, in the cart''s order');
select is((select stock from public.products where id = :'robe'), 3, 'the held robes became the order''s: still 3, not 1');
select is((select count(*)::int from public.botlive_holds where conversation_id = :'buy'), 0, 'no hold left behind');
select is((select count(*)::int from public.botlive_cart_lines where conversation_id = :'buy'), 0, 'nor any line');

-- A sold-out article in a cart of several: it leaves, the proofs stay toward what is left.
select tests.botlive_draft('tenant-a', 'wa-short', :'robe', :'pikine') as short \gset
select public.botlive_push_line('tenant-a', :'short') is not null as pushed \gset
select public.botlive_save_draft('tenant-a', :'short', format('{"product_id": "%s"}', :'kimono')::jsonb) is not null as saved \gset
select tests.act_as(:'admin_a');
update public.products set stock = 0 where id = :'kimono';
select tests.act_as_service_role();
select public.botlive_record_payment('tenant-a', :'short', 15000 + 12000 + 2500, 'wave', 'SHORT-1') is not null as paid \gset
select public.botlive_place_order('tenant-a', :'short', null) as placed \gset
select results_eq(format($$select %L::jsonb ->> 'status', (%L::jsonb ->> 'refund')::int$$, :'placed', :'placed'),
  $$values ('out_of_stock', 0)$$, 'the kimono is sold out: out_of_stock, nothing owed back while the robe is still wanted');
select results_eq(format($$select required, paid from private.draft_amounts(%L)$$, :'short'),
  $$values (17500, 29500)$$, 'the cart is the robe alone; the proof counts toward it');
select public.botlive_place_order('tenant-a', :'short', null) as placed \gset
select results_eq(format($$select %L::jsonb ->> 'status', (%L::jsonb ->> 'change')::int$$, :'placed', :'placed'),
  $$values ('created', 12000)$$, 'placed again: the robe''s order, 12 000 of change owed');
select is((select stock from public.products where id = :'robe'), 2, 'one robe taken');

-- A cart whose holds lapsed (the clock has not run yet) holds anew, not until a time gone by.
select tests.botlive_draft('tenant-a', 'wa-lapsed', :'robe', :'pikine') as lapsed \gset
select public.botlive_hold_cart('tenant-a', :'lapsed') is not null as held \gset
select tests.reset_role();
update public.botlive_holds set expires_at = now() - interval '1 minute' where conversation_id = :'lapsed';
select tests.act_as_service_role();
select public.botlive_push_line('tenant-a', :'lapsed') is not null as pushed \gset
select public.botlive_save_draft('tenant-a', :'lapsed', format('{"product_id": "%s", "variant": {"taille": "S"}}', :'robe')::jsonb) is not null as saved \gset
select ok((public.botlive_hold_cart('tenant-a', :'lapsed') ->> 'expires_at')::timestamptz > now(),
  'a second robe held after the first hold lapsed: the cart is held for a time still to come');

-- The first in line with a full cart: serving her must not break a member's restock (nor the clock).
select public.botlive_join_waitlist('tenant-a', :'many', :'kimono') ->> 'position' as many_position \gset
select tests.act_as(:'admin_a');
select lives_ok(format($$update public.products set stock = 3 where id = %L$$, :'kimono'),
  'a restock succeeds when the first in line already has 20 lines and an article being filled');
select tests.reset_role();

select * from finish();
rollback;
