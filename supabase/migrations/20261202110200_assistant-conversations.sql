-- The assistant's conversations: the existing store (channel `assistant`), one user's
-- conversations visible to that user only; a deleted one (status `deleted`, soft) is hidden
-- everywhere, views included. The assistant function manages them through the service-role
-- functions below, with the user id from the verified session: another user's conversation,
-- or a deleted one, is "not found" (P0002 → 404) whatever the action.

drop policy conversations_select_member on public.conversations;
create policy conversations_select_member on public.conversations
  for select to authenticated
  using (
    (select private.is_member(company_id))
    and (channel <> 'assistant' or (user_id = (select auth.uid()) and status <> 'deleted'))
  );
drop policy messages_select_member on public.messages;
create policy messages_select_member on public.messages
  for select to authenticated
  using (
    (select private.is_member(company_id))
    and exists (
      select 1
      from public.conversations c
      where c.id = messages.conversation_id
        and (c.channel <> 'assistant' or (c.user_id = (select auth.uid()) and c.status <> 'deleted'))
    )
  );

/**
 * The company p_user asks about: p_company (uuid or slug) if the user is a member of it
 * (42501 otherwise, also for a company that does not exist); without it, the user's only
 * company (22023 when the user is in several: they must say which).
 */
create function private.assistant_company(p_user uuid, p_company text)
returns public.companies
language plpgsql
stable
set search_path = ''
as $$
declare
  v_company public.companies;
  v_count integer;
begin
  if p_company is null then
    select count(*) into v_count from public.company_members m where m.user_id = p_user;
    if v_count = 0 then
      raise exception 'assistant: you are not a member of any company' using errcode = '42501';
    elsif v_count > 1 then
      raise exception 'assistant: you are a member of several companies: give company_id' using errcode = '22023';
    end if;
    select c.* into v_company from public.companies c join public.company_members m on m.company_id = c.id
    where m.user_id = p_user;
    return v_company;
  end if;
  select c.* into v_company from public.companies c
  join public.company_members m on m.company_id = c.id and m.user_id = p_user
  where c.slug = p_company or c.id::text = p_company;
  if v_company.id is null then
    raise exception 'assistant: requires a member of company %', p_company using errcode = '42501';
  end if;
  return v_company;
end;
$$;

/** p_user's own assistant conversation p_conversation (not deleted), or P0002. */
create function private.assistant_own_conversation(p_user uuid, p_conversation uuid)
returns public.conversations
language plpgsql
stable
set search_path = ''
as $$
declare
  v_conversation public.conversations;
begin
  select * into v_conversation from public.conversations c
  where c.id = p_conversation and c.channel = 'assistant' and c.user_id = p_user and c.status <> 'deleted'
    and exists (select 1 from public.company_members m where m.company_id = c.company_id and m.user_id = p_user);
  if v_conversation.id is null then
    raise exception 'assistant: no conversation %', p_conversation using errcode = 'P0002';
  end if;
  return v_conversation;
end;
$$;

/**
 * Opens one assistant turn for p_user: the company (private.assistant_company), the
 * conversation (p_conversation, the user's own, else a new one titled from the question), the
 * user's message stored. Returns { conversation_id, company_id, company_slug, message_id, history }.
 */
