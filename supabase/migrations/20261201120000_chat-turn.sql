-- The chat turn's rules in SQL, where they hold under concurrency: a visitor's turn is admitted
-- (ownership of the conversation first, then every limit, then the replay of a stored answer of
-- the same visitor), its message recorded, and later its reply stored with the routing state,
-- each in one statement the chat function calls. The limits a browser cannot reset (per
-- visitor, per client address, per company: turns a minute and tokens a day) join the one per
-- conversation, all configurable per company; a company's settings are nullable overrides of
-- the functions' defaults, so that each default lives in one place.

/**
 * Settings: null means the functions' default (their environment: RATE_LIMIT_MESSAGES,
 * VISITOR_TURNS_PER_MINUTE, RERANK_MODEL, ...). embedding_model goes: every company's vectors
 * must share the deployment's one embedding space (EMBEDDING_MODEL), so it was never a setting.
 */
alter table public.company_rag_configs
  drop column embedding_model,
  alter column rerank_model drop not null,
  alter column rerank_model drop default,
  alter column match_count drop not null,
  alter column match_count drop default,
  alter column match_threshold drop not null,
  alter column match_threshold drop default,
  alter column rate_limit_messages drop not null,
  alter column rate_limit_messages drop default,
  alter column rate_limit_window_seconds drop not null,
  alter column rate_limit_window_seconds drop default,
  add column visitor_turns_per_minute integer
    constraint company_rag_configs_visitor_turns_positive check (visitor_turns_per_minute > 0),
  add column address_turns_per_minute integer
    constraint company_rag_configs_address_turns_positive check (address_turns_per_minute > 0),
  add column company_turns_per_minute integer
    constraint company_rag_configs_company_turns_positive check (company_turns_per_minute > 0),
  add column company_tokens_per_day bigint
    constraint company_rag_configs_company_tokens_positive check (company_tokens_per_day > 0);
grant update (visitor_turns_per_minute, address_turns_per_minute, company_turns_per_minute, company_tokens_per_day)
  on public.company_rag_configs to authenticated;

-- The per-conversation limit is now part of the turn (chat_begin_turn, chat_allowance).
drop function public.company_rate_limit(text);

/** Tokens (prompt + completion) a company's answers used per UTC day: the daily ceiling's counter. */
create table private.company_token_usage (
  company_id uuid not null references public.companies (id) on delete cascade,
  day date not null,
  tokens bigint not null default 0 constraint company_token_usage_tokens_nonnegative check (tokens >= 0),
  primary key (company_id, day)
);
alter table private.company_token_usage enable row level security;
revoke all on private.company_token_usage from public, anon, authenticated, service_role;
grant select, insert, update on private.company_token_usage to service_role;

/**
 * Counts one request on each of p_slots (`[{name, key, max_requests, window_seconds}]`, fixed
 * windows in private.rate_limits) if every one of them admits it, else on none: the first slot
 * over its limit is returned as `refused` (name, limit, retry_after_seconds, reset_at) and the
 * counts this call made are undone. Keys are taken in one global order, so concurrent turns that
 * share keys (the company's) queue on them instead of deadlocking; a key's row lock is held
 * until the caller's transaction ends, so no window ever admits more than its limit.
 * Returns `{taken: {<name>: {remaining, limit, reset_at}}}` or `{refused: {...}}`.
 */
create function private.take_slots(p_slots jsonb, p_now timestamptz)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_slot record;
  v_window interval;
  v_start timestamptz;
  v_hits integer;
  v_taken jsonb := '{}';
  v_refused jsonb;
