-- Payments confirmed by the provider (issue 19): a shop's merchant accounts (Wave, CinetPay,
-- PayDunya, Orange Money WebPay; credentials in private), one payment intent per checkout with
-- one state machine (awaiting → pending → paid | failed | expired), every provider event kept
-- once, and a paid intent turned into a validated payment and the cart's order in the same
-- transaction. Only a signed event or the provider's own status call pays (`confirmed_by`);
-- a member's confirmation stays the path of the declared proofs. Amounts are integers of XOF.

create table public.payment_accounts (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  provider text not null constraint payment_accounts_provider_valid
    check (provider in ('wave', 'cinetpay', 'paydunya', 'orange_money')),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint payment_accounts_company_id_provider_key unique (company_id, provider)
);
create trigger payment_accounts_touch_updated_at
  before update on public.payment_accounts
  for each row execute function private.touch_updated_at();

/** The accounts' API keys and webhook secrets: no API role reads them. */
create table private.payment_credentials (
  account_id uuid primary key references public.payment_accounts (id) on delete cascade,
  credentials jsonb not null constraint payment_credentials_object check (jsonb_typeof(credentials) = 'object'),
  updated_at timestamptz not null default now()
);
revoke all on private.payment_credentials from anon, authenticated, service_role;

create table public.payment_intents (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  account_id uuid not null references public.payment_accounts (id) on delete cascade,
  provider text not null,
  conversation_id uuid references public.conversations (id) on delete set null,
  order_id uuid references public.orders (id) on delete set null,
  amount integer not null constraint payment_intents_amount_range check (amount between 1 and 100000000),
  state text not null default 'awaiting'
    constraint payment_intents_state_valid check (state in ('awaiting', 'pending', 'paid', 'failed', 'expired')),
  provider_ref text constraint payment_intents_provider_ref_length check (length(provider_ref) between 1 and 300),
  checkout_url text constraint payment_intents_checkout_url_length check (length(checkout_url) between 1 and 2000),
  -- Orange Money's notification token (its notifications are matched by it, then confirmed).
  notif_token text constraint payment_intents_notif_token_length check (length(notif_token) between 1 and 300),
  -- The customer's number as her channel proved it (WhatsApp's sender), never one she typed.
  payer_phone text constraint payment_intents_payer_phone_format check (payer_phone ~ '^\+[1-9][0-9]{6,14}$'),
  transaction_id text constraint payment_intents_transaction_id_length check (length(transaction_id) between 1 and 300),
  paid_amount integer constraint payment_intents_paid_amount_range check (paid_amount between 1 and 100000000),
  confirmed_by text constraint payment_intents_confirmed_by_valid check (confirmed_by in ('signed_event', 'status_call')),
  -- One turn creates the provider's session (two turns of one cart at once: one session).
  checkout_claimed_at timestamptz,
  -- Paid back through the provider (a whole session, once).
  refunded_at timestamptz,
  expires_at timestamptz not null,
  paid_at timestamptz,
  reconciled_at timestamptz,
  reconcile_issue text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint payment_intents_paid_consistent check ((state = 'paid') = (paid_at is not null and confirmed_by is not null
    and paid_amount is not null)),
  constraint payment_intents_provider_transaction_id_key unique (provider, transaction_id),
  constraint payment_intents_provider_provider_ref_key unique (provider, provider_ref)
);
create index payment_intents_company_id_created_at_idx on public.payment_intents (company_id, created_at desc);
create index payment_intents_account_id_state_idx on public.payment_intents (account_id, state);
create index payment_intents_conversation_id_idx on public.payment_intents (conversation_id);
create index payment_intents_order_id_idx on public.payment_intents (order_id);
create index payment_intents_paid_unreconciled_idx on public.payment_intents (paid_at) where state = 'paid' and reconciled_at is null;
create trigger payment_intents_touch_updated_at
  before update on public.payment_intents
  for each row execute function private.touch_updated_at();

/** Every provider event once (replays are no-ops), with what it did. */
create table public.payment_events (
  id bigint generated always as identity primary key,
  company_id uuid not null references public.companies (id) on delete cascade,
  provider text not null,
  event_id text not null constraint payment_events_event_id_length check (length(event_id) between 1 and 300),
  intent_id uuid references public.payment_intents (id) on delete set null,
  kind text not null,
  outcome text not null constraint payment_events_outcome_valid check (outcome in ('applied', 'ignored', 'unmatched')),
  amount integer,
  received_at timestamptz not null default now(),
  constraint payment_events_provider_event_id_key unique (provider, event_id)
);
create index payment_events_company_id_received_at_idx on public.payment_events (company_id, received_at desc);
create index payment_events_intent_id_idx on public.payment_events (intent_id);

