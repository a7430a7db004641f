-- Channels: Comptoir as the relay between Meta (WhatsApp Cloud API, Messenger, Instagram) and
-- Botlive. The `channels` function verifies each webhook's signature, hands what it carries to
-- channel_receive (one short transaction: a durable inbox, unique on the platform's ids), answers
-- 200, then processes the inbox in order per conversation and sends the replies from an outbox.
--
--   channel_accounts   a shop's WhatsApp number / Facebook page / Instagram account (members read)
--   private.channel_secrets  its verify token, app secret and access token (no API role reads them)
--   channel_messages   the inbox: one row per inbound message or comment, exactly once
--   channel_outbox     what goes back: the bot's replies, members' replies, comments' private replies
--   channel_statuses   every delivery status Meta reported (sent < delivered < read; failed)
--
-- Every step the function takes is one of the service_role functions below; what members and
-- admins do goes through invoker entry points over `private` definers (the Advisor's rule).

create table public.channel_accounts (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  platform text not null constraint channel_accounts_platform_valid
    check (platform in ('whatsapp', 'messenger', 'instagram')),
  -- WhatsApp: the phone number id (metadata.phone_number_id); Messenger: the page id;
  -- Instagram: the professional account id. Meta's ids are digits.
  external_id text not null constraint channel_accounts_external_id_digits check (external_id ~ '^[0-9]{1,40}$'),
  -- The Meta app whose webhooks carry it: the webhook URL is /functions/v1/channels/<app_id>.
  app_id text not null constraint channel_accounts_app_id_digits check (app_id ~ '^[0-9]{1,40}$'),
  name text constraint channel_accounts_name_length check (length(name) <= 200),
  -- Outside WhatsApp's 24-hour window only a template may be sent (none: the shop is told).
  template_name text constraint channel_accounts_template_name_format check (template_name ~ '^[a-z0-9_]{1,512}$'),
  template_language text not null default 'fr'
    constraint channel_accounts_template_language_format check (template_language ~ '^[a-z]{2}(_[A-Z]{2})?$'),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint channel_accounts_platform_external_id_key unique (platform, external_id)
);
create index channel_accounts_company_id_idx on public.channel_accounts (company_id);
create index channel_accounts_app_id_idx on public.channel_accounts (app_id);
create trigger channel_accounts_touch_updated_at
  before update on public.channel_accounts
  for each row execute function private.touch_updated_at();

create table private.channel_secrets (
  account_id uuid primary key references public.channel_accounts (id) on delete cascade,
  verify_token text not null constraint channel_secrets_verify_token_length check (length(verify_token) between 16 and 200),
  app_secret text not null constraint channel_secrets_app_secret_length check (length(app_secret) between 16 and 200),
  access_token text not null constraint channel_secrets_access_token_length check (length(access_token) between 16 and 1000),
  updated_at timestamptz not null default now()
);

create table public.channel_messages (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  account_id uuid not null references public.channel_accounts (id) on delete cascade,
  platform text not null,
  -- wamid… / mid… / a comment's id: Meta delivers at least once; this decides exactly once
  -- (per account: another tenant's payload naming the same id never shadows this one).
  external_id text not null constraint channel_messages_external_id_length check (length(external_id) between 1 and 300),
  sender text not null constraint channel_messages_sender_length check (length(sender) between 1 and 200),
  sender_name text constraint channel_messages_sender_name_length check (length(sender_name) <= 200),
  kind text not null constraint channel_messages_kind_valid check (kind in (
    'text', 'interactive', 'button', 'image', 'document', 'audio', 'video', 'sticker', 'location', 'reaction',
    'unsupported', 'comment', 'live_comment'
  )),
  text text constraint channel_messages_text_length check (length(text) <= 4096),
  media jsonb constraint channel_messages_media_object check (jsonb_typeof(media) = 'object'),
  -- The sha256 (hex) of the bytes downloaded and checked, for an image or a document.
  media_sha256 text constraint channel_messages_media_sha256_hex check (media_sha256 ~ '^[0-9a-f]{64}$'),
  sent_at timestamptz not null,
  received_at timestamptz not null default clock_timestamp(),
  status text not null default 'pending'
    constraint channel_messages_status_valid check (status in ('pending', 'processing', 'done', 'dead')),
  attempts integer not null default 0,
  -- processing: the lease of the run that claimed it; pending after a failure: not before then.
  lease_until timestamptz,
  -- When a run last took it: the company's turns per minute are counted from it.
  claimed_at timestamptz,
  last_error text constraint channel_messages_last_error_length check (length(last_error) <= 1000),
  conversation_id uuid references public.conversations (id) on delete set null,
  processed_at timestamptz,
  constraint channel_messages_account_id_external_id_key unique (account_id, external_id)
);
create index channel_messages_company_id_received_at_idx on public.channel_messages (company_id, received_at desc);
create index channel_messages_account_id_sender_idx on public.channel_messages (account_id, sender, sent_at, received_at);
create index channel_messages_claimed_at_idx on public.channel_messages (claimed_at) where claimed_at is not null;
create index channel_messages_unfinished_idx on public.channel_messages (sent_at, received_at)
  where status in ('pending', 'processing');
create index channel_messages_conversation_id_idx on public.channel_messages (conversation_id);
create index channel_messages_company_id_media_sha256_idx on public.channel_messages (company_id, media_sha256)
  where media_sha256 is not null;

create table public.channel_outbox (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  account_id uuid not null references public.channel_accounts (id) on delete cascade,
  platform text not null,
  recipient text constraint channel_outbox_recipient_length check (length(recipient) between 1 and 200),
  -- A private reply to a comment (one per comment, as Meta allows).
  comment_id text constraint channel_outbox_comment_id_length check (length(comment_id) between 1 and 300),
  -- The bot's reply to one inbound message: at most one, whatever the retries.
  in_reply_to uuid references public.channel_messages (id) on delete set null,
  source text not null constraint channel_outbox_source_valid check (source in ('bot', 'member')),
  author uuid references auth.users (id) on delete set null,
  conversation_id uuid references public.conversations (id) on delete set null,
  body text not null constraint channel_outbox_body_length check (length(body) between 1 and 4096),
  status text not null default 'pending' constraint channel_outbox_status_valid
    check (status in ('pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown')),
  -- The platform's id of the message once sent (wamid…, m_…): statuses find it by this.
  external_id text constraint channel_outbox_external_id_length check (length(external_id) between 1 and 300),
  via_template boolean not null default false,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  error jsonb constraint channel_outbox_error_object check (jsonb_typeof(error) = 'object'),
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint channel_outbox_target check ((recipient is null) <> (comment_id is null)),
  constraint channel_outbox_in_reply_to_key unique (in_reply_to),
  constraint channel_outbox_account_id_external_id_key unique (account_id, external_id),
  constraint channel_outbox_account_id_comment_id_key unique (account_id, comment_id)
);
create index channel_outbox_company_id_created_at_idx on public.channel_outbox (company_id, created_at desc);
create index channel_outbox_author_idx on public.channel_outbox (author);
create index channel_outbox_conversation_id_idx on public.channel_outbox (conversation_id);
create index channel_outbox_due_idx on public.channel_outbox (next_attempt_at) where status in ('pending', 'sending');
create trigger channel_outbox_touch_updated_at
  before update on public.channel_outbox
  for each row execute function private.touch_updated_at();

-- Every status Meta reported, once each: the outbox's status is the highest rank among them, so
-- a late `sent` never downgrades `read`, and a status that arrives before the send is recorded
-- still counts once it is.
create table public.channel_statuses (
  account_id uuid not null references public.channel_accounts (id) on delete cascade,
  external_id text not null constraint channel_statuses_external_id_length check (length(external_id) between 1 and 300),
  status text not null constraint channel_statuses_status_valid check (status in ('sent', 'delivered', 'read', 'failed')),
  company_id uuid not null references public.companies (id) on delete cascade,
  reported_at timestamptz not null,
  errors jsonb constraint channel_statuses_errors_array check (jsonb_typeof(errors) = 'array'),
  received_at timestamptz not null default now(),
  primary key (account_id, external_id, status)
);
create index channel_statuses_company_id_idx on public.channel_statuses (company_id);

alter table public.channel_accounts enable row level security;
alter table private.channel_secrets enable row level security;
alter table public.channel_messages enable row level security;
alter table public.channel_outbox enable row level security;
alter table public.channel_statuses enable row level security;

-- Members read their company's accounts, inbox, outbox and statuses (the dashboard shows the
-- dead letters and the failed sends); every write goes through the functions below.
create policy "members read their channel accounts" on public.channel_accounts
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
create policy "members read their inbox" on public.channel_messages
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
create policy "members read their outbox" on public.channel_outbox
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));
create policy "members read their delivery statuses" on public.channel_statuses
  for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]));

