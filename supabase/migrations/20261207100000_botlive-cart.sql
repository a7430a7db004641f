-- Botlive's cart (issue 19): several articles in one order, stock held for a time the shop sets
-- while the customer pays, released by pg_cron when the time is up (the customer reminded
-- before), and a waitlist per article that a released hold or a restock serves first in line.
--
-- The draft's own product/variant/quantity stay the line being filled (corrections change it);
-- « et aussi un sac » moves it into `botlive_cart_lines` and starts the next one. Every amount is
-- computed here: Σ price × quantity + the zone's fee.

/** How long a cart's stock stays held for the customer to pay (Wave's checkout session lives 30 min). */
alter table public.companies
  add column botlive_hold_minutes integer not null default 30
    constraint companies_botlive_hold_minutes_range check (botlive_hold_minutes between 5 and 1440);
grant update (botlive_hold_minutes) on public.companies to authenticated;

/** The lines of a cart before the one being filled, in the order the customer asked for them. */
create table public.botlive_cart_lines (
  conversation_id uuid not null references public.botlive_drafts (conversation_id) on delete cascade,
  line_no integer not null constraint botlive_cart_lines_line_no_positive check (line_no >= 1),
  company_id uuid not null references public.companies (id) on delete cascade,
  product_id uuid not null references public.products (id) on delete cascade,
  variant jsonb not null default '{}' constraint botlive_cart_lines_variant_object check (jsonb_typeof(variant) = 'object'),
  quantity integer not null constraint botlive_cart_lines_quantity_range check (quantity between 1 and 100),
  created_at timestamptz not null default now(),
  primary key (conversation_id, line_no)
);
create index botlive_cart_lines_company_id_idx on public.botlive_cart_lines (company_id);
create index botlive_cart_lines_product_id_idx on public.botlive_cart_lines (product_id);

/**
 * Stock taken for a cart while its customer pays: one row per (conversation, product), all of a
 * conversation's rows sharing one expiry. The stock column already counts them out; an order
 * turns them into its own stock, an expiry gives them back.
 */
create table public.botlive_holds (
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  product_id uuid not null references public.products (id) on delete cascade,
  company_id uuid not null references public.companies (id) on delete cascade,
  quantity integer not null constraint botlive_holds_quantity_positive check (quantity between 1 and 5000),
  expires_at timestamptz not null,
  reminded_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (conversation_id, product_id)
);
create index botlive_holds_company_id_expires_at_idx on public.botlive_holds (company_id, expires_at);
create index botlive_holds_expires_at_idx on public.botlive_holds (expires_at);
create index botlive_holds_product_id_idx on public.botlive_holds (product_id);

/**
 * Customers waiting for a sold-out article, first come first served: `waiting` until stock comes
 * back (a released hold, a restock), then `offered` (held for her, told through her channel) or
 * `left` (she cancelled).
 */
create table public.botlive_waitlist (
  id bigint generated always as identity primary key,
  company_id uuid not null references public.companies (id) on delete cascade,
  product_id uuid not null references public.products (id) on delete cascade,
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  variant jsonb not null default '{}' constraint botlive_waitlist_variant_object check (jsonb_typeof(variant) = 'object'),
  quantity integer not null constraint botlive_waitlist_quantity_range check (quantity between 1 and 100),
  status text not null default 'waiting' constraint botlive_waitlist_status_valid check (status in ('waiting', 'offered', 'left')),
  created_at timestamptz not null default clock_timestamp(),
  offered_at timestamptz
);
create unique index botlive_waitlist_waiting_key on public.botlive_waitlist (product_id, conversation_id)
  where status = 'waiting';
create index botlive_waitlist_product_id_id_idx on public.botlive_waitlist (product_id, id) where status = 'waiting';
create index botlive_waitlist_company_id_status_idx on public.botlive_waitlist (company_id, status);
create index botlive_waitlist_conversation_id_idx on public.botlive_waitlist (conversation_id);

