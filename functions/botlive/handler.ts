/**
 * `botlive`: one customer message from the shop's messaging integration (WhatsApp, Messenger),
 * which calls with the secret key. The turn itself is functions/_shared/botlive/turn.ts; this
 * is the HTTP side: credentials, the body checked (zod, 64 KiB), the answer as JSON.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { json, readJson, serveJson } from "../_shared/http.ts";
import { type BotliveDeps, createBotliveTurn } from "../_shared/botlive/turn.ts";
import { BotliveRequest } from "../../types/api.ts";

/** A body larger than this is a 413 (a message is at most 4,000 characters). */
export const BOTLIVE_MAX_BODY_BYTES = 64 * 1024;

export function createHandler(deps: BotliveDeps & { auth: Authenticate }) {
  const turn = createBotliveTurn(deps);
  return serveJson({ name: "botlive", methods: ["POST"] }, async function (req) {
    await deps.auth(req, ["secret"]);
    const body = await readJson(req, BotliveRequest, { maxBytes: BOTLIVE_MAX_BODY_BYTES });
    return json(200, await turn(body));
  });
}
