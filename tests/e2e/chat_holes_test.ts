// The holes found by probing the running stack as an attacker with the public key and as a
// careless client would: each one, through the gateway and the real functions, as a
// regression test. Each test has its own company, so that no limit couples them.
import assert from "node:assert/strict";
import postgres from "postgres";
import { ErrorBody, RateLimitResponse } from "../../types/api.ts";
import { asServer, asUser, asVisitor, mintJwt, stack } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

async function call(
  name: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; query?: string },
) {
  const res = await fetch(`${stack.apiUrl}/functions/v1/${name}${init.query ? `?${init.query}` : ""}`, {
    method: init.method ?? "POST",
    headers: { "content-type": "application/json", ...asVisitor(), ...init.headers },
    body: init.body === undefined
      ? undefined
      : typeof init.body === "string"
      ? init.body
      : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* an SSE stream */ }
  return { status: res.status, body, headers: res.headers };
}

function turn(
  tenant: TestTenant,
  conversation: string,
  visitor: string,
  message = "Une question ?",
  extra = {},
) {
  return { company_id: tenant.slug, conversation_id: conversation, user_id: visitor, message, ...extra };
}

function code(res: { body: unknown }) {
  return ErrorBody.parse(res.body).error.code;
}

async function withTenant(
  fn: (tenant: TestTenant, sql: postgres.Sql) => Promise<void>,
  config: Record<string, number> = {},
) {
  const tenant = await createTestTenant(stack.dbUrl, "test-holes");
  const sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  try {
    if (Object.keys(config).length > 0) {
      await sql`insert into public.company_rag_configs ${sql({ company_id: tenant.slug, ...config })}`;
    }
    await fn(tenant, sql);
  } finally {
    await sql.end();
    await tenant.drop();
  }
}

Deno.test({
  name: "hole 1: a new conversation id (and a new visitor id) each turn no longer escapes the limits",
  ignore,
  async fn() {
    // Rotating conversation ids, the defaults (20 turns a minute per visitor): the visitor's own limit.
    await withTenant(async (tenant) => {
      for (let i = 0; i < 20; i++) {
        assert.equal(
          (await call("chat", { body: turn(tenant, `c${i}`, "rotator") })).status,
          200,
          `turn ${i + 1}`,
        );
      }
      const refused = await call("chat", { body: turn(tenant, "c20", "rotator") });
      assert.equal(refused.status, 429, "the 21st turn of one visitor in a minute");
      assert.equal((ErrorBody.parse(refused.body).error.details as { limit: string }).limit, "visitor");
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    });
    // Rotating visitor ids too, with forged forwarding headers: the address the gateway reports.
    await withTenant(async (tenant) => {
      const forged = (i: number) => ({ "x-forwarded-for": `10.0.0.${i}`, "cf-connecting-ip": `10.0.1.${i}` });
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await call("chat", { body: turn(tenant, `a${i}`, `v${i}`), headers: forged(i) })).status,
          200,
        );
      }
      const refused = await call("chat", { body: turn(tenant, "a9", "v9"), headers: forged(9) });
      assert.equal(refused.status, 429);
      assert.equal((ErrorBody.parse(refused.body).error.details as { limit: string }).limit, "address");
    }, { address_turns_per_minute: 3 });
    // Every turn from another address and visitor: the company's ceiling a minute, then its tokens a day.
    await withTenant(async (tenant) => {
      for (let i = 0; i < 2; i++) {
        assert.equal((await call("chat", { body: turn(tenant, `p${i}`, `w${i}`) })).status, 200);
      }
      const refused = await call("chat", { body: turn(tenant, "p9", "w9") });
      assert.equal((ErrorBody.parse(refused.body).error.details as { limit: string }).limit, "company");
    }, { company_turns_per_minute: 2 });
    await withTenant(async (tenant) => {
      assert.equal((await call("chat", { body: turn(tenant, "t0", "u0") })).status, 200);
      const refused = await call("chat", { body: turn(tenant, "t1", "u1") });
      assert.equal(refused.status, 429);
      const details = ErrorBody.parse(refused.body).error.details as { limit: string; reset_at: string };
      assert.equal(details.limit, "company_tokens");
      assert.ok(Date.parse(details.reset_at) > Date.now());
    }, { company_tokens_per_day: 1 });
  },
});

