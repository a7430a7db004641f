-- Escalations: a conversation handed to a human (the visitor asked, the router stayed
-- unsure, or every provider failed). An open escalation pauses the bot for that conversation
-- until a member resolves it; opening and resolving each write to the activity feed.

/**
 * A request for a human on one conversation, open until a member resolves it. At most one
 * is open per conversation. company_id is copied from the conversation by a trigger.
 */
create table public.escalations (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  reason text not null
    constraint escalations_reason_valid check (reason in ('visitor_request', 'low_confidence', 'provider_failure', 'other')),
  details text,
  status text not null default 'open'
    constraint escalations_status_valid check (status in ('open', 'resolved')),
  resolved_by uuid references auth.users (id) on delete set null,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  constraint escalations_resolution_consistent check ((status = 'resolved') = (resolved_at is not null))
);
create index escalations_company_id_status_created_at_idx
  on public.escalations (company_id, status, created_at desc);
create index escalations_conversation_id_created_at_idx
  on public.escalations (conversation_id, created_at desc);
create unique index escalations_one_open_per_conversation_idx
  on public.escalations (conversation_id) where status = 'open';
create index escalations_resolved_by_idx on public.escalations (resolved_by);

create trigger escalations_set_company
  before insert or update of conversation_id, company_id on public.escalations
  for each row execute function private.set_company_from_conversation();

/** Stamps who resolved an escalation and when; resolution is final. */
create function private.escalations_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status = 'resolved' and new.status <> 'resolved' then
    raise exception 'escalation % is already resolved', old.id using errcode = '22023';
  end if;
  if old.status = 'open' and new.status = 'resolved' then
    new.resolved_at := pg_catalog.now();
    new.resolved_by := (select auth.uid());
  end if;
  return new;
end;
$$;

create trigger escalations_before_update
  before update on public.escalations
  for each row execute function private.escalations_before_update();

/**
 * Opening an escalation pauses its conversation (status 'escalated') and logs a warning;
 * resolving it sets the conversation back to 'active' (unless archived or deleted since)
 * and logs a success.
 */
create function private.escalations_sync_conversation()
returns trigger
language plpgsql
-- definer: a member resolving an escalation may not update widget conversations itself
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.status = 'open' then
    update public.conversations c set status = 'escalated' where c.id = new.conversation_id;
    perform public.log_activity(
      new.company_id::text, 'escalation', 'Conversation transmise à un humain',
      concat_ws(' — ', case new.reason
        when 'visitor_request' then 'Le visiteur demande à parler à un humain'
        when 'low_confidence' then 'Le bot ne sait pas à quelle experte confier la demande'
        when 'provider_failure' then 'Aucun modèle de langage n''a pu répondre'
        else 'Autre motif'
      end, new.details), 'warning',
      pg_catalog.jsonb_build_object('escalation_id', new.id, 'reason', new.reason),
      new.conversation_id
    );
  elsif tg_op = 'UPDATE' and old.status = 'open' and new.status = 'resolved' then
    update public.conversations c set status = 'active'
    where c.id = new.conversation_id and c.status = 'escalated';
    perform public.log_activity(
      new.company_id::text, 'escalation', 'Escalade résolue', new.details, 'success',
      pg_catalog.jsonb_build_object('escalation_id', new.id, 'reason', new.reason, 'resolved_by', new.resolved_by),
      new.conversation_id
    );
  end if;
  return null;
end;
$$;

create trigger escalations_sync_conversation
  after insert or update of status on public.escalations
  for each row execute function private.escalations_sync_conversation();

alter table public.escalations enable row level security;

-- Members only resolve (status); opening is service_role's, through open_escalation.
revoke all on public.escalations from anon, authenticated, service_role;
grant select, update (status) on public.escalations to authenticated;
grant select, insert, update (status) on public.escalations to service_role;

create policy escalations_select_member on public.escalations
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy escalations_update_member on public.escalations
  for update to authenticated
  using ((select private.is_member(company_id)))
  with check (status = 'resolved' and (select private.is_member(company_id)));

/**
 * Opens an escalation on a conversation of p_company and returns its id; if one is already
 * open, returns that one (race-safe). Unknown reason raises 22023; a conversation that is
 * not p_company's raises P0002.
 */
create function public.open_escalation(
  p_company text,
  p_conversation uuid,
  p_reason text,
  p_details text default null
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_id uuid;
begin
  if p_reason is null or p_reason not in ('visitor_request', 'low_confidence', 'provider_failure', 'other') then
    raise exception 'open_escalation: unknown reason %', p_reason using errcode = '22023';
  end if;
  if not exists (
    select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company
  ) then
    raise exception 'open_escalation: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;

  insert into public.escalations (company_id, conversation_id, reason, details)
  values (v_company, p_conversation, p_reason, p_details)
  on conflict (conversation_id) where status = 'open' do nothing
  returning id into v_id;

  if v_id is null then
    select e.id into v_id
    from public.escalations e
    where e.conversation_id = p_conversation and e.status = 'open';
  end if;
  return v_id;
end;
$$;
grant execute on function public.open_escalation(text, uuid, text, text) to service_role;

/**
 * Resolves an escalation of the caller's company; true when this call resolved it, false
 * when it was already resolved. An escalation the caller cannot see raises P0002.
 */
create function public.resolve_escalation(p_escalation uuid)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_status text;
begin
  select e.status into v_status from public.escalations e where e.id = p_escalation for update;
  if v_status is null then
    raise exception 'resolve_escalation: unknown escalation %', p_escalation using errcode = 'P0002';
  end if;
  if v_status = 'resolved' then
    return false;
  end if;
  update public.escalations e set status = 'resolved' where e.id = p_escalation;
  return true;
end;
$$;
grant execute on function public.resolve_escalation(uuid) to authenticated, service_role;

/** Whether the bot is paused on this conversation (an escalation is open). */
create function public.conversation_is_paused(p_conversation uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select 1 from public.escalations e where e.conversation_id = p_conversation and e.status = 'open'
  )
$$;
grant execute on function public.conversation_is_paused(uuid) to service_role;
