/**
 * Parses a Meta webhook body (already signature-checked and JSON-parsed) into normalized
 * messages, statuses and comments. Every entry, change, event, message and status is validated
 * on its own, so one malformed item lands in `skipped` and never drops its neighbours. Unknown
 * message types are kept as kind "unsupported" (the shop answers them politely).
 */
import { z } from "zod";
import { Collector, type ParsedWebhook } from "./inbound.ts";
import { parseWhatsApp } from "./webhook_whatsapp.ts";
import { parseMessenger } from "./webhook_messenger.ts";

export type {
  InboundComment,
  InboundKind,
  InboundMessage,
  InboundStatus,
  ParsedWebhook,
  Platform,
  Skipped,
} from "./inbound.ts";

const Body = z.object({ object: z.string(), entry: z.array(z.unknown()) });

/**
 * Normalizes `body`; `now` dates Instagram comments whose entry has no `time`.
 * Never throws: a body that is not a Meta webhook yields one `skipped` item at `(root)`.
 */
export function parseWebhook(body: unknown, now: Date = new Date()): ParsedWebhook {
  const root = Body.safeParse(body);
  if (!root.success) {
    const out = new Collector("");
    const issue = root.error.issues[0];
    out.skip(issue.path.length ? issue.path.map(String).join(".") : "(root)", issue.message);
    return out.result();
  }
  const out = new Collector(root.data.object);
  switch (root.data.object) {
    case "whatsapp_business_account":
      parseWhatsApp(root.data.entry, out);
      break;
    case "page":
      parseMessenger("messenger", root.data.entry, out, now);
      break;
    case "instagram":
      parseMessenger("instagram", root.data.entry, out, now);
      break;
    default:
      out.skip("object", `unsupported object "${root.data.object.slice(0, 64)}"`);
  }
  return out.result();
}
