# Shared settings for the local stack scripts (sourced, not run).
# Ports, credentials and keys are the Supabase CLI's well-known local defaults, so that
# snippets written for `supabase start` work unchanged against this stack.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="/usr/lib/postgresql/15/bin"
DENO="$ROOT/node_modules/.bin/deno"
# package.json is for npm (Deno itself, postgres-meta, the Node tests); Deno resolves only deno.json.
export DENO_NO_PACKAGE_JSON=1

: "${COMPTOIR_DB_PORT:=54322}"
: "${COMPTOIR_API_PORT:=54321}"
: "${COMPTOIR_DATA_DIR:=$ROOT/.local/db}"

# The API keys a project created today has (the CLI's local defaults), and the legacy JWT keys
# and secret that older projects still use. COMPTOIR_PROFILE=hosted drops the legacy ones
# (scripts/local/functions_env.sh), as on a project created without them.
export COMPTOIR_PUBLISHABLE_KEY="${COMPTOIR_PUBLISHABLE_KEY:-sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH}"
export COMPTOIR_SECRET_KEY="${COMPTOIR_SECRET_KEY:-sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz}"
export SUPABASE_JWT_SECRET="${SUPABASE_JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}"
export SUPABASE_ANON_KEY="${SUPABASE_ANON_KEY:-eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0}"
export SUPABASE_SERVICE_ROLE_KEY="${SUPABASE_SERVICE_ROLE_KEY:-eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU}"
: "${COMPTOIR_PROFILE:=local}"

log() { printf '\033[36m[comptoir]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[comptoir] %s\033[0m\n' "$*" >&2; exit 1; }

# Runs a command as the cluster's owner: initdb refuses root, so root uses the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

db_url() { echo "postgresql://postgres:postgres@127.0.0.1:${1:-$COMPTOIR_DB_PORT}/postgres"; }

# psql against the local cluster as the superuser; ON_ERROR_STOP so a failing statement fails the caller.
pg_sql() { PGPASSWORD=postgres PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$COMPTOIR_DB_PORT" -U postgres -d "${COMPTOIR_DB_NAME:-postgres}" "$@"; }

# A free TCP port on 127.0.0.1.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Points the db scripts at a throw-away cluster in a new folder /tmp/comptoir-<what>.*, on a free
# port, never the `npm start` data; sets $work. The caller's EXIT trap calls drop_throwaway_cluster.
use_throwaway_cluster() {
  work="$(mktemp -d "/tmp/comptoir-$1.XXXXXX")"
  chmod 755 "$work"
  COMPTOIR_DB_PORT="$(free_port)"
  export COMPTOIR_DATA_DIR="$work/db" COMPTOIR_READ_DOTENV=0 COMPTOIR_DB_PORT
}
drop_throwaway_cluster() {
  bash "$ROOT/scripts/local/db.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
