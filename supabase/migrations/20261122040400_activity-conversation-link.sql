-- Activity feed ↔ conversations: an activity's conversation_id now points at a real
-- conversation (conversations arrived after the activity log); deleting a conversation keeps
-- its activities and clears the link.
alter table public.activities
  add constraint activities_conversation_id_fkey
  foreign key (conversation_id) references public.conversations (id) on delete set null;
create index activities_conversation_id_idx on public.activities (conversation_id);

