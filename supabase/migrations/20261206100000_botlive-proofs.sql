-- Botlive's money, honest: a customer's proof of payment is a claim, not a payment. Every proof
-- the bot acknowledges is a row at once (`to_verify`), references are unique per company once
-- normalised (FAKE-0001 = fake0001), an order whose proofs cover it is placed `to_verify` (stock
-- held) until a member confirms or refuses it (who and when kept), and money owed back (a proof
-- kept after a sell-out or a cancellation, an amount over what was due) is a row until a member
-- settles it. The same inbound message processed twice at once is answered once (409 to the
-- others). The shop's country (Botlive's phones and payment methods) is a company setting.

/** The shop's country (ISO 3166 alpha-2) for Botlive's phone formats and payment methods; null reads as SN. */
alter table public.companies add column country text;

/**
 * A transaction reference as the uniqueness rule reads it: capitals and digits only (the same
 * rule for every proof; applied in SQL only).
 */
create function private.normalize_reference(p_reference text)
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select nullif(pg_catalog.regexp_replace(pg_catalog.upper(p_reference), '[^A-Z0-9]', '', 'g'), '')
$$;

/**
 * Money owed back to a customer: `refund` (a proof kept after a sell-out, a cancelled draft or
 * order) or `change` (paid over what was due). Written by the bot's SQL and the orders' trigger.
 * Built from a customer's claims, it is `to_verify` until a member confirms the money arrived
 * (then `owed`) or refuses the proof (then `void`); members settle what is `owed`
 * (private.botlive_settle_refund), never a claim nobody checked.
 */
create table public.refunds (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  conversation_id uuid references public.conversations (id) on delete set null,
  order_id uuid references public.orders (id) on delete set null,
  customer_name text,
  kind text not null constraint refunds_kind_valid check (kind in ('refund', 'change')),
  reason text not null
    constraint refunds_reason_valid check (reason in ('sold_out', 'draft_cancelled', 'order_cancelled', 'overpaid')),
  amount integer not null constraint refunds_amount_positive check (amount > 0),
  payment_references text[] not null default '{}',
  status text not null default 'to_verify'
    constraint refunds_status_valid check (status in ('to_verify', 'owed', 'settled', 'void')),
  settled_by uuid references auth.users (id) on delete set null,
  settled_at timestamptz,
  note text constraint refunds_note_length check (length(note) <= 500),
  created_at timestamptz not null default now(),
  constraint refunds_settled_consistent check ((status = 'settled') = (settled_at is not null))
);
create index refunds_company_id_status_created_at_idx on public.refunds (company_id, status, created_at desc);
create index refunds_conversation_id_idx on public.refunds (conversation_id);
create index refunds_order_id_idx on public.refunds (order_id);
create index refunds_settled_by_idx on public.refunds (settled_by);
-- One change and one refund at most per order (the trigger and place_order may both try).
create unique index refunds_order_id_reason_idx on public.refunds (order_id, reason) where order_id is not null;

alter table public.refunds enable row level security;
revoke all on public.refunds from anon, authenticated, service_role;
grant select on public.refunds to authenticated, service_role;
create policy refunds_select_member on public.refunds
  for select to authenticated
  using ((select private.is_member(company_id)));

-- Proofs: declared (`to_verify`) until a member or a provider decides (`validated` / `refused`);
-- `rejected` is a reference another conversation already used. The old `insufficient` proofs
-- were declared proofs too.
alter table public.payments drop constraint payments_status_valid;
update public.payments set status = 'to_verify' where status = 'insufficient';
alter table public.payments
  add constraint payments_status_valid check (status in ('to_verify', 'validated', 'refused', 'rejected')),
  add column refund_id uuid references public.refunds (id) on delete set null,
  add column verified_by uuid references auth.users (id) on delete set null,
  add column verified_at timestamptz,
  add column note text constraint payments_note_length check (length(note) <= 500);
alter table public.payments alter column status set default 'to_verify';
create index payments_refund_id_idx on public.payments (refund_id);
create index payments_verified_by_idx on public.payments (verified_by);

-- References unique once normalised: earlier look-alikes that paid another order are kept as
-- they were, later ones become what they were, a reuse.
with ranked as (
  select p.id, row_number() over (partition by p.company_id, private.normalize_reference(p.reference)
    order by p.created_at, p.id) as n
  from public.payments p
  where p.reference is not null and p.status not in ('rejected', 'refused')
)
update public.payments p set status = 'rejected' from ranked r where r.id = p.id and r.n > 1;
drop index public.payments_company_id_reference_idx;
-- A refused proof (the shop saw no money) frees its reference for whoever really paid with it.
create unique index payments_company_id_reference_key_idx
  on public.payments (company_id, private.normalize_reference(reference))
  where reference is not null and status not in ('rejected', 'refused');

-- Proofs a customer declared before this migration: unattached « validated » ones were only her
-- word, and those waiting in a draft (pending_payment) become rows like any other.
update public.payments set status = 'to_verify' where status = 'validated' and order_id is null;
insert into public.payments (company_id, conversation_id, amount, method, reference, status, source)
select d.company_id, d.conversation_id, (d.pending_payment ->> 'amount')::integer,
  coalesce(d.pending_payment ->> 'method', 'other'), btrim(d.pending_payment ->> 'reference'), 'to_verify', 'text'
