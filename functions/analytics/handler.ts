/**
 * `analytics`: what the operator watches after go-live, for one company and a range of its days,
 * in one call and one SQL round trip (public.analytics, run as the member under RLS: it reads
 * the per-day rollups, never the raw rows): per day and agent the messages, conversations,
 * response times and escalations; refusals by limit; the ledger by provider and model; totals,
 * cost per conversation and per order; the month's budget.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { callerRunner } from "../_shared/botlive/access.ts";
import type { Db } from "../_shared/db.ts";
import { json, readJson, readQuery, serveJson } from "../_shared/http.ts";
import { AnalyticsQuery, type AnalyticsResponse } from "../../types/api.ts";

export function createHandler(deps: { db: Db; auth: Authenticate }) {
  return serveJson({ name: "analytics", methods: ["GET", "POST"] }, async function (req) {
    const run = await callerRunner(deps.auth, deps.db, req);
    // GET ?company_id=&from=&to= or, as supabase.functions.invoke sends it by default, POST { ... }.
    const query = req.method === "GET"
      ? readQuery(req, AnalyticsQuery)
      : await readJson(req, AnalyticsQuery, { maxBytes: 4096 });
    const [{ analytics }] = await run((tx) =>
      tx<{ analytics: AnalyticsResponse }[]>`
        select public.analytics(${query.company_id}, ${query.from}::date, ${query.to}::date) as analytics`
    );
    return json(200, analytics);
  });
}
