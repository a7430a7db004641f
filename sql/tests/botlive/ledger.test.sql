-- Botlive in the usage ledger (migration usage-botlive): botlive_finish_turn writes the turn's
-- calls (p_fields -> 'usage') under product botlive and releases its reservation in the same
-- transaction; a retried finish records nothing twice; bot_usage.cost is the ledger's alone (a
-- message's metadata.cost_usd adds nothing); old callers (no usage) keep working; the base
-- function is the service's only.
begin;
select plan(14);
\ir fixtures.sql

insert into public.company_budgets (company_id, monthly_limit) values (:'company_a', 10);

select tests.act_as_service_role();
select (public.botlive_begin_turn('tenant-a', 'wa-ledger', 'ledger-1', '{"id": "wa-ledger", "name": "Awa"}',
  'la robe wax en M', '[]') ->> 'conversation_id') as conversation \gset
select (public.budget_reserve(:'company_a', '[{"provider": "groq", "model": "llama-3.3-70b-versatile",
  "max_input_tokens": 10000, "max_output_tokens": 400}]') ->> 'reservation') as reservation \gset
select isnt(:'reservation'::uuid, null, 'the turn''s paid calls are reserved before they are made');

select public.botlive_finish_turn('tenant-a', :'conversation', 'ledger-1', 'C''est noté : Robe wax.', jsonb_build_object(
  'model_used', 'deepseek-chat', 'tokens_used', 1100, 'reservation', :'reservation', 'usage', '[
    {"kind": "chat", "provider": "groq", "model_requested": "llama-3.3-70b-versatile", "model": null, "latency_ms": 12, "outcome": "error"},
    {"kind": "chat", "provider": "deepseek", "model_requested": "deepseek-chat", "model": "deepseek-chat", "prompt_tokens": 1000, "completion_tokens": 100, "latency_ms": 40, "outcome": "ok"}
  ]'::jsonb)) as reply \gset
select tests.reset_role();

select results_eq(
  format($$select product, provider, model_requested, model_answered, outcome, cost_usd, cost_source
    from public.usage_ledger where conversation_id = %L order by id$$, :'conversation'),
  $$values ('botlive', 'groq', 'llama-3.3-70b-versatile', null, 'error', 0::numeric(14,8), 'price_table'),
    ('botlive', 'deepseek', 'deepseek-chat', 'deepseek-chat', 'ok', 0.00038::numeric(14,8), 'price_table')$$,
  'one ledger row per call, product botlive: the failed attempt and the model that answered, priced by the table');
select is((select count(*)::int from private.budget_reservations where id = :'reservation'), 0,
  'the reservation is released in the finishing round trip');
select is((select spent_usd from public.budget_months where company_id = :'company_a'), 0.00038::numeric(16,8),
  'the month''s spending is the ledger''s');
select is((select cost from public.bot_usage where company_id = :'company_a' and date = private.usage_date(now())),
  0.00038::numeric(14,6), 'bot_usage.cost comes from the ledger');
select is((select model_used || ' ' || tokens_used from public.messages where id = :'reply'), 'deepseek-chat 1100',
  'the reply is stored with its fields, as before');
select is((select count(*)::int from public.messages where id = :'reply' and metadata ? 'usage'), 0,
  'the calls are the ledger''s, not the message''s');

-- The same finish again (its answer lost): the stored reply, nothing recorded twice.
select tests.act_as_service_role();
select is(public.botlive_finish_turn('tenant-a', :'conversation', 'ledger-1', 'C''est noté : Robe wax.', jsonb_build_object(
  'usage', '[{"kind": "chat", "provider": "deepseek", "model": "deepseek-chat", "prompt_tokens": 1000, "completion_tokens": 100, "outcome": "ok"}]'::jsonb)),
  :'reply'::uuid, 'a retried finish answers the stored reply');
select tests.reset_role();
select is((select count(*)::int from public.usage_ledger where conversation_id = :'conversation'), 2,
  'and records no call twice');

-- An old caller (no usage): the reply stored; a metadata cost_usd adds nothing to bot_usage.cost.
select tests.act_as_service_role();
select public.botlive_begin_turn('tenant-a', 'wa-ledger', 'ledger-2', '{"id": "wa-ledger"}', 'merci', '[]') is not null as begun \gset
select isnt(public.botlive_finish_turn('tenant-a', :'conversation', 'ledger-2', 'Avec plaisir !',
  '{"model_used": "offline", "metadata": {"cost_usd": 5}}'), null, 'a finish without usage stores the reply');
select tests.reset_role();
select is((select cost from public.bot_usage where company_id = :'company_a' and date = private.usage_date(now())),
  0.00038::numeric(14,6), 'a message''s metadata.cost_usd is not added: the ledger is the only source');

select ok(not has_function_privilege('anon', 'public.botlive_finish_turn(text, uuid, text, text, jsonb)', 'execute')
  and not has_function_privilege('authenticated', 'public.botlive_finish_turn(text, uuid, text, text, jsonb)', 'execute'),
  'anon and authenticated cannot finish a turn');
select ok(not has_function_privilege('anon', 'private.botlive_finish_turn_base(text, uuid, text, text, jsonb)', 'execute')
  and not has_function_privilege('authenticated', 'private.botlive_finish_turn_base(text, uuid, text, text, jsonb)', 'execute'),
  'nor call the base around the ledger');
select ok(has_function_privilege('service_role', 'public.botlive_finish_turn(text, uuid, text, text, jsonb)', 'execute'),
  'the service does');

select * from finish();
rollback;
