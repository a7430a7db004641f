-- Tenancy: companies, their members and roles, each company's RAG / model / rate-limit
-- configuration, the uuid <-> text id bridge the frontend reads, and the helpers every
-- later policy and RPC uses to resolve a company and check membership.

/** Keeps updated_at current on every update; attached to each table that has the column. */
create function private.touch_updated_at()
returns trigger
language plpgsql
volatile
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

/** A tenant. `slug` is the text company id the older backend and the frontends use. */
create table public.companies (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique
    constraint companies_slug_format check (
      slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
      and length(slug) <= 63
      -- a slug shaped like a uuid would make "uuid or slug" references ambiguous
      and slug !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    ),
  name text not null constraint companies_name_not_blank check (btrim(name) <> ''),
  sector text,
  is_auto_entrepreneur boolean not null default false,
  vat_exempt boolean not null default false,
  modules_enabled text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

/** Who belongs to which company, and with which role (member < admin < owner). */
create table public.company_members (
  company_id uuid not null references public.companies (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member'
    constraint company_members_role_valid check (role in ('owner', 'admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (company_id, user_id)
);
create index company_members_user_id_idx on public.company_members (user_id);

/**
 * One row per company, keyed by the text company id (the slug, followed on rename).
 * A null chat_model / router_model means the edge functions' configured default.
 */
create table public.company_rag_configs (
  company_id text primary key references public.companies (slug) on update cascade on delete cascade,
  company_name text,
  ai_name text,
  user_id uuid references auth.users (id) on delete set null,
  prompt_botlive_groq_70b text,
  prompt_botlive_deepseek_v3 text,
  embedding_model text not null default 'text-embedding-3-small',
  rerank_model text not null default 'rerank-multilingual-v3.0',
  chat_model text,
  router_model text,
  match_count integer not null default 8
    constraint company_rag_configs_match_count_range check (match_count between 1 and 100),
  match_threshold real not null default 0.2
    constraint company_rag_configs_match_threshold_range check (match_threshold between 0 and 1),
  rate_limit_messages integer not null default 10
    constraint company_rag_configs_rate_limit_messages_positive check (rate_limit_messages > 0),
  rate_limit_window_seconds integer not null default 60
    constraint company_rag_configs_rate_limit_window_positive check (rate_limit_window_seconds > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index company_rag_configs_user_id_idx on public.company_rag_configs (user_id);

create trigger companies_touch_updated_at
  before update on public.companies
  for each row execute function private.touch_updated_at();
create trigger company_rag_configs_touch_updated_at
  before update on public.company_rag_configs
  for each row execute function private.touch_updated_at();

/**
 * Whether the signed-in caller belongs to p_company with at least p_min_role.
 * Answers only about the caller (auth.uid()), so it is safe to expose to policies.
 */
create function private.is_member(p_company uuid, p_min_role text default 'member')
returns boolean
language plpgsql
stable
-- definer: it reads company_members, whose own policy calls it (invoker would recurse)
security definer
set search_path = ''
as $$
declare
  v_ranks constant text[] := array['member', 'admin', 'owner'];
begin
  if p_min_role is null or not p_min_role = any (v_ranks) then
    raise exception 'is_member: unknown role %', p_min_role using errcode = '22023';
  end if;
  return exists (
    select 1
    from public.company_members m
    where m.company_id = p_company
      and m.user_id = (select auth.uid())
      and pg_catalog.array_position(v_ranks, m.role) >= pg_catalog.array_position(v_ranks, p_min_role)
  );
end;
$$;
grant execute on function private.is_member(uuid, text) to authenticated, service_role;

/**
 * Turns a company reference, its uuid (as text) or its slug, into its uuid.
 * Raises 22023 for empty input and P0002 'unknown company: <ref>' when nothing matches.
 */
create function private.resolve_company(p_company text)
returns uuid
language plpgsql
stable
-- definer: triggers and service RPCs resolve companies the caller's RLS may hide
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_company is null or btrim(p_company) = '' then
    raise exception 'company must not be empty' using errcode = '22023';
  end if;
  if p_company ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select c.id into v_id from public.companies c where c.id = p_company::uuid;
  else
    select c.id into v_id from public.companies c where c.slug = p_company;
  end if;
  if v_id is null then
    raise exception 'unknown company: %', p_company using errcode = 'P0002';
  end if;
  return v_id;
end;
$$;

/**
 * The uuid <-> text company id bridge, one row per membership; the frontend reads
 * `select uuid, company_id from company_mapping where user_id = ...`.
 * security_invoker: the policies of companies and company_members decide what it shows.
 */
create view public.company_mapping
with (security_invoker = true)
as
select
  c.id as uuid,
  c.slug as company_id,
  m.user_id,
  m.role
from public.companies c
join public.company_members m on m.company_id = c.id;
revoke all on public.company_mapping from anon, authenticated, service_role;
grant select on public.company_mapping to authenticated;

alter table public.companies enable row level security;
alter table public.company_members enable row level security;
alter table public.company_rag_configs enable row level security;

-- Grants (nothing is granted by default; RLS then decides which rows). Members read through
-- the API; ids, keys and timestamps are never rewritten through it; anon gets nothing.
-- service_role (the edge functions) reads companies, memberships and settings.
revoke all on public.companies, public.company_members, public.company_rag_configs
  from anon, authenticated, service_role;
grant select, delete on public.companies to authenticated;
grant update (slug, name, sector, is_auto_entrepreneur, vat_exempt, modules_enabled)
  on public.companies to authenticated;
grant select, delete on public.company_members to authenticated;
grant insert (company_id, user_id, role), update (role) on public.company_members to authenticated;
grant select on public.company_rag_configs to authenticated;
grant update (
  company_name, ai_name, prompt_botlive_groq_70b, prompt_botlive_deepseek_v3,
  embedding_model, rerank_model, chat_model, router_model, match_count, match_threshold,
  rate_limit_messages, rate_limit_window_seconds
) on public.company_rag_configs to authenticated;
grant select on public.companies, public.company_members, public.company_rag_configs to service_role;

create policy companies_select_member on public.companies
  for select to authenticated
  using ((select private.is_member(id)));
create policy companies_update_admin on public.companies
  for update to authenticated
  using ((select private.is_member(id, 'admin')))
  with check ((select private.is_member(id, 'admin')));
create policy companies_delete_owner on public.companies
  for delete to authenticated
  using ((select private.is_member(id, 'owner')));

create policy company_members_select_member on public.company_members
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.is_member(company_id)));
create policy company_members_insert_owner on public.company_members
  for insert to authenticated
  with check ((select private.is_member(company_id, 'owner')));
create policy company_members_update_owner on public.company_members
  for update to authenticated
  using ((select private.is_member(company_id, 'owner')))
  with check ((select private.is_member(company_id, 'owner')));
create policy company_members_delete_owner on public.company_members
  for delete to authenticated
  using ((select private.is_member(company_id, 'owner')));

create policy company_rag_configs_select_member on public.company_rag_configs
  for select to authenticated
  using (exists (
    select 1 from public.companies c
    where c.slug = company_rag_configs.company_id and (select private.is_member(c.id))
  ));
create policy company_rag_configs_update_admin on public.company_rag_configs
  for update to authenticated
  using (exists (
    select 1 from public.companies c
    where c.slug = company_rag_configs.company_id and (select private.is_member(c.id, 'admin'))
  ))
  with check (exists (
    select 1 from public.companies c
    where c.slug = company_rag_configs.company_id and (select private.is_member(c.id, 'admin'))
  ));

/**
 * Creates a company with the signed-in caller as its owner and a default RAG config;
 * returns the new company's uuid. A taken slug raises 23505.
 */
create function public.create_company(
  p_slug text,
  p_name text,
  p_sector text default null,
  p_ai_name text default null
)
returns uuid
language plpgsql
volatile
-- definer: no policy lets anyone insert companies; this is the one path that does
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_id uuid;
begin
  if v_user is null then
    raise exception 'create_company: sign in first' using errcode = '42501';
  end if;
  insert into public.companies (slug, name, sector)
  values (p_slug, p_name, p_sector)
  returning id into v_id;
  insert into public.company_members (company_id, user_id, role)
  values (v_id, v_user, 'owner');
  insert into public.company_rag_configs (company_id, company_name, ai_name, user_id)
  values (p_slug, p_name, p_ai_name, v_user);
  return v_id;
end;
$$;
grant execute on function public.create_company(text, text, text, text) to authenticated;
