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

  function inRole<T>(
    role: string,
    claims: Record<string, unknown>,
    fn: (tx: Tx) => Promise<T>,
    options: StepOptions = {},
  ): Promise<T> {
    return sql.begin((tx) => {
      const timeout = options.statementTimeoutMs ? String(options.statementTimeoutMs) : null;
      // Sent now (`execute`), not awaited: `fn`'s first query is pipelined behind it on the same
      // connection (one round trip less), and the server runs them in order. Without `execute`
      // the query would be sent only when awaited, and an async `fn` that awaits its first query
      // at once would run it before the role and claims are set.
      const setup = tx`select set_config('role', ${role}, true),
        set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
        ${timeout === null ? tx`null` : tx`set_config('statement_timeout', ${timeout}, true)`}`.execute();
      return Promise.all([setup, fn(tx)]).then(([, result]) => result);
    }) as Promise<T>;
  }

  return {
    sql,
    asUser(claims, fn, options) {
      if (claims.role !== "authenticated" || !claims.sub) {
        throw new Error("db.asUser: claims must be an authenticated user's (role authenticated, sub)");
      }
      return inRole("authenticated", claims, fn, options);
    },
    asService(fn, options) {
      return inRole("service_role", { role: "service_role" }, fn, options);
    },
    end() {
      return sql.end({ timeout: 5 });
    },
  };
}
