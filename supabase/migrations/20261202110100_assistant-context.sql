-- The assistant's context, built in SQL: build_company_context(company, sections) returns the
-- company's facts in seed 002's shape — totals and breakdowns computed here, plus bounded lists —
-- as the asking user (security invoker: RLS decides what goes in). The context is cached per
-- company and section in chatbot_context_cache; every write to a source table bumps its
-- sections' version (private.context_versions) and drops their cache rows, by trigger, so the
-- next answer never sees a stale total; a 10-minute expiry is the backstop. A cache row is
-- valid only at the version it was built at: the builder reads the versions in the same
-- statement (the same snapshot) as the context, so a write committed meanwhile makes it a miss.

create table private.context_versions (
  company_id uuid not null references public.companies (id) on delete cascade,
  section text not null,
  version bigint not null default 1,
  primary key (company_id, section)
);
alter table private.context_versions enable row level security;
revoke all on private.context_versions from anon, authenticated, service_role;
-- Read by the builder (as the user) beside the context; written by the triggers only.
grant select on private.context_versions to authenticated, service_role;
create policy context_versions_select_member on private.context_versions
  for select to authenticated
  using ((select private.is_member(company_id)));

create table public.chatbot_context_cache (
  company_id uuid not null references public.companies (id) on delete cascade,
  section text not null constraint chatbot_context_cache_section_valid
    check (section in ('company', 'clients', 'billing', 'tasks', 'projects', 'appointments', 'followups', 'inbox')),
  context_data jsonb not null,
  version bigint not null default 0,
  last_updated timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '10 minutes',
  primary key (company_id, section)
);
alter table public.chatbot_context_cache enable row level security;
revoke all on public.chatbot_context_cache from anon, authenticated, service_role;
-- Members may look at what the assistant was given; only the assistant function writes it.
grant select on public.chatbot_context_cache to authenticated;
grant select, insert, update, delete on public.chatbot_context_cache to service_role;
create policy chatbot_context_cache_select_member on public.chatbot_context_cache
  for select to authenticated
  using ((select private.is_member(company_id)));

/** The sections a write to a table changes (client names appear in every list). */
/** Moves on the versions of p_sections for p_companies and drops their cached rows. */
create function private.bump_context(p_companies uuid[], p_sections text[])
returns void
language sql
volatile
set search_path = ''
as $$
  insert into private.context_versions as v (company_id, section)
  select c.id, s.section
  -- A company being deleted takes its rows with it (cascade): nothing to invalidate.
  from public.companies c, unnest(p_sections) as s (section)
  where c.id = any (p_companies)
  -- A fixed order: two statements on the same companies cannot deadlock.
  order by c.id, s.section
  on conflict (company_id, section) do update set version = v.version + 1;
  delete from public.chatbot_context_cache c where c.company_id = any (p_companies) and c.section = any (p_sections);
$$;

/**
 * The sections a statement on a source table changes (tg_argv), for every company its rows
 * belong to: one bump per statement, however many rows (an import of 50,000 invoices is one).
 */
create function private.invalidate_context()
returns trigger
language plpgsql
-- definer: the API roles may not write versions or the cache; the rule is this trigger's
security definer
set search_path = ''
as $$
declare
  -- The companies table is its own company; every other source table has company_id.
  v_key text := case when tg_table_name = 'companies' then 'id' else 'company_id' end;
  v_companies uuid[];
begin
  -- Each branch names only the transition tables its event has.
  if tg_op = 'INSERT' then
    select array_agg(distinct (to_jsonb(r) ->> v_key)::uuid) into v_companies from new_rows r;
  elsif tg_op = 'DELETE' then
    select array_agg(distinct (to_jsonb(r) ->> v_key)::uuid) into v_companies from old_rows r;
  else
    select array_agg(distinct c) into v_companies from (
      select (to_jsonb(r) ->> v_key)::uuid as c from new_rows r
      union select (to_jsonb(r) ->> v_key)::uuid from old_rows r) u;
  end if;
  if v_companies is not null then
    perform private.bump_context(v_companies, tg_argv);
  end if;
  return null;
