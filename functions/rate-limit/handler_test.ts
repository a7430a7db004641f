// The rate-limit handler without a database (the in-memory store): the visitor's own allowance
// only, without consuming it.
import assert from "node:assert/strict";
import { createMemoryChatStore } from "../_shared/chat/store_memory.ts";
import { memoryCompany, TEST_DEFAULTS } from "../_shared/chat/testing.ts";
import { ErrorBody, RateLimitResponse } from "../../types/api.ts";
import { asVisitor, stackAuthenticator } from "../../tests/support/stack.ts";
import { createHandler } from "./handler.ts";

const auth = await stackAuthenticator();

function setup() {
  const company = memoryCompany();
  const store = createMemoryChatStore({ companies: [company], defaults: TEST_DEFAULTS });
  return { company, store, handler: createHandler({ store, auth }) };
}
const get = (query: string) => new Request(`http://x/rate-limit?${query}`, { headers: asVisitor() });
const turn = (company: string, conversation: string, visitor: string, i: number) => ({
  company,
  conversationId: conversation,
  visitorId: visitor,
  message: `m${i}`,
  key: `k${i}`,
  clientKey: true,
  address: null,
  metadata: {},
});

Deno.test("rate-limit validates its query (400, NUL and lone surrogates too) and accepts only GET", async () => {
  const { handler, company } = setup();
  const res = await handler(get(`company_id=${company.slug}&user_id=v`));
  assert.equal(res.status, 400);
  assert.match(ErrorBody.parse(await res.json()).error.message, /conversation_id/);
  // (A URL cannot carry an unpaired surrogate: its UTF-8 is invalid and decodes to U+FFFD.)
  for (const query of ["user_id=v&conversation_id=a%00b", "user_id=v%00&conversation_id=a"]) {
    const refused = await handler(get(`company_id=${company.slug}&${query}`));
    assert.equal(refused.status, 400, query);
    assert.match(ErrorBody.parse(await refused.json()).error.message, /must not contain NUL characters/);
  }
  const post = await handler(
    new Request("http://x/rate-limit", { method: "POST", headers: asVisitor(), body: "{}" }),
  );
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("rate-limit peeks without consuming; by uuid or slug; the visitor's own conversation only", async () => {
  const { handler, store, company } = setup();
  const peek = async (ref: string, visitor = "visitor-1") => {
    const res = await handler(get(`company_id=${ref}&conversation_id=c1&user_id=${visitor}`));
    return { status: res.status, body: await res.json() };
  };
  const fresh = RateLimitResponse.parse((await peek(company.slug)).body);
  assert.deepEqual([fresh.allowed, fresh.remaining, fresh.limit, fresh.limited_by], [true, 10, 10, null]);
  assert.equal(
    RateLimitResponse.parse((await peek(company.slug)).body).remaining,
    10,
    "peeking consumes nothing",
  );
  for (let i = 0; i < 10; i++) await store.begin(turn(company.slug, "c1", "visitor-1", i));
  const spent = RateLimitResponse.parse((await peek(company.id)).body);
  assert.deepEqual([spent.allowed, spent.remaining, spent.limited_by], [false, 0, "conversation"]);
  // Another visitor learns nothing of the conversation's budget.
  const other = await peek(company.slug, "visitor-2");
  assert.equal(other.status, 403);
  assert.equal(ErrorBody.parse(other.body).error.code, "forbidden");
});

Deno.test("rate-limit: an unknown company is a 404; no key is a 401", async () => {
  const { handler } = setup();
  const res = await handler(get("company_id=nobody-here&conversation_id=x&user_id=v"));
  assert.equal(res.status, 404);
  await res.body?.cancel();
  const anonymous = await handler(
    new Request("http://x/rate-limit?company_id=a&conversation_id=x&user_id=v"),
  );
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});
