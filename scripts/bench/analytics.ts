/**
 * The analytics of a busy company (issue 20: p95 ≤ 50 ms for 1,000,000 ledger rows and 500,000
 * messages): one company with 50,000 conversations of 10 messages (5 turns; widget ones answered
 * by two agents, Botlive ones by none), 1,000,000 ledger rows over 90 days (2 % failed), an
 * escalation in 2 % of the conversations, an order in half the Botlive ones, and a few refusals.
 *
 * The bulk rows skip the triggers (session_replication_role = replica) and the rollups are then
 * built by private.analytics_rebuild — what the triggers would have written, as the pgTAP suite
 * proves — and usage_daily by the same grouping private.ledger_record does. The triggers' own
 * cost is measured apart: 1,000 turns (user message + reply) through private.insert_message, the
 * one write path, with pg_stat_xact_user_functions timing private.messages_analytics.
 *
 * Then public.analytics over 30 and 90 days, ≥ 100 calls each: through the RPC as the member
 * (one transaction: role, claims, the call) and through the `analytics` handler in-process
 * (zod, the member's session, JSON), p50/p95 in ms. The company is deleted at the end.
 *
 *   deno run -A scripts/bench/analytics.ts --db <url> --out bench/results/analytics.json
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { createDb } from "../../functions/_shared/db.ts";
import { createHandler } from "../../functions/analytics/handler.ts";
import { AnalyticsResponse } from "../../types/api.ts";
import { round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/analytics.json" },
    messages: { type: "string", default: "500000" },
    ledger: { type: "string", default: "1000000" },
    days: { type: "string", default: "90" },
    calls: { type: "string", default: "150" },
    turns: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    /** Times a company an earlier run kept (--keep) instead of loading a new one. */
    company: { type: "string" },
  },
});
if (!args.db) {
  console.error("usage: analytics.ts --db <postgres url> [--out file]");
  Deno.exit(2);
}
const MESSAGES = Number(args.messages);
const LEDGER = Number(args.ledger);
const DAYS = Number(args.days);
const CALLS = Number(args.calls);
const TURNS = Number(args.turns);
const CONVERSATIONS = Math.floor(MESSAGES / 10);
const log = (text: string) => console.error(`[bench analytics] ${text}`);

const sql = postgres(args.db, { max: 2, onnotice: () => {}, idle_timeout: 0 });
const reuse = args.company
  ? (await sql`
    select c.slug, c.id::text, m.user_id::text as owner from public.companies c
    join public.company_members m on m.company_id = c.id and m.role = 'owner' where c.slug = ${args.company}`)[
    0
  ]
  : undefined;
if (args.company && !reuse) throw new Error(`analytics: no company ${args.company}`);
const slug = reuse?.slug ?? `bench-analytics-${Date.now().toString(36)}`;
const owner = reuse ? { id: reuse.owner as string } : (await sql`
  insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', ${`${slug}@bench.invalid`})
  returning id::text`)[0];
