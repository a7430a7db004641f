#!/usr/bin/env bash
# The local PostgreSQL cluster: `db.sh start` creates it on first use (as the postgres user,
# since initdb refuses root) and starts it on $COMPTOIR_DB_PORT; `db.sh stop` stops it.
# The data directory is $COMPTOIR_DATA_DIR, so tests can run a throw-away cluster beside the demo one.
source "$(dirname "$0")/common.sh"

init_cluster() {
  log "creating a PostgreSQL 15 cluster in $COMPTOIR_DATA_DIR"
  mkdir -p "$COMPTOIR_DATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$COMPTOIR_DATA_DIR"
  chmod 700 "$COMPTOIR_DATA_DIR"
  local pwfile; pwfile="$(mktemp)"; echo postgres > "$pwfile"; chmod 644 "$pwfile"
  as_pg "$PG_BIN/initdb" -D "$COMPTOIR_DATA_DIR" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  # pg_cron must be preloaded and told which database holds its jobs, as on Supabase.
  as_pg tee -a "$COMPTOIR_DATA_DIR/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
max_connections = 200
log_min_messages = warning
log_line_prefix = '%m [%p] '
wal_level = logical
fsync = ${COMPTOIR_DB_FSYNC:-on}
CONF
}

# The Realtime stand-in reads changes from a wal2json slot: PostgreSQL 15.19 and later only let
# listed output plugins be used (older servers do not know the setting). Added to clusters made
# before it was needed too.
allow_wal2json() {
  local conf="$COMPTOIR_DATA_DIR/postgresql.conf"
  grep -q '^output_plugin_libraries' "$conf" && return
  local settings; settings="$("$PG_BIN/postgres" --describe-config 2>/dev/null)"
  grep -q '^output_plugin_libraries' <<<"$settings" || return 0
  echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'" | as_pg tee -a "$conf" >/dev/null
}

start() {
  [ -f "$COMPTOIR_DATA_DIR/PG_VERSION" ] || init_cluster
  allow_wal2json
  if as_pg "$PG_BIN/pg_ctl" -D "$COMPTOIR_DATA_DIR" status >/dev/null 2>&1; then
    log "PostgreSQL already running in $COMPTOIR_DATA_DIR"
    return
  fi
  # `npm start` (COMPTOIR_CRON=1): pg_cron runs its jobs in background workers, as the schedules
  # run on a deployed project. Its default, a libpq connection to localhost, cannot log in here
  # (no Unix socket; TCP logins need a password). The tests call each job themselves instead.
  local options="-p $COMPTOIR_DB_PORT"
  if [ "${COMPTOIR_CRON:-0}" = 1 ]; then
    options+=" -c cron.use_background_workers=on -c max_worker_processes=16"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$COMPTOIR_DATA_DIR" -l "$COMPTOIR_DATA_DIR/server.log" -w -t 30 \
    -o "$options" start >/dev/null || { tail -n 20 "$COMPTOIR_DATA_DIR/server.log" >&2; die "PostgreSQL did not start (log above)"; }
  log "PostgreSQL listening on 127.0.0.1:$COMPTOIR_DB_PORT"
}

stop() {
  if [ -f "$COMPTOIR_DATA_DIR/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$COMPTOIR_DATA_DIR" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$COMPTOIR_DATA_DIR" -m fast -w stop >/dev/null
    log "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: db.sh start|stop" ;;
esac