alter table public.payments
  add column intent_id uuid references public.payment_intents (id) on delete set null;
create index payments_intent_id_idx on public.payments (intent_id);
alter table public.payments drop constraint payments_source_valid;
alter table public.payments
  add constraint payments_source_valid check (source in ('text', 'image', 'manual', 'provider'));

alter table public.payment_accounts enable row level security;
alter table public.payment_intents enable row level security;
alter table public.payment_events enable row level security;
revoke all on public.payment_accounts, public.payment_intents, public.payment_events from anon, authenticated, service_role;
grant select on public.payment_accounts, public.payment_intents, public.payment_events to authenticated, service_role;
create policy payment_accounts_select_member on public.payment_accounts
  for select to authenticated using ((select private.is_member(company_id)));
create policy payment_intents_select_member on public.payment_intents
  for select to authenticated using ((select private.is_member(company_id)));
create policy payment_events_select_member on public.payment_events
  for select to authenticated using ((select private.is_member(company_id)));

/** The credential keys each provider needs. */
create function private.payment_credential_keys(p_provider text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select case p_provider
    when 'wave' then array['api_key', 'webhook_secret']
    when 'cinetpay' then array['apikey', 'site_id', 'secret_key']
    when 'paydunya' then array['master_key', 'private_key', 'token']
    when 'orange_money' then array['client_id', 'client_secret', 'merchant_key']
  end
$$;

/**
 * An admin of p_company sets (or replaces) its account with p_provider: p_credentials holds the
 * provider's keys (wave: api_key, webhook_secret; cinetpay: apikey, site_id, secret_key;
 * paydunya: master_key, private_key, token; orange_money: client_id, client_secret,
 * merchant_key, optional country), every value a string of 1 to 500 characters; checked before
 * anything is written, so no error quotes a value. Returns the account id.
 * Definer: members have no write grant on the accounts, nobody reads the credentials.
 */
create function private.set_payment_account(p_company text, p_provider text, p_credentials jsonb,
  p_active boolean default true)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_keys text[] := private.payment_credential_keys(p_provider);
  v_missing text;
  v_id uuid;
begin
  if v_company is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company, 'admin')) then
    raise exception 'set_payment_account: only an admin of company % sets its payment accounts', p_company
      using errcode = '42501';
  end if;
  if v_keys is null then
    raise exception 'set_payment_account: unknown provider %', left(p_provider, 40)
      using errcode = '22023', hint = 'wave, cinetpay, paydunya or orange_money';
  end if;
  if p_credentials is null or jsonb_typeof(p_credentials) <> 'object' then
    raise exception 'set_payment_account: credentials are an object of strings' using errcode = '22023';
  end if;
  select k into v_missing from unnest(v_keys) k
  where jsonb_typeof(p_credentials -> k) is distinct from 'string' or length(p_credentials ->> k) not between 1 and 500
  limit 1;
  if v_missing is not null then
    raise exception 'set_payment_account: % needs % (a string of 1 to 500 characters)', p_provider, v_missing
      using errcode = '22023';
  end if;
  if exists (select 1 from jsonb_each(p_credentials) e
             where e.key <> all (v_keys || case when p_provider = 'orange_money' then array['country'] else '{}' end)
               or jsonb_typeof(e.value) <> 'string'
               or length(e.value #>> '{}') > 500) then
    raise exception 'set_payment_account: % takes only %', p_provider, array_to_string(v_keys, ', ')
      using errcode = '22023';
  end if;
  insert into public.payment_accounts as a (company_id, provider, is_active) values (v_company, p_provider, coalesce(p_active, true))
  on conflict (company_id, provider) do update set is_active = excluded.is_active
  returning a.id into v_id;
  insert into private.payment_credentials (account_id, credentials) values (v_id, p_credentials)
  on conflict (account_id) do update set credentials = excluded.credentials, updated_at = now();
  return v_id;
end;
$$;
revoke all on function private.set_payment_account(text, text, jsonb, boolean) from public;
grant execute on function private.set_payment_account(text, text, jsonb, boolean) to authenticated, service_role;

/** Entry point (invoker) of private.set_payment_account. */
create function public.set_payment_account(p_company text, p_provider text, p_credentials jsonb,
  p_active boolean default true)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.set_payment_account(p_company, p_provider, p_credentials, p_active)
$$;
revoke all on function public.set_payment_account(text, text, jsonb, boolean) from public;
grant execute on function public.set_payment_account(text, text, jsonb, boolean) to authenticated, service_role;

/** An account and its credentials, for the payments function (service only); null when unknown or inactive. */
create function public.payment_account(p_account uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('id', a.id, 'company_id', a.company_id, 'provider', a.provider,
    'credentials', c.credentials)
  from public.payment_accounts a join private.payment_credentials c on c.account_id = a.id
  where a.id = p_account and a.is_active
$$;

/**
 * A checkout for what p_company's conversation owes on its cart, with p_provider (default: the
 * shop's active account, Wave first): the amount is the cart's total (Σ price × quantity + the
 * zone's fee) less the proofs already counted, computed here; it expires with the cart's hold
 * (else the shop's hold time from now). An open intent of the same amount is returned again
 * (no second checkout), one of another amount (the cart changed) expires.
 * Returns { status: created | existing | no_account | incomplete | nothing_due | too_large, intent?, amount? }.
 */
create function public.payment_open_intent(p_company text, p_conversation uuid, p_provider text default null)
returns jsonb
language plpgsql
volatile
-- definer: intents are written by the bot only
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_account public.payment_accounts;
  v_required integer;
  v_paid integer;
  v_intent public.payment_intents;
  v_expires timestamptz;
  v_phone text;
  v_payer text;
begin
  perform 1 from public.conversations c where c.id = p_conversation and c.company_id = v_company for no key update;
  if not found then
    raise exception 'payment_open_intent: unknown conversation %', p_conversation using errcode = 'P0002';
  end if;
  select * into v_account from public.payment_accounts a
  where a.company_id = v_company and a.is_active and (p_provider is null or a.provider = p_provider)
  order by array_position(array['wave', 'orange_money', 'cinetpay', 'paydunya'], a.provider)
  limit 1;
  if not found then
    return pg_catalog.jsonb_build_object('status', 'no_account');
  end if;
  select a.required, a.paid into v_required, v_paid from private.draft_amounts(p_conversation) a;
  select d.phone into v_phone from public.botlive_drafts d where d.conversation_id = p_conversation;
  -- The number the messaging integration vouches for (WhatsApp's sender), not the one typed.
  select m.metadata -> 'customer' ->> 'phone' into v_payer from public.messages m
  where m.conversation_id = p_conversation and m.role = 'user' and m.metadata -> 'customer' ->> 'phone' ~ '^\+[1-9][0-9]{6,14}$'
  order by m.created_at desc limit 1;
  if v_required is null or v_phone is null then
    return pg_catalog.jsonb_build_object('status', 'incomplete');
  end if;
  if v_required - v_paid <= 0 then
    return pg_catalog.jsonb_build_object('status', 'nothing_due');
  end if;
  if v_required - v_paid > 100000000 then
    -- No checkout takes it (nor any live order costs it): the shop deals with it.
    return pg_catalog.jsonb_build_object('status', 'too_large', 'amount', v_required - v_paid);
  end if;
  select * into v_intent from public.payment_intents i
  where i.conversation_id = p_conversation and i.account_id = v_account.id and i.state in ('awaiting', 'pending')
    and i.expires_at > now() and i.amount = v_required - v_paid and i.order_id is null
  order by i.created_at desc limit 1;
  if found then
    return pg_catalog.jsonb_build_object('status', 'existing', 'intent', to_jsonb(v_intent), 'amount', v_intent.amount);
  end if;
  update public.payment_intents i set state = 'expired'
  where i.conversation_id = p_conversation and i.state = 'awaiting' and i.order_id is null;
  select coalesce(min(h.expires_at) filter (where h.expires_at > now()),
      now() + make_interval(mins => (select c.botlive_hold_minutes from public.companies c where c.id = v_company)))
    into v_expires from public.botlive_holds h where h.conversation_id = p_conversation;
  insert into public.payment_intents (company_id, account_id, provider, conversation_id, amount, payer_phone, expires_at)
  values (v_company, v_account.id, v_account.provider, p_conversation, v_required - v_paid, v_payer, v_expires)
  returning * into v_intent;
  return pg_catalog.jsonb_build_object('status', 'created', 'intent', to_jsonb(v_intent), 'amount', v_intent.amount);
end;
$$;

/**
 * Claims the creation of an intent's provider session for one turn (two turns of one cart at
 * once create one session): true for the caller that creates it; the others read its link.
 * A claim older than 30 s (its turn died) may be taken again; p_release gives it back (the
 * provider failed: the next turn tries again at once).
 */
create function public.payment_claim_checkout(p_intent uuid, p_release boolean default false)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with claimed as (
    update public.payment_intents i
    set checkout_claimed_at = case when p_release then null else now() end
    where i.id = p_intent and i.provider_ref is null and i.state = 'awaiting'
      and (p_release or i.checkout_claimed_at is null or i.checkout_claimed_at < now() - interval '30 seconds')
    returning 1
  )
  select exists (select 1 from claimed)
$$;

/**
 * The provider's session for an intent (its reference, link and expiry), written once: an
 * intent that has one already, or is no longer awaiting, is returned unchanged.
 */
create function public.payment_set_checkout(p_intent uuid, p_provider_ref text, p_url text,
  p_expires_at timestamptz default null, p_notif_token text default null)
returns public.payment_intents
language sql
volatile
security definer
set search_path = ''
as $$
  with updated as (
    update public.payment_intents i set provider_ref = p_provider_ref, checkout_url = p_url,
      notif_token = coalesce(p_notif_token, i.notif_token),
      expires_at = least(i.expires_at, coalesce(p_expires_at, i.expires_at))
    where i.id = p_intent and i.provider_ref is null and i.state = 'awaiting'
    returning *
  )
  select * from updated
  union all
  select * from public.payment_intents i where i.id = p_intent and not exists (select 1 from updated)
$$;

/** Whether an intent may go from one state to another: paid is final, the rest only forward (failed and expired may still be paid: money that arrives late is money). */
create function private.payment_transition_allowed(p_from text, p_to text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case p_from
    when 'awaiting' then p_to in ('pending', 'paid', 'failed', 'expired')
    when 'pending' then p_to in ('paid', 'failed', 'expired')
    when 'failed' then p_to in ('paid')
    when 'expired' then p_to in ('paid')
    else false
  end
$$;

/** The payment method a provider's money is recorded as. */
create function private.provider_method(p_provider text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_provider when 'wave' then 'wave' when 'orange_money' then 'orange_money' else 'other' end
$$;

/**
 * One provider event for p_account, applied once: the event recorded (a replay is `duplicate`,
 * nothing else happens), its intent found by our reference (p_client_reference) or the
 * provider's (p_provider_ref) among that account's intents only, then moved if the state
 * machine allows it (an older event arriving late is `ignored`). Paid needs p_confirmed_by
 * (`signed_event` or `status_call`: the caller proved it) and the amount the provider reports:
 * the money becomes a validated payment of the conversation (a claim of the same reference in
 * it becomes that payment), the cart's order is placed (paid) in the same transaction, and the
 * customer is told. Returns { status: applied | duplicate | ignored | unmatched, state?, order? }.
 */
create function public.payment_apply(
  p_account uuid,
  p_event_id text,
  p_kind text,
  p_state text,
  p_client_reference text default null,
  p_provider_ref text default null,
  p_transaction_id text default null,
  p_amount integer default null,
  p_payer text default null,
  p_confirmed_by text default null
)
returns jsonb
language plpgsql
volatile
-- definer: intents, payments and orders are written by the payments function only
security definer
set search_path = ''
as $$
declare
  v_account public.payment_accounts;
  v_intent public.payment_intents;
  v_event bigint;
  v_payment uuid;
  v_reference text := coalesce(p_transaction_id, p_provider_ref);
  v_placed jsonb;
  v_rejected public.payments;
  v_claim_order uuid;
begin
  select * into v_account from public.payment_accounts a where a.id = p_account;
  if not found then
    raise exception 'payment_apply: unknown account %', p_account using errcode = 'P0002';
  end if;
  if p_state is null or p_state not in ('pending', 'paid', 'failed', 'expired') then
    raise exception 'payment_apply: unknown state %', left(p_state, 40) using errcode = '22023';
  end if;
  if p_state = 'paid' and (p_confirmed_by is null or p_confirmed_by not in ('signed_event', 'status_call')) then
    raise exception 'payment_apply: paid needs a signed event or the provider''s status call' using errcode = '22023';
  end if;
  if p_state = 'paid' and (p_amount is null or p_amount not between 1 and 100000000 or v_reference is null) then
    raise exception 'payment_apply: paid needs the amount (1 to 100 000 000) and a transaction reference' using errcode = '22023';
  end if;
  insert into public.payment_events (company_id, provider, event_id, kind, outcome, amount)
  values (v_account.company_id, v_account.provider, p_event_id, left(p_kind, 100), 'unmatched', p_amount)
  on conflict (provider, event_id) do nothing
  returning id into v_event;
  if v_event is null then
    return pg_catalog.jsonb_build_object('status', 'duplicate');
  end if;
  select * into v_intent from public.payment_intents i
  where i.account_id = p_account
    and ((p_client_reference ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          and i.id = p_client_reference::uuid)
         or (p_provider_ref is not null and i.provider_ref = p_provider_ref))
  limit 1;
  if not found then
    return pg_catalog.jsonb_build_object('status', 'unmatched');
  end if;
  -- The conversation first, as every Botlive step locks it, then the intent.
  perform 1 from public.conversations c where c.id = v_intent.conversation_id for no key update;
  select * into v_intent from public.payment_intents i where i.id = v_intent.id for update;
  if not private.payment_transition_allowed(v_intent.state, p_state) then
    update public.payment_events e set intent_id = v_intent.id, outcome = 'ignored' where e.id = v_event;
    return pg_catalog.jsonb_build_object('status', 'ignored', 'state', v_intent.state);
  end if;
  if p_state = 'paid' and p_transaction_id is not null and exists (
    select 1 from public.payment_intents i where i.provider = v_account.provider and i.transaction_id = p_transaction_id
      and i.id <> v_intent.id) then
    -- One transaction of the provider pays one intent: the second is shown, not credited.
    update public.payment_events e set intent_id = v_intent.id, outcome = 'ignored' where e.id = v_event;
    perform public.log_activity(v_account.company_id::text, 'payment.mismatch',
      pg_catalog.format('Transaction %s déjà comptée', p_transaction_id),
      'Le fournisseur l''annonce pour un autre paiement : elle n''est pas comptée deux fois.', 'error',
      pg_catalog.jsonb_build_object('intent_id', v_intent.id, 'transaction_id', p_transaction_id), v_intent.conversation_id);
    return pg_catalog.jsonb_build_object('status', 'ignored', 'state', v_intent.state);
  end if;
  if p_state = 'paid' then
    update public.payment_intents i set state = 'paid', paid_amount = p_amount, transaction_id = p_transaction_id,
      confirmed_by = p_confirmed_by, paid_at = now(), provider_ref = coalesce(i.provider_ref, p_provider_ref)
    where i.id = v_intent.id returning * into v_intent;
    -- Another conversation's claim of this reference was not hers to make: refused, and the
    -- order it was counted toward goes back to unpaid (nothing left to check there).
    for v_rejected in
      update public.payments pay set status = 'rejected',
        note = 'Référence confirmée par ' || v_account.provider || ' pour un autre client'
      where pay.company_id = v_account.company_id and pay.status = 'to_verify'
        and pay.conversation_id is distinct from v_intent.conversation_id
        and private.normalize_reference(pay.reference) = private.normalize_reference(v_reference)
      returning pay.*
    loop
      perform public.log_activity(v_account.company_id::text, 'payment.rejected', 'Preuve de paiement refusée',
        pg_catalog.format('La référence %s appartient au paiement %s d''un autre client : elle n''est pas comptée.',
          v_rejected.reference, v_account.provider),
        'error', pg_catalog.jsonb_build_object('payment_id', v_rejected.id, 'reference', v_rejected.reference),
        v_rejected.conversation_id);
      if v_rejected.order_id is not null then
        update public.orders o set payment_status = 'unpaid'
        where o.id = v_rejected.order_id and o.payment_status = 'to_verify'
          and not exists (select 1 from public.payments q where q.order_id = o.id and q.status in ('to_verify', 'validated'));
        update public.refunds r set status = 'void'
        where r.order_id = v_rejected.order_id and r.reason = 'overpaid' and r.status = 'to_verify';
      end if;
    end loop;
    -- Her own claim of it, wherever it is counted (her draft or an order placed on it), is
    -- confirmed with the provider's amount — unless a payment a member validated holds the reference.
    select pay.id, pay.order_id into v_payment, v_claim_order from public.payments pay
    where pay.company_id = v_account.company_id and pay.status in ('to_verify', 'rejected') and pay.refund_id is null
      and pay.conversation_id is not distinct from v_intent.conversation_id
      and private.normalize_reference(pay.reference) = private.normalize_reference(v_reference)
      and not exists (select 1 from public.payments o where o.company_id = pay.company_id and o.id <> pay.id
        and o.status not in ('rejected', 'refused')
        and private.normalize_reference(o.reference) = private.normalize_reference(v_reference))
    order by pay.created_at limit 1;
    if v_payment is not null then
      update public.payments pay set status = 'validated', amount = p_amount, verified_at = now(), intent_id = v_intent.id,
        source = 'provider', note = 'Confirmé par ' || v_account.provider
      where pay.id = v_payment;
      if v_claim_order is not null then
        update public.payment_intents i set order_id = v_claim_order where i.id = v_intent.id;
        -- Every proof of that order confirmed: it is paid, its change owed for real.
        update public.orders o set payment_status = 'paid', payment_verified_at = now()
        where o.id = v_claim_order and o.payment_status in ('to_verify', 'unpaid')
          and not exists (select 1 from public.payments q where q.order_id = o.id and q.status = 'to_verify')
          and (select coalesce(sum(q.amount), 0) from public.payments q where q.order_id = o.id and q.status = 'validated')
            >= o.total_amount;
        update public.refunds r set status = 'owed'
        where r.order_id = v_claim_order and r.reason = 'overpaid' and r.status = 'to_verify'
          and exists (select 1 from public.orders o where o.id = v_claim_order and o.payment_status = 'paid');
      end if;
    else
      insert into public.payments (company_id, conversation_id, order_id, amount, method, reference, status, source,
        verified_at, intent_id, note)
      values (v_account.company_id, v_intent.conversation_id, v_intent.order_id, p_amount,
        private.provider_method(v_account.provider), left(v_reference, 100), 'validated', 'provider', now(), v_intent.id,
        'Confirmé par ' || v_account.provider)
      on conflict (company_id, private.normalize_reference(reference)) where reference is not null and status not in ('rejected', 'refused')
      do nothing
      returning id into v_payment;
      if v_payment is null then
        -- The reference is held by a payment a member validated: the money is still hers, and
        -- the shop is told to look at both.
        insert into public.payments (company_id, conversation_id, order_id, amount, method, status, source, verified_at,
          intent_id, note)
        values (v_account.company_id, v_intent.conversation_id, v_intent.order_id, p_amount,
          private.provider_method(v_account.provider), 'validated', 'provider', now(), v_intent.id,
          left('Confirmé par ' || v_account.provider || ', transaction ' || v_reference, 500))
        returning id into v_payment;
        perform public.log_activity(v_account.company_id::text, 'payment.mismatch',
          pg_catalog.format('Référence %s validée deux fois', v_reference),
          pg_catalog.format('%s confirme la transaction %s pour ce client, mais un paiement déjà validé par la boutique porte cette référence.',
            v_account.provider, v_reference),
          'error', pg_catalog.jsonb_build_object('intent_id', v_intent.id, 'reference', v_reference), v_intent.conversation_id);
      end if;
    end if;
    if v_intent.conversation_id is not null
       and exists (select 1 from public.botlive_drafts d where d.conversation_id = v_intent.conversation_id) then
      v_placed := public.botlive_place_order(v_account.company_id::text, v_intent.conversation_id,
        (select s.id from public.bot_sessions s where s.company_id = v_account.company_id and s.ended_at is null));
      if v_placed ->> 'status' = 'created' then
        update public.payment_intents i set order_id = (v_placed -> 'order' ->> 'id')::uuid where i.id = v_intent.id;
      end if;
    end if;
    perform private.botlive_notify(v_intent.conversation_id, 'payment_confirmed',
      case when v_placed ->> 'status' = 'created' then pg_catalog.format(
          'Paiement de %s reçu ✅ Votre commande %s est confirmée (%s).%s', private.xof(p_amount),
          v_placed -> 'order' ->> 'order_number', private.xof((v_placed -> 'order' ->> 'total_amount')::integer),
          case when (v_placed ->> 'change')::integer > 0
            then ' Nous vous devons ' || private.xof((v_placed ->> 'change')::integer) || ' de monnaie.' else '' end)
        when v_placed ->> 'status' = 'out_of_stock' then pg_catalog.format(
          'Paiement de %s reçu, mais %s vient d''être épuisé : la boutique vous rembourse.', private.xof(p_amount),
          v_placed ->> 'product')
        when v_placed ->> 'status' = 'insufficient' then pg_catalog.format(
          'Paiement de %s reçu. Il manque encore %s pour votre commande.', private.xof(p_amount),
          private.xof((v_placed ->> 'missing')::integer))
        else pg_catalog.format('Paiement de %s reçu ✅', private.xof(p_amount)) end);
    perform public.log_activity(v_account.company_id::text, 'payment.confirmed',
      pg_catalog.format('Paiement %s confirmé : %s', v_account.provider, private.xof(p_amount)),
      pg_catalog.format('Transaction %s%s.', v_reference,
        coalesce(', commande ' || (v_placed -> 'order' ->> 'order_number'), '')),
      'success', pg_catalog.jsonb_build_object('intent_id', v_intent.id, 'amount', p_amount, 'provider', v_account.provider,
        'order_id', v_placed -> 'order' ->> 'id'),
      v_intent.conversation_id);
  else
    update public.payment_intents i set state = p_state where i.id = v_intent.id returning * into v_intent;
  end if;
  update public.payment_events e set intent_id = v_intent.id, outcome = 'applied' where e.id = v_event;
  return pg_catalog.jsonb_build_object('status', 'applied', 'state', v_intent.state, 'order', v_placed);
end;
$$;

/**
 * Money paid to the shop's merchant number without a session (Wave `merchant.payment_received`,
 * signed): applied to the one open intent of that account with this amount whose customer's
 * number — as her channel proved it, never as she typed it — is the payer; none or several:
 * recorded unmatched and shown to the shop in the feed. Returns payment_apply's result.
 */
create function public.payment_match_received(p_account uuid, p_event_id text, p_transaction_id text,
  p_amount integer, p_payer text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_account public.payment_accounts;
  v_intent uuid;
  v_result jsonb;
begin
  select * into v_account from public.payment_accounts a where a.id = p_account;
  if not found then
    raise exception 'payment_match_received: unknown account %', p_account using errcode = 'P0002';
  end if;
  -- Exactly one open checkout of this amount from this number (as her channel proved it);
  -- none or several: the shop decides.
  select (array_agg(i.id))[1] into v_intent from public.payment_intents i
  where i.account_id = p_account and i.state in ('awaiting', 'pending') and i.expires_at > now()
    and i.amount = p_amount and p_payer is not null and i.payer_phone = p_payer
  having count(*) = 1;
  v_result := public.payment_apply(p_account, p_event_id, 'merchant.payment_received', 'paid', v_intent::text, null,
    p_transaction_id, p_amount, p_payer, 'signed_event');
  if v_result ->> 'status' = 'unmatched' then
    perform public.log_activity(v_account.company_id::text, 'payment.unmatched',
      pg_catalog.format('Paiement reçu sans commande : %s', private.xof(p_amount)),
      pg_catalog.format('%s de %s (transaction %s) : aucun panier n''attend ce montant de ce numéro.',
        private.xof(p_amount), coalesce(p_payer, 'un numéro inconnu'), p_transaction_id),
      'warning', pg_catalog.jsonb_build_object('amount', p_amount, 'payer', p_payer, 'transaction_id', p_transaction_id,
        'provider', v_account.provider), null);
  end if;
  return v_result;
end;
$$;

/** Open intents past their time become expired (pg_cron with the holds, and the sweep). */
create function public.payment_expire_intents()
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with expired as (
    update public.payment_intents i set state = 'expired'
    where i.state in ('awaiting', 'pending') and i.expires_at <= now()
    returning 1
  )
  select count(*)::integer from expired
$$;

/** Paid intents not yet checked against the provider (the daily reconciliation), oldest first. */
create function public.payment_reconcile_due(p_limit integer default 200)
returns setof public.payment_intents
language sql
stable
security definer
set search_path = ''
as $$
  select * from public.payment_intents i
  where i.state = 'paid' and i.reconciled_at is null
  order by i.paid_at limit least(greatest(coalesce(p_limit, 200), 1), 1000)
$$;

/** The provider's word on a paid intent: agreed (p_issue null) or not (an alert in the feed). */
create function public.payment_reconciled(p_intent uuid, p_issue text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_intent public.payment_intents;
begin
  update public.payment_intents i set reconciled_at = now(), reconcile_issue = left(p_issue, 500)
  where i.id = p_intent returning * into v_intent;
  if found and p_issue is not null then
    perform public.log_activity(v_intent.company_id::text, 'payment.mismatch',
      pg_catalog.format('Paiement %s à vérifier : %s', v_intent.provider, private.xof(v_intent.paid_amount)),
      left(p_issue, 500), 'error',
      pg_catalog.jsonb_build_object('intent_id', v_intent.id, 'order_id', v_intent.order_id), v_intent.conversation_id);
  end if;
end;
$$;

/**
 * What a refund owed can be paid back through: the provider's intent when the money owed back
 * (not change: a part of a payment is settled by hand) is exactly one paid provider payment
 * that supports refunds (Wave refunds a whole checkout session), not refunded before — marked
 * refunded now, in the member's transaction (a second click waits, then finds nothing); null
 * otherwise. For members of p_company only (P0002 else).
 */
create function private.refund_via_provider(p_company text, p_refund uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_refund public.refunds;
  v_intent public.payment_intents;
begin
  select * into v_refund from public.refunds r where r.id = p_refund and r.company_id = v_company
    and private.is_member(v_company);
  if not found then
    raise exception 'refund_via_provider: no refund % in company %', p_refund, p_company using errcode = 'P0002';
  end if;
  if v_refund.kind <> 'refund' then
    return null;
  end if;
  select * into v_intent from public.payment_intents i
  where i.state = 'paid' and i.provider = 'wave' and i.paid_amount = v_refund.amount and i.provider_ref is not null
    and i.refunded_at is null and i.company_id = v_company
    and i.id in (select pay.intent_id from public.payments pay
                 where pay.refund_id = v_refund.id or (v_refund.order_id is not null and pay.order_id = v_refund.order_id))
  limit 1
  for update;
  if not found or v_intent.refunded_at is not null then
    return null;
  end if;
  update public.payment_intents i set refunded_at = now() where i.id = v_intent.id;
  return pg_catalog.jsonb_build_object('refund_id', v_refund.id, 'status', v_refund.status, 'amount', v_refund.amount,
    'intent_id', v_intent.id, 'account_id', v_intent.account_id, 'provider', v_intent.provider,
    'provider_ref', v_intent.provider_ref);
end;
$$;
revoke all on function private.refund_via_provider(text, uuid) from public;
grant execute on function private.refund_via_provider(text, uuid) to authenticated, service_role;

revoke all on function private.payment_credential_keys(text), private.payment_transition_allowed(text, text),
  private.provider_method(text) from public;
revoke all on function public.payment_account(uuid), public.payment_open_intent(text, uuid, text),
  public.payment_set_checkout(uuid, text, text, timestamptz, text),
  public.payment_apply(uuid, text, text, text, text, text, text, integer, text, text),
  public.payment_match_received(uuid, text, text, integer, text),
  public.payment_expire_intents(), public.payment_reconcile_due(integer), public.payment_reconciled(uuid, text),
  public.payment_claim_checkout(uuid, boolean)
  from public;
grant execute on function public.payment_account(uuid), public.payment_open_intent(text, uuid, text),
  public.payment_set_checkout(uuid, text, text, timestamptz, text),
  public.payment_apply(uuid, text, text, text, text, text, text, integer, text, text),
  public.payment_match_received(uuid, text, text, integer, text),
  public.payment_expire_intents(), public.payment_reconcile_due(integer), public.payment_reconciled(uuid, text),
  public.payment_claim_checkout(uuid, boolean)
  to service_role;

select cron.schedule('comptoir-payment-expire-intents', '* * * * *', 'select public.payment_expire_intents()');

/**
 * The carts of p_company for its dashboard, as the member asking (invoker: RLS decides; 42501
 * for anyone else): each cart being filled with its articles, total, hold and checkout; the
 * waitlist, first in line first; the money waiting for a member's check, owed back, and received
 * today (validated proofs and provider payments, in the shop's time zone).
 */
create function public.botlive_cart_board(p_company text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_company uuid;
  v_zone text;
begin
  select c.id into v_company from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company)) then
    raise exception 'botlive_cart_board: not a member of company %', p_company using errcode = '42501';
  end if;
  select private.botlive_time_zone(c.country) into v_zone from public.companies c where c.id = v_company;
  return pg_catalog.jsonb_build_object(
    'carts', coalesce((
      select jsonb_agg(pg_catalog.jsonb_build_object(
        'conversation_id', d.conversation_id, 'customer_name', d.customer_name,
        'items', coalesce((select jsonb_agg(pg_catalog.jsonb_build_object('product_id', l.product_id, 'name', l.name,
            'variant', l.variant, 'quantity', l.quantity, 'unit_price', l.unit_price, 'line_total', l.line_total)
            order by l.line_no) from private.cart_lines(d.conversation_id) l), '[]'),
        'total_amount', (select a.required from private.draft_amounts(d.conversation_id) a),
        'hold_expires_at', h.expires_at,
        'hold_seconds_left', case when h.expires_at is null then null
          else greatest(extract(epoch from h.expires_at - now()), 0)::integer end,
        'checkout', (select pg_catalog.jsonb_build_object('provider', i.provider, 'state', i.state, 'amount', i.amount)
          from public.payment_intents i where i.conversation_id = d.conversation_id and i.order_id is null
          order by i.created_at desc limit 1))
        order by d.updated_at desc)
      from public.botlive_drafts d
      left join lateral (select min(x.expires_at) as expires_at from public.botlive_holds x
        where x.conversation_id = d.conversation_id) h on true
      where d.company_id = v_company), '[]'),
    'waitlist', coalesce((
      select jsonb_agg(pg_catalog.jsonb_build_object('product_id', w.product_id, 'name', p.name,
        'position', w.position, 'customer_name', coalesce(v.title, null), 'quantity', w.quantity, 'since', w.created_at)
        order by p.name, w.position)
      from (select x.*, row_number() over (partition by x.product_id order by x.id)::integer as position
            from public.botlive_waitlist x where x.company_id = v_company and x.status = 'waiting') w
      join public.products p on p.id = w.product_id
      left join public.conversations v on v.id = w.conversation_id), '[]'),
    'money', pg_catalog.jsonb_build_object(
      'to_verify', coalesce((select sum(pay.amount) from public.payments pay
        where pay.company_id = v_company and pay.status = 'to_verify'), 0),
      'owed_back', coalesce((select sum(r.amount) from public.refunds r
        where r.company_id = v_company and r.status = 'owed'), 0),
      'received_today', coalesce((select sum(pay.amount) from public.payments pay
        where pay.company_id = v_company and pay.status = 'validated'
          and coalesce(pay.verified_at, pay.created_at) >= (date_trunc('day', now() at time zone v_zone) at time zone v_zone)), 0))
  );
end;
$$;
revoke all on function public.botlive_cart_board(text) from public;
grant execute on function public.botlive_cart_board(text) to authenticated, service_role;