from public.botlive_drafts d
where d.pending_payment ->> 'amount' ~ '^[0-9]{1,9}$' and (d.pending_payment ->> 'amount')::integer between 1 and 100000000
  and private.normalize_reference(d.pending_payment ->> 'reference') is not null
on conflict (company_id, private.normalize_reference(reference)) where reference is not null and status not in ('rejected', 'refused')
do nothing;
update public.botlive_drafts set pending_payment = null where pending_payment is not null;
comment on column public.botlive_drafts.pending_payment is 'Unused since 20261206100000: every declared proof is a payments row at once.';

alter table public.orders drop constraint orders_payment_status_valid;
alter table public.orders
  add constraint orders_payment_status_valid check (payment_status in ('unpaid', 'to_verify', 'paid', 'refunded')),
  add column payment_verified_by uuid references auth.users (id) on delete set null,
  add column payment_verified_at timestamptz;
create index orders_payment_verified_by_idx on public.orders (payment_verified_by);
create index orders_company_id_payment_status_idx on public.orders (company_id, payment_status)
  where payment_status = 'to_verify';

/**
 * What the draft of a conversation costs (unit price × quantity + the zone's fee; null while
 * the product or the zone is unknown), and what its proofs not yet attached to an order nor
 * owed back add up to (declared or validated).
 */
create or replace function private.draft_amounts(p_conversation uuid)
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
      where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
        and pay.status in ('to_verify', 'validated')), 0)
$$;

/**
 * Turns the conversation's proofs not attached to an order into money owed back (p_reason
 * sold_out or draft_cancelled); returns the amount (0 when there were none).
 */
create function private.owe_unattached_proofs(p_conversation uuid, p_reason text)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_refund public.refunds;
  v_amount integer;
begin
  select coalesce(sum(pay.amount), 0)::integer into v_amount from public.payments pay
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
    and pay.status in ('to_verify', 'validated');
  if v_amount = 0 then
    return 0;
  end if;
  insert into public.refunds (company_id, conversation_id, customer_name, kind, reason, amount, payment_references, status)
  select c.company_id, c.id, coalesce(d.customer_name, c.title), 'refund', p_reason, v_amount,
    coalesce((select array_agg(pay.reference order by pay.created_at) from public.payments pay
      where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
        and pay.status in ('to_verify', 'validated') and pay.reference is not null), '{}'),
    -- Owed only once the money is known to have arrived.
    case when exists (select 1 from public.payments pay where pay.conversation_id = p_conversation and pay.order_id is null
      and pay.refund_id is null and pay.status = 'to_verify') then 'to_verify' else 'owed' end
  from public.conversations c
  left join public.botlive_drafts d on d.conversation_id = c.id
  where c.id = p_conversation
  returning * into v_refund;
  update public.payments pay set refund_id = v_refund.id
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
    and pay.status in ('to_verify', 'validated');
  return v_amount;
end;
$$;
revoke all on function private.owe_unattached_proofs(uuid, text) from public;

/**
 * Records a payment proof a customer declared (text or screenshot) in p_company's conversation,
 * at once, whether the amount due is known or not: `to_verify`, counted toward the draft until
 * a member or a provider decides. Race-safe and serialised per conversation. The same
 * (normalised) reference sent again in the same conversation is the same proof (`duplicate`,
 * nothing written); used by another conversation it is recorded `rejected` and pays nothing;
 * past 100 000 000 FCFA of open claims in the conversation it is `over_limit`, nothing written.
 * Returns { status: to_verify | duplicate | rejected | over_limit, payment_id, paid, required, missing }
 * (required and missing null while the amount due is unknown).
 */
