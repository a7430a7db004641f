/**
 * The operator console: sign in → pick a company and a date range → analytics (charts and
 * totals), budget, live feed. supabase-js (window.supabase) and Chart.js (window.Chart) come
 * from console/vendor/. The analytics call failing (absent, refused) is shown where the charts
 * are; the budget and the live column go on without it.
 *
 * For the tests and the curious: `window.consoleState` holds what the page shows.
 */
import { showBudget } from "./budget.js";
import { drawCharts } from "./charts.js";
import { el, formatMoney, formatRate } from "./dom.js";
import { startLive } from "./live.js";

/** The local stack's publishable key (the Supabase CLI's default, as `npm start` uses it). */
const LOCAL_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
const $ = (id) => document.getElementById(id);
const state = (globalThis.consoleState = {
  user: null,
  companies: [],
  company: null,
  analytics: { status: "idle" },
  budget: undefined,
  live: null,
  errors: [],
});
let supabase = null;

/** The project's URL and key: the query, else what this browser used last, else the local stack's. */
function settings() {
  const query = new URLSearchParams(location.search);
  const local = ["localhost", "127.0.0.1"].includes(location.hostname);
  return {
    api: query.get("api") ?? localStorage.getItem("comptoir.api") ??
      (local ? `http://127.0.0.1:${location.port || 54321}` : ""),
    key: query.get("key") ?? localStorage.getItem("comptoir.key") ?? (local ? LOCAL_KEY : ""),
  };
}

function reportError(message) {
  state.errors.push(message);
  $("errors").textContent = state.errors.join(" · ");
  $("errors").hidden = false;
}

/** The last 30 days, today included, as days of the company's time zone (the analytics' days). */
function defaultRange(timeZone) {
  const to = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
  const from = new Date(`${to}T00:00:00Z`);
  from.setUTCDate(from.getUTCDate() - 29);
  return { from: from.toISOString().slice(0, 10), to };
}

const canvases = () => ({
  costs: $("chart-costs"),
  messages: $("chart-messages"),
  latency: $("chart-latency"),
  refusals: $("chart-refusals"),
  rates: $("chart-rates"),
});

function showTotals(totals, budget) {
  const usd = (v) => (v == null ? "—" : formatMoney(v, "USD"));
  const tile = (label, value, note, over = false) =>
    el("div", { className: `kpi${over ? " over" : ""}` }, [
      el("small", {}, label),
      el("b", {}, value),
      note ? el("small", {}, note) : "",
    ]);
  $("kpis").replaceChildren(
    tile("Messages", totals.messages.toLocaleString("fr-FR")),
    tile("Conversations", totals.conversations.toLocaleString("fr-FR")),
    tile(
      "Taux d'escalade",
      formatRate(totals.escalation_rate),
      "objectif < 5 %",
      totals.escalation_rate >= 0.05,
    ),
    tile("Taux d'erreur", formatRate(totals.error_rate), "objectif < 5 %", totals.error_rate >= 0.05),
    tile(
      "Coût des API",
      usd(totals.cost_usd),
      totals.unpriced_calls ? `+ ${totals.unpriced_calls} appels sans prix` : "",
    ),
    tile("Coût par conversation", usd(totals.cost_per_conversation_usd)),
    tile(
      "Commandes",
      totals.orders.toLocaleString("fr-FR"),
      `coût par commande : ${usd(totals.cost_per_order_usd)}`,
    ),
    ...(budget
      ? [
        tile(
          "Budget restant",
          formatMoney(budget.remaining, budget.currency),
          `sur ${formatMoney(budget.monthly_limit, budget.currency)}`,
          budget.cap_reached,
        ),
      ]
      : []),
  );
}

