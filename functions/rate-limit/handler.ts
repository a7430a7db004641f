/**
 * `rate-limit`: a widget conversation's current allowance (GET ?company_id=&conversation_id=),
 * without consuming it: `{ allowed, remaining, limit, reset_at }`, with the company's limits.
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readQuery, serveJson } from "../_shared/http.ts";
import { allowance, sqlState } from "../_shared/chat/limits.ts";
import { RateLimitQuery, type RateLimitResponse } from "../../types/api.ts";

export interface RateLimitDeps {
  db: Db;
  /** Default limit when the company's config has none (RATE_LIMIT_MESSAGES / _WINDOW_SECONDS). */
  env: { rateLimit: { messages: number; windowSeconds: number } };
  auth: Authenticate;
}

export function createHandler(deps: RateLimitDeps) {
  return serveJson({ name: "rate-limit", methods: ["GET"] }, async function (req) {
    await deps.auth(req, ["secret", "publishable"]);
    const query = readQuery(req, RateLimitQuery);
    let state;
    try {
      state = await deps.db.asService((tx) =>
        allowance(tx, {
          company: query.company_id,
          conversationId: query.conversation_id,
          defaults: deps.env.rateLimit,
          consume: false,
        })
      );
    } catch (error) {
      if (sqlState(error) === "P0002") {
        throw new HttpError("not_found", `rate-limit: ${(error as Error).message}`);
      }
      throw error;
    }
    const body: RateLimitResponse = {
      allowed: state.allowed,
      remaining: state.remaining,
      limit: state.limit,
      reset_at: state.resetAt.toISOString(),
    };
    return json(200, body);
  });
}