create or replace function public.botlive_record_payment(
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
  v_status text := 'to_verify';
  v_id uuid;
  v_key text := private.normalize_reference(p_reference);
begin
  -- The conversation's row serialises its proofs (two messages of one customer at once).
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  if not found then
    raise exception 'botlive_record_payment: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  if p_amount is null or p_amount <= 0 or p_amount > 100000000 then
    raise exception 'botlive_record_payment: the amount must be between 1 and 100 000 000 FCFA' using errcode = '22023';
  end if;
  if v_key is null then
    raise exception 'botlive_record_payment: a proof needs a transaction reference' using errcode = '22023';
  end if;
  -- Read once: the conversation's lock keeps them true until this transaction ends.
  select a.required, a.paid into v_required, v_paid from private.draft_amounts(p_conversation) a;
  select pay.id into v_id from public.payments pay
  where pay.company_id = v_company and pay.conversation_id = p_conversation and pay.status not in ('rejected', 'refused')
    and private.normalize_reference(pay.reference) = v_key;
  if found then
    v_status := 'duplicate';
  elsif v_paid + p_amount > 100000000 then
    -- Claims a conversation may hold open at once: what no live order costs (and no sum overflows).
    v_status := 'over_limit';
  else
    insert into public.payments (company_id, conversation_id, amount, method, reference, status,
      detected_amount, required_amount, source)
    values (v_company, p_conversation, p_amount, p_method, btrim(p_reference), 'to_verify',
      v_paid + p_amount, v_required, p_source)
    on conflict (company_id, private.normalize_reference(reference)) where reference is not null and status not in ('rejected', 'refused')
    do nothing
    returning id into v_id;
    if v_id is null then
      insert into public.payments (company_id, conversation_id, amount, method, reference, status, source)
      values (v_company, p_conversation, p_amount, p_method, btrim(p_reference), 'rejected', p_source)
      returning id into v_id;
      v_status := 'rejected';
    else
      v_paid := v_paid + p_amount;
    end if;
  end if;
  return pg_catalog.jsonb_build_object('status', v_status, 'payment_id', v_id, 'paid', v_paid, 'required', v_required,
    'missing', case when v_required is null then null else greatest(v_required - v_paid, 0) end);
end;
$$;

/** The feed's payment events: a declared proof below the amount due, a reference seen before. */
create or replace function private.payments_after_insert()
returns trigger
language plpgsql
-- definer: log_activity on behalf of the service RPCs
security definer
set search_path = ''
as $$
begin
  if new.status = 'to_verify' and new.required_amount is not null and new.detected_amount < new.required_amount then
    perform public.log_activity(
      new.company_id::text, 'payment.insufficient',
      pg_catalog.format('Montant insuffisant : %s déclaré, %s requis', private.xof(new.detected_amount), private.xof(new.required_amount)),
      pg_catalog.format('Il manque %s (%s, réf. %s).', private.xof(new.required_amount - new.detected_amount),
        private.payment_method_label(new.method), new.reference),
      'warning',
      pg_catalog.jsonb_build_object('payment_id', new.id, 'amount', new.amount, 'detected_amount', new.detected_amount,
        'required_amount', new.required_amount, 'method', new.method,
        'customer_name', (select c.title from public.conversations c where c.id = new.conversation_id)),
      new.conversation_id
    );
  elsif new.status = 'rejected' then
    perform public.log_activity(
      new.company_id::text, 'payment.rejected', 'Preuve de paiement refusée',
      pg_catalog.format('La référence %s a déjà servi : ce paiement n''est pas compté.', new.reference),
      'error',
      pg_catalog.jsonb_build_object('payment_id', new.id, 'amount', new.amount, 'reference', new.reference,
        'customer_name', (select c.title from public.conversations c where c.id = new.conversation_id)),
      new.conversation_id
    );
  end if;
  return null;
end;
$$;

/** Drops a conversation's draft (the customer cancelled): its proofs become money owed back. True when there was one. */
create or replace function public.botlive_cancel_draft(p_company text, p_conversation uuid)
returns boolean
language plpgsql
volatile
-- definer: the draft table is written by the bot only
security definer
set search_path = ''
as $$
declare
  v_found boolean;
begin
  perform 1 from public.conversations c
  where c.id = p_conversation and c.company_id = private.resolve_company(p_company) for no key update;
  perform 1 from public.botlive_drafts d
  where d.conversation_id = p_conversation and d.company_id = private.resolve_company(p_company) for update;
  v_found := found;
  if v_found then
    perform private.owe_unattached_proofs(p_conversation, 'draft_cancelled');
    delete from public.botlive_drafts d where d.conversation_id = p_conversation;
  end if;
  return v_found;
end;
$$;

/**
 * Turns the conversation's complete draft, whose declared proofs cover the amount due, into an
 * order, exactly once, in one transaction (draft and product locked): `out_of_stock` when short
 * (the proofs become a refund owed, the product leaves the draft), `insufficient` when the
 * proofs do not cover it; else the order with the next number, stock taken (held while the
 * proofs are checked), the proofs attached, payment_status `to_verify` (`paid` when every proof
 * was already validated), « Preuve reçue — à vérifier » in the feed, change owed for any excess,
 * the draft deleted. Without a draft: `no_draft`; a slot missing: `incomplete`.
 * Returns { status, order?, required?, paid?, missing?, change?, refund?, stock?, product? }.
 */
create or replace function public.botlive_place_order(p_company text, p_conversation uuid, p_session uuid default null)
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
  v_references text;
  v_verified boolean;
  v_order public.orders;
  v_items jsonb;
  v_refund integer;
begin
  -- The conversation's row first, as botlive_record_payment takes it: no proof lands mid-placement.
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
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
    -- What she sent is owed back; she may choose another article.
    v_refund := private.owe_unattached_proofs(p_conversation, 'sold_out');
    update public.botlive_drafts d set product_id = null, variant = '{}', quantity = 1
    where d.conversation_id = p_conversation;
    return pg_catalog.jsonb_build_object('status', 'out_of_stock', 'stock', coalesce(v_product.stock, 0),
      'product', v_product.name, 'refund', v_refund);
  end if;
  v_required := v_product.price * v_draft.quantity + v_zone.fee;
  select coalesce(sum(pay.amount), 0)::integer,
    (array_agg(pay.method order by pay.created_at desc))[1],
    string_agg(pay.reference, ', ' order by pay.created_at),
    coalesce(bool_and(pay.status = 'validated'), false)
    into v_paid, v_method, v_references, v_verified
  from public.payments pay
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
    and pay.status in ('to_verify', 'validated');
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
    'pending', case when v_verified then 'paid' else 'to_verify' end, 'botlive')
  returning * into v_order;
  update public.products p set stock = p.stock - v_draft.quantity where p.id = v_product.id and p.stock is not null;
  update public.payments pay set order_id = v_order.id
  where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
    and pay.status in ('to_verify', 'validated');
  if not v_verified then
    perform public.log_activity(
      v_company::text, 'payment.to_verify',
      pg_catalog.format('Preuve reçue — à vérifier : %s (%s)', private.xof(v_paid), private.payment_method_label(v_method)),
      pg_catalog.format('Commande %s de %s, %s requis, réf. %s. À confirmer avant l''envoi.', v_order.order_number,
        coalesce(v_order.customer_name, 'un client'), private.xof(v_required), v_references),
      'warning',
      pg_catalog.jsonb_build_object('order_id', v_order.id, 'order_number', v_order.order_number, 'paid', v_paid,
        'required', v_required, 'method', v_method, 'references', v_references, 'client', v_order.customer_name,
        'produit', v_product.name),
      p_conversation
    );
  end if;
  if v_paid > v_required then
    insert into public.refunds (company_id, conversation_id, order_id, customer_name, kind, reason, amount, payment_references, status)
    select v_company, p_conversation, v_order.id, v_order.customer_name, 'change', 'overpaid', v_paid - v_required,
      coalesce(array_agg(pay.reference order by pay.created_at) filter (where pay.reference is not null), '{}'),
      case when v_verified then 'owed' else 'to_verify' end
    from public.payments pay where pay.order_id = v_order.id;
  end if;
  delete from public.botlive_drafts d where d.conversation_id = p_conversation;
  return pg_catalog.jsonb_build_object('status', 'created', 'order', to_jsonb(v_order), 'paid', v_paid,
    'required', v_required, 'change', greatest(v_paid - v_required, 0),
    'stock', (select p.stock from public.products p where p.id = v_product.id));
