-- Conversations: one store for every channel (website widget, Botlive customers, the
-- business assistant), their messages with what produced each answer, the two service RPCs
-- the edge functions write through, and the views older frontends read (conversation_memory,
-- chatbot_conversations, chatbot_messages).

/**
 * One conversation. Widget and Botlive conversations are keyed by the client-given
 * external_id per (company, channel) and are written by service_role only; an assistant
 * conversation belongs to its signed-in user_id, and only that user sees and edits it.
 */
create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  channel text not null
    constraint conversations_channel_valid check (channel in ('widget', 'botlive', 'assistant')),
  external_id text
    constraint conversations_external_id_format check (btrim(external_id) <> '' and length(external_id) <= 200),
  visitor_id text
    constraint conversations_visitor_id_length check (length(visitor_id) <= 200),
  user_id uuid references auth.users (id) on delete cascade,
  title text,
  status text not null default 'active'
    constraint conversations_status_valid check (status in ('active', 'archived', 'deleted', 'escalated')),
  current_agent text,
  last_message_at timestamptz,
  metadata jsonb not null default '{}'
    constraint conversations_metadata_object check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint conversations_external_id_required check (channel = 'assistant' or external_id is not null),
  constraint conversations_assistant_has_user check (channel <> 'assistant' or user_id is not null),
  -- nulls are distinct: assistant conversations created without an external id never collide
  constraint conversations_company_channel_external_id_key unique (company_id, channel, external_id)
);
create index conversations_company_id_last_message_at_idx
  on public.conversations (company_id, last_message_at desc nulls last);
create index conversations_user_id_last_message_at_idx
  on public.conversations (user_id, last_message_at desc nulls last);

create trigger conversations_touch_updated_at
  before update on public.conversations
  for each row execute function private.touch_updated_at();

/**
 * One turn of a conversation. company_id is copied from the conversation by a trigger
 * (for RLS and indexes); idempotency_key is unique per conversation when given.
 * created_at uses clock_timestamp() so that messages written in one transaction keep their order.
 */
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  company_id uuid not null references public.companies (id) on delete cascade,
  role text not null constraint messages_role_valid check (role in ('user', 'assistant', 'system')),
  content text not null,
  agent text,
  model_used text,
  tokens_used integer constraint messages_tokens_used_nonnegative check (tokens_used >= 0),
  prompt_tokens integer constraint messages_prompt_tokens_nonnegative check (prompt_tokens >= 0),
  completion_tokens integer constraint messages_completion_tokens_nonnegative check (completion_tokens >= 0),
  latency_ms integer constraint messages_latency_ms_nonnegative check (latency_ms >= 0),
  sources jsonb not null default '[]'
    constraint messages_sources_array check (jsonb_typeof(sources) = 'array'),
  metadata jsonb not null default '{}'
    constraint messages_metadata_object check (jsonb_typeof(metadata) = 'object'),
  context_snapshot jsonb,
  idempotency_key text
    constraint messages_idempotency_key_format check (btrim(idempotency_key) <> '' and length(idempotency_key) <= 200),
  created_at timestamptz not null default clock_timestamp()
);
create index messages_conversation_id_created_at_idx on public.messages (conversation_id, created_at);
create index messages_company_id_created_at_idx on public.messages (company_id, created_at desc);
create unique index messages_conversation_id_idempotency_key_idx
  on public.messages (conversation_id, idempotency_key) where idempotency_key is not null;

/** Copies company_id from the row's conversation, so the denormalised column cannot disagree. */
create function private.set_company_from_conversation()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_company uuid;
begin
  select c.company_id into v_company from public.conversations c where c.id = new.conversation_id;
  -- an unknown conversation keeps the given company, and the foreign key reports it
  new.company_id := coalesce(v_company, new.company_id);
  return new;
end;
$$;

create trigger messages_set_company
  before insert or update of conversation_id, company_id on public.messages
  for each row execute function private.set_company_from_conversation();

/** Moves the conversation's last_message_at forward when a message is stored. */
create function private.bump_conversation_last_message_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update public.conversations c
  set last_message_at = greatest(c.last_message_at, new.created_at)
  where c.id = new.conversation_id;
  return null;
end;
$$;

