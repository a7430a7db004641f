-- Activity log: the per-company feed the dashboard reads in real time. Rows are written
-- only through log_activity(), which later features' triggers call (orders, payments,
-- live sessions, escalations).

/**
 * One event in a company's feed. conversation_id gets its foreign key when conversations
 * exist. Members read; nobody writes directly except service_role (which bypasses RLS).
 */
create table public.activities (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  conversation_id uuid,
  type text not null constraint activities_type_not_blank check (btrim(type) <> ''),
  title text not null constraint activities_title_not_blank check (btrim(title) <> ''),
  description text,
  status text not null default 'info'
    constraint activities_status_valid check (status in ('info', 'success', 'warning', 'error')),
  metadata jsonb not null default '{}'
    constraint activities_metadata_object check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now()
);
create index activities_company_id_created_at_idx on public.activities (company_id, created_at desc);

alter table public.activities enable row level security;
-- Members read their feed; rows are written by log_activity (definer) only. The server reads
-- a company's feed for the dashboard.
revoke all on public.activities from anon, authenticated, service_role;
grant select on public.activities to authenticated, service_role;

create policy activities_select_member on public.activities
  for select to authenticated
  using ((select private.is_member(company_id)));

alter publication supabase_realtime add table public.activities;

/**
 * Appends an event to a company's feed and returns its id. p_company is the uuid (as
 * text) or the slug. A caller acting as authenticated (or anon) must be a member of
 * the company (42501); service_role and server-side sessions may log for any company.
 * Empty type/title or an unknown status raise 22023; unknown company raises P0002. An
 * activity's conversation must be one of the company's: another company's and one that does
 * not exist get the same 22023, which tells nobody whether the id exists.
 */
create function public.log_activity(
  p_company text,
  p_type text,
  p_title text,
  p_description text default null,
  p_status text default 'info',
  p_metadata jsonb default '{}',
  p_conversation_id uuid default null
)
returns uuid
language plpgsql
volatile
-- definer: triggers of later features call it on behalf of any writer, and nobody may insert directly
security definer
set search_path = ''
as $$
declare
  v_company uuid;
  v_api_caller boolean;
  v_status text := coalesce(p_status, 'info');
  v_id uuid;
begin
  if p_type is null or btrim(p_type) = '' then
    raise exception 'log_activity: type must not be empty' using errcode = '22023';
  end if;
  if p_title is null or btrim(p_title) = '' then
    raise exception 'log_activity: title must not be empty' using errcode = '22023';
  end if;
  if v_status not in ('info', 'success', 'warning', 'error') then
    raise exception 'log_activity: unknown status %', v_status using errcode = '22023';
  end if;
  if p_metadata is not null and jsonb_typeof(p_metadata) <> 'object' then
    raise exception 'log_activity: metadata must be a json object' using errcode = '22023';
  end if;

  -- Under a definer, current_user is the owner; the role the caller set (PostgREST's
  -- `set local role`) and the JWT role still say who is asking.
  v_api_caller := current_setting('role', true) in ('authenticated', 'anon')
    or (select auth.role()) in ('authenticated', 'anon');
  begin
    v_company := private.resolve_company(p_company);
  exception when no_data_found then
    -- An API caller learns nothing of companies it does not belong to, not even that they exist.
    if v_api_caller then
      raise exception 'log_activity: not a member of company %', p_company using errcode = '42501';
    end if;
    raise;
  end;
  if v_api_caller and not private.is_member(v_company) then
    raise exception 'log_activity: not a member of company %', p_company using errcode = '42501';
  end if;
  -- public.conversations arrives in a later migration; plpgsql resolves it when this runs.
  if p_conversation_id is not null and not exists (
    select 1 from public.conversations c where c.id = p_conversation_id and c.company_id = v_company
  ) then
    raise exception 'log_activity: no conversation % in this company', p_conversation_id using errcode = '22023';
  end if;

  insert into public.activities (company_id, conversation_id, type, title, description, status, metadata)
  values (v_company, p_conversation_id, p_type, p_title, p_description, v_status, coalesce(p_metadata, '{}'))
  returning id into v_id;
  return v_id;
end;
$$;
grant execute on function public.log_activity(text, text, text, text, text, jsonb, uuid)
  to authenticated, service_role;
