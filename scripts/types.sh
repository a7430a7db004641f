#!/usr/bin/env bash
# `npm run types`: generates types/database.ts in supabase-js's `Database` format with the
# generator the Supabase CLI uses (@supabase/postgres-meta), from a throw-away cluster that has
# exactly the migrations applied. A test in `npm test` fails when the committed file is stale.
source "$(dirname "$0")/local/common.sh"
bash "$ROOT/scripts/local/install.sh"

work="$(mktemp -d /tmp/comptoir-types.XXXXXX)"
chmod 755 "$work"
export COMPTOIR_DATA_DIR="$work/db" COMPTOIR_DB_FSYNC=off
COMPTOIR_DB_PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export COMPTOIR_DB_PORT
trap 'bash "$ROOT/scripts/local/db.sh" stop >/dev/null 2>&1; rm -rf "$work"' EXIT
bash "$ROOT/scripts/local/db.sh" start >/dev/null 2>&1
bash "$ROOT/scripts/local/migrate.sh" >/dev/null

node "$ROOT/scripts/gen_types.mjs" "$(db_url "$COMPTOIR_DB_PORT")" > "$work/database.ts"
mv "$work/database.ts" "$ROOT/types/database.ts"
log "wrote types/database.ts"
