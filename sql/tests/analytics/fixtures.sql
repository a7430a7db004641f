-- The analytics suites' hand-made data set (included by each suite, inside its transaction).
/**
 * Two days of tenant-a (Europe/Paris) written through the real tables, so the triggers keep the
 * rollups: on 2026-11-02 widget conversation c1 (two turns answered by audrey in 2 s and 0.5 s)
 * and c2 (one turn answered by carole in 3 s, then escalated); on 2026-11-03 a Botlive
 * conversation b1 (one turn answered in 1 s, no agent, and an order) and c1 again (4 s). The
 * ledger: two calls on the 2nd (one failed), one on the 3rd; one refusal on the 3rd.
 */
create or replace function tests.analytics_world(p_company uuid)
returns void
language plpgsql
-- definer: fixtures are created as the owner whatever actor the test currently plays
security definer
set search_path = ''
as $$
declare
  v_c1 uuid;
  v_c2 uuid;
  v_b1 uuid;
  d1 timestamptz := '2026-11-02 10:00:00+00';
  d2 timestamptz := '2026-11-03 09:00:00+00';
begin
  insert into public.conversations (company_id, channel, external_id, visitor_id) values
    (p_company, 'widget', 'c1', 'v1') returning id into v_c1;
  insert into public.conversations (company_id, channel, external_id, visitor_id) values
    (p_company, 'widget', 'c2', 'v2') returning id into v_c2;
  insert into public.conversations (company_id, channel, external_id, visitor_id) values
    (p_company, 'botlive', 'b1', 'wa-1') returning id into v_b1;
  insert into public.messages (conversation_id, company_id, role, content, agent, created_at) values
    (v_c1, p_company, 'user', 'Kajabi ?', null, d1),
    (v_c1, p_company, 'assistant', 'Oui.', 'audrey', d1 + interval '2 s'),
    (v_c1, p_company, 'user', 'Zapier ?', null, d1 + interval '60 s'),
    (v_c1, p_company, 'assistant', 'Aussi.', 'audrey', d1 + interval '60.5 s'),
    (v_c2, p_company, 'user', 'Reels ?', null, d1 + interval '1 hour'),
    (v_c2, p_company, 'assistant', 'Bien sûr ✨', 'carole', d1 + interval '1 hour 3 s'),
    (v_b1, p_company, 'user', 'Le pagne', null, d2),
    (v_b1, p_company, 'assistant', '7 500 FCFA', null, d2 + interval '1 s'),
    (v_c1, p_company, 'user', 'Et Make ?', null, d2 + interval '3 hours'),
    (v_c1, p_company, 'assistant', 'Non.', 'audrey', d2 + interval '3 hours 4 s');
  insert into public.escalations (conversation_id, company_id, reason, created_at)
  values (v_c2, p_company, 'visitor_request', d1 + interval '1 hour 4 s');
  insert into public.orders (company_id, conversation_id, number, items, items_total, total_amount, created_at)
  values (p_company, v_b1, 1, '[{"name": "Pagne"}]', 7500, 7500, d2 + interval '2 s');
  perform private.ledger_record(p_company, 'chat', v_c1, '[
    {"provider": "openai", "model": "gpt-4o-mini", "prompt_tokens": 1000, "completion_tokens": 200, "agent": "audrey"},
    {"provider": "openrouter", "model": "anthropic/claude-3.5-haiku", "outcome": "error", "cost_usd": 0, "agent": "carole"}]',
    p_now => d1 + interval '2 s');
  perform private.ledger_record(p_company, 'botlive', v_b1, '[
    {"provider": "groq", "model": "llama-3.3-70b-versatile", "prompt_tokens": 2000, "completion_tokens": 100}]',
    p_now => d2 + interval '1 s');
  perform private.count_refusal(p_company, 'conversation', d2 + interval '5 hours');
end;
$$;
