#!/usr/bin/env bash
# `npm start`: installs what is missing, starts PostgreSQL on 127.0.0.1:54322, applies the
# platform shim, the migrations and the seed, then serves the edge functions at
# http://127.0.0.1:54321/functions/v1/<name> in the foreground. Ctrl-C stops everything;
# the data stays in .local/db for the next start.
source "$(dirname "$0")/local/common.sh"
source "$ROOT/scripts/local/functions_env.sh"

bash "$ROOT/scripts/local/install.sh"
bash "$ROOT/scripts/local/db.sh" start
stop_all() {
  trap - EXIT INT TERM
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  bash "$ROOT/scripts/local/db.sh" stop
}
trap stop_all EXIT
trap 'exit 130' INT TERM
bash "$ROOT/scripts/local/migrate.sh" --seed
# The demo tenant's knowledge base, through the same path as `npm run ingest` (idempotent:
# unchanged chunks cost nothing, so every start runs it).
(cd "$ROOT" && "$DENO" run -A scripts/ingest.ts --company agence-des-copines knowledge/demo) ||
  log "demo knowledge base not ingested; retry with: npm run ingest -- --company agence-des-copines knowledge/demo"

cat <<STATUS

         API URL: $SUPABASE_URL
   Functions URL: $SUPABASE_URL/functions/v1/<name>
          DB URL: $SUPABASE_DB_URL
      JWT secret: $SUPABASE_JWT_SECRET
        anon key: $SUPABASE_ANON_KEY
service_role key: $SUPABASE_SERVICE_ROLE_KEY

Try:  curl -s $SUPABASE_URL/functions/v1/health -H "Authorization: Bearer \$ANON_KEY"
      (ANON_KEY is the anon key above; \`npm run token -- owner@agence-des-copines.test\` mints a user's JWT)

STATUS

"$DENO" run -A --unstable-no-legacy-abort "$ROOT/scripts/local/serve.ts" &
server_pid=$!
wait "$server_pid"
