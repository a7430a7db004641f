-- Threat: match_documents returns another company's chunks, whatever the arguments, or runs for
-- a caller who is not a member of the company asked for.
begin;
select plan(20);

/** A vector near e1 (the query) for a given axis; company B's chunks are the closest. */
create function pg_temp.vec(p_cos float8, p_axis int)
returns extensions.vector
language sql
immutable
as $$
  select (array[p_cos] || array_fill(0::float8, array[p_axis - 2]) || array[sqrt(1 - p_cos * p_cos)]
    || array_fill(0::float8, array[1536 - p_axis]))::extensions.vector
$$;

select * from tests.two_companies() \gset
select tests.create_user('stranger@nowhere.test') as stranger \gset
select pg_temp.vec(1, 2) as q \gset

insert into public.documents (company_id, source, content, embedding, agent_owner, metadata)
select 'tenant-a', 'a' || i, 'Chunk A ' || i, pg_temp.vec(0.3, 2 + i), 'shared', '{"lang": "fr"}'
from generate_series(1, 3) i;
insert into public.documents (company_id, source, content, embedding, agent_owner, metadata)
select 'tenant-b', 'b' || i, 'Chunk B kajabi ' || i, pg_temp.vec(0.95, 10 + i),
  case when i % 2 = 0 then 'audrey' else 'shared' end, '{"lang": "fr", "company_id": "tenant-a"}'
from generate_series(1, 30) i;

-- Every call below must return only tenant-a's chunks: this query lists the strays.
create function pg_temp.strays(p_call text)
returns setof text
language plpgsql
as $$
begin
  return query execute format('select r.source from %s r where r.source not like %L', p_call, 'a%');
end;
$$;
grant execute on function pg_temp.strays(text) to public;

select tests.act_as_service_role();

select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 1000, -1)', 'tenant-a', :'q')),
  'service role, by slug, huge count, no threshold: only the company''s chunks');
select is((select count(*)::int from public.match_documents('tenant-a', :'q', 1000, -1)), 3,
  'a small company inside a larger table gets all its chunks, no more');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 10, 0)', :'company_a', :'q')),
  'by uuid, threshold 0: only the company''s chunks');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 10, -1, %L)', 'tenant-a', :'q', 'audrey')),
  'an agent that exists only in another company: only the company''s shared chunks');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 10, -1, null, %L, %L)', 'tenant-a', :'q', 'kajabi B', '{}')),
  'query text matching only another company''s chunks: none of them');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 10, -1, p_filter => %L)', 'tenant-a', :'q', '{"company_id": "tenant-a"}')),
  'a filter naming the company in metadata does not reach another company''s chunks');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents_audrey(%L, %L, 1000, -1)', 'tenant-a', :'q')),
  'match_documents_audrey for a company: only that company''s chunks');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents_carole(%L, %L, 1000, -1, %L)', 'tenant-a', :'q', 'kajabi')),
  'match_documents_carole with query text: only that company''s chunks');

set local comptoir.exact_scan_max_chunks = 0;
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 1000, -1)', 'tenant-a', :'q')),
  'the HNSW path (forced): only the company''s chunks');
select is_empty(format($$select pg_temp.strays(%L)$$, format('public.match_documents(%L, %L, 5, -1, null, %L)', 'tenant-a', :'q', 'kajabi B')),
  'the HNSW path with query text: only the company''s chunks');
reset comptoir.exact_scan_max_chunks;

select throws_ok($$select * from public.match_documents('no-such-company'::text, '[1]'::text::extensions.vector(1536))$$,
  '22000', null, 'a malformed embedding is refused before anything is read');
select throws_ok(format($$select * from public.match_documents('no-such-company'::text, %L)$$, :'q'),
  'P0002', 'unknown company: no-such-company', 'the service role gets P0002 for an unknown company');

select tests.act_as(:'member_b');
select throws_ok(format($$select * from public.match_documents('tenant-a'::text, %L)$$, :'q'),
  '42501', 'match_documents: not a member of company tenant-a',
  'a member of company B cannot search company A by slug');
select throws_ok(format($$select * from public.match_documents(%L::text, %L)$$, :'company_a', :'q'),
  '42501', null, 'a member of company B cannot search company A by uuid');
select throws_ok(format($$select * from public.match_documents_audrey('tenant-a', %L)$$, :'q'),
  '42501', null, 'a member of company B cannot search company A through a wrapper');
select throws_ok(format($$select * from public.match_documents('no-such-company'::text, %L)$$, :'q'),
  '42501', null, 'an unknown company looks the same as a foreign one to a signed-in caller');
select is((select count(*)::int from public.match_documents('tenant-b', :'q', 1000, -1)), 30,
  'a member searches its own company');

select tests.act_as(:'stranger');
select throws_ok(format($$select * from public.match_documents('tenant-b'::text, %L)$$, :'q'),
  '42501', null, 'a signed-in user of no company is refused');

select tests.act_as_anon();
select throws_ok(format($$select * from public.match_documents('tenant-a'::text, %L)$$, :'q'),
  '42501', null, 'anon cannot execute match_documents');
select throws_ok(format($$select * from public.match_documents_carole('tenant-a', %L)$$, :'q'),
  '42501', null, 'anon cannot execute the agent wrappers');

select * from finish();
rollback;
