// A Lovable-style sign-up page against the local Auth: sign up (confirmed at once, as the
// Supabase CLI's local default), then create a company and find oneself its owner through
// PostgREST; GoTrue's refusals read as auth-js reports them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { browser, skip, sql } from "./support.mjs";

test(
  "signUp signs a new user in at once; the user creates a company and is its owner",
  { skip },
  async () => {
    const email = `new-${randomUUID().slice(0, 8)}@signup.test`;
    const slug = `signup-${randomUUID().slice(0, 8)}`;
    const supabase = browser();
    try {
      const { data, error } = await supabase.auth.signUp({
        email,
        password: "mot-de-passe",
        options: { data: { name: "Awa" } },
      });
      assert.equal(error, null);
      assert.equal(data.user.email, email);
      assert.deepEqual(data.user.user_metadata, { name: "Awa" });
      assert.ok(data.session?.access_token, "a session right away (no e-mail confirmation locally)");

      const made = await supabase.rpc("create_company", { p_slug: slug, p_name: "Boutique d'Awa" });
      assert.equal(made.error, null);
      const { data: mine } = await supabase.from("company_members").select("role, companies(slug)").eq(
        "user_id",
        data.user.id,
      );
      assert.deepEqual(mine, [{ role: "owner", companies: { slug } }]);

      // Signing in again with the same password works; signing up again is refused.
      const again = browser();
      assert.equal((await again.auth.signInWithPassword({ email, password: "mot-de-passe" })).error, null);
      const twice = await browser().auth.signUp({ email, password: "mot-de-passe" });
      assert.deepEqual([twice.error?.status, twice.error?.code], [422, "user_already_exists"]);
    } finally {
      sql(
        `delete from public.companies where slug = '${slug}'; delete from auth.users where email = '${email}'`,
      );
    }
  },
);

test("signUp refuses a short password and a malformed e-mail as GoTrue does", { skip }, async () => {
  const weak = await browser().auth.signUp({
    email: `weak-${randomUUID().slice(0, 8)}@signup.test`,
    password: "123",
  });
  assert.deepEqual([weak.error?.status, weak.error?.code, weak.data.user], [422, "weak_password", null]);
  const malformed = await browser().auth.signUp({ email: "pas-un-email", password: "mot-de-passe" });
  assert.deepEqual([malformed.error?.status, malformed.error?.code], [400, "validation_failed"]);
});