end;
$$;

/**
 * After a proof is refused (no money came), its references are free again: for each, the
 * earliest proof another conversation sent with it and that was `rejected` as a reuse becomes
 * `to_verify` (the customer who really paid is not locked out).
 */
create function private.reopen_references(p_company uuid, p_references text[])
returns void
language sql
volatile
set search_path = ''
as $$
  update public.payments pay set status = 'to_verify'
  from (select distinct on (private.normalize_reference(r.reference)) r.id
        from public.payments r
        where r.company_id = p_company and r.status = 'rejected'
          and private.normalize_reference(r.reference) in (select private.normalize_reference(x) from unnest(p_references) x)
          and not exists (select 1 from public.payments a where a.company_id = p_company
            and a.status not in ('rejected', 'refused')
            and private.normalize_reference(a.reference) = private.normalize_reference(r.reference))
        order by private.normalize_reference(r.reference), r.created_at, r.id) first_rejected
  where pay.id = first_rejected.id
$$;
revoke all on function private.reopen_references(uuid, text[]) from public;

/**
 * A member's decision on an order's declared proofs (p_decision confirm | refuse, an optional
 * note), audited (who, when): confirm → proofs validated, order `paid`, « Paiement validé »;
 * refuse → proofs refused, order `unpaid` (its stock stays held until the shop cancels it),
 * « Preuve refusée ». Only an order `to_verify` (55000 otherwise: decided already); members of
 * p_company, for its own orders only (anything else is P0002, as for an order that does not exist).
 */
create function private.botlive_verify_payment(p_company text, p_order uuid, p_decision text, p_note text default null)
returns public.orders
language plpgsql
volatile
-- definer: payments and payment_status are written by the bot and this audited decision only; the membership check is the rule
security definer
set search_path = ''
as $$
declare
  v_order public.orders;
  v_user uuid := (select auth.uid());
  v_total integer;
  v_method text;
  v_references text;
begin
  if p_decision is null or p_decision not in ('confirm', 'refuse') then
    raise exception 'botlive_verify_payment: decision must be confirm or refuse' using errcode = '22023';
  end if;
  select * into v_order from public.orders o
  where o.id = p_order and o.company_id = (select c.id from public.companies c where c.slug = p_company or c.id::text = p_company)
  for update;
  if not found or v_user is null or not private.is_member(v_order.company_id) then
    raise exception 'botlive_verify_payment: unknown order %', p_order using errcode = 'P0002';
  end if;
  if v_order.payment_status <> 'to_verify' then
    raise exception 'botlive_verify_payment: order % is % already, nothing to verify', v_order.order_number, v_order.payment_status
      using errcode = '55000';
  end if;
  select coalesce(sum(pay.amount), 0)::integer, (array_agg(pay.method order by pay.created_at desc))[1],
    string_agg(pay.reference, ', ' order by pay.created_at)
    into v_total, v_method, v_references
  from public.payments pay where pay.order_id = v_order.id and pay.status = 'to_verify';
  update public.payments pay set status = case p_decision when 'confirm' then 'validated' else 'refused' end,
    verified_by = v_user, verified_at = now(), note = p_note
  where pay.order_id = v_order.id and pay.status = 'to_verify';
  update public.orders o set payment_status = case p_decision when 'confirm' then 'paid' else 'unpaid' end,
    payment_verified_by = v_user, payment_verified_at = now()
  where o.id = v_order.id
  returning * into v_order;
  -- What this order owes back follows the decision: owed once the money is known, void if it never came.
  update public.refunds r set status = case p_decision when 'confirm' then 'owed' else 'void' end
  where r.order_id = v_order.id and r.status = 'to_verify';
  if p_decision = 'refuse' then
    perform private.reopen_references(v_order.company_id, array(select pay.reference from public.payments pay
      where pay.order_id = v_order.id and pay.status = 'refused'));
  end if;
  if p_decision = 'confirm' then
    perform public.log_activity(
      v_order.company_id::text, 'payment.validated',
      pg_catalog.format('Paiement validé : %s (%s)', private.xof(v_total), private.payment_method_label(v_method)),
      pg_catalog.format('Commande %s de %s, réf. %s, vérifié par %s.', v_order.order_number,
        coalesce(v_order.customer_name, 'un client'), v_references,
        coalesce((select u.email from auth.users u where u.id = v_user), 'un membre')),
      'success',
      pg_catalog.jsonb_build_object('order_id', v_order.id, 'order_number', v_order.order_number, 'paid', v_total,
        'verified_by', v_user, 'client', v_order.customer_name, 'produit', private.order_items_text(v_order.items)),
      v_order.conversation_id
    );
  else
    perform public.log_activity(
      v_order.company_id::text, 'payment.refused',
      pg_catalog.format('Preuve refusée : %s (%s)', private.xof(v_total), private.payment_method_label(v_method)),
      pg_catalog.format('Commande %s de %s, réf. %s : paiement non reçu%s.', v_order.order_number,
        coalesce(v_order.customer_name, 'un client'), v_references, coalesce(' — ' || nullif(btrim(p_note), ''), '')),
      'error',
      pg_catalog.jsonb_build_object('order_id', v_order.id, 'order_number', v_order.order_number, 'amount', v_total,
        'verified_by', v_user, 'client', v_order.customer_name, 'produit', private.order_items_text(v_order.items)),
      v_order.conversation_id
    );
  end if;
  return v_order;
