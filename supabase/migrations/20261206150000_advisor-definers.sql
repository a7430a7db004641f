-- The Security Advisor's lint 0029 (a security definer function that authenticated can run
-- through /rest/v1/rpc) passes: the bodies of create_company, create_order, log_activity,
-- tag_documents_by_keywords and toggle_live_mode move unchanged to schema private, which
-- PostgREST does not expose, and each public function becomes a security invoker entry point
-- with the same signature, result and errors (`create or replace` keeps its grants).
-- Not the other remedies: each writes rows no policy lets its caller write, so invoker bodies
-- would need write grants beside the checked path; and each is called as authenticated
-- (PostgREST, the edge functions' SQL as the user, the tests), so EXECUTE stays. The checks stay
-- in the private bodies, once: authenticated may call those directly, as
-- private.botlive_verify_payment.

/**
 * Creates a company with the signed-in caller as its owner and a default RAG config;
 * returns the new company's uuid. A taken slug raises 23505. Called through
 * public.create_company.
 */
create function private.create_company(
  p_slug text,
  p_name text,
  p_sector text default null,
  p_ai_name text default null
)
returns uuid
language plpgsql
volatile
-- definer: no policy lets anyone insert companies; this is the one path that does
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_id uuid;
begin
  if v_user is null then
    raise exception 'create_company: sign in first' using errcode = '42501';
  end if;
  insert into public.companies (slug, name, sector)
  values (p_slug, p_name, p_sector)
  returning id into v_id;
  insert into public.company_members (company_id, user_id, role)
  values (v_id, v_user, 'owner');
  insert into public.company_rag_configs (company_id, company_name, ai_name, user_id)
  values (p_slug, p_name, p_ai_name, v_user);
  return v_id;
end;
$$;
revoke all on function private.create_company(text, text, text, text) from public;
grant execute on function private.create_company(text, text, text, text) to authenticated;

/**
 * The RPC a signed-in user creates a company with (private.create_company, which holds the
 * rule). Invoker entry point: the company, its owner and its settings are written by the
 * definer in private, because no policy may let a user insert a company (the first owner's
 * membership could not pass company_members' owner-only policy).
 */
create or replace function public.create_company(
  p_slug text,
  p_name text,
  p_sector text default null,
  p_ai_name text default null
)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.create_company(p_slug, p_name, p_sector, p_ai_name)
$$;

/**
 * Appends an event to a company's feed and returns its id. p_company is the uuid (as
 * text) or the slug. A caller acting as authenticated (or anon) must be a member of
 * the company (42501); service_role and server-side sessions may log for any company.
 * Empty type/title or an unknown status raise 22023; unknown company raises P0002. An
 * activity's conversation must be one of the company's: another company's and one that does
 * not exist get the same 22023, which tells nobody whether the id exists. Called through
 * public.log_activity (by triggers too).
 */
create function private.log_activity(
  p_company text,
  p_type text,
  p_title text,
  p_description text default null,
  p_status text default 'info',
  p_metadata jsonb default '{}',
  p_conversation_id uuid default null
)
returns uuid
language plpgsql
volatile
-- definer: triggers of later features call it on behalf of any writer, and nobody may insert directly
security definer
set search_path = ''
as $$
declare
  v_company uuid;
  v_api_caller boolean;
  v_status text := coalesce(p_status, 'info');
  v_id uuid;
begin
  if p_type is null or btrim(p_type) = '' then
    raise exception 'log_activity: type must not be empty' using errcode = '22023';
  end if;
  if p_title is null or btrim(p_title) = '' then
    raise exception 'log_activity: title must not be empty' using errcode = '22023';
  end if;
  if v_status not in ('info', 'success', 'warning', 'error') then
    raise exception 'log_activity: unknown status %', v_status using errcode = '22023';
  end if;
  if p_metadata is not null and jsonb_typeof(p_metadata) <> 'object' then
    raise exception 'log_activity: metadata must be a json object' using errcode = '22023';
  end if;

  -- Under a definer, current_user is the owner; the role the caller set (PostgREST's
  -- `set local role`) and the JWT role still say who is asking.
  v_api_caller := current_setting('role', true) in ('authenticated', 'anon')
    or (select auth.role()) in ('authenticated', 'anon');
  begin
    v_company := private.resolve_company(p_company);
  exception when no_data_found then
    -- An API caller learns nothing of companies it does not belong to, not even that they exist.
    if v_api_caller then
      raise exception 'log_activity: not a member of company %', p_company using errcode = '42501';
    end if;
    raise;
  end;
  if v_api_caller and not private.is_member(v_company) then
    raise exception 'log_activity: not a member of company %', p_company using errcode = '42501';
  end if;
  -- public.conversations arrives in a later migration; plpgsql resolves it when this runs.
  if p_conversation_id is not null and not exists (
    select 1 from public.conversations c where c.id = p_conversation_id and c.company_id = v_company
  ) then
    raise exception 'log_activity: no conversation % in this company', p_conversation_id using errcode = '22023';
  end if;

  insert into public.activities (company_id, conversation_id, type, title, description, status, metadata)
  values (v_company, p_conversation_id, p_type, p_title, p_description, v_status, coalesce(p_metadata, '{}'))
  returning id into v_id;
  return v_id;
end;
$$;
revoke all on function private.log_activity(text, text, text, text, text, jsonb, uuid) from public;
grant execute on function private.log_activity(text, text, text, text, text, jsonb, uuid)
  to authenticated, service_role;

/**
 * Appends an event to a company's feed (private.log_activity, which holds the rule).
 * Invoker entry point: the feed has no insert grant or policy, so that every row passes the
 * definer's checks (membership, the conversation's company) whoever writes, trigger or member.
 */
create or replace function public.log_activity(
  p_company text,
  p_type text,
  p_title text,
  p_description text default null,
  p_status text default 'info',
  p_metadata jsonb default '{}',
  p_conversation_id uuid default null
)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.log_activity(p_company, p_type, p_title, p_description, p_status, p_metadata, p_conversation_id)
$$;

/**
 * Gives `agent` every chunk that has no agent of its own ('shared') and whose content matches
 * any of `patterns` (ILIKE; a pattern without % is wrapped as %pattern%), in p_company only or
 * in every company (service role only). Returns how many chunks it tagged. Company admins may
 * tag their own company; anyone else gets 42501. Called through public.tag_documents_by_keywords.
 */
create function private.tag_documents_by_keywords(agent text, patterns text[], p_company text default null)
returns integer
language plpgsql
volatile
-- definer: members have no write access to documents; admins tag through this checked path
security definer
set search_path = ''
as $$
declare
  v_company uuid;
  v_slug text;
  v_patterns text[];
  v_count integer;
begin
  if tag_documents_by_keywords.agent is null
     or tag_documents_by_keywords.agent !~ '^[a-z0-9]+(-[a-z0-9]+)*$'
     or tag_documents_by_keywords.agent = 'shared' then
    raise exception 'tag_documents_by_keywords: invalid agent %', tag_documents_by_keywords.agent
      using errcode = '22023';
  end if;
  if p_company is not null then
    v_company := private.resolve_company(p_company);
    select c.slug into v_slug from public.companies c where c.id = v_company;
  end if;
  -- Under a definer current_user is the owner; the caller's role and JWT say who is asking.
  if (current_setting('role', true) in ('authenticated', 'anon')
      or (select auth.role()) in ('authenticated', 'anon'))
     and (v_company is null or not private.is_member(v_company, 'admin')) then
    raise exception 'tag_documents_by_keywords: admin of the company required' using errcode = '42501';
  end if;

  select pg_catalog.array_agg(case when strpos(p.pattern, '%') > 0 then p.pattern else '%' || p.pattern || '%' end)
  into v_patterns
  from unnest(tag_documents_by_keywords.patterns) as p (pattern)
  where p.pattern is not null and p.pattern <> '';
  if v_patterns is null then
    return 0;
  end if;

  update public.documents d
  set agent_owner = tag_documents_by_keywords.agent
  where d.agent_owner = 'shared'
    and (v_slug is null or d.company_id = v_slug)
    and d.content ilike any (v_patterns);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
revoke all on function private.tag_documents_by_keywords(text, text[], text) from public;
grant execute on function private.tag_documents_by_keywords(text, text[], text) to authenticated, service_role;

/**
 * Gives an agent the shared chunks matching its keywords (private.tag_documents_by_keywords,
 * which holds the rule). Invoker entry point: documents are written by the service only (their
 * counters and hashes by trigger), so an admin's tagging runs as the definer in private.
 * Parameter names are the older backend's.
 */
create or replace function public.tag_documents_by_keywords(agent text, patterns text[], p_company text default null)
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.tag_documents_by_keywords(tag_documents_by_keywords.agent, tag_documents_by_keywords.patterns, p_company)
$$;

/**
 * Opens (p_enable) or closes the company's live session and returns it. The caller must be an
 * admin or owner of the company (42501). Opening needs an active product and an active delivery
 * zone (22023, saying which is missing, in English and French); enabling while a session is open
 * returns that session (race-safe) whatever the catalog; disabling with none open returns status
 * 'disabled' and a null session. Called through public.toggle_live_mode.
 */
create function private.toggle_live_mode(p_company text, p_enable boolean)
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
revoke all on function private.toggle_live_mode(text, boolean) from public;
grant execute on function private.toggle_live_mode(text, boolean) to authenticated, service_role;

/**
 * Opens or closes the company's live (private.toggle_live_mode, which holds the rule).
 * Invoker entry point: sessions have no write grant, so that a live opens only through the
 * admin and catalog checks of the definer in private.
 */
create or replace function public.toggle_live_mode(p_company text, p_enable boolean)
returns table (status text, session_id uuid, started_at timestamptz, ended_at timestamptz)
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.toggle_live_mode(p_company, p_enable)
$$;

/**
 * An order entered by hand (a phone call, a customer at the shop): p_order { customer_name,
 * customer_phone, delivery_zone_id, items: [{ product_id, quantity, variant }], notes }.
 * Admins and owners only (42501); prices come from the catalog; stock is taken under the
 * products' row locks (22023 « stock insuffisant » when short); status pending, unpaid.
 * Called through public.create_order.
 */
create function private.create_order(p_company text, p_order jsonb)
returns public.orders
language plpgsql
volatile
-- definer: numbers and stock are written by this function only; the admin check is the rule
security definer
set search_path = ''
as $$
declare
  v_company uuid;
  v_item jsonb;
  v_product public.products;
  v_quantity integer;
  v_items jsonb := '[]';
  v_total integer := 0;
  v_zone public.delivery_zones;
  v_order public.orders;
begin
  begin
    v_company := private.resolve_company(p_company);
  exception when sqlstate 'P0002' then
    v_company := null;
  end;
  if (select auth.role()) is distinct from 'service_role'
    and (v_company is null or not private.is_member(v_company, 'admin')) then
    raise exception 'create_order: requires an admin of company %', p_company using errcode = '42501';
  end if;
  if v_company is null then
    raise exception 'unknown company: %', p_company using errcode = 'P0002';
  end if;
  if jsonb_typeof(p_order -> 'items') is distinct from 'array' or jsonb_array_length(p_order -> 'items') = 0 then
    raise exception 'create_order: items must be a non-empty array' using errcode = '22023';
  end if;
  if p_order ->> 'delivery_zone_id' is not null then
    select * into v_zone from public.delivery_zones z
    where z.id = (p_order ->> 'delivery_zone_id')::uuid and z.company_id = v_company;
    if not found then
      raise exception 'create_order: unknown delivery zone %', p_order ->> 'delivery_zone_id' using errcode = '22023';
    end if;
  end if;
  -- Products locked in a fixed order, so that two orders of the same products cannot deadlock.
  for v_item in
    select value from jsonb_array_elements(p_order -> 'items') order by value ->> 'product_id'
  loop
    v_quantity := coalesce((v_item ->> 'quantity')::integer, 1);
    if v_quantity < 1 or v_quantity > 100 then
      raise exception 'create_order: a quantity must be between 1 and 100' using errcode = '22023';
    end if;
    select * into v_product from public.products p
    where p.id = (v_item ->> 'product_id')::uuid and p.company_id = v_company for update;
    if not found then
      raise exception 'create_order: unknown product %', v_item ->> 'product_id' using errcode = '22023';
    end if;
    if v_product.stock is not null and v_product.stock < v_quantity then
      raise exception 'create_order: stock insuffisant pour %: % en stock', v_product.name, v_product.stock
        using errcode = '22023';
    end if;
    update public.products p set stock = p.stock - v_quantity where p.id = v_product.id and p.stock is not null;
    v_items := v_items || pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'product_id', v_product.id, 'name', v_product.name, 'variant', coalesce(v_item -> 'variant', '{}'),
      'quantity', v_quantity, 'unit_price', v_product.price, 'line_total', v_product.price * v_quantity));
    v_total := v_total + v_product.price * v_quantity;
  end loop;
  insert into public.orders (company_id, number, customer_name, customer_phone, delivery_zone_id, delivery_zone,
    delivery_fee, items, items_total, total_amount, status, payment_status, source, notes)
  values (v_company, private.next_order_number(v_company), p_order ->> 'customer_name', p_order ->> 'customer_phone',
    v_zone.id, v_zone.name, coalesce(v_zone.fee, 0), v_items, v_total, v_total + coalesce(v_zone.fee, 0),
    'pending', 'unpaid', 'manual', p_order ->> 'notes')
  returning * into v_order;
  return v_order;
end;
$$;
revoke all on function private.create_order(text, jsonb) from public;
grant execute on function private.create_order(text, jsonb) to authenticated, service_role;

/**
 * An order entered by hand (private.create_order, which holds the rule). Invoker entry point:
 * orders are inserted and stock taken by the definer in private only, so that numbers, prices
 * and stock follow the catalog (members may not insert orders nor number them).
 */
create or replace function public.create_order(p_company text, p_order jsonb)
returns public.orders
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from private.create_order(p_company, p_order)
$$;