end;
$$;

create trigger clients_invalidate_context_insert after insert on public.clients
  referencing new table as new_rows for each statement execute function private.invalidate_context('clients', 'billing', 'projects', 'appointments', 'followups', 'inbox');
create trigger clients_invalidate_context_update after update on public.clients
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('clients', 'billing', 'projects', 'appointments', 'followups', 'inbox');
create trigger clients_invalidate_context_delete after delete on public.clients
  referencing old table as old_rows for each statement execute function private.invalidate_context('clients', 'billing', 'projects', 'appointments', 'followups', 'inbox');
create trigger quotes_invalidate_context_insert after insert on public.quotes
  referencing new table as new_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger quotes_invalidate_context_update after update on public.quotes
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger quotes_invalidate_context_delete after delete on public.quotes
  referencing old table as old_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger invoices_invalidate_context_insert after insert on public.invoices
  referencing new table as new_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger invoices_invalidate_context_update after update on public.invoices
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger invoices_invalidate_context_delete after delete on public.invoices
  referencing old table as old_rows for each statement execute function private.invalidate_context('billing', 'clients');
create trigger tasks_invalidate_context_insert after insert on public.tasks
  referencing new table as new_rows for each statement execute function private.invalidate_context('tasks');
create trigger tasks_invalidate_context_update after update on public.tasks
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('tasks');
create trigger tasks_invalidate_context_delete after delete on public.tasks
  referencing old table as old_rows for each statement execute function private.invalidate_context('tasks');
create trigger projects_invalidate_context_insert after insert on public.projects
  referencing new table as new_rows for each statement execute function private.invalidate_context('projects', 'tasks');
create trigger projects_invalidate_context_update after update on public.projects
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('projects', 'tasks');
create trigger projects_invalidate_context_delete after delete on public.projects
  referencing old table as old_rows for each statement execute function private.invalidate_context('projects', 'tasks');
create trigger appointments_invalidate_context_insert after insert on public.appointments
  referencing new table as new_rows for each statement execute function private.invalidate_context('appointments');
create trigger appointments_invalidate_context_update after update on public.appointments
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('appointments');
create trigger appointments_invalidate_context_delete after delete on public.appointments
  referencing old table as old_rows for each statement execute function private.invalidate_context('appointments');
create trigger followups_invalidate_context_insert after insert on public.followups
  referencing new table as new_rows for each statement execute function private.invalidate_context('followups');
create trigger followups_invalidate_context_update after update on public.followups
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('followups');
create trigger followups_invalidate_context_delete after delete on public.followups
  referencing old table as old_rows for each statement execute function private.invalidate_context('followups');
create trigger inbox_threads_invalidate_context_insert after insert on public.inbox_threads
  referencing new table as new_rows for each statement execute function private.invalidate_context('inbox');
create trigger inbox_threads_invalidate_context_update after update on public.inbox_threads
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('inbox');
create trigger inbox_threads_invalidate_context_delete after delete on public.inbox_threads
  referencing old table as old_rows for each statement execute function private.invalidate_context('inbox');
create trigger companies_invalidate_context_update after update on public.companies
  referencing old table as old_rows new table as new_rows for each statement execute function private.invalidate_context('company');

/** The company's calendar day (the business is French: Europe/Paris). */
create function private.business_today()
returns date
language sql
stable
set search_path = ''
as $$
  select (now() at time zone 'Europe/Paris')::date
$$;

/**
 * The context of p_company (uuid or slug) for the sections asked (null: all of them), as the
 * caller sees it under RLS; 42501 for a caller who is not a member (also for a company that
 * does not exist). Lists are bounded (10–20 items); totals are over every row.
 */
create function public.build_company_context(p_company text, p_sections text[] default null)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_company public.companies;
  v_all constant text[] := array['company', 'clients', 'billing', 'tasks', 'projects', 'appointments', 'followups', 'inbox'];
  v_sections text[] := coalesce(p_sections, v_all);
  v_today date := private.business_today();
  v_week_start timestamptz := (date_trunc('week', v_today::timestamp) at time zone 'Europe/Paris');
  v_result jsonb := '{}';