Deno.test({
  name:
    "hole 2: another visitor sending someone's conversation id and idempotency key gets a 403, never their answer",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      const owner = await call("chat", {
        body: turn(tenant, "private", "alice", "Mon adresse est 3 rue des Lilas", { idempotency_key: "k1" }),
      });
      assert.equal(owner.status, 200);
      for (const stream of [false, true]) {
        const thief = await call("chat", {
          body: turn(tenant, "private", "mallory", "Mon adresse est 3 rue des Lilas", {
            idempotency_key: "k1",
            stream,
          }),
        });
        assert.equal(thief.status, 403, `stream: ${stream}`);
        assert.equal(code(thief), "forbidden");
        assert.doesNotMatch(JSON.stringify(thief.body), /Lilas|replayed/);
      }
      const again = await call("chat", {
        body: turn(tenant, "private", "alice", "Mon adresse est 3 rue des Lilas", { idempotency_key: "k1" }),
      });
      assert.equal((again.body as { replayed: boolean }).replayed, true, "the owner still gets its replay");
    });
  },
});

Deno.test({
  name:
    "hole 3: two visitors' first turns on one new conversation id: one 200, one 403, nobody's message in the other's",
  ignore,
  async fn() {
    await withTenant(async (tenant, sql) => {
      for (let trial = 0; trial < 10; trial++) {
        const conversation = `race-${trial}`;
        const results = await Promise.all([
          call("chat", { body: turn(tenant, conversation, "alice", "Je suis Alice") }),
          call("chat", { body: turn(tenant, conversation, "bob", "Je suis Bob, 06 12 34 56 78") }),
        ]);
        assert.deepEqual(results.map((r) => r.status).sort(), [200, 403], `trial ${trial}`);
        const rows = await sql`select m.role, m.content from public.messages m
          join public.conversations c on c.id = m.conversation_id
          where c.company_id = ${tenant.id} and c.external_id = ${conversation} and m.role = 'user'`;
        assert.equal(rows.length, 1, `trial ${trial}: only the owner's message is stored`);
      }
    });
  },
});

Deno.test({
  name: "hole 4: another visitor's refused turns do not spend the owner's budget",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      assert.equal((await call("chat", { body: turn(tenant, "mine", "owner") })).status, 200);
      for (let i = 0; i < 12; i++) {
        assert.equal((await call("chat", { body: turn(tenant, "mine", `intruder-${i}`) })).status, 403);
      }
      const next = await call("chat", { body: turn(tenant, "mine", "owner") });
      assert.equal(next.status, 200);
      assert.equal((next.body as { rate_limit: { remaining: number } }).rate_limit.remaining, 8);
    });
  },
});

Deno.test({
  name: "hole 5: an idempotency key reused with another message is a 409 idempotency_key_reused",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      assert.equal(
        (await call("chat", { body: turn(tenant, "c", "v", "Première question", { idempotency_key: "k" }) }))
          .status,
        200,
      );
      const reused = await call("chat", {
        body: turn(tenant, "c", "v", "Une tout autre question", { idempotency_key: "k" }),
      });
      assert.equal(reused.status, 409);
      assert.equal(code(reused), "idempotency_key_reused");
    });
  },
});

