-- Every privilege the API roles hold, as a reviewed table. A project created today grants anon,
-- authenticated and service_role nothing by default (Supabase changelog 45329), so each
-- migration grants exactly what each role needs; this file is where a reviewer sees it all.
-- Every relation and function of public and private is listed, for every API role, even with
-- no privilege (''): a new table, view, sequence or function fails here until its grants are
-- written down. Column grants read `update(col, ...)`.
begin;
select plan(4);

create temporary table reviewed_relation_grants (rel text, role text, privileges text) on commit drop;
insert into reviewed_relation_grants values
  ('private.ann_tenants', 'anon', ''),
  ('private.ann_tenants', 'authenticated', 'select'),
  ('private.ann_tenants', 'service_role', 'insert, select, update(promoted_at)'),
  ('private.channel_secrets', 'anon', ''),
  ('private.channel_secrets', 'authenticated', ''),
  ('private.channel_secrets', 'service_role', ''),
  ('private.company_counts', 'anon', ''),
  ('private.company_counts', 'authenticated', 'select'),
  ('private.company_counts', 'service_role', 'select'),
  ('private.company_token_usage', 'anon', ''),
  ('private.company_token_usage', 'authenticated', ''),
  ('private.company_token_usage', 'service_role', 'insert, select, update'),
  ('private.document_counts', 'anon', ''),
  ('private.document_counts', 'authenticated', 'select'),
  ('private.document_counts', 'service_role', 'select'),
  ('private.rate_limits', 'anon', ''),
  ('private.rate_limits', 'authenticated', ''),
  ('private.rate_limits', 'service_role', 'insert, select, update'),
  ('private.order_numbers', 'anon', ''),
  ('private.order_numbers', 'authenticated', ''),
  ('private.order_numbers', 'service_role', ''),
  ('public.channel_accounts', 'anon', ''),
  ('public.channel_accounts', 'authenticated', 'select'),
  ('public.channel_accounts', 'service_role', 'select'),
  ('public.channel_messages', 'anon', ''),
  ('public.channel_messages', 'authenticated', 'select'),
  ('public.channel_messages', 'service_role', 'select'),
  ('public.channel_outbox', 'anon', ''),
  ('public.channel_outbox', 'authenticated', 'select'),
  ('public.channel_outbox', 'service_role', 'select'),
  ('public.channel_statuses', 'anon', ''),
  ('public.channel_statuses', 'authenticated', 'select'),
  ('public.channel_statuses', 'service_role', 'select'),
  ('public.knowledge_files', 'anon', ''),
  ('public.knowledge_files', 'authenticated', 'select'),
  ('public.knowledge_files', 'service_role', 'select'),
  ('public.bot_sessions', 'anon', ''),
  ('public.bot_sessions', 'authenticated', 'select'),
  ('public.bot_sessions', 'service_role', 'select'),
  ('public.bot_usage', 'anon', ''),
  ('public.bot_usage', 'authenticated', 'select'),
  ('public.bot_usage', 'service_role', 'select'),
  ('public.botlive_drafts', 'anon', ''),
  ('public.botlive_drafts', 'authenticated', 'select'),
  ('public.botlive_drafts', 'service_role', 'select'),
  ('public.delivery_zones', 'anon', ''),
  ('public.delivery_zones', 'authenticated', 'delete, insert(aliases, company_id, fee, is_active, name), select, update(aliases, fee, is_active, name)'),
  ('public.delivery_zones', 'service_role', 'select'),
  ('public.orders', 'anon', ''),
  ('public.orders', 'authenticated', 'select, update(notes, status)'),
  ('public.orders', 'service_role', 'select'),
  ('public.payments', 'anon', ''),
  ('public.payments', 'authenticated', 'select'),
  ('public.payments', 'service_role', 'select'),
  ('public.refunds', 'anon', ''),
  ('public.refunds', 'authenticated', 'select'),
  ('public.refunds', 'service_role', 'select'),
  ('public.products', 'anon', ''),
  ('public.products', 'authenticated', 'delete, insert(aliases, company_id, description, is_active, name, price, stock, variants), select, update(aliases, description, is_active, name, price, stock, variants)'),
  ('public.products', 'service_role', 'select'),
  ('private.context_versions', 'anon', ''),
  ('private.context_versions', 'authenticated', 'select'),
  ('private.context_versions', 'service_role', 'select'),
  ('public.appointments', 'anon', ''),
  ('public.appointments', 'authenticated', 'delete, insert(client_id, company_id, duration_minutes, location, scheduled_date, status, subject), select, update(client_id, duration_minutes, location, scheduled_date, status, subject)'),
  ('public.appointments', 'service_role', 'select'),
  ('public.chatbot_context_cache', 'anon', ''),
  ('public.chatbot_context_cache', 'authenticated', 'select'),
  ('public.chatbot_context_cache', 'service_role', 'delete, insert, select, update'),
  ('public.clients', 'anon', ''),
  ('public.clients', 'authenticated', 'delete, insert(address, city, company_id, email, name, notes, phone), select, update(address, city, email, name, notes, phone)'),
  ('public.clients', 'service_role', 'select'),
  ('public.followups', 'anon', ''),
  ('public.followups', 'authenticated', 'delete, insert(client_id, company_id, due_date, status, subject, type), select, update(client_id, due_date, status, subject, type)'),
  ('public.followups', 'service_role', 'select'),
  ('public.inbox_threads', 'anon', ''),
  ('public.inbox_threads', 'authenticated', 'delete, insert(client_id, company_id, last_message_at, status, subject, unread, urgent), select, update(client_id, last_message_at, status, subject, unread, urgent)'),
  ('public.inbox_threads', 'service_role', 'select'),
  ('public.invoices', 'anon', ''),
  ('public.invoices', 'authenticated', 'delete, insert(amount, client_id, company_id, due_date, issue_date, number, paid_at, status, title), select, update(amount, client_id, due_date, issue_date, number, paid_at, status, title)'),
  ('public.invoices', 'service_role', 'select'),
  ('public.projects', 'anon', ''),
  ('public.projects', 'authenticated', 'delete, insert(client_id, company_id, end_date, name, progress, start_date, status), select, update(client_id, end_date, name, progress, start_date, status)'),
  ('public.projects', 'service_role', 'select'),
  ('public.quotes', 'anon', ''),
  ('public.quotes', 'authenticated', 'delete, insert(amount, client_id, company_id, number, status, title, valid_until), select, update(amount, client_id, number, status, title, valid_until)'),
  ('public.quotes', 'service_role', 'select'),
  ('public.tasks', 'anon', ''),
  ('public.tasks', 'authenticated', 'delete, insert(client_id, company_id, completed_at, description, due_date, priority, project_id, status, title), select, update(client_id, completed_at, description, due_date, priority, project_id, status, title)'),
  ('public.tasks', 'service_role', 'select'),
  ('public.activities', 'anon', ''),
  ('public.activities', 'authenticated', 'select'),
  ('public.activities', 'service_role', 'select'),
  ('public.agents', 'anon', ''),
  ('public.agents', 'authenticated', 'delete, insert(company_id, expertise, greeting, is_active, keywords, model, name, slug, style_notes, system_prompt, temperature), select, update(expertise, greeting, is_active, keywords, model, name, slug, style_notes, system_prompt, temperature)'),
  ('public.agents', 'service_role', 'select'),
  ('public.chatbot_conversations', 'anon', ''),
  ('public.chatbot_conversations', 'authenticated', 'select'),
  ('public.chatbot_conversations', 'service_role', ''),
  ('public.chatbot_messages', 'anon', ''),
  ('public.chatbot_messages', 'authenticated', 'select'),
  ('public.chatbot_messages', 'service_role', ''),
  ('public.companies', 'anon', ''),
  ('public.companies', 'authenticated', 'delete, select, update(country, is_auto_entrepreneur, modules_enabled, name, sector, slug, time_zone, vat_exempt)'),
  ('public.companies', 'service_role', 'select'),
  ('public.company_mapping', 'anon', ''),
  ('public.company_mapping', 'authenticated', 'select'),
  ('public.company_mapping', 'service_role', ''),
  ('public.company_members', 'anon', ''),
  ('public.company_members', 'authenticated', 'delete, insert(company_id, role, user_id), select, update(role)'),
  ('public.company_members', 'service_role', 'select'),
  ('public.company_rag_configs', 'anon', ''),
  ('public.company_rag_configs', 'authenticated', 'select, update(address_turns_per_minute, ai_name, chat_model, company_name, company_tokens_per_day, company_turns_per_minute, match_count, match_threshold, prompt_botlive_deepseek_v3, prompt_botlive_groq_70b, rate_limit_messages, rate_limit_window_seconds, rerank_model, router_model, visitor_turns_per_minute)'),
  ('public.company_rag_configs', 'service_role', 'select'),
  ('public.conversation_memory', 'anon', ''),
  ('public.conversation_memory', 'authenticated', 'select'),
  ('public.conversation_memory', 'service_role', ''),
  ('public.conversations', 'anon', ''),
  ('public.conversations', 'authenticated', 'select, update(status, title)'),
  ('public.conversations', 'service_role', 'insert, select, update'),
  ('public.documents', 'anon', ''),
  ('public.documents', 'authenticated', 'select'),
  ('public.documents', 'service_role', 'delete, insert, select, update'),
  ('public.documents_id_seq', 'anon', ''),
  ('public.documents_id_seq', 'authenticated', ''),
  ('public.documents_id_seq', 'service_role', ''),
  ('public.escalations', 'anon', ''),
  ('public.escalations', 'authenticated', 'select, update(status)'),
  ('public.escalations', 'service_role', 'insert, select, update(status)'),
  ('public.messages', 'anon', ''),
  ('public.messages', 'authenticated', 'select'),
  ('public.messages', 'service_role', 'insert, select');

