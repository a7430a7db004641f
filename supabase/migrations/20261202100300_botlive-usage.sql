-- Botlive's daily figures: one bot_usage row per company per day (the company's local date:
-- Dakar is UTC+0), kept by triggers as Botlive conversations, messages and orders are written.
-- Each counter moves by one `insert … on conflict do update` (row-locked), so concurrent
-- writers never lose an increment: 50 orders created at once add exactly 50.

create table public.bot_usage (
  company_id uuid not null references public.companies (id) on delete cascade,
  date date not null,
  conversations_count integer not null default 0,
  messages_count integer not null default 0,
  orders_count integer not null default 0,
  -- Sum of the day's orders' totals, in XOF; a cancelled order is taken back out.
  revenue bigint not null default 0,
  tokens bigint not null default 0,
  -- In USD, as the providers bill (messages.metadata.cost_usd when the bot reports it).
  cost numeric(14, 6) not null default 0,
  updated_at timestamptz not null default now(),
  primary key (company_id, date)
);

alter table public.bot_usage enable row level security;
revoke all on public.bot_usage from anon, authenticated, service_role;
grant select on public.bot_usage to authenticated, service_role;
create policy bot_usage_select_member on public.bot_usage
  for select to authenticated
  using ((select private.is_member(company_id)));

/** A timestamp's day in the company's time zone (Dakar: UTC+0, no daylight saving). */
create function private.usage_date(p_at timestamptz)
returns date
language sql
stable
set search_path = ''
as $$
  select (p_at at time zone 'Africa/Dakar')::date
$$;

/** Adds to a company's counters of a day, creating the row; one statement, row-locked. */
create function private.bump_usage(
  p_company uuid,
  p_date date,
  p_conversations integer default 0,
  p_messages integer default 0,
  p_orders integer default 0,
  p_revenue bigint default 0,
  p_tokens bigint default 0,
  p_cost numeric default 0
)
returns void
language sql
volatile
set search_path = ''
as $$
  insert into public.bot_usage as u (company_id, date, conversations_count, messages_count, orders_count, revenue, tokens, cost)
  values (p_company, p_date, p_conversations, p_messages, p_orders, p_revenue, p_tokens, p_cost)
  on conflict (company_id, date) do update set
    conversations_count = u.conversations_count + excluded.conversations_count,
    messages_count = u.messages_count + excluded.messages_count,
    orders_count = u.orders_count + excluded.orders_count,
    revenue = u.revenue + excluded.revenue,
    tokens = u.tokens + excluded.tokens,
    cost = u.cost + excluded.cost,
    updated_at = now()
$$;

create function private.bot_usage_conversations()
returns trigger
language plpgsql
-- definer: the counters are written for whichever role wrote the conversation
security definer
set search_path = ''
as $$
begin
  if new.channel = 'botlive' then
    perform private.bump_usage(new.company_id, private.usage_date(new.created_at), p_conversations => 1);
  end if;
  return null;
end;
$$;

create trigger conversations_bot_usage
  after insert on public.conversations
  for each row execute function private.bot_usage_conversations();

create function private.bot_usage_messages()
returns trigger
language plpgsql
-- definer: the counters are written for whichever role wrote the message
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.conversations c where c.id = new.conversation_id and c.channel = 'botlive') then
    perform private.bump_usage(new.company_id, private.usage_date(new.created_at), p_messages => 1,
      p_tokens => coalesce(new.tokens_used, 0),
      p_cost => coalesce((new.metadata ->> 'cost_usd')::numeric, 0));
  end if;
  return null;
end;
$$;

create trigger messages_bot_usage
  after insert on public.messages
  for each row execute function private.bot_usage_messages();

create function private.bot_usage_orders()
returns trigger
language plpgsql
-- definer: the counters are written for whichever role wrote the order
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.bump_usage(new.company_id, private.usage_date(new.created_at), p_orders => 1,
      p_revenue => new.total_amount);
  elsif new.status = 'cancelled' and old.status <> 'cancelled' then
    perform private.bump_usage(new.company_id, private.usage_date(new.created_at), p_revenue => -new.total_amount);
  end if;
  return null;
end;
$$;

create trigger orders_bot_usage
  after insert or update of status on public.orders
  for each row execute function private.bot_usage_orders();
