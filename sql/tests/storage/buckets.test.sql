-- Our buckets and their policies (migration storage-buckets), per actor: what the Storage server
-- would let each one do, probed as it probes (an insert for an upload, a select for a download,
-- an update for a replacement, a delete for a removal, as the user), and the knowledge queue that
-- an upload fills in its own transaction (migration knowledge-files).
begin;
select plan(48);

select * from tests.two_companies() \gset

select results_eq($$select id, public, file_size_limit from storage.buckets where id in ('proofs', 'knowledge', 'catalogs') order by id$$,
  $$values ('catalogs', false, 2097152::bigint), ('knowledge', false, 20971520::bigint), ('proofs', false, 5242880::bigint)$$,
  'three private buckets with their size limits');
select ok((select allowed_mime_types @> array['application/pdf', 'text/csv'] from storage.buckets where id = 'knowledge'),
  'knowledge takes PDF, DOCX, HTML, Markdown, text and CSV');

-- Names: the caller's company first, no empty, . or .. segment, bounded.
select is(private.storage_company(:'company_a' || '/shared/horaires.pdf'), :'company_a'::uuid, 'a well-formed name names its company');
select is(private.storage_company(:'company_a' || '/../' || :'company_b' || '/x.pdf'), null, '.. is refused');
select is(private.storage_company(:'company_a' || '/./x.pdf'), null, '. is refused');
select is(private.storage_company(:'company_a' || '//x.pdf'), null, 'an empty segment is refused');
select is(private.storage_company('tenant-a/shared/x.pdf'), null, 'the first segment is a company id');
select is(private.storage_company(:'company_a' || repeat('/a', 10)), null, 'more than 10 segments');
select is(private.storage_company(:'company_a' || '/' || repeat('x', 500)), null, 'more than 512 characters');

-- The probes, as the Storage server runs them: a write is an insert (or update, delete) as the
-- user; a read is a select of a row written as the platform.
create function pg_temp.may_write(p_bucket text, p_name text)
returns boolean
language plpgsql
as $$
begin
  insert into storage.objects (bucket_id, name, metadata) values (p_bucket, p_name, '{"size": 10}');
  return true;
exception when insufficient_privilege then
  return false;
end;
$$;
create function pg_temp.may_read(p_bucket text, p_name text)
returns boolean
language plpgsql
as $$
declare
  v_role text := current_user;
  v_claims text := current_setting('request.jwt.claims', true);
  v_id uuid := gen_random_uuid();
  v_seen boolean;
begin
  reset role;
  insert into storage.objects (id, bucket_id, name, metadata) values (v_id, p_bucket, p_name, '{"size": 10}');
  perform set_config('request.jwt.claims', v_claims, true);
  execute format('set local role %I', v_role);
  select exists (select 1 from storage.objects where id = v_id) into v_seen;
  reset role;
  perform set_config('storage.allow_delete_query', 'true', true);
  delete from storage.objects where id = v_id;
  perform set_config('storage.allow_delete_query', 'false', true);
  delete from public.knowledge_files where object_name = p_name; -- the probe's own queue row
  perform set_config('request.jwt.claims', v_claims, true);
  execute format('set local role %I', v_role);
  return v_seen;
end;
$$;
grant execute on function pg_temp.may_write(text, text), pg_temp.may_read(text, text) to public;

select format('%s/wa-awa/%s.jpg', :'company_a', repeat('ab', 32)) as proof_a \gset
select format('%s/shared/horaires.pdf', :'company_a') as doc_a \gset
select format('%s/catalogue.csv', :'company_a') as cat_a \gset

select tests.act_as(:'member_a');
select ok(pg_temp.may_read('proofs', :'proof_a'), 'a member sees the company''s proofs');
select ok(pg_temp.may_read('knowledge', :'doc_a'), 'and reads its knowledge files');
select ok(not pg_temp.may_read('catalogs', :'cat_a'), 'not its catalogs (admins)');
select ok(not pg_temp.may_write('knowledge', :'company_a' || '/shared/membre.pdf'), 'a member uploads no knowledge');
select ok(not pg_temp.may_write('proofs', :'company_a' || '/wa-x/faux.jpg'), 'nor proofs (the functions write them)');

select tests.act_as(:'admin_a');
select ok(pg_temp.may_write('knowledge', :'company_a' || '/shared/tarifs.pdf'), 'an admin uploads knowledge');
select ok(pg_temp.may_write('catalogs', :'company_a' || '/catalogue-2.csv'), 'and catalogs');
select ok(pg_temp.may_read('catalogs', :'cat_a'), 'and reads them');
select ok(not pg_temp.may_write('proofs', :'company_a' || '/wa-x/faux.jpg'), 'but writes no proof either');
select ok(not pg_temp.may_write('knowledge', :'company_b' || '/shared/intrus.pdf'), 'nor into another company''s folder');
select ok(not pg_temp.may_write('knowledge', :'company_a' || '/../' || :'company_b' || '/x.pdf'), 'nor with ..');
select ok(not pg_temp.may_write('knowledge', 'tenant-a/shared/x.pdf'), 'nor under a slug instead of the id');
select ok(not pg_temp.may_write('avatars', :'company_a' || '/x.png'), 'nor in a bucket that is not ours');

select tests.act_as(:'owner_a');
select ok(pg_temp.may_write('catalogs', :'company_a' || '/catalogue-owner.csv'), 'the owner uploads catalogs');
select ok(pg_temp.may_read('proofs', :'proof_a'), 'and sees the proofs');

