-- Each company's agents: members read them, admins and owners edit them.
begin;
select plan(9);

select * from tests.two_companies() \gset

select tests.act_as(:'admin_a');
select lives_ok(format($$insert into public.agents (company_id, slug, name, keywords, system_prompt)
    values (%L, 'audrey', 'Audrey', '{kajabi,zapier}', 'Tu es Audrey.')$$, :'company_a'),
  'an admin creates an agent');
select results_eq($$select model, temperature, is_active from public.agents where slug = 'audrey'$$,
  $$values (null::text, 0.4::real, true)$$, 'a new agent uses the default model, temperature 0.4, and is active');
select throws_ok(format($$insert into public.agents (company_id, slug, name, system_prompt) values (%L, 'audrey', 'Bis', 'x')$$, :'company_a'),
  '23505', null, 'an agent slug is unique within its company');
select throws_ok(format($$insert into public.agents (company_id, slug, name, system_prompt) values (%L, 'shared', 'Tout le monde', 'x')$$, :'company_a'),
  '23514', null, 'the slug shared is reserved for documents every agent reads');

select tests.act_as(:'member_a');
select results_eq('select slug from public.agents', $$values ('audrey')$$, 'a member reads its company''s agents');
select is(tests.affected_rows($$update public.agents set system_prompt = 'pwned'$$), 0, 'a member cannot edit an agent');
select throws_ok(format($$insert into public.agents (company_id, slug, name, system_prompt) values (%L, 'carole', 'Carole', 'x')$$, :'company_a'),
  '42501', null, 'a member cannot create an agent');

select tests.act_as(:'owner_b');
select is_empty('select 1 from public.agents', 'a member of another company sees no agent');
select throws_ok(format($$insert into public.agents (company_id, slug, name, system_prompt) values (%L, 'mole', 'Mole', 'x')$$, :'company_a'),
  '42501', null, 'nor creates one there');

select * from finish();
rollback;
