-- Botlive in the usage ledger (issue 20): a turn's provider calls (the extractor, the proof
-- reader, the answer and its retrieval) and its budget reservation travel in the finishing
-- round trip (botlive_finish_turn's p_fields: `usage`, `reservation`) and are written there by
-- private.ledger_record; bot_usage.cost comes from the ledger alone (no longer from a message's
-- metadata.cost_usd).

/**
 * Stores the bot's reply (botlive_finish_turn of 20261206100000, now
 * private.botlive_finish_turn_base), then records p_fields -> 'usage' (LedgerCall[]) under
 * product botlive and releases p_fields ->> 'reservation'. A reply stored already (a retried
 * finish) releases the reservation and records nothing: its calls are in the ledger once.
 */
alter function public.botlive_finish_turn(text, uuid, text, text, jsonb) rename to botlive_finish_turn_base;
alter function public.botlive_finish_turn_base(text, uuid, text, text, jsonb) set schema private;
revoke all on function private.botlive_finish_turn_base(text, uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function private.botlive_finish_turn_base(text, uuid, text, text, jsonb) to service_role;

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
  v_fields jsonb := coalesce(p_fields, '{}');
  v_stored boolean;
  v_id uuid;
begin
  -- The base takes the same lock: concurrent finishes of one message see each other's reply.
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  v_stored := exists (select 1 from public.messages m
    where m.conversation_id = p_conversation and m.idempotency_key = 'out:' || p_message_id);
  v_id := private.botlive_finish_turn_base(p_company, p_conversation, p_message_id, p_reply,
    v_fields - 'usage' - 'reservation');
  perform private.ledger_record(v_company, 'botlive', p_conversation,
    case when v_stored then '[]'::jsonb else v_fields -> 'usage' end,
    nullif(v_fields ->> 'reservation', '')::uuid);
  return v_id;
end;
$$;
revoke all on function public.botlive_finish_turn(text, uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.botlive_finish_turn(text, uuid, text, text, jsonb) to service_role;

/**
 * Botlive's message counters (bot_usage_messages of 20261202100300) without the cost: a
 * message's metadata no longer adds to bot_usage.cost, which private.ledger_record alone fills.
 */
create or replace function private.bot_usage_messages()
returns trigger
language plpgsql
-- definer: the counters are written for whichever role wrote the message
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.conversations c where c.id = new.conversation_id and c.channel = 'botlive') then
    perform private.bump_usage(new.company_id, private.usage_date(new.created_at), p_messages => 1,
      p_tokens => coalesce(new.tokens_used, 0));
  end if;
  return null;
end;
$$;

comment on column public.bot_usage.cost is 'USD, the day''s Botlive calls as the usage ledger prices them (private.ledger_record).';