end;
$$;
revoke all on function private.botlive_verify_payment(text, uuid, text, text) from public;
grant execute on function private.botlive_verify_payment(text, uuid, text, text) to authenticated;

/**
 * A member of p_company marks its money owed back settled (who, when, a note): only what is
 * `owed` (55000 for a refund settled already, void, or still built on an unchecked claim); P0002
 * for anyone else.
 */
create function private.botlive_settle_refund(p_company text, p_refund uuid, p_note text default null)
returns public.refunds
language plpgsql
volatile
-- definer: refunds are written by the bot's SQL and this audited step only; the membership check is the rule
security definer
set search_path = ''
as $$
declare
  v_refund public.refunds;
  v_user uuid := (select auth.uid());
begin
  select * into v_refund from public.refunds r
  where r.id = p_refund and r.company_id = (select c.id from public.companies c where c.slug = p_company or c.id::text = p_company)
  for update;
  if not found or v_user is null or not private.is_member(v_refund.company_id) then
    raise exception 'botlive_settle_refund: unknown refund %', p_refund using errcode = 'P0002';
  end if;
  if v_refund.status <> 'owed' then
    raise exception 'botlive_settle_refund: refund % is %: %', p_refund, v_refund.status,
      case v_refund.status when 'settled' then 'settled already' when 'void' then 'its proof was refused, nothing is owed'
        else 'confirm first that the customer''s money arrived' end
      using errcode = '55000';
  end if;
  update public.refunds r set status = 'settled', settled_by = v_user, settled_at = now(), note = p_note
  where r.id = p_refund
  returning * into v_refund;
  perform public.log_activity(
    v_refund.company_id::text, 'refund.settled',
    pg_catalog.format('%s réglé : %s, %s', case v_refund.kind when 'change' then 'Rendu de monnaie' else 'Remboursement' end,
      coalesce(v_refund.customer_name, 'un client'), private.xof(v_refund.amount)),
    pg_catalog.format('Réglé par %s.', coalesce((select u.email from auth.users u where u.id = v_user), 'un membre')),
    'success',
    pg_catalog.jsonb_build_object('refund_id', v_refund.id, 'amount', v_refund.amount, 'client', v_refund.customer_name),
    v_refund.conversation_id
  );
  return v_refund;
end;
$$;
revoke all on function private.botlive_settle_refund(text, uuid, text) from public;
grant execute on function private.botlive_settle_refund(text, uuid, text) to authenticated;

/**
 * A member's decision on the proofs behind money owed back without an order (a sell-out, a
 * cancelled draft): confirm → proofs validated, the refund `owed`; refuse → proofs refused, the
 * refund `void`, their references free again. Audited; 55000 unless the refund is `to_verify`
 * (a refund of an order follows that order's decision: orders PATCH { id, payment }); P0002 for
 * anyone but a member of p_company.
 */
create function private.botlive_verify_refund(p_company text, p_refund uuid, p_decision text, p_note text default null)
returns public.refunds
language plpgsql
volatile
-- definer: payments and refunds are written by the bot and these audited decisions only; the membership check is the rule
security definer
set search_path = ''
as $$
declare
  v_refund public.refunds;
  v_user uuid := (select auth.uid());
