-- Totals the assistant's context reads without scanning: per company, the number and amount of
-- invoices and the number of tasks in each status, kept by statement-level triggers (one
-- upsert per company and status a statement, row-locked, exact under concurrency). What
-- depends on the date (overdue) is read from the pending rows through their index instead.

create table private.company_counts (
  company_id uuid not null references public.companies (id) on delete cascade,
  kind text not null constraint company_counts_kind_valid check (kind in ('invoice', 'task')),
  status text not null,
  n bigint not null default 0,
  amount numeric(16, 2) not null default 0,
  primary key (company_id, kind, status)
);
alter table private.company_counts enable row level security;
revoke all on private.company_counts from anon, authenticated, service_role;
grant select on private.company_counts to authenticated, service_role;
create policy company_counts_select_member on private.company_counts
  for select to authenticated
  using (company_id = any ((select private.member_company_ids())::uuid[]));

/** Adds up one statement's change (rows as { company_id, status, n, amount }) into the counters. */
create function private.add_counts(p_kind text, p_delta jsonb)
returns void
language sql
volatile
set search_path = ''
as $$
  insert into private.company_counts as c (company_id, kind, status, n, amount)
  select d.company_id, p_kind, d.status, sum(d.n), sum(d.amount)
  from jsonb_to_recordset(p_delta) as d (company_id uuid, status text, n bigint, amount numeric)
  -- A company being deleted takes its counters with it.
  where exists (select 1 from public.companies co where co.id = d.company_id)
  group by d.company_id, d.status
  having sum(d.n) <> 0 or sum(d.amount) <> 0
  -- A fixed order: two statements on the same companies cannot deadlock.
  order by d.company_id, d.status
  on conflict (company_id, kind, status) do update set n = c.n + excluded.n, amount = c.amount + excluded.amount
$$;

/** The statement's rows added (new_rows) and taken away (old_rows), per company and status. */
create function private.count_rows()
returns trigger
language plpgsql
-- definer: the counters are written by these triggers only
security definer
set search_path = ''
as $$
declare
  v_kind text := case tg_table_name when 'invoices' then 'invoice' else 'task' end;
  v_delta jsonb;
begin
  -- Each branch names only the transition tables its event has.
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object('company_id', r.company_id, 'status', r.status, 'n', 1,
      'amount', coalesce((to_jsonb(r) ->> 'amount')::numeric, 0))) into v_delta from new_rows r;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object('company_id', r.company_id, 'status', r.status, 'n', -1,
      'amount', -coalesce((to_jsonb(r) ->> 'amount')::numeric, 0))) into v_delta from old_rows r;
  else
    select jsonb_agg(x) into v_delta from (
      select jsonb_build_object('company_id', r.company_id, 'status', r.status, 'n', 1,
        'amount', coalesce((to_jsonb(r) ->> 'amount')::numeric, 0)) as x from new_rows r
      union all
      select jsonb_build_object('company_id', r.company_id, 'status', r.status, 'n', -1,
        'amount', -coalesce((to_jsonb(r) ->> 'amount')::numeric, 0)) from old_rows r) u;
  end if;
  if v_delta is not null then
    perform private.add_counts(v_kind, v_delta);
  end if;
  return null;
end;
$$;

create trigger invoices_count_insert after insert on public.invoices
  referencing new table as new_rows for each statement execute function private.count_rows();
create trigger invoices_count_update after update on public.invoices
  referencing old table as old_rows new table as new_rows for each statement execute function private.count_rows();
create trigger invoices_count_delete after delete on public.invoices
  referencing old table as old_rows for each statement execute function private.count_rows();

create trigger tasks_count_insert after insert on public.tasks
  referencing new table as new_rows for each statement execute function private.count_rows();
create trigger tasks_count_update after update on public.tasks
  referencing old table as old_rows new table as new_rows for each statement execute function private.count_rows();
create trigger tasks_count_delete after delete on public.tasks
  referencing old table as old_rows for each statement execute function private.count_rows();

-- The counters of what exists already (none on a new project; the local seed runs after).
insert into private.company_counts (company_id, kind, status, n, amount)
select company_id, 'invoice', status, count(*), sum(amount) from public.invoices group by 1, 3
union all
select company_id, 'task', status, count(*), 0 from public.tasks group by 1, 3;
