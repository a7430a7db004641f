/**
 * `channels`: the webhook Meta calls for a shop's WhatsApp number, Facebook page or Instagram
 * account, at /functions/v1/channels/<Meta app id> (verify_jwt off: the signature is the gate).
 *
 *   GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…   Meta's verification: the
 *        challenge echoed when the token is one of the app's accounts' (constant time), else 403.
 *   POST the webhook: the signature (X-Hub-Signature-256, HMAC-SHA256 of the raw bytes with the
 *        app secret) checked before the body is even parsed; 401 and nothing stored otherwise.
 *        Its messages, comments and statuses go to the inbox in one short transaction, then 200;
 *        Botlive's answers and the sends run after the answer (EdgeRuntime.waitUntil).
 *   POST /channels/sweep (the secret key): the same processing, for a scheduler (Supabase Cron)
 *        to pick up what a stopped run left.
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readUpTo, serveJson } from "../_shared/http.ts";
import { sameToken, verifySignature } from "../_shared/channels/signature.ts";
import { parseWebhook } from "../_shared/channels/webhook.ts";
import type { ChannelWorker } from "./worker.ts";

/** Meta's payloads are at most 3 MB. */
export const CHANNELS_MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ChannelsDeps {
  db: Db;
  auth: Authenticate;
  worker: ChannelWorker;
  /** Keeps work going after the response (EdgeRuntime.waitUntil on Supabase). */
  waitUntil: (work: Promise<unknown>) => void;
}

const APP_ID = /^[0-9]{1,40}$/;
const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;
/** Messages, comments and statuses in one webhook: Meta's batches stay far below. */
export const CHANNELS_MAX_ITEMS = 1000;

export function createHandler(deps: ChannelsDeps) {
  const { db } = deps;

  return serveJson({ name: "channels", methods: ["GET", "POST"] }, async function (req) {
    const url = new URL(req.url);
    const target = url.pathname.replace(/^\/channels\/?/, "").replace(/\/$/, "");

    if (target === "sweep") {
      if (req.method !== "POST") throw new HttpError("method_not_allowed", "channels: sweep is a POST");
      await deps.auth(req, ["secret"]);
      return json(200, await deps.worker.drain());
    }
    if (!APP_ID.test(target)) {
      throw new HttpError("not_found", "channels: the webhook URL is /functions/v1/channels/<your Meta app id>");
    }

    if (req.method === "GET") {
      const token = url.searchParams.get("hub.verify_token") ?? "";
      const challenge = url.searchParams.get("hub.challenge") ?? "";
      const tokens = url.searchParams.get("hub.mode") === "subscribe" && token
        ? await db.asService((tx) => tx<{ verify_token: string }[]>`select * from public.channel_verify_tokens(${target})`)
        : [];
      // Every token is compared, so the time does not tell which one matched.
      const known = tokens.map((t) => sameToken(token, t.verify_token)).includes(true);
      if (!known) throw new HttpError("forbidden", "channels: the verify token does not match");
      return new Response(challenge, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
    }

    // An unsigned request costs nothing more than this: no body read, no query.
    const signature = req.headers.get("x-hub-signature-256");
    if (!signature || !SIGNATURE.test(signature)) {
      throw new HttpError("unauthorized", "channels: invalid or missing X-Hub-Signature-256");
    }
    const raw = await readUpTo(req, CHANNELS_MAX_BODY_BYTES);
    if (!raw) throw new HttpError("payload_too_large", "channels: a webhook body is at most 3 MB");
    const secrets = (await db.asService((tx) =>
      tx<{ app_secret: string }[]>`select * from public.channel_app_secrets(${target})`
    )).map((row) => row.app_secret);
    const matched = await verifySignature(raw, signature, secrets);
    if (matched < 0) throw new HttpError("unauthorized", "channels: invalid or missing X-Hub-Signature-256");

    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new HttpError("invalid_json", "channels: the body is not JSON");
    }
    const parsed = parseWebhook(body);
    if (parsed.messages.length + parsed.statuses.length + parsed.comments.length > CHANNELS_MAX_ITEMS) {
      throw new HttpError("payload_too_large", `channels: at most ${CHANNELS_MAX_ITEMS} items a webhook`);
    }
    const items = { messages: parsed.messages, statuses: parsed.statuses, comments: parsed.comments };
    // Routed only to the app's accounts holding the secret that signed: a payload signed by one
    // app secret never reaches a shop whose account has another, whatever ids it names.
    const [{ received }] = await db.asService((tx) =>
      tx<{ received: Record<string, unknown> }[]>`
        select public.channel_receive(${target}, ${secrets[matched]}, ${tx.json(items as never)}) as received`
    );
    if (((received.new as unknown[]) ?? []).length > 0) {
      deps.waitUntil(deps.worker.drain().catch((error) => {
        console.error(`channels: processing after the ack failed (${error instanceof Error ? error.name : "error"})`);
      }));
    }
    return json(200, { received, skipped: parsed.skipped.length });
  });
}
