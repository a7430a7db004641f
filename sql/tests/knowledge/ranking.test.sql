-- match_documents ranks a company's chunks by cosine similarity, or by reciprocal-rank fusion
-- (k = 60) with full text when given the query's text; agent, threshold and metadata narrow it.
begin;
select plan(23);

/** A unit vector at cosine p_cos from e1 (the query), leaning towards axis p_axis (2..1536). */
create function pg_temp.vec(p_cos float8, p_axis int)
returns extensions.vector
language sql
immutable
as $$
  select (array[p_cos] || array_fill(0::float8, array[p_axis - 2]) || array[sqrt(1 - p_cos * p_cos)]
    || array_fill(0::float8, array[1536 - p_axis]))::extensions.vector
$$;

select tests.create_company('tenant-a', tests.create_user('owner@tenant-a.test')) as company_a \gset
select pg_temp.vec(1, 2) as q \gset

insert into public.documents (company_id, source, content, embedding, agent_owner, metadata)
values
  ('tenant-a', 'd1', 'Les tunnels de vente en trois étapes', pg_temp.vec(0.99, 2), 'shared', '{}'),
  ('tenant-a', 'd2', 'Votre séquence e-mail de bienvenue', pg_temp.vec(0.9, 3), 'audrey', '{}'),
  ('tenant-a', 'd3', 'Tourner des reels Instagram', pg_temp.vec(0.8, 4), 'carole', '{}'),
  ('tenant-a', 'd4', 'Kajabi checkout guide', pg_temp.vec(0.5, 5), 'shared', '{"lang": "en"}'),
  ('tenant-a', 'd5', 'Relier Zapier à un webhook', pg_temp.vec(0.1, 6), 'audrey', '{"lang": "fr"}');

select tests.act_as_service_role();

select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1)$$, :'q'),
  $$values ('d1'), ('d2'), ('d3'), ('d4'), ('d5')$$,
  'without query text, chunks come in cosine order');
select results_eq(
  format($$select round(similarity::numeric, 6), round(score::numeric, 6), text_rank from public.match_documents('tenant-a', %L, 2, -1)$$, :'q'),
  $$values (0.99::numeric, 0.99::numeric, null::float8), (0.9, 0.9, null)$$,
  'similarity is 1 - cosine distance, and the score is the similarity');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 2, -1)$$, :'q'),
  $$values ('d1'), ('d2')$$,
  'p_match_count caps the rows');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, 0.6)$$, :'q'),
  $$values ('d1'), ('d2'), ('d3')$$,
  'p_match_threshold drops chunks below that similarity');
select results_eq(
  format($$select source from public.match_documents('tenant-a'::text, %L)$$, :'q'),
  $$values ('d1'), ('d2'), ('d3'), ('d4')$$,
  'the default threshold is 0.2 (as company_rag_configs.match_threshold)');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, 'audrey')$$, :'q'),
  $$values ('d1'), ('d2'), ('d4'), ('d5')$$,
  'with p_agent, only that agent''s chunks and the shared ones');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, 'shared')$$, :'q'),
  $$values ('d1'), ('d4')$$,
  'p_agent => shared gives the shared chunks only');
select results_eq(
  format($$select source from public.match_documents_audrey('tenant-a', %L, 10, -1)$$, :'q'),
  $$values ('d1'), ('d2'), ('d4'), ('d5')$$,
  'match_documents_audrey gives Audrey''s chunks and the shared ones');
select results_eq(
  format($$select source from public.match_documents_carole('tenant-a', %L, 10, -1)$$, :'q'),
  $$values ('d1'), ('d3'), ('d4')$$,
  'match_documents_carole gives Carole''s chunks and the shared ones');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, p_filter => '{"lang": "en"}')$$, :'q'),
  $$values ('d4')$$,
  'p_filter keeps the chunks whose metadata contains it');

select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, p_query_text => 'kajabi')$$, :'q'),
  $$values ('d4'), ('d1'), ('d2'), ('d3'), ('d5')$$,
  'with query text, the chunk matching it outranks its closer vector-only neighbours');
select results_eq(
  format($$select round(score::numeric, 8), text_rank > 0 from public.match_documents('tenant-a', %L, 1, -1, p_query_text => 'kajabi')$$, :'q'),
  $$values (round(1.0 / 64 + 1.0 / 61, 8), true)$$,
  'the fused score is 1/(60 + vector rank) + 1/(60 + text rank), with the text rank reported');
select results_eq(
  format($$select source, text_rank from public.match_documents('tenant-a', %L, 10, -1, p_query_text => 'kajabi') where source = 'd1'$$, :'q'),
  $$values ('d1', null::float8)$$,
  'a vector-only neighbour has no text rank');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 1, -1, p_query_text => 'sequence E-MAIL')$$, :'q'),
  $$values ('d2')$$,
  'full text ignores case and accents (simple + unaccent)');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, 0.6, p_query_text => 'zapier')$$, :'q'),
  $$values ('d1'), ('d5'), ('d2'), ('d3')$$,
  'under fusion the threshold filters the vector list only; a full-text match still enters (ties by id)');
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, 'carole', 'zapier or kajabi')$$, :'q'),
  $$values ('d4'), ('d1'), ('d3')$$,
  'under fusion the agent filter holds for the full-text list too');

set local comptoir.exact_scan_max_chunks = 0;
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, 'audrey')$$, :'q'),
  $$values ('d1'), ('d2'), ('d4'), ('d5')$$,
  'the HNSW path (forced) returns the same chunks in the same order');
reset comptoir.exact_scan_max_chunks;

select throws_ok(
  format($$select * from public.match_documents('tenant-a', %L, 0)$$, :'q'),
  '22023', 'match_documents: match count must be between 1 and 1000', 'a match count of 0 is refused');
select throws_ok(
  $$select * from public.match_documents('tenant-a'::text, null)$$,
  '22023', 'match_documents: query embedding must not be null', 'a null query embedding is refused');
select throws_ok(
  $$select * from public.match_documents_audrey('tenant-a', null)$$,
  '22023', 'match_documents: query embedding must not be null', 'the wrappers need a query embedding too');
select throws_ok(
  format($$select * from public.match_documents('tenant-a', %L, p_filter => '[1]')$$, :'q'),
  '22023', 'match_documents: filter must be a json object', 'a filter that is not an object is refused');

-- The full-text list ranks a bounded set of matches (500): with a word in 701 chunks ORed into
-- the question, the chunk with every word still comes first, though it is stored last.
select tests.reset_role();
insert into public.documents (company_id, source, content)
select 'tenant-a', 'filler-' || i, 'Un mot commun, numéro ' || i from generate_series(1, 700) i;
insert into public.documents (company_id, source, content) values ('tenant-a', 'needle', 'Le commun et le rare');
select tests.act_as_service_role();
select results_eq(
  format($$select source from public.match_documents('tenant-a', %L, 10, -1, p_query_text => 'commun or rare')
    where text_rank is not null order by text_rank desc, source limit 1$$, :'q'),
  $$values ('needle')$$,
  'an OR query over many matches ranks first the chunk that has every word');
select is(
  (select count(*)::int from public.match_documents('tenant-a', :'q', 10, -1, p_query_text => 'commun')), 10,
  'a one-word query over many matches still fills the list');

select * from finish();
rollback;
