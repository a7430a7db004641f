-- Botlive's orders: the order being filled per conversation (the four slots, in the database so
-- that the shop sees it filling and a restarted function loses nothing), the orders with the
-- shape the frontend already reads plus what the bot needs (phone, zone and fee, a short number
-- per company `CMD-0042`, the session), payments with a reference accepted once per company,
-- and the one transaction that turns a complete, paid draft into an order (stock taken under a
-- row lock: two customers racing for the last item get one order). Every event writes an
-- activity by trigger. Amounts are integers of XOF.

/** The last order number of each company (CMD-0001, CMD-0002, …); taken under the row's lock. */
create table private.order_numbers (
  company_id uuid primary key references public.companies (id) on delete cascade,
  last_number integer not null default 0
);
revoke all on private.order_numbers from anon, authenticated, service_role;

/** The next order number of a company, race-safe. */
create function private.next_order_number(p_company uuid)
returns integer
language sql
volatile
set search_path = ''
as $$
  insert into private.order_numbers as n (company_id, last_number) values (p_company, 1)
  on conflict (company_id) do update set last_number = n.last_number + 1
  returning last_number
$$;

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  conversation_id uuid references public.conversations (id) on delete set null,
  session_id uuid references public.bot_sessions (id) on delete set null,
  number integer not null constraint orders_number_positive check (number > 0),
  order_number text generated always as (
    'CMD-' || case when number < 10000 then lpad(number::text, 4, '0') else number::text end
  ) stored,
  customer_name text constraint orders_customer_name_length check (length(customer_name) <= 200),
  customer_phone text
    constraint orders_customer_phone_format check (customer_phone ~ '^\+221(70|75|76|77|78)[0-9]{7}$'),
  delivery_zone_id uuid references public.delivery_zones (id) on delete set null,
  delivery_zone text,
  delivery_fee integer not null default 0 constraint orders_delivery_fee_nonnegative check (delivery_fee >= 0),
  items jsonb not null
    constraint orders_items_shape check (jsonb_typeof(items) = 'array' and jsonb_array_length(items) > 0),
  items_total integer not null constraint orders_items_total_nonnegative check (items_total >= 0),
  total_amount integer not null,
  status text not null default 'pending'
    constraint orders_status_valid check (status in ('pending', 'confirmed', 'shipped', 'delivered', 'cancelled')),
  payment_status text not null default 'unpaid'
    constraint orders_payment_status_valid check (payment_status in ('unpaid', 'paid', 'refunded')),
  source text not null default 'botlive' constraint orders_source_valid check (source in ('botlive', 'manual')),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint orders_total_is_items_plus_delivery check (total_amount = items_total + delivery_fee),
  constraint orders_company_id_number_key unique (company_id, number)
);
create index orders_company_id_status_created_at_idx on public.orders (company_id, status, created_at desc);
create index orders_company_id_created_at_idx on public.orders (company_id, created_at desc);
create index orders_conversation_id_idx on public.orders (conversation_id);
create index orders_session_id_idx on public.orders (session_id);
create index orders_delivery_zone_id_idx on public.orders (delivery_zone_id);

create trigger orders_touch_updated_at
  before update on public.orders
  for each row execute function private.touch_updated_at();

