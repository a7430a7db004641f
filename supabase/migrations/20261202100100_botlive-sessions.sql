-- Botlive's sessions: a shop's live (the bot takes orders) or rag (it answers from the
-- knowledge base) period. At most one open session per company, enforced by a unique index;
-- toggle_live_mode opens and closes it for an admin or owner; every start and end writes an
-- activity. Without an open session the bot answers in rag mode.

create table public.bot_sessions (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  mode text not null default 'live' constraint bot_sessions_mode_valid check (mode in ('live', 'rag')),
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  created_at timestamptz not null default now(),
  constraint bot_sessions_ended_after_start check (ended_at is null or ended_at >= started_at)
);
create unique index bot_sessions_one_open_per_company_idx on public.bot_sessions (company_id) where ended_at is null;
create index bot_sessions_company_id_started_at_idx on public.bot_sessions (company_id, started_at desc);

alter table public.bot_sessions enable row level security;

-- Members read; sessions are opened and closed through toggle_live_mode (which checks the
-- admin role), service_role reads the open one.
revoke all on public.bot_sessions from anon, authenticated, service_role;
grant select on public.bot_sessions to authenticated, service_role;

create policy bot_sessions_select_member on public.bot_sessions
  for select to authenticated
  using ((select private.is_member(company_id)));

/** Each session's start and end in the company's feed. */
create function private.bot_sessions_log()
returns trigger
language plpgsql
-- definer: log_activity is called on behalf of toggle_live_mode's caller
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform public.log_activity(
      new.company_id::text, 'session.started',
      case new.mode when 'live' then 'Live démarré' else 'Mode questions-réponses activé' end,
      case new.mode when 'live' then 'Le bot prend les commandes.' else 'Le bot répond à partir de la base de connaissances.' end,
      'success', pg_catalog.jsonb_build_object('session_id', new.id, 'mode', new.mode)
    );
  elsif old.ended_at is null and new.ended_at is not null then
    perform public.log_activity(
      new.company_id::text, 'session.ended',
      case new.mode when 'live' then 'Live terminé' else 'Mode questions-réponses terminé' end,
      pg_catalog.format('Durée : %s min.', greatest(1, round(extract(epoch from new.ended_at - new.started_at) / 60)::integer)),
      'info', pg_catalog.jsonb_build_object('session_id', new.id, 'mode', new.mode)
    );
  end if;
  return null;
end;
$$;

create trigger bot_sessions_log
  after insert or update of ended_at on public.bot_sessions
  for each row execute function private.bot_sessions_log();

/**
 * Opens (p_enable) or closes the company's live session and returns it. The caller must be an
 * admin or owner of the company (42501). Enabling while a session is open returns that session
 * (race-safe); disabling with none open returns status 'disabled' and a null session.
 */
create function public.toggle_live_mode(p_company text, p_enable boolean)
returns table (status text, session_id uuid, started_at timestamptz, ended_at timestamptz)
language plpgsql
volatile
-- definer: the API roles may not write sessions; the admin check below is the rule
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_company uuid;
begin
  if p_enable is null then
    raise exception 'toggle_live_mode: enable must be true or false' using errcode = '22023';
  end if;
  begin
    v_company := private.resolve_company(p_company);
  exception when sqlstate 'P0002' then
    v_company := null;
  end;
  -- An unknown company looks the same as a foreign one to a signed-in caller.
  if (select auth.role()) is distinct from 'service_role'
    and (v_company is null or not private.is_member(v_company, 'admin')) then
    raise exception 'toggle_live_mode: requires an admin of company %', p_company using errcode = '42501';
  end if;
  if v_company is null then
    raise exception 'unknown company: %', p_company using errcode = 'P0002';
  end if;
  if p_enable then
    insert into public.bot_sessions as s (company_id, mode)
    values (v_company, 'live')
    on conflict (company_id) where ended_at is null do nothing
    returning 'enabled', s.id, s.started_at, s.ended_at into status, session_id, started_at, ended_at;
    if session_id is null then
      select 'enabled', s.id, s.started_at, s.ended_at into status, session_id, started_at, ended_at
      from public.bot_sessions s where s.company_id = v_company and s.ended_at is null;
    end if;
  else
    update public.bot_sessions s set ended_at = greatest(now(), s.started_at)
    where s.company_id = v_company and s.ended_at is null
    returning 'disabled', s.id, s.started_at, s.ended_at into status, session_id, started_at, ended_at;
    if session_id is null then
      status := 'disabled';
    end if;
  end if;
  return next;
end;
$$;
grant execute on function public.toggle_live_mode(text, boolean) to authenticated, service_role;