create temporary table reviewed_function_grants (fn text, execute text) on commit drop;
insert into reviewed_function_grants values
  ('private.ann_lock_key(p_slug text)', 'service_role'),
  ('private.broadcast_company_change()', ''),
  ('private.queue_knowledge_file()', ''),
  ('private.storage_allowed(p_bucket text, p_name text, p_write boolean)', 'authenticated, service_role'),
  ('private.storage_company(p_name text)', 'authenticated, service_role'),
  ('public.knowledge_files_claim(p_limit integer, p_lease_seconds integer, p_company uuid)', 'service_role'),
  ('public.knowledge_files_finish(p_file uuid, p_attempt integer, p_chunks integer, p_error text, p_retry_seconds integer, p_max_attempts integer)', 'service_role'),
  ('private.channel_apply_statuses(p_account uuid, p_external_id text)', ''),
  ('private.channel_time(p_at text)', ''),
  ('private.channel_reply(p_company text, p_conversation uuid, p_text text)', 'authenticated, service_role'),
  ('private.channel_status_rank(p_status text)', ''),
  ('private.set_channel_account(p_company text, p_platform text, p_external_id text, p_app_id text, p_verify_token text, p_app_secret text, p_access_token text, p_name text, p_template_name text, p_template_language text, p_active boolean)', 'authenticated, service_role'),
  ('public.botlive_attach_proof(p_company text, p_conversation uuid, p_reference text, p_path text, p_sha256 text)', 'service_role'),
  ('public.botlive_import_catalog(p_company text, p_products jsonb, p_zones jsonb, p_dry_run boolean, p_file text)', 'authenticated'),
  ('public.channel_app_secrets(p_app_id text)', 'service_role'),
  ('public.channel_claim(p_limit integer, p_lease_seconds integer, p_max_attempts integer, p_turns_per_minute integer)', 'service_role'),
  ('public.channel_claim_outbox(p_limit integer, p_lease_seconds integer)', 'service_role'),
  ('public.channel_done(p_message uuid, p_attempt integer, p_reply text, p_conversation_key text, p_media_sha256 text)', 'service_role'),
  ('public.channel_media_seen(p_message uuid, p_sha256 text)', 'service_role'),
  ('public.channel_failed(p_message uuid, p_attempt integer, p_error text, p_retry_seconds integer)', 'service_role'),
  ('public.channel_receive(p_app_id text, p_app_secret text, p_items jsonb)', 'service_role'),
  ('public.channel_verify_tokens(p_app_id text)', 'service_role'),
  ('public.channel_reply(p_company text, p_conversation uuid, p_text text)', 'authenticated, service_role'),
  ('public.channel_send_failed(p_outbox uuid, p_error jsonb, p_retry_seconds integer)', 'service_role'),
  ('public.channel_sent(p_outbox uuid, p_external_id text, p_via_template boolean)', 'service_role'),
  ('public.set_channel_account(p_company text, p_platform text, p_external_id text, p_app_id text, p_verify_token text, p_app_secret text, p_access_token text, p_name text, p_template_name text, p_template_language text, p_active boolean)', 'authenticated, service_role'),
  ('private.bump_conversation_last_message_at()', ''),
  ('private.chat_settings(p_company uuid, p_defaults jsonb)', 'service_role'),
  ('private.chat_slots(p_company uuid, p_conversation text, p_visitor text, p_address text, p_settings jsonb)', 'service_role'),
  ('private.documents_count_delete()', ''),
  ('private.documents_count_insert()', ''),
  ('private.documents_count_truncate()', ''),
  ('private.documents_count_update()', ''),
  ('private.documents_set_content_hash()', ''),
  ('private.documents_set_in_ann_index()', ''),
  ('private.escalations_before_update()', ''),
  ('private.escalations_sync_conversation()', ''),
  ('private.insert_message(p_company uuid, p_conversation uuid, p_role text, p_content text, p_fields jsonb, p_idempotency_key text)', 'service_role'),
  ('private.is_member(p_company uuid, p_min_role text)', 'authenticated, service_role'),
  ('private.keep_an_owner()', ''),
  ('private.promote_large_tenants(p_min_chunks bigint, p_batch integer)', 'service_role'),
  ('private.resolve_company(p_company text)', 'service_role'),
  ('private.set_company_from_conversation()', ''),
  ('private.stored_reply(p_conversation uuid, p_key text)', 'service_role'),
  ('private.take_slots(p_slots jsonb, p_now timestamp with time zone)', 'service_role'),
  ('private.tokens_refusal(p_company uuid, p_settings jsonb, p_now timestamp with time zone)', 'service_role'),
  ('private.touch_updated_at()', ''),
  ('private.upsert_document_chunks(p_company text, p_source text, p_chunks jsonb)', 'service_role'),
  ('private.validate_rate_limit_args(p_key text, p_max_requests integer, p_window_seconds integer)', 'service_role'),
  ('public.append_message(p_company text, p_conversation uuid, p_role text, p_content text, p_agent text, p_model_used text, p_tokens_used integer, p_prompt_tokens integer, p_completion_tokens integer, p_latency_ms integer, p_sources jsonb, p_metadata jsonb, p_context_snapshot jsonb, p_idempotency_key text)', 'service_role'),
  ('public.chat_allowance(p_company text, p_conversation text, p_visitor text, p_address text, p_defaults jsonb, p_now timestamp with time zone)', 'service_role'),
  ('public.chat_begin_turn(p_company text, p_conversation text, p_visitor text, p_message text, p_idempotency_key text, p_client_key boolean, p_address text, p_metadata jsonb, p_defaults jsonb, p_history integer, p_stale_seconds integer, p_now timestamp with time zone)', 'service_role'),
  ('public.chat_finish_turn(p_company uuid, p_conversation uuid, p_idempotency_key text, p_reply jsonb, p_state jsonb, p_escalation jsonb, p_now timestamp with time zone)', 'service_role'),
  ('public.check_rate_limit(p_key text, p_max_requests integer, p_window_seconds integer, p_now timestamp with time zone)', 'service_role'),
  ('public.conversation_is_paused(p_conversation uuid)', 'service_role'),
  ('public.create_company(p_slug text, p_name text, p_sector text, p_ai_name text)', 'authenticated'),
  ('public.delete_document_source(p_company text, p_source text)', 'service_role'),
  ('public.ensure_conversation(p_company text, p_channel text, p_external_id text, p_visitor_id text, p_user_id uuid)', 'service_role'),
  ('public.log_activity(p_company text, p_type text, p_title text, p_description text, p_status text, p_metadata jsonb, p_conversation_id uuid)', 'authenticated, service_role'),
  ('public.match_documents(p_company text, p_query_embedding vector, p_match_count integer, p_match_threshold double precision, p_agent text, p_query_text text, p_filter jsonb)', 'authenticated, service_role'),
  ('public.match_documents(query_embedding vector, match_count integer, filter jsonb)', 'authenticated, service_role'),
  ('public.match_documents_audrey(p_company text, p_query_embedding vector, p_match_count integer, p_match_threshold double precision, p_query_text text, p_filter jsonb)', 'authenticated, service_role'),
  ('public.match_documents_carole(p_company text, p_query_embedding vector, p_match_count integer, p_match_threshold double precision, p_query_text text, p_filter jsonb)', 'authenticated, service_role'),
  ('public.open_escalation(p_company text, p_conversation uuid, p_reason text, p_details text)', 'service_role'),
  ('public.peek_rate_limit(p_key text, p_max_requests integer, p_window_seconds integer, p_now timestamp with time zone)', 'service_role'),
  ('public.resolve_escalation(p_escalation uuid)', 'authenticated, service_role'),
  ('public.tag_documents_by_agent_keywords(p_company text, p_sources text[])', 'service_role'),
  ('public.tag_documents_by_keywords(agent text, patterns text[], p_company text)', 'authenticated, service_role'),
  ('private.create_company(p_slug text, p_name text, p_sector text, p_ai_name text)', 'authenticated'),
  ('private.create_order(p_company text, p_order jsonb)', 'authenticated, service_role'),
  ('private.log_activity(p_company text, p_type text, p_title text, p_description text, p_status text, p_metadata jsonb, p_conversation_id uuid)', 'authenticated, service_role'),
  ('private.tag_documents_by_keywords(agent text, patterns text[], p_company text)', 'authenticated, service_role'),
  ('private.toggle_live_mode(p_company text, p_enable boolean)', 'authenticated, service_role'),
  ('private.bot_sessions_log()', ''),
  ('private.bot_usage_conversations()', ''),
  ('private.bot_usage_messages()', ''),
  ('private.bot_usage_orders()', ''),
  ('private.bump_usage(p_company uuid, p_date date, p_conversations integer, p_messages integer, p_orders integer, p_revenue bigint, p_tokens bigint, p_cost numeric)', ''),
  ('private.draft_amounts(p_conversation uuid)', 'authenticated, service_role'),
  ('private.next_order_number(p_company uuid)', ''),
  ('private.order_items_text(p_items jsonb)', ''),
  ('private.order_status_label(p_status text)', ''),
  ('private.orders_after_write()', ''),
  ('private.orders_check_transition()', ''),
  ('private.payment_method_label(p_method text)', ''),
  ('private.payments_after_insert()', ''),
  ('private.normalize_reference(p_reference text)', ''),
  ('private.owe_unattached_proofs(p_conversation uuid, p_reason text)', ''),
  ('private.refunds_after_insert()', ''),
  ('private.orders_owe_on_cancel()', ''),
  ('private.bot_sessions_unfinished_paid()', ''),
  ('private.botlive_verify_payment(p_company text, p_order uuid, p_decision text, p_note text)', 'authenticated'),
  ('private.botlive_settle_refund(p_company text, p_refund uuid, p_note text)', 'authenticated'),
  ('private.botlive_verify_refund(p_company text, p_refund uuid, p_decision text, p_note text)', 'authenticated'),
  ('private.reopen_references(p_company uuid, p_references text[])', ''),
  ('private.usage_date(p_at timestamp with time zone)', ''),
  ('private.xof(p_amount bigint)', ''),
  ('public.botlive_begin_turn(p_company text, p_conversation text, p_message_id text, p_customer jsonb, p_text text, p_attachments jsonb)', 'service_role'),
  ('public.botlive_cancel_draft(p_company text, p_conversation uuid)', 'service_role'),
  ('public.botlive_dashboard(p_company text, p_activity_limit integer, p_orders_limit integer)', 'authenticated, service_role'),
  ('public.botlive_finish_turn(p_company text, p_conversation uuid, p_message_id text, p_reply text, p_fields jsonb)', 'service_role'),
  ('public.botlive_place_order(p_company text, p_conversation uuid, p_session uuid)', 'service_role'),
  ('public.botlive_record_payment(p_company text, p_conversation uuid, p_amount integer, p_method text, p_reference text, p_source text)', 'service_role'),
  ('public.botlive_save_draft(p_company text, p_conversation uuid, p_draft jsonb)', 'service_role'),
  ('public.create_order(p_company text, p_order jsonb)', 'authenticated, service_role'),
  ('public.toggle_live_mode(p_company text, p_enable boolean)', 'authenticated, service_role'),
  ('private.assistant_company(p_user uuid, p_company text)', 'service_role'),
  ('private.assistant_own_conversation(p_user uuid, p_conversation uuid)', 'service_role'),
  ('private.business_today()', 'authenticated, service_role'),
  ('private.add_counts(p_kind text, p_delta jsonb)', ''),
  ('private.bump_context(p_companies uuid[], p_sections text[])', ''),
  ('private.count_rows()', ''),
  ('private.fold(p_text text)', 'authenticated, service_role'),
  ('private.member_company_ids()', 'authenticated, service_role'),
  ('private.invalidate_context()', ''),
  ('private.status_label(p_kind text, p_status text)', 'authenticated, service_role'),
  ('public.assistant_begin_turn(p_user uuid, p_company text, p_conversation uuid, p_message text)', 'service_role'),
  ('public.assistant_cached_context(p_company uuid, p_sections text[])', 'service_role'),
  ('public.assistant_conversation_messages(p_user uuid, p_conversation uuid)', 'service_role'),
  ('public.assistant_finish_turn(p_conversation uuid, p_reply text, p_fields jsonb)', 'service_role'),
  ('public.assistant_list_conversations(p_user uuid, p_company text, p_limit integer, p_offset integer)', 'service_role'),
  ('public.assistant_store_context(p_company uuid, p_context jsonb, p_versions jsonb)', 'service_role'),
  ('public.assistant_update_conversation(p_user uuid, p_conversation uuid, p_title text, p_status text)', 'service_role'),
  ('public.billing_period_totals(p_company text, p_period text, p_now timestamp with time zone)', 'authenticated, service_role'),
  ('public.build_company_context(p_company text, p_sections text[], p_now timestamp with time zone)', 'authenticated, service_role'),
  ('public.client_card(p_company text, p_client uuid)', 'authenticated, service_role'),
  ('public.find_company_entities(p_company text, p_name text, p_kind text, p_limit integer)', 'authenticated, service_role');

