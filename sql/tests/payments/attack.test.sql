-- An attacker's pass over the payments and the cart, in SQL: money to the shop's Wave number
-- credited by the phone a customer typed, a checkout's session replaced under a paid intent,
-- change paid back through a whole Wave session; and what holds (late and out-of-order events,
-- a payment racing its hold's expiry, a payment for a cart that changed, another company's
-- member or anon). Each former hole keeps its test and the fix in its comment.
begin;
select plan(19);
\ir ../botlive/fixtures.sql

select tests.act_as(:'admin_a');
select public.set_payment_account('tenant-a', 'wave', '{"api_key": "wave-key-a", "webhook_secret": "wave-secret-a"}') as acc_a \gset
select tests.act_as(:'owner_b');
select public.set_payment_account('tenant-b', 'wave', '{"api_key": "wave-key-b", "webhook_secret": "wave-secret-b"}') as acc_b \gset
select tests.act_as_service_role();

-- WAS A HOLE (fixed, kept as a test): merchant.payment_received is matched on payment_intents.payer_phone, which is the phone
-- the customer typed in her draft. An attacker who types her victim's number (posted in a live's
-- comments) and opens her cart first gets the victim's transfer: the earliest intent wins.
-- Fix: payment_match_received (20261207110000_payment-intents.sql) credits only an unambiguous
-- match — exactly one open (awaiting/pending) intent of that amount and payer, else unmatched and
-- shown — and matches the payer against a number the channel proved (the WhatsApp sender), not
-- the typed one.
select tests.botlive_draft('tenant-a', 'wa-thief', :'pagne', :'pikine') as thief \gset
select public.payment_open_intent('tenant-a', :'thief') ->> 'status' as thief_intent \gset
select tests.botlive_draft('tenant-a', 'wa-victim', :'pagne', :'pikine') as victim \gset
select public.payment_open_intent('tenant-a', :'victim') ->> 'status' as victim_intent \gset
select public.payment_match_received(:'acc_a', 'evt-victim', 'T-VICTIM', 10000, '+221771234567') ->> 'status' as received \gset
select is((select count(*)::int from public.orders where conversation_id = :'thief'), 0,
  'money from a number two open carts claim pays neither of them (the victim''s transfer does not pay the cart that typed her number)');
select is(public.payment_match_received(:'acc_a', 'evt-more', 'T-MORE', 10001, '+221771234567') ->> 'status', 'unmatched',
  'an amount no intent is for is not credited to the closest one');
select is(public.payment_match_received(:'acc_a', 'evt-nobody', 'T-NOBODY', 10000, null) ->> 'status', 'unmatched',
  'nor money without a payer');

-- WAS A HOLE (fixed, kept as a test): payment_set_checkout replaces the session of an intent that has one, even a paid one. Two
-- turns of one cart at once both see the intent without a link and both create a session; the
-- later one overwrites provider_ref and notif_token: the session the customer paid is no longer
-- the intent's (CinetPay's and PayDunya's status calls ask the unpaid one: her order is never
-- placed; tests/e2e/payments_attack_test.ts plays it), and a paid intent re-pointed sends the
-- refund and the reconciliation to an unpaid session.
-- Fix: payment_set_checkout sets provider_ref/checkout_url/notif_token only while provider_ref is
-- null and the intent is awaiting (returns the row as it is otherwise), and the service
-- (functions/_shared/payments/service.ts, checkout) sends the stored link when it lost the race.
select tests.botlive_draft('tenant-a', 'wa-race', :'pagne', :'pikine') as race \gset
select public.payment_open_intent('tenant-a', :'race') -> 'intent' ->> 'id' as irace \gset
select public.payment_set_checkout(:'irace', 'om-first', 'https://om.example/first', null, 'notif-first') is not null as first \gset
select public.payment_set_checkout(:'irace', 'om-second', 'https://om.example/second', null, 'notif-second') is not null as second \gset
select results_eq(format($$select provider_ref, notif_token from public.payment_intents where id = %L$$, :'irace'),
  $$values ('om-first', 'notif-first')$$, 'a second session for an intent that has one does not replace the link already sent');
select public.payment_apply(:'acc_a', 'evt-race', 'checkout.session.completed', 'paid', :'irace', null, 'T-RACE', 10000, null, 'signed_event') ->> 'status' as paid_race \gset
select public.payment_set_checkout(:'irace', 'om-late', 'https://om.example/late', null, 'notif-late') is not null as late \gset
select isnt((select provider_ref from public.payment_intents where id = :'irace'), 'om-late',
  'a paid intent is never re-pointed at another session (its refund and reconciliation ask the session that was paid)');

-- WAS A HOLE (fixed, kept as a test): change is paid back through a whole Wave session. docs/PAYMENTS.md: « Wave refunds a
-- whole session, so change (a part of a payment) is settled by hand », but
-- private.refund_via_provider offers any refund of the order whose amount equals a Wave intent's.
-- A cart paid by Wave and by a claim the member then confirms: the change is the claim's
-- amount, and the shop gives back the provider-confirmed money while keeping the claimed one.
-- Fix: private.refund_via_provider returns null for kind = 'change' (and records the refunded
-- session, e.g. payment_intents.refunded_at, so that no session is offered twice).
select tests.botlive_draft('tenant-a', 'wa-change', :'pagne', :'pikine') as chg \gset
select public.payment_open_intent('tenant-a', :'chg') -> 'intent' ->> 'id' as ichg \gset
select public.payment_set_checkout(:'ichg', 'cos-change', 'https://pay.wave.com/c/cos-change') is not null as set_chg \gset
select public.botlive_record_payment('tenant-a', :'chg', 10000, 'wave', 'CLAIM-CHANGE') ->> 'status' as claimed \gset
select public.payment_apply(:'acc_a', 'evt-change', 'checkout.session.completed', 'paid', :'ichg', 'cos-change', 'T-CHANGE', 10000, null, 'signed_event')
  -> 'order' -> 'order' ->> 'id' as chg_order \gset
