/**
 * `dashboard`: what the shop's owner watches during a live, in one call and one SQL round trip
 * (public.botlive_dashboard, run as the member under RLS): the live session, the feed with
 * French relative times and the older frontend's fields, the orders being filled and the
 * pending ones with each slot done or missing, today's and the last 7 days' figures; the carts
 * (articles, holds and their time left, checkouts), the waitlist and the money of the day
 * (public.botlive_cart_board, in the same statement).
 */
import type { Authenticate } from "../_shared/auth.ts";
import { callerRunner } from "../_shared/botlive/access.ts";
import { orderProofs, type ProofFiles } from "../_shared/botlive/proofs.ts";
import { relativeTime } from "../_shared/botlive/relative.ts";
import type { Db } from "../_shared/db.ts";
import { json, readJson, readQuery, serveJson } from "../_shared/http.ts";
import { DashboardQuery, type DashboardResponse } from "../../types/api.ts";

export function createHandler(deps: { db: Db; auth: Authenticate; now?: () => Date; proofs?: ProofFiles }) {
  const now = deps.now ?? (() => new Date());
  return serveJson({ name: "dashboard", methods: ["GET", "POST"] }, async function (req) {
    const run = await callerRunner(deps.auth, deps.db, req);
    // GET ?company_id= or, as supabase.functions.invoke sends it by default, POST { company_id }.
    const query = req.method === "GET"
      ? readQuery(req, DashboardQuery)
      : await readJson(req, DashboardQuery, { maxBytes: 4096 });
    const [{ dashboard, board }] = await run((tx) =>
      tx<
        {
          dashboard: Omit<DashboardResponse, "activity"> & {
            activity: Omit<DashboardResponse["activity"][number], "relative_time">[];
          };
          board: Pick<DashboardResponse, "carts" | "waitlist" | "money">;
        }[]
      >`
        select public.botlive_dashboard(${query.company_id}) as dashboard,
          public.botlive_cart_board(${query.company_id}) as board`
    );
    const at = now();
    const proofs = await orderProofs(run, deps.proofs, dashboard.to_verify.orders.map((o) => o.id));
    const response: DashboardResponse = {
      ...dashboard,
      ...board,
      to_verify: {
        ...dashboard.to_verify,
        orders: dashboard.to_verify.orders.map((o) =>
          proofs.has(o.id) ? { ...o, proofs: proofs.get(o.id) } : o
        ),
      },
      activity: dashboard.activity.map((a) => ({
        ...a,
        relative_time: relativeTime(new Date(a.timestamp), at),
      })),
    };
    return json(200, response);
  });
}
