#!/usr/bin/env bash
# `npm run bench`: every benchmark on a throw-away cluster (never the `npm start` data).
# Each writes bench/results/<name>.json and prints a summary; the README quotes them.
# `npm run bench -- retrieval ingest` runs only those.
source "$(dirname "$0")/local/common.sh"
bash "$ROOT/scripts/local/install.sh"

use_throwaway_cluster bench
trap drop_throwaway_cluster EXIT
bash "$ROOT/scripts/local/db.sh" start
bash "$ROOT/scripts/local/migrate.sh" --seed >/dev/null
# Room for building a 100k-vector HNSW index in the benchmark.
pg_sql -c "alter system set maintenance_work_mem = '2GB'" -c "alter system set shared_buffers = '2GB'" >/dev/null
bash "$ROOT/scripts/local/db.sh" stop && bash "$ROOT/scripts/local/db.sh" start

mkdir -p "$ROOT/bench/results"
url="$(db_url "$COMPTOIR_DB_PORT")"
# The platform benchmark starts the local stack (gateway, PostgREST, Realtime) on a free port.
COMPTOIR_API_PORT="$(free_port)"
export COMPTOIR_API_PORT
source "$ROOT/scripts/local/functions_env.sh"
unset OPENROUTER_API_KEY OPENAI_API_KEY COHERE_API_KEY GROQ_API_KEY DEEPSEEK_API_KEY
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=(ingest ingest_queue retrieval rate_limit chat limits platform botlive cart assistant channels storage extract files analytics)
for name in "${wanted[@]}"; do
  script="$ROOT/scripts/bench/$name.ts"
  [ -f "$script" ] || die "no benchmark scripts/bench/$name.ts"
  log "bench: $name"
  (cd "$ROOT" && "$DENO" run -A "$script" --db "$url" --out "bench/results/$name.json")
done
log "results in bench/results/"
