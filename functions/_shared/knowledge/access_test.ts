import assert from "node:assert/strict";
import { createDb } from "../db.ts";
import { HttpError } from "../http.ts";
import type { Caller } from "../auth.ts";
import { stack } from "../../../tests/support/stack.ts";
import { createTestTenant } from "../../../tests/fixtures/knowledge/tenant.ts";
import { authorizeCompanyAdmin, findCompany } from "./access.ts";

const user = (sub: string): Caller => ({
  kind: "user",
  claims: { role: "authenticated", sub, aud: "authenticated" },
});

function refused(status: number, message?: RegExp) {
  return (error: unknown) =>
    error instanceof HttpError && error.status === status && (!message || message.test(error.message));
}

Deno.test({
  name: "access: service role on any existing company; admins and owners on their own; everyone else 403",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl);
    const other = await createTestTenant(stack.dbUrl);
    const db = createDb(stack.dbUrl, { max: 2 });
    try {
      const service: Caller = { kind: "secret", key: "default" };
      for (const ref of [tenant.slug, tenant.id]) {
        assert.deepEqual(await authorizeCompanyAdmin(db, service, ref, "ingest"), {
          company: { id: tenant.id, slug: tenant.slug },
          caller: "service",
        });
      }
      await assert.rejects(authorizeCompanyAdmin(db, service, "no-such-company", "ingest"), refused(404));
      for (const sub of [tenant.users.owner, tenant.users.admin]) {
        const access = await authorizeCompanyAdmin(db, user(sub), tenant.id, "search");
        assert.deepEqual(access, { company: { id: tenant.id, slug: tenant.slug }, caller: "admin" });
      }
      // The same refusal whether the company is someone else's, unknown, or the caller is a member.
      const message = /^ingest: requires the service role or an admin of company /;
      await assert.rejects(
        authorizeCompanyAdmin(db, user(tenant.users.member), tenant.slug, "ingest"),
        refused(403, message),
      );
      await assert.rejects(
        authorizeCompanyAdmin(db, user(other.users.owner), tenant.slug, "ingest"),
        refused(403, message),
      );
      await assert.rejects(
        authorizeCompanyAdmin(db, user(other.users.owner), "no-such-company", "ingest"),
        refused(403, message),
      );
      await assert.rejects(
        authorizeCompanyAdmin(db, { kind: "publishable", key: "default" }, tenant.slug, "ingest"),
        refused(403, message),
      );
      assert.equal(await findCompany(db, crypto.randomUUID()), null);
    } finally {
      await db.end();
      await tenant.drop();
      await other.drop();
    }
  },
});