create trigger messages_bump_conversation
  after insert on public.messages
  for each row execute function private.bump_conversation_last_message_at();

alter table public.conversations enable row level security;
alter table public.messages enable row level security;

-- Members only rename, archive or soft-delete their own assistant conversations; every other
-- write goes through service_role (the edge functions).
revoke all on public.conversations, public.messages from anon, authenticated, service_role;
grant select on public.conversations, public.messages to authenticated;
grant update (title, status) on public.conversations to authenticated;
-- service_role: ensure_conversation and append_message run as their caller, and the message
-- trigger moves the conversation's last_message_at.
grant select, insert, update on public.conversations to service_role;
grant select, insert on public.messages to service_role;

create policy conversations_select_member on public.conversations
  for select to authenticated
  using (
    (select private.is_member(company_id))
    and (channel <> 'assistant' or user_id = (select auth.uid()))
  );
create policy conversations_update_assistant_user on public.conversations
  for update to authenticated
  using (
    channel = 'assistant'
    and user_id = (select auth.uid())
    and (select private.is_member(company_id))
  )
  with check (
    channel = 'assistant'
    and user_id = (select auth.uid())
    and status in ('active', 'archived', 'deleted')
    and (select private.is_member(company_id))
  );

create policy messages_select_member on public.messages
  for select to authenticated
  using (
    (select private.is_member(company_id))
    and exists (
      select 1
      from public.conversations c
      where c.id = messages.conversation_id
        and (c.channel <> 'assistant' or c.user_id = (select auth.uid()))
    )
  );

-- service_role resolves the company a visitor's request names.
grant execute on function private.resolve_company(text) to service_role;

/**
 * Returns the conversation of (company, channel, external id), creating it if needed;
 * race-safe (concurrent first turns get the same id). The first visitor_id is kept.
 * The assistant channel needs p_user_id, a member of the company, and never reaches another
 * user's conversation (42501); without an external id it always creates a new one.
 */
