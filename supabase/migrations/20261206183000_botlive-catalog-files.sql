-- Catalogs from files: a CSV (or JSON) a shop's admin uploads to the `catalogs` bucket is checked
-- row by row by the `orders` function (POST /orders/catalog, the same reader as `npm run
-- catalog`) and applied here in one transaction, or not at all: products and delivery zones
-- created or updated by name (idempotent on (company_id, name)), the others left alone; with
-- p_dry_run the same counts and nothing written. Invoker: the admin's own rights and RLS decide
-- (products and zones are admins' to write); the feed says what changed.

create function public.botlive_import_catalog(p_company text, p_products jsonb, p_zones jsonb,
  p_dry_run boolean default false, p_file text default null)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  -- Under RLS: a company the caller is not a member of is not found (the same refusal below).
  v_company uuid := (select c.id from public.companies c where c.id::text = p_company or c.slug = p_company);
  v_row jsonb;
  v_current record;
  v_result jsonb := '{}';
  v_counts jsonb;
  v_created integer;
  v_updated integer;
  v_unchanged integer;
  v_names text[];
begin
  if v_company is null or not private.is_member(v_company, 'admin') then
    raise exception 'botlive_import_catalog: only an admin or owner of % imports its catalog', p_company
      using errcode = '42501';
  end if;

  v_created := 0; v_updated := 0; v_unchanged := 0; v_names := '{}';
  for v_row in select value from jsonb_array_elements(coalesce(p_products, '[]')) loop
    select p.id, p.description, p.variants, p.price, p.stock, p.aliases, p.is_active into v_current
      from public.products p where p.company_id = v_company and p.name = v_row ->> 'name';
    if not found then
      v_created := v_created + 1;
      v_names := v_names || ('+ ' || (v_row ->> 'name'));
      if not p_dry_run then
        insert into public.products (company_id, name, description, variants, price, stock, aliases, is_active)
        values (v_company, v_row ->> 'name', v_row ->> 'description', coalesce(v_row -> 'variants', '{}'),
          (v_row ->> 'price')::integer, (v_row ->> 'stock')::integer,
          coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), '{}'),
          coalesce((v_row ->> 'is_active')::boolean, true));
      end if;
    elsif (v_current.price, v_current.stock, v_current.variants, v_current.aliases, v_current.is_active,
           v_current.description) is distinct from (
           (v_row ->> 'price')::integer,
           case when v_row ? 'stock' then (v_row ->> 'stock')::integer else v_current.stock end,
           coalesce(v_row -> 'variants', v_current.variants),
           coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), v_current.aliases),
           coalesce((v_row ->> 'is_active')::boolean, v_current.is_active),
           case when v_row ? 'description' then v_row ->> 'description' else v_current.description end) then
      v_updated := v_updated + 1;
      v_names := v_names || ('~ ' || (v_row ->> 'name'));
      if not p_dry_run then
        update public.products p
           set price = (v_row ->> 'price')::integer,
               stock = case when v_row ? 'stock' then (v_row ->> 'stock')::integer else p.stock end,
               variants = coalesce(v_row -> 'variants', p.variants),
               aliases = coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), p.aliases),
               is_active = coalesce((v_row ->> 'is_active')::boolean, p.is_active),
               description = case when v_row ? 'description' then v_row ->> 'description' else p.description end
         where p.id = v_current.id;
      end if;
    else
      v_unchanged := v_unchanged + 1;
    end if;
  end loop;
  v_result := v_result || jsonb_build_object('products', jsonb_build_object('created', v_created,
    'updated', v_updated, 'unchanged', v_unchanged, 'changes', to_jsonb(v_names)));

  v_created := 0; v_updated := 0; v_unchanged := 0; v_names := '{}';
  for v_row in select value from jsonb_array_elements(coalesce(p_zones, '[]')) loop
    select z.id, z.fee, z.aliases, z.is_active into v_current
      from public.delivery_zones z where z.company_id = v_company and z.name = v_row ->> 'name';
    if not found then
      v_created := v_created + 1;
      v_names := v_names || ('+ ' || (v_row ->> 'name'));
      if not p_dry_run then
        insert into public.delivery_zones (company_id, name, fee, aliases, is_active)
        values (v_company, v_row ->> 'name', (v_row ->> 'fee')::integer,
          coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), '{}'),
          coalesce((v_row ->> 'is_active')::boolean, true));
      end if;
    elsif (v_current.fee, v_current.aliases, v_current.is_active) is distinct from (
           (v_row ->> 'fee')::integer,
           coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), v_current.aliases),
           coalesce((v_row ->> 'is_active')::boolean, v_current.is_active)) then
      v_updated := v_updated + 1;
      v_names := v_names || ('~ ' || (v_row ->> 'name'));
      if not p_dry_run then
        update public.delivery_zones z
           set fee = (v_row ->> 'fee')::integer,
               aliases = coalesce(array(select jsonb_array_elements_text(v_row -> 'aliases')), z.aliases),
               is_active = coalesce((v_row ->> 'is_active')::boolean, z.is_active)
         where z.id = v_current.id;
      end if;
    else
      v_unchanged := v_unchanged + 1;
    end if;
  end loop;
  v_result := v_result || jsonb_build_object('zones', jsonb_build_object('created', v_created,
    'updated', v_updated, 'unchanged', v_unchanged, 'changes', to_jsonb(v_names)));

  if not p_dry_run then
    perform public.log_activity(v_company::text, 'catalog.imported',
      format('Catalogue importé%s', coalesce(' : ' || p_file, '')),
      format('%s produit(s) créé(s), %s mis à jour ; %s zone(s) créée(s), %s mise(s) à jour.',
        v_result -> 'products' ->> 'created', v_result -> 'products' ->> 'updated',
        v_result -> 'zones' ->> 'created', v_result -> 'zones' ->> 'updated'), 'success');
  end if;
  return v_result || jsonb_build_object('dry_run', p_dry_run);
end;
$$;
revoke all on function public.botlive_import_catalog(text, jsonb, jsonb, boolean, text) from public;
grant execute on function public.botlive_import_catalog(text, jsonb, jsonb, boolean, text) to authenticated;
