-- Agents: each company's specialist personas (the demo tenant's Audrey and Carole), which
-- the chat orchestrator routes visitor messages to: expertise and keywords for routing, the
-- system prompt, model and style for answering; the keywords also give documents ingested
-- without an agent to the agent they are about. Members read; admins and owners edit.

/**
 * One specialist of a company. slug is what documents.agent_owner and messages.agent name
 * ('shared' is reserved for documents every agent reads). A null model means the configured
 * default chat model.
 */
create table public.agents (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  slug text not null
    constraint agents_slug_format check (
      slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 63 and slug <> 'shared'
    ),
  name text not null constraint agents_name_not_blank check (btrim(name) <> ''),
  expertise text not null default '',
  keywords text[] not null default '{}',
  system_prompt text not null constraint agents_system_prompt_not_blank check (btrim(system_prompt) <> ''),
  model text,
  temperature real not null default 0.4
    constraint agents_temperature_range check (temperature between 0 and 2),
  style_notes text,
  greeting text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint agents_company_id_slug_key unique (company_id, slug)
);

create trigger agents_touch_updated_at
  before update on public.agents
  for each row execute function private.touch_updated_at();

alter table public.agents enable row level security;

-- Column grants: ids, the owning company and timestamps are never rewritten through the API.
-- service_role (the chat) reads a company's agents.
revoke all on public.agents from anon, authenticated, service_role;
grant select on public.agents to authenticated, service_role;
grant insert (
  company_id, slug, name, expertise, keywords, system_prompt, model, temperature, style_notes, greeting, is_active
) on public.agents to authenticated;
grant update (
  slug, name, expertise, keywords, system_prompt, model, temperature, style_notes, greeting, is_active
) on public.agents to authenticated;
grant delete on public.agents to authenticated;

create policy agents_select_member on public.agents
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy agents_insert_admin on public.agents
  for insert to authenticated
  with check ((select private.is_member(company_id, 'admin')));
create policy agents_update_admin on public.agents
  for update to authenticated
  using ((select private.is_member(company_id, 'admin')))
  with check ((select private.is_member(company_id, 'admin')));
create policy agents_delete_admin on public.agents
  for delete to authenticated
  using ((select private.is_member(company_id, 'admin')));

/**
 * Gives each shared chunk of p_company (of the sources p_sources only, when given) to the active
 * agent whose keywords it mentions most (whole words, case-insensitive; a tie goes to the agent
 * created first, then by slug). A chunk mentioning no agent's keyword stays shared. Returns
 * the chunks each agent was given. The company's own rows decide: no keyword list lives here.
 * Service role only (ingest calls it for the documents it wrote without an agent).
 */
create function public.tag_documents_by_agent_keywords(p_company text, p_sources text[] default null)
returns table (agent text, tagged integer)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_slug text := (select c.slug from public.companies c where c.id = v_company);
begin
  return query
  with keywords as (
    select a.slug, a.created_at,
      -- \m \M: word boundaries; the keyword's regex characters escaped.
      '\m' || pg_catalog.regexp_replace(k.keyword, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g') || '\M' as pattern
    from public.agents a, unnest(a.keywords) as k (keyword)
    where a.company_id = v_company and a.is_active and btrim(k.keyword) <> ''
  ),
  best as (
    select distinct on (d.id) d.id, s.slug
    from public.documents d
    join lateral (
      select kw.slug, kw.created_at, count(*) as hits
      from keywords kw
      where d.content ~* kw.pattern
      group by kw.slug, kw.created_at
    ) s on true
    where d.company_id = v_slug and d.agent_owner = 'shared'
      and (p_sources is null or d.source = any (p_sources))
    order by d.id, s.hits desc, s.created_at, s.slug
  ),
  tagged as (
    update public.documents d set agent_owner = b.slug
    from best b
    where d.id = b.id
    returning b.slug
  )
  select t.slug, count(*)::integer from tagged t group by t.slug order by t.slug;
end;
$$;
grant execute on function public.tag_documents_by_agent_keywords(text, text[]) to service_role;