/** An order status in French, for the feed. */
create function private.order_status_label(p_status text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_status
    when 'pending' then 'en attente' when 'confirmed' then 'confirmée' when 'shipped' then 'expédiée'
    when 'delivered' then 'livrée' when 'cancelled' then 'annulée' else p_status end
$$;

/**
 * The transitions an order may take: pending → confirmed → shipped → delivered, and cancelled
 * from any open state (pending, confirmed, shipped). Anything else is refused with 55000
 * (the functions answer 409).
 */
create function private.orders_check_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status and not (
    (old.status = 'pending' and new.status in ('confirmed', 'cancelled'))
    or (old.status = 'confirmed' and new.status in ('shipped', 'cancelled'))
    or (old.status = 'shipped' and new.status in ('delivered', 'cancelled'))
  ) then
    raise exception 'order %: % → % is not allowed', old.order_number, old.status, new.status
      using errcode = '55000',
        hint = 'pending → confirmed → shipped → delivered; cancelled from pending, confirmed or shipped';
  end if;
  return new;
end;
$$;

create trigger orders_check_transition
  before update of status on public.orders
  for each row execute function private.orders_check_transition();

/** What an order's items say in one line: « Robe wax (M) × 2, Sac cuir ». */
create function private.order_items_text(p_items jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select string_agg(
    (i ->> 'name')
      || coalesce(' (' || nullif((select string_agg(v.value, ', ' order by v.key) from jsonb_each_text(coalesce(i -> 'variant', '{}')) v), '') || ')', '')
      || case when coalesce((i ->> 'quantity')::integer, 1) > 1 then ' × ' || (i ->> 'quantity') else '' end,
    ', ' order by ordinality)
  from jsonb_array_elements(p_items) with ordinality as e (i, ordinality)
$$;

/**
 * The feed's order events (created; each status change), and the stock given back when an
 * order is cancelled.
 */
create function private.orders_after_write()
returns trigger
language plpgsql
-- definer: restocking and log_activity run for whichever role changed the order
security definer
set search_path = ''
as $$
declare
  v_item jsonb;
begin
  if tg_op = 'INSERT' then
    perform public.log_activity(
      new.company_id::text, 'order.created', 'Nouvelle commande ' || new.order_number,
      concat_ws(' — ', nullif(new.customer_name, ''), private.order_items_text(new.items),
        private.xof(new.total_amount) || coalesce(', livraison ' || new.delivery_zone, '')),
      'success',
      pg_catalog.jsonb_build_object('order_id', new.id, 'order_number', new.order_number,
        'total_amount', new.total_amount, 'customer_name', new.customer_name,
        'produit', private.order_items_text(new.items)),
      new.conversation_id
    );
  elsif new.status is distinct from old.status then
    if new.status = 'cancelled' then
      for v_item in select * from jsonb_array_elements(new.items) loop
        update public.products p set stock = p.stock + (v_item ->> 'quantity')::integer
        where p.id = (v_item ->> 'product_id')::uuid and p.company_id = new.company_id and p.stock is not null;
      end loop;
    end if;
    perform public.log_activity(
      new.company_id::text, 'order.status_changed',
      'Commande ' || new.order_number || ' ' || private.order_status_label(new.status),
      pg_catalog.format('%s → %s', private.order_status_label(old.status), private.order_status_label(new.status)),
      case new.status when 'cancelled' then 'warning' when 'delivered' then 'success' else 'info' end,
      pg_catalog.jsonb_build_object('order_id', new.id, 'order_number', new.order_number,
        'from', old.status, 'to', new.status, 'customer_name', new.customer_name,
        'produit', private.order_items_text(new.items)),
      new.conversation_id
    );
  end if;
  return null;
end;
$$;

create trigger orders_after_write
  after insert or update of status on public.orders
  for each row execute function private.orders_after_write();

/**
 * One payment proof. `reference` (the mobile-money transaction id) is accepted once per
 * company: a second proof with the same reference is recorded `rejected` and pays nothing.
 * `detected_amount` is what the conversation's proofs add up to when this one was checked,
 * `required_amount` what the order needed then.
 */
create table public.payments (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  order_id uuid references public.orders (id) on delete set null,
  conversation_id uuid references public.conversations (id) on delete set null,
  amount integer not null constraint payments_amount_range check (amount > 0 and amount <= 100000000),
  method text not null
    constraint payments_method_valid check (method in ('wave', 'orange_money', 'free_money', 'cash', 'card', 'other')),
  reference text constraint payments_reference_format check (btrim(reference) <> '' and length(reference) <= 100),
  status text not null constraint payments_status_valid check (status in ('validated', 'insufficient', 'rejected')),
  detected_amount integer,
  required_amount integer,
  source text not null default 'text' constraint payments_source_valid check (source in ('text', 'image', 'manual')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index payments_company_id_reference_idx
  on public.payments (company_id, upper(reference)) where reference is not null and status <> 'rejected';
create index payments_order_id_idx on public.payments (order_id);
create index payments_conversation_id_idx on public.payments (conversation_id);
create index payments_company_id_created_at_idx on public.payments (company_id, created_at desc);

create trigger payments_touch_updated_at
  before update on public.payments
  for each row execute function private.touch_updated_at();

/** A payment method in French. */
create function private.payment_method_label(p_method text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_method
    when 'wave' then 'Wave' when 'orange_money' then 'Orange Money' when 'free_money' then 'Free Money'
    when 'cash' then 'espèces' when 'card' then 'carte' else 'autre moyen' end
$$;

/** The feed's payment events: a proof below the amount due, or refused (a reference seen before). */
create function private.payments_after_insert()
returns trigger
language plpgsql
-- definer: log_activity on behalf of the service RPCs
security definer
set search_path = ''
as $$
begin
  if new.status = 'insufficient' then
    perform public.log_activity(
      new.company_id::text, 'payment.insufficient',
      pg_catalog.format('Montant insuffisant : %s reçu, %s requis', private.xof(new.detected_amount), private.xof(new.required_amount)),
      pg_catalog.format('Il manque %s (%s).', private.xof(new.required_amount - new.detected_amount), private.payment_method_label(new.method)),
      'warning',
      pg_catalog.jsonb_build_object('payment_id', new.id, 'amount', new.amount, 'detected_amount', new.detected_amount,
        'required_amount', new.required_amount, 'method', new.method),
      new.conversation_id
    );
  elsif new.status = 'rejected' then
    perform public.log_activity(
      new.company_id::text, 'payment.rejected', 'Preuve de paiement refusée',
      pg_catalog.format('La référence %s a déjà servi : ce paiement n''est pas compté.', new.reference),
      'error',
      pg_catalog.jsonb_build_object('payment_id', new.id, 'amount', new.amount, 'reference', new.reference),
      new.conversation_id
    );
  end if;
  return null;
end;
$$;

create trigger payments_after_insert
  after insert on public.payments
  for each row execute function private.payments_after_insert();

/**
 * The order being filled in a conversation: the four slots (product with variant and quantity,
 * payment, delivery zone, phone) as the bot understood them so far. Deleted when the order is
 * placed or cancelled.
 */
create table public.botlive_drafts (
  conversation_id uuid primary key references public.conversations (id) on delete cascade,
  company_id uuid not null references public.companies (id) on delete cascade,
  customer_name text constraint botlive_drafts_customer_name_length check (length(customer_name) <= 200),
  product_id uuid references public.products (id) on delete set null,
  variant jsonb not null default '{}' constraint botlive_drafts_variant_object check (jsonb_typeof(variant) = 'object'),
  quantity integer not null default 1 constraint botlive_drafts_quantity_range check (quantity between 1 and 100),
  delivery_zone_id uuid references public.delivery_zones (id) on delete set null,
  phone text constraint botlive_drafts_phone_format check (phone ~ '^\+221(70|75|76|77|78)[0-9]{7}$'),
  -- A proof sent before the amount due was known (no product or zone yet): checked once it is.
  pending_payment jsonb constraint botlive_drafts_pending_payment_object check (jsonb_typeof(pending_payment) = 'object'),
  asked text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index botlive_drafts_company_id_updated_at_idx on public.botlive_drafts (company_id, updated_at desc);
create index botlive_drafts_product_id_idx on public.botlive_drafts (product_id);
create index botlive_drafts_delivery_zone_id_idx on public.botlive_drafts (delivery_zone_id);

create trigger botlive_drafts_touch_updated_at
  before update on public.botlive_drafts
  for each row execute function private.touch_updated_at();

alter table public.orders enable row level security;
alter table public.payments enable row level security;
alter table public.botlive_drafts enable row level security;

-- Members read; admins change an order's status and notes (the transition rule above decides
-- which status), create orders through create_order; everything else is written by the
-- botlive functions below, as service_role.
revoke all on public.orders, public.payments, public.botlive_drafts from anon, authenticated, service_role;
grant select on public.orders, public.payments, public.botlive_drafts to authenticated, service_role;
grant update (status, notes) on public.orders to authenticated;

create policy orders_select_member on public.orders
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy orders_update_admin on public.orders
  for update to authenticated
  using ((select private.is_member(company_id, 'admin')))
  with check ((select private.is_member(company_id, 'admin')));
create policy payments_select_member on public.payments
  for select to authenticated
  using ((select private.is_member(company_id)));
create policy botlive_drafts_select_member on public.botlive_drafts
  for select to authenticated
  using ((select private.is_member(company_id)));

alter publication supabase_realtime add table public.orders, public.botlive_drafts;

/**
 * Writes the draft of a conversation of p_company from the bot's understanding (p_draft:
 * customer_name, product_id, variant, quantity, delivery_zone_id, phone, pending_payment,
 * asked; absent keys keep their value, JSON null clears one). A product or zone of another
 * company is 22023. Returns the draft.
 */
create function public.botlive_save_draft(p_company text, p_conversation uuid, p_draft jsonb)
returns public.botlive_drafts
language plpgsql
volatile
-- definer: the draft table is written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_row public.botlive_drafts;
begin
  if not exists (select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company) then
    raise exception 'botlive_save_draft: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  if p_draft ? 'product_id' and p_draft ->> 'product_id' is not null and not exists (
    select 1 from public.products p where p.id = (p_draft ->> 'product_id')::uuid and p.company_id = v_company
  ) then
    raise exception 'botlive_save_draft: unknown product %', p_draft ->> 'product_id' using errcode = '22023';
  end if;
  if p_draft ? 'delivery_zone_id' and p_draft ->> 'delivery_zone_id' is not null and not exists (
    select 1 from public.delivery_zones z where z.id = (p_draft ->> 'delivery_zone_id')::uuid and z.company_id = v_company
  ) then
    raise exception 'botlive_save_draft: unknown delivery zone %', p_draft ->> 'delivery_zone_id' using errcode = '22023';
  end if;
  insert into public.botlive_drafts as d (conversation_id, company_id) values (p_conversation, v_company)
  on conflict (conversation_id) do nothing;
  update public.botlive_drafts d set
    customer_name = case when p_draft ? 'customer_name' then p_draft ->> 'customer_name' else d.customer_name end,
    product_id = case when p_draft ? 'product_id' then (p_draft ->> 'product_id')::uuid else d.product_id end,
    variant = case when p_draft ? 'variant' then coalesce(nullif(p_draft -> 'variant', 'null'), '{}') else d.variant end,
    quantity = case when p_draft ? 'quantity' then coalesce((p_draft ->> 'quantity')::integer, 1) else d.quantity end,
    delivery_zone_id = case when p_draft ? 'delivery_zone_id' then (p_draft ->> 'delivery_zone_id')::uuid else d.delivery_zone_id end,
    phone = case when p_draft ? 'phone' then p_draft ->> 'phone' else d.phone end,
    pending_payment = case when p_draft ? 'pending_payment' then nullif(p_draft -> 'pending_payment', 'null') else d.pending_payment end,
    asked = case when p_draft ? 'asked' then p_draft ->> 'asked' else d.asked end
  where d.conversation_id = p_conversation
  returning * into v_row;
  return v_row;
end;
$$;
grant execute on function public.botlive_save_draft(text, uuid, jsonb) to service_role;

/** Drops a conversation's draft (the customer cancelled); true when there was one. */
create function public.botlive_cancel_draft(p_company text, p_conversation uuid)
returns boolean
language sql
volatile
-- definer: the draft table is written by the bot only
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.botlive_drafts d
    where d.conversation_id = p_conversation and d.company_id = private.resolve_company(p_company)
    returning 1
  )
  select exists (select 1 from gone)
$$;
grant execute on function public.botlive_cancel_draft(text, uuid) to service_role;

/**
 * What the draft of a conversation costs, from the database: unit price × quantity + the
 * zone's fee (null while the product or the zone is unknown), and what the conversation's
 * proofs not yet attached to an order add up to.
 */
create function private.draft_amounts(p_conversation uuid)
returns table (required integer, paid integer)
language sql
stable
set search_path = ''
as $$
  select
    (select p.price * d.quantity + z.fee
       from public.botlive_drafts d
       join public.products p on p.id = d.product_id
       join public.delivery_zones z on z.id = d.delivery_zone_id
      where d.conversation_id = p_conversation),
    coalesce((select sum(pay.amount)::integer from public.payments pay
      where pay.conversation_id = p_conversation and pay.order_id is null and pay.status <> 'rejected'), 0)
$$;
grant execute on function private.draft_amounts(uuid) to service_role;

/**
 * Records a payment proof for the draft of a conversation. The amount due must be known
 * (product and zone in the draft, else 22023). A reference already used in the company is
 * recorded `rejected` (race-safe: the unique index decides); otherwise the proof is
 * `validated` when the conversation's proofs now cover the amount due, else `insufficient`
 * (which logs « Montant insuffisant : … reçu, … requis »). Returns { status, paid, required, missing }.
 */
create function public.botlive_record_payment(
  p_company text,
  p_conversation uuid,
  p_amount integer,
  p_method text,
  p_reference text,
  p_source text default 'text'
)
returns jsonb
language plpgsql
volatile
-- definer: payments are written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_required integer;
  v_paid integer;
  v_status text;
begin
  if not exists (select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company) then
    raise exception 'botlive_record_payment: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  if p_amount is null or p_amount <= 0 or p_amount > 100000000 then
    raise exception 'botlive_record_payment: the amount must be between 1 and 100 000 000 FCFA' using errcode = '22023';
  end if;
  -- The conversation's draft row serialises its payments.
  perform 1 from public.botlive_drafts d where d.conversation_id = p_conversation for update;
  select a.required, a.paid into v_required, v_paid from private.draft_amounts(p_conversation) a;
  if v_required is null then
    raise exception 'botlive_record_payment: the amount due is not known yet (product and zone)' using errcode = '22023';
  end if;
  v_status := case when v_paid + p_amount >= v_required then 'validated' else 'insufficient' end;
  begin
    insert into public.payments (company_id, conversation_id, amount, method, reference, status,
      detected_amount, required_amount, source)
    values (v_company, p_conversation, p_amount, p_method, nullif(btrim(p_reference), ''), v_status,
      v_paid + p_amount, v_required, p_source);
  exception when unique_violation then
    insert into public.payments (company_id, conversation_id, amount, method, reference, status,
      detected_amount, required_amount, source)
    values (v_company, p_conversation, p_amount, p_method, nullif(btrim(p_reference), ''), 'rejected',
      v_paid, v_required, p_source);
    v_status := 'rejected';
  end;
  if v_status <> 'rejected' then
    v_paid := v_paid + p_amount;
  end if;
  return pg_catalog.jsonb_build_object('status', v_status, 'paid', v_paid, 'required', v_required,
    'missing', greatest(v_required - v_paid, 0));
end;
$$;
grant execute on function public.botlive_record_payment(text, uuid, integer, text, text, text) to service_role;

/**
 * Turns the conversation's complete and paid draft into an order, exactly once, in one
 * transaction: the draft and the product are locked; a product short of stock gives
 * `out_of_stock` (logged « Rupture de stock », the product taken out of the draft); the amount due is recomputed from the
 * catalog and must be covered by the conversation's proofs (`insufficient` otherwise); then the
 * order is created with the next number, the stock taken, the proofs attached and validated
 * (one « Paiement validé » in the feed), the draft deleted. Without a draft: `no_draft`;
 * with a slot missing: `incomplete`. Returns { status, order?, required?, paid?, missing?, stock? }.
 */
create function public.botlive_place_order(p_company text, p_conversation uuid, p_session uuid default null)
returns jsonb
language plpgsql
volatile
-- definer: orders, stock, numbers and payments are written by this transaction only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_draft public.botlive_drafts;
  v_product public.products;
  v_zone public.delivery_zones;
  v_paid integer;
  v_required integer;
  v_method text;
  v_order public.orders;
  v_items jsonb;
begin
  select * into v_draft from public.botlive_drafts d
  where d.conversation_id = p_conversation and d.company_id = v_company for update;
  if not found then
    return pg_catalog.jsonb_build_object('status', 'no_draft');
  end if;
  if v_draft.product_id is null or v_draft.delivery_zone_id is null or v_draft.phone is null then
    return pg_catalog.jsonb_build_object('status', 'incomplete');
  end if;
  select * into v_product from public.products p where p.id = v_draft.product_id for update;
  select * into v_zone from public.delivery_zones z where z.id = v_draft.delivery_zone_id;
  if not v_product.is_active or (v_product.stock is not null and v_product.stock < v_draft.quantity) then
    perform public.log_activity(
      v_company::text, 'order.out_of_stock', 'Rupture de stock : ' || v_product.name,
      pg_catalog.format('%s demandé(s), %s en stock.', v_draft.quantity, coalesce(v_product.stock, 0)),
      'warning',
      pg_catalog.jsonb_build_object('product_id', v_product.id, 'requested', v_draft.quantity, 'stock', v_product.stock,
        'client', v_draft.customer_name, 'produit', v_product.name),
      p_conversation
    );
    -- The customer chooses another article; her proofs stay unattached (kept for it, or refunded).
    update public.botlive_drafts d set product_id = null, variant = '{}', quantity = 1
    where d.conversation_id = p_conversation;
    return pg_catalog.jsonb_build_object('status', 'out_of_stock', 'stock', coalesce(v_product.stock, 0),
      'product', v_product.name);
  end if;
  v_required := v_product.price * v_draft.quantity + v_zone.fee;
  select coalesce(sum(pay.amount), 0)::integer,
    (array_agg(pay.method order by pay.created_at desc))[1]
    into v_paid, v_method
  from public.payments pay
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.status <> 'rejected';
  if v_paid < v_required then
    return pg_catalog.jsonb_build_object('status', 'insufficient', 'required', v_required, 'paid', v_paid,
      'missing', v_required - v_paid);
  end if;

  v_items := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
    'product_id', v_product.id, 'name', v_product.name, 'variant', v_draft.variant,
    'quantity', v_draft.quantity, 'unit_price', v_product.price, 'line_total', v_product.price * v_draft.quantity));
  insert into public.orders (company_id, conversation_id, session_id, number, customer_name, customer_phone,
    delivery_zone_id, delivery_zone, delivery_fee, items, items_total, total_amount, status, payment_status, source)
  values (v_company, p_conversation, p_session, private.next_order_number(v_company), v_draft.customer_name,
    v_draft.phone, v_zone.id, v_zone.name, v_zone.fee, v_items, v_product.price * v_draft.quantity, v_required,
    'pending', 'paid', 'botlive')
  returning * into v_order;
  update public.products p set stock = p.stock - v_draft.quantity where p.id = v_product.id and p.stock is not null;
  update public.payments pay set order_id = v_order.id, status = 'validated'
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.status <> 'rejected';
  perform public.log_activity(
    v_company::text, 'payment.validated',
    pg_catalog.format('Paiement validé : %s (%s)', private.xof(v_paid), private.payment_method_label(v_method)),
    pg_catalog.format('Commande %s, %s requis.', v_order.order_number, private.xof(v_required)),
    'success',
    pg_catalog.jsonb_build_object('order_id', v_order.id, 'order_number', v_order.order_number, 'paid', v_paid,
      'required', v_required, 'method', v_method, 'client', v_order.customer_name, 'produit', v_product.name),
    p_conversation
  );
  delete from public.botlive_drafts d where d.conversation_id = p_conversation;
  return pg_catalog.jsonb_build_object('status', 'created', 'order', to_jsonb(v_order), 'paid', v_paid,
    'required', v_required, 'stock', (select p.stock from public.products p where p.id = v_product.id));
end;
$$;
grant execute on function public.botlive_place_order(text, uuid, uuid) to service_role;

/**
 * An order entered by hand (a phone call, a customer at the shop): p_order { customer_name,
 * customer_phone, delivery_zone_id, items: [{ product_id, quantity, variant }], notes }.
 * Admins and owners only (42501); prices come from the catalog; stock is taken under the
 * products' row locks (22023 « stock insuffisant » when short); status pending, unpaid.
 */
create function public.create_order(p_company text, p_order jsonb)
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
grant execute on function public.create_order(text, jsonb) to authenticated, service_role;