begin
  if p_decision is null or p_decision not in ('confirm', 'refuse') then
    raise exception 'botlive_verify_refund: decision must be confirm or refuse' using errcode = '22023';
  end if;
  select * into v_refund from public.refunds r
  where r.id = p_refund and r.company_id = (select c.id from public.companies c where c.slug = p_company or c.id::text = p_company)
  for update;
  if not found or v_user is null or not private.is_member(v_refund.company_id) then
    raise exception 'botlive_verify_refund: unknown refund %', p_refund using errcode = 'P0002';
  end if;
  if v_refund.order_id is not null then
    raise exception 'botlive_verify_refund: refund % follows its order: decide on the order''s payment', p_refund
      using errcode = '55000';
  end if;
  if v_refund.status <> 'to_verify' then
    raise exception 'botlive_verify_refund: refund % is %, nothing to verify', p_refund, v_refund.status using errcode = '55000';
  end if;
  update public.payments pay set status = case p_decision when 'confirm' then 'validated' else 'refused' end,
    verified_by = v_user, verified_at = now(), note = p_note
  where pay.refund_id = v_refund.id and pay.status = 'to_verify';
  update public.refunds r set status = case p_decision when 'confirm' then 'owed' else 'void' end
  where r.id = v_refund.id
  returning * into v_refund;
  if p_decision = 'refuse' then
    perform private.reopen_references(v_refund.company_id, v_refund.payment_references);
  end if;
  perform public.log_activity(
    v_refund.company_id::text, case p_decision when 'confirm' then 'payment.validated' else 'payment.refused' end,
    pg_catalog.format('%s : %s, %s', case p_decision when 'confirm' then 'Paiement reçu, à rembourser' else 'Preuve refusée, rien à rembourser' end,
      coalesce(v_refund.customer_name, 'un client'), private.xof(v_refund.amount)),
    pg_catalog.format('Réf. %s, vérifié par %s.', array_to_string(v_refund.payment_references, ', '),
      coalesce((select u.email from auth.users u where u.id = v_user), 'un membre')),
    case p_decision when 'confirm' then 'warning' else 'error' end,
    pg_catalog.jsonb_build_object('refund_id', v_refund.id, 'amount', v_refund.amount, 'verified_by', v_user,
      'client', v_refund.customer_name),
    v_refund.conversation_id
  );
  return v_refund;
end;
$$;
revoke all on function private.botlive_verify_refund(text, uuid, text, text) from public;
grant execute on function private.botlive_verify_refund(text, uuid, text, text) to authenticated;

/** The feed's money-owed events: « Remboursement dû : Awa, 17 000 FCFA », « Monnaie à rendre : … ». */
create function private.refunds_after_insert()
returns trigger
language plpgsql
-- definer: log_activity on behalf of the bot's RPCs and the orders' trigger
security definer
set search_path = ''
as $$
begin
  perform public.log_activity(
    new.company_id::text, 'refund.owed',
    pg_catalog.format('%s%s : %s, %s', case new.kind when 'change' then 'Monnaie à rendre' else 'Remboursement dû' end,
      case new.status when 'to_verify' then ' (paiement à vérifier)' else '' end,
      coalesce(new.customer_name, 'un client'), private.xof(new.amount)),
    pg_catalog.format('%s%s', case new.reason
        when 'sold_out' then 'Article épuisé après paiement.'
        when 'draft_cancelled' then 'Commande annulée par le client après paiement.'
        when 'order_cancelled' then 'Commande annulée après paiement.'
        else 'Payé au-delà du montant dû.' end,
      coalesce(' Réf. ' || nullif(array_to_string(new.payment_references, ', '), '') || '.', '')),
    'warning',
    pg_catalog.jsonb_build_object('refund_id', new.id, 'amount', new.amount, 'kind', new.kind, 'reason', new.reason,
      'customer_name', new.customer_name, 'order_id', new.order_id),
    new.conversation_id
  );
  return null;
end;
$$;
create trigger refunds_after_insert
  after insert on public.refunds
  for each row execute function private.refunds_after_insert();

/** An order cancelled after its proofs were counted: what was paid is owed back (once). */
create function private.orders_owe_on_cancel()
returns trigger
language plpgsql
-- definer: refunds are written for whichever admin cancelled the order
security definer
set search_path = ''
as $$
declare
  v_amount integer;
begin
  select coalesce(sum(pay.amount), 0)::integer into v_amount from public.payments pay
  where pay.order_id = new.id and pay.status in ('to_verify', 'validated');
  if v_amount > 0 then
    -- The change not yet given back is part of it.
    delete from public.refunds r where r.order_id = new.id and r.reason = 'overpaid' and r.status in ('to_verify', 'owed');
    insert into public.refunds (company_id, conversation_id, order_id, customer_name, kind, reason, amount, payment_references, status)
    select new.company_id, new.conversation_id, new.id, new.customer_name, 'refund', 'order_cancelled',
      v_amount - coalesce((select sum(r.amount) from public.refunds r where r.order_id = new.id and r.status = 'settled'), 0)::integer,
      coalesce(array_agg(pay.reference order by pay.created_at) filter (where pay.reference is not null), '{}'),
      case when bool_and(pay.status = 'validated') then 'owed' else 'to_verify' end
    from public.payments pay where pay.order_id = new.id and pay.status in ('to_verify', 'validated')
    having v_amount - coalesce((select sum(r.amount) from public.refunds r where r.order_id = new.id and r.status = 'settled'), 0) > 0
    on conflict (order_id, reason) where order_id is not null do nothing;
  end if;
  return null;
end;
$$;
create trigger orders_owe_on_cancel
  after update of status on public.orders
  for each row when (new.status = 'cancelled' and old.status is distinct from 'cancelled')
  execute function private.orders_owe_on_cancel();

/** Closing a live with customers who paid but whose order is not finished: an alert in the feed. */
create function private.bot_sessions_unfinished_paid()
returns trigger
language plpgsql
-- definer: reads the company's drafts and proofs and logs for the admin who closed the live
security definer
set search_path = ''
as $$
declare
  v_count integer;
  v_amount bigint;
  v_names text;
