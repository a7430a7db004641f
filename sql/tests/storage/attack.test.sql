-- An attacker's pass over the Storage work (issue 24): what must hold, each failing on the code
-- it was written against.
begin;
select plan(3);

select * from tests.two_companies() \gset

-- A file that kills the worker (out of memory or CPU while extracting: a zip bomb in a DOCX)
-- never reaches knowledge_files_finish: its lease runs out and it is claimed again. After the
-- last attempt it must be dead-lettered, not claimed forever (each claim taking down the run and
-- the other companies' files claimed with it).
insert into public.knowledge_files (company_id, object_name, agent, source, status, attempts, lease_until, next_attempt_at)
values (:'company_a', :'company_a' || '/shared/bombe.docx', 'shared', 'bombe.docx', 'processing', 5,
  now() - interval '1 minute', now() - interval '1 minute');
select tests.act_as_service_role();
select is((select count(*)::integer from public.knowledge_files_claim(5, 120, :'company_a'::uuid)), 0,
  'a file whose run died on its last attempt is not claimed again');
select tests.reset_role();
select is((select status from public.knowledge_files where object_name = :'company_a' || '/shared/bombe.docx'), 'failed',
  'it is dead-lettered (failed, with the reason) instead');

-- A knowledge file moved to another bucket: its chunks must go (the old name queued for deletion),
-- as for a move inside the bucket.
insert into storage.objects (bucket_id, name, metadata) values ('knowledge', :'company_a' || '/shared/tarifs.csv', '{"size": 10}');
update public.knowledge_files set status = 'ready', chunks = 3 where object_name = :'company_a' || '/shared/tarifs.csv';
select tests.act_as(:'owner_a');
update storage.objects set bucket_id = 'catalogs', name = :'company_a' || '/tarifs.csv'
 where bucket_id = 'knowledge' and name = :'company_a' || '/shared/tarifs.csv';
select tests.reset_role();
select is((select status from public.knowledge_files where object_name = :'company_a' || '/shared/tarifs.csv'), 'deleting',
  'a file moved out of the knowledge bucket has its chunks deleted');

select * from finish();
rollback;
