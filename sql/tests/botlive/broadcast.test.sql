-- Botlive's drafts on a private Broadcast topic (migration botlive-drafts-private-broadcast):
-- out of the supabase_realtime publication (a DELETE there reaches every subscriber), each change
-- written to realtime.messages for `company:<id>:botlive`, and the policy Realtime probes at a
-- private join: the company's members may read the topic; another company's member, anon and a
-- topic of another shape may not. The probe is the real server's: a row inserted for the topic,
-- selected back as the joining user, rolled back.
begin;
select plan(14);
\ir fixtures.sql

select isnt_empty($$select 1 from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'orders'$$,
  'orders stay in the publication (never deleted by the API)');
select is_empty($$select 1 from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'botlive_drafts'$$,
  'botlive_drafts is not in the publication: its DELETEs would reach every subscriber');
select is((
  select array_agg(distinct tablename::text) from pg_publication_tables where pubname = 'supabase_realtime'
), array['activities', 'orders'],
  'the publication holds only tables no API role deletes from (a new one is reviewed here)');
select is_empty($$
  select format('%s: %s', c, r)
  from unnest(array['public.activities', 'public.orders']) as c,
       unnest(array['anon', 'authenticated', 'service_role']) as r
  where has_table_privilege(r, c, 'delete')
$$, 'no API role may delete from a published table');

-- A draft comes, changes and goes: three messages on A's topic, with the rows.
select tests.act_as_service_role();
select tests.botlive_draft('tenant-a', 'wa-awa', :'robe', :'pikine') as conv \gset
-- As Botlive's definer steps write them (the service only reads drafts).
select tests.reset_role();
update public.botlive_drafts set quantity = 2 where conversation_id = :'conv';
delete from public.botlive_drafts where conversation_id = :'conv';
-- (One transaction: the messages share inserted_at, so they are compared as a set.)
select set_eq(format($$
  select distinct topic, event, private, payload ->> 'operation' as operation,
    payload -> 'record' ->> 'quantity' as quantity, payload -> 'old_record' ->> 'quantity' as old_quantity
  from realtime.messages where payload -> 'record' ->> 'conversation_id' = %1$L
     or payload -> 'old_record' ->> 'conversation_id' = %1$L
$$, :'conv'), format($$values
  (%1$L, 'INSERT', true, 'INSERT', '1', null::text),
  (%1$L, 'UPDATE', true, 'UPDATE', '1', '1'),
  (%1$L, 'UPDATE', true, 'UPDATE', '2', '1'),
  (%1$L, 'DELETE', true, 'DELETE', null, '2')
$$, 'company:' || :'company_a' || ':botlive'),
  'INSERT, UPDATE and DELETE of a draft are sent to company:<A>:botlive, private, with the rows');

-- The join probe, per actor: insert as the platform, select as the user with realtime.topic set.
create function pg_temp.may_read(p_topic text, p_extension text default 'broadcast')
returns boolean
language plpgsql
as $$
declare
  v_probe uuid := gen_random_uuid();
  v_claims text := current_setting('request.jwt.claims', true);
  v_role text := current_user;
  v_seen boolean;
begin
  reset role;
  insert into realtime.messages (id, topic, extension) values (v_probe, p_topic, p_extension);
  perform set_config('realtime.topic', p_topic, true), set_config('request.jwt.claims', v_claims, true);
  execute format('set local role %I', v_role);
  select exists (select 1 from realtime.messages where id = v_probe) into v_seen;
  reset role;
  delete from realtime.messages where id = v_probe;
  execute format('set local role %I', v_role);
  return v_seen;
end;
$$;
grant execute on function pg_temp.may_read(text, text) to public;

select format('company:%s:botlive', :'company_a') as topic_a \gset
select tests.act_as(:'owner_a');
select ok(pg_temp.may_read(:'topic_a'), 'the owner may join company:<A>:botlive');
select tests.act_as(:'member_a');
select ok(pg_temp.may_read(:'topic_a'), 'a member (any role) may join it');
select ok(not pg_temp.may_read(:'topic_a', 'presence'), 'for Broadcast only: not Presence');
select ok(not pg_temp.may_read(format('company:%s:botlive', :'company_b')), 'not B''s topic');
select ok(not pg_temp.may_read(format('tenant:%s:botlive', :'company_a')), 'nor a topic of another shape naming A');
select tests.act_as(:'member_b');
select ok(not pg_temp.may_read(:'topic_a'), 'another company''s member may not join A''s topic');
select tests.act_as_anon();
select ok(not pg_temp.may_read(:'topic_a'), 'anon may not');
select tests.act_as_service_role();
select ok(pg_temp.may_read(:'topic_a'), 'service_role (bypassing RLS) may, as the platform''s own');
select tests.reset_role();
select is((select count(*)::int from realtime.messages where extension = 'presence' or event is null), 0,
  'no probe row is left behind');

select * from finish();
rollback;