select tests.act_as_service_role();
select ok(pg_temp.may_read('proofs', :'proof_a'), 'the service (the functions) reads every proof, bypassing RLS');

select tests.act_as(:'member_b');
select ok(not pg_temp.may_read('proofs', :'proof_a'), 'another company''s member sees none of A''s proofs');
select ok(not pg_temp.may_read('knowledge', :'doc_a'), 'nor its documents');
select ok(not pg_temp.may_write('knowledge', :'company_a' || '/shared/x.pdf'), 'nor uploads there');

select tests.act_as_anon();
select ok(not pg_temp.may_read('proofs', :'proof_a'), 'anon sees no proof');
select ok(not pg_temp.may_write('knowledge', :'company_a' || '/shared/x.pdf'), 'anon uploads nothing');

-- Replacing and removing: admins only (the update and delete probes, as the user).
select tests.act_as(:'admin_a');
select lives_ok(format($$update storage.objects set metadata = '{"size": 20}' where bucket_id = 'knowledge' and name = %L$$,
  :'company_a' || '/shared/tarifs.pdf'), 'an admin replaces a file');
select tests.act_as(:'member_a');
select is_empty(format($$update storage.objects set metadata = '{"size": 30}' where bucket_id = 'knowledge' and name = %L
  returning 1$$, :'company_a' || '/shared/tarifs.pdf'), 'a member replaces nothing');

-- The queue: the upload above queued its file in the same transaction, under its agent.
select tests.reset_role();
select results_eq(format($$select agent, source, status, size from public.knowledge_files where object_name = %L$$,
  :'company_a' || '/shared/tarifs.pdf'),
  $$values ('shared', 'shared/tarifs.pdf', 'queued', 20::bigint)$$, 'an upload (and its replacement) is queued, agent shared, size kept');
select tests.act_as(:'member_a');
select isnt_empty($$select 1 from public.knowledge_files$$, 'members read their files'' status');
select tests.act_as(:'member_b');
select is_empty($$select 1 from public.knowledge_files$$, 'another company''s member reads none');
select tests.act_as_anon();
select throws_ok($$select 1 from public.knowledge_files$$, '42501', null, 'anon reads nothing');

select tests.act_as_service_role();
select results_eq($$select source, status, attempts from public.knowledge_files_claim(5)$$,
  $$values ('shared/tarifs.pdf', 'processing', 1)$$, 'the ingest path claims it');
select is_empty($$select 1 from public.knowledge_files_claim(5)$$, 'once');
select id as file_a from public.knowledge_files where source = 'shared/tarifs.pdf' \gset
select is(public.knowledge_files_finish(:'file_a', 1, 7, null), 'ready', 'done: ready');
select is((select chunks from public.knowledge_files where id = :'file_a'), 7, 'with its chunk count');

-- A failure that may pass is retried, then dead; one that cannot is failed at once with its reason.
select tests.reset_role();
update public.knowledge_files set status = 'queued' where id = :'file_a';
select tests.act_as_service_role();
select attempts as a2 from public.knowledge_files_claim(5) \gset
select is(public.knowledge_files_finish(:'file_a', :'a2', null, 'embedder down', 0), 'queued', 'a passing failure: queued again');
select is(public.knowledge_files_finish(:'file_a', :'a2', null, 'late'), null, 'a stale run''s answer changes nothing');
select attempts as a3 from public.knowledge_files_claim(5) \gset
select is(public.knowledge_files_finish(:'file_a', :'a3', null, 'tarifs.pdf has no text layer (a scan?)', null), 'failed',
  'a scan: failed at once');
select is((select error from public.knowledge_files where id = :'file_a'), 'tarifs.pdf has no text layer (a scan?)',
  'with the reason members read');
select tests.reset_role();
update public.knowledge_files set status = 'queued', attempts = 4 where id = :'file_a';
select tests.act_as_service_role();
select is(public.knowledge_files_finish(:'file_a', (select attempts from public.knowledge_files_claim(5)), null, 'down', 0),
  'failed', 'the fifth passing failure is the last: dead');

-- Moved and removed: the chunks of the old name go.
select tests.act_as(:'admin_a');
update storage.objects set name = :'company_a' || '/shared/tarifs-2026.pdf'
 where bucket_id = 'knowledge' and name = :'company_a' || '/shared/tarifs.pdf';
select tests.reset_role();
select results_eq(format($$select source, status from public.knowledge_files where company_id = %L and source like 'shared/tarifs%%' order by source$$, :'company_a'),
  $$values ('shared/tarifs-2026.pdf', 'queued'), ('shared/tarifs.pdf', 'deleting')$$, 'a move queues the new name and the old one''s deletion');
select set_config('storage.allow_delete_query', 'true', true);
delete from storage.objects where bucket_id = 'knowledge' and name = :'company_a' || '/shared/tarifs-2026.pdf';
select is((select status from public.knowledge_files where source = 'shared/tarifs-2026.pdf'), 'deleting', 'a removal queues its deletion');
select tests.act_as_service_role();
select id as gone, attempts as ga from public.knowledge_files_claim(5) where source = 'shared/tarifs-2026.pdf' \gset
select is(public.knowledge_files_finish(:'gone', :'ga', null, null), 'deleted', 'then deleted');

select * from finish();
rollback;
