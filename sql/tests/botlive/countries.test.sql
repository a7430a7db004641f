-- Botlive beyond Senegal: a company's country is one of the eight XOF countries (or none, read
-- as SN), set by its admins; a delivery phone is an E.164 mobile of one of them with that
-- country's length, in a draft, a bot's order and an order entered by hand; a payment may be by
-- any of their mobile-money methods, named in French in the feed.
begin;
select plan(21);
\ir fixtures.sql

-- The setting.
select tests.reset_role();
select lives_ok(format($$update public.companies set country = 'CI' where id = %L$$, :'company_a'),
  'a company may be Ivorian');
select lives_ok(format($$update public.companies set country = null where id = %L$$, :'company_a'),
  'or have no country (Sénégal)');
select throws_ok(format($$update public.companies set country = 'FR' where id = %L$$, :'company_a'), '23514', null,
  'a country outside the eight XOF countries is refused');
select throws_ok(format($$update public.companies set country = 'ci' where id = %L$$, :'company_a'), '23514', null,
  'the code is upper case, as ISO writes it');
select tests.act_as(:'admin_a');
select is(tests.affected_rows(format($$update public.companies set country = 'BJ' where id = %L$$, :'company_a')), 1,
  'an admin sets the shop''s country');
select tests.act_as(:'member_a');
select is(tests.affected_rows(format($$update public.companies set country = 'TG' where id = %L$$, :'company_a')), 0,
  'a member does not');
select tests.act_as(:'owner_b');
select is(tests.affected_rows(format($$update public.companies set country = 'TG' where id = %L$$, :'company_a')), 0,
  'nor another company''s owner');
select tests.reset_role();
select is((select country from public.companies where id = :'company_a'), 'BJ', 'the admin''s setting stands');

-- Phones: a draft's, as the bot saves it.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-ci', :'robe', :'pikine') as conv \gset
select lives_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+2250707123456"}')$$, :'conv'),
  'a draft takes an Ivorian mobile (10 digits)');
select lives_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+2290197123456"}')$$, :'conv'),
  'a Beninese one (10 digits since 2024)');
select lives_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+245955123456"}')$$, :'conv'),
  'a Bissau-Guinean one (9 digits)');
select lives_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+22890123456"}')$$, :'conv'),
  'a Togolese one (8 digits)');
select throws_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+22997123456"}')$$, :'conv'),
  '23514', null, 'a Beninese number of the old 8 digits is refused');
select throws_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "+33612345678"}')$$, :'conv'),
  '23514', null, 'a number outside the eight countries is refused');
select throws_ok(format($$select public.botlive_save_draft('tenant-a', %L, '{"phone": "0707123456"}')$$, :'conv'),
  '23514', null, 'a number without its dial code is refused');

-- An order entered by hand.
select lives_ok(format($$select public.create_order('tenant-a', %L)$$, jsonb_build_object(
    'customer_name', 'Adjoua', 'customer_phone', '+2250707123456', 'delivery_zone_id', :'pikine',
    'items', jsonb_build_array(jsonb_build_object('product_id', :'pagne')))),
  'an order by hand takes an Ivorian mobile');
select throws_ok(format($$select public.create_order('tenant-a', %L)$$, jsonb_build_object(
    'customer_phone', '+225070712345', 'items', jsonb_build_array(jsonb_build_object('product_id', :'pagne')))),
  '23514', null, 'an Ivorian number of 9 digits is refused');
select lives_ok(format($$select public.create_order('tenant-a', %L)$$, jsonb_build_object(
    'customer_phone', '+221771234567', 'items', jsonb_build_array(jsonb_build_object('product_id', :'pagne')))),
  'a Senegalese mobile still is one');

-- Payment methods of the eight countries.
select tests.reset_role();
select lives_ok(format($$insert into public.payments (company_id, amount, method, reference, status)
    values (%1$L, 9000, 'mtn_momo', 'MP-1', 'rejected'), (%1$L, 9000, 'moov_money', 'MV-1', 'rejected'),
           (%1$L, 9000, 't_money', 'TM-1', 'rejected'), (%1$L, 9000, 'airtel_money', 'AM-1', 'rejected')$$, :'company_a'),
  'a payment may be by MTN MoMo, Moov Money, T-Money or Airtel Money');
select throws_ok(format($$insert into public.payments (company_id, amount, method, reference, status)
    values (%L, 9000, 'paypal', 'PP-1', 'rejected')$$, :'company_a'), '23514', null,
  'a method no country uses is refused');
select is(array[private.payment_method_label('mtn_momo'), private.payment_method_label('moov_money'),
    private.payment_method_label('t_money'), private.payment_method_label('airtel_money'), private.payment_method_label('wave')],
  array['MTN MoMo', 'Moov Money', 'T-Money', 'Airtel Money', 'Wave'], 'the feed names them as the bot does');

select * from finish();
rollback;
