/**
 * `toggle-live-mode`: the shop's admin or owner opens or closes the live. Enabling while a live
 * is open returns that session; disabling closes it (the feed gets both, by trigger). The rule
 * (an admin of the company, one open session) is public.toggle_live_mode's.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { callerRunner } from "../_shared/botlive/access.ts";
import type { Db } from "../_shared/db.ts";
import { json, readJson, serveJson } from "../_shared/http.ts";
import { ToggleLiveRequest, type ToggleLiveResponse } from "../../types/api.ts";

export function createHandler(deps: { db: Db; auth: Authenticate }) {
  return serveJson({ name: "toggle-live-mode", methods: ["POST"] }, async function (req) {
    const run = await callerRunner(deps.auth, deps.db, req);
    const body = await readJson(req, ToggleLiveRequest, { maxBytes: 4096 });
    const [row] = await run((tx) =>
      tx<
        {
          status: "enabled" | "disabled";
          session_id: string | null;
          started_at: Date | null;
          ended_at: Date | null;
        }[]
      >`
        select status, session_id::text, started_at, ended_at from public.toggle_live_mode(${body.company_id}, ${body.enable})`
    );
    const response: ToggleLiveResponse = {
      status: row.status,
      session_id: row.session_id,
      started_at: row.started_at?.toISOString() ?? null,
      ended_at: row.ended_at?.toISOString() ?? null,
    };
    return json(200, response);
  });
}