const company = reuse ? { id: reuse.id as string } : (await sql`
  insert into public.companies (slug, name, time_zone) values (${slug}, ${slug}, 'Africa/Dakar') returning id::text`)[
  0
];
if (!reuse) {
  await sql`insert into public.company_members (company_id, user_id, role) values (${company.id}, ${owner.id}, 'owner')`;
  await sql`insert into public.company_budgets (company_id, monthly_limit, currency, usd_rate) values (${company.id}, 500000, 'XOF', 600)`;
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  log(`${label}: ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

const load: Record<string, number> = {};
try {
  if (!reuse) {
    log(
      `company ${slug}: ${CONVERSATIONS} conversations, ${MESSAGES} messages, ${LEDGER} ledger rows over ${DAYS} days`,
    );
    load.bulk_ms = await timed("bulk rows (triggers skipped)", () =>
      sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        // A conversation g starts at a random minute of the 90 days; one in five is Botlive's.
        await tx`
        insert into public.conversations (id, company_id, channel, external_id, visitor_id, created_at, last_message_at)
        select gen_random_uuid(), ${company.id}, case when g % 5 = 0 then 'botlive' else 'widget' end, 'b' || g, 'v' || g,
          s.start, s.start + interval '10 minutes'
        from generate_series(1, ${CONVERSATIONS}) g,
          lateral (select now() - make_interval(mins => (random() * ${DAYS} * 1440 + g * 0)::integer) - interval '1 hour' as start) s`;
        // Five turns each: the visitor, then the reply 0.5–12 s later (log-uniform), 2 min apart.
        await tx`
        insert into public.messages (conversation_id, company_id, role, content, agent, created_at)
        select c.id, c.company_id, r.role, 'm', case when r.role = 'assistant' and c.channel = 'widget'
            then case when hashtext(c.external_id) % 2 = 0 then 'audrey' else 'carole' end end,
          c.created_at + make_interval(secs => t * 120) + case when r.role = 'assistant'
            then make_interval(secs => 0.5 * power(24, random())) else interval '0' end
        from public.conversations c, generate_series(0, 4) t, (values ('user'), ('assistant')) r (role)
        where c.company_id = ${company.id}`;
        await tx`
        insert into public.escalations (conversation_id, company_id, reason, status, resolved_at, created_at)
        select c.id, c.company_id, 'low_confidence', 'resolved', c.created_at + interval '9 minutes', c.created_at + interval '5 minutes'
        from public.conversations c where c.company_id = ${company.id} and random() < 0.02`;
        await tx`
        insert into public.orders (company_id, conversation_id, number, items, items_total, total_amount, created_at)
        select c.company_id, c.id, row_number() over (), '[{"name": "Pagne"}]', 7500, 7500, c.created_at + interval '9 minutes'
        from public.conversations c where c.company_id = ${company.id} and c.channel = 'botlive' and random() < 0.5`;
        // The ledger: 20 calls a conversation (router, chat, embeddings, rerank, fallbacks), priced.
        await tx`
        insert into public.usage_ledger (company_id, product, conversation_id, agent, kind, provider, model_requested,
          model_answered, prompt_tokens, completion_tokens, search_units, latency_ms, outcome, cost_usd, cost_source, created_at)
        select c.company_id, case when c.channel = 'botlive' then 'botlive' else 'chat' end, c.id, null, p.kind, p.provider,
          p.model, p.model, p.prompt, p.completion, p.units, 300, case when random() < 0.02 then 'error' else 'ok' end,
          p.cost, 'price_table', c.created_at + make_interval(secs => k * 30)
        from public.conversations c, generate_series(0, ${Math.floor(LEDGER / CONVERSATIONS) - 1}) k,
          lateral (select * from (values
            (0, 'chat', 'openrouter', 'anthropic/claude-3.5-haiku', 1200, 150, 0, 0.00156),
            (1, 'chat', 'groq', 'llama-3.3-70b-versatile', 1500, 200, 0, 0.001043),
            (2, 'embedding', 'openai', 'text-embedding-3-small', 40, 0, 0, 0.0000008),
            (3, 'rerank', 'cohere', 'rerank-multilingual-v3.0', 0, 0, 1, 0.002),
            (4, 'chat', 'deepseek', 'deepseek-chat', 1500, 200, 0, 0.000625)
          ) v (n, kind, provider, model, prompt, completion, units, cost) where v.n = k % 5) p
        where c.company_id = ${company.id}`;
        await tx`
        insert into public.analytics_refusals (company_id, day, limit_name, count)
        select ${company.id}, d::date, l, 1 + (random() * 20)::integer
        from generate_series(now() - ${`${DAYS} days`}::interval, now(), interval '1 day') d,
          unnest(array['conversation', 'visitor', 'company']) l`;
      }));
    load.rollups_ms = await timed("rollups (analytics_rebuild, usage_daily)", () =>
      sql.begin(async (tx) => {
        await tx`select private.analytics_rebuild(${company.id})`;
        // What private.ledger_record's rolled step adds up, once for all the rows.
        await tx`
        insert into public.usage_daily (company_id, day, product, provider, model, calls, errors, prompt_tokens,
          completion_tokens, cached_tokens, search_units, cost_usd, unpriced_calls)
        select l.company_id, (l.created_at at time zone 'Africa/Dakar')::date, l.product, l.provider,
          coalesce(l.model_answered, l.model_requested, '?'), count(*), count(*) filter (where l.outcome <> 'ok'),
          sum(l.prompt_tokens), sum(l.completion_tokens), sum(l.cached_tokens), sum(l.search_units),
          coalesce(sum(l.cost_usd), 0), count(*) filter (where l.cost_source = 'unpriced')
        from public.usage_ledger l where l.company_id = ${company.id}
        group by 1, 2, 3, 4, 5`;
        await tx`
        insert into public.budget_months (company_id, month, spent_usd)
        select ${company.id}, date_trunc('month', now() at time zone 'Africa/Dakar')::date, coalesce(sum(cost_usd), 0)
        from public.usage_ledger where company_id = ${company.id}
          and created_at >= date_trunc('month', now() at time zone 'Africa/Dakar') at time zone 'Africa/Dakar'`;
      }));
  }
  await sql`analyze public.analytics_daily, public.analytics_response_times, public.analytics_refusals, public.usage_daily`;
  const [rows] = await sql`
    select (select count(*) from public.messages where company_id = ${company.id})::int as messages,
      (select count(*) from public.usage_ledger where company_id = ${company.id})::int as ledger,
      (select count(*) from public.analytics_daily where company_id = ${company.id})::int as daily,
      (select count(*) from public.analytics_response_times where company_id = ${company.id})::int as histogram,
      (select count(*) from public.usage_daily where company_id = ${company.id})::int as usage_daily`;
  log(`rows: ${JSON.stringify(rows)}`);

  // The triggers' cost on the one write path, in one transaction (rolled back).
  const trigger = reuse ? null : await sql.begin(async (tx) => {
    await tx`set local track_functions = 'pl'`;
    const [conv] = await tx`
      insert into public.conversations (company_id, channel, external_id, visitor_id)
      values (${company.id}, 'widget', 'trigger-cost', 'v') returning id::text`;
    const t = performance.now();
    const [{ ms }] = await tx`
      with t as materialized (select clock_timestamp() as t0)
      select extract(epoch from (select max(clock_timestamp()) from (
        select private.insert_message(${company.id}, ${conv.id}, r.role, 'm',
          case when r.role = 'assistant' then '{"agent": "audrey"}'::jsonb else '{}'::jsonb end)
        from generate_series(1, ${TURNS}) g, (values (1, 'user'), (2, 'assistant')) r (n, role) order by g, r.n) x) - t0) * 1000 as ms
      from t`;
    const wall = performance.now() - t;
    const [f] = await tx`
      select calls::int, total_time, self_time from pg_stat_xact_user_functions
      where schemaname = 'private' and funcname = 'messages_analytics'`;
    const [bump] = await tx`
      select calls::int, total_time from pg_stat_xact_user_functions
      where schemaname = 'private' and funcname = 'bump_conversation_last_message_at'`;
    throw {
      rollback: true,
      result: {
        messages: 2 * TURNS,
        insert_ms_per_message: round(Number(ms) / (2 * TURNS)),
        wall_ms: round(wall),
        f,
        bump,
      },
    };
  }).catch((e) => {
    if (e?.rollback) return e.result;
    throw e;
  });
  const analyticsUs = trigger?.f ? (1000 * trigger.f.total_time) / trigger.f.calls : null;
  if (trigger) {
    log(
      `trigger: ${trigger.insert_ms_per_message} ms per message through insert_message, of which messages_analytics ` +
        `${analyticsUs?.toFixed(0)} µs (bump_conversation ${
          trigger.bump ? ((1000 * trigger.bump.total_time) / trigger.bump.calls).toFixed(0) : "?"
        } µs)`,
    );
  }

  // The calls.
  const db = createDb(args.db, { max: 2 });
  const claims = {
    sub: owner.id,
    role: "authenticated",
    aud: "authenticated",
    email: `${slug}@bench.invalid`,
  };
  const handler = createHandler({
    db,
    auth: () => Promise.resolve({ kind: "user", claims } as never),
  });
  const today = (await sql`select (now() at time zone 'Africa/Dakar')::date::text as d`)[0].d as string;
  const minus = (days: number) => new Date(Date.parse(today) - days * 86400000).toISOString().slice(0, 10);
  const results: Record<string, unknown> = {};
  for (const days of [30, 90]) {
    const from = minus(days - 1);
    const rpc: number[] = [];
    const http: number[] = [];
    for (let i = 0; i < CALLS + 5; i++) {
      let t = performance.now();
      const out = await db.asUser(
        claims as never,
        (tx) => tx`select public.analytics(${slug}, ${from}::date, ${today}::date) as a`,
      );
      if (i >= 5) rpc.push(performance.now() - t);
      t = performance.now();
      const res = await handler(
        new Request(`http://x/analytics?company_id=${slug}&from=${from}&to=${today}`, { method: "GET" }),
      );
      const body = await res.json();
      if (i >= 5) http.push(performance.now() - t);
      if (i === 0) {
        if (res.status !== 200) throw new Error(`analytics: ${res.status} ${JSON.stringify(body)}`);
        const parsed = AnalyticsResponse.parse(body);
        if (JSON.stringify(parsed.totals) !== JSON.stringify(AnalyticsResponse.parse(out[0].a).totals)) {
          throw new Error("analytics: the handler and the RPC disagree");
        }
        results[`sample_${days}d`] = {
          days_rows: parsed.days.length,
          costs_rows: parsed.costs.length,
          refusals_rows: parsed.refusals.length,
          totals: parsed.totals,
          budget: parsed.budget,
        };
      }
    }
    const [server] = await sql`
      select (select count(*) from public.analytics_daily where company_id = ${company.id} and day >= ${from}::date)::int as daily_rows`;
    results[`range_${days}d`] = {
      from,
      to: today,
      calls: CALLS,
      rpc_ms: summary(rpc),
      handler_ms: summary(http),
      ...server,
    };
    log(
      `${days} days: rpc p50 ${summary(rpc).p50} / p95 ${summary(rpc).p95} ms; handler p50 ${
        summary(http).p50
      } / p95 ${summary(http).p95} ms`,
    );
  }
  await db.end();

  const target = 50;
  const p95s = [30, 90].flatMap((d) => {
    const r = results[`range_${d}d`] as { rpc_ms: { p95: number }; handler_ms: { p95: number } };
    return [r.rpc_ms.p95, r.handler_ms.p95];
  });
  const report = {
    benchmark: "analytics",
    when: new Date().toISOString(),
    data: { ...rows, conversations: CONVERSATIONS, days: DAYS },
    load_ms: reuse ? null : { bulk: round(load.bulk_ms), rollups: round(load.rollups_ms) },
    trigger_cost: trigger && {
      what: `${TURNS} turns (user + reply) through private.insert_message in one statement, every trigger on`,
      insert_ms_per_message: trigger.insert_ms_per_message,
      messages_analytics_us_per_message: analyticsUs === null ? null : round(analyticsUs),
      bump_conversation_us_per_message: trigger.bump
        ? round((1000 * trigger.bump.total_time) / trigger.bump.calls)
        : null,
    },
    ...results,
    target: { p95_ms: target, met: p95s.every((p) => p <= target) },
    histogram: "response-time buckets 1.1× wide: a percentile is within 5 % of the exact nearest-rank one",
  };
  await Deno.mkdir("bench/results", { recursive: true }).catch(() => {});
  await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");
  log(`target p95 ≤ ${target} ms: ${report.target.met ? "met" : "NOT met"}; written ${args.out}`);
} finally {
  if (!args.keep) {
    await timed("cleanup", async () => {
      await sql`delete from public.companies where id = ${company.id}`;
      await sql`delete from auth.users where id = ${owner.id}`;
    });
  }
  await sql.end();
}