begin
  select count(*)::integer, coalesce(sum(x.paid), 0)::bigint,
    string_agg(coalesce(d.customer_name, c.title, 'un client') || ' (' || private.xof(x.paid) || ')', ', ' order by x.since)
    into v_count, v_amount, v_names
  from (select pay.conversation_id, sum(pay.amount)::bigint as paid, min(pay.created_at) as since
        from public.payments pay
        where pay.company_id = new.company_id and pay.order_id is null and pay.refund_id is null
          and pay.status in ('to_verify', 'validated')
        group by pay.conversation_id) x
  join public.conversations c on c.id = x.conversation_id
  left join public.botlive_drafts d on d.conversation_id = x.conversation_id;
  if v_count > 0 then
    perform public.log_activity(
      new.company_id::text, 'session.unfinished_paid',
      pg_catalog.format('Live fermé : %s commande(s) payée(s) non terminée(s), %s', v_count, private.xof(v_amount)),
      pg_catalog.format('À reprendre avec : %s.', v_names),
      'warning',
      pg_catalog.jsonb_build_object('session_id', new.id, 'drafts', v_count, 'amount', v_amount),
      null
    );
  end if;
  return null;
exception when others then
  -- An alert never keeps a shop from closing its live.
  raise warning 'bot_sessions_unfinished_paid: % (%)', sqlerrm, sqlstate;
  return null;
end;
$$;
create trigger bot_sessions_unfinished_paid
  after update of ended_at on public.bot_sessions
  for each row when (old.ended_at is null and new.ended_at is not null)
  execute function private.bot_sessions_unfinished_paid();

/**
 * Records one inbound customer message of p_company's Botlive conversation p_conversation
 * (the channel's own id), idempotently by p_message_id, and returns { conversation_id, inserted,
 * replay, mode, session_id, paused, draft, paid, catalog, zones, history, prompts, country }.
 * `replay` is the stored reply when this message was already answered; the same message still
 * being answered by another request (an integration retrying at once) is 55000 (a 409), unless
 * that attempt is older than two minutes (it died: this one answers it). `mode` is `live` while a
 * live session is open, else `rag`.
 */
create or replace function public.botlive_begin_turn(
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
  v_received timestamptz;
begin
  if p_message_id is null or btrim(p_message_id) = '' or length(p_message_id) > 190 then
    raise exception 'botlive_begin_turn: message_id must be 1 to 190 characters' using errcode = '22023';
  end if;
  v_conversation := public.ensure_conversation(p_company, 'botlive', p_conversation, p_customer ->> 'id');
  -- Locks in one order everywhere (the conversation, then the day's counters its message bumps):
  -- botlive_place_order takes the conversation first too.
  perform 1 from public.conversations c where c.id = v_conversation for no key update;
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
    if v_replay is null then
      -- Taken by another request, answering it now; an attempt older than two minutes died.
      select m.created_at into v_received from public.messages m
      where m.conversation_id = v_conversation and m.idempotency_key = 'in:' || p_message_id;
      if v_received > now() - interval '2 minutes' then
        raise exception 'message % is already being answered; retry later for its reply', p_message_id
          using errcode = '55000';
      end if;
    end if;
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
      from public.company_rag_configs r join public.companies c on c.slug = r.company_id where c.id = v_company),
    'country', (select coalesce(c.country, 'SN') from public.companies c where c.id = v_company)
  );
end;
$$;

/**
 * The dashboard of p_company for a member (42501 for anyone else, also for a company that does
 * not exist). Runs as the caller: RLS decides what it reads. p_activity_limit (1–100) bounds the
 * feed, p_orders_limit (1–200) the active orders, the proofs to verify and the money owed back
 * (their counts and amounts are over all of them). Times are returned raw; the function phrases
 * them (« il y a 5 min »).
 */
create or replace function public.botlive_dashboard(p_company text, p_activity_limit integer default 20, p_orders_limit integer default 50)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_company uuid;
  v_today date := (now() at time zone 'Africa/Dakar')::date;
