-- A catalog a shop can fill: products and zones are imported through PostgREST by an admin
-- (npm run catalog; idempotent on the existing unique keys (company_id, name)), and a live
-- cannot open until the company has something to sell and somewhere to deliver.
-- toggle_live_mode is replaced with that one check added; signature, grants (kept by
-- `create or replace`) and everything else are unchanged.

/**
 * Opens (p_enable) or closes the company's live session and returns it. The caller must be an
 * admin or owner of the company (42501). Opening needs an active product and an active delivery
 * zone (22023, saying which is missing, in English and French); enabling while a session is open
 * returns that session (race-safe) whatever the catalog; disabling with none open returns status
 * 'disabled' and a null session.
 */
create or replace function public.toggle_live_mode(p_company text, p_enable boolean)
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
  v_no_product boolean;
  v_no_zone boolean;
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
    if not exists (select 1 from public.bot_sessions s where s.company_id = v_company and s.ended_at is null) then
      v_no_product := not exists (select 1 from public.products p where p.company_id = v_company and p.is_active);
      v_no_zone := not exists (select 1 from public.delivery_zones z where z.company_id = v_company and z.is_active);
      if v_no_product or v_no_zone then
        raise exception 'cannot open the live of %: % (impossible d''ouvrir le live : %)', p_company,
          case when v_no_product and v_no_zone then 'no active product and no active delivery zone'
            when v_no_product then 'no active product' else 'no active delivery zone' end,
          case when v_no_product and v_no_zone then 'aucun produit actif et aucune zone de livraison active'
            when v_no_product then 'aucun produit actif' else 'aucune zone de livraison active' end
          using errcode = '22023',
            hint = 'Add products and delivery zones first (npm run catalog, or the products and delivery_zones tables).';
      end if;
    end if;
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
