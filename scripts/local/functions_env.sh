# The environment edge functions get from Supabase, pointed at the local stack (sourced).
# A `.env` file at the repository root (provider keys, model names) is read first if present.
if [ "${COMPTOIR_READ_DOTENV:-1}" = 1 ] && [ -f "$ROOT/.env" ]; then set -a; . "$ROOT/.env"; set +a; fi
export SUPABASE_DB_URL="$(db_url "$COMPTOIR_DB_PORT")"
export SUPABASE_URL="http://127.0.0.1:$COMPTOIR_API_PORT"
export COMPTOIR_API_PORT