begin
  if p_activity_limit is null or p_activity_limit not between 1 and 100
    or p_orders_limit is null or p_orders_limit not between 1 and 200 then
    raise exception 'botlive_dashboard: limits out of range' using errcode = '22023';
  end if;
  select c.id into v_company from public.companies c
  where c.slug = p_company or c.id::text = p_company;
  if v_company is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company)) then
    raise exception 'botlive_dashboard: requires a member of company %', p_company using errcode = '42501';
  end if;
  return pg_catalog.jsonb_build_object(
    'live', (select pg_catalog.jsonb_build_object('enabled', s.id is not null, 'session_id', s.id, 'started_at', s.started_at)
             from (select 1) one left join public.bot_sessions s on s.company_id = v_company and s.ended_at is null),
    'activity', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('id', a.id, 'type', a.type, 'title', a.title,
        'description', a.description, 'status', a.status, 'client', coalesce(a.metadata ->> 'customer_name', a.metadata ->> 'client'),
        'produit', a.metadata ->> 'produit', 'timestamp', a.created_at) order by a.created_at desc)
      from (select * from public.activities a where a.company_id = v_company
            order by a.created_at desc limit p_activity_limit) a), '[]'),
    'active_orders', coalesce((select jsonb_agg(o.item order by o.created_at desc) from (
        select d.created_at, pg_catalog.jsonb_build_object(
          'kind', 'draft', 'id', d.conversation_id, 'order_number', null,
          'user_id', c.external_id, 'user_name', coalesce(d.customer_name, c.title),
          'produit', case when d.product_id is null then 'missing' else 'done' end,
          -- Covered by declared proofs: the shop still has to check them.
          'paiement', case when amounts.required is not null and amounts.paid >= amounts.required then 'to_verify' else 'missing' end,
          'zone', case when d.delivery_zone_id is null then 'missing' else 'done' end,
          'numero', case when d.phone is null then 'missing' else 'done' end,
          'completion_rate', 25 * ((d.product_id is not null)::integer + (d.delivery_zone_id is not null)::integer
            + (d.phone is not null)::integer + (amounts.required is not null and amounts.paid >= amounts.required)::integer),
          'total_amount', amounts.required,
          'created_at', d.created_at) as item
        from (select * from public.botlive_drafts d where d.company_id = v_company
              order by d.updated_at desc limit p_orders_limit) d
        join public.conversations c on c.id = d.conversation_id
        -- The amount due and paid, by the bot's own rule (invoker: read as the member, under RLS).
        cross join lateral private.draft_amounts(d.conversation_id) amounts
        union all
        select o.created_at, pg_catalog.jsonb_build_object(
          'kind', 'order', 'id', o.id, 'order_number', o.order_number,
          'user_id', c.external_id, 'user_name', o.customer_name,
          'produit', 'done',
          'paiement', case o.payment_status when 'paid' then 'done' when 'to_verify' then 'to_verify' else 'missing' end,
          'zone', case when o.delivery_zone is null then 'missing' else 'done' end,
          'numero', case when o.customer_phone is null then 'missing' else 'done' end,
          'completion_rate', 25 * (1 + (o.payment_status in ('paid', 'to_verify'))::integer + (o.delivery_zone is not null)::integer
            + (o.customer_phone is not null)::integer),
          'total_amount', o.total_amount,
          'created_at', o.created_at)
        from (select * from public.orders o where o.company_id = v_company and o.status = 'pending'
              order by o.created_at desc limit p_orders_limit) o
        left join public.conversations c on c.id = o.conversation_id
      ) o), '[]'),
    'to_verify', (select pg_catalog.jsonb_build_object('count', count(*), 'amount', coalesce(sum(v.paid), 0),
        'orders', coalesce(jsonb_agg(pg_catalog.jsonb_build_object('id', v.id, 'order_number', v.order_number,
          'customer_name', v.customer_name, 'total_amount', v.total_amount, 'paid', v.paid, 'references', v.refs,
          'created_at', v.created_at) order by v.created_at) filter (where v.n <= p_orders_limit), '[]'))
      from (select o.id, o.order_number, o.customer_name, o.total_amount, o.created_at,
              row_number() over (order by o.created_at) as n,
              coalesce((select sum(pay.amount) from public.payments pay where pay.order_id = o.id and pay.status = 'to_verify'), 0) as paid,
              coalesce((select array_agg(pay.reference order by pay.created_at) from public.payments pay
                where pay.order_id = o.id and pay.status = 'to_verify' and pay.reference is not null), '{}') as refs
            from public.orders o where o.company_id = v_company and o.payment_status = 'to_verify') v),
    'refunds', (select pg_catalog.jsonb_build_object('count', count(*) filter (where r.status = 'owed'),
        'amount', coalesce(sum(r.amount) filter (where r.status = 'owed'), 0),
        'to_verify_amount', coalesce(sum(r.amount) filter (where r.status = 'to_verify'), 0),
        'items', coalesce(jsonb_agg(pg_catalog.jsonb_build_object('id', r.id, 'kind', r.kind, 'reason', r.reason, 'status', r.status,
          'customer_name', r.customer_name, 'amount', r.amount, 'order_id', r.order_id,
          'payment_references', r.payment_references, 'created_at', r.created_at) order by r.created_at)
          filter (where r.n <= p_orders_limit), '[]'))
      from (select r.*, row_number() over (order by r.created_at) as n from public.refunds r
            where r.company_id = v_company and r.status in ('to_verify', 'owed')) r),
    'stats', (select pg_catalog.jsonb_build_object(
        'today', pg_catalog.jsonb_build_object(
          'conversations', coalesce(sum(u.conversations_count) filter (where u.date = v_today), 0),
          'messages', coalesce(sum(u.messages_count) filter (where u.date = v_today), 0),
          'orders', coalesce(sum(u.orders_count) filter (where u.date = v_today), 0),
          'revenue', coalesce(sum(u.revenue) filter (where u.date = v_today), 0),
          'tokens', coalesce(sum(u.tokens) filter (where u.date = v_today), 0)),
        'last_7_days', pg_catalog.jsonb_build_object(
          'conversations', coalesce(sum(u.conversations_count), 0),
          'messages', coalesce(sum(u.messages_count), 0),
          'orders', coalesce(sum(u.orders_count), 0),
          'revenue', coalesce(sum(u.revenue), 0),
          'tokens', coalesce(sum(u.tokens), 0)))
      from public.bot_usage u
      where u.company_id = v_company and u.date between v_today - 6 and v_today)
  );
end;
$$;

/**
 * Stores the bot's reply to inbound message p_message_id (idempotent: a second call returns the
 * first reply's id), the conversation locked first, as every Botlive step takes it.
 * p_fields: model_used, tokens_used, prompt_tokens, completion_tokens, latency_ms, metadata.
 */
create or replace function public.botlive_finish_turn(
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
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  if not found then
    raise exception 'botlive_finish_turn: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  return (select m.id from private.insert_message(v_company, p_conversation, 'assistant', p_reply,
    coalesce(p_fields, '{}'), 'out:' || p_message_id) m);
end;
$$;
