// The `analytics` function in-process on the test database: a member's session by GET and by
// POST (as supabase.functions.invoke sends it), another company's owner, the publishable key,
// the secret key, and the ranges refused; the figures agree with direct queries of the rows.
import assert from "node:assert/strict";
import { createDb } from "../../functions/_shared/db.ts";
import { createHandler } from "../../functions/analytics/handler.ts";
import { AnalyticsResponse, ErrorBody } from "../../types/api.ts";
import { call } from "../fixtures/botlive/back_office.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";
import { asServer, asUser, asVisitor, stack, stackAuthenticator } from "../support/stack.ts";

const ignore = !stack.available;
const db = createDb(stack.dbUrl || "postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 2 });
const analytics = createHandler({ db, auth: await stackAuthenticator() });

Deno.test({
  name:
    "analytics: a member reads the company's day, agent, refusal, cost and budget figures (GET and POST); strangers 403, the public key 401, bad ranges 400",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-analytics", ["audrey"]);
    const other = await createTestTenant(stack.dbUrl, "test-analytics");
    try {
      await db.sql.begin(async (tx) => {
        const [{ id }] = await tx`
          select public.ensure_conversation(${tenant.slug}, 'widget', 'c1', 'v1') as id`;
        for (
          const [role, agent, at] of [
            ["user", null, "2026-11-02 10:00:00+00"],
            ["assistant", "audrey", "2026-11-02 10:00:02+00"],
            ["user", null, "2026-11-02 10:05:00+00"],
            ["assistant", "audrey", "2026-11-02 10:05:01+00"],
          ]
        ) {
          await tx`insert into public.messages (conversation_id, company_id, role, content, agent, created_at)
            values (${id}, ${tenant.id}, ${role}, 'm', ${agent}, ${at})`;
        }
        const calls = [
          {
            provider: "openai",
            model: "gpt-4o-mini",
            prompt_tokens: 1000,
            completion_tokens: 200,
            agent: "audrey",
          },
          { provider: "openrouter", model: "x/unpriced", outcome: "timeout", agent: "audrey" },
        ];
        await tx`select private.ledger_record(${tenant.id}, 'chat', ${id}, ${tx.json(calls)},
          p_now => '2026-11-02 10:00:02+00')`;
        await tx`select private.count_refusal(${tenant.id}, 'visitor', '2026-11-02 11:00+00')`;
      });
      const member = await asUser(tenant.users.member);
      const res = await call(
        analytics,
        "GET",
        member,
        undefined,
        `?company_id=${tenant.slug}&from=2026-11-01&to=2026-11-30`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = AnalyticsResponse.parse(res.body);
      const [direct] = await db.sql`
        select count(*)::int as messages, count(distinct conversation_id)::int as conversations
        from public.messages where company_id = ${tenant.id}`;
      assert.equal(body.totals.messages, direct.messages);
      assert.equal(body.totals.conversations, direct.conversations);
      assert.deepEqual(
        body.days.map((d) => [d.day, d.agent, d.messages, d.errors]),
        [["2026-11-02", null, 2, 0], ["2026-11-02", "audrey", 2, 1]],
      );
      const audrey = body.days.find((d) => d.agent === "audrey")!;
      assert.ok(Math.abs(audrey.response_ms_p95! - 2000) <= 100, `p95 ${audrey.response_ms_p95} ≈ 2000 ms`);
      assert.ok(Math.abs(audrey.response_ms_p50! - 1000) <= 50, `p50 ${audrey.response_ms_p50} ≈ 1000 ms`);
      assert.deepEqual(body.refusals, [{ day: "2026-11-02", limit: "visitor", count: 1 }]);
      const [ledger] = await db.sql`
        select sum(cost_usd)::float as cost, count(*) filter (where cost_source = 'unpriced')::int as unpriced
        from public.usage_ledger where company_id = ${tenant.id}`;
      assert.equal(body.totals.cost_usd, ledger.cost);
      assert.equal(
        body.totals.unpriced_calls,
        ledger.unpriced,
        "the unpriced call is flagged, not counted as 0",
      );
      assert.equal(body.totals.error_rate, 0.5);
      assert.equal(body.budget, null);

      const posted = await call(analytics, "POST", await asUser(tenant.users.owner), {
        company_id: tenant.id,
        from: "2026-11-02",
        to: "2026-11-02",
      });
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      assert.deepEqual(posted.body.totals, body.totals, "POST by uuid gives the same figures");
      const service = await call(
        analytics,
        "GET",
        asServer(),
        undefined,
        `?company_id=${tenant.slug}&from=2026-11-01&to=2026-11-30`,
      );
      assert.equal(service.status, 200, "the secret key (the operator) reads them");

      for (
        const [headers, query, status] of [
          [await asUser(other.users.owner), `?company_id=${tenant.slug}&from=2026-11-01&to=2026-11-30`, 403],
          [asVisitor(), `?company_id=${tenant.slug}&from=2026-11-01&to=2026-11-30`, 401],
          [{}, `?company_id=${tenant.slug}&from=2026-11-01&to=2026-11-30`, 401],
          [member, `?company_id=${tenant.slug}&from=2026-11-30&to=2026-11-01`, 400],
          [member, `?company_id=${tenant.slug}&from=2025-01-01&to=2026-11-01`, 400],
          [member, `?company_id=${tenant.slug}&from=hier&to=2026-11-01`, 400],
        ] as [Record<string, string>, string, number][]
      ) {
        const refused = await call(analytics, "GET", headers, undefined, query);
        assert.equal(refused.status, status, `${query}: ${JSON.stringify(refused.body)}`);
        ErrorBody.parse(refused.body);
      }
    } finally {
      await tenant.drop();
      await other.drop();
    }
  },
});
