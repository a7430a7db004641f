-- The context cache: each source table's change invalidates its section (the version moves on
-- and the cached row is dropped, by trigger), so the next answer never sees a stale total; a
-- section built before a write cannot be stored as current after it; a 10-minute expiry backs it.
begin;
select plan(20);
select * from tests.two_companies() \gset
insert into public.clients (id, company_id, name) values ('22222222-0000-4000-8000-000000000001', :'company_a', 'Client A');

-- Fills the cache of every section as the assistant function does (service_role stores what the member built).
create function pg_temp.fill(p_company uuid) returns integer language plpgsql as $$
declare
  v_context jsonb;
  v_versions jsonb;
begin
  v_context := public.build_company_context(p_company::text);
  select coalesce(jsonb_object_agg(v.section, v.version), '{}') into v_versions from private.context_versions v where v.company_id = p_company;
  return public.assistant_store_context(p_company, v_context, v_versions);
end;
$$;
create function pg_temp.cached(p_company uuid) returns text[] language sql as $$
  select coalesce(array_agg(k order by k), '{}') from jsonb_object_keys(public.assistant_cached_context(p_company,
    array['company', 'clients', 'billing', 'tasks', 'projects', 'appointments', 'followups', 'inbox'])) k
$$;
grant execute on function pg_temp.fill(uuid), pg_temp.cached(uuid) to service_role;

select tests.act_as_service_role();
select is(pg_temp.fill(:'company_a'), 8, 'the eight sections are cached');
select is(array_length(pg_temp.cached(:'company_a'), 1), 8, 'and read back as valid');

-- Each table's write invalidates exactly its sections (as the member writes through the API).
create temporary table invalidations (source text, sql text, expected text[]);
insert into invalidations values
  ('clients', format($$insert into public.clients (company_id, name) values (%L, 'Nouveau')$$, :'company_a'),
   array['appointments', 'billing', 'clients', 'followups', 'inbox', 'projects']),
  ('quotes', format($$insert into public.quotes (company_id, amount) values (%L, 10)$$, :'company_a'), array['billing', 'clients']),
  ('invoices', format($$insert into public.invoices (company_id, amount) values (%L, 10)$$, :'company_a'), array['billing', 'clients']),
  ('tasks', format($$insert into public.tasks (company_id, title) values (%L, 't')$$, :'company_a'), array['tasks']),
  ('projects', format($$insert into public.projects (company_id, name) values (%L, 'p')$$, :'company_a'), array['projects', 'tasks']),
  ('appointments', format($$insert into public.appointments (company_id, subject, scheduled_date) values (%L, 'r', now())$$, :'company_a'), array['appointments']),
  ('followups', format($$insert into public.followups (company_id, subject) values (%L, 'f')$$, :'company_a'), array['followups']),
  ('inbox_threads', format($$insert into public.inbox_threads (company_id, subject) values (%L, 'm')$$, :'company_a'), array['inbox']),
  ('invoices (update)', $$update public.invoices set status = 'paid'$$, array['billing', 'clients']),
  ('tasks (delete)', $$delete from public.tasks$$, array['tasks']),
  -- Every section reads the company's time zone (today, overdue, the week).
  ('companies', format($$update public.companies set sector = 'menuiserie' where id = %L$$, :'company_a'),
    array['appointments', 'billing', 'clients', 'company', 'followups', 'inbox', 'projects', 'tasks']);

create function pg_temp.invalidated_by(p_sql text, p_company uuid, p_member uuid) returns text[] language plpgsql as $$
declare
  v_before text[];
begin
  perform tests.act_as_service_role();
  perform pg_temp.fill(p_company);
  v_before := pg_temp.cached(p_company);
  perform tests.act_as(p_member);
  execute p_sql;
  perform tests.act_as_service_role();
  return array(select s from unnest(v_before) s except select s from unnest(pg_temp.cached(p_company)) s order by 1);
end;
$$;
grant execute on function pg_temp.invalidated_by(text, uuid, uuid) to authenticated, service_role;
select tests.reset_role();

select is(pg_temp.invalidated_by(i.sql, :'company_a', case when i.source in ('tasks (delete)', 'companies') then :'owner_a'::uuid else :'member_a'::uuid end),
  i.expected, format('a write to %s invalidates %s', i.source, i.expected))
from invalidations i;

-- The cached row itself is gone, and the next build sees the new figure.
select tests.act_as_service_role();
select pg_temp.fill(:'company_a');
select tests.act_as(:'member_a');
insert into public.invoices (company_id, amount, status) values (:'company_a', 1234.56, 'pending');
select tests.act_as_service_role();
select is_empty(format($$select 1 from public.chatbot_context_cache where company_id = %L and section = 'billing'$$, :'company_a'),
  'the billing row is dropped by the trigger');
select is((public.build_company_context(:'company_a'::text, array['billing']) -> 'billing' -> 'invoices' ->> 'total_unpaid_amount')::numeric,
  1234.56, 'the next context has the new invoice');

-- A context built before a write is not stored as current after it.
select public.build_company_context(:'company_a'::text, array['tasks']) as stale_context \gset
select (select jsonb_object_agg(v.section, v.version) from private.context_versions v where v.company_id = :'company_a' and v.section = 'tasks') as stale_versions \gset
select tests.reset_role();
insert into public.tasks (company_id, title) values (:'company_a', 'écrite pendant la construction');
select tests.act_as_service_role();
select is(public.assistant_store_context(:'company_a', :'stale_context'::jsonb, :'stale_versions'::jsonb), 0,
  'a section built at an old version is refused');
select ok(not (public.assistant_cached_context(:'company_a', array['tasks']) ? 'tasks'), 'and the cache has no stale tasks');

-- The expiry backs the triggers up.
select pg_temp.fill(:'company_a');
select tests.reset_role();
update public.chatbot_context_cache set expires_at = now() - interval '1 second' where company_id = :'company_a' and section = 'inbox';
select tests.act_as_service_role();
select ok(not (public.assistant_cached_context(:'company_a', array['inbox']) ? 'inbox'), 'an expired section is a miss');

-- Another company's writes leave A's cache alone.
select tests.reset_role();
insert into public.tasks (company_id, title) values (:'company_b', 'chez B');
select tests.act_as_service_role();
select ok(public.assistant_cached_context(:'company_a', array['tasks']) ? 'tasks', 'a write in B does not invalidate A');
select is(array_length(pg_temp.cached(:'company_b'), 1), null, 'B has nothing cached');
select * from finish();
rollback;
