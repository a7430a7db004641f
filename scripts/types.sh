#!/usr/bin/env bash
# `npm run types`: generates types/database.ts in supabase-js's `Database` format with the
# generator the Supabase CLI uses (@supabase/postgres-meta), from a throw-away cluster that has
# exactly the migrations applied. A test in `npm test` fails when the committed file is stale.
source "$(dirname "$0")/local/common.sh"
bash "$ROOT/scripts/local/install.sh"

use_throwaway_cluster types
export COMPTOIR_DB_FSYNC=off
trap drop_throwaway_cluster EXIT
bash "$ROOT/scripts/local/db.sh" start >/dev/null 2>&1
bash "$ROOT/scripts/local/migrate.sh" >/dev/null

node "$ROOT/scripts/gen_types.mjs" "$(db_url "$COMPTOIR_DB_PORT")" > "$work/database.ts"
mv "$work/database.ts" "$ROOT/types/database.ts"
log "wrote types/database.ts"
