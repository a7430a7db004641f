-- A customer's proof is a claim, not a payment: recorded at once (`to_verify`), references unique
-- once normalised, an order placed `to_verify` until a member of its company decides (audited),
-- money owed back recorded (change, a sell-out, a cancelled draft or order) until a member
-- settles it, and a live closed with paid drafts raises an alert. Acted as service_role (the
-- bot), the owner, a member, another company's admin and anon.
begin;
select plan(43);
\ir fixtures.sql

-- A proof before the amount due is known is a row all the same.
select tests.act_as_service_role();
select (public.botlive_begin_turn('tenant-a', 'wa-early', 'early-1', '{"id": "wa-early", "name": "Awa"}', 'bonjour', '[]')
  ->> 'conversation_id') as early \gset
select is(public.botlive_record_payment('tenant-a', :'early', 21500, 'other', 'MTN-778899') - 'payment_id',
  '{"status": "to_verify", "paid": 21500, "required": null, "missing": null}'::jsonb,
  'a proof with no product nor zone yet is recorded, the amount due unknown');
select is((select count(*)::int from public.payments where conversation_id = :'early' and status = 'to_verify'), 1,
  'it is a row, to verify');

-- References are one once normalised.
select tests.botlive_draft('tenant-a', 'wa-fake', :'pagne', :'pikine') as fake \gset
select is(public.botlive_record_payment('tenant-a', :'fake', 10000, 'wave', 'FAKE-0001') ->> 'status', 'to_verify', 'FAKE-0001 is recorded');
select is(public.botlive_record_payment('tenant-a', :'fake', 10000, 'wave', ' fake0001 ') ->> 'status', 'duplicate',
  'the same customer sending « fake0001 » again: the same proof, nothing new');
select tests.botlive_draft('tenant-a', 'wa-fake2', :'pagne', :'pikine') as fake2 \gset
select is(
  array(select public.botlive_record_payment('tenant-a', :'fake2', 10000, 'wave', r) ->> 'status'
        from unnest(array['FAKE.0001', 'FAKE_0001', 'fake 0001']) r),
  array['rejected', 'rejected', 'rejected'], 'FAKE.0001, FAKE_0001, fake 0001 in another conversation: a reuse, refused');
select is((select paid from private.draft_amounts(:'fake2')), 0, 'and they pay nothing');
select is((select count(*)::int from public.activities where company_id = :'company_a' and type = 'payment.rejected'), 3,
  'each reuse is in the feed');
select throws_ok(format($$select public.botlive_record_payment('tenant-a', %L, -9000, 'wave', 'NEG00001')$$, :'fake2'),
  '22023', null, 'a negative amount is refused');
select throws_ok(format($$select public.botlive_record_payment('tenant-a', %L, 9000, 'wave', ' -._ ')$$, :'fake2'),
  '22023', null, 'a reference of punctuation only is none');

-- A covered, complete draft: the order to verify, stock held, change owed.
select public.botlive_record_payment('tenant-a', :'fake', 1000, 'wave', 'TXNMXACKEGKA') is not null as recorded \gset
select public.botlive_place_order('tenant-a', :'fake', null) as placed \gset
select :'placed'::jsonb -> 'order' ->> 'id' as order_id \gset
select is(:'placed'::jsonb -> 'order' ->> 'payment_status', 'to_verify', 'the order waits for the shop''s check');
select is((:'placed'::jsonb ->> 'change')::int, 11000 - 10000, 'paid 11 000 for 10 000: 1 000 of change');
select results_eq(format($$select kind, reason, amount, status from public.refunds where order_id = %L$$, :'order_id'),
  $$values ('change', 'overpaid', 1000, 'to_verify')$$, 'the change is recorded, owed once the money is known to have arrived');
select tests.reset_role();
select results_eq(format($$select title from public.activities where company_id = %L and type in ('payment.to_verify', 'refund.owed', 'payment.validated') order by created_at, type$$, :'company_a'),
  $$values ('Preuve reçue — à vérifier : 11 000 FCFA (Wave)'), ('Monnaie à rendre (paiement à vérifier) : Cliente wa-fake, 1 000 FCFA')$$,
  'the feed: « Preuve reçue — à vérifier », the change owed with the name and amount; no « Paiement validé »');

