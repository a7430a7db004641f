-- Supabase's database linter (splinter, the dashboard's Security and Performance Advisor),
-- restated over the catalogs: each check lists its findings and must list none. It runs on
-- every schema that exists except the platform's, and on the schemas PostgREST exposes, so a
-- new table, function or schema is checked without being named here. Then two house rules:
-- anon executes nothing it was not explicitly given, and every public table has a policy or is
-- declared service-only.
begin;
select plan(11);
-- pgTAP's schema only, so that every name in a diagnostic prints schema-qualified.
set local search_path = extensions;

-- The schemas PostgREST exposes: pgrst.db_schemas of the authenticator role where PostgREST
-- reads its configuration from the database, else the session's (as the Advisor sets it),
-- else what supabase/config.toml's [api] and a hosted project expose.
create temporary table exposed_schemas on commit drop as
select btrim(s.name) as nspname
from unnest(string_to_array(coalesce(
  (select substr(c.setting, length('pgrst.db_schemas=') + 1)
   from pg_catalog.pg_db_role_setting rs
   cross join unnest(rs.setconfig) as c (setting)
   where rs.setrole = (select r.oid from pg_catalog.pg_roles r where r.rolname = 'authenticator')
     and rs.setdatabase in (0, (select d.oid from pg_catalog.pg_database d where d.datname = current_database()))
     and c.setting like 'pgrst.db\_schemas=%'
   order by rs.setdatabase desc
   limit 1),
  nullif(current_setting('pgrst.db_schemas', true), ''),
  'public, graphql_public'
), ',')) as s (name);

-- Ours: the exposed schemas and every schema the platform, its extensions and these tests did
-- not create (private today; whatever later features add).
create temporary table checked_schemas on commit drop as
select n.oid, n.nspname::text as nspname, n.nspname in (select e.nspname from exposed_schemas e) as exposed
from pg_catalog.pg_namespace n
where n.nspname in (select e.nspname from exposed_schemas e)
  or (n.nspname not like 'pg\_%' and n.nspname not in (
    'information_schema', 'auth', 'extensions', 'cron', 'storage', 'realtime', '_realtime', 'graphql',
    'graphql_public', 'vault', 'net', 'pgsodium', 'pgsodium_masks', 'supabase_functions',
    'supabase_migrations', 'pgbouncer', 'pgtle', 'pgmq', '_analytics', 'tests'));

select ok(
  exists (select 1 from checked_schemas c where c.nspname = 'public' and c.exposed),
  format('the exposed schemas are read (%s) and include public; checked: %s',
    (select string_agg(e.nspname, ', ') from exposed_schemas e),
    (select string_agg(c.nspname, ', ' order by c.nspname) from checked_schemas c))
);

select is_empty($$
  select c.oid::regclass::text
  from pg_catalog.pg_class c
  join checked_schemas s on s.oid = c.relnamespace
  where c.relkind in ('r', 'p')
    and not c.relrowsecurity
    and (s.exposed
      or pg_catalog.has_any_column_privilege('anon', c.oid, 'select')
      or pg_catalog.has_any_column_privilege('authenticated', c.oid, 'select'))
$$, 'rls_disabled_in_public: every table in an exposed schema, and every table anon or authenticated can read, has row level security enabled');

select is_empty($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  join checked_schemas s on s.oid = p.pronamespace
  where not exists (
      select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e'
    )
    and not coalesce(p.proconfig, '{}') @> array['search_path=""']
$$, 'function_search_path_mutable: every function of ours pins search_path to empty');

-- Lints 0028 and 0029: in an exposed schema a definer is one /rest/v1/rpc call away. The
-- accepted pattern is its body in private behind a security invoker entry point. anon, which
-- holds nothing, may execute a definer in no schema at all.
select is_empty($$
  select format('%s by %s', p.oid::regprocedure, r.role)
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  cross join (values ('anon'), ('authenticated')) as r (role)
  where p.prosecdef
    and pg_catalog.has_function_privilege(r.role, p.oid, 'execute')
    and (n.nspname in (select e.nspname from exposed_schemas e)
      or (r.role = 'anon'
        and n.nspname not in ('pg_catalog', 'information_schema', 'auth', 'extensions', 'cron', 'tests')))
$$, 'anon/authenticated_security_definer_function_executable: neither anon nor authenticated can execute a security definer function in an exposed schema, nor anon in any schema');

