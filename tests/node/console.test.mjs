// The operator console (console/, served at /console/) in the real browser: Debian's Chromium
// loads it from http://localhost:<port> and it calls the API at http://127.0.0.1:<port>, as a
// console deployed on a static host calls a project. An owner signs in through the form; the
// page shows the budget the tables hold, the feed and Botlive's drafts live, and the analytics
// as charts. Every request the browser refuses or fails, and every console error, is collected
// and must be none — except the `analytics` call while that function is not deployed (it is
// built beside this page): then the page must say so and keep the rest working.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { createTenant, eventually, PASSWORD, publishableKey, skip, sql, url } from "./support.mjs";

const CHROMIUM = "/usr/bin/chromium";
// As tests/node/browser.test.mjs (closed network: no background connections).
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const pageOrigin = url?.replace("127.0.0.1", "localhost");
const CHARTS = ["costs", "messages", "latency", "refusals", "rates"];

let browser, tenant;
before(async () => {
  if (skip) return;
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: npm test installs Debian's chromium (scripts/local/install.sh)`,
  );
  assert.ok(
    existsSync(new URL("../../console/vendor/chart.umd.min.js", import.meta.url)),
    "console/vendor/ is empty: run node scripts/console_vendor.mjs (scripts/local/install.sh does)",
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  tenant = createTenant("console");
  const q = (text) => `'${text}'`;
  // A turn's provider call through the ledger's one write path, and its messages: what the
  // analytics read (when the function answers). Then the month as the budget test wants it.
  const [conversation] = sql(`insert into public.conversations (company_id, channel, external_id)
    values (${q(tenant.id)}, 'widget', 'console-1') returning id`);
  sql(`insert into public.messages (conversation_id, company_id, role, content, agent, created_at) values
      (${q(conversation)}, ${q(tenant.id)}, 'user', 'Bonjour', 'support', now() - interval '2 seconds'),
      (${q(conversation)}, ${q(tenant.id)}, 'assistant', 'Bonjour !', 'support', now());
    select private.ledger_record(${q(tenant.id)}, 'chat', ${q(conversation)}, '[{"kind": "chat",
      "provider": "openai", "model_requested": "gpt-4o-mini", "model": "gpt-4o-mini", "prompt_tokens": 1000,
      "completion_tokens": 200, "latency_ms": 800, "outcome": "ok", "agent": "support"}]'::jsonb);
    insert into public.company_budgets (company_id, monthly_limit, currency, usd_rate, soft_ratio, fallback_model)
      values (${q(tenant.id)}, 50000, 'XOF', 600, 0.8, 'gpt-4o-mini');
    insert into public.budget_months as m (company_id, month, spent_usd, soft_reached_at)
      values (${q(tenant.id)}, private.budget_month(${q(tenant.id)}, now()), 70, now())
      on conflict (company_id, month) do update set spent_usd = 70, soft_reached_at = now();`);
});
after(async () => {
  await browser?.close();
  tenant?.drop();
});