-- The decision: a member of the company, once, audited; nobody else.
select tests.act_as(:'owner_b');
select throws_ok(format($$select private.botlive_verify_payment('tenant-a', %L, 'confirm')$$, :'order_id'), 'P0002', null,
  'another company''s owner cannot confirm it (nor learn it exists)');
select throws_ok(format($$select private.botlive_verify_payment('tenant-b', %L, 'confirm')$$, :'order_id'), 'P0002', null,
  'nor through its own company');
select tests.act_as_anon();
select throws_ok(format($$select private.botlive_verify_payment('tenant-a', %L, 'confirm')$$, :'order_id'), '42501', null,
  'anon cannot call it');
select tests.act_as(:'member_a');
select throws_ok(format($$select private.botlive_verify_payment('tenant-a', %L, 'maybe')$$, :'order_id'), '22023', null,
  'a decision is confirm or refuse');
select is((private.botlive_verify_payment('tenant-a', :'order_id', 'confirm', 'vu sur Wave Business')).payment_status, 'paid',
  'a member confirms: the order is paid');
select throws_ok(format($$select private.botlive_verify_payment('tenant-a', %L, 'refuse')$$, :'order_id'), '55000', null,
  'a second decision is refused: decided already');
select tests.reset_role();
select ok((select payment_verified_by = :'member_a' and payment_verified_at is not null from public.orders where id = :'order_id'),
  'who and when are kept on the order');
select is((select count(*)::int from public.payments where order_id = :'order_id' and status = 'validated' and verified_by = :'member_a'), 2,
  'and on its proofs, now validated');
select is((select title from public.activities where company_id = :'company_a' and type = 'payment.validated'),
  'Paiement validé : 11 000 FCFA (Wave)', '« Paiement validé » only now');
select is((select status from public.refunds where order_id = :'order_id'), 'owed', 'and the change is owed now');

-- Refused: the order back to unpaid, its change no longer owed.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-liar', :'pagne', :'pikine') as liar \gset
select public.botlive_record_payment('tenant-a', :'liar', 12000, 'wave', 'LIE-1') is not null as recorded \gset
select public.botlive_place_order('tenant-a', :'liar', null) -> 'order' ->> 'id' as liar_order \gset
select tests.act_as(:'owner_a');
select is((private.botlive_verify_payment('tenant-a', :'liar_order', 'refuse', 'aucun transfert reçu')).payment_status, 'unpaid',
  'the owner refuses it: unpaid');
select tests.reset_role();
select is((select status from public.refunds where order_id = :'liar_order'), 'void',
  'change counted on a refused proof is void');
-- The reference the liar squatted is free again: the customer who really paid with it is no longer refused.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-real', :'pagne', :'pikine') as real_owner \gset
select is(public.botlive_record_payment('tenant-a', :'real_owner', 10000, 'wave', 'lie 1') ->> 'status', 'to_verify',
  'a refused proof''s reference can be used by whoever really paid with it');
select tests.reset_role();
select is((select title from public.activities where company_id = :'company_a' and type = 'payment.refused'),
  'Preuve refusée : 12 000 FCFA (Wave)', 'the feed says the proof was refused');

-- A sell-out after paying, a cancelled draft, a cancelled order: money owed back.
select tests.act_as_service_role();
select tests.botlive_paid_order('tenant-a', 'wa-k1', :'kimono', :'pikine', 'K-1') ->> 'status' as k1 \gset
select tests.botlive_paid_draft('tenant-a', 'wa-k2', :'kimono', :'pikine', 'K-2') as k2 \gset
select is((public.botlive_place_order('tenant-a', :'k2', null) ->> 'refund')::int, 14500, 'sold out after paying: 14 500 owed back');
select is((select paid from private.draft_amounts(:'k2')), 0, 'the proof no longer counts toward another article');
select tests.botlive_paid_draft('tenant-a', 'wa-quit', :'pagne', :'pikine', 'Q-1') as quit \gset
select ok(public.botlive_cancel_draft('tenant-a', :'quit'), 'a paid draft cancelled');
select tests.reset_role();
select results_eq(format($$select reason, amount, payment_references from public.refunds where company_id = %L and kind = 'refund' order by created_at$$, :'company_a'),
  $$values ('sold_out', 14500, array['K-2']), ('draft_cancelled', 10000, array['Q-1'])$$,
  'each is owed with its amount and references');
