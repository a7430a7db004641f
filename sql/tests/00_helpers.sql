-- pgTAP helpers, installed once before the suites (idempotent). Fixtures and actors live in
-- schema `tests`, never in seed.sql. Every suite runs in a transaction it rolls back.

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- pgTAP is created after the migrations, whose default privileges leave new functions without
-- PUBLIC's EXECUTE; give it back so assertions still run after switching to an API role.
do $$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select d.objid::regprocedure
    from pg_catalog.pg_depend d
    join pg_catalog.pg_extension e on e.oid = d.refobjid
    where e.extname = 'pgtap' and d.classid = 'pg_catalog.pg_proc'::regclass and d.deptype = 'e'
  loop
    execute format('grant execute on function %s to public', v_fn);
  end loop;
end
$$;

/** A confirmed auth user with this e-mail; returns its id. */
create or replace function tests.create_user(p_email text)
returns uuid
language sql
-- definer: fixtures are created as the owner whatever actor the test currently plays
security definer
set search_path = ''
as $$
  insert into auth.users (id, aud, role, email, email_confirmed_at)
  values (gen_random_uuid(), 'authenticated', 'authenticated', p_email, now())
  returning id
$$;

/** A company with p_owner as owner and a default RAG config; returns its uuid. */
create or replace function tests.create_company(p_slug text, p_owner uuid)
returns uuid
language plpgsql
-- definer: fixtures are created as the owner whatever actor the test currently plays
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into public.companies (slug, name)
  values (p_slug, initcap(replace(p_slug, '-', ' ')))
  returning id into v_id;
  insert into public.company_members (company_id, user_id, role) values (v_id, p_owner, 'owner');
  insert into public.company_rag_configs (company_id, company_name, user_id)
  values (p_slug, initcap(replace(p_slug, '-', ' ')), p_owner);
  return v_id;
end;
$$;

/** Adds p_user to p_company with p_role (owner, admin or member). */
create or replace function tests.add_member(p_company uuid, p_user uuid, p_role text default 'member')
returns void
language sql
-- definer: fixtures are created as the owner whatever actor the test currently plays
security definer
set search_path = ''
as $$
  insert into public.company_members (company_id, user_id, role) values (p_company, p_user, p_role)
$$;

-- The actor helpers switch role for the rest of the transaction, so they must not carry a
-- `set search_path` clause: leaving such a function restores every setting it changed.

/** Plays p_user as PostgREST would: role authenticated and that user's JWT claims. */
create or replace function tests.act_as(p_user uuid)
returns void
language plpgsql
as $$
declare
  v_email text;
begin
  reset role;
  select u.email into v_email from auth.users u where u.id = p_user;
  perform set_config('request.jwt.claims', json_build_object(
    'sub', p_user, 'role', 'authenticated', 'aud', 'authenticated', 'email', v_email)::text, true);
  set local role authenticated;
end;
$$;

/** Plays a visitor holding only the anon key. */
create or replace function tests.act_as_anon()
returns void
language plpgsql
as $$
begin
  reset role;
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
  set local role anon;
end;
$$;

/** Plays a server-side caller holding the service_role key (bypasses RLS). */
create or replace function tests.act_as_service_role()
returns void
language plpgsql
as $$
begin
  reset role;
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
  set local role service_role;
end;
$$;

/** Back to the session's own role (postgres) with no JWT claims. */
create or replace function tests.reset_role()
returns void
language plpgsql
as $$
begin
  reset role;
  perform set_config('request.jwt.claims', '', true);
end;
$$;

/** Runs p_sql as the current actor and returns how many rows it touched (RLS filters silently). */
create or replace function tests.affected_rows(p_sql text)
returns integer
language plpgsql
as $$
declare
  v_count integer;
begin
  execute p_sql;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
