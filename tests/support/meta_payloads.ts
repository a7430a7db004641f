/**
 * Webhook bodies as Meta sends them, for tests, benchmarks and the demo: a serialiser that
 * escapes like Meta (every non-ASCII UTF-16 unit as `\uXXXX` in lowercase hex, emoji as surrogate
 * pairs, `/` as `\/`), a signer, and small builders that `combinePayloads` merges into one body
 * with several entries, messages and statuses.
 */
import { signBody } from "../../functions/_shared/channels/signature.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The body Meta would send for `payload`: what the signature covers, byte for byte. */
export function metaBody(payload: unknown): string {
  return JSON.stringify(payload)
    .replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`)
    // Outside strings JSON has no "/", so escaping every one only touches string contents.
    .replaceAll("/", "\\/");
}

/** A delivery as Meta makes it: the escaped body and its headers. */
export async function signedWebhook(
  payload: unknown,
  appSecret: string,
): Promise<{ body: string; headers: { "content-type": string; "x-hub-signature-256": string } }> {
  const body = metaBody(payload);
  return {
    body,
    headers: { "content-type": "application/json", "x-hub-signature-256": await signBody(body, appSecret) },
  };
}

let counter = 0;
function randomId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const text = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
  return `${prefix}${text}${(++counter).toString(36)}`;
}

/** A wamid-looking id, unique per call. */
export function wamid(): string {
  return randomId("wamid.HBgL");
}

/** A Messenger/Instagram message id, unique per call. */
export function mid(): string {
  return randomId("m_");
}

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

export interface WhatsAppFrom {
  phoneNumberId: string;
  from: string;
  name?: string;
  id?: string;
  /** Unix seconds (Meta sends a string); default now. */
  timestamp?: number | string;
  /** The id of the message this one replies to. */
  context?: string;
}

function whatsappValue(phoneNumberId: string, value: Record<string, unknown>): Json {
  return {
    object: "whatsapp_business_account",
    entry: [{
      id: `waba-${phoneNumberId}`,
      changes: [{
        field: "messages",
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: "221770000000", phone_number_id: phoneNumberId },
          ...value,
        },
      }],
    }],
  };
}

/** A WhatsApp message of any `type`; `fields` are merged in (e.g. `{ location: {...} }`). */
export function whatsappMessage(
  args: WhatsAppFrom & { type: string; fields?: Record<string, unknown> },
): Json {
  const message = {
    from: args.from,
    id: args.id ?? wamid(),
    timestamp: String(args.timestamp ?? nowSeconds()),
    type: args.type,
    ...(args.context ? { context: { from: args.from, id: args.context } } : {}),
    ...args.fields,
  };
  return whatsappValue(args.phoneNumberId, {
    contacts: [{ profile: { name: args.name ?? "Client" }, wa_id: args.from }],
    messages: [message],
  });
}

export function whatsappText(args: WhatsAppFrom & { text: string }): Json {
  return whatsappMessage({ ...args, type: "text", fields: { text: { body: args.text } } });
}

export function whatsappImage(
  args: WhatsAppFrom & { mediaId: string; mimeType?: string; sha256?: string; caption?: string },
): Json {
  const image = {
    mime_type: args.mimeType ?? "image/jpeg",
    ...(args.sha256 !== undefined ? { sha256: args.sha256 } : {}),
    id: args.mediaId,
    ...(args.caption !== undefined ? { caption: args.caption } : {}),
  };
  return whatsappMessage({ ...args, type: "image", fields: { image } });
}

export function whatsappStatus(args: {
  phoneNumberId: string;
  id: string;
  status: "sent" | "delivered" | "read" | "failed" | string;
  recipient?: string;
  timestamp?: number | string;
  errors?: { code: number; title?: string; message?: string }[];
}): Json {
  return whatsappValue(args.phoneNumberId, {
    statuses: [{
      id: args.id,
      status: args.status,
      timestamp: String(args.timestamp ?? nowSeconds()),
      recipient_id: args.recipient ?? "221770000001",
      ...(args.errors ? { errors: args.errors } : {}),
    }],
  });
}

function messagingEntry(object: "page" | "instagram", account: string, event: Record<string, unknown>): Json {
  return { object, entry: [{ id: account, time: Date.now(), messaging: [event] }] };
}

export interface MessagingFrom {
  /** The Page id (Messenger) or Instagram account id. */
  account: string;
  /** PSID or IGSID. */
  from: string;
  id?: string;
  /** Milliseconds; default now. */
  timestamp?: number;
}

function messaging(
  object: "page" | "instagram",
  args: MessagingFrom,
  message: Record<string, unknown>,
): Json {
  return messagingEntry(object, args.account, {
    sender: { id: args.from },
    recipient: { id: args.account },
    timestamp: args.timestamp ?? Date.now(),
    message: { mid: args.id ?? mid(), ...message },
  });
}

/** A Messenger text; `echo` builds the echo of a message the Page sent (sender = the Page). */
export function messengerText(args: MessagingFrom & { text: string; echo?: boolean }): Json {
  if (!args.echo) return messaging("page", args, { text: args.text });
  return messagingEntry("page", args.account, {
    sender: { id: args.account },
    recipient: { id: args.from },
    timestamp: args.timestamp ?? Date.now(),
    message: { mid: args.id ?? mid(), is_echo: true, app_id: 1234, text: args.text },
  });
}

export function messengerAttachment(args: MessagingFrom & { type: string; url: string }): Json {
  return messaging("page", args, { attachments: [{ type: args.type, payload: { url: args.url } }] });
}

export function instagramText(args: MessagingFrom & { text: string }): Json {
  return messaging("instagram", args, { text: args.text });
}

export function instagramComment(args: {
  account: string;
  from: string;
  username?: string;
  text: string;
  id?: string;
  mediaId?: string;
  live?: boolean;
  /** Entry time in milliseconds; default now. */
  time?: number;
}): Json {
  return {
    object: "instagram",
    entry: [{
      id: args.account,
      time: args.time ?? Date.now(),
      changes: [{
        field: args.live ? "live_comments" : "comments",
        value: {
          id: args.id ?? String(17_800_000_000_000_000 + (++counter)),
          from: { id: args.from, username: args.username ?? "cliente" },
          text: args.text,
          media: { id: args.mediaId ?? "18000000000000001", media_product_type: args.live ? "LIVE" : "FEED" },
        },
      }],
    }],
  };
}

export function instagramLiveComment(args: Omit<Parameters<typeof instagramComment>[0], "live">): Json {
  return instagramComment({ ...args, live: true });
}

/**
 * One body from several built ones of the same `object`: WhatsApp parts with the same
 * phone_number_id share an entry (contacts, messages and statuses concatenated), others keep
 * their own; Page and Instagram parts are merged per entry id.
 */
export function combinePayloads(...parts: Json[]): Json {
  const object = parts[0]?.object;
  if (parts.some((part) => part.object !== object)) throw new Error("combinePayloads: mixed objects");
  const entries = new Map<string, Json>();
  for (const part of structuredClone(parts)) {
    for (const entry of part.entry) {
      const key = object === "whatsapp_business_account"
        ? entry.changes[0].value.metadata.phone_number_id
        : entry.id;
      const seen = entries.get(key);
      if (!seen) {
        entries.set(key, entry);
      } else if (object === "whatsapp_business_account") {
        const into = seen.changes[0].value;
        const from = entry.changes[0].value;
        for (const list of ["contacts", "messages", "statuses"]) {
          if (from[list]) into[list] = [...(into[list] ?? []), ...from[list]];
        }
      } else {
        for (const list of ["messaging", "changes"]) {
          if (entry[list]) seen[list] = [...(seen[list] ?? []), ...entry[list]];
        }
      }
    }
  }
  return { object, entry: [...entries.values()] };
}

/** The WhatsApp name for {@link combinePayloads}. */
export const whatsappPayload = combinePayloads;
