-- Platform defaults: the extensions Comptoir uses, functions closed by default (each
-- function grants EXECUTE to exactly the roles that need it), and a `private` schema for
-- internals that the API never exposes.

-- Extensions come first: the default privileges set below would otherwise strip PUBLIC's
-- EXECUTE from the functions of an extension created later by this role.
create extension if not exists pgcrypto with schema extensions;
create extension if not exists vector with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create extension if not exists unaccent with schema extensions;

-- Supabase grants EXECUTE on new functions in public to anon and authenticated; Postgres
-- grants it to PUBLIC in every schema, which only a database-wide default can revoke.
alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
alter default privileges for role postgres in schema public revoke execute on functions from public, anon, authenticated;
alter default privileges for role postgres revoke execute on functions from public;

-- TRUNCATE, REFERENCES and TRIGGER ignore RLS; the API roles need none of them.
alter default privileges for role postgres in schema public revoke truncate, references, trigger on tables from anon, authenticated;

/** Internals: membership helpers, trigger functions, storage the API must not reach. */
create schema private;
revoke all on schema private from public, anon, authenticated;
-- Policies run as the querying role, so authenticated must reach the helpers they call.
grant usage on schema private to authenticated, service_role;
