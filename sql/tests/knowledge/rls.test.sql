-- Documents are read-only to members of their company and invisible to everyone else.
begin;
select plan(12);

select * from tests.two_companies() \gset

insert into public.documents (company_id, source, content)
values ('tenant-a', 'a1', 'Chunk A1'), ('tenant-a', 'a2', 'Chunk A2'), ('tenant-b', 'b1', 'Chunk B1');

select tests.act_as(:'member_a');
select results_eq('select source from public.documents order by source', $$values ('a1'), ('a2')$$,
  'a member reads exactly its company''s chunks');
select throws_ok($$insert into public.documents (company_id, source, content) values ('tenant-a', 'x', 'forged')$$,
  '42501', null, 'a member cannot insert chunks');
select throws_ok($$update public.documents set content = 'pwned'$$,
  '42501', null, 'a member cannot update chunks');
select throws_ok($$delete from public.documents$$,
  '42501', null, 'a member cannot delete chunks');
select results_eq('select agent_owner, chunks::int from private.document_counts', $$values ('shared', 2)$$,
  'a member reads its own company''s chunk counts only');

select tests.act_as(:'owner_a');
select throws_ok($$update public.documents set content = 'pwned' where company_id = 'tenant-a'$$,
  '42501', null, 'even the owner writes chunks only through ingest (service role)');

select tests.act_as(:'member_b');
select is_empty($$select 1 from public.documents where company_id = 'tenant-a'$$,
  'a member of company B sees none of company A''s chunks');
select results_eq('select source from public.documents', $$values ('b1')$$,
  'a member of company B sees exactly its own chunks');

select tests.act_as_anon();
select throws_ok('select 1 from public.documents', '42501', null, 'anon cannot read chunks');
select throws_ok($$insert into public.documents (company_id, source, content) values ('tenant-a', 'x', 'forged')$$,
  '42501', null, 'anon cannot insert chunks');
select throws_ok('select 1 from private.document_counts', '42501', null, 'anon cannot reach the chunk counts');

select tests.act_as_service_role();
select is(public.delete_document_source('tenant-a', 'a1'), 1, 'the service role deletes a document''s chunks');

select * from finish();
rollback;
