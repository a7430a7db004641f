-- Botlive's turn: what the botlive function reads and writes around one customer message, in
-- two round trips. begin records the inbound message once per message id (the messaging
-- integration retries webhooks) and returns everything the turn needs; finish stores the reply
-- under the same id, so that a retried message is answered with the stored reply and changes
-- nothing.

/**
 * Records one inbound customer message of p_company's Botlive conversation p_conversation
 * (the channel's own id, e.g. the customer's WhatsApp id), idempotently by p_message_id, and
 * returns { conversation_id, inserted, replay, mode, session_id, paused, draft, catalog, zones,
 * history, prompts }. `replay` is the stored reply when this message was already answered.
 * `mode` is `live` while a live session is open, else `rag`.
 */
create function public.botlive_begin_turn(
  p_company text,
  p_conversation text,
  p_message_id text,
  p_customer jsonb,
  p_text text,
  p_attachments jsonb default '[]'
)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_conversation uuid;
  v_message record;
  v_session public.bot_sessions;
  v_replay jsonb;
begin
  if p_message_id is null or btrim(p_message_id) = '' or length(p_message_id) > 190 then
    raise exception 'botlive_begin_turn: message_id must be 1 to 190 characters' using errcode = '22023';
  end if;
  v_conversation := public.ensure_conversation(p_company, 'botlive', p_conversation, p_customer ->> 'id');
  select * into v_message from private.insert_message(
    v_company, v_conversation, 'user', coalesce(nullif(p_text, ''), '[pièce jointe]'),
    pg_catalog.jsonb_build_object('metadata', pg_catalog.jsonb_build_object(
      'customer', p_customer, 'attachments', coalesce(p_attachments, '[]'), 'message_id', p_message_id)),
    'in:' || p_message_id);
  if not v_message.inserted then
    select pg_catalog.jsonb_build_object('message_id', m.id, 'content', m.content, 'metadata', m.metadata)
      into v_replay
    from public.messages m
    where m.conversation_id = v_conversation and m.idempotency_key = 'out:' || p_message_id;
  end if;
  select * into v_session from public.bot_sessions s where s.company_id = v_company and s.ended_at is null;
  return pg_catalog.jsonb_build_object(
    'conversation_id', v_conversation,
    'inserted', v_message.inserted,
    'replay', v_replay,
    'mode', case when v_session.id is not null and v_session.mode = 'live' then 'live' else 'rag' end,
    'session_id', v_session.id,
    'paused', public.conversation_is_paused(v_conversation),
    'draft', (select to_jsonb(d) from public.botlive_drafts d where d.conversation_id = v_conversation),
    'paid', (select a.paid from private.draft_amounts(v_conversation) a),
    'catalog', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('id', p.id, 'name', p.name, 'variants', p.variants,
        'price', p.price, 'stock', p.stock, 'aliases', p.aliases) order by p.name)
      from public.products p where p.company_id = v_company and p.is_active), '[]'),
    'zones', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('id', z.id, 'name', z.name, 'aliases', z.aliases,
        'fee', z.fee) order by z.name)
      from public.delivery_zones z where z.company_id = v_company and z.is_active), '[]'),
    'history', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('role', h.role, 'content', h.content) order by h.created_at)
      from (select m.role, m.content, m.created_at from public.messages m
            where m.conversation_id = v_conversation and m.idempotency_key is distinct from 'in:' || p_message_id
            order by m.created_at desc limit 10) h), '[]'),
    'prompts', (select pg_catalog.jsonb_build_object('groq', r.prompt_botlive_groq_70b, 'deepseek', r.prompt_botlive_deepseek_v3,
        'company_name', r.company_name)
      from public.company_rag_configs r join public.companies c on c.slug = r.company_id where c.id = v_company)
  );
end;
$$;
grant execute on function public.botlive_begin_turn(text, text, text, jsonb, text, jsonb) to service_role;

/**
 * Stores the bot's reply to inbound message p_message_id (idempotent: a second call returns
 * the first reply's id). p_fields: model_used, tokens_used, prompt_tokens, completion_tokens,
 * latency_ms, metadata (mode, order_state, order, escalated).
 */
create function public.botlive_finish_turn(
  p_company text,
  p_conversation uuid,
  p_message_id text,
  p_reply text,
  p_fields jsonb default '{}'
)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
begin
  if not exists (select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company) then
    raise exception 'botlive_finish_turn: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  return (select m.id from private.insert_message(v_company, p_conversation, 'assistant', p_reply,
    coalesce(p_fields, '{}'), 'out:' || p_message_id) m);
end;
$$;
grant execute on function public.botlive_finish_turn(text, uuid, text, text, jsonb) to service_role;
