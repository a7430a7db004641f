#!/usr/bin/env bash
# Applies the platform shim, then supabase/migrations/*.sql in order like `supabase db push`:
# each file in its own transaction, recorded in supabase_migrations.schema_migrations, so a
# re-run applies only new files. A failing file stops the run with its name and the Postgres
# error, and its transaction leaves the database as it was before that file.
# With --seed, supabase/seed.sql follows (on every run, so it must be idempotent).
source "$(dirname "$0")/common.sh"

pg_sql -f "$ROOT/scripts/local/platform_shim.sql"
pg_sql -c "create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);"

applied="$(pg_sql -At -c 'select version from supabase_migrations.schema_migrations')"
count=0
shopt -s nullglob
for file in "${COMPTOIR_MIGRATIONS_DIR:-$ROOT/supabase/migrations}"/*.sql; do
  base="$(basename "$file" .sql)"
  version="${base%%_*}"
  name="${base#*_}"
  [[ "$version" =~ ^[0-9]+$ ]] || die "migration $base: the file name must start with a numeric version (YYYYMMDDHHMMSS_name.sql)"
  grep -qx "$version" <<<"$applied" && continue
  if ! pg_sql -1 -f "$file" \
      -c "insert into supabase_migrations.schema_migrations (version, name) values ('$version', '$name')"; then
    die "migration failed: $base.sql (rolled back; nothing of it was applied)"
  fi
  log "applied migration $base"
  count=$((count + 1))
done
[ "$count" -gt 0 ] || log "migrations up to date"
# A running PostgREST reloads its schema cache (as `supabase db push` makes the platform's do).
pg_sql -c "notify pgrst, 'reload schema'"

if [ "${1:-}" = "--seed" ] && [ -f "$ROOT/supabase/seed.sql" ]; then
  pg_sql -1 -f "$ROOT/supabase/seed.sql" || die "seed failed: supabase/seed.sql"
  log "seeded supabase/seed.sql"
fi
