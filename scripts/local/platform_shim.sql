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
