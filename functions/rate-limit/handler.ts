/**
 * `rate-limit`: what the widget's visitor may still send on a conversation
 * (GET ?company_id=&conversation_id=&user_id=), without consuming anything:
 * `{ allowed, remaining, limit, reset_at, limited_by }` with the company's limits. Only the
 * conversation's own visitor is answered (another visitor's conversation is a 403).
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { ChatStore } from "../_shared/chat/store.ts";
import { HttpError, json, readQuery, serveJson } from "../_shared/http.ts";
import { CLIENT_ADDRESS_HEADER } from "../chat/handler.ts";
import { RateLimitQuery, type RateLimitResponse } from "../../types/api.ts";

export interface RateLimitDeps {
  store: ChatStore;
  auth: Authenticate;
}

export function createHandler(deps: RateLimitDeps) {
  return serveJson({ name: "rate-limit", methods: ["GET"] }, async function (req) {
    await deps.auth(req, ["publishable", "secret"]);
    const query = readQuery(req, RateLimitQuery);
    const state = await deps.store.allowance({
      company: query.company_id,
      conversationId: query.conversation_id,
      visitorId: query.user_id,
      address: req.headers.get(CLIENT_ADDRESS_HEADER),
    });
    if (state.outcome === "forbidden") {
      throw new HttpError("forbidden", "rate-limit: this conversation belongs to another visitor");
    }
    const body: RateLimitResponse = {
      allowed: state.allowed,
      remaining: state.remaining,
      limit: state.limit,
      reset_at: state.resetAt,
      limited_by: state.limitedBy,
    };
    return json(200, body);
  });
}