begin
  begin
    for v_slot in
      select s.name, s.key, s.max_requests, s.window_seconds
      from pg_catalog.jsonb_to_recordset(p_slots) as s (name text, key text, max_requests integer, window_seconds integer)
      order by s.key
    loop
      perform private.validate_rate_limit_args(v_slot.key, v_slot.max_requests, v_slot.window_seconds);
      v_window := pg_catalog.make_interval(secs => v_slot.window_seconds);
      insert into private.rate_limits as r (key, window_start, hits, expires_at)
      values (v_slot.key, p_now, 1, p_now + v_window)
      on conflict (key) do update
      set window_start = case when p_now >= r.window_start + v_window then p_now else r.window_start end,
          hits = case when p_now >= r.window_start + v_window then 1 else r.hits + 1 end,
          expires_at = case when p_now >= r.window_start + v_window then p_now else r.window_start end + v_window
      returning r.window_start, r.hits into v_start, v_hits;
      if v_hits > v_slot.max_requests then
        v_refused := pg_catalog.jsonb_build_object(
          'name', v_slot.name,
          'limit', v_slot.max_requests,
          'window_seconds', v_slot.window_seconds,
          'reset_at', v_start + v_window,
          'retry_after_seconds', greatest(ceil(extract(epoch from v_start + v_window - p_now)), 1)::integer
        );
        -- Undoes every count of this call (the block is a subtransaction); v_refused survives.
        raise exception 'refused' using errcode = 'CL429';
      end if;
      v_taken := v_taken || pg_catalog.jsonb_build_object(v_slot.name, pg_catalog.jsonb_build_object(
        'remaining', v_slot.max_requests - v_hits, 'limit', v_slot.max_requests, 'reset_at', v_start + v_window));
    end loop;
  exception when sqlstate 'CL429' then
    return pg_catalog.jsonb_build_object('refused', v_refused);
  end;
  return pg_catalog.jsonb_build_object('taken', v_taken);
end;
$$;
grant execute on function private.take_slots(jsonb, timestamptz) to service_role;

/**
 * A company's chat settings: its company_rag_configs values over p_defaults (the functions'
 * defaults for every setting a company may leave null). Raises 22023 when a limit has no value.
 */
