-- Platform shim: what a hosted Supabase project (or `supabase start`) provides before any
-- project migration runs, reproduced for the local stack. Applied once, before the
-- migrations, and never part of them: nothing of Comptoir's own belongs here.
-- Idempotent, so that a second `npm start` can run it again.

-- The API roles. PostgREST logs in as authenticator and switches to one of the other three.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
end
$$;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- Extensions live in their own schema, as on Supabase. A project created today has only
-- uuid-ossp and pgcrypto enabled there (plus the vault, which Debian does not package);
-- vector, pg_trgm, unaccent, btree_gin and pg_cron are available (installed, preloaded) and
-- each project's migrations enable what they use.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
-- search_path is set per role, not for the database (supabase/postgres post-setup): the API
-- roles keep Postgres's default, so SQL they run must name extensions' schema.
alter role postgres set search_path to "$user", public, extensions;

-- Supabase's initial schema grants everything in public to the API roles by default; since
-- 2026-05-30 (new projects) and 2026-10-30 (every project) the platform then revokes the Data
-- API's share of it (changelog 45329), so new tables, sequences and functions in public reach
-- no API role without an explicit grant. The revoke is the Supabase CLI's own
-- (RevokeDefaultDataApiPrivilegesSql, applied for `[api] auto_expose_new_tables = false`).
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  revoke execute on functions from anon, authenticated, service_role;

-- The marker supabase/seed.sql checks before it creates demo owners with a public password:
-- only this shim sets it, so `supabase db push --include-seed` on a real project refuses.
do $$
begin
  execute format('alter database %I set comptoir.local_stack to %L', current_database(), 'on');
  execute format('alter database %I reset search_path', current_database());
end
$$;

-- Every statement of every role is bounded by the platform's global limit of 2 minutes
-- (role settings below it: anon 3 s, authenticated 8 s).
alter system set statement_timeout = '2min';
do $$ begin perform pg_catalog.pg_reload_conf(); end $$;

-- The auth schema as GoTrue creates it, reduced to what projects reference.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255) default 'authenticated',
  role varchar(255) default 'authenticated',
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb default '{}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_super_admin boolean,
  is_anonymous boolean not null default false,
  phone text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  deleted_at timestamptz
);
create unique index if not exists users_email_partial_key on auth.users (email) where (is_anonymous = false);
grant select on auth.users to service_role;

-- The request helpers, reading the claims PostgREST (and our functions) put in request.jwt.claims.
create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt() to anon, authenticated, service_role;

-- Realtime streams the tables that projects add to this publication.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

-- Realtime's Broadcast from the database, as a project has it (supabase/realtime's tenant
-- migrations; ../shared/PLATFORM.md): realtime.messages under RLS, whose policies decide who may
-- join a private channel; realtime.send / broadcast_changes write to it, realtime.topic() names
-- the topic being authorised. Written here from those facts; hosted partitions the table by day
-- and drops old partitions, the local one keeps its rows (a few bytes per change).
create schema if not exists realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;

create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

create or replace function realtime.topic()
returns text
language sql
stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

-- A failed send never aborts the writer's transaction: it becomes a warning (as hosted).
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  message_id uuid := gen_random_uuid();
begin
  begin
    perform set_config('realtime.topic', topic, true);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (
      message_id,
      case when payload ? 'id' then payload else payload || jsonb_build_object('id', message_id) end,
      event, topic, private, 'broadcast'
    );
  exception when others then
    raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

create or replace function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
)
returns void
language plpgsql
as $$
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation not in ('INSERT', 'UPDATE', 'DELETE') then
    raise exception 'Unexpected operation type: %', operation;
  end if;
  perform realtime.send(
    jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
      'table', table_name, 'schema', table_schema),
    event_name, topic_name
  );
end;
$$;
grant execute on function realtime.topic(), realtime.send(jsonb, text, text, boolean),
  realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to postgres, anon, authenticated, service_role;