select is_empty($$
  select c.oid::regclass::text
  from pg_catalog.pg_class c
  join checked_schemas s on s.oid = c.relnamespace
  where c.relkind = 'v'
    and not coalesce(c.reloptions, '{}') && array[
      'security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'
    ]
    and (s.exposed
      or pg_catalog.has_any_column_privilege('anon', c.oid, 'select')
      or pg_catalog.has_any_column_privilege('authenticated', c.oid, 'select'))
$$, 'security_definer_view: every view in an exposed schema, and every view anon or authenticated can read, runs with the querying role''s rights (security_invoker)');

select is_empty($$
  select e.extname::text
  from pg_catalog.pg_extension e
  where e.extnamespace = 'public'::regnamespace
$$, 'extension_in_public: no extension is installed in schema public');

-- Deparsed policies read `( SELECT auth.uid() AS uid)`: strip every wrapped call, then any
-- auth.<fn>() or current_setting() left over is evaluated once per row.
select is_empty($$
  select format('%s.%s', p.schemaname, p.policyname)
  from pg_catalog.pg_policies p
  cross join lateral (values (p.qual), (p.with_check)) as e (expr)
  where p.schemaname in (select s.nspname from checked_schemas s)
    and regexp_replace(
      lower(e.expr),
      '\(\s*select\s+(auth\.(uid|jwt|role|email)\(\)|current_setting\([^()]*\))(\s+as\s+\w+)?\s*\)',
      '', 'g'
    ) ~ '(auth\.(uid|jwt|role|email)|current_setting)\s*\('
$$, 'auth_rls_initplan: policies call auth.uid()/jwt()/role()/email() and current_setting() only wrapped in (select ...)');

select is_empty($$
  select format('%s.%s', fk.conrelid::regclass, fk.conname)
  from pg_catalog.pg_constraint fk
  join pg_catalog.pg_class c on c.oid = fk.conrelid
  join checked_schemas s on s.oid = c.relnamespace
  where fk.contype = 'f'
    and not exists (
      select 1
      from pg_catalog.pg_index i
      where i.indrelid = fk.conrelid
        and i.indisvalid
        and (
          select array_agg(k order by k)
          from unnest((i.indkey::int2[])[0:cardinality(fk.conkey) - 1]) as k
        ) = (select array_agg(k order by k) from unnest(fk.conkey) as k)
    )
$$, 'unindexed_foreign_keys: every foreign key of ours leads an index');

select is_empty($$
  select format('%s for %s on %s', r.rolname, cmd.name, c.oid::regclass)
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on c.oid = p.polrelid
  join checked_schemas s on s.oid = c.relnamespace
  join pg_catalog.pg_roles r on r.oid = any (p.polroles) or p.polroles = '{0}'
  cross join lateral unnest(case p.polcmd
    when 'r' then array['select'] when 'a' then array['insert']
    when 'w' then array['update'] when 'd' then array['delete']
    else array['select', 'insert', 'update', 'delete'] end) as cmd (name)
  where p.polpermissive
    and r.rolname not like 'pg\_%'
    and not r.rolbypassrls
  group by r.rolname, cmd.name, c.oid
  having count(*) > 1
$$, 'multiple_permissive_policies: no table has two permissive policies for one role and command');

-- Allow-list of functions anon may execute, each with the reason; empty so far.
select is_empty($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
    and pg_catalog.has_function_privilege('anon', p.oid, 'execute')
    and p.oid::regprocedure::text <> all (array[]::text[])
$$, 'anon can execute no function in public or private beyond the allow-list');

-- Service-only tables (written and read by service_role alone), each with the reason; none so far.
select is_empty($$
  select c.oid::regclass::text
  from pg_catalog.pg_class c
  where c.relnamespace = 'public'::regnamespace
    and c.relkind in ('r', 'p')
    and not exists (select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid)
    and c.oid::regclass::text <> all (array[]::text[])
$$, 'every table in public has at least one policy or is declared service-only');

select * from finish();
rollback;
