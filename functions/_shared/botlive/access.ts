/**
 * How the shop's dashboard functions (toggle-live-mode, orders, dashboard) run their SQL: as the
 * signed-in user (RLS and the SQL functions' role checks decide) or, for a server holding the
 * secret key, as service_role. The publishable key alone is refused.
 */
import type { Authenticate } from "../auth.ts";
import type { Db, Tx } from "../db.ts";

export type Run = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/** The caller's runner: as the user, or as the service for the secret key (401/403 otherwise). */
export async function callerRunner(auth: Authenticate, db: Db, req: Request): Promise<Run> {
  const caller = await auth(req, ["user", "secret"]);
  return caller.kind === "user" ? (fn) => db.asUser(caller.claims, fn) : (fn) => db.asService(fn);
}
