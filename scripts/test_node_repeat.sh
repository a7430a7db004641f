#!/usr/bin/env bash
# `npm run test:node-repeat -- [N]`: the Node suite (supabase-js as a frontend uses it) N times in
# a row (default 20) against one throw-away stack, as `npm test` starts it, to catch what only
# fails on a later run (state a demo leaves, a clock's digits). Long Realtime checks on the first
# run only. Prints one line a run and `node suite green K/N`; a failing run's TAP log is kept in
# the printed path. Exits non-zero unless every run is green. COMPTOIR_PROFILE=hosted runs it
# with the hosted keys (default local).
source "$(dirname "$0")/local/common.sh"
set +e
runs="${1:-20}"
bash "$ROOT/scripts/local/install.sh" >/dev/null || die "install failed"
use_throwaway_cluster node-repeat
export COMPTOIR_DB_FSYNC=off COMPTOIR_PROFILE="${COMPTOIR_PROFILE:-local}"
COMPTOIR_API_PORT="$(free_port)"
export COMPTOIR_API_PORT
source "$ROOT/scripts/local/functions_env.sh"
unset OPENROUTER_API_KEY OPENAI_API_KEY COHERE_API_KEY GROQ_API_KEY DEEPSEEK_API_KEY
kept="$(mktemp -d /tmp/comptoir-node-repeat-logs.XXXXXX)"
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; drop_throwaway_cluster' EXIT
bash "$ROOT/scripts/local/db.sh" start >/dev/null || die "PostgreSQL did not start"
bash "$ROOT/scripts/local/migrate.sh" --seed >/dev/null || die "migrations failed"
COMPTOIR_QUIET=1 "$DENO" run -A --unstable-no-legacy-abort "$ROOT/scripts/local/serve.ts" >"$kept/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/health" && break
  sleep 0.2
done
green=0
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  (cd "$ROOT" && COMPTOIR_LONG_TESTS=$([ "$i" = 1 ] && echo 1 || echo 0) \
    node --test --test-concurrency=4 --test-reporter=tap tests/node/) >"$kept/node-$i.log" 2>&1
  rc=$?
  pass=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$kept/node-$i.log" | tail -n 1)
  fail=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$kept/node-$i.log" | tail -n 1)
  echo "run $i: ${pass:-0} passed, ${fail:-?} failed ($(($(date +%s) - started)) s)"
  if [ "$rc" = 0 ]; then green=$((green + 1)); rm -f "$kept/node-$i.log"
  else grep -E '^not ok' "$kept/node-$i.log"; echo "  log: $kept/node-$i.log"; fi
done
echo "node suite green $green/$runs"
[ "$green" = "$runs" ] && rm -rf "$kept"
[ "$green" = "$runs" ]