alter table public.botlive_cart_lines enable row level security;
alter table public.botlive_holds enable row level security;
alter table public.botlive_waitlist enable row level security;
-- Members read (the dashboard's carts, holds and waitlist); the bot's SQL below writes.
revoke all on public.botlive_cart_lines, public.botlive_holds, public.botlive_waitlist from anon, authenticated, service_role;
grant select on public.botlive_cart_lines, public.botlive_holds, public.botlive_waitlist to authenticated, service_role;
create policy botlive_cart_lines_select_member on public.botlive_cart_lines
  for select to authenticated using ((select private.is_member(company_id)));
create policy botlive_holds_select_member on public.botlive_holds
  for select to authenticated using ((select private.is_member(company_id)));
create policy botlive_waitlist_select_member on public.botlive_waitlist
  for select to authenticated using ((select private.is_member(company_id)));

/**
 * A conversation's cart: the earlier lines, then the line being filled (when it has a product),
 * with today's price (line_total in bigint: 100 × 100 000 000 does not fit an integer).
 * `line_no` orders them; the line being filled is last. plpgsql, so that its plans are cached
 * (a SQL function with its own search_path is planned again on every call).
 */
create function private.cart_lines(p_conversation uuid)
returns table (
  line_no integer, product_id uuid, name text, variant jsonb, quantity integer, unit_price integer,
  line_total bigint, is_active boolean, stock integer
)
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  select l.line_no, p.id, p.name, l.variant, l.quantity, p.price, p.price::bigint * l.quantity, p.is_active, p.stock
  from public.botlive_cart_lines l
  join public.products p on p.id = l.product_id
  where l.conversation_id = p_conversation
  union all
  select 2147483647, p.id, p.name, d.variant, d.quantity, p.price, p.price::bigint * d.quantity, p.is_active, p.stock
  from public.botlive_drafts d
  join public.products p on p.id = d.product_id
  where d.conversation_id = p_conversation
  order by 1;
end;
$$;
revoke all on function private.cart_lines(uuid) from public;
-- Invoker: botlive_begin_turn (as service_role) and the dashboard (as a member, under RLS) read
-- the amounts through it.
grant execute on function private.cart_lines(uuid) to authenticated, service_role;

/**
 * What the cart of a conversation costs (Σ unit price × quantity + the zone's fee; null while it
 * has no article or no zone), and what its proofs not yet attached to an order nor owed back add
 * up to (declared or validated).
 */
create or replace function private.draft_amounts(p_conversation uuid)
returns table (required integer, paid integer)
language sql
stable
set search_path = ''
as $$
  select
    (select least((select sum(l.line_total) from private.cart_lines(p_conversation) l) + z.fee, 2147483647)::integer
       from public.botlive_drafts d
       join public.delivery_zones z on z.id = d.delivery_zone_id
      where d.conversation_id = p_conversation
        and exists (select 1 from private.cart_lines(p_conversation))),
    coalesce((select sum(pay.amount)::integer from public.payments pay
      where pay.conversation_id = p_conversation and pay.order_id is null and pay.refund_id is null
        and pay.status in ('to_verify', 'validated')), 0)
$$;

/**
 * « Et aussi un sac » : the line being filled joins the cart's lines (added to a line of the same
 * article and variant) and the draft is ready for the next article. Returns the cart's lines.
 * Nothing to move (no article yet): the lines as they are.
 */
create function public.botlive_push_line(p_company text, p_conversation uuid)
returns jsonb
language plpgsql
volatile
-- definer: the cart is written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_draft public.botlive_drafts;
begin
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  if not found then
    raise exception 'botlive_push_line: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  select * into v_draft from public.botlive_drafts d where d.conversation_id = p_conversation for update;
  if found and v_draft.product_id is not null then
    update public.botlive_cart_lines l set quantity = least(l.quantity + v_draft.quantity, 100)
    where l.conversation_id = p_conversation and l.product_id = v_draft.product_id and l.variant = v_draft.variant;
    if not found then
      -- The cart's articles, the one being filled included, are at most 20.
      if (select count(*) from private.cart_lines(p_conversation)) > 20 then
        raise exception 'botlive_push_line: a cart holds at most 20 articles' using errcode = '22023';
      end if;
      insert into public.botlive_cart_lines (conversation_id, line_no, company_id, product_id, variant, quantity)
      values (p_conversation,
        coalesce((select max(l.line_no) from public.botlive_cart_lines l where l.conversation_id = p_conversation), 0) + 1,
        v_company, v_draft.product_id, v_draft.variant, v_draft.quantity);
    end if;
    update public.botlive_drafts d set product_id = null, variant = '{}', quantity = 1
    where d.conversation_id = p_conversation;
  end if;
  return coalesce((select jsonb_agg(to_jsonb(l) order by l.line_no) from private.cart_lines(p_conversation) l), '[]');
end;
$$;
revoke all on function public.botlive_push_line(text, uuid) from public;
grant execute on function public.botlive_push_line(text, uuid) to service_role;

/**
 * Tells a customer something outside a turn (a hold about to end, a place in line served, a
 * payment confirmed): stored as the bot's message in her conversation and, when she wrote
 * through a channel, queued in that channel's outbox to the account she last wrote to.
 */
create function private.botlive_notify(p_conversation uuid, p_kind text, p_text text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_last public.channel_messages;
  v_company uuid;
begin
  select c.company_id into v_company from public.conversations c where c.id = p_conversation;
  if not found then
    return;
  end if;
  insert into public.messages (conversation_id, company_id, role, content, metadata)
  values (p_conversation, v_company, 'assistant', p_text, pg_catalog.jsonb_build_object('notice', p_kind));
  select * into v_last from public.channel_messages m
   where m.conversation_id = p_conversation and m.kind not in ('comment', 'live_comment')
   order by m.sent_at desc, m.received_at desc
   limit 1;
  if found then
    insert into public.channel_outbox (company_id, account_id, platform, recipient, source, conversation_id, body)
    values (v_company, v_last.account_id, v_last.platform, v_last.sender, 'bot', p_conversation, left(p_text, 4096));
  end if;
end;
$$;
revoke all on function private.botlive_notify(uuid, text, text) from public;

/**
 * A Botlive shop's clock: its country's (every XOF country is UTC or UTC+1), never the
 * assistant's companies.time_zone — the bot and the SQL say the same « 14h35 ».
 */
create function private.botlive_time_zone(p_country text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case coalesce(p_country, 'SN')
    when 'CI' then 'Africa/Abidjan' when 'ML' then 'Africa/Bamako' when 'BF' then 'Africa/Ouagadougou'
    when 'BJ' then 'Africa/Porto-Novo' when 'TG' then 'Africa/Lome' when 'NE' then 'Africa/Niamey'
    when 'GW' then 'Africa/Bissau' else 'Africa/Dakar' end
$$;
grant execute on function private.botlive_time_zone(text) to authenticated, service_role;

/** A product in French with its quantity: « Robe wax × 2 ». */
create function private.product_quantity_text(p_name text, p_quantity integer)
returns text
language sql
immutable
set search_path = ''
as $$
  select p_name || case when p_quantity > 1 then ' × ' || p_quantity else '' end
$$;

/**
 * Serves a product's waitlist from its stock, first in line first: each waiting customer whose
 * quantity the stock covers gets it held for her (the shop's hold time, or what is left of her
 * cart's), the article in her cart, and a message; the first one it does not cover stops the
 * line (nobody behind her passes her). Her conversation is taken with SKIP LOCKED — the caller
 * holds the product, and every other path locks a conversation before its products — so a
 * customer busy with her own turn is not waited for: the line stops there, and the holds' clock
 * (every minute) serves it again. Never raises for her sake (a full cart takes the line anyway).
 * Returns how many were served.
 */
create function private.botlive_serve_waitlist(p_product uuid)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_product public.products;
  v_wait public.botlive_waitlist;
  v_served integer := 0;
  v_expires timestamptz;
  v_zone text;
begin
  select * into v_product from public.products p where p.id = p_product for update;
  if not found or not v_product.is_active then
    return 0;
  end if;
  select private.botlive_time_zone(c.country) into v_zone from public.companies c where c.id = v_product.company_id;
  for v_wait in
    select * from public.botlive_waitlist w where w.product_id = p_product and w.status = 'waiting'
    order by w.id
  loop
    exit when v_product.stock is not null and v_product.stock < v_wait.quantity;
    perform 1 from public.conversations c where c.id = v_wait.conversation_id for no key update skip locked;
    exit when not found;
    -- Her cart has the article (still, or again: a new draft if she had none).
    insert into public.botlive_drafts (conversation_id, company_id) values (v_wait.conversation_id, v_wait.company_id)
    on conflict (conversation_id) do nothing;
    if not exists (select 1 from private.cart_lines(v_wait.conversation_id) l where l.product_id = p_product) then
      insert into public.botlive_cart_lines (conversation_id, line_no, company_id, product_id, variant, quantity)
      values (v_wait.conversation_id,
        coalesce((select max(l.line_no) from public.botlive_cart_lines l where l.conversation_id = v_wait.conversation_id), 0) + 1,
        v_wait.company_id, p_product, v_wait.variant, v_wait.quantity);
    end if;
    select coalesce(min(h.expires_at) filter (where h.expires_at > now()), now() + make_interval(mins => c.botlive_hold_minutes))
      into v_expires
    from public.companies c left join public.botlive_holds h on h.conversation_id = v_wait.conversation_id
    where c.id = v_wait.company_id group by c.botlive_hold_minutes;
    if v_product.stock is not null then
      insert into public.botlive_holds (conversation_id, product_id, company_id, quantity, expires_at)
      values (v_wait.conversation_id, p_product, v_wait.company_id, v_wait.quantity, v_expires)
      on conflict (conversation_id, product_id) do update set quantity = public.botlive_holds.quantity + excluded.quantity;
      update public.products p set stock = p.stock - v_wait.quantity where p.id = p_product
      returning * into v_product;
    end if;
    update public.botlive_waitlist w set status = 'offered', offered_at = now() where w.id = v_wait.id;
    perform private.botlive_notify(v_wait.conversation_id, 'waitlist_served', pg_catalog.format(
      'Bonne nouvelle : %s est de nouveau disponible et je vous l''ai réservé jusqu''à %s. Envoyez votre paiement pour confirmer !',
      private.product_quantity_text(v_product.name, v_wait.quantity), to_char(v_expires at time zone v_zone, 'HH24"h"MI')));
    perform public.log_activity(v_wait.company_id::text, 'waitlist.served',
      'File d''attente : ' || v_product.name || ' réservé',
      pg_catalog.format('%s réservé pour un client en attente, jusqu''à %s.',
        private.product_quantity_text(v_product.name, v_wait.quantity), to_char(v_expires at time zone v_zone, 'HH24:MI')),
      'info', pg_catalog.jsonb_build_object('product_id', p_product, 'quantity', v_wait.quantity, 'produit', v_product.name),
      v_wait.conversation_id);
    v_served := v_served + 1;
  end loop;
  return v_served;
end;
$$;
revoke all on function private.botlive_serve_waitlist(uuid) from public;

/** Stock coming back (a restock by a member, a hold released): the waitlist is served first. */
create function private.products_serve_waitlist()
returns trigger
language plpgsql
-- definer: a member restocking writes holds, drafts and messages for the customers in line
security definer
set search_path = ''
as $$
begin
  if (new.stock is null or new.stock > coalesce(old.stock, 0) or (new.is_active and not old.is_active))
    and exists (select 1 from public.botlive_waitlist w where w.product_id = new.id and w.status = 'waiting') then
    perform private.botlive_serve_waitlist(new.id);
  end if;
  return null;
end;
$$;
revoke all on function private.products_serve_waitlist() from public;
create trigger products_serve_waitlist
  after update of stock, is_active on public.products
  for each row execute function private.products_serve_waitlist();

/**
 * Puts a customer in line for a sold-out article of p_company (idempotent: already waiting keeps
 * her place). Returns { position, waiting } — her rank among those waiting for it.
 */
create function public.botlive_join_waitlist(p_company text, p_conversation uuid, p_product uuid,
  p_variant jsonb default '{}', p_quantity integer default 1)
returns jsonb
language plpgsql
volatile
-- definer: the waitlist is written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_id bigint;
begin
  if not exists (select 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company) then
    raise exception 'botlive_join_waitlist: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  if not exists (select 1 from public.products p where p.id = p_product and p.company_id = v_company) then
    raise exception 'botlive_join_waitlist: unknown product %', p_product using errcode = '22023';
  end if;
  if p_quantity is null or p_quantity not between 1 and 100 then
    raise exception 'botlive_join_waitlist: a quantity is 1 to 100' using errcode = '22023';
  end if;
  insert into public.botlive_waitlist (company_id, product_id, conversation_id, variant, quantity)
  values (v_company, p_product, p_conversation, coalesce(p_variant, '{}'), p_quantity)
  on conflict (product_id, conversation_id) where status = 'waiting' do nothing
  returning id into v_id;
  if v_id is null then
    select w.id into v_id from public.botlive_waitlist w
    where w.product_id = p_product and w.conversation_id = p_conversation and w.status = 'waiting';
  end if;
  return pg_catalog.jsonb_build_object(
    'position', (select count(*) from public.botlive_waitlist w where w.product_id = p_product and w.status = 'waiting' and w.id <= v_id),
    'waiting', (select count(*) from public.botlive_waitlist w where w.product_id = p_product and w.status = 'waiting'));
end;
$$;
revoke all on function public.botlive_join_waitlist(text, uuid, uuid, jsonb, integer) from public;
grant execute on function public.botlive_join_waitlist(text, uuid, uuid, jsonb, integer) to service_role;

/**
 * Gives back the stock a conversation holds (all of it, or only p_products), serving each
 * product's waitlist. Returns the rows released as [{ product_id, name, quantity }].
 */
create function private.release_holds(p_conversation uuid, p_products uuid[] default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_released jsonb := '[]';
  v_hold public.botlive_holds;
begin
  -- Products in id order, as every cart locks them.
  for v_hold in
    select * from public.botlive_holds h
    where h.conversation_id = p_conversation and (p_products is null or h.product_id = any (p_products))
    order by h.product_id
    for update
  loop
    delete from public.botlive_holds h where h.conversation_id = v_hold.conversation_id and h.product_id = v_hold.product_id;
    -- The stock trigger serves the waitlist.
    update public.products p set stock = p.stock + v_hold.quantity where p.id = v_hold.product_id and p.stock is not null;
    v_released := v_released || pg_catalog.jsonb_build_object('product_id', v_hold.product_id, 'quantity', v_hold.quantity,
      'name', (select p.name from public.products p where p.id = v_hold.product_id));
  end loop;
  return v_released;
end;
$$;
revoke all on function private.release_holds(uuid, uuid[]) from public;

/** Whether customers other than this conversation wait in p_product's line before it. */
create function private.waiting_ahead(p_product uuid, p_conversation uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select 1 from public.botlive_waitlist w
    where w.product_id = p_product and w.status = 'waiting' and w.conversation_id <> p_conversation
      and w.id < coalesce((select m.id from public.botlive_waitlist m where m.product_id = p_product
        and m.conversation_id = p_conversation and m.status = 'waiting'), 9223372036854775807))
$$;
revoke all on function private.waiting_ahead(uuid, uuid) from public;

/** Locks the products a conversation holds or has in its cart, in id order (as every cart does). */
create function private.lock_cart_products(p_conversation uuid)
returns void
language sql
volatile
set search_path = ''
as $$
  select null::void from (
    select p.id from public.products p
    where p.id in (select h.product_id from public.botlive_holds h where h.conversation_id = p_conversation
                   union select l.product_id from private.cart_lines(p_conversation) l)
    order by p.id
    for update
  ) locked
$$;
revoke all on function private.lock_cart_products(uuid) from public;

/**
 * Holds the stock of p_company's conversation's cart for the shop's hold time, once its articles
 * are known: every product locked in id order (no deadlock between carts), the difference from
 * what the cart already holds taken or given back; an article whose stock does not cover it is
 * not held and is reported sold out (with what is left): when none of it was held yet the
 * customer takes a place in its waitlist (`waitlist`: { position, waiting }). The expiry is set by the first hold and
 * never moved by later ones. Returns { status: held | sold_out | empty, expires_at, lines,
 * held: [{ product_id, quantity }], sold_out: [{ product_id, name, requested, available }] }.
 */
create function public.botlive_hold_cart(p_company text, p_conversation uuid)
returns jsonb
language plpgsql
volatile
-- definer: stock and holds are written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_minutes integer;
  v_expires timestamptz;
  v_line record;
  v_sold_out jsonb := '[]';
  v_held integer;
  v_delta integer;
  v_place jsonb;
  v_variant jsonb;
begin
  select c.botlive_hold_minutes into v_minutes from public.companies c where c.id = v_company;
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  if not found then
    raise exception 'botlive_hold_cart: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  -- Every product it holds or wants, locked in id order before anything changes (no deadlock
  -- between two carts); articles no longer in the cart go back first.
  perform private.lock_cart_products(p_conversation);
  -- Holds whose time is up (the clock has not run yet) go back too: a new hold gets a new time.
  perform private.release_holds(p_conversation, array(
    select h.product_id from public.botlive_holds h where h.conversation_id = p_conversation
      and h.expires_at <= now()
    union
    (select h.product_id from public.botlive_holds h where h.conversation_id = p_conversation
     except select l.product_id from private.cart_lines(p_conversation) l)));
  select coalesce(min(h.expires_at), now() + make_interval(mins => v_minutes)) into v_expires
  from public.botlive_holds h where h.conversation_id = p_conversation;
  for v_line in
    select l.product_id, sum(l.quantity)::integer as quantity
    from private.cart_lines(p_conversation) l group by l.product_id order by l.product_id
  loop
    select coalesce(sum(h.quantity), 0)::integer into v_held from public.botlive_holds h
    where h.conversation_id = p_conversation and h.product_id = v_line.product_id;
    v_delta := v_line.quantity - v_held;
    -- Sold out for her: not enough stock, or customers in line before her (nobody passes them).
    if exists (select 1 from public.products p where p.id = v_line.product_id
               and (not p.is_active or (p.stock is not null and v_delta > 0
                 and (p.stock < v_delta or private.waiting_ahead(p.id, p_conversation))))) then
      v_place := null;
      if v_held = 0 then
        -- Nothing of it held yet: she takes a place in its line (the article stays in her cart
        -- until she changes it or pays: placing the order then says it is sold out).
        select l.variant into v_variant from private.cart_lines(p_conversation) l
        where l.product_id = v_line.product_id order by l.line_no desc limit 1;
        v_place := public.botlive_join_waitlist(v_company::text, p_conversation, v_line.product_id, v_variant,
          least(v_line.quantity, 100));
      end if;
      v_sold_out := v_sold_out || (select pg_catalog.jsonb_build_object('product_id', p.id, 'name', p.name,
        'requested', v_line.quantity, 'available', case when p.is_active then coalesce(p.stock, 0) + v_held else 0 end,
        'waitlist', v_place)
        from public.products p where p.id = v_line.product_id);
    elsif v_delta <> 0 and (select p.stock is not null from public.products p where p.id = v_line.product_id) then
      if v_delta < 0 then
        update public.botlive_holds h set quantity = v_line.quantity
        where h.conversation_id = p_conversation and h.product_id = v_line.product_id;
      else
        insert into public.botlive_holds (conversation_id, product_id, company_id, quantity, expires_at)
        values (p_conversation, v_line.product_id, v_company, v_line.quantity, v_expires)
        on conflict (conversation_id, product_id) do update set quantity = excluded.quantity;
      end if;
      update public.products p set stock = p.stock - v_delta where p.id = v_line.product_id;
      -- Her own place in its line, if she had one, is served.
      update public.botlive_waitlist w set status = 'offered', offered_at = now()
      where w.product_id = v_line.product_id and w.conversation_id = p_conversation and w.status = 'waiting';
    end if;
  end loop;
  return pg_catalog.jsonb_build_object(
    'status', case when not exists (select 1 from private.cart_lines(p_conversation)) then 'empty'
      when jsonb_array_length(v_sold_out) > 0 then 'sold_out' else 'held' end,
    'expires_at', (select min(h.expires_at) from public.botlive_holds h where h.conversation_id = p_conversation),
    'lines', coalesce((select jsonb_agg(to_jsonb(l) order by l.line_no) from private.cart_lines(p_conversation) l), '[]'),
    'held', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('product_id', h.product_id, 'quantity', h.quantity))
      from public.botlive_holds h where h.conversation_id = p_conversation), '[]'),
    'sold_out', v_sold_out);