begin
  if not v_sections <@ v_all then
    raise exception 'build_company_context: unknown section in %', p_sections using errcode = '22023';
  end if;
  select * into v_company from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company.id is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company.id)) then
    raise exception 'build_company_context: requires a member of company %', p_company using errcode = '42501';
  end if;

  if 'company' = any (v_sections) then
    v_result := v_result || jsonb_build_object('company', jsonb_build_object(
      'name', v_company.name, 'sector', v_company.sector, 'is_auto_entrepreneur', v_company.is_auto_entrepreneur,
      'vat_exempt', v_company.vat_exempt, 'settings', jsonb_build_object('modules_enabled', v_company.modules_enabled),
      'today', v_today));
  end if;

  if 'clients' = any (v_sections) then
    v_result := v_result || jsonb_build_object('clients', jsonb_build_object(
      'total_clients', (select count(*) from public.clients c where c.company_id = v_company.id),
      'recent_clients', coalesce((select jsonb_agg(jsonb_build_object('name', c.name, 'email', c.email, 'phone', c.phone,
          'city', c.city, 'created_at', c.created_at::date) order by c.created_at desc, c.name)
        from (select * from public.clients c where c.company_id = v_company.id order by c.created_at desc, c.name limit 10) c), '[]'),
      'clients_with_pending_invoices', coalesce((select jsonb_agg(jsonb_build_object('name', c.name, 'unpaid_count', x.n,
          'unpaid_amount', x.amount) order by x.amount desc, c.name)
        from (select i.client_id, count(*) as n, sum(i.amount) as amount
              from public.invoices i
              where i.company_id = v_company.id and i.status = 'pending' and i.client_id is not null
              group by i.client_id order by sum(i.amount) desc, i.client_id limit 10) x
        join public.clients c on c.company_id = v_company.id and c.id = x.client_id), '[]')));
  end if;

  if 'billing' = any (v_sections) then
    v_result := v_result || jsonb_build_object('billing', jsonb_build_object(
      'quotes', (select jsonb_build_object(
          'total', count(*),
          'pending', count(*) filter (where q.status = 'pending'),
          'pending_amount', coalesce(sum(q.amount) filter (where q.status = 'pending'), 0),
          'accepted', count(*) filter (where q.status = 'accepted'),
          'recent', coalesce((select jsonb_agg(jsonb_build_object('number', r.number, 'title', r.title, 'client', c.name,
              'amount', r.amount, 'status', private.status_label('quote', r.status), 'valid_until', r.valid_until)
              order by r.created_at desc, r.number)
            from (select * from public.quotes r where r.company_id = v_company.id
                  order by (r.status = 'pending') desc, r.created_at desc, r.number limit 10) r
            left join public.clients c on c.company_id = r.company_id and c.id = r.client_id), '[]'))
        from public.quotes q where q.company_id = v_company.id),
      'invoices', (select jsonb_build_object(
          'total', coalesce(sum(k.n), 0),
          'unpaid', coalesce(sum(k.n) filter (where k.status = 'pending'), 0),
          'total_unpaid_amount', coalesce(sum(k.amount) filter (where k.status = 'pending'), 0),
          'overdue', (select count(*) from public.invoices o
            where o.company_id = v_company.id and o.status = 'pending' and o.due_date < v_today),
          'overdue_amount', (select coalesce(sum(o.amount), 0) from public.invoices o
            where o.company_id = v_company.id and o.status = 'pending' and o.due_date < v_today),
          'paid', coalesce(sum(k.n) filter (where k.status = 'paid'), 0),
          'paid_amount', coalesce(sum(k.amount) filter (where k.status = 'paid'), 0),
          'unpaid_list', coalesce((select jsonb_agg(jsonb_build_object('number', u.number, 'title', u.title, 'client', c.name,
              'amount', u.amount, 'due_date', u.due_date, 'overdue', coalesce(u.due_date < v_today, false),
              'status', private.status_label('invoice', u.status)) order by u.due_date nulls last, u.number)
            from (select * from public.invoices u where u.company_id = v_company.id and u.status = 'pending'
                  order by u.due_date nulls last, u.number limit 15) u
            left join public.clients c on c.company_id = u.company_id and c.id = u.client_id), '[]'),
          'recent', coalesce((select jsonb_agg(jsonb_build_object('number', r.number, 'client', c.name, 'amount', r.amount,
              'status', private.status_label('invoice', r.status), 'issue_date', r.issue_date) order by r.created_at desc, r.number)
            from (select * from public.invoices r where r.company_id = v_company.id order by r.created_at desc, r.number limit 10) r
            left join public.clients c on c.company_id = r.company_id and c.id = r.client_id), '[]'))
        -- The totals by status from the counters (migration assistant-counters), read as the
        -- caller under RLS; overdue from the pending rows' index (it depends on the day).
        from private.company_counts k where k.company_id = v_company.id and k.kind = 'invoice')));
  end if;

  if 'tasks' = any (v_sections) then
    v_result := v_result || jsonb_build_object('tasks', (select jsonb_build_object(
      'total', coalesce(sum(k.n), 0),
      'by_status', jsonb_build_object(
        'À faire', coalesce(sum(k.n) filter (where k.status = 'todo'), 0),
        'En cours', coalesce(sum(k.n) filter (where k.status = 'in_progress'), 0),
        'Terminée', coalesce(sum(k.n) filter (where k.status = 'done'), 0)),
      'urgent_count', (select count(*) from public.tasks t where t.company_id = v_company.id
        and t.status in ('todo', 'in_progress') and t.priority in ('urgent', 'high')),
      'urgent', coalesce((select jsonb_agg(jsonb_build_object('title', u.title, 'priority', private.status_label('priority', u.priority),
          'status', private.status_label('task', u.status), 'due_date', u.due_date, 'client', c.name)
          order by (u.priority = 'urgent') desc, u.due_date nulls last, u.title)
        from (select * from public.tasks u where u.company_id = v_company.id and u.status <> 'done' and u.priority in ('urgent', 'high')
              order by (u.priority = 'urgent') desc, u.due_date nulls last, u.title limit 15) u
        left join public.clients c on c.company_id = u.company_id and c.id = u.client_id), '[]'),
      'recent_completed', coalesce((select jsonb_agg(jsonb_build_object('title', d.title, 'completed_at', d.completed_at::date)
          order by d.completed_at desc nulls last, d.title)
        from (select * from public.tasks d where d.company_id = v_company.id and d.status = 'done'
              order by d.completed_at desc nulls last, d.title limit 5) d), '[]'))
      from private.company_counts k where k.company_id = v_company.id and k.kind = 'task'));
  end if;

  if 'projects' = any (v_sections) then
    v_result := v_result || jsonb_build_object('projects', (select jsonb_build_object(
      'total', count(*),
      'active', count(*) filter (where p.status = 'active'),
      'recent', coalesce((select jsonb_agg(jsonb_build_object('name', r.name, 'client', c.name,
          'status', private.status_label('project', r.status), 'progress', r.progress, 'end_date', r.end_date)
          order by (r.status = 'active') desc, r.end_date nulls last, r.name)
        from (select * from public.projects r where r.company_id = v_company.id
              order by (r.status = 'active') desc, r.end_date nulls last, r.name limit 10) r
        left join public.clients c on c.company_id = r.company_id and c.id = r.client_id), '[]'))
      from public.projects p where p.company_id = v_company.id));
  end if;

  if 'appointments' = any (v_sections) then
    v_result := v_result || jsonb_build_object('appointments', jsonb_build_object(
      'today', (select count(*) from public.appointments a where a.company_id = v_company.id and a.status <> 'cancelled'
        and (a.scheduled_date at time zone 'Europe/Paris')::date = v_today),
      'this_week', (select count(*) from public.appointments a where a.company_id = v_company.id and a.status <> 'cancelled'
        and a.scheduled_date >= v_week_start and a.scheduled_date < v_week_start + interval '7 days'),
      'week', coalesce((select jsonb_agg(jsonb_build_object('subject', w.subject, 'client', c.name,
          'scheduled_date', to_char(w.scheduled_date at time zone 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI'), 'location', w.location)
          order by w.scheduled_date)
        from (select * from public.appointments w where w.company_id = v_company.id and w.status <> 'cancelled'
              and w.scheduled_date >= v_week_start and w.scheduled_date < v_week_start + interval '7 days'
              order by w.scheduled_date limit 20) w
        left join public.clients c on c.company_id = w.company_id and c.id = w.client_id), '[]'),
      'upcoming', coalesce((select jsonb_agg(jsonb_build_object('subject', u.subject, 'client', c.name,
          'scheduled_date', to_char(u.scheduled_date at time zone 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI'), 'location', u.location)
          order by u.scheduled_date)
        from (select * from public.appointments u where u.company_id = v_company.id and u.status = 'scheduled'
              and u.scheduled_date >= now() order by u.scheduled_date limit 10) u
        left join public.clients c on c.company_id = u.company_id and c.id = u.client_id), '[]')));
  end if;

  if 'followups' = any (v_sections) then
    v_result := v_result || jsonb_build_object('followups', jsonb_build_object(
      'pending', (select count(*) from public.followups f where f.company_id = v_company.id and f.status = 'pending'),
      'recent', coalesce((select jsonb_agg(jsonb_build_object('subject', f.subject, 'client', c.name, 'type', f.type,
          'due_date', f.due_date) order by f.due_date nulls last, f.subject)
        from (select * from public.followups f where f.company_id = v_company.id and f.status = 'pending'
              order by f.due_date nulls last, f.subject limit 10) f
        left join public.clients c on c.company_id = f.company_id and c.id = f.client_id), '[]')));
  end if;

  if 'inbox' = any (v_sections) then
    v_result := v_result || jsonb_build_object('inbox', jsonb_build_object(
      'unread', (select count(*) from public.inbox_threads t where t.company_id = v_company.id and t.unread and t.status = 'open'),
      'urgent', (select count(*) from public.inbox_threads t where t.company_id = v_company.id and t.urgent and t.status = 'open'),
      'recent_conversations', coalesce((select jsonb_agg(jsonb_build_object('subject', t.subject, 'client', c.name,
          'last_message_at', t.last_message_at, 'unread', t.unread, 'urgent', t.urgent) order by t.last_message_at desc)
        from (select * from public.inbox_threads t where t.company_id = v_company.id and t.status = 'open'
              order by t.last_message_at desc limit 10) t
        left join public.clients c on c.company_id = t.company_id and c.id = t.client_id), '[]')));
  end if;
  return v_result;
end;
$$;
revoke all on function public.build_company_context(text, text[]) from public, anon;
grant execute on function public.build_company_context(text, text[]) to authenticated, service_role;
grant execute on function private.business_today() to authenticated, service_role;

/**
 * Clients (p_kind 'client') or projects ('project') of p_company whose name is close to p_name,
 * tolerant of case, accents and small typos (trigram similarity on the folded name, indexed),
 * best first, as the caller sees them. An exact folded match scores 1.
 */
create function public.find_company_entities(p_company text, p_name text, p_kind text default 'client', p_limit integer default 5)
returns table (id uuid, name text, score real)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_company uuid;
  v_query text := private.fold(btrim(coalesce(p_name, '')));
begin
  if p_kind not in ('client', 'project') or p_limit not between 1 and 20 or length(v_query) not between 2 and 200 then
    raise exception 'find_company_entities: invalid arguments' using errcode = '22023';
  end if;
  select c.id into v_company from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company)) then
    raise exception 'find_company_entities: requires a member of company %', p_company using errcode = '42501';
  end if;
  perform pg_catalog.set_config('pg_trgm.similarity_threshold', '0.3', true);
  if p_kind = 'client' then
    return query
      select c.id, c.name, extensions.similarity(private.fold(c.name), v_query)
      from public.clients c
      where c.company_id = v_company and private.fold(c.name) operator(extensions.%) v_query
      order by 3 desc, c.name limit p_limit;
  else
    return query
      select p.id, p.name, extensions.similarity(private.fold(p.name), v_query)
      from public.projects p
      where p.company_id = v_company and private.fold(p.name) operator(extensions.%) v_query
      order by 3 desc, p.name limit p_limit;
  end if;
end;
$$;
revoke all on function public.find_company_entities(text, text, text, integer) from public, anon;
grant execute on function public.find_company_entities(text, text, text, integer) to authenticated, service_role;

/** One client's card: details and what the company has with them (invoices, quotes, projects, next appointment). */
create function public.client_card(p_company text, p_client uuid)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
    'name', c.name, 'email', c.email, 'phone', c.phone, 'address', c.address, 'city', c.city,
    'client_since', c.created_at::date,
    'invoices', (select jsonb_build_object('total', count(*), 'unpaid', count(*) filter (where i.status = 'pending'),
        'unpaid_amount', coalesce(sum(i.amount) filter (where i.status = 'pending'), 0),
        'paid_amount', coalesce(sum(i.amount) filter (where i.status = 'paid'), 0))
      from public.invoices i where i.company_id = c.company_id and i.client_id = c.id),
    'quotes', (select jsonb_build_object('total', count(*), 'pending', count(*) filter (where q.status = 'pending'))
      from public.quotes q where q.company_id = c.company_id and q.client_id = c.id),
    'projects', coalesce((select jsonb_agg(jsonb_build_object('name', p.name, 'status', private.status_label('project', p.status),
        'progress', p.progress) order by p.name)
      from public.projects p where p.company_id = c.company_id and p.client_id = c.id), '[]'),
    'next_appointment', (select jsonb_build_object('subject', a.subject,
        'scheduled_date', to_char(a.scheduled_date at time zone 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI'))
      from public.appointments a where a.company_id = c.company_id and a.client_id = c.id and a.status = 'scheduled'
        and a.scheduled_date >= now() order by a.scheduled_date limit 1))
  from public.clients c
  join public.companies co on co.id = c.company_id
  where (co.slug = p_company or co.id::text = p_company) and c.id = p_client
$$;
revoke all on function public.client_card(text, uuid) from public, anon;
grant execute on function public.client_card(text, uuid) to authenticated, service_role;

/**
 * For the assistant function (service_role): the cached sections of p_company still valid
 * (built at the current version, not expired).
 */
create function public.assistant_cached_context(p_company uuid, p_sections text[])
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(c.section, c.context_data), '{}')
  from public.chatbot_context_cache c
  left join private.context_versions v on v.company_id = c.company_id and v.section = c.section
  where c.company_id = p_company and c.section = any (p_sections)
    and c.version = coalesce(v.version, 0) and c.expires_at > now()
$$;
grant execute on function public.assistant_cached_context(uuid, text[]) to service_role;

/**
 * Stores freshly built sections (p_context: { section: data }) at the versions the builder
 * read with them (p_versions); a section written since (its version moved on) is not stored.
 */
create function public.assistant_store_context(p_company uuid, p_context jsonb, p_versions jsonb)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_stored integer;
begin
  insert into public.chatbot_context_cache as c (company_id, section, context_data, version, last_updated, expires_at)
  select p_company, s.key, s.value, coalesce((p_versions ->> s.key)::bigint, 0), now(), now() + interval '10 minutes'
  from jsonb_each(p_context) s
  where coalesce((p_versions ->> s.key)::bigint, 0) = coalesce(
    (select v.version from private.context_versions v where v.company_id = p_company and v.section = s.key), 0)
  on conflict (company_id, section) do update
    set context_data = excluded.context_data, version = excluded.version, last_updated = excluded.last_updated,
        expires_at = excluded.expires_at;
  get diagnostics v_stored = row_count;
  return v_stored;
end;
$$;
grant execute on function public.assistant_store_context(uuid, jsonb, jsonb) to service_role;
