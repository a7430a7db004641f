-- Benchmark only (never a migration): the `match_documents` that LangChain's Supabase vector
-- store documents, restated over public.documents so that it searches the same rows through the
-- same HNSW index. The tenant lives in metadata (`{"tenant": "<slug>"}`) and is a filter applied
-- to what the index returns, as in LangChain's template; there is no tenant column.
create schema if not exists bench;

create or replace function bench.match_documents(
  query_embedding extensions.vector(1536),
  match_count integer default null,
  filter jsonb default '{}'
)
returns table (id bigint, content text, metadata jsonb, similarity double precision)
language plpgsql
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select d.id, d.content, d.metadata,
    1 - (d.embedding operator(extensions.<=>) query_embedding) as similarity
  from public.documents d
  where d.metadata @> filter
  order by d.embedding operator(extensions.<=>) query_embedding
  limit match_count;
end;
$$;
