-- The business assistant's data: what a small business's admin app keeps (seed 002's names):
-- clients, quotes (devis), invoices (factures), tasks, projects, appointments (rendez-vous),
-- follow-ups (relances), inbox threads. Amounts in EUR, numeric with two decimals. Members of
-- the company read and write them (delete: admins and owners); nobody else sees a row. A row
-- that names a client names one of its own company's (composite foreign keys).

/** Folded for matching names: lower case, no accents (IMMUTABLE, so it can be indexed). */
create function private.fold(p_text text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select lower(extensions.unaccent('extensions.unaccent'::regdictionary, p_text))
$$;

create table public.clients (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  name text not null constraint clients_name_not_blank check (btrim(name) <> '' and length(name) <= 200),
  email text constraint clients_email_length check (length(email) <= 320),
  phone text constraint clients_phone_length check (length(phone) <= 40),
  address text constraint clients_address_length check (length(address) <= 500),
  city text constraint clients_city_length check (length(city) <= 100),
  notes text constraint clients_notes_length check (length(notes) <= 5000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint clients_company_id_id_key unique (company_id, id)
);
create index clients_company_id_created_at_idx on public.clients (company_id, created_at desc);
create index clients_name_trgm_idx on public.clients using gin (private.fold(name) extensions.gin_trgm_ops);

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  name text not null constraint projects_name_not_blank check (btrim(name) <> '' and length(name) <= 200),
  status text not null default 'active'
    constraint projects_status_valid check (status in ('active', 'on_hold', 'completed', 'cancelled')),
  progress integer not null default 0 constraint projects_progress_range check (progress between 0 and 100),
  start_date date,
  end_date date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint projects_company_id_id_key unique (company_id, id),
  constraint projects_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
create index projects_company_id_status_idx on public.projects (company_id, status);
create index projects_company_id_client_id_idx on public.projects (company_id, client_id);
create index projects_name_trgm_idx on public.projects using gin (private.fold(name) extensions.gin_trgm_ops);

create table public.quotes (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  number text constraint quotes_number_length check (length(number) <= 50),
  title text constraint quotes_title_length check (length(title) <= 200),
  amount numeric(12, 2) not null default 0 constraint quotes_amount_range check (amount >= 0),
  status text not null default 'pending'
    constraint quotes_status_valid check (status in ('draft', 'pending', 'accepted', 'rejected', 'expired')),
  valid_until date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint quotes_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
create index quotes_company_id_status_idx on public.quotes (company_id, status, created_at desc);
create index quotes_company_id_client_id_idx on public.quotes (company_id, client_id);

create table public.invoices (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  number text constraint invoices_number_length check (length(number) <= 50),
  title text constraint invoices_title_length check (length(title) <= 200),
  amount numeric(12, 2) not null default 0 constraint invoices_amount_range check (amount >= 0),
  -- pending = sent and not paid (« Impayée »); overdue is pending past its due date.
  status text not null default 'pending'
    constraint invoices_status_valid check (status in ('draft', 'pending', 'paid', 'cancelled')),
  issue_date date not null default current_date,
  due_date date,
  paid_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint invoices_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
-- The billing totals read this index alone (status, due date and amount: an index-only scan).
create index invoices_company_id_status_due_date_idx on public.invoices (company_id, status, due_date) include (amount);
create index invoices_company_id_created_at_idx on public.invoices (company_id, created_at desc);
create index invoices_company_id_client_id_idx on public.invoices (company_id, client_id);

create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  project_id uuid,
  title text not null constraint tasks_title_not_blank check (btrim(title) <> '' and length(title) <= 200),
  description text constraint tasks_description_length check (length(description) <= 5000),
  status text not null default 'todo' constraint tasks_status_valid check (status in ('todo', 'in_progress', 'done')),
  priority text not null default 'normal'
    constraint tasks_priority_valid check (priority in ('low', 'normal', 'high', 'urgent')),
  due_date date,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tasks_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id),
  constraint tasks_project_fkey foreign key (company_id, project_id)
    references public.projects (company_id, id) on delete set null (project_id)
);
create index tasks_company_id_status_priority_idx on public.tasks (company_id, status, priority, due_date);
create index tasks_company_id_status_completed_at_idx on public.tasks (company_id, status, completed_at desc nulls last, title);
create index tasks_company_id_client_id_idx on public.tasks (company_id, client_id);
create index tasks_company_id_project_id_idx on public.tasks (company_id, project_id);

create table public.appointments (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  subject text not null constraint appointments_subject_not_blank check (btrim(subject) <> '' and length(subject) <= 200),
  scheduled_date timestamptz not null,
  duration_minutes integer not null default 60 constraint appointments_duration_range check (duration_minutes between 1 and 1440),
  location text constraint appointments_location_length check (length(location) <= 200),
  status text not null default 'scheduled'
    constraint appointments_status_valid check (status in ('scheduled', 'done', 'cancelled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint appointments_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
create index appointments_company_id_scheduled_date_idx on public.appointments (company_id, scheduled_date);
create index appointments_company_id_client_id_idx on public.appointments (company_id, client_id);

create table public.followups (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  subject text not null constraint followups_subject_not_blank check (btrim(subject) <> '' and length(subject) <= 200),
  type text not null default 'other' constraint followups_type_valid check (type in ('invoice', 'quote', 'call', 'email', 'other')),
  due_date date,
  status text not null default 'pending' constraint followups_status_valid check (status in ('pending', 'done')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint followups_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
create index followups_company_id_status_due_date_idx on public.followups (company_id, status, due_date);
create index followups_company_id_client_id_idx on public.followups (company_id, client_id);

create table public.inbox_threads (
  id uuid primary key default gen_random_uuid(),
  company_id uuid not null references public.companies (id) on delete cascade,
  client_id uuid,
  subject text not null constraint inbox_threads_subject_not_blank check (btrim(subject) <> '' and length(subject) <= 200),
  last_message_at timestamptz not null default now(),
  unread boolean not null default true,
  urgent boolean not null default false,
  status text not null default 'open' constraint inbox_threads_status_valid check (status in ('open', 'closed')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint inbox_threads_client_fkey foreign key (company_id, client_id)
    references public.clients (company_id, id) on delete set null (client_id)
);
create index inbox_threads_company_id_last_message_at_idx on public.inbox_threads (company_id, last_message_at desc);
create index inbox_threads_company_id_client_id_idx on public.inbox_threads (company_id, client_id);

/**
 * The companies the caller is a member of (any role), as one array. Policies compare
 * `company_id = any ((select private.member_company_ids())::uuid[])`: the subquery has no reference to
 * the row, so Postgres runs it once per statement (an initplan), not once per row as
 * `private.is_member(company_id)` would be over 50,000 invoices.
 */
create function private.member_company_ids()
returns uuid[]
language sql
stable
-- definer: reads company_members for the caller only, whatever its own policies
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.company_id), '{}') from public.company_members m where m.user_id = (select auth.uid())
$$;
grant execute on function private.member_company_ids() to authenticated, service_role;

-- The same rules on every table: RLS; members read, insert and update; admins and owners
-- delete; service_role reads (the assistant function builds nothing as the service, but the
-- labelled sets and benchmarks read with it). Ids, the owning company and timestamps are never
-- rewritten through the API.
do $$
declare
  v_table text;
  v_columns text;
begin
  foreach v_table in array array['clients', 'projects', 'quotes', 'invoices', 'tasks', 'appointments', 'followups', 'inbox_threads'] loop
    select string_agg(quote_ident(a.attname), ', ' order by a.attnum) into v_columns
    from pg_catalog.pg_attribute a
    where a.attrelid = format('public.%I', v_table)::regclass and a.attnum > 0 and not a.attisdropped
      and a.attname not in ('id', 'company_id', 'created_at', 'updated_at');
    execute format('alter table public.%I enable row level security', v_table);
    execute format('revoke all on public.%I from anon, authenticated, service_role', v_table);
    execute format('grant select, delete on public.%I to authenticated', v_table);
    execute format('grant select on public.%I to service_role', v_table);
    execute format('grant insert (company_id, %s) on public.%I to authenticated', v_columns, v_table);
    execute format('grant update (%s) on public.%I to authenticated', v_columns, v_table);
    execute format('create policy %I on public.%I for select to authenticated using (company_id = any ((select private.member_company_ids())::uuid[]))',
      v_table || '_select_member', v_table);
    execute format('create policy %I on public.%I for insert to authenticated with check (company_id = any ((select private.member_company_ids())::uuid[]))',
      v_table || '_insert_member', v_table);
    execute format('create policy %I on public.%I for update to authenticated using (company_id = any ((select private.member_company_ids())::uuid[])) with check (company_id = any ((select private.member_company_ids())::uuid[]))',
      v_table || '_update_member', v_table);
    execute format('create policy %I on public.%I for delete to authenticated using ((select private.is_member(company_id, %L)))',
      v_table || '_delete_admin', v_table, 'admin');
    execute format('create trigger %I before update on public.%I for each row execute function private.touch_updated_at()',
      v_table || '_touch_updated_at', v_table);
  end loop;
end
$$;

/** A status code in French, as the app shows it (« Impayée », « En attente », « À faire »…). */
create function private.status_label(p_kind text, p_status text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_kind
    when 'invoice' then case p_status when 'draft' then 'Brouillon' when 'pending' then 'Impayée' when 'paid' then 'Payée'
      when 'cancelled' then 'Annulée' end
    when 'quote' then case p_status when 'draft' then 'Brouillon' when 'pending' then 'En attente' when 'accepted' then 'Accepté'
      when 'rejected' then 'Refusé' when 'expired' then 'Expiré' end
    when 'task' then case p_status when 'todo' then 'À faire' when 'in_progress' then 'En cours' when 'done' then 'Terminée' end
    when 'priority' then case p_status when 'low' then 'Basse' when 'normal' then 'Normale' when 'high' then 'Haute'
      when 'urgent' then 'Urgente' end
    when 'project' then case p_status when 'active' then 'En cours' when 'on_hold' then 'En pause' when 'completed' then 'Terminé'
      when 'cancelled' then 'Annulé' end
    when 'appointment' then case p_status when 'scheduled' then 'Prévu' when 'done' then 'Effectué' when 'cancelled' then 'Annulé' end
    when 'followup' then case p_status when 'pending' then 'À faire' when 'done' then 'Fait' end
  end
$$;
grant execute on function private.fold(text), private.status_label(text, text) to authenticated, service_role;
