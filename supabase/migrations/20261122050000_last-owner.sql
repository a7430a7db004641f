-- Every company keeps an owner: the last owner can neither leave nor be demoted. Deleting the
-- company (or the owner's account) still removes the memberships, through the cascade.

/**
 * Refuses to delete or demote a company's last owner. Cascades (the company or the user being
 * deleted) run as foreign-key triggers, at trigger depth > 1, and are let through.
 */
create function private.keep_an_owner()
returns trigger
language plpgsql
-- definer: other owners must be counted whatever the caller's row-level security lets it see
security definer
set search_path = ''
as $$
begin
  if pg_catalog.pg_trigger_depth() > 1 or old.role <> 'owner' then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  if tg_op = 'UPDATE' and new.role = 'owner' and new.company_id = old.company_id then
    return new;
  end if;
  if not exists (
    select 1 from public.company_members m
    where m.company_id = old.company_id and m.role = 'owner' and m.user_id <> old.user_id
  ) then
    raise exception 'a company must keep at least one owner' using errcode = '23514';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
revoke execute on function private.keep_an_owner() from public, anon, authenticated;

create trigger company_members_keep_an_owner
  before update or delete on public.company_members
  for each row execute function private.keep_an_owner();
