// Error messages carry their context once (issue 17): a Postgres message that opens with its SQL
// function's name (`toggle_live_mode: …`, `assistant: …`) is not prefixed again by the function
// that reports it (« toggle-live-mode: toggle_live_mode: … », « assistant: assistant: … »).
import assert from "node:assert/strict";
import { ErrorBody } from "../../types/api.ts";
import { asUser, stack } from "../support/stack.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

async function post(name: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(`${stack.apiUrl}/functions/v1/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, message: ErrorBody.parse(await res.json()).error.message };
}

/** No context (`word: ` or `snake_name: `) is repeated, with either spelling of a function's name. */
function contextOnce(message: string) {
  const contexts = [...message.matchAll(/(?:^|: )([a-z][a-z0-9_-]*): /g)].map((m) =>
    m[1].replaceAll("-", "_")
  );
  assert.equal(contexts.length, 1, `one context in « ${message} »`);
}

Deno.test({
  name:
    "errors: a message from a SQL function names its context once, through every function that reports one",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-prefix");
    const other = await createTestTenant(stack.dbUrl, "test-prefix");
    try {
      const member = await asUser(tenant.users.member);
      const outsider = await asUser(other.users.owner);
      const conversation = crypto.randomUUID();
      const cases: [string, Record<string, string>, unknown, number, string][] = [
        [
          "toggle-live-mode",
          member,
          { company_id: tenant.slug, enable: true },
          403,
          `toggle-live-mode: requires an admin of company ${tenant.slug}`,
        ],
        [
          "orders",
          member,
          { company_id: tenant.slug, items: [{ product_id: crypto.randomUUID(), quantity: 1 }] },
          403,
          `orders: requires an admin of company ${tenant.slug}`,
        ],
        [
          "dashboard",
          outsider,
          { company_id: tenant.slug },
          403,
          `dashboard: requires a member of company ${tenant.slug}`,
        ],
        [
          "assistant",
          member,
          { message: "Combien de clients ?", conversation_id: conversation },
          404,
          `assistant: no conversation ${conversation}`,
        ],
        [
          "assistant",
          outsider,
          { message: "Combien de clients ?", company_id: tenant.slug },
          403,
          `assistant: requires a member of company ${tenant.slug}`,
        ],
      ];
      for (const [name, headers, body, status, message] of cases) {
        const res = await post(name, headers, body);
        assert.deepEqual([res.status, res.message], [status, message], name);
        contextOnce(res.message);
      }
    } finally {
      await tenant.drop();
      await other.drop();
    }
  },
});
