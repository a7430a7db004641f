-- check_rate_limit and peek_rate_limit reject unusable arguments with stable errors, are
-- for the service role only, and expired windows are swept by a pg_cron job.
begin;
select plan(13);

select tests.act_as_service_role();
select throws_ok($$select * from public.check_rate_limit('')$$, '22023', 'rate limit key must not be empty',
  'an empty key raises 22023');
select throws_ok($$select * from public.check_rate_limit('   ')$$, '22023', 'rate limit key must not be empty',
  'a blank key raises 22023');
select throws_ok($$select * from public.check_rate_limit(null)$$, '22023', 'rate limit key must not be empty',
  'a null key raises 22023');
select throws_ok(format('select * from public.check_rate_limit(%L)', repeat('k', 513)), '22023',
  'rate limit key must not exceed 512 characters', 'a key longer than 512 characters raises 22023');
select throws_ok($$select * from public.check_rate_limit('k', 0)$$, '22023', 'rate limit max_requests must be at least 1',
  'a limit below one raises 22023');
select throws_ok($$select * from public.check_rate_limit('k', 10, 0)$$, '22023', 'rate limit window_seconds must be at least 1',
  'a window below one second raises 22023');
select throws_ok($$select * from public.peek_rate_limit('', 10, 60)$$, '22023', 'rate limit key must not be empty',
  'peek validates its arguments the same way');
select throws_ok($$select * from public.peek_rate_limit('k', 10, -5)$$, '22023', 'rate limit window_seconds must be at least 1',
  'peek rejects a window below one second');

select tests.act_as_anon();
select throws_ok($$select * from public.check_rate_limit('k')$$, '42501', null, 'anon cannot execute check_rate_limit');
select throws_ok($$select * from public.peek_rate_limit('k')$$, '42501', null, 'anon cannot execute peek_rate_limit');

select tests.act_as(tests.create_user('someone@tenant-a.test'));
select throws_ok($$select * from public.check_rate_limit('k')$$, '42501', null,
  'authenticated cannot execute check_rate_limit (a user could reset or exhaust a visitor''s allowance)');
select throws_ok($$select * from private.rate_limits$$, '42501', null, 'authenticated cannot read the counters');

select tests.reset_role();
select results_eq($$select schedule, command from cron.job where jobname = 'comptoir-rate-limit-cleanup'$$,
  $$values ('*/5 * * * *', 'delete from private.rate_limits where expires_at < now()')$$,
  'a pg_cron job sweeps expired windows every five minutes');

select * from finish();
rollback;
