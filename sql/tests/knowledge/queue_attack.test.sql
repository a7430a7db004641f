-- Threat: the embedding queue and the retrieval paths of 20261208100000-110000 used to read or
-- write outside one's tenant, or to make the project pay twice. Members write no vector, flag or
-- job through any path; ids guessed from another company read nothing; a job is covered only by
-- its own company's reservation; a worker pays only for the jobs it still holds (a lapsed lease
-- taken by another worker is not renewed); a promoted company's unflagged chunks are its own.
begin;
select plan(19);

select * from tests.two_companies() \gset
select ('[' || array_to_string(array_fill(0.5::float8, array[1536]), ',') || ']') as emb \gset

-- Fixture: one queued chunk of tenant-a.
select tests.act_as_service_role();
select * from private.upsert_document_chunks('tenant-a', 'secret.md', '[{"content": "Marge: 40 %"}]');
select tests.reset_role();
select id as doc_a from public.documents where source = 'secret.md' \gset

-- No vector, flag or job written by a member, even an admin.
select tests.act_as(:'admin_a');
select throws_ok(format($$update public.documents set embedding = %L where id = %s$$, :'emb', :doc_a), '42501', null,
  'an admin cannot write a vector into its own company''s chunk');
select throws_ok(format($$update public.documents set in_ann_index = true where id = %s$$, :doc_a), '42501', null,
  'nor flag it into the HNSW index');
select throws_ok(
  format($$select * from private.upsert_document_chunks('tenant-a', 'x.md', jsonb_build_array(jsonb_build_object('content', 'x', 'embedding', %L::text)))$$, :'emb'),
  '42501', null, 'nor write chunks with a vector of its choosing through the upsert function');
select throws_ok(format($$insert into public.embedding_jobs (company_id, document_id, source, chunk_index, content_hash)
    values (%L, %s, 'secret.md', 0, 'x')$$, :'company_a', :doc_a), '42501', null, 'nor queue a job itself');
select throws_ok($$select * from private.embedding_jobs_renew('[]')$$, '42501', null, 'nor renew a lease');
select tests.act_as_anon();
select throws_ok($$select * from private.embedding_jobs_renew('[]')$$, '42501', null, 'nor can anon');

-- Ids guessed by another company's member read nothing.
select tests.act_as(:'member_b');
select is((select count(*)::int from public.embedding_jobs where document_id = :doc_a), 0,
  'another company''s member reads no job by guessing its document id');
select is((select count(*)::int from public.documents where id = :doc_a), 0, 'nor the chunk');
select throws_ok(format($$select * from public.match_documents(%L, %L::extensions.vector, 10, -1)$$, :'company_a', :'emb'),
  '42501', null, 'nor searches the company by its uuid');

-- A job is covered only by its own company's reservation.
select tests.reset_role();
insert into private.budget_reservations (company_id, month, amount_usd, expires_at)
  values (:'company_b', date_trunc('month', now())::date, 1, now() + interval '5 minutes') returning id as res_b \gset
insert into private.budget_reservations (company_id, month, amount_usd, expires_at)
  values (:'company_a', date_trunc('month', now())::date, 1, now() + interval '5 minutes') returning id as res_a \gset
select tests.act_as_service_role();
select set_config('comptoir.embedding_reservation', :'res_b', true);
select * from private.upsert_document_chunks('tenant-a', 'foreign.md', '[{"content": "payé par B ?"}]');
select set_config('comptoir.embedding_reservation', :'res_a', true);
select * from private.upsert_document_chunks('tenant-a', 'own.md', '[{"content": "payé par A"}]');
select set_config('comptoir.embedding_reservation', '', true);
create temporary table claimed as
  select c.*, d.source from private.embedding_jobs_claim(10, 60, :'company_a') c join public.documents d on d.id = c.document_id;
select is((select reservation from claimed where source = 'foreign.md'), null::uuid,
  'a job naming another company''s reservation is not covered by it (the worker reserves for it)');
select is((select reservation from claimed where source = 'own.md'), :'res_a'::uuid,
  'a job keeps its own company''s reservation');

-- A worker pays only for what it still holds.
select id as job_own, attempts as att_own from claimed where source = 'own.md' \gset
select results_eq(format($$select * from private.embedding_jobs_renew(jsonb_build_array(jsonb_build_object('id', %s, 'attempts', %s)), 60)$$,
    :job_own, :att_own),
  format($$values (%s::bigint)$$, :job_own), 'a worker renews the lease of a job it holds');
select is(
  (select locked_until - now() from public.embedding_jobs where id = :job_own), interval '60 seconds',
  'for a full term');
select is(
  (select count(*)::int from private.embedding_jobs_claim(10, 60, :'company_a', 5, now() + interval '61 seconds') where id = :job_own),
  1, 'once the lease lapsed, another worker claims the job');
select is(
  (select count(*)::int from private.embedding_jobs_renew(jsonb_build_array(jsonb_build_object('id', :job_own, 'attempts', :att_own)), 60)),
  0, 'and the first worker, late, cannot renew it: it does not pay for it again');

-- A promoted company's chunks the flag has not reached are read beside the HNSW index, its own only.
select tests.reset_role();
insert into public.documents (company_id, source, content, embedding, agent_owner, metadata)
select 'tenant-a', 'p' || i, 'Chunk ' || i,
  ('[' || array_to_string(array_fill((0.5 + i / 100.0)::float8, array[1536]), ',') || ']')::extensions.vector,
  (array['shared', 'shared', 'audrey', 'carole'])[i], jsonb_build_object('n', i)
from generate_series(1, 4) i;
insert into public.documents (company_id, source, content, embedding)
select 'tenant-b', 'b' || i, 'Chunk B ' || i, :'emb'::extensions.vector from generate_series(1, 3) i;
insert into private.ann_tenants (company_id, chunks_at_promotion, promoted_at) values (:'company_a', 4, now());
update public.documents set in_ann_index = true where company_id = 'tenant-a' and source in ('p2', 'p3', 'p4');
set local comptoir.exact_scan_max_chunks = 1;
select tests.act_as(:'owner_a');
select set_eq($$select source from public.match_documents('tenant-a', (select embedding from public.documents where source = 'p1'), 10, -1)$$,
  array['p1', 'p2', 'p3', 'p4'],
  'a promoted company''s search finds its unflagged chunk beside the indexed ones, and no other company''s');
select set_eq($$select source from public.match_documents('tenant-a', (select embedding from public.documents where source = 'p1'), 10, -1, 'audrey')$$,
  array['p1', 'p2', 'p3'], 'an agent''s search reads its and the shared chunks only, flagged or not');
select set_eq($$select source from public.match_documents('tenant-a', (select embedding from public.documents where source = 'p1'), 10, -1, null, null, '{"n": 1}')$$,
  array['p1'], 'a metadata filter applies to the unflagged chunks too');
select tests.act_as(:'member_b');
select throws_ok(format($$select * from public.match_documents('tenant-a', %L::extensions.vector, 10, -1)$$, :'emb'),
  '42501', null, 'another company''s member cannot search the promoted company by its slug');
select tests.reset_role();

select * from finish();
rollback;
