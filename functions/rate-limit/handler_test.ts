import assert from "node:assert/strict";
import { createDb } from "../_shared/db.ts";
import { ErrorBody, RateLimitResponse } from "../../types/api.ts";
import { asVisitor, stack, stackAuthenticator } from "../../tests/support/stack.ts";
import { createHandler } from "./handler.ts";

const ignore = !stack.available;

async function withHandler(
  fn: (handler: ReturnType<typeof createHandler>, sql: ReturnType<typeof createDb>) => Promise<void>,
) {
  const db = createDb(stack.dbUrl || "postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 2 });
  try {
    await fn(
      createHandler({
        db,
        env: { rateLimit: { messages: 10, windowSeconds: 60 } },
        auth: await stackAuthenticator(),
      }),
      db,
    );
  } finally {
    await db.end();
  }
}

const get = (query: string) => new Request(`http://x/rate-limit?${query}`, { headers: asVisitor() });

Deno.test("rate-limit validates its query (400) and accepts only GET", async () => {
  await withHandler(async (handler) => {
    const res = await handler(get("company_id=agence-des-copines"));
    assert.equal(res.status, 400);
    assert.match(ErrorBody.parse(await res.json()).error.message, /conversation_id/);
    const post = await handler(
      new Request("http://x/rate-limit", { method: "POST", headers: asVisitor(), body: "{}" }),
    );
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});

Deno.test({
  name: "rate-limit peeks without consuming, and by uuid or slug sees the same allowance as chat",
  ignore,
  async fn() {
    await withHandler(async (handler, db) => {
      const conversation = `test-peek-${crypto.randomUUID()}`;
      const peek = async (company: string) => {
        const res = await handler(
          get(`company_id=${company}&conversation_id=${encodeURIComponent(conversation)}`),
        );
        assert.equal(res.status, 200);
        return RateLimitResponse.parse(await res.json());
      };
      const fresh = await peek("agence-des-copines");
      assert.deepEqual([fresh.allowed, fresh.remaining, fresh.limit], [true, 10, 10]);
      assert.deepEqual((await peek("agence-des-copines")).remaining, 10, "peeking consumes nothing");
      // chat's key: the company's uuid and the client's conversation id.
      const key = `chat:c0000000-0000-4000-8000-000000000001:${conversation}`;
      for (let i = 0; i < 10; i++) {
        await db.asService((tx) => tx`select public.check_rate_limit(${key}, 10, 60)`);
      }
      const spent = await peek("c0000000-0000-4000-8000-000000000001");
      assert.deepEqual([spent.allowed, spent.remaining], [false, 0]);
      assert.ok(Date.parse(spent.reset_at) > Date.now());
    });
  },
});

Deno.test({
  name: "rate-limit: unknown company → 404",
  ignore,
  async fn() {
    await withHandler(async (handler) => {
      const res = await handler(get("company_id=nobody-here&conversation_id=x"));
      assert.equal(res.status, 404);
      await res.body?.cancel();
    });
  },
});
