/**
 * `assistant`: a signed-in user's business questions, answered from their company's own data,
 * and their conversations. One POST body `{ action, ... }` (action defaults to `ask`), so that
 * `supabase.functions.invoke('assistant', { body })` serves every call. The work is
 * functions/_shared/assistant/turn.ts.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { type AssistantDeps, createAssistant } from "../_shared/assistant/turn.ts";
import { AssistantRequest } from "../../types/api.ts";

/** A body larger than this is a 413 (a question is at most 4,000 characters). */
export const ASSISTANT_MAX_BODY_BYTES = 64 * 1024;

export function createHandler(deps: AssistantDeps & { auth: Authenticate }) {
  const assistant = createAssistant(deps);
  return serveJson({ name: "assistant", methods: ["POST"] }, async function (req) {
    const caller = await deps.auth(req, ["user"]);
    if (caller.kind !== "user") throw new HttpError("forbidden", "assistant: requires a signed-in user");
    const body = await readJson(req, AssistantRequest, { maxBytes: ASSISTANT_MAX_BODY_BYTES });
    return json(200, await assistant(caller.claims, body));
  });
}
