-- check_rate_limit admits at most p_max_requests per fixed window of p_window_seconds per key;
-- p_now controls time. peek_rate_limit answers the same without counting.
begin;
select plan(17);

select tests.act_as_service_role();

select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:00:00+00')$$,
  $$values (true, 2, 3, '2026-01-01 10:01:00+00'::timestamptz, 0)$$,
  'the first request is admitted, leaves limit - 1, and opens a window ending p_window_seconds later');
select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:00:10+00')$$,
  $$values (true, 1, 3, '2026-01-01 10:01:00+00'::timestamptz, 0)$$,
  'a second request in the window counts down remaining and keeps the window''s end');
select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:00:20+00')$$,
  $$values (true, 0, 3, '2026-01-01 10:01:00+00'::timestamptz, 0)$$,
  'the request that reaches the limit is still admitted, with nothing remaining');
select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:00:30.2+00')$$,
  $$values (false, 0, 3, '2026-01-01 10:01:00+00'::timestamptz, 30)$$,
  'past the limit a request is refused, and retry_after_seconds is the rest of the window rounded up');
select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:00:59.9+00')$$,
  $$values (false, 0, 3, '2026-01-01 10:01:00+00'::timestamptz, 1)$$,
  'retry_after_seconds is never below one second while refused');
select results_eq($$select * from public.check_rate_limit('conv:b', 3, 60, '2026-01-01 10:00:30+00')$$,
  $$values (true, 2, 3, '2026-01-01 10:01:30+00'::timestamptz, 0)$$,
  'each key has its own window');
select results_eq($$select * from public.check_rate_limit('conv:a', 3, 60, '2026-01-01 10:01:00+00')$$,
  $$values (true, 2, 3, '2026-01-01 10:02:00+00'::timestamptz, 0)$$,
  'when the window ends the count starts again, refused requests included, and a new window opens');
select is((select hits from private.rate_limits where key = 'conv:a'), 1,
  'a key keeps a single row, reused from window to window');

select results_eq($$select * from public.peek_rate_limit('conv:a', 3, 60, '2026-01-01 10:01:05+00')$$,
  $$values (true, 2, 3, '2026-01-01 10:02:00+00'::timestamptz, 0)$$,
  'peek reports the current allowance');
select results_eq($$select * from public.peek_rate_limit('conv:a', 3, 60, '2026-01-01 10:01:05+00')$$,
  $$values (true, 2, 3, '2026-01-01 10:02:00+00'::timestamptz, 0)$$,
  'and does not consume it');
select results_eq($$select * from public.peek_rate_limit('conv:new', 3, 60, '2026-01-01 10:01:05+00')$$,
  $$values (true, 3, 3, '2026-01-01 10:02:05+00'::timestamptz, 0)$$,
  'peek on an unknown key reports a full allowance and stores nothing');
select is_empty($$select 1 from private.rate_limits where key = 'conv:new'$$, 'peek never creates a row');
select results_eq($$select allowed, remaining, retry_after_seconds from public.check_rate_limit('conv:c', 1, 10, '2026-01-01 10:00:00+00')$$,
  $$values (true, 0, 0)$$, 'a limit of one admits one request');
select results_eq($$select allowed, remaining, retry_after_seconds from public.peek_rate_limit('conv:c', 1, 10, '2026-01-01 10:00:04+00')$$,
  $$values (false, 0, 6)$$, 'peek on an exhausted key says the next request would be refused and when to retry');
select results_eq($$select * from public.check_rate_limit('conv:a', 1, 60, '2026-01-01 10:01:10+00')$$,
  $$values (false, 0, 1, '2026-01-01 10:02:00+00'::timestamptz, 50)$$,
  'a lower limit passed for a running window applies at once');

select results_eq($$select allowed, remaining, "limit" from public.check_rate_limit('conv:defaults')$$,
  $$values (true, 9, 10)$$, 'by default a key gets 10 requests per window');
select tests.reset_role();
select tests.create_company('tenant-a', tests.create_user('owner@tenant-a.test')) as company_a \gset
update public.company_rag_configs set rate_limit_messages = 5, rate_limit_window_seconds = 30 where company_id = 'tenant-a';
select tests.act_as_service_role();
select results_eq(
  format($$select (s ->> 'rate_limit_messages')::int, (s ->> 'rate_limit_window_seconds')::int, (s ->> 'visitor_turns_per_minute')::int
    from private.chat_settings(%L, '{"rate_limit_messages": 10, "rate_limit_window_seconds": 60, "visitor_turns_per_minute": 20,
      "address_turns_per_minute": 60, "company_turns_per_minute": 600, "company_tokens_per_day": 1000}') as s$$, :'company_a'),
  $$values (5, 30, 20)$$,
  'a company''s configured limits override the functions'' defaults; what it leaves null keeps the default');

select * from finish();
rollback;