create function public.ensure_conversation(
  p_company text,
  p_channel text,
  p_external_id text,
  p_visitor_id text default null,
  p_user_id uuid default null
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_id uuid;
  v_owner uuid;
begin
  if p_channel is null or p_channel not in ('widget', 'botlive', 'assistant') then
    raise exception 'ensure_conversation: unknown channel %', p_channel using errcode = '22023';
  end if;
  if p_channel <> 'assistant' and (p_external_id is null or btrim(p_external_id) = '') then
    raise exception 'ensure_conversation: external id must not be empty' using errcode = '22023';
  end if;
  if p_channel = 'assistant' then
    if p_user_id is null then
      raise exception 'ensure_conversation: the assistant channel needs a user' using errcode = '22023';
    end if;
    if not exists (
      select 1 from public.company_members m where m.company_id = v_company and m.user_id = p_user_id
    ) then
      raise exception 'ensure_conversation: user is not a member of company %', p_company using errcode = '42501';
    end if;
  end if;

  insert into public.conversations (company_id, channel, external_id, visitor_id, user_id)
  values (v_company, p_channel, p_external_id, p_visitor_id, p_user_id)
  on conflict (company_id, channel, external_id) do nothing
  returning id into v_id;

  if v_id is null then
    select c.id, c.user_id into v_id, v_owner
    from public.conversations c
    where c.company_id = v_company and c.channel = p_channel and c.external_id = p_external_id;
    if p_channel = 'assistant' and v_owner is distinct from p_user_id then
      raise exception 'ensure_conversation: conversation belongs to another user' using errcode = '42501';
    end if;
  end if;
  return v_id;
end;
$$;
grant execute on function public.ensure_conversation(text, text, text, text, uuid) to service_role;

/**
 * The one write path of messages: inserts a message of a conversation (company_id follows the
 * conversation), or finds the one stored with the same idempotency key. `inserted` says which.
 */
create function private.insert_message(
  p_company uuid,
  p_conversation uuid,
  p_role text,
  p_content text,
  p_fields jsonb default '{}',
  p_idempotency_key text default null
)
returns table (id uuid, inserted boolean)
language plpgsql
volatile
set search_path = ''
as $$
begin
  insert into public.messages as m (
    conversation_id, company_id, role, content, agent, model_used, tokens_used, prompt_tokens,
    completion_tokens, latency_ms, sources, metadata, context_snapshot, idempotency_key
  )
  values (
    p_conversation, p_company, p_role, p_content, p_fields ->> 'agent', p_fields ->> 'model_used',
    (p_fields ->> 'tokens_used')::integer, (p_fields ->> 'prompt_tokens')::integer,
    (p_fields ->> 'completion_tokens')::integer, (p_fields ->> 'latency_ms')::integer,
    coalesce(nullif(p_fields -> 'sources', 'null'), '[]'), coalesce(nullif(p_fields -> 'metadata', 'null'), '{}'),
    nullif(p_fields -> 'context_snapshot', 'null'), p_idempotency_key
  )
  on conflict (conversation_id, idempotency_key) where idempotency_key is not null do nothing
  returning m.id into id;
  inserted := id is not null;
  if not inserted then
    -- A new statement, hence a new snapshot: the row a concurrent insert just committed.
    select m.id into id
    from public.messages m
    where m.conversation_id = p_conversation and m.idempotency_key = p_idempotency_key;
  end if;
  return next;
end;
$$;
grant execute on function private.insert_message(uuid, uuid, text, text, jsonb, text) to service_role;

/**
 * Stores one message of a conversation of p_company and returns its id. A repeated
 * p_idempotency_key returns the message stored the first time and inserts nothing.
 * Unknown conversation (or one of another company) raises P0002.
 */
create function public.append_message(
  p_company text,
  p_conversation uuid,
  p_role text,
  p_content text,
  p_agent text default null,
  p_model_used text default null,
  p_tokens_used integer default null,
  p_prompt_tokens integer default null,
  p_completion_tokens integer default null,
  p_latency_ms integer default null,
  p_sources jsonb default '[]',
  p_metadata jsonb default '{}',
  p_context_snapshot jsonb default null,
  p_idempotency_key text default null
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
begin
  if not exists (
    select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company
  ) then
    raise exception 'append_message: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  return (
    select m.id from private.insert_message(v_company, p_conversation, p_role, p_content, pg_catalog.jsonb_build_object(
      'agent', p_agent, 'model_used', p_model_used, 'tokens_used', p_tokens_used, 'prompt_tokens', p_prompt_tokens,
      'completion_tokens', p_completion_tokens, 'latency_ms', p_latency_ms, 'sources', p_sources,
      'metadata', p_metadata, 'context_snapshot', p_context_snapshot
    ), p_idempotency_key) m
  );
end;
$$;
grant execute on function public.append_message(
  text, uuid, text, text, text, text, integer, integer, integer, integer, jsonb, jsonb, jsonb, text
) to service_role;

/**
 * The older backend's memory table: every message with its company's text id and the
 * visitor's (or signed-in user's) id as text. RLS of the base tables decides.
 */
create view public.conversation_memory
with (security_invoker = true)
as
select
  m.id,
  co.slug as company_id,
  coalesce(c.visitor_id, c.user_id::text) as user_id,
  m.conversation_id,
  m.role,
  m.content,
  m.created_at as "timestamp"
from public.messages m
join public.conversations c on c.id = m.conversation_id
join public.companies co on co.id = m.company_id;

/** Conversations in the shape older frontends list them (company by its text id). */
create view public.chatbot_conversations
with (security_invoker = true)
as
select
  c.id,
  co.slug as company_id,
  c.channel,
  c.external_id,
  coalesce(c.visitor_id, c.user_id::text) as user_id,
  c.title,
  c.status,
  c.current_agent,
  c.last_message_at,
  c.created_at,
  c.updated_at
from public.conversations c
join public.companies co on co.id = c.company_id;

/** Messages in the shape older frontends read them. */
create view public.chatbot_messages
with (security_invoker = true)
as
select
  m.id,
  m.conversation_id,
  co.slug as company_id,
  m.role,
  m.content,
  m.agent,
  m.model_used,
  m.tokens_used,
  m.sources,
  m.metadata,
  m.created_at
from public.messages m
join public.companies co on co.id = m.company_id;

revoke all on public.conversation_memory, public.chatbot_conversations, public.chatbot_messages
  from anon, authenticated, service_role;
grant select on public.conversation_memory, public.chatbot_conversations, public.chatbot_messages
  to authenticated;