Deno.test({
  name:
    "hole 6: 16 malformed inputs (NUL, unpaired surrogates, 100,000-level metadata) are 400s that spend nothing",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      const NUL = "a\u0000b", LONE = "a\ud800b";
      const chat = (extra: Record<string, unknown>) => ({ ...turn(tenant, "c", "v"), ...extra });
      const doc = (extra: Record<string, unknown>) => ({
        company_id: tenant.slug,
        documents: [{ source: "a.md", content: "Du texte.", ...extra }],
      });
      const deep =
        `{"company_id":"${tenant.slug}","documents":[{"source":"d.md","content":"x","metadata":{"x":` +
        "[".repeat(100_000) + "]".repeat(100_000) + "}}]}";
      const cases: [
        string,
        { method?: string; body?: unknown; query?: string; headers?: Record<string, string> },
      ][] = [
        ["chat message NUL", { body: chat({ message: NUL }) }],
        ["chat message surrogate", { body: chat({ message: LONE }) }],
        ["chat conversation_id NUL", { body: chat({ conversation_id: NUL }) }],
        ["chat user_id surrogate", { body: chat({ user_id: LONE }) }],
        ["chat idempotency_key NUL", { body: chat({ idempotency_key: NUL }) }],
        ["rate-limit conversation_id NUL", {
          method: "GET",
          query: `company_id=${tenant.slug}&conversation_id=a%00&user_id=v`,
        }],
        ["rate-limit user_id NUL", {
          method: "GET",
          query: `company_id=${tenant.slug}&conversation_id=a&user_id=%00`,
        }],
        ["ingest content NUL", { body: doc({ content: NUL }), headers: asServer() }],
        ["ingest content surrogate", { body: doc({ content: LONE }), headers: asServer() }],
        ["ingest source NUL", { body: doc({ source: NUL }), headers: asServer() }],
        ["ingest title surrogate", { body: doc({ title: LONE }), headers: asServer() }],
        ["ingest tag NUL", { body: doc({ tags: [NUL] }), headers: asServer() }],
        ["ingest category NUL", { body: doc({ category: NUL }), headers: asServer() }],
        ["ingest metadata key NUL", { body: doc({ metadata: { [NUL]: 1 } }), headers: asServer() }],
        ["ingest metadata value surrogate", {
          body: doc({ metadata: { k: [{ v: LONE }] } }),
          headers: asServer(),
        }],
        ["ingest metadata 100,000 levels deep", { body: deep, headers: asServer() }],
      ];
      assert.equal(cases.length, 16);
      for (const [name, init] of cases) {
        const fn = name.split(" ")[0];
        const res = await call(fn, init);
        assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body).slice(0, 200)}`);
        assert.match(code(res), /^invalid_(request|json)$/, name);
      }
      const allowance = await call("rate-limit", {
        method: "GET",
        query: `company_id=${tenant.slug}&conversation_id=c&user_id=v`,
      });
      assert.equal(RateLimitResponse.parse(allowance.body).remaining, 10, "the refused turns spent no slot");
    });
  },
});

Deno.test({
  name: "hole 7: a correctly signed JWT whose sub is not a uuid is a 403 in search and ingest, not a 500",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      const headers = {
        authorization: `Bearer ${await mintJwt({ sub: "user_2abcDEF", role: "authenticated" })}`,
      };
      for (
        const [fn, body] of [["search", { company_id: tenant.slug, query: "q" }], ["ingest", {
          company_id: tenant.slug,
          documents: [],
        }]] as const
      ) {
        const res = await call(fn, { body, headers });
        assert.equal(res.status, 403, fn);
        assert.equal(code(res), "forbidden");
      }
      // A real member still gets through.
      assert.equal(
        (await call("search", {
          body: { company_id: tenant.slug, query: "q" },
          headers: await asUser(tenant.users.owner),
        })).status,
        200,
      );
    });
  },
});

Deno.test({
  name: "rate-limit answers the conversation's own visitor only",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      assert.equal((await call("chat", { body: turn(tenant, "c", "owner") })).status, 200);
      const own = await call("rate-limit", {
        method: "GET",
        query: `company_id=${tenant.slug}&conversation_id=c&user_id=owner`,
      });
      assert.equal(RateLimitResponse.parse(own.body).remaining, 9);
      const other = await call("rate-limit", {
        method: "GET",
        query: `company_id=${tenant.slug}&conversation_id=c&user_id=spy`,
      });
      assert.equal(other.status, 403);
      assert.equal(code(other), "forbidden");
    });
  },
});
