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

/**
 * The two-tenant world most suites start from: company tenant-a with an owner, an admin and a
 * member, company tenant-b with an owner and a member (e-mails <role>@tenant-<x>.test).
 * `select * from tests.two_companies() \gset` sets :company_a, :owner_a, ... for the suite.
 */
create or replace function tests.two_companies()
returns table (company_a uuid, company_b uuid, owner_a uuid, admin_a uuid, member_a uuid, owner_b uuid, member_b uuid)
language plpgsql
-- definer: fixtures are created as the owner whatever actor the test currently plays
security definer
set search_path = ''
as $$
begin
  owner_a := tests.create_user('owner@tenant-a.test');
  admin_a := tests.create_user('admin@tenant-a.test');
  member_a := tests.create_user('member@tenant-a.test');
  owner_b := tests.create_user('owner@tenant-b.test');
  member_b := tests.create_user('member@tenant-b.test');
  company_a := tests.create_company('tenant-a', owner_a);
  company_b := tests.create_company('tenant-b', owner_b);
  perform tests.add_member(company_a, admin_a, 'admin');
  perform tests.add_member(company_a, member_a, 'member');
  perform tests.add_member(company_b, member_b, 'member');
  return next;
end;
$$;

/** The chat functions' defaults, as env.ts sets them, for chat_begin_turn & co. */
create or replace function tests.chat_defaults()
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"rate_limit_messages": 10, "rate_limit_window_seconds": 60, "visitor_turns_per_minute": 20,
    "address_turns_per_minute": 60, "company_turns_per_minute": 600, "company_tokens_per_day": 2000000,
    "match_count": 5, "match_threshold": 0.2}'::jsonb
$$;

/**
 * A visitor's turn through public.chat_begin_turn with the test defaults (the suite's actor
 * must be service_role); returns its jsonb outcome.
 */
create or replace function tests.begin_turn(
  p_company text,
  p_conversation text,
  p_visitor text,
  p_message text,
  p_key text,
  p_address text default null,
  p_now timestamptz default now(),
  p_client_key boolean default true
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
  select public.chat_begin_turn(p_company, p_conversation, p_visitor, p_message, p_key, p_client_key,
    p_address => p_address, p_defaults => tests.chat_defaults(), p_now => p_now)
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

/**
 * Botlive: a conversation of p_company whose draft has the product, zone and phone (through the
 * bot's own functions); returns the conversation's uuid.
 */
create or replace function tests.botlive_draft(p_company text, p_conversation text, p_product uuid, p_zone uuid,
  p_quantity integer default 1)
returns uuid
language plpgsql
as $$
declare
  v_conversation uuid;
begin
  v_conversation := (public.botlive_begin_turn(p_company, p_conversation, p_conversation || '-m1',
    jsonb_build_object('id', p_conversation, 'name', 'Cliente ' || p_conversation), 'je commande', '[]') ->> 'conversation_id')::uuid;
  perform public.botlive_save_draft(p_company, v_conversation, jsonb_build_object(
    'customer_name', 'Cliente ' || p_conversation, 'product_id', p_product, 'variant', '{}'::jsonb, 'quantity', p_quantity,
    'delivery_zone_id', p_zone, 'phone', '+221771234567'));
  return v_conversation;
end;
$$;

/** Botlive: tests.botlive_draft, paid in full (reference p_reference); returns the conversation. */
create or replace function tests.botlive_paid_draft(p_company text, p_conversation text, p_product uuid, p_zone uuid,
  p_reference text)
returns uuid
language plpgsql
as $$
declare
  v_conversation uuid := tests.botlive_draft(p_company, p_conversation, p_product, p_zone);
  v_required integer;
begin
  select p.price + z.fee into v_required from public.products p, public.delivery_zones z
  where p.id = p_product and z.id = p_zone;
  perform public.botlive_record_payment(p_company, v_conversation, v_required, 'wave', p_reference);
  return v_conversation;
end;
$$;

/** Botlive: a paid draft turned into an order; returns botlive_place_order's result. */
create or replace function tests.botlive_paid_order(p_company text, p_conversation text, p_product uuid, p_zone uuid,
  p_reference text)
returns jsonb
language sql
as $$
  select public.botlive_place_order(p_company, tests.botlive_paid_draft(p_company, p_conversation, p_product, p_zone, p_reference), null)
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