create function public.assistant_begin_turn(p_user uuid, p_company text, p_conversation uuid, p_message text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_company public.companies;
  v_conversation public.conversations;
  v_message uuid;
begin
  if p_user is null or p_message is null or btrim(p_message) = '' then
    raise exception 'assistant_begin_turn: a user and a message are needed' using errcode = '22023';
  end if;
  if p_conversation is not null then
    v_conversation := private.assistant_own_conversation(p_user, p_conversation);
    v_company := private.assistant_company(p_user, coalesce(p_company, v_conversation.company_id::text));
    if v_company.id <> v_conversation.company_id then
      raise exception 'assistant: no conversation %', p_conversation using errcode = 'P0002';
    end if;
  else
    v_company := private.assistant_company(p_user, p_company);
    insert into public.conversations (company_id, channel, external_id, user_id, title)
    values (v_company.id, 'assistant', gen_random_uuid()::text, p_user,
      -- The automatic title: the first question, on one line, at most 60 characters.
      left(regexp_replace(btrim(p_message), '\s+', ' ', 'g'), 60))
    returning * into v_conversation;
  end if;
  select m.id into v_message from private.insert_message(v_company.id, v_conversation.id, 'user', p_message) m;
  return jsonb_build_object(
    'conversation_id', v_conversation.id,
    'company_id', v_company.id,
    'company_slug', v_company.slug,
    'message_id', v_message,
    'history', coalesce((select jsonb_agg(jsonb_build_object('role', h.role, 'content', h.content) order by h.created_at)
      from (select m.role, m.content, m.created_at from public.messages m
            where m.conversation_id = v_conversation.id and m.id <> v_message
            order by m.created_at desc limit 6) h), '[]'));
end;
$$;

/** Stores the assistant's answer with exactly the context it was given (p_fields: model_used, tokens, latency, context_snapshot, metadata). */
create function public.assistant_finish_turn(p_conversation uuid, p_reply text, p_fields jsonb)
returns uuid
language sql
volatile
set search_path = ''
as $$
  select m.id from public.conversations c,
    lateral private.insert_message(c.company_id, c.id, 'assistant', p_reply, p_fields) m
  where c.id = p_conversation
$$;

/** p_user's conversations (of p_company, or all of theirs), most recent first, without the deleted. */
create function public.assistant_list_conversations(p_user uuid, p_company text, p_limit integer, p_offset integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_company uuid;
begin
  if p_company is not null then
    v_company := (private.assistant_company(p_user, p_company)).id;
  end if;
  return jsonb_build_object(
    'total', (select count(*) from public.conversations c
      where c.channel = 'assistant' and c.user_id = p_user and c.status <> 'deleted'
        and (v_company is null or c.company_id = v_company)),
    'conversations', coalesce((select jsonb_agg(jsonb_build_object('id', c.id, 'company_id', co.slug, 'title', c.title,
        'status', c.status, 'last_message_at', c.last_message_at, 'created_at', c.created_at) order by c.sort_at desc, c.id)
      from (select c.*, coalesce(c.last_message_at, c.created_at) as sort_at from public.conversations c
            where c.channel = 'assistant' and c.user_id = p_user and c.status <> 'deleted'
              and (v_company is null or c.company_id = v_company)
              and exists (select 1 from public.company_members m where m.company_id = c.company_id and m.user_id = p_user)
            order by coalesce(c.last_message_at, c.created_at) desc, c.id limit p_limit offset p_offset) c
      join public.companies co on co.id = c.company_id), '[]'));
end;
$$;

/** The messages of p_user's conversation p_conversation, oldest first. */
create function public.assistant_conversation_messages(p_user uuid, p_conversation uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'role', m.role, 'content', m.content, 'model_used', m.model_used,
      'tokens_used', m.tokens_used, 'created_at', m.created_at, 'metadata', m.metadata) order by m.created_at, m.role desc), '[]')
  from public.messages m
  where m.conversation_id = (private.assistant_own_conversation(p_user, p_conversation)).id
$$;

/** Renames (p_title), archives / restores (p_status 'archived' / 'active') or deletes (p_status 'deleted', soft) p_user's conversation. */
create function public.assistant_update_conversation(p_user uuid, p_conversation uuid, p_title text, p_status text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_conversation public.conversations := private.assistant_own_conversation(p_user, p_conversation);
begin
  if p_status is not null and p_status not in ('active', 'archived', 'deleted') then
    raise exception 'assistant: unknown status %', p_status using errcode = '22023';
  end if;
  if p_title is not null and (btrim(p_title) = '' or length(p_title) > 200) then
    raise exception 'assistant: a title is 1 to 200 characters' using errcode = '22023';
  end if;
  update public.conversations c
  set title = coalesce(btrim(p_title), c.title), status = coalesce(p_status, c.status)
  where c.id = v_conversation.id
  returning * into v_conversation;
  return jsonb_build_object('id', v_conversation.id, 'title', v_conversation.title, 'status', v_conversation.status);
end;
$$;

grant execute on function public.assistant_begin_turn(uuid, text, uuid, text), public.assistant_finish_turn(uuid, text, jsonb),
  public.assistant_list_conversations(uuid, text, integer, integer), public.assistant_conversation_messages(uuid, uuid),
  public.assistant_update_conversation(uuid, uuid, text, text), private.assistant_company(uuid, text),
  private.assistant_own_conversation(uuid, uuid)
  to service_role;