end;
$$;
revoke all on function public.botlive_hold_cart(text, uuid) from public;
grant execute on function public.botlive_hold_cart(text, uuid) to service_role;

/**
 * The holds' clock (pg_cron, every minute), one conversation at a time, each taken first (as
 * every Botlive step takes it) with SKIP LOCKED — one busy with its own turn is left for the
 * next minute, and nothing here waits on a customer: a reminder to each customer whose hold
 * ends within five minutes (once), every hold past its time released (stock back, the waitlist
 * served, the customer told); then the lines of products with stock again are served (those a
 * busy customer held up). Products are taken with NOWAIT / SKIP LOCKED too: the clock never
 * waits, so it never deadlocks with a turn. Checkouts expire by their own job
 * (payment_expire_intents).
 * Returns { reminded, released, served }.
 */
create function public.botlive_expire_holds()
returns jsonb
language plpgsql
volatile
-- definer: pg_cron and the service's sweep run it; it writes stock, holds and messages
security definer
set search_path = ''
as $$
declare
  v_due record;
  v_reminded integer := 0;
  v_released integer := 0;
  v_served integer := 0;
  v_items jsonb;
  v_product uuid;
begin
  for v_due in
    select h.conversation_id, h.company_id, min(h.expires_at) as expires_at, bool_and(h.reminded_at is null) as unreminded
    from public.botlive_holds h
    where h.expires_at <= now() or (h.reminded_at is null and h.expires_at <= now() + interval '5 minutes')
    group by h.conversation_id, h.company_id
    order by min(h.expires_at)
  loop
    perform 1 from public.conversations c where c.id = v_due.conversation_id for no key update skip locked;
    continue when not found;
    if v_due.expires_at > now() then
      update public.botlive_holds h set reminded_at = now()
      where h.conversation_id = v_due.conversation_id and h.reminded_at is null;
      if found then
        perform private.botlive_notify(v_due.conversation_id, 'hold_reminder',
          'Votre réservation se termine dans quelques minutes : envoyez votre paiement pour la garder.');
        v_reminded := v_reminded + 1;
      end if;
      continue;
    end if;
    begin
      -- Its products without waiting (a turn may hold one): busy, it is left for the next minute.
      perform 1 from public.products p
      where p.id in (select h.product_id from public.botlive_holds h where h.conversation_id = v_due.conversation_id)
      order by p.id for update nowait;
      v_items := private.release_holds(v_due.conversation_id,
        array(select h.product_id from public.botlive_holds h where h.conversation_id = v_due.conversation_id
                and h.expires_at <= now()));
    exception when lock_not_available then
      continue;
    end;
    if jsonb_array_length(v_items) > 0 then
      perform private.botlive_notify(v_due.conversation_id, 'hold_expired',
        'Votre réservation a expiré et l''article est remis en vente. Écrivez-moi si vous le voulez toujours.');
      perform public.log_activity(v_due.company_id::text, 'hold.expired', 'Réservation expirée',
        (select string_agg(private.product_quantity_text(i ->> 'name', (i ->> 'quantity')::integer), ', ')
           from jsonb_array_elements(v_items) i) || ' remis en vente.',
        'info', pg_catalog.jsonb_build_object('released', v_items), v_due.conversation_id);
      v_released := v_released + 1;
    end if;
  end loop;
  for v_product in
    select distinct w.product_id from public.botlive_waitlist w join public.products p on p.id = w.product_id
    where w.status = 'waiting' and p.is_active and (p.stock is null or p.stock > 0)
    order by w.product_id
  loop
    perform 1 from public.products p where p.id = v_product for update skip locked;
    if found then
      v_served := v_served + private.botlive_serve_waitlist(v_product);
    end if;
  end loop;
  return pg_catalog.jsonb_build_object('reminded', v_reminded, 'released', v_released, 'served', v_served);