/** A page that records what failed: requests the browser refused, console errors (with their URL). */
async function watchedPage() {
  const page = await (await browser.newContext()).newPage();
  const failures = [];
  page.on("requestfailed", (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("console", (m) => {
    if (m.type() === "error") failures.push(`console: ${m.text()} @ ${m.location().url}`);
  });
  page.on("pageerror", (error) => failures.push(`page: ${error.message}`));
  return { page, failures };
}

async function signIn(page) {
  await page.goto(`${pageOrigin}/console/`);
  const form = page.locator("#sign-in");
  await form.waitFor({ state: "visible" });
  // The local stack's API is the default: the page's port on 127.0.0.1.
  assert.equal(await form.locator("[name=api]").inputValue(), url);
  await form.locator("[name=key]").fill(publishableKey);
  await form.locator("[name=email]").fill(tenant.people.owner.email);
  await form.locator("[name=password]").fill(PASSWORD);
  await form.locator("button[type=submit]").click();
}

/**
 * Writes until the page shows the change (`state` of `locator`): a change committed while the
 * Realtime stand-in reconnects is not sent, as with the real server, and realtime.test.mjs,
 * running beside this file, terminates the stand-in's connections once.
 */
async function shownLive(write, locator, state = "attached") {
  await eventually(
    async () => {
      write();
      return await locator.waitFor({ state, timeout: 3000 }).then(() => true, () => undefined);
    },
    20_000,
    `the change in ${locator}`,
  );
}

const consoleState = (page) => page.evaluate(() => globalThis.consoleState);

/** Each chart's datasets as the page drew them: { name: { labels, series: { label: number[] } } }. */
function drawnCharts(page) {
  return page.evaluate((names) =>
    Object.fromEntries(names.map((name) => {
      const canvas = document.getElementById(`chart-${name}`);
      const chart = globalThis.Chart.getChart(canvas);
      // Painted pixels (not a blank canvas): the chart really drew.
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
      return [name, {
        painted,
        labels: chart?.data.labels ?? null,
        series: Object.fromEntries((chart?.data.datasets ?? []).map((d) => [d.label, d.data])),
      }];
    })), CHARTS);
}

test(
  "an owner signs in, sees the month's budget from the tables and the feed and Botlive drafts arrive live",
  { skip },
  async () => {
    const { page, failures } = await watchedPage();
    await signIn(page);
    const ready = await eventually(
      async () => {
        const s = await consoleState(page);
        return s.live?.feed && s.live?.botlive && s.budget !== undefined && s.analytics.status !== "loading"
          ? s
          : undefined;
      },
      15_000,
      "the console's first load",
    );
    assert.equal(ready.user, tenant.people.owner.email);
    assert.deepEqual(ready.companies.map((c) => [c.slug, c.role]), [[tenant.slug, "owner"]]);
    assert.deepEqual([ready.live.feed, ready.live.botlive], ["SUBSCRIBED", "SUBSCRIBED"]);
    const [month] = sql(`select private.budget_month('${tenant.id}', now())`);
    // 70 USD spent at 600 XOF the dollar: 42,000 of 50,000 XOF, past the 80 % threshold.
    assert.deepEqual(ready.budget, {
      month,
      limit: 50000,
      currency: "XOF",
      spent: 42000,
      remaining: 8000,
      soft: true,
      cap: false,
    });
    assert.equal(await page.locator("#budget-remaining").getAttribute("data-value"), "8000");
    assert.match(await page.locator("#budget-soft").innerText(), /^atteint le /);
    assert.equal(await page.locator("#budget-cap").innerText(), "non atteint");

    // The analytics: strict once the function answers 200; until then the page says why, and the
    // charts are drawn empty (the rest of this test shows the live column does not depend on it).
    const charts = await drawnCharts(page);
    if (ready.analytics.status === 200) {
      const costs = Object.values(charts.costs.series).flat().reduce((a, b) => a + b, 0);
      const messages = Object.values(charts.messages.series).flat().reduce((a, b) => a + b, 0);
      assert.ok(costs > 0, `the ledger's call in the cost chart: ${JSON.stringify(charts.costs)}`);
      assert.ok(messages >= 1, `the messages in the messages chart: ${JSON.stringify(charts.messages)}`);
    } else {
      assert.match(await page.locator("#analytics-status").innerText(), /^Statistiques indisponibles \(/);
      for (const name of CHARTS) assert.ok(charts[name].labels, `${name}: a chart on its canvas`);
    }

    await shownLive(
      () => sql(`select public.log_activity('${tenant.slug}', 'order.created', 'Commande console')`),
      page.locator("#feed li", { hasText: "Commande console" }).first(),
    );
    const [conversation] = sql(`insert into public.conversations (company_id, channel, external_id)
      values ('${tenant.id}', 'botlive', gen_random_uuid()::text) returning id`);
    const draft = page.locator(`#drafts li[data-id="${conversation}"]`);
    sql(`insert into public.botlive_drafts (conversation_id, company_id, customer_name, quantity)
      values ('${conversation}', '${tenant.id}', 'Awa', 1)`);
    await shownLive(
      () => sql(`update public.botlive_drafts set quantity = 2 where conversation_id = '${conversation}'`),
      draft.filter({ hasText: "Awa — quantité 2" }),
    );
    await shownLive(
      () =>
        sql(`insert into public.botlive_drafts (conversation_id, company_id, customer_name)
          values ('${conversation}', '${tenant.id}', 'Awa') on conflict do nothing;
          delete from public.botlive_drafts where conversation_id = '${conversation}';`),
      draft,
      "detached",
    );

    const { errors, analytics } = await consoleState(page);
    assert.deepEqual(errors, []);
    // NOTE: while the analytics function is not deployed, its call (and only it) may fail.
    const unexpected = analytics.status === 200
      ? failures
      : failures.filter((failure) => !failure.includes("/functions/v1/analytics?"));
    assert.deepEqual(unexpected, []);
    await page.close();
  },
);

/** An AnalyticsResponse (types/api.ts) over three days: two models, two agents, one refusal. */
function analyticsFixture() {
  const day = (d) => `2026-12-0${d}`;
  return {
    company_id: tenant.id,
    from: day(1),
    to: day(3),
    time_zone: "Europe/Paris",
    days: [
      {
        day: day(1),
        agent: "support",
        messages: 40,
        conversations: 10,
        response_ms_p50: 900,
        response_ms_p95: 2400,
        escalations: 1,
        errors: 0,
      },
      {
        day: day(1),
        agent: null,
        messages: 12,
        conversations: 4,
        response_ms_p50: 700,
        response_ms_p95: 1500,
        escalations: 0,
        errors: 1,
      },
      {
        day: day(3),
        agent: "support",
        messages: 20,
        conversations: 5,
        response_ms_p50: 1100,
        response_ms_p95: 3000,
        escalations: 0,
        errors: 0,
      },
    ],
    refusals: [{ day: day(2), limit: "conversation_minute", count: 3 }],
    costs: [
      {
        day: day(1),
        product: "chat",
        provider: "openrouter",
        model: "anthropic/claude-3.5-haiku",
        calls: 40,
        errors: 0,
        prompt_tokens: 40000,
        completion_tokens: 8000,
        cost_usd: 0.064,
        unpriced_calls: 0,
      },
      {
        day: day(1),
        product: "botlive",
        provider: "groq",
        model: "llama-3.3-70b-versatile",
        calls: 12,
        errors: 1,
        prompt_tokens: 9000,
        completion_tokens: 1000,
        cost_usd: 0.0061,
        unpriced_calls: 0,
      },
      {
        day: day(3),
        product: "chat",
        provider: "openrouter",
        model: "anthropic/claude-3.5-haiku",
        calls: 20,
        errors: 0,
        prompt_tokens: 20000,
        completion_tokens: 4000,
        cost_usd: 0.032,
        unpriced_calls: 0,
      },
    ],
    totals: {
      messages: 72,
      conversations: 19,
      escalation_rate: 1 / 19,
      error_rate: 1 / 72,
      cost_usd: 0.1021,
      unpriced_calls: 0,
      cost_per_conversation_usd: 0.1021 / 19,
      orders: 2,
      cost_per_order_usd: 0.1021 / 2,
    },
    budget: null,
  };
}

test(
  "the charts draw what the analytics function answers: cost, messages, response times, refusals, rates and the 5 % line",
  { skip },
  async () => {
    const { page, failures } = await watchedPage();
    const fixture = analyticsFixture();
    // The function's answer as the contract has it, whether or not it is deployed on this stack.
    await page.route(
      `${url}/functions/v1/analytics?*`,
      (route) =>
        route.request().method() === "OPTIONS"
          ? route.fulfill({
            status: 204,
            headers: {
              "access-control-allow-origin": "*",
              "access-control-allow-headers": "*",
              "access-control-allow-methods": "GET",
            },
          })
          : route.fulfill({ json: fixture, headers: { "access-control-allow-origin": "*" } }),
    );
    await signIn(page);
    await eventually(
      async () => ((await consoleState(page)).analytics.status === 200 ? true : undefined),
      15_000,
      "the analytics",
    );
    await page.fill("#from", fixture.from);
    await page.fill("#to", fixture.to);
    await page.click("#filters button[type=submit]");
    const charts = await eventually(
      async () => {
        const drawn = await drawnCharts(page);
        return drawn.costs.labels?.length === 3 ? drawn : undefined;
      },
      5000,
      "the charts of the three days",
    );

    for (const name of CHARTS) {
      assert.ok(charts[name].painted > 0, `${name}: painted on its canvas`);
    }
    assert.deepEqual(charts.costs.labels, ["12-01", "12-02", "12-03"]);
    assert.deepEqual(charts.costs.series, {
      "openrouter · anthropic/claude-3.5-haiku": [0.064, 0, 0.032],
      "groq · llama-3.3-70b-versatile": [0.0061, 0, 0],
    });
    assert.deepEqual(charts.messages.series, { support: [40, 0, 20], "Sans agent (Botlive)": [12, 0, 0] });
    assert.deepEqual(charts.latency.series, {
      "support p50": [900, null, 1100],
      "support p95": [2400, null, 3000],
      "Sans agent (Botlive) p50": [700, null, null],
      "Sans agent (Botlive) p95": [1500, null, null],
    });
    assert.deepEqual(charts.refusals.series, { conversation_minute: [0, 3, 0] });
    assert.deepEqual(charts.rates.series, {
      Escalades: [(100 * 1) / 14, null, 0],
      Erreurs: [(100 * 1) / 52, null, 0],
      "Seuil 5 %": [5, 5, 5],
    });
    const kpis = (await page.locator("#kpis").innerText()).replace(/\s/g, " ");
    for (const text of ["72", "19", "5,3 %", "1,4 %", "0,10 $US"]) {
      assert.ok(kpis.includes(text), `${text} in ${kpis}`);
    }
    assert.deepEqual((await consoleState(page)).errors, []);
    assert.deepEqual(failures, []);
    await page.close();
  },
);

test("without the analytics function the page says why, draws empty charts, and the budget and feed go on", {
  skip,
}, async () => {
  const { page, failures } = await watchedPage();
  // What the gateway answers for a function that is not deployed (the error contract).
  await page.route(`${url}/functions/v1/analytics?*`, (route) =>
    route.fulfill({
      status: 404,
      json: { error: { code: "not_found", message: "Function not found" } },
      headers: { "access-control-allow-origin": "*", "access-control-allow-headers": "*" },
    }));
  await signIn(page);
  const ready = await eventually(
    async () => {
      const s = await consoleState(page);
      return s.live && s.budget !== undefined && s.analytics.status !== "loading" ? s : undefined;
    },
    15_000,
    "the console's first load",
  );
  assert.deepEqual(ready.analytics, { status: 404, error: "Function not found" });
  assert.match(
    await page.locator("#analytics-status").innerText(),
    /^Statistiques indisponibles \(HTTP 404\) : Function not found\./,
  );
  const charts = await drawnCharts(page);
  for (const name of CHARTS) assert.deepEqual(charts[name].series, {}, `${name}: drawn empty`);
  assert.equal(ready.budget.remaining, 8000);
  await shownLive(
    () => sql(`select public.log_activity('${tenant.slug}', 'order.created', 'Commande sans statistiques')`),
    page.locator("#feed li", { hasText: "Commande sans statistiques" }).first(),
  );
  assert.deepEqual(ready.errors, []);
  // The refused call's own console line, and nothing else.
  assert.deepEqual(failures.filter((failure) => !failure.includes("/functions/v1/analytics?")), []);
  assert.equal(failures.length, 1, failures.join("\n"));
  await page.close();
});
