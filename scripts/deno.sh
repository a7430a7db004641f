#!/usr/bin/env bash
# Runs the project's pinned Deno (installing it first if needed) with the local stack's environment.
source "$(dirname "$0")/local/common.sh"
[ -x "$DENO" ] || bash "$ROOT/scripts/local/install.sh"
source "$ROOT/scripts/local/functions_env.sh"
cd "$ROOT" && exec "$DENO" "$@"
