-- A company is referenced by its uuid or by its slug (the text company id); both resolve
-- to the same company, and anything else fails with a stable error.
begin;
select plan(12);

select tests.create_user('owner@tenant-a.test') as owner_a \gset
select tests.create_company('tenant-a', :'owner_a') as company_a \gset

select is(private.resolve_company('tenant-a'), :'company_a'::uuid, 'resolve_company resolves a slug');
select is(private.resolve_company(:'company_a'), :'company_a'::uuid, 'resolve_company resolves a uuid given as text');
select is(private.resolve_company(upper(:'company_a')), :'company_a'::uuid, 'resolve_company accepts an upper-case uuid');
select throws_ok($$select private.resolve_company('nope')$$, 'P0002', 'unknown company: nope',
  'an unknown slug raises P0002 unknown company');
select throws_ok($$select private.resolve_company('00000000-0000-4000-8000-000000000000')$$, 'P0002',
  'unknown company: 00000000-0000-4000-8000-000000000000', 'an unknown uuid raises P0002 unknown company');
select throws_ok($$select private.resolve_company(' ')$$, '22023', 'company must not be empty',
  'an empty reference raises 22023');
select throws_ok($$select private.resolve_company(null)$$, '22023', 'company must not be empty',
  'a null reference raises 22023');

select throws_ok($$insert into public.companies (slug, name) values ('Mon Entreprise', 'x')$$, '23514', null,
  'a slug must be lowercase kebab-case');
select throws_ok($$insert into public.companies (slug, name) values ('00000000-0000-4000-8000-000000000000', 'x')$$,
  '23514', null, 'a slug cannot look like a uuid');

select tests.act_as(:'owner_a');
select results_eq(format('select uuid, company_id from public.company_mapping where user_id = %L', :'owner_a'),
  format($$values (%L::uuid, 'tenant-a')$$, :'company_a'),
  'company_mapping maps the user''s company uuid to its text id');
select results_eq($$select uuid from public.company_mapping where company_id = 'tenant-a'$$,
  format('values (%L::uuid)', :'company_a'),
  'company_mapping is found by the text id as well');

update public.companies set slug = 'tenant-a-renamed' where slug = 'tenant-a';
select results_eq('select company_id from public.company_rag_configs', $$values ('tenant-a-renamed')$$,
  'renaming a slug carries the RAG config along');

select * from finish();
rollback;
