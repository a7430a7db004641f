/**
 * match_documents as LangChain.js's SupabaseVectorStore (and the other peers' clients written
 * for Supabase's vector guide) call it: `rpc('match_documents', { query_embedding, match_count,
 * filter })`, rows of `id, content, metadata, similarity`. An overload beside the hybrid search
 * (PostgREST tells them apart by their argument names), `security invoker`, so RLS decides:
 * a member gets the chunks of its own companies only, anon has no grant. The chunk's columns
 * travel in `metadata` (source, title, agent_owner, company_id, chunk_index, tags, category, on
 * top of the chunk's own metadata) and `filter` is a containment on it: `{ "company_id":
 * "<slug>" }` keeps one company for a user in several, `{ "agent_owner": "audrey" }` one agent.
 * An exact nearest-neighbour scan of the caller's companies' chunks (the tenant HNSW index
 * covers promoted tenants only and is kept for the hybrid search).
 */
create function public.match_documents(
  query_embedding extensions.vector(1536),
  match_count integer default null,
  filter jsonb default '{}'
)
returns table (id bigint, content text, metadata jsonb, similarity double precision)
language sql
stable
security invoker
set search_path = ''
as $$
  with scoped as (
    select d.id, d.content, d.embedding,
      d.metadata || pg_catalog.jsonb_build_object(
        'source', d.source, 'title', d.title, 'agent_owner', d.agent_owner, 'company_id', d.company_id,
        'chunk_index', d.chunk_index, 'tags', pg_catalog.to_jsonb(d.tags), 'category', d.category
      ) as metadata
    from public.documents d
    where d.embedding is not null
      -- A signed-in caller's companies first (RLS would hide the others anyway; this keeps the
      -- scan to them); the service role, which has no user, is narrowed by the filter only.
      and (
        (select auth.uid()) is null
        or d.company_id in (
          select c.slug from public.companies c
          join public.company_members m on m.company_id = c.id
          where m.user_id = (select auth.uid())
        )
      )
  )
  select s.id, s.content, s.metadata,
    1 - (s.embedding operator(extensions.<=>) query_embedding) as similarity
  from scoped s
  where s.metadata @> coalesce(filter, '{}')
  order by s.embedding operator(extensions.<=>) query_embedding
  limit least(greatest(coalesce(match_count, 10), 1), 100)
$$;

grant execute on function public.match_documents(extensions.vector, integer, jsonb) to authenticated, service_role;