-- Storage as a project has it (supabase/storage's tenant migrations up to 0063;
-- ../shared/PLATFORM.md), written here from those facts: buckets and objects under RLS, whose
-- policies are the only gate (the Storage stand-in, scripts/local/storage.ts, sets the caller's
-- role and claims and probes each operation as the real server does). Projects add buckets and
-- policies in their migrations. Not reproduced: S3 multipart tables, analytics/vector buckets and
-- the dark object-versioning columns (migration 0062).
create schema if not exists storage;
grant usage on schema storage to postgres, anon, authenticated, service_role;

do $$
begin
  if not exists (
    select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'storage' and t.typname = 'buckettype'
  ) then
    create type storage.buckettype as enum ('STANDARD', 'ANALYTICS', 'VECTOR');
  end if;
end
$$;

/** A bucket: file_size_limit in bytes (null: the platform's limit); allowed_mime_types may hold a whole type (`image` followed by a slash and a star). */
create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  owner_id text,
  public boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  type storage.buckettype not null default 'STANDARD',
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create unique index if not exists bname on storage.buckets (name);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';

/** An object's row; its bytes live with the Storage server, under `version`. */
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  user_metadata jsonb,
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
grant all on storage.buckets, storage.objects to anon, authenticated, service_role;
grant all on storage.buckets, storage.objects to postgres with grant option;