end;
$$;
revoke all on function public.botlive_expire_holds() from public;
grant execute on function public.botlive_expire_holds() to service_role;

select cron.schedule('comptoir-botlive-expire-holds', '* * * * *', 'select public.botlive_expire_holds()');

/**
 * Turns the conversation's complete cart, whose proofs cover the amount due, into an order,
 * exactly once, in one transaction (conversation, draft and products locked, products in id
 * order): stock comes from the cart's holds first, the rest is taken now; an article the stock
 * does not cover is `out_of_stock` (it leaves the cart; when nothing is left in it the proofs
 * become a refund owed, else they stay toward the smaller cart); `insufficient` when the proofs
 * do not cover Σ price × quantity + the zone's fee; else the order with the next number and
 * every line, the proofs attached, payment_status `to_verify` (`paid` when every proof was
 * validated, by a member or a provider), change owed for any excess, holds and draft gone.
 * Without a draft: `no_draft`; no article, zone or phone: `incomplete`.
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
  v_zone public.delivery_zones;
  v_short record;
  v_paid integer;
  v_items_total integer;
  v_required integer;
  v_method text;
  v_references text;
  v_verified boolean;
  v_order public.orders;
  v_items jsonb;
  v_refund integer := 0;
begin
  -- The conversation's row first, as botlive_record_payment takes it: no proof lands mid-placement.
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  select * into v_draft from public.botlive_drafts d
  where d.conversation_id = p_conversation and d.company_id = v_company for update;
  if not found then
    return pg_catalog.jsonb_build_object('status', 'no_draft');
  end if;
  if v_draft.delivery_zone_id is null or v_draft.phone is null
     or not exists (select 1 from private.cart_lines(p_conversation)) then
    return pg_catalog.jsonb_build_object('status', 'incomplete');
  end if;
  select * into v_zone from public.delivery_zones z where z.id = v_draft.delivery_zone_id;
  -- Each product once, locked in id order; what the cart holds counts as in stock for it, and
  -- what it holds of an article no longer in it goes back.
  perform private.lock_cart_products(p_conversation);
  perform private.release_holds(p_conversation, array(
    select h.product_id from public.botlive_holds h where h.conversation_id = p_conversation
    except select l.product_id from private.cart_lines(p_conversation) l));
  select l.product_id, p.name, l.quantity, p.stock, coalesce(h.quantity, 0) as held into v_short
  from (select c.product_id, sum(c.quantity)::integer as quantity from private.cart_lines(p_conversation) c group by c.product_id) l
  join public.products p on p.id = l.product_id
  left join public.botlive_holds h on h.conversation_id = p_conversation and h.product_id = l.product_id
  where not p.is_active or (p.stock is not null and l.quantity > coalesce(h.quantity, 0)
    and (p.stock + coalesce(h.quantity, 0) < l.quantity or private.waiting_ahead(p.id, p_conversation)))
  order by l.product_id
  limit 1;
  if found then
    perform public.log_activity(
      v_company::text, 'order.out_of_stock', 'Rupture de stock : ' || v_short.name,
      pg_catalog.format('%s demandé(s), %s en stock.', v_short.quantity, coalesce(v_short.stock, 0) + v_short.held),
      'warning',
      pg_catalog.jsonb_build_object('product_id', v_short.product_id, 'requested', v_short.quantity,
        'stock', v_short.stock, 'client', v_draft.customer_name, 'produit', v_short.name),
      p_conversation
    );
    perform private.release_holds(p_conversation, array[v_short.product_id]);
    delete from public.botlive_cart_lines l where l.conversation_id = p_conversation and l.product_id = v_short.product_id;
    update public.botlive_drafts d set product_id = null, variant = '{}', quantity = 1
    where d.conversation_id = p_conversation and d.product_id = v_short.product_id;
    if not exists (select 1 from private.cart_lines(p_conversation)) then
      -- Nothing left to buy: what she sent is owed back; she may choose another article.
      v_refund := private.owe_unattached_proofs(p_conversation, 'sold_out');
    end if;
    return pg_catalog.jsonb_build_object('status', 'out_of_stock', 'stock', coalesce(v_short.stock, 0) + v_short.held,
      'product', v_short.name, 'product_id', v_short.product_id, 'refund', v_refund);
  end if;

  select coalesce(sum(l.line_total), 0)::integer,
    jsonb_agg(pg_catalog.jsonb_build_object('product_id', l.product_id, 'name', l.name, 'variant', l.variant,
      'quantity', l.quantity, 'unit_price', l.unit_price, 'line_total', l.line_total) order by l.line_no)
    into v_items_total, v_items
  from private.cart_lines(p_conversation) l;
  v_required := v_items_total + v_zone.fee;
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

  insert into public.orders (company_id, conversation_id, session_id, number, customer_name, customer_phone,
    delivery_zone_id, delivery_zone, delivery_fee, items, items_total, total_amount, status, payment_status, source)
  values (v_company, p_conversation, p_session, private.next_order_number(v_company), v_draft.customer_name,
    v_draft.phone, v_zone.id, v_zone.name, v_zone.fee, v_items, v_items_total, v_required,
    'pending', case when v_verified then 'paid' else 'to_verify' end, 'botlive')
  returning * into v_order;
  -- Held stock is the order's now; the rest is taken.
  update public.products p set stock = p.stock - (l.quantity - coalesce(h.quantity, 0))
  from (select c.product_id, sum(c.quantity)::integer as quantity from private.cart_lines(p_conversation) c group by c.product_id) l
  left join public.botlive_holds h on h.conversation_id = p_conversation and h.product_id = l.product_id
  where p.id = l.product_id and p.stock is not null and l.quantity <> coalesce(h.quantity, 0);
  delete from public.botlive_holds h where h.conversation_id = p_conversation;
  update public.botlive_waitlist w set status = 'left' where w.conversation_id = p_conversation and w.status = 'offered';
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
        'produit', private.order_items_text(v_items)),
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
    'stock', (select p.stock from public.products p where p.id = (v_items -> -1 ->> 'product_id')::uuid));
end;
$$;

/** Cancelling a draft gives its holds back too (the waitlist served). */
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
    perform private.release_holds(p_conversation);
    update public.botlive_waitlist w set status = 'left' where w.conversation_id = p_conversation and w.status in ('waiting', 'offered');
    delete from public.botlive_drafts d where d.conversation_id = p_conversation;
  end if;
  return v_found;
