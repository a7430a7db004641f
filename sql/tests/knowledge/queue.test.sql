-- The embedding queue (20261208110000): a chunk written without an embedding is queued in the
-- same transaction; claims hand a job to one worker under a lease; a completion writes a vector
-- only where the chunk still holds the text embedded; failures back off and die after 5
-- attempts with their reason; ops queue dead letters again. Members read their own company's
-- jobs and nobody else's; only the service role runs the worker's functions.
begin;
select plan(35);

select * from tests.two_companies() \gset
select ('[' || array_to_string(array_fill(0.5::float8, array[1536]), ',') || ']') as emb \gset

create function pg_temp.chunks(p_contents text[])
returns jsonb
language sql
as $$
  select jsonb_agg(jsonb_build_object('content', c, 'embedding_model', 'm1') order by i)
  from unnest(p_contents) with ordinality as u (c, i)
$$;
grant execute on function pg_temp.chunks(text[]) to public;

-- Queued by the writing transaction.
select tests.act_as_service_role();
select results_eq($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'deux', 'trois']))$$,
  $$values (3, 0, 0, 0)$$, 'chunks without an embedding are written');
select results_eq(
  format($$select j.chunk_index, j.status, j.attempts, j.content_hash = encode(sha256(convert_to(d.content, 'UTF8')), 'hex')
    from public.embedding_jobs j join public.documents d on d.id = j.document_id where j.company_id = %L order by 1$$, :'company_a'),
  $$values (0, 'queued', 0, true), (1, 'queued', 0, true), (2, 'queued', 0, true)$$,
  'each is queued, with the hash of its text, in the same transaction');
select results_eq($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', pg_temp.chunks(array['un', 'deux', 'trois']))$$,
  $$values (0, 3, 0, 0)$$, 'the same text again is unchanged');
select is((select count(*)::int from public.embedding_jobs where company_id = :'company_a'), 3, 'and queues nothing more');
select results_eq(format($$select * from private.embedding_jobs_status(%L, array['guide.md', 'other.md'])$$, :'company_a'),
  $$values ('guide.md', 3, 0), ('other.md', 0, 0)$$, 'the status: chunks pending and dead per source, in order');
select results_eq(
  format($$select * from private.upsert_document_chunks('tenant-b', 'b.md', jsonb_build_array(jsonb_build_object('content', 'bé', 'embedding', %L::text, 'embedding_model', 'm1')))$$, :'emb'),
  $$values (1, 0, 0, 0)$$, 'a chunk written with its embedding');
select is((select count(*)::int from public.embedding_jobs where company_id = :'company_b'), 0, 'is not queued');

-- Who sees what, who runs what.
select tests.act_as(:'member_a');
select is((select count(*)::int from public.embedding_jobs), 3, 'a member reads its company''s jobs');
select throws_ok(format($$select * from private.embedding_jobs_claim(10, 60, %L)$$, :'company_a'), '42501', null,
  'a member cannot claim jobs');
select throws_ok($$update public.embedding_jobs set status = 'dead'$$, '42501', null, 'nor write the queue');
select tests.act_as(:'owner_a');
select throws_ok(format($$select private.embedding_jobs_retry(%L)$$, :'company_a'), '42501', null,
  'nor can an owner run the worker''s functions');
select tests.act_as(:'member_b');
select is((select count(*)::int from public.embedding_jobs), 0, 'another company''s member reads none of them');
select tests.act_as_anon();
select throws_ok($$select count(*) from public.embedding_jobs$$, '42501', null, 'anon reads nothing');

-- Claims: one worker each, under a lease.
select tests.act_as_service_role();
select results_eq(
  format($$select count(*)::int, min(attempts), bool_and(content in ('un', 'deux', 'trois')) from private.embedding_jobs_claim(2, 60, %L)$$, :'company_a'),
  $$values (2, 1, true)$$, 'a claim hands out due jobs with their text, attempt 1');
select results_eq(format($$select content from private.embedding_jobs_claim(10, 60, %L)$$, :'company_a'),
  $$values ('trois')$$, 'a second claim gets only what the first did not hold');
select is((select count(*)::int from private.embedding_jobs_claim(10, 60, :'company_a')), 0, 'then nothing: every job is leased');
select results_eq(
  format($$select content, attempts from private.embedding_jobs_claim(1, 60, %L, 5, now() + interval '61 seconds')$$, :'company_a'),
  $$values ('un', 2)$$, 'a lapsed lease (the worker died) is claimed again, as attempt 2');

-- Completion: the vector only where the text is still the one embedded.
select id as job_deux, content_hash as hash_deux from public.embedding_jobs where company_id = :'company_a' and chunk_index = 1 \gset
select id as job_un, content_hash as hash_un from public.embedding_jobs where company_id = :'company_a' and chunk_index = 0 \gset
select results_eq(
  format($$select * from private.embedding_jobs_complete(jsonb_build_array(jsonb_build_object('id', %s, 'content_hash', %L, 'embedding', %L::text)), 'm2')$$,
    :job_un, :'hash_un', :'emb'),
  $$values (1, 0)$$, 'a completion writes the vector');
