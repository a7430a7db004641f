-- Promotion to the HNSW index: private.promote_large_tenants records the companies above the
-- exact-scan limit, flags their chunks in bounded batches (so that one call stays far inside the
-- platform's 2-minute statement timeout) and marks them promoted when none is left; until then
-- match_documents scans them exactly. Later chunks are flagged on insert, whatever the caller
-- says; pg_cron runs it every minute; no API role can.
begin;
select plan(20);

select * from tests.two_companies() \gset

-- No embeddings: promotion is about the flag, not the vectors.
insert into public.documents (company_id, source, chunk_index, content)
select 'tenant-a', 'guide.md', i, 'Chunk ' || i from generate_series(0, 5) i
union all
select 'tenant-b', 'guide.md', i, 'Chunk ' || i from generate_series(0, 2) i;

select is((select count(*)::int from public.documents where in_ann_index), 0, 'chunks start outside the HNSW index');

select tests.act_as_service_role();
select results_eq($$select slug, chunks, flagged, promoted from private.promote_large_tenants(5, 4)$$,
  $$values ('tenant-a', 6::bigint, 4::bigint, false)$$,
  'a call records the company above the limit and flags at most one batch of its chunks');
select tests.reset_role();
select results_eq(format($$select chunks_at_promotion, started_at, promoted_at from private.ann_tenants where company_id = %L$$, :'company_a'),
  $$values (6::bigint, now(), null::timestamptz)$$, 'the promotion is recorded with its size, started, not finished');
select is((select count(*)::int from public.documents where company_id = 'tenant-a' and in_ann_index), 4,
  'four of its six chunks are in the index');

insert into public.documents (company_id, source, content, in_ann_index)
values ('tenant-a', 'during.md', 'pendant', false);
select is((select in_ann_index from public.documents where source = 'during.md'), true,
  'a chunk inserted while the promotion runs is flagged on insert');

select tests.act_as_service_role();
select results_eq($$select slug, flagged, promoted from private.promote_large_tenants(5, 4)$$,
  $$values ('tenant-a', 2::bigint, true)$$,
  'the next call flags the rest and marks the company promoted');
select tests.reset_role();
select results_eq($$select company_id, bool_and(in_ann_index), bool_or(in_ann_index) from public.documents group by 1 order by 1$$,
  $$values ('tenant-a', true, true), ('tenant-b', false, false)$$,
  'every chunk of the promoted company is in the index, none of the other');
select is((select promoted_at from private.ann_tenants where company_id = :'company_a'), now(),
  'the promotion is finished');

select tests.act_as_service_role();
select is((select count(*)::int from private.promote_large_tenants(5)), 0, 'a further call works on nothing');
select throws_ok($$select * from private.promote_large_tenants(5, 0)$$, '22023',
  'promote_large_tenants: batch must be at least 1', 'a batch below one is refused');
select tests.reset_role();

insert into public.documents (company_id, source, content, in_ann_index)
values ('tenant-a', 'later.md', 'plus tard', false), ('tenant-b', 'later.md', 'plus tard', true);
select results_eq($$select company_id, in_ann_index from public.documents where source = 'later.md' order by 1$$,
  $$values ('tenant-a', true), ('tenant-b', false)$$,
  'a later chunk of a promoted company is flagged on insert, one of another is not, whatever the insert says');

select ('[' || array_to_string(array_fill(0.5::float8, array[1536]), ',') || ']') as emb \gset
select tests.act_as_service_role();
select results_eq(
  format($$select new from private.upsert_document_chunks('tenant-a', 'ingested.md', jsonb_build_array(jsonb_build_object('content', 'neuf', 'embedding', %L::text)))$$, :'emb'),
  $$values (1)$$, 'fixture: a document ingested into the promoted company');
select tests.reset_role();
select is((select in_ann_index from public.documents where company_id = 'tenant-a' and source = 'ingested.md'), true,
  'and its chunk is in the index');

update public.companies set slug = 'tenant-z' where id = :'company_a';
select is((select bool_and(in_ann_index) from public.documents where company_id = 'tenant-z'), true,
  'a slug rename keeps the promoted company''s chunks in the index');

set local comptoir.exact_scan_max_chunks = 3;
select tests.act_as_service_role();
select results_eq($$select slug, flagged, promoted from private.promote_large_tenants()$$,
  $$values ('tenant-b', 4::bigint, true)$$,
  'the default limit is the exact-scan limit (comptoir.exact_scan_max_chunks), the default batch 5,000');

select tests.act_as(tests.create_user('member@tenant-c.test'));
select throws_ok($$select * from private.promote_large_tenants(0)$$, '42501', null,
  'an authenticated user cannot promote');
select tests.act_as_anon();
select throws_ok($$select * from private.promote_large_tenants(0)$$, '42501', null, 'nor can anon');
select tests.reset_role();
select results_eq(
  $$select r.role, has_function_privilege(r.role, 'private.promote_large_tenants(bigint, integer)', 'execute')
    from unnest(array['anon', 'authenticated', 'service_role']) as r (role) order by r.role$$,
  $$values ('anon', false), ('authenticated', false), ('service_role', true)$$,
  'only the service role may execute private.promote_large_tenants');

select results_eq($$select schedule, command from cron.job where jobname = 'comptoir-promote-large-tenants'$$,
  $$values ('* * * * *', 'select count(*) from private.promote_large_tenants()')$$,
  'a pg_cron job promotes large companies every minute');

select tests.act_as(:'owner_b');
select results_eq($$select company_id from private.ann_tenants$$, format($$values (%L::uuid)$$, :'company_b'),
  'a member sees its own company''s promotion only (match_documents reads it as the caller)');
select tests.reset_role();

select * from finish();
rollback;