/** GET /functions/v1/analytics for the company and range; its failure is shown, never thrown. */
async function loadAnalytics(company, from, to) {
  const status = $("analytics-status");
  status.className = "banner";
  status.textContent = "Chargement des statistiques…";
  state.analytics = { status: "loading" };
  const query = new URLSearchParams({ company_id: company.id, from, to });
  const { data, error } = await supabase.functions.invoke(`analytics?${query}`, { method: "GET" });
  if (error) {
    const http = error.context instanceof Response ? error.context : null;
    const body = http ? await http.json().catch(() => null) : null;
    const message = body?.error?.message ?? body?.message ?? error.message;
    state.analytics = { status: http?.status ?? "network", error: message };
    status.className = "banner error";
    status.textContent =
      `Statistiques indisponibles (${http ? `HTTP ${http.status}` : "réseau"}) : ${message}. ` +
      "Le budget et le fil en direct restent à jour.";
    $("kpis").replaceChildren();
    drawCharts(canvases(), null);
    return;
  }
  state.analytics = { status: 200, data };
  status.textContent = data.costs.some((c) => c.unpriced_calls)
    ? "Certains appels concernent un modèle sans prix : ils ne sont pas comptés dans les coûts."
    : "";
  showTotals(data.totals, data.budget);
  drawCharts(canvases(), data);
}

async function loadCompany() {
  const company = state.companies.find((c) => c.id === $("company").value);
  if (!company) return;
  const changed = state.company?.id !== company.id;
  state.company = company;
  localStorage.setItem("comptoir.company", company.slug);
  const work = [
    loadAnalytics(company, $("from").value, $("to").value),
    showBudget(supabase, company, $("budget-body")).then((shown) => (state.budget = shown)),
  ];
  if (changed) {
    await supabase.removeAllChannels();
    work.push(
      startLive(supabase, company, {
        activities: $("feed"),
        orders: $("orders"),
        drafts: $("drafts"),
        feedStatus: $("feed-status"),
        botliveStatus: $("drafts-status"),
      }, reportError).then((live) => (state.live = live)),
    );
  }
  for (const result of await Promise.allSettled(work)) {
    if (result.status === "rejected") reportError(result.reason.message);
  }
}

/** The companies the user belongs to (their own company_members rows), then the page. */
async function openConsole(user) {
  state.user = user.email;
  $("who-email").textContent = user.email;
  $("who").hidden = false;
  $("sign-in").hidden = true;
  const { data, error } = await supabase.from("company_members")
    .select("role, companies(id, slug, name, time_zone)").eq("user_id", user.id);
  if (error) return reportError(`entreprises : ${error.message}`);
  state.companies = data.map((m) => ({ ...m.companies, role: m.role }))
    .sort((a, b) => a.name.localeCompare(b.name, "fr"));
  if (state.companies.length === 0) return reportError("Ce compte n'est membre d'aucune entreprise.");
  const wanted = new URLSearchParams(location.search).get("company") ??
    localStorage.getItem("comptoir.company");
  $("company").replaceChildren(
    ...state.companies.map((c) =>
      el("option", { value: c.id, selected: c.slug === wanted }, `${c.name} (${c.role})`)
    ),
  );
  const range = defaultRange(state.companies.find((c) => c.id === $("company").value).time_zone);
  $("from").value = range.from;
  $("to").value = range.to;
  $("app").hidden = false;
  await loadCompany();
}

let connectedTo = "";
/** One client per project (a second one on the same session storage would race the first). */
function connect({ api, key }) {
  if (connectedTo === `${api} ${key}`) return;
  connectedTo = `${api} ${key}`;
  supabase = globalThis.supabase.createClient(api, key, { auth: { storageKey: `comptoir-console:${api}` } });
}

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const api = String(form.get("api")).replace(/\/+$/, "");
  const key = String(form.get("key"));
  $("sign-in-error").textContent = "";
  try {
    connect({ api, key });
    const { data, error } = await supabase.auth.signInWithPassword({
      email: String(form.get("email")),
      password: String(form.get("password")),
    });
    if (error) throw error;
    localStorage.setItem("comptoir.api", api);
    localStorage.setItem("comptoir.key", key);
    await openConsole(data.user);
  } catch (error) {
    $("sign-in-error").textContent = `Connexion refusée : ${error.message}`;
  }
}

async function signOut() {
  await supabase.removeAllChannels();
  await supabase.auth.signOut();
  location.reload();
}

async function start() {
  const known = settings();
  const form = $("sign-in");
  form.elements.api.value = known.api;
  form.elements.key.value = known.key;
  form.addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("company").addEventListener("change", () => loadCompany());
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadCompany();
  });
  // A session this browser kept for this project opens the console at once.
  if (known.api && known.key) {
    connect(known);
    const { data } = await supabase.auth.getSession();
    if (data.session) return await openConsole(data.session.user);
  }
  form.hidden = false;
}

start().catch((error) => reportError(error.message));