/** The folders of an object's name: every segment but the last (`a/b/c.png` → {a,b}). */
create or replace function storage.foldername(name text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select (pg_catalog.string_to_array(name, '/'))[1:pg_catalog.array_length(pg_catalog.string_to_array(name, '/'), 1) - 1]
$$;

/** The last segment of an object's name. */
create or replace function storage.filename(name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select (pg_catalog.string_to_array(name, '/'))[pg_catalog.array_length(pg_catalog.string_to_array(name, '/'), 1)]
$$;

/** What follows the last dot of the file name (the whole file name when it has none). */
create or replace function storage.extension(name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.reverse(pg_catalog.split_part(pg_catalog.reverse(storage.filename(name)), '.', 1))
$$;

/** The operation the Storage server is serving, e.g. `storage.object.upload` (for policies). */
create or replace function storage.operation()
returns text
language sql
stable
set search_path = ''
as $$
  select pg_catalog.current_setting('storage.operation', true)
$$;

/** Whether the operation being served is `expected` (with or without the `storage.` prefix). */
create or replace function storage.allow_only_operation(expected_operation text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(expected_operation, '') is not null
    and pg_catalog.regexp_replace(storage.operation(), '^storage\.', '')
      = pg_catalog.regexp_replace(expected_operation, '^storage\.', ''), false)
$$;

/** Whether the operation being served is one of `expected_operations`. */
create or replace function storage.allow_any_operation(expected_operations text[])
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select 1 from pg_catalog.unnest(expected_operations) as e (operation)
    where nullif(e.operation, '') is not null
      and pg_catalog.regexp_replace(storage.operation(), '^storage\.', '')
        = pg_catalog.regexp_replace(e.operation, '^storage\.', '')
  )
$$;

/**
 * One level of a bucket's listing under `prefix` (which ends with '/' or is empty): the files
 * directly in it and its sub-folders (id null), names relative to the prefix, `search` matching
 * the start of the rest of a name (case-insensitive). Sorted by name (case-insensitive,
 * folders and files mixed) or, for the other columns, folders first. Security invoker: RLS on
 * storage.objects decides what a caller sees, folders included. `levels` is kept for the
 * signature's sake (the real server's no longer reads it). NOTE: linear in the objects under
 * the prefix (hosted uses a skip-scan).
 */
create or replace function storage.search(
  prefix text,
  bucketname text,
  limits int default 100,
  levels int default 1,
  offsets int default 0,
  search text default '',
  sortcolumn text default 'name',
  sortorder text default 'asc'
)
returns table (
  name text,
  id uuid,
  updated_at timestamptz,
  created_at timestamptz,
  last_accessed_at timestamptz,
  metadata jsonb
)
language sql
stable
security invoker
set search_path = ''
as $$
  with options as (
    select coalesce(prefix, '') as prefix,
      coalesce(search, '') as search,
      case lower(coalesce(sortcolumn, 'name'))
        when 'updated_at' then 'updated_at' when 'created_at' then 'created_at'
        when 'last_accessed_at' then 'last_accessed_at' else 'name'
      end as sort_column,
      lower(coalesce(sortorder, 'asc')) = 'desc' as descending
  ),
  matched as (
    select o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
      substr(o.name, length(opt.prefix) + 1) as rest,
      strpos(substr(o.name, length(opt.prefix || opt.search) + 1), '/') as slash,
      length(opt.search) as searched
    from storage.objects o, options opt
    where o.bucket_id = bucketname
      and lower(left(o.name, length(opt.prefix || opt.search))) = lower(opt.prefix || opt.search)
  ),
  entries as (
    select distinct left(m.rest, m.searched + m.slash - 1) as name, null::uuid as id,
      null::timestamptz as updated_at, null::timestamptz as created_at,
      null::timestamptz as last_accessed_at, null::jsonb as metadata, true as folder
    from matched m
    where m.slash > 0
    union all
    select m.rest, m.id, m.updated_at, m.created_at, m.last_accessed_at, m.metadata, false
    from matched m
    where m.slash = 0
  )
  select e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
  from entries e, options opt
  order by
    case when opt.sort_column <> 'name' then not e.folder end,
    case when (opt.sort_column = 'name' or e.folder) and not opt.descending then lower(e.name) collate "C" end asc,
    case when (opt.sort_column = 'name' or e.folder) and opt.descending then lower(e.name) collate "C" end desc,
    case when opt.sort_column = 'updated_at' and not opt.descending then e.updated_at end asc,
    case when opt.sort_column = 'updated_at' and opt.descending then e.updated_at end desc,
    case when opt.sort_column = 'created_at' and not opt.descending then e.created_at end asc,
    case when opt.sort_column = 'created_at' and opt.descending then e.created_at end desc,
    case when opt.sort_column = 'last_accessed_at' and not opt.descending then e.last_accessed_at end asc,
    case when opt.sort_column = 'last_accessed_at' and opt.descending then e.last_accessed_at end desc
  limit least(coalesce(limits, 100), 1500)
  offset coalesce(offsets, 0)
$$;

/** Keeps objects.updated_at current on every update (a re-upload, a move). */
create or replace function storage.update_updated_at_column()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
drop trigger if exists update_objects_updated_at on storage.objects;
create trigger update_objects_updated_at before update on storage.objects
  for each row execute function storage.update_updated_at_column();

/** Bucket names are at most 100 characters. */
create or replace function storage.enforce_bucket_name_length()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if pg_catalog.length(new.name) > 100 then
    raise exception 'bucket name "%" is too long (% characters). Max is 100.', new.name, pg_catalog.length(new.name);
  end if;
  return new;
end;
$$;
drop trigger if exists enforce_bucket_name_length_trigger on storage.buckets;
create trigger enforce_bucket_name_length_trigger before insert or update of name on storage.buckets
  for each row execute function storage.enforce_bucket_name_length();

/**
 * Rows of buckets and objects leave only through the Storage server, which sets
 * storage.allow_delete_query for its own transactions: a DELETE from SQL or PostgREST would
 * orphan the bytes.
 */
create or replace function storage.protect_delete()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if coalesce(pg_catalog.current_setting('storage.allow_delete_query', true), 'false') <> 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using hint = 'This prevents accidental data loss from orphaned objects.', errcode = '42501';
  end if;
  return null;
end;
$$;
drop trigger if exists protect_buckets_delete on storage.buckets;
create trigger protect_buckets_delete before delete on storage.buckets
  for each statement execute function storage.protect_delete();
drop trigger if exists protect_objects_delete on storage.objects;
create trigger protect_objects_delete before delete on storage.objects
  for each statement execute function storage.protect_delete();

grant execute on all functions in schema storage to postgres, anon, authenticated, service_role;