grant select on public.channel_accounts, public.channel_messages, public.channel_outbox, public.channel_statuses
  to authenticated, service_role;

/** Rank of a delivery status: the outbox keeps the highest; `failed` is terminal. */
create function private.channel_status_rank(p_status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_status
    when 'pending' then 0 when 'sending' then 1 when 'unknown' then 2
    when 'sent' then 3 when 'delivered' then 4 when 'read' then 5 when 'failed' then 6
    else null end
$$;

/** The outbox row of (account, external id) takes the highest status reported for it. */
create function private.channel_apply_statuses(p_account uuid, p_external_id text)
returns void
language sql
volatile
set search_path = ''
as $$
  update public.channel_outbox o
     set status = best.status,
         error = case when best.status = 'failed'
           then jsonb_build_object('kind', 'delivery', 'errors', coalesce(best.errors, '[]'::jsonb)) else o.error end,
         lease_until = null
    from (
      select s.status, s.errors
        from public.channel_statuses s
       where s.account_id = p_account and s.external_id = p_external_id
       order by private.channel_status_rank(s.status) desc
       limit 1
    ) best
   where o.account_id = p_account and o.external_id = p_external_id
     and private.channel_status_rank(best.status) > private.channel_status_rank(o.status)
$$;

/**
 * An admin registers (or updates) a channel account of the company with its secrets. Secrets
 * left null on an update keep their value (a template name too; '' clears it); nobody reads them
 * back (only the service's webhook and sender functions use them). Every value is checked here
 * first, so that no constraint's error ever quotes a row with its secrets. An account registered
 * by another company is refused without saying which; so is a Meta app already registered by
 * another company with another app secret (a webhook's signature is checked against the app's
 * secrets: nobody may add theirs to a shop's app), and an app has at most two secrets at once
 * (a rotation). Definer: members have no write grant on accounts and nobody on the secrets.
 */
create function private.set_channel_account(
  p_company text,
  p_platform text,
  p_external_id text,
  p_app_id text,
  p_verify_token text default null,
  p_app_secret text default null,
  p_access_token text default null,
  p_name text default null,
  p_template_name text default null,
  p_template_language text default 'fr',
  p_active boolean default true
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_account public.channel_accounts;
  v_secret text;
begin
  if not private.is_member(v_company, 'admin') and coalesce((select auth.role()), '') <> 'service_role' then
    raise exception 'set_channel_account: only an admin or owner of % manages its channels', p_company
      using errcode = '42501';
  end if;
  if p_platform is null or p_platform not in ('whatsapp', 'messenger', 'instagram') then
    raise exception 'set_channel_account: the platform is whatsapp, messenger or instagram' using errcode = '22023';
  end if;
  if p_external_id is null or p_external_id !~ '^[0-9]{1,40}$' or p_app_id is null or p_app_id !~ '^[0-9]{1,40}$' then
    raise exception 'set_channel_account: the account id and the app id are Meta ids (digits)' using errcode = '22023';
  end if;
  if length(p_verify_token) not between 16 and 200 or length(p_app_secret) not between 16 and 200
    or length(p_access_token) not between 16 and 1000 then
    raise exception 'set_channel_account: a verify token or app secret is 16 to 200 characters, an access token 16 to 1,000'
      using errcode = '22023';
  end if;
  if length(p_name) > 200 or (nullif(p_template_name, '') !~ '^[a-z0-9_]{1,512}$')
    or p_template_language !~ '^[a-z]{2}(_[A-Z]{2})?$' then
    raise exception 'set_channel_account: a name is at most 200 characters, a template name lowercase letters, digits and _, a language like fr or pt_BR'
      using errcode = '22023';
  end if;

  select * into v_account from public.channel_accounts a
   where a.platform = p_platform and a.external_id = p_external_id
   for update;
  if found and v_account.company_id <> v_company then
    raise exception 'set_channel_account: this % account is already registered', p_platform using errcode = '23505';
  end if;
  if not found and (p_verify_token is null or p_app_secret is null or p_access_token is null) then
    raise exception 'set_channel_account: a new account needs its verify token, app secret and access token'
      using errcode = '22023';
  end if;

  -- The app's secrets, this account's excluded: another company's must include ours; two at most.
  v_secret := coalesce(p_app_secret, (select s.app_secret from private.channel_secrets s where s.account_id = v_account.id));
  perform pg_advisory_xact_lock(hashtext('channel_app:' || p_app_id));
  if exists (
    select 1 from public.channel_accounts a join private.channel_secrets s on s.account_id = a.id
     where a.app_id = p_app_id and a.company_id <> v_company and a.id is distinct from v_account.id
  ) and not exists (
    select 1 from public.channel_accounts a join private.channel_secrets s on s.account_id = a.id
     where a.app_id = p_app_id and a.company_id <> v_company and s.app_secret = v_secret
  ) then
    raise exception 'set_channel_account: this Meta app is registered with another app secret' using errcode = '23505';
  end if;
  if (
    select count(distinct x.secret) from (
      select s.app_secret as secret from public.channel_accounts a join private.channel_secrets s on s.account_id = a.id
       where a.app_id = p_app_id and a.id is distinct from v_account.id
      union all select v_secret
    ) x
  ) > 2 then
    raise exception 'set_channel_account: a Meta app has at most two app secrets at once (update its accounts to rotate)'
      using errcode = '23505';
  end if;

  if v_account.id is null then
    insert into public.channel_accounts (company_id, platform, external_id, app_id, name, template_name,
      template_language, is_active)
    values (v_company, p_platform, p_external_id, p_app_id, p_name, nullif(p_template_name, ''),
      coalesce(p_template_language, 'fr'), coalesce(p_active, true))
    returning * into v_account;
    insert into private.channel_secrets (account_id, verify_token, app_secret, access_token)
    values (v_account.id, p_verify_token, p_app_secret, p_access_token);
  else
    update public.channel_accounts a
       set app_id = p_app_id, name = coalesce(p_name, a.name),
           template_name = case when p_template_name is null then a.template_name else nullif(p_template_name, '') end,
           template_language = coalesce(p_template_language, a.template_language),
           is_active = coalesce(p_active, a.is_active)
     where a.id = v_account.id;
    update private.channel_secrets s
       set verify_token = coalesce(p_verify_token, s.verify_token),
           app_secret = coalesce(p_app_secret, s.app_secret),
           access_token = coalesce(p_access_token, s.access_token),
           updated_at = now()
     where s.account_id = v_account.id;
  end if;
  return v_account.id;
end;
$$;
revoke all on function private.set_channel_account(text, text, text, text, text, text, text, text, text, text, boolean) from public;
grant execute on function private.set_channel_account(text, text, text, text, text, text, text, text, text, text, boolean)
  to authenticated, service_role;

/** Entry point (invoker) of private.set_channel_account: an admin's call through PostgREST or the service. */
create function public.set_channel_account(
  p_company text,
  p_platform text,
  p_external_id text,
  p_app_id text,
  p_verify_token text default null,
  p_app_secret text default null,
  p_access_token text default null,
  p_name text default null,
  p_template_name text default null,
  p_template_language text default 'fr',
  p_active boolean default true
)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.set_channel_account(p_company, p_platform, p_external_id, p_app_id, p_verify_token, p_app_secret,
    p_access_token, p_name, p_template_name, p_template_language, p_active)
$$;
revoke all on function public.set_channel_account(text, text, text, text, text, text, text, text, text, text, boolean) from public;
grant execute on function public.set_channel_account(text, text, text, text, text, text, text, text, text, text, boolean)
  to authenticated, service_role;

/**
 * The webhook's view of an app: its app secrets (two at most, set_channel_account sees to it),
 * to check a POST's signature before reading it.
 */
create function public.channel_app_secrets(p_app_id text)
returns table (app_secret text)
language sql
stable
security definer
set search_path = ''
as $$
  select distinct s.app_secret
    from public.channel_accounts a
    join private.channel_secrets s on s.account_id = a.id
   where a.app_id = p_app_id and a.is_active
   limit 5
$$;

/** The app's verify tokens, for Meta's verification GET (compared in constant time by the function). */
create function public.channel_verify_tokens(p_app_id text)
returns table (verify_token text)
language sql
stable
security definer
set search_path = ''
as $$
  select distinct s.verify_token
    from public.channel_accounts a
    join private.channel_secrets s on s.account_id = a.id
   where a.app_id = p_app_id and a.is_active
$$;

/**
 * One webhook's items into the inbox, in one short transaction. p_app_secret is the secret whose
 * signature the function checked: items are routed only to the app's active accounts holding
 * that secret (an item naming any other account is dropped, counted as unrouted).
 * p_items: { messages: [{platform, account, id, from, name, at, kind, text, reply_id, media,
 * context_id}], statuses: [{platform, account, id, status, at, errors}], comments: [{platform,
 * account, id, from, username, text, media_id, live, at}] } as the function parsed them.
 * Set-based: an item that would break a rule (an id too long, an unknown kind) is left out and
 * counted as failed, never dropping the others; duplicates (Meta delivers at least once) are
 * skipped by the unique key, never by a check first. A message's time is Meta's, kept within
 * the last 7 days and not in the future (it orders the queue).
 */
create function public.channel_receive(p_app_id text, p_app_secret text, p_items jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_total integer;
  v_valid integer;
  v_unrouted integer;
  v_new uuid[];
  v_statuses integer := 0;
  v_status_total integer;
  v_status_routed integer;
  v_pair record;
begin
  with items as (
    select a.id as account_id, a.company_id, i.platform, i.external_id, i.sender, i.sender_name, i.kind, i.text,
           i.media, i.sent_at, a.id is not null as routed,
           length(i.external_id) between 1 and 300 and length(i.sender) between 1 and 200
             and coalesce(length(i.sender_name), 0) <= 200 and i.kind in (
               'text', 'interactive', 'button', 'image', 'document', 'audio', 'video', 'sticker', 'location', 'reaction',
               'unsupported', 'comment', 'live_comment')
             and i.sent_at is not null as valid
      from (
        select m ->> 'platform' as platform, m ->> 'account' as account, m ->> 'id' as external_id, m ->> 'from' as sender,
               m ->> 'name' as sender_name, m ->> 'kind' as kind, left(m ->> 'text', 4096) as text,
               jsonb_strip_nulls(jsonb_build_object('media', m -> 'media', 'reply_id', m ->> 'reply_id',
                 'context_id', m ->> 'context_id')) as media,
               private.channel_time(m ->> 'at') as sent_at
          from jsonb_array_elements(coalesce(p_items -> 'messages', '[]')) m
        union all
        select c ->> 'platform', c ->> 'account', c ->> 'id', c ->> 'from', c ->> 'username',
               case when c ->> 'live' = 'true' then 'live_comment' else 'comment' end, left(c ->> 'text', 4096),
               jsonb_strip_nulls(jsonb_build_object('media_id', c ->> 'media_id')),
               private.channel_time(c ->> 'at')
          from jsonb_array_elements(coalesce(p_items -> 'comments', '[]')) c
      ) i
      left join (
        public.channel_accounts a join private.channel_secrets s on s.account_id = a.id and s.app_secret = p_app_secret
      ) on a.app_id = p_app_id and a.is_active and a.platform = i.platform and a.external_id = i.account
  ), inserted as (
    insert into public.channel_messages (company_id, account_id, platform, external_id, sender, sender_name, kind,
      text, media, sent_at)
    select company_id, account_id, platform, external_id, sender, sender_name, kind, text, media, sent_at
      from items
     where routed and valid
    on conflict (account_id, external_id) do nothing
    returning id
  )
  select (select count(*) from items), (select count(*) from items where routed and valid),
         (select count(*) from items where not routed), (select coalesce(array_agg(id), '{}') from inserted)
    into v_total, v_valid, v_unrouted, v_new;

  -- Statuses: each (account, id, status) once; then each message's outbox row takes the highest.
  with items as (
    select a.id as account_id, a.company_id, s ->> 'id' as external_id, s ->> 'status' as status,
           private.channel_time(s ->> 'at') as reported_at,
           case when jsonb_typeof(s -> 'errors') = 'array' then s -> 'errors' end as errors
      from jsonb_array_elements(coalesce(p_items -> 'statuses', '[]')) s
      left join (
        public.channel_accounts a join private.channel_secrets x on x.account_id = a.id and x.app_secret = p_app_secret
      ) on a.app_id = p_app_id and a.is_active and a.platform = s ->> 'platform' and a.external_id = s ->> 'account'
  ), counted as (
    select count(*) as total, count(*) filter (where account_id is not null) as routed from items
  ), inserted as (
    insert into public.channel_statuses (account_id, external_id, status, company_id, reported_at, errors)
    select account_id, external_id, status, company_id, coalesce(reported_at, now()), errors
      from items
     where account_id is not null and length(external_id) between 1 and 300
       and status in ('sent', 'delivered', 'read', 'failed')
    on conflict (account_id, external_id, status) do nothing
    returning account_id, external_id
  )
  select (select total from counted), (select routed from counted) into v_status_total, v_status_routed;
  for v_pair in
    select distinct s.account_id, s.external_id
      from jsonb_array_elements(coalesce(p_items -> 'statuses', '[]')) j
      join public.channel_accounts a on a.app_id = p_app_id and a.platform = j ->> 'platform' and a.external_id = j ->> 'account'
      join private.channel_secrets x on x.account_id = a.id and x.app_secret = p_app_secret
      join public.channel_statuses s on s.account_id = a.id and s.external_id = j ->> 'id'
  loop
    perform private.channel_apply_statuses(v_pair.account_id, v_pair.external_id);
    v_statuses := v_statuses + 1;
  end loop;

  return jsonb_build_object('new', to_jsonb(v_new), 'duplicates', v_valid - coalesce(array_length(v_new, 1), 0),
    'statuses', v_statuses, 'unrouted', v_unrouted + (v_status_total - v_status_routed),
    'failed', v_total - v_unrouted - v_valid);
end;
$$;

/** A platform time (ISO 8601) kept within the last 7 days and not in the future; null if unreadable. */
create function private.channel_time(p_at text)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
begin
  return least(greatest(p_at::timestamptz, now() - interval '7 days'), now());
exception when others then
  return null;
end;
$$;

/**
 * Claims up to p_limit inbox rows to process: pending ones (a failed one once its wait is over)
 * and processing ones whose run died (lease over). Only the earliest unfinished message of each
 * conversation (account, sender) is claimable, so a burst is answered in order; SKIP LOCKED lets
 * parallel runs share the work without waiting. Companies take turns (each one's oldest first,
 * then the next one's), and none gets more than p_turns_per_minute claims a minute: Botlive's
 * turns cost model calls, and a flood from one shop's accounts (or from an app secret a tenant
 * chose) waits for its own budget without delaying the others. A row past p_max_attempts goes
 * to `dead` (the shop sees it) instead. Returns what processing needs, the account's access
 * token included; `attempts` identifies this claim (channel_done and channel_failed check it).
 */
create function public.channel_claim(p_limit integer default 10, p_lease_seconds integer default 60,
  p_max_attempts integer default 5, p_turns_per_minute integer default 60)
returns table (
  id uuid, company_id uuid, account_id uuid, platform text, account_external_id text, external_id text, sender text,
  sender_name text, kind text, text text, media jsonb, sent_at timestamptz, attempts integer, access_token text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_dead record;
begin
  for v_dead in
    update public.channel_messages m
       set status = 'dead', lease_until = null,
           last_error = coalesce(m.last_error, 'the run that processed it stopped')
     where m.status in ('pending', 'processing') and m.attempts >= p_max_attempts
       and (m.lease_until is null or m.lease_until <= now())
    returning m.company_id, m.sender_name, m.sender, m.platform
  loop
    perform private.log_activity(v_dead.company_id::text, 'channel.dead_letter',
      format('Message non traité : %s', coalesce(v_dead.sender_name, v_dead.sender)),
      format('Après %s tentatives, un message %s attend une réponse de la boutique.', p_max_attempts, v_dead.platform),
      'error');
  end loop;

  return query
  with recent as (
    select r.company_id, count(*) as claims
      from public.channel_messages r
     where r.claimed_at > now() - interval '1 minute'
     group by r.company_id
  ), candidates as (
    select m.id, m.received_at,
           row_number() over (partition by m.company_id order by m.sent_at, m.received_at) as turn,
           p_turns_per_minute - coalesce(recent.claims, 0) as budget
      from public.channel_messages m
      left join recent on recent.company_id = m.company_id
     where m.status in ('pending', 'processing')
       and (m.lease_until is null or m.lease_until <= now())
       and not exists (
         select 1 from public.channel_messages e
          where e.account_id = m.account_id and e.sender = m.sender
            and e.status in ('pending', 'processing')
            and (e.sent_at, e.received_at, e.id) < (m.sent_at, m.received_at, m.id)
       )
  ), due as (
    select m.id
      from public.channel_messages m
      join candidates c on c.id = m.id
     where c.turn <= c.budget
       and m.status in ('pending', 'processing')
       and (m.lease_until is null or m.lease_until <= now())
     order by c.turn, c.received_at
     limit greatest(p_limit, 0)
     for update of m skip locked
  ), claimed as (
    update public.channel_messages m
       set status = 'processing', attempts = m.attempts + 1, claimed_at = now(),
           lease_until = now() + make_interval(secs => p_lease_seconds)
      from due
     where m.id = due.id
    returning m.*
  )
  select c.id, c.company_id, c.account_id, c.platform, a.external_id, c.external_id, c.sender, c.sender_name, c.kind,
         c.text, c.media, c.sent_at, c.attempts, s.access_token
    from claimed c
    join public.channel_accounts a on a.id = c.account_id
    join private.channel_secrets s on s.account_id = c.account_id
   order by c.sent_at, c.received_at;
end;
$$;

/**
 * A message processed: done, with the reply to send (none: nothing goes out, e.g. an escalated
 * conversation) queued in the outbox in the same transaction, once per message whatever the
 * retries (unique on in_reply_to). A comment's reply is a private reply to that comment.
 * p_conversation_key: Botlive's conversation id for this customer (the message is linked to it,
 * so that a member can answer from the dashboard); p_media_sha256: the hash of the media bytes
 * checked. Only a run that claimed the message may finish it.
 */
create function public.channel_done(p_message uuid, p_attempt integer, p_reply text, p_conversation_key text default null,
  p_media_sha256 text default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_message public.channel_messages;
  v_outbox uuid;
begin
  update public.channel_messages m
     set status = 'done', processed_at = now(), lease_until = null, last_error = null,
         conversation_id = coalesce((
           select c.id from public.conversations c
            where c.company_id = m.company_id and c.channel = 'botlive' and c.external_id = p_conversation_key
         ), m.conversation_id),
         media_sha256 = coalesce(p_media_sha256, m.media_sha256)
   where m.id = p_message and m.status = 'processing' and m.attempts = p_attempt
  returning * into v_message;
  if not found then
    return null; -- a later claim holds it now (or another run finished it): nothing to queue twice
  end if;
  if p_reply is null or btrim(p_reply) = '' then
    return null;
  end if;
  insert into public.channel_outbox (company_id, account_id, platform, recipient, comment_id, in_reply_to, source,
    conversation_id, body)
  values (
    v_message.company_id, v_message.account_id, v_message.platform,
    case when v_message.kind in ('comment', 'live_comment') then null else v_message.sender end,
    case when v_message.kind in ('comment', 'live_comment') then v_message.external_id end,
    v_message.id, 'bot', v_message.conversation_id, left(p_reply, 4096)
  )
  on conflict (in_reply_to) do nothing
  returning id into v_outbox;
  return v_outbox;
end;
$$;

/**
 * Whether this image or document was already received by the company in an earlier message
 * (its sha256): a payment screenshot sent again is the same proof, not a second payment.
 */
create function public.channel_media_seen(p_message uuid, p_sha256 text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
      from public.channel_messages m
      join public.channel_messages other on other.company_id = m.company_id and other.media_sha256 = p_sha256
     where m.id = p_message and other.id <> m.id and other.status = 'done'
  )
$$;

/** A processing run failed on this message (its claim, p_attempt): pending again after a wait, the error kept. */
create function public.channel_failed(p_message uuid, p_attempt integer, p_error text, p_retry_seconds integer default 30)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.channel_messages m
     set status = 'pending', last_error = left(p_error, 1000),
         lease_until = now() + make_interval(secs => greatest(p_retry_seconds, 0))
   where m.id = p_message and m.status = 'processing' and m.attempts = p_attempt
$$;

/**
 * Claims up to p_limit outbox rows due to be sent. A row whose send started and never finished
 * (lease over) becomes `unknown`, never sent again: a retry must not double-send, and Meta may
 * have received it (the shop sees it). Returns the access token and, for WhatsApp, whether the
 * customer wrote in the last 24 hours (free-form messages only then).
 */
create function public.channel_claim_outbox(p_limit integer default 10, p_lease_seconds integer default 60)
returns table (
  id uuid, company_id uuid, account_id uuid, platform text, account_external_id text, recipient text,
  comment_id text, body text, attempts integer, access_token text, window_open boolean,
  template_name text, template_language text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update public.channel_outbox o
     set status = 'unknown', lease_until = null,
         error = jsonb_build_object('kind', 'unknown', 'message', 'the send started and its outcome was never recorded')
   where o.status = 'sending' and o.lease_until <= now();

  return query
  with due as (
    select o.id from public.channel_outbox o
     where o.status = 'pending' and o.next_attempt_at <= now()
     order by o.next_attempt_at, o.created_at
     limit greatest(p_limit, 0)
     for update of o skip locked
  ), claimed as (
    update public.channel_outbox o
       set status = 'sending', attempts = o.attempts + 1, lease_until = now() + make_interval(secs => p_lease_seconds)
      from due where o.id = due.id
    returning o.*
  )
  select c.id, c.company_id, c.account_id, c.platform, a.external_id, c.recipient, c.comment_id, c.body, c.attempts,
         s.access_token,
         c.platform <> 'whatsapp' or c.recipient is null or exists (
           select 1 from public.channel_messages m
            where m.account_id = c.account_id and m.sender = c.recipient
              and m.sent_at > now() - interval '24 hours'
         ),
         a.template_name, a.template_language
    from claimed c
    join public.channel_accounts a on a.id = c.account_id
    join private.channel_secrets s on s.account_id = c.account_id
   order by c.created_at;
end;
$$;

/** Sent: Meta's id recorded, and any status it already reported for that id applied. */
create function public.channel_sent(p_outbox uuid, p_external_id text, p_via_template boolean default false)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_account uuid;
begin
  update public.channel_outbox o
     set status = 'sent', external_id = p_external_id, sent_at = now(), lease_until = null, error = null,
         via_template = p_via_template
   where o.id = p_outbox and o.status in ('sending', 'unknown') -- a late answer still counts
  returning o.account_id into v_account;
  if found then
    perform private.channel_apply_statuses(v_account, p_external_id);
  end if;
end;
$$;

/**
 * A send refused: retried after p_retry_seconds (pacing, throughput, a transient error), or
 * failed for good (null), the error kept; outside the 24-hour window the shop is told.
 */
create function public.channel_send_failed(p_outbox uuid, p_error jsonb, p_retry_seconds integer default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_outbox public.channel_outbox;
begin
  update public.channel_outbox o
     set status = case when p_retry_seconds is null then 'failed' else 'pending' end,
         next_attempt_at = case when p_retry_seconds is null then o.next_attempt_at
           else now() + make_interval(secs => greatest(p_retry_seconds, 0)) end,
         lease_until = null, error = p_error
   where o.id = p_outbox and o.status in ('sending', 'unknown')
  returning * into v_outbox;
  if found and p_retry_seconds is null then
    perform private.log_activity(v_outbox.company_id::text, 'channel.send_failed',
      case when p_error ->> 'kind' = 'window'
        then format('Réponse non envoyée : le client %s n''a pas écrit depuis 24 h', v_outbox.recipient)
        else 'Réponse non envoyée' end,
      left(p_error ->> 'message', 500), 'warning', jsonb_build_object('outbox_id', v_outbox.id),
      v_outbox.conversation_id);
  end if;
end;
$$;

/**
 * A member answers a customer from the dashboard: queued in the same outbox as the bot's
 * replies, to the customer of that conversation on the account they last wrote to.
 * Definer: members have no write grant on the outbox.
 */
create function private.channel_reply(p_company text, p_conversation uuid, p_text text)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_company uuid := private.resolve_company(p_company);
  v_last public.channel_messages;
  v_id uuid;
begin
  if not private.is_member(v_company) then
    raise exception 'channel_reply: not a member of company %', p_company using errcode = '42501';
  end if;
  if p_text is null or btrim(p_text) = '' or length(p_text) > 4096 then
    raise exception 'channel_reply: a reply is 1 to 4,096 characters' using errcode = '22023';
  end if;
  select * into v_last from public.channel_messages m
   where m.company_id = v_company and m.conversation_id = p_conversation
     and m.kind not in ('comment', 'live_comment')
   order by m.sent_at desc, m.received_at desc
   limit 1;
  if not found then
    raise exception 'channel_reply: no channel conversation % in company %', p_conversation, p_company
      using errcode = 'P0002';
  end if;
  insert into public.channel_outbox (company_id, account_id, platform, recipient, source, author, conversation_id, body)
  values (v_company, v_last.account_id, v_last.platform, v_last.sender, 'member', (select auth.uid()), p_conversation,
    p_text)
  returning id into v_id;
  return v_id;
end;
$$;
revoke all on function private.channel_reply(text, uuid, text) from public;
grant execute on function private.channel_reply(text, uuid, text) to authenticated, service_role;

/** Entry point (invoker) of private.channel_reply. */
create function public.channel_reply(p_company text, p_conversation uuid, p_text text)
returns uuid
language sql
volatile
security invoker
set search_path = ''
as $$
  select private.channel_reply(p_company, p_conversation, p_text)
$$;
revoke all on function public.channel_reply(text, uuid, text) from public;
grant execute on function public.channel_reply(text, uuid, text) to authenticated, service_role;

revoke all on function private.channel_status_rank(text), private.channel_apply_statuses(uuid, text),
  private.channel_time(text) from public;
revoke all on function public.channel_app_secrets(text), public.channel_verify_tokens(text),
  public.channel_receive(text, text, jsonb), public.channel_claim(integer, integer, integer, integer),
  public.channel_done(uuid, integer, text, text, text), public.channel_media_seen(uuid, text),
  public.channel_failed(uuid, integer, text, integer), public.channel_claim_outbox(integer, integer),
  public.channel_sent(uuid, text, boolean), public.channel_send_failed(uuid, jsonb, integer) from public;
grant execute on function public.channel_app_secrets(text), public.channel_verify_tokens(text),
  public.channel_receive(text, text, jsonb), public.channel_claim(integer, integer, integer, integer),
  public.channel_done(uuid, integer, text, text, text), public.channel_media_seen(uuid, text),
  public.channel_failed(uuid, integer, text, integer), public.channel_claim_outbox(integer, integer),
  public.channel_sent(uuid, text, boolean), public.channel_send_failed(uuid, jsonb, integer) to service_role;
