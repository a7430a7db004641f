-- The Realtime stand-in's one database object (platform, like the shim: never in the
-- migrations). Supabase Realtime checks, for every change to a table with RLS, which subscribers
-- may see the row by selecting it as each subscriber's role with its claims; this does the same
-- in one round trip for one change: `p_key` is the row's primary key as {column: value},
-- `p_subscribers` a JSON array of {id, role, claims}; the ids of those who see the row come back.
-- The roles are switched with set_config(..., true): they end with the caller's transaction.
-- Only the stand-in (a superuser session) may call it.
create schema if not exists realtime;

create or replace function realtime.comptoir_visible_to(p_table regclass, p_key jsonb, p_subscribers jsonb)
returns setof integer
language plpgsql
as $$
declare
  subscriber jsonb;
  condition text;
  visible boolean;
begin
  select string_agg(format('%I = %L', key, value), ' and ')
    into condition
    from jsonb_each_text(p_key);
  if condition is null then
    return;
  end if;
  for subscriber in select value from jsonb_array_elements(p_subscribers) loop
    perform set_config('role', subscriber ->> 'role', true),
      set_config('request.jwt.claims', subscriber ->> 'claims', true);
    begin
      execute format('select exists (select 1 from %s where %s)', p_table, condition) into visible;
    exception when insufficient_privilege then
      visible := false;
    end;
    if visible then
      return next (subscriber ->> 'id')::integer;
    end if;
  end loop;
  perform set_config('role', 'none', true);
end;
$$;

revoke all on function realtime.comptoir_visible_to(regclass, jsonb, jsonb) from public;
