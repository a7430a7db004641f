#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every suite against a throw-away cluster
# (never the `npm start` data): pgTAP through pg_prove, then the Deno tests (unit tests and
# end-to-end tests through a functions server started on that cluster). Exits non-zero on
# any failure and ends with one line: `tests: N passed, M failed`.
# Extra arguments are passed to `deno test` (e.g. `npm test -- --filter health`). The functions'
# suites run once per profile (local, then hosted: see below).
source "$(dirname "$0")/local/common.sh"

bash "$ROOT/scripts/local/install.sh"

use_throwaway_cluster test
export COMPTOIR_DB_FSYNC=off
COMPTOIR_API_PORT="$(free_port)"
export COMPTOIR_API_PORT
source "$ROOT/scripts/local/functions_env.sh"
# No provider keys leak in from the caller's environment: tests set the ones they need.
unset OPENROUTER_API_KEY OPENAI_API_KEY COHERE_API_KEY GROQ_API_KEY DEEPSEEK_API_KEY

cleanup() {
  drop_throwaway_cluster
}
trap cleanup EXIT

bash "$ROOT/scripts/local/db.sh" start
bash "$ROOT/scripts/local/migrate.sh" --seed >/dev/null

passed=0
failed=0

# pgTAP: helpers installed once, then every *.test.sql file in its own session.
pg_sql -c 'create extension if not exists pgtap with schema extensions'
pg_sql -f "$ROOT/sql/tests/00_helpers.sql"
mapfile -t sql_tests < <(cd "$ROOT" && find sql/tests -name '*.test.sql' | sort)
if [ "${#sql_tests[@]}" -gt 0 ]; then
  log "pgTAP: ${#sql_tests[@]} files"
  set +e
  (cd "$ROOT" && PGPASSWORD=postgres PGOPTIONS="-c client_min_messages=warning" pg_prove -v \
    -h 127.0.0.1 -p "$COMPTOIR_DB_PORT" -U postgres -d postgres "${sql_tests[@]}") >"$work/pgtap.log" 2>&1
  prove_rc=$?
  set -e
  ok=$(grep -cE '^ok [0-9]+' "$work/pgtap.log" || true)
  not_ok=$(grep -cE '^not ok [0-9]+' "$work/pgtap.log" || true)
  grep -E '^not ok|^# |Failed|Dubious|ERROR|Parse errors' "$work/pgtap.log" | head -n 60 >&2 || true
  tail -n 3 "$work/pgtap.log" >&2
  if [ "$prove_rc" -ne 0 ] && [ "$not_ok" -eq 0 ]; then not_ok=1; fi
  passed=$((passed + ok)); failed=$((failed + not_ok))
  log "pgTAP: $ok passed, $not_ok failed"
fi

# The functions server on the throw-away cluster, then the Deno and Node tests against it, once
# per profile: `local` (the new keys beside the legacy JWT keys and secret, as the Supabase CLI
# has them) and `hosted` (a project created today: publishable / secret keys and the ES256
# signing key only). COMPTOIR_PROFILES=hosted (npm run test:hosted) runs just one.
run_functions_suites() {
  local profile="$1"
  (
    export COMPTOIR_PROFILE="$profile"
    source "$ROOT/scripts/local/functions_env.sh"
    # Its output in a file: the functions' expected error lines (tests provoke failures) stay out
    # of the run's output, and what went wrong is printed below when something did.
    serve_log="$work/serve-$profile.log"
    COMPTOIR_QUIET=1 "$DENO" run -A --unstable-no-legacy-abort "$ROOT/scripts/local/serve.ts" >"$serve_log" 2>&1 &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
    for _ in $(seq 1 150); do
      curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/health" && break
      kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$serve_log" >&2; die "functions server exited during start-up"; }
      sleep 0.2
    done

    log "Deno tests (profile $profile)"
    set +e
    (cd "$ROOT" && NO_COLOR=1 "$DENO" test -A --no-prompt "${deno_args[@]}") 2>&1 | tee "$work/deno-$profile.log"
    deno_rc=${PIPESTATUS[0]}
    set -e
    summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$work/deno-$profile.log" | tail -n 1)"
    d_ok=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")
    d_failed=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")
    d_ok=${d_ok:-0}; d_failed=${d_failed:-0}
    if [ "$deno_rc" -ne 0 ] && [ "$d_failed" -eq 0 ]; then d_failed=1; fi

    log "Node tests (supabase-js as a frontend uses it; profile $profile)"
    set +e
    # Files in parallel (the realtime suite's minute-long heartbeat checks overlap the rest);
    # those checks run on the first profile only (COMPTOIR_LONG_TESTS: they do not depend on keys).
    (cd "$ROOT" && COMPTOIR_LONG_TESTS="$long_tests" node --test --test-concurrency=4 --test-reporter=tap tests/node/) \
      >"$work/node-$profile.log" 2>&1
    node_rc=$?
    set -e
    n_ok=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$work/node-$profile.log" | tail -n 1)
    n_failed=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$work/node-$profile.log" | tail -n 1)
    n_ok=${n_ok:-0}; n_failed=${n_failed:-0}
    # Each failure with its message (node's TAP puts a multi-line error below its `not ok`).
    [ "$n_failed" -eq 0 ] || grep -E -A 40 '^not ok' "$work/node-$profile.log" | grep -vE '^\s+(at |\.\.\.$)' | head -n 200 >&2 || true
    if [ "$node_rc" -ne 0 ] && [ "$n_failed" -eq 0 ]; then n_failed=1; fi
    # A server that died under the suites fails the run and says how; errors nobody caught (the
    # server logs them and keeps serving, as the platform starts a new worker) are shown too.
    if ! kill -0 "$server_pid" 2>/dev/null; then
      server_rc=0
      wait "$server_pid" || server_rc=$?
      log "the functions server died during the tests (exit status $server_rc); the end of its output:"
      tail -n 60 "$serve_log" >&2
      n_failed=$((n_failed + 1))
    else
      grep -A 12 -E '^serve: an error nobody caught|panicked' "$serve_log" | head -n 80 >&2 || true
      if [ $((d_failed + n_failed)) -gt 0 ]; then
        log "the end of the functions server's output:"
        tail -n 30 "$serve_log" >&2
      fi
    fi
    log "profile $profile: Deno $d_ok passed, $d_failed failed; Node $n_ok passed, $n_failed failed"
    # What failed, again at the end of the run (where a long log's tail shows it).
    {
      if [ -n "${server_rc:-}" ]; then echo "the functions server ($profile) died, exit status $server_rc"; fi
      grep -E '^\s*not ok' "$work/node-$profile.log" | sed -E "s/^\s*/Node ($profile): /" || true
      grep -E '^[^ ].* \.\.\. FAILED' "$work/deno-$profile.log" | sed -E "s/^/Deno ($profile): /" || true
    } >"$work/failures-$profile"
    echo "$((d_ok + n_ok)) $((d_failed + n_failed))" > "$work/counts-$profile"
  )
}

deno_args=("$@")
read -r -a profiles <<<"${COMPTOIR_PROFILES:-local hosted}"
long_tests=1
for profile in "${profiles[@]}"; do
  run_functions_suites "$profile" || true
  long_tests=0
  read -r ok not_ok < "$work/counts-$profile" 2>/dev/null || { ok=0; not_ok=1; }
  passed=$((passed + ok)); failed=$((failed + not_ok))
done

if [ "$failed" -gt 0 ]; then
  log "what failed:"
  cat "$work"/failures-* 2>/dev/null | head -n 60 >&2 || true
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
