/**
 * `payments`: where the providers confirm money (verify_jwt off: the signature or the status
 * call is the gate), and what members and schedulers ask of them.
 *
 *   POST /payments/webhook/<account id>   a provider's notification for that shop account: Wave's
 *        signed events applied as they are (`Wave-Signature` on the raw bytes, or the shared
 *        secret); CinetPay (x-token checked), PayDunya and Orange Money only trigger the
 *        provider's status call. 401 when it does not prove itself, nothing stored; 200 with
 *        what it did otherwise (a replay: `duplicate`), so the provider stops retrying.
 *   POST /payments/reconcile               (the secret key) paid intents checked against the
 *        provider, once each; a disagreement is an alert in the shop's feed.
 *   POST /payments/refund { company_id, refund_id }   a member pays money owed back through the
 *        provider that took it (a whole Wave session), settled in the same transaction.
 *   GET  /payments/done                    where the provider's page sends the customer back.
 */
import type { Authenticate } from "../_shared/auth.ts";
import { callerRunner } from "../_shared/botlive/access.ts";
import { HttpError, json, readJson, readUpTo, serveJson } from "../_shared/http.ts";
import type { PaymentService } from "../_shared/payments/service.ts";
import { RefundRequest } from "../../types/api.ts";
import type { Db } from "../_shared/db.ts";

/** Providers' notifications are small; 64 KB is far above any of them. */
export const PAYMENTS_MAX_BODY_BYTES = 64 * 1024;

const ACCOUNT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DONE_PAGE =
  `<!doctype html><html lang="fr"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Paiement</title><body style="font-family:sans-serif;max-width:30em;margin:3em auto;padding:0 1em">
<h1>Merci !</h1><p>Retournez à votre conversation avec la boutique : elle vous confirme votre commande dès que le paiement est reçu.</p></body></html>`;

export function createHandler(deps: { db: Db; auth: Authenticate; payments: PaymentService }) {
  return serveJson({ name: "payments", methods: ["GET", "POST"] }, async function (req) {
    const path = new URL(req.url).pathname.replace(/^\/payments\/?/, "").replace(/\/$/, "");

    if (path === "done") {
      return new Response(DONE_PAGE, {
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (req.method !== "POST") throw new HttpError("method_not_allowed", "payments: POST only");

    if (path.startsWith("webhook/")) {
      const account = path.slice("webhook/".length);
      if (!ACCOUNT.test(account)) {
        throw new HttpError(
          "not_found",
          "payments: the webhook URL is /functions/v1/payments/webhook/<account id>",
        );
      }
      const raw = await readUpTo(req, PAYMENTS_MAX_BODY_BYTES);
      if (!raw) throw new HttpError("payload_too_large", "payments: a notification is at most 64 KB");
      return json(200, await deps.payments.webhook(account, raw, req.headers));
    }
    if (path === "reconcile") {
      await deps.auth(req, ["secret"]);
      return json(200, await deps.payments.reconcile());
    }
    if (path === "refund") {
      const run = await callerRunner(deps.auth, deps.db, req);
      const body = await readJson(req, RefundRequest, { maxBytes: 4 * 1024 });
      return json(200, await deps.payments.refund(run, body.company_id, body.refund_id));
    }
    throw new HttpError("not_found", `payments: no route ${path || "/"}`);
  });
}