create function private.chat_settings(p_company uuid, p_defaults jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_settings jsonb;
  v_name text;
begin
  select coalesce(p_defaults, '{}') || coalesce(pg_catalog.jsonb_strip_nulls(pg_catalog.to_jsonb(r)), '{}')
  into v_settings
  from public.companies c
  left join public.company_rag_configs r on r.company_id = c.slug
  where c.id = p_company;
  foreach v_name in array array[
    'rate_limit_messages', 'rate_limit_window_seconds', 'visitor_turns_per_minute',
    'address_turns_per_minute', 'company_turns_per_minute', 'company_tokens_per_day'
  ] loop
    if pg_catalog.jsonb_typeof(v_settings -> v_name) is distinct from 'number' then
      raise exception 'chat settings: no value for %', v_name using errcode = '22023';
    end if;
  end loop;
  return v_settings;
end;
$$;
grant execute on function private.chat_settings(uuid, jsonb) to service_role;

/** The rate-limit slots of one visitor turn: conversation, visitor, client address (if known), company. */
create function private.chat_slots(p_company uuid, p_conversation text, p_visitor text, p_address text, p_settings jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_agg(s.slot)
  from (values
    (pg_catalog.jsonb_build_object('name', 'conversation', 'key', 'chat:' || p_company || ':' || p_conversation,
      'max_requests', p_settings -> 'rate_limit_messages', 'window_seconds', p_settings -> 'rate_limit_window_seconds')),
    (pg_catalog.jsonb_build_object('name', 'visitor', 'key', 'chat-visitor:' || p_company || ':' || p_visitor,
      'max_requests', p_settings -> 'visitor_turns_per_minute', 'window_seconds', 60)),
    (case when p_address is not null then pg_catalog.jsonb_build_object('name', 'address',
      'key', 'chat-address:' || p_company || ':' || p_address,
      'max_requests', p_settings -> 'address_turns_per_minute', 'window_seconds', 60) end),
    (pg_catalog.jsonb_build_object('name', 'company', 'key', 'chat-company:' || p_company,
      'max_requests', p_settings -> 'company_turns_per_minute', 'window_seconds', 60))
  ) as s (slot)
  where s.slot is not null
$$;
grant execute on function private.chat_slots(uuid, text, text, text, jsonb) to service_role;

/** The company's tokens/day ceiling, when today's (UTC) usage has reached it: the refusal. */
create function private.tokens_refusal(p_company uuid, p_settings jsonb, p_now timestamptz)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'name', 'company_tokens',
    'limit', (p_settings ->> 'company_tokens_per_day')::bigint,
    'used', u.tokens,
    'reset_at', ((p_now at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC',
    'retry_after_seconds', greatest(ceil(extract(epoch from
      ((p_now at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC' - p_now)), 1)::integer
  )
  from private.company_token_usage u
  where u.company_id = p_company
    and u.day = (p_now at time zone 'UTC')::date
    and u.tokens >= (p_settings ->> 'company_tokens_per_day')::bigint
$$;
grant execute on function private.tokens_refusal(uuid, jsonb, timestamptz) to service_role;

/** The stored reply to p_key in a conversation, as a turn's response needs it (null when none). */
create function private.stored_reply(p_conversation uuid, p_key text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'message_id', m.id, 'content', m.content, 'agent', m.agent, 'agent_name', a.name,
    'model', m.model_used, 'prompt_tokens', coalesce(m.prompt_tokens, 0),
    'completion_tokens', coalesce(m.completion_tokens, 0), 'sources', m.sources, 'metadata', m.metadata
  )
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  left join public.agents a on a.company_id = c.company_id and a.slug = m.agent
  where m.conversation_id = p_conversation and m.idempotency_key = p_key || '#reply'
$$;
grant execute on function private.stored_reply(uuid, text) to service_role;

/**
 * Admits and records one visitor turn of the website widget, in this order:
 * 1. ownership: the conversation (company, client id) is found or created, race-safe; one that
 *    another visitor opened is `forbidden` (nothing counted, nothing stored);
 * 2. a client key already used for another message is `key_reused` (nothing counted);
 * 3. the limits: the company's tokens today, then one slot on each of conversation, visitor,
 *    client address and company (all or none); over any of them is `limited`, naming it;
 * 4. the stored answer to the same key is `replay`;
 * 5. the visitor's message is stored (private.insert_message): a key whose message exists
 *    without an answer is `in_progress` while younger than p_stale_seconds (a parallel retry),
 *    else answered again (`retried`); an open escalation makes the turn `paused`;
 * and returns `turn` with what the answer needs: the conversation's state and last
 * p_history messages, the company's agents and settings, the conversation's allowance.
 * p_defaults: the functions' default for every setting a company may leave null.
 * Unknown company raises P0002. Service role only.
 */
create function public.chat_begin_turn(
  p_company text,
  p_conversation text,
  p_visitor text,
  p_message text,
  p_idempotency_key text,
  p_client_key boolean,
  p_address text default null,
  p_metadata jsonb default '{}',
  p_defaults jsonb default '{}',
  p_history integer default 10,
  p_stale_seconds integer default 150,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_conversation uuid;
  v_owner text;
  v_settings jsonb;
  v_limits jsonb;
  v_refused jsonb;
  v_stored jsonb;
  v_existing record;
  v_created timestamptz;
  v_message uuid;
  v_inserted boolean;
  v_state record;
begin
  if p_idempotency_key is null or p_message is null then
    raise exception 'chat_begin_turn: a message and its idempotency key are required' using errcode = '22023';
  end if;

  -- 1. Ownership. The insert waits for a concurrent first turn on the same id to commit; the
  -- select that follows is a new statement, so it reads the row that turn committed.
  insert into public.conversations as c (company_id, channel, external_id, visitor_id)
  values (v_company, 'widget', p_conversation, p_visitor)
  on conflict (company_id, channel, external_id) do nothing
  returning c.id, c.visitor_id into v_conversation, v_owner;
  if v_conversation is null then
    select c.id, c.visitor_id into v_conversation, v_owner
    from public.conversations c
    where c.company_id = v_company and c.channel = 'widget' and c.external_id = p_conversation;
  end if;
  if v_owner is distinct from p_visitor and v_owner is not null then
    return pg_catalog.jsonb_build_object('outcome', 'forbidden');
  end if;

  -- 2. A client key names one message.
  select m.id, m.content, m.created_at into v_existing
  from public.messages m
  where m.conversation_id = v_conversation and m.idempotency_key = p_idempotency_key;
  if v_existing.id is not null and v_existing.content <> p_message then
    return pg_catalog.jsonb_build_object('outcome', 'key_reused');
  end if;

  -- 3. The limits.
  v_settings := private.chat_settings(v_company, p_defaults);
  v_refused := private.tokens_refusal(v_company, v_settings, p_now);
  if v_refused is not null then
    return pg_catalog.jsonb_build_object('outcome', 'limited', 'refused', v_refused);
  end if;
  v_limits := private.take_slots(private.chat_slots(v_company, p_conversation, p_visitor, p_address, v_settings), p_now);
  if v_limits ? 'refused' then
    return pg_catalog.jsonb_build_object('outcome', 'limited', 'refused', v_limits -> 'refused');
  end if;

  -- 4. The stored answer.
  v_stored := private.stored_reply(v_conversation, p_idempotency_key);
  if v_stored is not null then
    return pg_catalog.jsonb_build_object('outcome', 'replay', 'reply', v_stored,
      'rate_limit', v_limits -> 'taken' -> 'conversation');
  end if;

  -- 5. The visitor's message.
  select m.id, m.inserted into v_message, v_inserted
  from private.insert_message(v_company, v_conversation, 'user', p_message,
    pg_catalog.jsonb_build_object('metadata', coalesce(p_metadata, '{}')), p_idempotency_key) m;
  if not v_inserted then
    select m.created_at into v_created from public.messages m where m.id = v_message;
    if p_client_key and p_now - v_created < pg_catalog.make_interval(secs => p_stale_seconds) then
      return pg_catalog.jsonb_build_object('outcome', 'in_progress');
    end if;
  end if;

  select c.current_agent, coalesce((c.metadata ->> 'low_confidence_streak')::integer, 0) as streak,
         public.conversation_is_paused(c.id) as paused
  into v_state
  from public.conversations c where c.id = v_conversation;

  return pg_catalog.jsonb_build_object(
    'outcome', 'turn',
    'company_id', v_company,
    'company_slug', (select co.slug from public.companies co where co.id = v_company),
    'conversation_id', v_conversation,
    'message_id', v_message,
    'retried', not v_inserted,
    'paused', v_state.paused,
    'current_agent', v_state.current_agent,
    'streak', v_state.streak,
    'history', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('role', h.role, 'content', h.content)
        order by h.created_at)
      from (
        select m.role, m.content, m.created_at from public.messages m
        where m.conversation_id = v_conversation and m.role in ('user', 'assistant')
          and m.idempotency_key is distinct from p_idempotency_key
          and m.idempotency_key is distinct from p_idempotency_key || '#reply'
        order by m.created_at desc
        limit p_history
      ) h
    ), '[]'),
    'agents', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'slug', a.slug, 'name', a.name, 'expertise', a.expertise, 'keywords', a.keywords,
        'system_prompt', a.system_prompt, 'model', a.model, 'temperature', a.temperature,
        'style_notes', a.style_notes, 'greeting', a.greeting) order by a.created_at, a.slug)
      from public.agents a where a.company_id = v_company and a.is_active
    ), '[]'),
    'settings', pg_catalog.jsonb_build_object(
      'chat_model', v_settings -> 'chat_model', 'router_model', v_settings -> 'router_model',
      'rerank_model', v_settings -> 'rerank_model', 'match_count', v_settings -> 'match_count',
      'match_threshold', v_settings -> 'match_threshold'),
    'rate_limit', v_limits -> 'taken' -> 'conversation'
  );
end;
$$;
grant execute on function public.chat_begin_turn(text, text, text, text, text, boolean, text, jsonb, jsonb, integer, integer, timestamptz)
  to service_role;

/**
 * Stores a turn's reply (idempotent on `<key>#reply`) with what it changes, in one transaction:
 * the conversation's agent and unsure streak (p_state `{agent, streak}`), an escalation
 * (p_escalation `{reason, details}`), and the company's tokens today. p_reply: `{content,
 * agent, model, prompt_tokens, completion_tokens, latency_ms, sources, metadata}`. Returns the
 * reply's id. A conversation that is not p_company's raises P0002. Service role only.
 */
create function public.chat_finish_turn(
  p_company uuid,
  p_conversation uuid,
  p_idempotency_key text,
  p_reply jsonb,
  p_state jsonb default null,
  p_escalation jsonb default null,
  p_now timestamptz default now()
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_id uuid;
  v_inserted boolean;
  v_tokens bigint := coalesce((p_reply ->> 'prompt_tokens')::bigint, 0) + coalesce((p_reply ->> 'completion_tokens')::bigint, 0);
begin
  if not exists (select 1 from public.conversations c where c.id = p_conversation and c.company_id = p_company) then
    raise exception 'chat_finish_turn: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  if p_escalation is not null then
    perform public.open_escalation(p_company::text, p_conversation, p_escalation ->> 'reason', p_escalation ->> 'details');
  end if;
  -- Before the reply: the message trigger updates the same conversation row.
  if p_state is not null then
    update public.conversations c
    set current_agent = p_state ->> 'agent',
        metadata = c.metadata || pg_catalog.jsonb_build_object('low_confidence_streak', coalesce((p_state ->> 'streak')::integer, 0))
    where c.id = p_conversation;
  end if;
  select m.id, m.inserted into v_id, v_inserted
  from private.insert_message(p_company, p_conversation, 'assistant', p_reply ->> 'content', pg_catalog.jsonb_build_object(
    'agent', p_reply -> 'agent', 'model_used', p_reply -> 'model',
    'tokens_used', case when p_reply ? 'prompt_tokens' then v_tokens end,
    'prompt_tokens', p_reply -> 'prompt_tokens', 'completion_tokens', p_reply -> 'completion_tokens',
    'latency_ms', p_reply -> 'latency_ms', 'sources', p_reply -> 'sources', 'metadata', p_reply -> 'metadata'
  ), p_idempotency_key || '#reply') m;
  if v_inserted and v_tokens > 0 then
    insert into private.company_token_usage as u (company_id, day, tokens)
    values (p_company, (p_now at time zone 'UTC')::date, v_tokens)
    on conflict (company_id, day) do update set tokens = u.tokens + excluded.tokens;
  end if;
  return v_id;
end;
$$;
grant execute on function public.chat_finish_turn(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) to service_role;

/**
 * What the widget may still send on a conversation, without counting anything: the
 * conversation's allowance (remaining, limit, reset_at) and whether every limit would admit the
 * visitor's next turn (`limited_by` names the first that would not). A conversation another
 * visitor opened is `forbidden`. Service role only.
 */
create function public.chat_allowance(
  p_company text,
  p_conversation text,
  p_visitor text,
  p_address text default null,
  p_defaults jsonb default '{}',
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_owner text;
  v_settings jsonb;
  v_slot record;
  v_peek record;
  v_conversation jsonb;
  v_limited_by text;
begin
  select c.visitor_id into v_owner
  from public.conversations c
  where c.company_id = v_company and c.channel = 'widget' and c.external_id = p_conversation;
  if v_owner is distinct from p_visitor and v_owner is not null then
    return pg_catalog.jsonb_build_object('outcome', 'forbidden');
  end if;
  v_settings := private.chat_settings(v_company, p_defaults);
  if private.tokens_refusal(v_company, v_settings, p_now) is not null then
    v_limited_by := 'company_tokens';
  end if;
  for v_slot in
    select s.name, s.key, s.max_requests, s.window_seconds
    from pg_catalog.jsonb_to_recordset(private.chat_slots(v_company, p_conversation, p_visitor, p_address, v_settings))
      as s (name text, key text, max_requests integer, window_seconds integer)
  loop
    select * into v_peek from public.peek_rate_limit(v_slot.key, v_slot.max_requests, v_slot.window_seconds, p_now);
    if v_slot.name = 'conversation' then
      v_conversation := pg_catalog.jsonb_build_object('remaining', v_peek.remaining, 'limit', v_peek."limit",
        'reset_at', v_peek.reset_at);
    end if;
    if not v_peek.allowed and v_limited_by is null then
      v_limited_by := v_slot.name;
    end if;
  end loop;
  return v_conversation || pg_catalog.jsonb_build_object(
    'outcome', 'allowance', 'allowed', v_limited_by is null, 'limited_by', v_limited_by);
end;
$$;
grant execute on function public.chat_allowance(text, text, text, text, jsonb, timestamptz) to service_role;

-- Old token-usage days are swept nightly; a month is kept for the dashboard.
select cron.schedule(
  'comptoir-token-usage-cleanup',
  '17 3 * * *',
  $job$delete from private.company_token_usage where day < (now() at time zone 'UTC')::date - 31$job$
);
