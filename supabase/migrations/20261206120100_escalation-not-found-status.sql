-- Members resolve escalations through PostgREST, which answers P0002 (plpgsql's no_data_found)
-- with a 500: resolve_escalation now raises PT404 for an escalation the caller cannot see
-- (another company's, or none), which PostgREST answers with a 404 and the functions' error
-- mapping with not_found, as for a row RLS hides.

/**
 * Resolves an escalation of the caller's company; true when this call resolved it, false
 * when it was already resolved. An escalation the caller cannot see raises PT404 (HTTP 404).
 */
create or replace function public.resolve_escalation(p_escalation uuid)
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
    raise exception 'resolve_escalation: unknown escalation %', p_escalation using errcode = 'PT404';
  end if;
  if v_status = 'resolved' then
    return false;
  end if;
  update public.escalations e set status = 'resolved' where e.id = p_escalation;
  return true;
end;
$$;
grant execute on function public.resolve_escalation(uuid) to authenticated, service_role;
