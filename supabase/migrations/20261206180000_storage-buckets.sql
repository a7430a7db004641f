-- Files in Supabase Storage: three private buckets and who may do what in them, as policies on
-- storage.objects (the Storage server probes them for every operation, as the user).
--
--   proofs     <company id>/<conversation>/<sha256>.<ext>   payment screenshots; written by the
--              functions (service), read by the company's members
--   knowledge  <company id>/<agent slug or shared>/<path>   documents to ingest; admins and owners
--              upload, replace and delete, members read
--   catalogs   <company id>/<file>                          CSV catalogs; admins upload and read
--
-- A name must start with the caller's company id and have no empty, `.` or `..` segment; names
-- are at most 512 characters and 10 segments. One policy per command (not per bucket): Postgres
-- ORs permissive policies, and the Advisor flags several for one role and action.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values
  ('proofs', 'proofs', false, 5 * 1024 * 1024, array['image/jpeg', 'image/png', 'image/webp']),
  ('knowledge', 'knowledge', false, 20 * 1024 * 1024, array[
    'application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'text/html', 'text/markdown', 'text/plain', 'text/csv']),
  ('catalogs', 'catalogs', false, 2 * 1024 * 1024, array['text/csv', 'text/plain'])
on conflict (id) do update
  set public = excluded.public, file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

/**
 * The company an object name belongs to (its first segment, a company id), or null when the name
 * is not one of ours: a first segment that is not a uuid, an empty, `.` or `..` segment, more
 * than 10 segments or 512 characters. Immutable: policies call it per row.
 */
create function private.storage_company(p_name text)
returns uuid
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_segments text[] := string_to_array(p_name, '/');
begin
  if p_name is null or length(p_name) > 512 or cardinality(v_segments) < 2 or cardinality(v_segments) > 10
    or exists (select 1 from unnest(v_segments) s where s in ('', '.', '..'))
    or v_segments[1] !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  return v_segments[1]::uuid;
end;
$$;
revoke all on function private.storage_company(text) from public;
grant execute on function private.storage_company(text) to authenticated, service_role;

/**
 * Whether the caller may act on an object of our buckets: `p_write` false for reading (members
 * of the company; catalogs: its admins), true for writing (knowledge and catalogs: its admins;
 * proofs: nobody but the service, which bypasses RLS). Invoker over the caller's memberships.
 */
create function private.storage_allowed(p_bucket text, p_name text, p_write boolean)
returns boolean
language sql
stable
set search_path = ''
as $$
  select case
    when private.storage_company(p_name) is null then false
    when p_bucket = 'proofs' then not p_write and private.is_member(private.storage_company(p_name))
    when p_bucket = 'knowledge' then private.is_member(private.storage_company(p_name),
      case when p_write then 'admin' else 'member' end)
    when p_bucket = 'catalogs' then private.is_member(private.storage_company(p_name), 'admin')
    else false
  end
$$;
revoke all on function private.storage_allowed(text, text, boolean) from public;
grant execute on function private.storage_allowed(text, text, boolean) to authenticated, service_role;

create policy "members read their company's files" on storage.objects
  for select to authenticated
  using (bucket_id in ('proofs', 'knowledge', 'catalogs') and private.storage_allowed(bucket_id, name, false));
create policy "admins upload their company's knowledge and catalogs" on storage.objects
  for insert to authenticated
  with check (bucket_id in ('knowledge', 'catalogs') and private.storage_allowed(bucket_id, name, true));
create policy "admins replace their company's knowledge and catalogs" on storage.objects
  for update to authenticated
  using (bucket_id in ('knowledge', 'catalogs') and private.storage_allowed(bucket_id, name, true))
  with check (bucket_id in ('knowledge', 'catalogs') and private.storage_allowed(bucket_id, name, true));
create policy "admins delete their company's knowledge and catalogs" on storage.objects
  for delete to authenticated
  using (bucket_id in ('knowledge', 'catalogs') and private.storage_allowed(bucket_id, name, true));