select results_eq($$select embedding is not null, embedding_model from public.documents where source = 'guide.md' and chunk_index = 0$$,
  $$values (true, 'm2')$$, 'with the model that made it');
select is((select count(*)::int from public.embedding_jobs where id = :job_un), 0, 'and ends the job');
select results_eq($$select * from private.upsert_document_chunks('tenant-a', 'guide.md', jsonb_build_array(
    jsonb_build_object('content', 'un', 'embedding_model', 'm2'), jsonb_build_object('content', 'DEUX', 'embedding_model', 'm1'),
    jsonb_build_object('content', 'trois', 'embedding_model', 'm1')))$$,
  $$values (0, 2, 1, 0)$$, 'while chunk 1 is being embedded its text changes');
select results_eq(format($$select status, attempts, content_hash <> %L from public.embedding_jobs where id = %s$$, :'hash_deux', :job_deux),
  $$values ('queued', 0, true)$$, 'its job starts again from nothing, for the new text');
select results_eq(
  format($$select * from private.embedding_jobs_complete(jsonb_build_array(jsonb_build_object('id', %s, 'content_hash', %L, 'embedding', %L::text)), 'm1')$$,
    :job_deux, :'hash_deux', :'emb'),
  $$values (0, 1)$$, 'the old text''s vector is refused as stale');
select results_eq($$select content, embedding is null from public.documents where source = 'guide.md' and chunk_index = 1$$,
  $$values ('DEUX', true)$$, 'the changed chunk has no vector rather than the old text''s');

-- Failures: backoff, then the dead letter with its reason; ops queue it again.
select id as job_trois from public.embedding_jobs where company_id = :'company_a' and chunk_index = 2 \gset
select results_eq(
  format($$select * from private.embedding_jobs_fail(jsonb_build_array(jsonb_build_object('id', %s, 'attempts', 1)), 'embeddings: openai http 500')$$, :job_trois),
  $$values (1, 0)$$, 'a failed attempt is retried');
select results_eq(format($$select status, last_error, next_attempt_at - now() from public.embedding_jobs where id = %s$$, :job_trois),
  $$values ('queued', 'embeddings: openai http 500', interval '10 seconds')$$, 'after 10 s, with its reason');
select is((select count(*)::int from private.embedding_jobs_claim(10, 60, :'company_a', 5, now() + interval '5 seconds')
  where id = :job_trois), 0, 'and not claimed before then');
do $$
declare
  v_job bigint := (select j.id from public.embedding_jobs j join public.documents d on d.id = j.document_id where d.content = 'trois');
  v_at timestamptz := now();
  v_attempts integer;
begin
  for i in 1..4 loop
    v_at := v_at + interval '11 minutes';
    select c.attempts into v_attempts from private.embedding_jobs_claim(10, 60, (select company_id from public.embedding_jobs where id = v_job), 5, v_at) c where c.id = v_job;
    perform private.embedding_jobs_fail(jsonb_build_array(jsonb_build_object('id', v_job, 'attempts', v_attempts)), 'embeddings: openai timeout', 5, v_at);
  end loop;
end;
$$;
select results_eq(format($$select status, attempts, last_error from public.embedding_jobs where id = %s$$, :job_trois),
  $$values ('dead', 5, 'embeddings: openai timeout')$$, 'dead after 5 attempts, with the last reason');
select is((select count(*)::int from private.embedding_jobs_claim(10, 60, :'company_a', 5, now() + interval '1 day') where id = :job_trois), 0,
  'a dead letter is never claimed');
select is(private.embedding_jobs_retry(:'company_b'), 0, 'retrying another company''s dead letters touches none of these');
select results_eq(format($$select status, last_error from public.embedding_jobs where id = %s$$, :job_deux),
  $$values ('dead', 'the worker stopped while embedding it 5 times')$$,
  'chunk 1, claimed by each of those runs and never finished, died of its lapsed leases');
select is(private.embedding_jobs_retry(:'company_a', array['guide.md']), 2, 'ops queue the dead letters again');
select results_eq(format($$select status, attempts from public.embedding_jobs where id = %s$$, :job_trois),
  $$values ('queued', 0)$$, 'from nothing');

-- A lease that lapsed on the last attempt: the job that kills its workers dies too.
select tests.reset_role();
update public.embedding_jobs set status = 'running', attempts = 5, next_attempt_at = now() - interval '1 second'
  where id = :job_trois;
select tests.act_as_service_role();
select is((select count(*)::int from private.embedding_jobs_claim(10, 60, :'company_a') where id = :job_trois), 0,
  'a job whose fifth worker died is not claimed a sixth time');
select results_eq(format($$select status, last_error from public.embedding_jobs where id = %s$$, :job_trois),
  $$values ('dead', 'the worker stopped while embedding it 5 times')$$, 'it is dead, and says why');

select * from finish();
rollback;