create temporary view actual_relation_grants as
with rels as (
  select c.oid, format('%s.%s', n.nspname, c.relname) as rel, c.relkind, c.relacl
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('public', 'private')
    and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
),
api_roles (role) as (values ('anon'), ('authenticated'), ('service_role')),
table_privs as (
  select r.rel, a.grantee::regrole::text as role, lower(a.privilege_type) as priv
  from rels r, aclexplode(r.relacl) a
),
column_privs as (
  select r.rel, a.grantee::regrole::text as role, lower(a.privilege_type) as priv, att.attname::text as col
  from rels r
  join pg_catalog.pg_attribute att on att.attrelid = r.oid and att.attnum > 0 and not att.attisdropped
  cross join aclexplode(att.attacl) a
),
parts as (
  select rel, role, priv as part from table_privs
  union all
  select rel, role, priv || '(' || string_agg(col, ', ' order by col) || ')'
  from column_privs c
  where not exists (select 1 from table_privs t where t.rel = c.rel and t.role = c.role and t.priv = c.priv)
  group by rel, role, priv
)
select r.rel collate "default" as rel, ar.role, coalesce((select string_agg(p.part, ', ' order by p.part) from parts p where p.rel = r.rel and p.role = ar.role), '') collate "default" as privileges
from rels r cross join api_roles ar
order by 1, 2;

create temporary view actual_function_grants as
select format($f$%s.%s(%s)$f$, p.pronamespace::regnamespace, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) collate "default" as fn,
  coalesce((select string_agg(r.role, ', ' order by r.role)
    from (values ('anon'), ('authenticated'), ('service_role')) as r (role)
    where pg_catalog.has_function_privilege(r.role, p.oid, 'execute')), '') as execute
from pg_catalog.pg_proc p
where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
  and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')
order by 1;

select set_eq(
  'select distinct rel from actual_relation_grants',
  'select distinct rel from reviewed_relation_grants',
  'every table, view and sequence of public and private is in the reviewed list'
);
select results_eq(
  'select rel, role, privileges from actual_relation_grants order by 1, 2',
  'select rel, role, privileges from reviewed_relation_grants order by 1, 2',
  'each API role holds exactly the reviewed privileges on each relation'
);
select set_eq(
  'select fn from actual_function_grants',
  'select fn from reviewed_function_grants',
  'every function of public and private is in the reviewed list'
);
select results_eq(
  'select fn, execute from actual_function_grants order by 1',
  'select fn, execute from reviewed_function_grants order by 1',
  'exactly the reviewed API roles may execute each function'
);

select * from finish();
rollback;
