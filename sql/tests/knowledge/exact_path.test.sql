-- The exact path of match_documents (tenants up to the exact-scan limit): the tenant ranked by
-- the Hamming distance of its chunks' sign bits, read from the covering company index alone, the
-- best candidates re-ranked by cosine. The bits are Postgres's (a generated column), never the
-- caller's; a chunk without an embedding has none and is never returned; a metadata filter
-- takes the full exact scan; the rows are a member's own company's only.
begin;
select plan(11);

select * from tests.two_companies() \gset

-- 600 chunks of tenant-a in 30 clusters of 20 (a centroid plus noise: neighbours at cosine ~0.8,
-- as real embeddings of one subject), 300 of tenant-b. More chunks than the re-ranked candidates
-- (200), so the Hamming ranking does choose.
select setseed(0.21);
create temporary table centroids as
  select c, array_agg(random() - 0.5)::float8[] as v from generate_series(0, 29) c, generate_series(1, 1536) group by c;
insert into public.documents (company_id, source, chunk_index, content, embedding, metadata)
select case when i <= 600 then 'tenant-a' else 'tenant-b' end, 's' || i, 0, 'Chunk ' || i,
  (select array_agg(u.val + (random() - 0.5) * 0.5 order by u.k)
   from centroids x, unnest(x.v) with ordinality as u (val, k) where x.c = i % 30)::extensions.vector,
  jsonb_build_object('parity', i % 2)
from generate_series(1, 900) i;
insert into public.documents (company_id, source, content) values ('tenant-a', 'pending.md', 'Pas encore de vecteur');
analyze public.documents;
select embedding::text as q from public.documents where source = 's7' \gset

select is(
  (select count(*)::int from public.documents
   where embedding is not null and embedding_bits is distinct from extensions.binary_quantize(embedding)::bit(1536)),
  0, 'every chunk''s bits are its embedding''s sign bits');
select is((select embedding_bits from public.documents where source = 'pending.md'), null::bit(1536),
  'a chunk waiting for its embedding has no bits');
select throws_ok(
  $$update public.documents set embedding_bits = null where source = 's1'$$, '428C9', null,
  'nobody writes the bits but Postgres');

select tests.act_as(:'owner_a');
create temporary table got as select * from public.match_documents('tenant-a', :'q', 10, -1);
select is((select count(*)::int from got), 10, 'ten rows');
select is((select count(*)::int from got g join public.documents d using (id) where d.company_id <> 'tenant-a'), 0,
  'all of them the tenant''s own');
select is((select count(*)::int from got where source = 'pending.md'), 0, 'never the chunk without an embedding');
select results_eq('select id from got',
  $$select d.id from public.documents d where d.company_id = 'tenant-a' and d.embedding is not null
    order by d.embedding operator(extensions.<=>) (select embedding from public.documents where source = 's7'), d.id limit 10$$,
  'the 10 nearest of the tenant, in order');
select is((select round(similarity::numeric, 6) from got limit 1), 1.000000, 'with their cosine similarity');

select results_eq(
  $$select id from public.match_documents('tenant-a', (select embedding from public.documents where source = 's7'), 10, -1,
    p_filter => '{"parity": 0}')$$,
  $$select d.id from public.documents d where d.company_id = 'tenant-a' and d.metadata @> '{"parity": 0}'
    order by d.embedding operator(extensions.<=>) (select embedding from public.documents where source = 's7'), d.id limit 10$$,
  'a metadata filter: the 10 nearest of what matches it');

select throws_ok(format($$select * from public.match_documents('tenant-b', %L, 10, -1)$$, :'q'), '42501', null,
  'another company''s chunks stay out of reach');
select tests.reset_role();

select tests.act_as(:'owner_a');
select is(
  (select count(*)::int from public.match_documents('tenant-a', :'q', 10, 0.99)), 1,
  'the similarity threshold still applies (only the chunk itself is that close)');
select tests.reset_role();

select * from finish();
rollback;
