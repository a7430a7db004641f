/**
 * Postgres access for edge functions, with postgres.js. The URL is our DB_POOLER_URL secret
 * (Supavisor in transaction mode, port 6543: few server connections however many function
 * instances run) when set, else the platform's SUPABASE_DB_URL, which is the direct
 * connection (env.ts). One short transaction per step (never one held across an LLM call); no
 * prepared statements, which transaction-mode pooling cannot keep. `asUser` runs SQL as the
 * signed-in user so that RLS decides, exactly as PostgREST would; `asService` as service_role.
 */
import postgres from "postgres";
import type { Claims } from "./auth.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export interface Db {
  /** The pool itself, for statements that need no role (health checks). */
  sql: Sql;
  /** A transaction as `authenticated` with the caller's claims in request.jwt.claims. */
  asUser<T>(claims: Claims, fn: (tx: Tx) => Promise<T>, options?: StepOptions): Promise<T>;
  /** A transaction as `service_role` (bypasses RLS: pass and check the tenant explicitly). */
  asService<T>(fn: (tx: Tx) => Promise<T>, options?: StepOptions): Promise<T>;
  end(): Promise<void>;
}

/** Per-transaction settings, applied in the same round trip as the role. */
export interface StepOptions {
  /** `statement_timeout` for this transaction only (0: the role's own). */
  statementTimeoutMs?: number;
}

/** Opens a small pool (one per function instance); connections are made lazily. */
export function createDb(url: string, options: { max?: number } = {}): Db {
  const sql = postgres(url, {
    prepare: false,
    max: options.max ?? 4,
    idle_timeout: 20,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "comptoir-functions" },
  });

  /**
   * One step: a transaction whose settings go out in one write with `fn`'s first statement
   * (sent now, not awaited: the server runs them in order). Settings without a parameter cost
   * no round trip of their own: postgres.js holds a statement with parameters until the server
   * has described them, and everything queued behind it waits too. So, four round trips for the
   * service role (BEGIN, settings + the statement's description, the statement, COMMIT).
   * (`sql.reserve()` would save BEGIN's, but a reservation waiting while a connection closes is
   * never answered in postgres.js 3.4.)
   */
  function step<T>(settings: (tx: Tx) => { execute(): unknown }, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return sql.begin((tx) => {
      // Without `execute` it would be sent only when awaited, after an async fn's first query.
      const setup = settings(tx).execute();
      return Promise.all([setup, fn(tx)]).then(([, result]) => result);
    }) as Promise<T>;
  }

  return {
    sql,
    asUser(claims, fn, options) {
      if (claims.role !== "authenticated" || !claims.sub) {
        throw new Error("db.asUser: claims must be an authenticated user's (role authenticated, sub)");
      }
      // The claims are a parameter: what a user's token says is never spliced into SQL.
      return step(
        (tx) =>
          tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), ${
            tx.unsafe(settingsOf("authenticated", options))
          }`,
        fn,
      );
    },
    asService(fn, options) {
      return step(
        (tx) => tx.unsafe(`select ${SERVICE_CLAIMS}, ${settingsOf("service_role", options)}`).simple(),
        fn,
      );
    },
    end() {
      return sql.end({ timeout: 5 });
    },
  };
}

/** The service role's claims, a constant. */
const SERVICE_CLAIMS = `set_config('request.jwt.claims', '{"role":"service_role"}', true)`;

/**
 * The role and the statement timeout as SQL text: only one of our roles and a whole number go
 * into it, so that the service role's settings need no parameter.
 */
function settingsOf(role: "authenticated" | "service_role", options: StepOptions = {}): string {
  const ms = options.statementTimeoutMs;
  if (ms !== undefined && !(Number.isFinite(ms) && ms >= 0)) {
    throw new Error(`db: statementTimeoutMs must be a number of ms (got ${ms})`);
  }
  const timeout = ms === undefined ? 0 : Math.round(ms);
  return `set_config('role', '${role}', true)` +
    (timeout ? `, set_config('statement_timeout', '${timeout}', true)` : "");
}
