-- The assistant's usage (issue 20): its turn's provider calls go to the ledger in the turn's
-- finishing round trip. assistant_finish_turn (20261202110200, unchanged since) becomes
-- private.assistant_finish_turn_base; the public function of the same signature stores the
-- answer through it, then records p_fields -> 'usage' (the calls) and releases
-- p_fields ->> 'reservation' (the budget's hold) for the conversation's company, so callers
-- that send neither keep working.

alter function public.assistant_finish_turn(uuid, text, jsonb) rename to assistant_finish_turn_base;
alter function public.assistant_finish_turn_base(uuid, text, jsonb) set schema private;
revoke all on function private.assistant_finish_turn_base(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function private.assistant_finish_turn_base(uuid, text, jsonb) to service_role;

/**
 * Stores the assistant's answer (private.assistant_finish_turn_base, p_fields without `usage`
 * and `reservation`) and, in the same transaction, the turn's calls in the ledger (product
 * `assistant`, priced there) with the reservation released. Returns the answer's id (null, as
 * before, for an unknown conversation).
 */
create function public.assistant_finish_turn(p_conversation uuid, p_reply text, p_fields jsonb)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company uuid;
  v_id uuid;
begin
  v_id := private.assistant_finish_turn_base(p_conversation, p_reply, p_fields - 'usage' - 'reservation');
  -- As before, an unknown conversation stores nothing (null): nothing to record either.
  select c.company_id into v_company from public.conversations c where c.id = p_conversation;
  if v_company is not null and (p_fields ? 'usage' or p_fields ? 'reservation') then
    perform private.ledger_record(v_company, 'assistant', p_conversation,
      coalesce(nullif(p_fields -> 'usage', 'null'), '[]'), (nullif(p_fields ->> 'reservation', ''))::uuid);
  end if;
  return v_id;
end;
$$;
revoke all on function public.assistant_finish_turn(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.assistant_finish_turn(uuid, text, jsonb) to service_role;