end;
$$;

/**
 * Begins a Botlive turn (botlive_begin_turn of 20261206100000, now private.botlive_begin_turn_base)
 * and adds the cart: `lines` (the articles before the one being filled) and `hold_expires_at`.
 */
alter function public.botlive_begin_turn(text, text, text, jsonb, text, jsonb) rename to botlive_begin_turn_base;
alter function public.botlive_begin_turn_base(text, text, text, jsonb, text, jsonb) set schema private;
revoke all on function private.botlive_begin_turn_base(text, text, text, jsonb, text, jsonb) from public, anon, authenticated;
grant execute on function private.botlive_begin_turn_base(text, text, text, jsonb, text, jsonb) to service_role;

create function public.botlive_begin_turn(
  p_company text,
  p_conversation text,
  p_message_id text,
  p_customer jsonb,
  p_text text,
  p_attachments jsonb default '[]'
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
  select b.result || pg_catalog.jsonb_build_object(
    'lines', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('product_id', l.product_id, 'variant', l.variant,
        'quantity', l.quantity) order by l.line_no)
      from public.botlive_cart_lines l where l.conversation_id = (b.result ->> 'conversation_id')::uuid), '[]'),
    'hold_expires_at', (select min(h.expires_at) from public.botlive_holds h
      where h.conversation_id = (b.result ->> 'conversation_id')::uuid))
  from (select private.botlive_begin_turn_base(p_company, p_conversation, p_message_id, p_customer, p_text, p_attachments)
    as result) b
