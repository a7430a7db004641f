/**
 * WhatsApp Cloud API webhooks (`object: "whatsapp_business_account"`): `entry[].changes[]` whose
 * `value` (field `messages`) holds `metadata.phone_number_id`, `contacts`, `messages` and
 * `statuses`. Each message and status is checked on its own.
 */
import { z } from "zod";
import { cleanText } from "./text.ts";
import {
  type Collector,
  Id,
  type InboundKind,
  type InboundMessage,
  type InboundStatus,
  isoTime,
  Items,
  Timestamp,
} from "./inbound.ts";

const Entry = z.object({ changes: Items });
const Change = z.object({ field: z.string(), value: z.unknown() });
const Value = z.object({
  metadata: z.object({ phone_number_id: Id }),
  contacts: Items.optional(),
  messages: Items.optional(),
  statuses: Items.optional(),
});
const Contact = z.object({ wa_id: Id, profile: z.object({ name: z.string() }).optional() });

const Message = z.object({
  from: Id,
  id: Id,
  timestamp: Timestamp,
  type: z.string(),
  context: z.object({ id: Id.optional() }).optional(),
});

const Media = z.object({
  id: Id,
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  url: z.string().max(4096).optional(),
});

/** What each known type must carry; a type not listed here is kept as "unsupported". */
const Bodies = {
  text: z.object({ text: z.object({ body: z.string() }) }),
  interactive: z.object({
    interactive: z.object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string(), title: z.string() }).optional(),
    }),
  }),
  button: z.object({ button: z.object({ text: z.string(), payload: z.string().optional() }) }),
  image: z.object({ image: Media }),
  document: z.object({ document: Media }),
  audio: z.object({ audio: Media }),
  video: z.object({ video: Media }),
  sticker: z.object({ sticker: Media }),
  location: z.object({
    location: z.object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  }),
  reaction: z.object({ reaction: z.object({ message_id: Id, emoji: z.string().optional() }) }),
} as const;

type Body<K extends keyof typeof Bodies> = z.output<(typeof Bodies)[K]>;

const Status = z.object({
  id: Id,
  status: z.enum(["sent", "delivered", "read", "failed"]),
  timestamp: Timestamp,
  recipient_id: Id.optional(),
  errors: z.array(z.object({
    code: z.number().int(),
    title: z.string().optional(),
    message: z.string().optional(),
  })).optional(),
});

/** Reads every entry of a WhatsApp body into `out`. */
export function parseWhatsApp(entries: unknown[], out: Collector): void {
  entries.forEach((raw, e) => {
    const entry = out.check(Entry, raw, `entry[${e}]`);
    entry?.changes.forEach((rawChange, c) => {
      const path = `entry[${e}].changes[${c}]`;
      const change = out.check(Change, rawChange, path);
      // Other fields (template status, account updates…) are not messages: nothing to route.
      if (!change || change.field !== "messages") return;
      const value = out.check(Value, change.value, `${path}.value`);
      if (value) readValue(value, `${path}.value`, out);
    });
  });
}

function readValue(value: z.output<typeof Value>, path: string, out: Collector): void {
  const account = value.metadata.phone_number_id;
  const names = new Map<string, string>();
  for (const raw of value.contacts ?? []) {
    const contact = Contact.safeParse(raw);
    // A contact is only a display name: a bad one costs the name, never the message.
    if (contact.success && contact.data.profile) {
      names.set(contact.data.wa_id, cleanText(contact.data.profile.name, 256));
    }
  }
  value.messages?.forEach((raw, i) => {
    const message = readMessage(raw, `${path}.messages[${i}]`, out);
    if (!message) return;
    const name = names.get(message.from);
    out.messages.push({ platform: "whatsapp", account, ...message, ...(name ? { name } : {}) });
  });
  value.statuses?.forEach((raw, i) => {
    const status = out.check(Status, raw, `${path}.statuses[${i}]`);
    if (!status) return;
    const item: InboundStatus = {
      platform: "whatsapp",
      account,
      id: status.id,
      status: status.status,
      at: isoTime(status.timestamp),
    };
    if (status.recipient_id) item.recipient = status.recipient_id;
    if (status.errors?.length) {
      item.errors = status.errors.map((error) => ({
        code: error.code,
        ...(error.title !== undefined ? { title: cleanText(error.title, 512) } : {}),
        ...(error.message !== undefined ? { message: cleanText(error.message, 512) } : {}),
      }));
    }
    out.statuses.push(item);
  });
}

type Parsed = Omit<InboundMessage, "platform" | "account" | "name">;

function readMessage(raw: unknown, path: string, out: Collector): Parsed | undefined {
  const base = out.check(Message, raw, path);
  if (!base) return undefined;
  const message: Parsed = {
    id: base.id,
    from: base.from,
    at: isoTime(base.timestamp),
    kind: "unsupported",
  };
  if (base.context?.id) message.context_id = base.context.id;
  if (!Object.hasOwn(Bodies, base.type)) return message;
  const type = base.type as keyof typeof Bodies;
  const body = out.check(Bodies[type], raw, path);
  if (!body) return undefined;
  return { ...message, ...readBody(type, body) };
}

/** The kind-specific fields of a message whose body matched its type's schema. */
function readBody(type: keyof typeof Bodies, body: unknown): Partial<Parsed> & { kind: InboundKind } {
  switch (type) {
    case "text":
      return { kind: "text", text: cleanText((body as Body<"text">).text.body) };
    case "interactive": {
      const { interactive } = body as Body<"interactive">;
      const reply = interactive.button_reply ?? interactive.list_reply;
      // Flow replies (nfm_reply) and future subtypes carry no title to read.
      if (!reply) return { kind: "unsupported" };
      return { kind: "interactive", text: cleanText(reply.title), reply_id: cleanText(reply.id, 256) };
    }
    case "button": {
      const { button } = body as Body<"button">;
      return {
        kind: "button",
        text: cleanText(button.text),
        ...(button.payload !== undefined ? { reply_id: cleanText(button.payload, 256) } : {}),
      };
    }
    case "location": {
      const { location } = body as Body<"location">;
      const name = location.name !== undefined ? cleanText(location.name, 256) : undefined;
      const address = location.address !== undefined ? cleanText(location.address, 512) : undefined;
      const text = [name, address].filter(Boolean).join(", ");
      return {
        kind: "location",
        location: {
          latitude: location.latitude,
          longitude: location.longitude,
          ...(name ? { name } : {}),
          ...(address ? { address } : {}),
        },
        ...(text ? { text } : {}),
      };
    }
    case "reaction": {
      // An empty emoji means the reaction was removed.
      const { reaction } = body as Body<"reaction">;
      return { kind: "reaction", text: cleanText(reaction.emoji ?? "", 32), context_id: reaction.message_id };
    }
    default:
      return readMedia(type, (body as Record<string, z.output<typeof Media>>)[type]);
  }
}

function readMedia(
  kind: InboundKind,
  media: z.output<typeof Media>,
): Partial<Parsed> & { kind: InboundKind } {
  const caption = media.caption !== undefined ? cleanText(media.caption) : undefined;
  const out: NonNullable<InboundMessage["media"]> = { id: media.id };
  if (media.url !== undefined) out.url = media.url;
  if (media.mime_type !== undefined) out.mime_type = cleanText(media.mime_type, 256);
  if (media.sha256 !== undefined) out.sha256 = cleanText(media.sha256, 128);
  if (caption !== undefined) out.caption = caption;
  if (media.filename !== undefined) out.filename = cleanText(media.filename, 256);
  return { kind, media: out, ...(caption ? { text: caption } : {}) };
}
