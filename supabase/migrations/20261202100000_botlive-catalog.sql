-- Botlive's catalog: what a shop sells during its lives (products, with variants, a price in
-- XOF and a stock) and where it delivers (zones with their fee). Members read; admins and
-- owners edit; the botlive function (service_role) reads, and its order placement takes the
-- stock (migration botlive-orders). XOF has no minor unit: every amount is an integer of francs.

/** An amount in XOF as the shop writes it: `15 000 FCFA` (thousands by spaces, no decimals). */
create function private.xof(p_amount bigint)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_digits text := abs(p_amount)::text;
  v_out text := '';
begin
  if p_amount is null then
    return null;
  end if;
  while length(v_digits) > 3 loop
    v_out := ' ' || right(v_digits, 3) || v_out;
    v_digits := left(v_digits, length(v_digits) - 3);
  end loop;
  return case when p_amount < 0 then '-' else '' end || v_digits || v_out || ' FCFA';
end;
$$;

/**
 * One product of a company's catalog. `variants` maps an option to its values
 * (`{"taille": ["S", "M", "L"], "couleur": ["rouge", "wax bleu"]}`); `stock` null is
 * unlimited; `aliases` are the names customers use (« la robe wax », « article 12 »).
 */
create table public.products (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  name text not null
    constraint products_name_not_blank check (btrim(name) <> '' and length(name) <= 200),
  description text,
  variants jsonb not null default '{}'
    constraint products_variants_shape check (
      jsonb_typeof(variants) = 'object'
      and not jsonb_path_exists(variants, 'strict $.* ? (@.type() != "array")')
      and not jsonb_path_exists(variants, 'strict $.*[*] ? (@.type() != "string")')
    ),
  price integer not null
    constraint products_price_range check (price > 0 and price <= 100000000),
  stock integer
    constraint products_stock_nonnegative check (stock >= 0),
  aliases text[] not null default '{}',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint products_company_id_name_key unique (company_id, name)
);

create trigger products_touch_updated_at
  before update on public.products
  for each row execute function private.touch_updated_at();

/** Where a company delivers, the names customers use for it, and the fee in XOF. */
create table public.delivery_zones (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  name text not null
    constraint delivery_zones_name_not_blank check (btrim(name) <> '' and length(name) <= 200),
  aliases text[] not null default '{}',
  fee integer not null default 0
    constraint delivery_zones_fee_range check (fee >= 0 and fee <= 1000000),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint delivery_zones_company_id_name_key unique (company_id, name)
);

create trigger delivery_zones_touch_updated_at
  before update on public.delivery_zones
  for each row execute function private.touch_updated_at();

alter table public.products enable row level security;
alter table public.delivery_zones enable row level security;

-- Column grants: ids, the owning company and timestamps are never rewritten through the API.
-- service_role (botlive) reads; the stock changes only in the order functions.
revoke all on public.products, public.delivery_zones from anon, authenticated, service_role;
grant select on public.products, public.delivery_zones to authenticated, service_role;
grant insert (company_id, name, description, variants, price, stock, aliases, is_active)
  on public.products to authenticated;
grant update (name, description, variants, price, stock, aliases, is_active) on public.products to authenticated;
grant insert (company_id, name, aliases, fee, is_active) on public.delivery_zones to authenticated;
grant update (name, aliases, fee, is_active) on public.delivery_zones to authenticated;
grant delete on public.products, public.delivery_zones to authenticated;

create policy products_select_member on public.products
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy products_insert_admin on public.products
  for insert to authenticated
  with check ((select private.is_member(company_id, 'admin')));
create policy products_update_admin on public.products
  for update to authenticated
  using ((select private.is_member(company_id, 'admin')))
  with check ((select private.is_member(company_id, 'admin')));
create policy products_delete_admin on public.products
  for delete to authenticated
  using ((select private.is_member(company_id, 'admin')));

create policy delivery_zones_select_member on public.delivery_zones
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy delivery_zones_insert_admin on public.delivery_zones
  for insert to authenticated
  with check ((select private.is_member(company_id, 'admin')));
create policy delivery_zones_update_admin on public.delivery_zones
  for update to authenticated
  using ((select private.is_member(company_id, 'admin')))
  with check ((select private.is_member(company_id, 'admin')));
create policy delivery_zones_delete_admin on public.delivery_zones
  for delete to authenticated
  using ((select private.is_member(company_id, 'admin')));