$$;
revoke all on function public.botlive_begin_turn(text, text, text, jsonb, text, jsonb) from public, anon, authenticated;
grant execute on function public.botlive_begin_turn(text, text, text, jsonb, text, jsonb) to service_role;

/**
 * Saves a Botlive draft (botlive_save_draft of 20261202100200, now private.botlive_save_draft_base)
 * and, when p_draft has `lines` ([{ product_id, variant, quantity }], at most 20, products of the
 * company), replaces the cart's earlier lines with them in that order.
 */
alter function public.botlive_save_draft(text, uuid, jsonb) rename to botlive_save_draft_base;
alter function public.botlive_save_draft_base(text, uuid, jsonb) set schema private;
revoke all on function private.botlive_save_draft_base(text, uuid, jsonb) from public, anon, authenticated;
grant execute on function private.botlive_save_draft_base(text, uuid, jsonb) to service_role;

create function public.botlive_save_draft(p_company text, p_conversation uuid, p_draft jsonb)
returns public.botlive_drafts
language plpgsql
volatile
-- definer: the draft and its lines are written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_row public.botlive_drafts;
begin
  if p_draft ? 'lines' then
    if jsonb_typeof(p_draft -> 'lines') <> 'array' or jsonb_array_length(p_draft -> 'lines') > 20 then
      raise exception 'botlive_save_draft: lines are an array of at most 20 articles' using errcode = '22023';
    end if;
    if exists (select 1 from jsonb_array_elements(p_draft -> 'lines') l
               where jsonb_typeof(l -> 'product_id') <> 'string'
                 or (l ->> 'product_id') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                 or not exists (select 1 from public.products p where p.id = (l ->> 'product_id')::uuid and p.company_id = v_company)
                 or jsonb_typeof(coalesce(l -> 'variant', '{}')) <> 'object'
                 or jsonb_typeof(l -> 'quantity') <> 'number' or (l ->> 'quantity') !~ '^[0-9]{1,3}$'
                 or (l ->> 'quantity')::integer not between 1 and 100) then
      raise exception 'botlive_save_draft: each line is { product_id of the company, variant, quantity 1–100 }'
        using errcode = '22023';
    end if;
  end if;
  v_row := private.botlive_save_draft_base(p_company, p_conversation, p_draft - 'lines');
  if p_draft ? 'lines' then
    delete from public.botlive_cart_lines l where l.conversation_id = p_conversation;
    insert into public.botlive_cart_lines (conversation_id, line_no, company_id, product_id, variant, quantity)
    select p_conversation, e.n::integer, v_company, (e.l ->> 'product_id')::uuid, coalesce(e.l -> 'variant', '{}'),
      (e.l ->> 'quantity')::integer
    from jsonb_array_elements(p_draft -> 'lines') with ordinality as e (l, n);
  end if;
  if (select count(*) from private.cart_lines(p_conversation)) > 20 then
    raise exception 'botlive_save_draft: a cart holds at most 20 articles' using errcode = '22023';
  end if;
  -- What no live order costs (and what an integer total always holds).
  if (select coalesce(sum(l.line_total), 0) from private.cart_lines(p_conversation) l) > 100000000 then
    raise exception 'botlive_save_draft: a cart is at most 100 000 000 FCFA' using errcode = '22023';
  end if;
  return v_row;
end;
$$;
revoke all on function public.botlive_save_draft(text, uuid, jsonb) from public, anon, authenticated;
grant execute on function public.botlive_save_draft(text, uuid, jsonb) to service_role;
