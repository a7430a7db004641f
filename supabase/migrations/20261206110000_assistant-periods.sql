-- The assistant's periods and time zone: the company's time zone is a setting
-- (companies.time_zone, default Europe/Paris) that the context reads for today, the week, what
-- is overdue and what is past; billing_period_totals(company, period, now) gives a period's
-- totals in that zone — invoiced (issued: pending or paid, by issue date) and collected (paid,
-- by payment date) — as the caller under RLS. The context also gains the invoices issued,
-- drafts and cancelled, the best clients by revenue, and the week's past and upcoming
-- appointments. A change to a company (its time zone) invalidates every cached section.

alter table public.companies add column time_zone text not null default 'Europe/Paris'
  -- An unknown zone makes `at time zone` raise 22023 (« time zone "x" not recognized »).
  constraint companies_time_zone_valid
    check (length(time_zone) <= 64 and (timestamptz '2000-01-01 00:00+00' at time zone time_zone) is not null);
comment on column public.companies.time_zone is
  'IANA time zone of the business: the assistant''s « aujourd''hui », « cette semaine », « en retard » and periods.';
grant update (time_zone) on public.companies to authenticated;

-- A period's invoices by issue date, and the paid ones by payment date.
create index invoices_company_id_issue_date_idx on public.invoices (company_id, issue_date) include (status, amount);
create index invoices_company_id_paid_at_idx on public.invoices (company_id, paid_at) include (amount) where status = 'paid';

-- Every section depends on the company's time zone (today, overdue, the week).
drop trigger companies_invalidate_context_update on public.companies;
create trigger companies_invalidate_context_update after update on public.companies
  referencing old table as old_rows new table as new_rows for each statement
  execute function private.invalidate_context('company', 'clients', 'billing', 'tasks', 'projects', 'appointments', 'followups', 'inbox');

drop function public.build_company_context(text, text[]);

/**
 * The context of p_company (uuid or slug) for the sections asked (null: all of them), as the
 * caller sees it under RLS, at p_now in the company's time zone (today, the week, overdue,
 * past or upcoming); 42501 for a caller who is not a member (also for a company that does not
 * exist). Lists are bounded (5–20 items); totals are over every row.
 */
create function public.build_company_context(p_company text, p_sections text[] default null, p_now timestamptz default now())
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
  v_zone text;
  v_today date;
  v_week_start timestamptz;
  v_result jsonb := '{}';
