-- The expert chat's provider calls in the usage ledger (issue 20): the turn's finishing round
-- trip (public.chat_finish_turn, of 20261201120000, now private.chat_finish_turn_base) also
-- records p_reply -> 'usage' (the router, the question's embedding, the rerank, the answer:
-- one LedgerCall each) and settles p_reply ->> 'reservation', the money the turn set aside.

alter function public.chat_finish_turn(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) rename to chat_finish_turn_base;
alter function public.chat_finish_turn_base(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) set schema private;
revoke all on function private.chat_finish_turn_base(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function private.chat_finish_turn_base(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) to service_role;

/**
 * Stores a turn's reply (private.chat_finish_turn_base) and, in the same transaction, its
 * provider calls in the ledger (product `chat`, the conversation, the reply's agent unless a
 * call names its own) and releases its reservation. NOTE: a repeated key (a retry after a lost
 * connection) stores nothing twice: its calls were recorded the first time, only the
 * reservation is released. Service role only.
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
  v_replayed boolean := exists (select 1 from public.messages m
    where m.conversation_id = p_conversation and m.idempotency_key = p_idempotency_key || '#reply');
  v_id uuid := private.chat_finish_turn_base(p_company, p_conversation, p_idempotency_key, p_reply, p_state,
    p_escalation, p_now);
  v_calls jsonb;
begin
  if not v_replayed and jsonb_typeof(p_reply -> 'usage') = 'array' then
    select coalesce(jsonb_agg(case when c.value ->> 'agent' is null
        then c.value || pg_catalog.jsonb_build_object('agent', p_reply -> 'agent') else c.value end), '[]')
      into v_calls
    from jsonb_array_elements(p_reply -> 'usage') c;
  end if;
  perform private.ledger_record(p_company, 'chat', p_conversation, coalesce(v_calls, '[]'),
    nullif(p_reply ->> 'reservation', '')::uuid, p_now);
  return v_id;
end;
$$;
revoke all on function public.chat_finish_turn(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function public.chat_finish_turn(uuid, uuid, text, jsonb, jsonb, jsonb, timestamptz) to service_role;
