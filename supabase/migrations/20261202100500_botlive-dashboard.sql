-- Botlive's dashboard in one round trip: the live session, the feed, the orders being filled
-- and the pending ones with each slot done or missing, today's and the last 7 days' figures.

/**
 * The dashboard of p_company for a member (42501 for anyone else, also for a company that does
 * not exist). Runs as the caller: RLS decides what it reads. p_activity_limit (1–100) bounds the
 * feed, p_orders_limit (1–200) the active orders. Times are returned raw; the function phrases
 * them (« il y a 5 min »).
 */
create function public.botlive_dashboard(p_company text, p_activity_limit integer default 20, p_orders_limit integer default 50)
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
          'paiement', case when amounts.required is not null and amounts.paid >= amounts.required then 'done' else 'missing' end,
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
          'paiement', case when o.payment_status = 'paid' then 'done' else 'missing' end,
          'zone', case when o.delivery_zone is null then 'missing' else 'done' end,
          'numero', case when o.customer_phone is null then 'missing' else 'done' end,
          'completion_rate', 25 * (1 + (o.payment_status = 'paid')::integer + (o.delivery_zone is not null)::integer
            + (o.customer_phone is not null)::integer),
          'total_amount', o.total_amount,
          'created_at', o.created_at)
        from (select * from public.orders o where o.company_id = v_company and o.status = 'pending'
              order by o.created_at desc limit p_orders_limit) o
        left join public.conversations c on c.id = o.conversation_id
      ) o), '[]'),
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
grant execute on function private.draft_amounts(uuid) to authenticated;
revoke all on function public.botlive_dashboard(text, integer, integer) from public, anon;
grant execute on function public.botlive_dashboard(text, integer, integer) to authenticated, service_role;
