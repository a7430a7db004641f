#!/usr/bin/env bash
# `npm start`: installs what is missing, starts PostgreSQL on 127.0.0.1:54322, applies the
# platform shim, the migrations and the seed, then serves the edge functions at
# http://127.0.0.1:54321/functions/v1/<name> in the foreground. Ctrl-C stops everything;
# the data stays in .local/db for the next start. Once serving, it writes the stack's address,
# database URL and keys to .local/stack.json (beside $COMPTOIR_DATA_DIR), which the demos, tenant
# and ingest read to find this stack; the file is removed when it stops.
source "$(dirname "$0")/local/common.sh"
source "$ROOT/scripts/local/functions_env.sh"

bash "$ROOT/scripts/local/install.sh"
# With pg_cron's jobs running on their schedules, as deployed (holds and payment intents expire,
# large tenants are promoted): see db.sh.
COMPTOIR_CRON=1 bash "$ROOT/scripts/local/db.sh" start
stop_all() {
  trap - EXIT INT TERM
  if [ -n "${server_pid:-}" ]; then
    COMPTOIR_DATA_DIR="$COMPTOIR_DATA_DIR" node "$ROOT/scripts/stack.mjs" remove "$server_pid" || true
    kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
  fi
  bash "$ROOT/scripts/local/db.sh" stop
}
trap stop_all EXIT
trap 'exit 130' INT TERM
bash "$ROOT/scripts/local/migrate.sh" --seed
# The demo tenant's knowledge base, through the same path as `npm run ingest` (idempotent:
# unchanged chunks cost nothing, so every start runs it).
(cd "$ROOT" && "$DENO" run -A scripts/ingest.ts --company agence-des-copines knowledge/demo) ||
  log "demo knowledge base not ingested; retry with: npm run ingest -- --company agence-des-copines knowledge/demo"
(cd "$ROOT" && "$DENO" run -A scripts/ingest.ts --company boutique-awa knowledge/boutique-awa) ||
  log "Boutique Awa's knowledge base not ingested; retry with: npm run ingest -- --company boutique-awa knowledge/boutique-awa"

cat <<STATUS

          API URL: $SUPABASE_URL
    Functions URL: $SUPABASE_URL/functions/v1/<name>
         REST URL: $SUPABASE_URL/rest/v1 (PostgREST 12.0.2: supabase.from(), .rpc())
     Realtime URL: ${SUPABASE_URL/http/ws}/realtime/v1/websocket (postgres_changes; a stand-in)
      Storage URL: $SUPABASE_URL/storage/v1 (supabase.storage; a stand-in, files in $COMPTOIR_STORAGE_DIR)
         JWKS URL: $SUPABASE_URL/auth/v1/.well-known/jwks.json (sessions: ES256, kid $(node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1])).kid)" "$COMPTOIR_SIGNING_KEY_FILE"))
           DB URL: $SUPABASE_DB_URL
  Publishable key: $COMPTOIR_PUBLISHABLE_KEY
       Secret key: $COMPTOIR_SECRET_KEY
STATUS
if [ "$COMPTOIR_PROFILE" = local ]; then cat <<STATUS
Legacy JWT secret: $SUPABASE_JWT_SECRET
  Legacy anon key: $SUPABASE_ANON_KEY
Legacy service_role key: $SUPABASE_SERVICE_ROLE_KEY
STATUS
fi
cat <<STATUS

Try:  curl -s $SUPABASE_URL/functions/v1/health
      curl -s "$SUPABASE_URL/functions/v1/rate-limit?company_id=agence-des-copines&conversation_id=c1&user_id=v1" -H "apikey: $COMPTOIR_PUBLISHABLE_KEY"
      node examples/frontend.mjs   (the seeds' frontend calls and a live feed, supabase-js only)
      ${SUPABASE_URL/127.0.0.1/localhost}/_local/examples/browser/   (the same in a browser)
      (\`npm run token -- owner@agence-des-copines.test\` mints a user's session JWT)

STATUS

# Something else already answering there (another checkout's stack) would be taken for this one.
if curl -s -o /dev/null --max-time 2 "$SUPABASE_URL/functions/v1/health"; then
  die "port $COMPTOIR_API_PORT is taken: something already answers at $SUPABASE_URL (another npm start?); stop it or set COMPTOIR_API_PORT"
fi
COMPTOIR_CRON=1 "$DENO" run -A --unstable-no-legacy-abort "$ROOT/scripts/local/serve.ts" &
server_pid=$!
serving=0
for _ in $(seq 1 600); do
  if curl -s -o /dev/null --max-time 2 "$SUPABASE_URL/functions/v1/health"; then serving=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
if [ "$serving" = 1 ] && kill -0 "$server_pid" 2>/dev/null; then
  COMPTOIR_DATA_DIR="$COMPTOIR_DATA_DIR" node "$ROOT/scripts/stack.mjs" write "$SUPABASE_URL" "$SUPABASE_DB_URL" "$server_pid"
  log "the demos, tenant and ingest of this checkout find this stack in $(dirname "$COMPTOIR_DATA_DIR")/stack.json"
elif kill -0 "$server_pid" 2>/dev/null; then
  log "the functions did not answer within 2 minutes: $(dirname "$COMPTOIR_DATA_DIR")/stack.json not written, the scripts will not find this stack"
fi
wait "$server_pid"
