-- match_documents(query_embedding, match_count, filter), the signature LangChain.js's
-- SupabaseVectorStore calls: security invoker, so a member finds its own company's chunks only,
-- another company's member none of them, anon nothing at all; the filter is a containment on
-- the chunk's metadata (with its columns folded in).
begin;
select plan(9);

select * from tests.two_companies() \gset

create temporary table axis (n int, v extensions.vector(1536)) on commit drop;
insert into axis select n, (select array_agg(case when i = n then 1 else 0 end order by i) from generate_series(1, 1536) i)::extensions.vector(1536)
  from generate_series(1, 3) n;
grant select on axis to authenticated, anon, service_role;

insert into public.documents (company_id, source, content, embedding, agent_owner, metadata)
select 'tenant-a', 'kajabi.md', 'Kajabi envoie les e-mails.', v, 'audrey', '{"lang": "fr"}'::jsonb from axis where n = 1
union all select 'tenant-a', 'reels.md', 'Un reel dure 15 secondes.', v, 'shared', '{}'::jsonb from axis where n = 2
union all select 'tenant-b', 'secret.md', 'Le secret de B.', v, 'shared', '{}'::jsonb from axis where n = 1;

select tests.act_as(:'member_a');
select results_eq(
  $$select metadata ->> 'source', round(similarity::numeric, 3) from public.match_documents((select v from axis where n = 1), 5, '{}') $$,
  $$values ('kajabi.md', 1.000), ('reels.md', 0.000)$$,
  'a member finds its company''s chunks, nearest first, with their similarity');
select is(
  (select metadata from public.match_documents((select v from axis where n = 1), 1) limit 1),
  '{"lang": "fr", "tags": [], "title": null, "source": "kajabi.md", "category": null, "company_id": "tenant-a", "agent_owner": "audrey", "chunk_index": 0}'::jsonb,
  'the chunk''s columns travel in metadata, on top of its own');
select results_eq(
  $$select metadata ->> 'source' from public.match_documents((select v from axis where n = 1), 5, '{"agent_owner": "shared"}')$$,
  $$values ('reels.md')$$,
  'filter is a containment on metadata (one agent''s chunks)');
select is((select count(*)::int from public.match_documents((select v from axis where n = 1), 1)), 1,
  'match_count limits the rows');

select tests.act_as(:'member_b');
select results_eq(
  $$select metadata ->> 'source' from public.match_documents((select v from axis where n = 1), 5)$$,
  $$values ('secret.md')$$,
  'another company''s member gets its own chunks only, never company A''s');
select is_empty(
  $$select 1 from public.match_documents((select v from axis where n = 1), 5, '{"company_id": "tenant-a"}')$$,
  'asking for company A by filter gives company B''s member nothing');

select tests.act_as_anon();
select throws_ok($$select * from public.match_documents((select v from axis where n = 1), 5)$$, '42501', null,
  'anon may not call it');

select tests.act_as_service_role();
select results_eq(
  $$select metadata ->> 'source' from public.match_documents((select v from axis where n = 1), 5, '{"company_id": "tenant-b"}')$$,
  $$values ('secret.md')$$,
  'the service role searches any company, narrowed by the filter');
select results_eq(
  $$select distinct metadata ->> 'company_id' from public.match_documents((select v from axis where n = 1), 100)
    where metadata ->> 'company_id' like 'tenant-_' order by 1$$,
  $$values ('tenant-a'), ('tenant-b')$$,
  'the service role without a filter sees every company (a server key: pass company_id)');

select * from finish();
rollback;