begin
  if not v_sections <@ v_all then
    raise exception 'build_company_context: unknown section in %', p_sections using errcode = '22023';
  end if;
  select * into v_company from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company.id is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company.id)) then
    raise exception 'build_company_context: requires a member of company %', p_company using errcode = '42501';
  end if;
  v_zone := v_company.time_zone;
  v_today := (p_now at time zone v_zone)::date;
  v_week_start := date_trunc('week', v_today::timestamp) at time zone v_zone;

  if 'company' = any (v_sections) then
    v_result := v_result || jsonb_build_object('company', jsonb_build_object(
      'name', v_company.name, 'sector', v_company.sector, 'is_auto_entrepreneur', v_company.is_auto_entrepreneur,
      'vat_exempt', v_company.vat_exempt, 'settings', jsonb_build_object('modules_enabled', v_company.modules_enabled),
      'today', v_today, 'time_zone', v_zone, 'now', to_char(p_now at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI')));
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
          -- Issued: every invoice but the drafts (a cancelled invoice was issued).
          'issued', coalesce(sum(k.n) filter (where k.status <> 'draft'), 0),
          'draft', coalesce(sum(k.n) filter (where k.status = 'draft'), 0),
          'cancelled', coalesce(sum(k.n) filter (where k.status = 'cancelled'), 0),
          -- The best clients by revenue: invoiced (pending or paid) over all time, with what was collected.
          'top_clients', coalesce((select jsonb_agg(jsonb_build_object('name', c.name, 'invoiced_amount', x.invoiced,
              'paid_amount', x.paid, 'invoices', x.n) order by x.invoiced desc, c.name)
            from (select i.client_id, count(*) as n, sum(i.amount) as invoiced,
                    coalesce(sum(i.amount) filter (where i.status = 'paid'), 0) as paid
                  from public.invoices i
                  where i.company_id = v_company.id and i.status in ('pending', 'paid') and i.client_id is not null
                  group by i.client_id order by sum(i.amount) desc, i.client_id limit 5) x
            join public.clients c on c.company_id = v_company.id and c.id = x.client_id), '[]'),
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
        and (a.scheduled_date at time zone v_zone)::date = v_today),
      'week_past', (select count(*) from public.appointments a where a.company_id = v_company.id and a.status <> 'cancelled'
        and a.scheduled_date >= v_week_start and a.scheduled_date < p_now),
      'week_upcoming', (select count(*) from public.appointments a where a.company_id = v_company.id and a.status <> 'cancelled'
        and a.scheduled_date >= greatest(v_week_start, p_now) and a.scheduled_date < v_week_start + interval '7 days'),
      'this_week', (select count(*) from public.appointments a where a.company_id = v_company.id and a.status <> 'cancelled'
        and a.scheduled_date >= v_week_start and a.scheduled_date < v_week_start + interval '7 days'),
      'week', coalesce((select jsonb_agg(jsonb_build_object('subject', w.subject, 'client', c.name,
          'scheduled_date', to_char(w.scheduled_date at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI'), 'location', w.location,
          'past', w.scheduled_date < p_now)
          order by w.scheduled_date)
        from (select * from public.appointments w where w.company_id = v_company.id and w.status <> 'cancelled'
              and w.scheduled_date >= v_week_start and w.scheduled_date < v_week_start + interval '7 days'
              order by w.scheduled_date limit 20) w
        left join public.clients c on c.company_id = w.company_id and c.id = w.client_id), '[]'),
      'upcoming', coalesce((select jsonb_agg(jsonb_build_object('subject', u.subject, 'client', c.name,
          'scheduled_date', to_char(u.scheduled_date at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI'), 'location', u.location)
          order by u.scheduled_date)
        from (select * from public.appointments u where u.company_id = v_company.id and u.status = 'scheduled'
              and u.scheduled_date >= p_now order by u.scheduled_date limit 10) u
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
revoke all on function public.build_company_context(text, text[], timestamptz) from public, anon;
grant execute on function public.build_company_context(text, text[], timestamptz) to authenticated, service_role;

/** One client's card: details and what the company has with them (invoices, quotes, projects, next appointment in the company's time zone). */
create or replace function public.client_card(p_company text, p_client uuid)
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
        'scheduled_date', to_char(a.scheduled_date at time zone co.time_zone, 'YYYY-MM-DD"T"HH24:MI'))
      from public.appointments a where a.company_id = c.company_id and a.client_id = c.id and a.status = 'scheduled'
        and a.scheduled_date >= now() order by a.scheduled_date limit 1))
  from public.clients c
  join public.companies co on co.id = c.company_id
  where (co.slug = p_company or co.id::text = p_company) and c.id = p_client
$$;

/**
 * A period's billing totals for p_company (uuid or slug), in the company's time zone as of
 * p_now, as the caller sees them under RLS: invoiced (pending or paid, by issue date),
 * collected (paid, by payment date) and the paid invoices issued in the period without a
 * payment date (they cannot be placed: said, not guessed). p_period: today, week, last_week,
 * month, last_month, quarter, last_quarter, year, last_year, YYYY, YYYY-MM, or mMM (the latest
 * month MM that has begun). 22023 for another period, 42501 for a non-member.
 */
create function public.billing_period_totals(p_company text, p_period text, p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_company public.companies;
  v_today date;
  v_from date;
  v_to date;
  v_start timestamptz;
  v_end timestamptz;
  v_result jsonb;
begin
  if p_period is null or p_period !~ '^(today|week|last_week|month|last_month|quarter|last_quarter|year|last_year|(19|20|21)\d{2}|(19|20|21)\d{2}-(0[1-9]|1[0-2])|m(0[1-9]|1[0-2]))$' then
    raise exception 'billing_period_totals: unknown period %', p_period using errcode = '22023';
  end if;
  select * into v_company from public.companies c where c.slug = p_company or c.id::text = p_company;
  if v_company.id is null or ((select auth.role()) is distinct from 'service_role' and not private.is_member(v_company.id)) then
    raise exception 'billing_period_totals: requires a member of company %', p_company using errcode = '42501';
  end if;
  v_today := (p_now at time zone v_company.time_zone)::date;
  -- [v_from, v_to): calendar days of the company.
  if p_period = 'today' then
    v_from := v_today;
    v_to := v_today + 1;
  elsif p_period in ('week', 'last_week') then
    v_from := date_trunc('week', v_today::timestamp)::date - case when p_period = 'last_week' then 7 else 0 end;
    v_to := v_from + 7;
  elsif p_period in ('month', 'last_month') then
    v_from := (date_trunc('month', v_today::timestamp) - case when p_period = 'last_month' then interval '1 month' else interval '0' end)::date;
    v_to := (v_from + interval '1 month')::date;
  elsif p_period in ('quarter', 'last_quarter') then
    v_from := (date_trunc('quarter', v_today::timestamp) - case when p_period = 'last_quarter' then interval '3 months' else interval '0' end)::date;
    v_to := (v_from + interval '3 months')::date;
  elsif p_period in ('year', 'last_year') then
    v_from := (date_trunc('year', v_today::timestamp) - case when p_period = 'last_year' then interval '1 year' else interval '0' end)::date;
    v_to := (v_from + interval '1 year')::date;
  elsif p_period ~ '^\d{4}$' then
    v_from := make_date(p_period::integer, 1, 1);
    v_to := (v_from + interval '1 year')::date;
  elsif p_period ~ '^\d{4}-' then
    v_from := make_date(left(p_period, 4)::integer, right(p_period, 2)::integer, 1);
    v_to := (v_from + interval '1 month')::date;
  else
    v_from := make_date(extract(year from v_today)::integer, substr(p_period, 2)::integer, 1);
    if v_from > v_today then
      v_from := (v_from - interval '1 year')::date;
    end if;
    v_to := (v_from + interval '1 month')::date;
  end if;
  v_start := v_from::timestamp at time zone v_company.time_zone;
  v_end := v_to::timestamp at time zone v_company.time_zone;
  select jsonb_build_object(
    'period', p_period, 'from', v_from, 'to', v_to - 1, 'today', v_today, 'time_zone', v_company.time_zone,
    'current', v_today >= v_from and v_today < v_to, 'future', v_from > v_today,
    'invoiced', (select jsonb_build_object('count', count(*), 'amount', coalesce(sum(i.amount), 0))
      from public.invoices i where i.company_id = v_company.id and i.status in ('pending', 'paid')
        and i.issue_date >= v_from and i.issue_date < v_to),
    'collected', (select jsonb_build_object('count', count(*), 'amount', coalesce(sum(i.amount), 0))
      from public.invoices i where i.company_id = v_company.id and i.status = 'paid'
        and i.paid_at >= v_start and i.paid_at < v_end),
    'paid_undated', (select jsonb_build_object('count', count(*), 'amount', coalesce(sum(i.amount), 0))
      from public.invoices i where i.company_id = v_company.id and i.status = 'paid' and i.paid_at is null
        and i.issue_date >= v_from and i.issue_date < v_to))
  into v_result;
  return v_result;
end;
$$;
revoke all on function public.billing_period_totals(text, text, timestamptz) from public, anon;
grant execute on function public.billing_period_totals(text, text, timestamptz) to authenticated, service_role;
