-- Botlive drafts leave postgres_changes for a private Broadcast topic per company.
--
-- Realtime cannot check a DELETE against RLS (the row is gone): it sends the old row's primary key
-- to every subscriber of the table. With `botlive_drafts` in the supabase_realtime publication,
-- anyone who signed up could subscribe without a filter and count every shop's placed and
-- cancelled orders live. Broadcast is what Supabase now advises for database changes: each
-- change of a draft goes to the topic `company:<company id>:botlive`, and a private channel on
-- it is joined only by whom the policy on realtime.messages below lets read it — the company's
-- members (Realtime probes the policy as the joining user). Non-members learn nothing, not even
-- that a draft was deleted.
--
-- `activities` and `orders` stay in the publication: their rows are never deleted (no API role
-- holds DELETE on them, and no function of ours deletes them; a company's deletion cascades).

alter publication supabase_realtime drop table public.botlive_drafts;

/**
 * Row trigger: sends the change (`{ record, old_record, operation, table, schema }`, event
 * INSERT / UPDATE / DELETE) to the private topic `company:<company_id>:<TG_ARGV[0]>`.
 * Definer: the writer (a Botlive step, the service) need not hold rights on realtime.messages,
 * as Supabase's « Broadcast from the database » trigger does; nobody executes it directly.
 */
create function private.broadcast_company_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_company uuid := case tg_op when 'DELETE' then old.company_id else new.company_id end;
begin
  perform realtime.broadcast_changes(
    format('company:%s:%s', v_company, tg_argv[0]), tg_op, tg_op, tg_table_name, tg_table_schema, new, old
  );
  return null;
end;
$$;
revoke all on function private.broadcast_company_change() from public;

create trigger botlive_drafts_broadcast
  after insert or update or delete on public.botlive_drafts
  for each row execute function private.broadcast_company_change('botlive');

-- Who may join a private channel `company:<id>:<feed>`: the company's members (any role), for
-- Broadcast (not Presence). Anon and other companies' members are refused at the join.
create policy "members hear their company's private topics" on realtime.messages
  for select to authenticated
  using (
    extension = 'broadcast'
    and split_part(topic, ':', 1) = 'company'
    and split_part(topic, ':', 2) = any ((select private.member_company_ids())::text[])
  );
