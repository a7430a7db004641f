-- The ingest path: upsert_document_chunks is idempotent (same content, nothing new), replaces
-- changed chunks, removes dropped ones; content hashes and per-company counts stay right.
begin;
select plan(14);

select tests.create_company('tenant-a', tests.create_user('owner@tenant-a.test')) as company_a \gset
select ('[' || array_to_string(array_fill(0.5::float8, array[1536]), ',') || ']') as emb \gset

create function pg_temp.chunks(p_contents text[], p_embedding text)
returns jsonb
language sql
as $$
  select jsonb_agg(jsonb_build_object('content', c, 'embedding', p_embedding, 'embedding_model', 'm1',
    'metadata', jsonb_build_object('n', i)) order by i)
  from unnest(p_contents) with ordinality as u (c, i)
$$;
grant execute on function pg_temp.chunks(text[], text) to public;

select tests.act_as_service_role();

select results_eq(
  format($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'deux', 'trois'], %L))$$, :'emb'),
  $$values (3, 0, 0, 0)$$, 'a new document: every chunk is new');
select results_eq(
  format($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'deux', 'trois'], %L))$$, :'emb'),
  $$values (0, 3, 0, 0)$$, 'the same content again: every chunk unchanged');
select results_eq(
  $$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'deux', 'trois'], null))$$,
  $$values (0, 3, 0, 0)$$, 'unchanged chunks may come without their embedding');
select is((select count(*)::int from public.documents where company_id = 'tenant-a'), 3, 'still three chunks');
select results_eq(
  format($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'DEUX'], %L))$$, :'emb'),
  $$values (0, 1, 1, 1)$$, 'a changed chunk is replaced and a dropped one removed');
select results_eq($$select chunk_index, content from public.documents where source = 'guide.md' order by chunk_index$$,
  $$values (0, 'un'), (1, 'DEUX')$$, 'the document holds the new chunks in order');
select is((select content_hash from public.documents where source = 'guide.md' and chunk_index = 1),
  encode(sha256(convert_to('DEUX', 'UTF8')), 'hex'), 'content_hash is the sha256 hex of the content');
select results_eq(
  $$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'changé'], null))$$,
  $$values (0, 1, 1, 0)$$, 'a changed chunk may come without an embedding (queued for one since 20261208110000)');
select results_eq($$select content, embedding is null from public.documents where source = 'guide.md' order by chunk_index$$,
  $$values ('un', false), ('changé', true)$$, 'it is stored without one; the unchanged chunk keeps its own');

select tests.reset_role();
update public.documents set agent_owner = 'audrey' where source = 'guide.md' and chunk_index = 0;
select tests.act_as_service_role();
select results_eq(
  format($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'changé'], %L))$$, :'emb'),
  $$values (0, 2, 0, 0)$$, 'a re-ingestion without an agent counts as unchanged');
select is((select agent_owner from public.documents where source = 'guide.md' and chunk_index = 0), 'audrey',
  'and keeps the agent tagging gave the chunk');

select is(public.delete_document_source('tenant-a', 'guide.md'), 2, 'delete_document_source returns the chunks it deleted');
select tests.reset_role();
select is((select coalesce(sum(chunks), 0)::int from private.document_counts where company_id = :'company_a'), 0,
  'the chunk counts are back to zero');

insert into public.documents (company_id, source, content) values ('tenant-a', 'x', 'x');
update public.companies set slug = 'tenant-z' where id = :'company_a';
select results_eq(format($$select agent_owner, chunks::int from private.document_counts where company_id = %L and chunks > 0$$, :'company_a'),
  $$values ('shared', 1)$$, 'a slug rename keeps the counts (the chunks follow the slug)');

select * from finish();
rollback;
