/**
 * The console's charts, each drawn from the `analytics` function's answer (`AnalyticsResponse`
 * in types/api.ts) with Chart.js's UMD build (window.Chart, console/vendor/). Every chart has one
 * point per day of the range, so a day without activity reads as 0, not as a gap.
 */
const Chart = globalThis.Chart;
const PALETTE = ["#2f6fed", "#f79009", "#12b76a", "#9e77ed", "#f04438", "#0ba5ec", "#667085", "#ee46bc"];
/** The rate the operator watches (seed 004: escalations and errors under 5 %). */
export const RATE_LINE = 5;
const NO_AGENT = "Sans agent (Botlive)";

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive). */
export function daysBetween(from, to) {
  const days = [];
  const day = new Date(`${from}T00:00:00Z`);
  while (day <= new Date(`${to}T00:00:00Z`)) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

/** Rows summed per series and day: `{ series: Map<name, number[]> }` aligned on `days`. */
function perDay(days, rows, seriesOf, valueOf) {
  const index = new Map(days.map((day, i) => [day, i]));
  const series = new Map();
  for (const row of rows) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    const name = seriesOf(row);
    if (!series.has(name)) series.set(name, days.map(() => 0));
    series.get(name)[i] += valueOf(row);
  }
  return series;
}

function datasets(series, options = {}) {
  return [...series].map(([label, data], i) => ({
    label,
    data,
    backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: PALETTE[i % PALETTE.length],
    ...options,
  }));
}

/** The five charts' data from one AnalyticsResponse. */
export function chartData(analytics) {
  const days = daysBetween(analytics.from, analytics.to);
  const agent = (row) => row.agent ?? NO_AGENT;

  const costs = perDay(days, analytics.costs, (r) => `${r.provider} · ${r.model}`, (r) => r.cost_usd);
  const messages = perDay(days, analytics.days, agent, (r) => r.messages);
  const refusals = perDay(days, analytics.refusals, (r) => r.limit, (r) => r.count);

  // p50 and p95 per agent as the function computed them (percentiles do not add across agents).
  const latency = [];
  const agents = [...new Set(analytics.days.map(agent))];
  agents.forEach((name, i) => {
    for (const [q, dash] of [["p50", []], ["p95", [6, 4]]]) {
      const byDay = new Map(
        analytics.days.filter((r) => agent(r) === name).map((r) => [r.day, r[`response_ms_${q}`]]),
      );
      latency.push({
        label: `${name} ${q}`,
        data: days.map((day) => byDay.get(day) ?? null),
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        borderDash: dash,
        spanGaps: true,
      });
    }
  });

  // Per day: escalated conversations over conversations, errors over messages (in %).
  const sums = perDay(
    days,
    analytics.days.flatMap((r) => [
      { day: r.day, k: "conversations", v: r.conversations },
      { day: r.day, k: "escalations", v: r.escalations },
      { day: r.day, k: "messages", v: r.messages },
      { day: r.day, k: "errors", v: r.errors },
    ]),
    (r) => r.k,
    (r) => r.v,
  );
  const zero = days.map(() => 0);
  const ratio = (num, den) =>
    days.map((
      _,
      i,
    ) => ((sums.get(den) ?? zero)[i] ? (100 * (sums.get(num) ?? zero)[i]) / sums.get(den)[i] : null));

  return {
    days,
    costs: datasets(costs, { stack: "cost" }),
    messages: datasets(messages, { stack: "messages" }),
    latency,
    refusals: datasets(refusals, { stack: "refusals" }),
    rates: [
      {
        label: "Escalades",
        data: ratio("escalations", "conversations"),
        borderColor: PALETTE[1],
        spanGaps: true,
      },
      { label: "Erreurs", data: ratio("errors", "messages"), borderColor: PALETTE[4], spanGaps: true },
      {
        label: `Seuil ${RATE_LINE} %`,
        data: days.map(() => RATE_LINE),
        borderColor: "#b42318",
        borderDash: [4, 4],
        pointRadius: 0,
      },
    ],
  };
}

const KIND = { costs: "bar", messages: "bar", latency: "line", refusals: "bar", rates: "line" };

/**
 * Draws (or redraws) the five charts into `canvases` ({ costs, messages, latency, refusals,
 * rates }: canvas elements); with `analytics` null, empty charts.
 */
export function drawCharts(canvases, analytics) {
  const data = analytics
    ? chartData(analytics)
    : { days: [], costs: [], messages: [], latency: [], refusals: [], rates: [] };
  for (const [name, canvas] of Object.entries(canvases)) {
    Chart.getChart(canvas)?.destroy();
    const stacked = KIND[name] === "bar";
    new Chart(canvas, {
      type: KIND[name],
      data: { labels: data.days.map((day) => day.slice(5)), datasets: data[name] },
      options: {
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked },
          y: {
            stacked,
            beginAtZero: true,
            ...(name === "rates" ? { suggestedMax: 10, ticks: { callback: (v) => `${v} %` } } : {}),
          },
        },
      },
    });
  }
}
