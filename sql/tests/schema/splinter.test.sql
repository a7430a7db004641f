-- Supabase's database linter (splinter), restated over the catalogs for our schemas: each
-- check lists its findings and must list none. Then two house rules: anon executes nothing
-- it was not explicitly given, and every public table has a policy or is declared service-only.
begin;
select plan(10);

select is_empty($$
  select c.oid::regclass::text
  from pg_catalog.pg_class c
  where c.relnamespace = 'public'::regnamespace
    and c.relkind in ('r', 'p')
    and not c.relrowsecurity
$$, 'rls_disabled_in_public: every table in public has row level security enabled');

select is_empty($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
    and not exists (
      select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e'
    )
    and not coalesce(p.proconfig, '{}') @> array['search_path=""']
$$, 'function_search_path_mutable: every function in public and private pins search_path to empty');

select is_empty($$
  select p.oid::regprocedure::text
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where p.prosecdef
    and pg_catalog.has_function_privilege('anon', p.oid, 'execute')
    and n.nspname not in ('pg_catalog', 'information_schema', 'auth', 'extensions', 'cron', 'tests')
$$, 'anon_security_definer_function_executable: anon can execute no security definer function');

select is_empty($$
  select c.oid::regclass::text
  from pg_catalog.pg_class c
  where c.relnamespace = 'public'::regnamespace
    and c.relkind = 'v'
    and not coalesce(c.reloptions, '{}') && array[
      'security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'
    ]
$$, 'security_definer_view: every view in public runs with the querying role''s rights (security_invoker)');

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
  where p.schemaname in ('public', 'private')
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
  where fk.contype = 'f'
    and c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
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
$$, 'unindexed_foreign_keys: every foreign key in public and private leads an index');

select is_empty($$
  select format('%s for %s on %s', r.rolname, cmd.name, c.oid::regclass)
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on c.oid = p.polrelid
  join pg_catalog.pg_roles r on r.oid = any (p.polroles) or p.polroles = '{0}'
  cross join lateral unnest(case p.polcmd
    when 'r' then array['select'] when 'a' then array['insert']
    when 'w' then array['update'] when 'd' then array['delete']
    else array['select', 'insert', 'update', 'delete'] end) as cmd (name)
  where p.polpermissive
    and c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
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