select tests.act_as(:'member_a');
select (private.botlive_verify_payment('tenant-a', :'chg_order', 'confirm')).payment_status as confirmed \gset
select id as chg_refund from public.refunds where order_id = :'chg_order' and kind = 'change' \gset
select is((select status from public.refunds where id = :'chg_refund'), 'owed', 'the change is owed once the member confirmed the claim');
select is(private.refund_via_provider('tenant-a', :'chg_refund') ->> 'intent_id', null,
  'change is settled by hand, never by refunding the whole Wave session');

-- Holds: the state machine. Paid is final whatever comes late, the clock included.
select tests.act_as_service_role();
select is(
  array(select public.payment_apply(:'acc_a', 'evt-late-' || s, 'late', s, :'ichg') ->> 'status'
        from unnest(array['failed', 'expired', 'pending']) s),
  array['ignored', 'ignored', 'ignored'], 'paid → failed, expired or pending: ignored');
select tests.reset_role();
update public.payment_intents set expires_at = now() - interval '1 minute' where id = :'ichg';
select tests.act_as_service_role();
select lives_ok('select public.payment_expire_intents()', 'the intents'' clock runs');
select is((select state from public.payment_intents where id = :'ichg'), 'paid', 'and leaves a paid intent paid');

-- Holds: a hold that ran out to the next in line, then the first customer's money arrives.
select tests.botlive_draft('tenant-a', 'wa-first', :'kimono', :'pikine') as first_c \gset
select public.botlive_hold_cart('tenant-a', :'first_c') ->> 'status' as first_held \gset
select public.payment_open_intent('tenant-a', :'first_c') -> 'intent' ->> 'id' as ifirst \gset
select tests.botlive_draft('tenant-a', 'wa-next', :'kimono', :'pikine') as next_c \gset
select public.botlive_hold_cart('tenant-a', :'next_c') ->> 'status' as next_held \gset
select tests.reset_role();
update public.botlive_holds set expires_at = now() - interval '1 second' where conversation_id = :'first_c';
select tests.act_as_service_role();
select public.botlive_expire_holds() ->> 'released' as released \gset
select results_eq(format($$select (select stock from public.products where id = %L), (select quantity from public.botlive_holds where conversation_id = %L)$$, :'kimono', :'next_c'),
  $$values (0, 1)$$, 'the released kimono is held for the next in line');
select is(public.payment_apply(:'acc_a', 'evt-first-late', 'checkout.session.completed', 'paid', :'ifirst', null, 'T-FIRST-LATE', 14500, null, 'signed_event')
  -> 'order' ->> 'status', 'out_of_stock', 'the first customer''s money arriving after her hold ran out places no order');
select results_eq(format($$select (select stock from public.products where id = %L), (select count(*)::int from public.orders where conversation_id = %L),
    (select quantity from public.botlive_holds where conversation_id = %L)$$, :'kimono', :'first_c', :'next_c'),
  $$values (0, 0, 1)$$, 'the stock is not oversold (never below zero) and the next customer keeps her hold');
select results_eq(format($$select reason, amount, status from public.refunds where conversation_id = %L$$, :'first_c'),
  $$values ('sold_out', 14500, 'owed')$$, 'the late money is owed back, at once (the provider confirmed it)');

-- Holds: a session paid after its cart changed amount pays what it paid, no more.
select tests.botlive_draft('tenant-a', 'wa-grow', :'pagne', :'pikine') as grow \gset
select public.payment_open_intent('tenant-a', :'grow') -> 'intent' ->> 'id' as igrow \gset
select public.botlive_save_draft('tenant-a', :'grow', '{"quantity": 3}') is not null as grown \gset
select is((public.payment_open_intent('tenant-a', :'grow') ->> 'amount')::int, 25000, 'the cart grew: a new checkout for 3 × 7 500 + 2 500');
select is(public.payment_apply(:'acc_a', 'evt-grow', 'checkout.session.completed', 'paid', :'igrow', null, 'T-GROW', 10000, null, 'signed_event')
  -> 'order' ->> 'status', 'insufficient', 'the old session of 10 000, paid: no order for a cart of 25 000');
select is((public.payment_open_intent('tenant-a', :'grow') ->> 'amount')::int, 15000, 'the 10 000 counts: what is left to pay is 15 000');

-- Another company's member and anon reach none of it.
select tests.act_as(:'member_b');
select throws_ok($$select public.botlive_cart_board('tenant-a')$$, '42501', null, 'another company''s member cannot read A''s carts board');
select tests.act_as_anon();
select throws_ok($$select public.botlive_cart_board('tenant-a')$$, '42501', null, 'nor can anon');

select * from finish();
rollback;
