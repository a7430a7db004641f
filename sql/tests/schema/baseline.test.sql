-- The database is built like a project created today: the platform shim provides only what a
-- new project has (uuid-ossp and pgcrypto, no default grants, no database-wide search_path),
-- so whatever else Comptoir needs, the migrations enabled themselves.
begin;
select plan(5);

select set_eq(
  $$select extname::text from pg_catalog.pg_extension where extname <> 'pgtap'$$,
  $$values ('plpgsql'), ('uuid-ossp'), ('pgcrypto'), ('vector'), ('pg_trgm'), ('unaccent'), ('btree_gin'), ('pg_cron')$$,
  'the extensions are the platform''s two and those the migrations enable'
);
select is(
  (select extnamespace::regnamespace::text from pg_catalog.pg_extension where extname = 'pg_cron'),
  'pg_catalog',
  'pg_cron is enabled in pg_catalog, as Supabase documents'
);
select set_eq(
  $$select jobname::text, schedule::text from cron.job$$,
  $$values ('comptoir-promote-large-tenants', '* * * * *'), ('comptoir-rate-limit-cleanup', '*/5 * * * *'),
    ('comptoir-token-usage-cleanup', '17 3 * * *'), ('comptoir-botlive-expire-holds', '* * * * *'),
    ('comptoir-payment-expire-intents', '* * * * *')$$,
  'the migrations scheduled their jobs (HNSW promotion, rate-limit and token-usage sweeps, holds and checkouts expiring)'
);
select is_empty(
  $$select 1 from pg_catalog.pg_db_role_setting s
    where s.setrole = 0 and s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
      and exists (select 1 from unnest(s.setconfig) c where c like 'search\_path=%')$$,
  'no database-wide search_path: SQL that needs extensions names their schema'
);
select is_empty(
  $$select d.defaclobjtype, a.grantee::regrole::text
    from pg_catalog.pg_default_acl d, aclexplode(d.defaclacl) a
    where a.grantee::regrole::text in ('anon', 'authenticated', 'service_role')$$,
  'no default privilege gives the API roles anything: every grant is explicit'
);

select * from finish();
rollback;
