/**
 * Who may work on a company's knowledge base: the service role (any existing company), or a
 * signed-in admin or owner of that company. Everyone else is refused with the same 403,
 * whether the company exists or not, so that no caller learns about another tenant.
 */
import type { Db, Tx } from "../db.ts";
import { HttpError } from "../http.ts";
import type { Caller } from "../auth.ts";

/** A company, by both of its ids. */
export interface Company {
  id: string;
  slug: string;
}

/** What {@link authorizeCompanyAdmin} grants. */
export interface CompanyAccess {
  company: Company;
  /** `service` for the secret key, `admin` for an admin/owner's session. */
  caller: "service" | "admin";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The condition on `companies c` for a reference: its uuid, or its slug (slugs never look like uuids). */
export function byRef(tx: Tx, ref: string) {
  return UUID.test(ref) ? tx`c.id = ${ref}::uuid` : tx`c.slug = ${ref}`;
}

/** The company `ref` (uuid or slug) names, as the service role sees it; null when there is none. */
export async function findCompany(db: Db, ref: string): Promise<Company | null> {
  const rows = await db.asService((tx) =>
    tx<Company[]>`select c.id::text as id, c.slug from public.companies c where ${byRef(tx, ref)}`
  );
  return rows[0] ?? null;
}

/**
 * Checks that `caller` may administer the knowledge base of company `ref`.
 * Secret key: the company must exist (404). A signed-in user: admin or owner of it (403
 * otherwise, also for a company that does not exist or belongs to someone else). The
 * publishable key alone: 403. `what` names the function in messages (`ingest`, `search`).
 */
export async function authorizeCompanyAdmin(
  db: Db,
  caller: Caller,
  ref: string,
  what: string,
): Promise<CompanyAccess> {
  if (caller.kind === "secret") {
    const company = await findCompany(db, ref);
    if (!company) throw new HttpError("not_found", `${what}: unknown company ${ref}`);
    return { company, caller: "service" };
  }
  const refused = new HttpError(
    "forbidden",
    `${what}: requires the service role or an admin of company ${ref}`,
  );
  if (caller.kind !== "user") throw refused;
  // Under RLS the caller sees only its own companies; is_member answers about the caller only.
  const rows = await db.asUser(caller.claims, (tx) =>
    tx<(Company & { admin: boolean })[]>`
      select c.id::text as id, c.slug, private.is_member(c.id, 'admin') as admin
      from public.companies c where ${byRef(tx, ref)}`);
  const row = rows[0];
  if (!row?.admin) throw refused;
  return { company: { id: row.id, slug: row.slug }, caller: "admin" };
}
