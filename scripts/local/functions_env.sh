# The environment edge functions get from Supabase, pointed at the local stack (sourced): the
# URLs, the API keys as named-key JSON, the project's JWKS (the stack's own ES256 signing key,
# made once per data directory), and on the default profile the legacy keys and secret too.
# A `.env` file at the repository root (provider keys, model names) is read first if present.
if [ "${COMPTOIR_READ_DOTENV:-1}" = 1 ] && [ -f "$ROOT/.env" ]; then set -a; . "$ROOT/.env"; set +a; fi
export SUPABASE_DB_URL="$(db_url "$COMPTOIR_DB_PORT")"
export SUPABASE_URL="http://127.0.0.1:$COMPTOIR_API_PORT"
export COMPTOIR_API_PORT
export SUPABASE_PUBLISHABLE_KEYS="{\"default\":\"$COMPTOIR_PUBLISHABLE_KEY\"}"
export SUPABASE_SECRET_KEYS="{\"default\":\"$COMPTOIR_SECRET_KEY\"}"
# The channels' Graph API: the stack's stand-in (scripts/local/graph.ts) unless you set Meta's.
export META_GRAPH_URL="${META_GRAPH_URL:-http://127.0.0.1:$COMPTOIR_API_PORT/_local/graph/v21.0}"
# The payment providers: the stack's stand-in (scripts/local/payments.ts, local-only credentials)
# unless you set a provider's real URL.
local_payments="http://127.0.0.1:$COMPTOIR_API_PORT/_local/payments"
export PAYMENTS_WAVE_URL="${PAYMENTS_WAVE_URL:-$local_payments}"
export PAYMENTS_CINETPAY_URL="${PAYMENTS_CINETPAY_URL:-$local_payments}"
export PAYMENTS_PAYDUNYA_URL="${PAYMENTS_PAYDUNYA_URL:-$local_payments}"
export PAYMENTS_ORANGE_MONEY_URL="${PAYMENTS_ORANGE_MONEY_URL:-$local_payments}"

# The local Storage's bytes (scripts/local/storage.ts), beside the database's folder.
export COMPTOIR_STORAGE_DIR="${COMPTOIR_STORAGE_DIR:-$(dirname "$COMPTOIR_DATA_DIR")/storage}"

# The signing key's private half stays with the local Auth stand-in (and the tests that act as
# it); serve.ts removes it from what the functions see.
mkdir -p "$(dirname "$COMPTOIR_DATA_DIR")"
export COMPTOIR_SIGNING_KEY_FILE="${COMPTOIR_SIGNING_KEY_FILE:-$(dirname "$COMPTOIR_DATA_DIR")/signing_key.json}"
node "$ROOT/scripts/local/keys.mjs" ensure "$COMPTOIR_SIGNING_KEY_FILE"
case "$COMPTOIR_PROFILE" in
  local)
    SUPABASE_JWKS="$(node "$ROOT/scripts/local/keys.mjs" jwks "$COMPTOIR_SIGNING_KEY_FILE" "$SUPABASE_JWT_SECRET")" ;;
  hosted)
    # A project created today: new keys and the asymmetric signing key only.
    unset SUPABASE_ANON_KEY SUPABASE_SERVICE_ROLE_KEY SUPABASE_JWT_SECRET
    SUPABASE_JWKS="$(node "$ROOT/scripts/local/keys.mjs" jwks "$COMPTOIR_SIGNING_KEY_FILE")" ;;
  *) die "COMPTOIR_PROFILE must be local or hosted (got $COMPTOIR_PROFILE)" ;;
esac
export SUPABASE_JWKS COMPTOIR_PROFILE
