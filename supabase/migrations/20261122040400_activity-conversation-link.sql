-- Activity feed ↔ conversations: an activity's conversation_id now points at a real
-- conversation (conversations arrived after the activity log); deleting a conversation keeps
-- its activities and clears the link.
alter table public.activities
  add constraint activities_conversation_id_fkey
  foreign key (conversation_id) references public.conversations (id) on delete set null;
create index activities_conversation_id_idx on public.activities (conversation_id);

/**
 * log_activity, now that conversations exist: an activity's conversation must be one of the
 * company's. Another company's conversation and one that does not exist get the same 22023, so
 * that the error tells nobody whether a conversation id exists.
 */
create or replace function public.log_activity(
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
