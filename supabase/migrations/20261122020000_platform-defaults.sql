-- Platform defaults: the extensions Comptoir uses (a project created today has them available,
-- not enabled), nothing granted by default (each table, view, sequence and function grants
-- exactly the roles that need it), and a `private` schema for internals the API never exposes.

-- Extensions come first: the default privileges set below would otherwise strip PUBLIC's
-- EXECUTE from the functions of an extension created later by this role.
create extension if not exists pgcrypto with schema extensions;
create extension if not exists vector with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create extension if not exists unaccent with schema extensions;
-- pg_cron keeps its jobs in the `cron` schema; Supabase documents enabling it in pg_catalog.
-- Later migrations schedule the HNSW promotion and the rate-limit sweep with it.
create extension if not exists pg_cron with schema pg_catalog;

-- New tables, views, sequences and functions in public start with no privilege for the API
-- roles (the platform's default since 2026; stated here so that a project whose dashboard
-- turned "default privileges for new entities" back on behaves the same). Postgres grants
-- EXECUTE on new functions to PUBLIC in every schema, which only a database-wide default revokes.
alter default privileges for role postgres in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public revoke execute on functions from public, anon, authenticated, service_role;
alter default privileges for role postgres revoke execute on functions from public;

/** Internals: membership helpers, trigger functions, storage the API must not reach. */
create schema private;
revoke all on schema private from public, anon, authenticated;
-- Policies run as the querying role, so authenticated must reach the helpers they call.
grant usage on schema private to authenticated, service_role;