select tests.act_as(:'admin_a');
update public.orders set status = 'cancelled' where id = :'order_id';
select tests.reset_role();
select results_eq(format($$select reason, amount, status from public.refunds where order_id = %L$$, :'order_id'),
  $$values ('order_cancelled', 11000, 'owed')$$, 'a paid order cancelled: all it received is owed (the change with it)');
select id as quit_refund from public.refunds where reason = 'draft_cancelled' and company_id = :'company_a' \gset
select tests.act_as(:'member_a');
select is((private.botlive_verify_refund('tenant-a', :'quit_refund', 'refuse', 'rien reçu')).status, 'void',
  'a refund whose proof is refused is void: nothing is owed');
select throws_ok(format($$select private.botlive_settle_refund('tenant-a', %L)$$, :'quit_refund'), '55000', null,
  'and cannot be settled');
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-big', :'pagne', :'pikine') as big \gset
select public.botlive_record_payment('tenant-a', :'big', 100000000, 'wave', 'BIG-1') ->> 'status' as big1 \gset
select is(public.botlive_record_payment('tenant-a', :'big', 1, 'wave', 'BIG-2') ->> 'status', 'over_limit',
  'past 100 000 000 FCFA of open claims a conversation records nothing more');
select public.botlive_cancel_draft('tenant-a', :'big') as big_cancelled \gset
select tests.reset_role();

-- Settling: a member of the company, once, and only money known to have arrived.
select id as refund from public.refunds where reason = 'sold_out' and company_id = :'company_a' \gset
select tests.act_as(:'owner_b');
select throws_ok(format($$select private.botlive_settle_refund('tenant-a', %L)$$, :'refund'), 'P0002', null,
  'another company''s owner cannot settle it');
select throws_ok(format($$select private.botlive_verify_refund('tenant-a', %L, 'confirm')$$, :'refund'), 'P0002', null,
  'nor confirm its proof');
select tests.act_as(:'member_a');
select throws_ok(format($$select private.botlive_settle_refund('tenant-a', %L)$$, :'refund'), '55000',
  format('botlive_settle_refund: refund %s is to_verify: confirm first that the customer''s money arrived', :'refund'),
  'a refund built on an unchecked claim cannot be settled');
select is((private.botlive_verify_refund('tenant-a', :'refund', 'confirm')).status, 'owed', 'the member confirms the money arrived: owed');
select is((private.botlive_settle_refund('tenant-a', :'refund', 'rendu en espèces')).status, 'settled', 'a member settles it');
select throws_ok(format($$select private.botlive_settle_refund('tenant-a', %L)$$, :'refund'), '55000', null, 'once');
select tests.act_as(:'owner_b');
select is((select count(*)::int from public.refunds), 0, 'another company''s owner sees none of these refunds');

-- Closing the live with a paid, unfinished draft: an alert.
select tests.act_as(:'admin_a');
select public.toggle_live_mode('tenant-a', true) is not null as opened \gset
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-open', :'robe', :'pikine') as open_draft \gset
select public.botlive_record_payment('tenant-a', :'open_draft', 5000, 'wave', 'OPEN-1') is not null as recorded \gset
select tests.act_as(:'admin_a');
select public.toggle_live_mode('tenant-a', false) is not null as closed \gset
select tests.reset_role();
select results_eq(format($$select title from public.activities where company_id = %L and type = 'session.unfinished_paid'$$, :'company_a'),
  $$values ('Live fermé : 3 commande(s) payée(s) non terminée(s), 36 500 FCFA')$$,
  'closing the live names the paid drafts left (the early proof, the freed reference''s and this one)');
select * from finish();
rollback;
