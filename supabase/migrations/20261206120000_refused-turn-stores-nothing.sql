-- A refused chat turn stores nothing. chat_begin_turn created the conversation before checking
-- its limits, so every refused first turn (429) left an empty conversation behind, and that row
-- made its id the refused visitor's. The ownership, key and limit checks now run in one
-- subtransaction that a refusal undoes; the turn's rules are otherwise unchanged.

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
 * A refused turn (`forbidden`, `key_reused`, `limited`) stores nothing: a conversation this call
 * created is undone with the refusal (steps 1 to 3 run in one subtransaction), so a refused first
 * turn neither leaves an empty conversation nor claims its id for its visitor.
 * Unknown company raises P0002. Service role only.
 */
create or replace function public.chat_begin_turn(
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

  -- Steps 1 to 3 form one subtransaction: a refusal raises CL403/CL409/CL429 to undo the
  -- conversation this call may have created, and the handler below answers it.
  begin
    -- 1. Ownership. The insert waits for a concurrent first turn on the same id to end (commit, or
    -- undo a refusal); the select that follows is a new statement, so it reads what that turn kept.
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
      raise exception 'forbidden' using errcode = 'CL403';
    end if;

    -- 2. A client key names one message.
    select m.id, m.content, m.created_at into v_existing
    from public.messages m
    where m.conversation_id = v_conversation and m.idempotency_key = p_idempotency_key;
    if v_existing.id is not null and v_existing.content <> p_message then
      raise exception 'key reused' using errcode = 'CL409';
    end if;

    -- 3. The limits.
    v_settings := private.chat_settings(v_company, p_defaults);
    v_refused := private.tokens_refusal(v_company, v_settings, p_now);
    if v_refused is null then
      v_limits := private.take_slots(private.chat_slots(v_company, p_conversation, p_visitor, p_address, v_settings), p_now);
      v_refused := v_limits -> 'refused';
    end if;
    if v_refused is not null then
      raise exception 'limited' using errcode = 'CL429';
    end if;
  exception
    when sqlstate 'CL403' then
      return pg_catalog.jsonb_build_object('outcome', 'forbidden');
    when sqlstate 'CL409' then
      return pg_catalog.jsonb_build_object('outcome', 'key_reused');
    when sqlstate 'CL429' then
      return pg_catalog.jsonb_build_object('outcome', 'limited', 'refused', v_refused);
  end;

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
