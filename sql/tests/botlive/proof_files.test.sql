-- Payment screenshots linked to their claims (migration botlive-proof-files): the service links a
-- stored image to the payment of that reference in the company; the same image already on
-- another payment of the company is flagged and the feed says so; a member reads the link of its
-- company's payments only; nobody but the service may call the link.
begin;
select plan(9);
\ir fixtures.sql

select tests.act_as_service_role();
select tests.botlive_paid_order('tenant-a', 'wa-one', :'robe', :'pikine', 'TXNONE') ->> 'status' as one \gset
select tests.botlive_paid_order('tenant-a', 'wa-two', :'pagne', :'pikine', 'TXNTWO') ->> 'status' as two \gset
select conversation_id as conv_one from public.payments where reference = 'TXNONE' and company_id = :'company_a' \gset
select conversation_id as conv_two from public.payments where reference = 'TXNTWO' and company_id = :'company_a' \gset
select format('%s/%s/%s.png', :'company_a', gen_random_uuid(), repeat('ab', 32)) as path_one \gset
select format('%s/%s/%s.png', :'company_a', gen_random_uuid(), repeat('ab', 32)) as path_two \gset

select is(public.botlive_attach_proof('tenant-a', :'conv_one', 'txn one', :'path_one', repeat('ab', 32)),
  '{"reused": false, "attached": true}'::jsonb, 'the claim of that reference (normalised) links to its screenshot');
select is(public.botlive_attach_proof('tenant-a', :'conv_one', 'TXNTWO', :'path_two', repeat('ab', 32)) ->> 'attached', 'false',
  'another conversation''s reference: nothing linked (a customer never reaches another''s claim)');
select is(public.botlive_attach_proof('tenant-a', :'conv_two', 'TXNTWO', :'path_two', repeat('ab', 32)),
  '{"reused": true, "attached": true}'::jsonb, 'the same screenshot on another payment: flagged');
select is(public.botlive_attach_proof('tenant-a', :'conv_two', 'TXNNONE', :'path_two', repeat('cd', 32)),
  '{"reused": false, "attached": false}'::jsonb, 'no claim of that reference: nothing linked');
select is(public.botlive_attach_proof('tenant-b', :'conv_one', 'TXNONE', :'path_one', repeat('ab', 32)) ->> 'attached', 'false',
  'another company''s reference is not ours to link');
select tests.act_as(:'member_a');
select results_eq($$select reference, proof_reused from public.payments where proof_path is not null order by reference$$,
  $$values ('TXNONE', false), ('TXNTWO', true)$$, 'a member reads the links of its company''s payments');
select isnt_empty($$select 1 from public.activities where type = 'payment.proof_reused'$$, 'the feed says a screenshot came back');
select throws_ok(format($$select public.botlive_attach_proof('tenant-a', %L, 'TXNONE', %L, %L)$$, :'conv_one', :'path_one', repeat('ab', 32)),
  '42501', null, 'a member cannot link proofs');
select tests.act_as(:'member_b');
select is_empty($$select 1 from public.payments where proof_path is not null$$, 'another company''s member sees none');

select * from finish();
rollback;
