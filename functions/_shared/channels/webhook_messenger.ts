/**
 * Messenger (`object: "page"`) and Instagram (`object: "instagram"`) webhooks: the same
 * `entry[].messaging[]` events (sender, recipient, timestamp in ms, message with `mid`, text and
 * attachments as URLs), plus `entry[].changes[]` for comments: Instagram fields `comments` and
 * `live_comments`, Facebook Page field `feed` (item `comment`, verb `add`).
 *
 * Left out on purpose: echoes of our own sends (`is_echo`), deleted messages, reactions (no id of
 * their own to deduplicate on), `read` / `messaging_seen` (a watermark, not message ids) and a
 * `delivery` without `mids`. A `delivery` listing `mids` becomes one "delivered" status per mid.
 */
import { z } from "zod";
import { cleanText } from "./text.ts";
import {
  type Collector,
  Id,
  type InboundKind,
  type InboundMessage,
  isoTime,
  Items,
  Timestamp,
} from "./inbound.ts";

const Entry = z.object({
  id: Id,
  time: Timestamp.optional(),
  messaging: Items.optional(),
  changes: Items.optional(),
});
const Event = z.object({
  sender: z.object({ id: Id }),
  recipient: z.object({ id: Id }),
  timestamp: Timestamp,
  message: z.unknown().optional(),
  postback: z.unknown().optional(),
  delivery: z.unknown().optional(),
});
const Message = z.object({
  mid: Id,
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  reply_to: z.object({ mid: Id.optional() }).optional(),
  attachments: z.array(z.object({
    type: z.string(),
    payload: z.object({
      url: z.string().max(4096).optional(),
      coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
    }).nullish(),
  })).optional(),
});
const Postback = z.object({ mid: Id, title: z.string().optional(), payload: z.string().optional() });
const Delivery = z.object({ mids: z.array(Id).optional() });
const Change = z.object({ field: z.string(), value: z.unknown() });
const IgComment = z.object({
  id: Id,
  from: z.object({ id: Id, username: z.string().optional() }),
  text: z.string().optional(),
  media: z.object({ id: Id }).optional(),
});
const FeedComment = z.object({
  item: z.string(),
  verb: z.string(),
  comment_id: Id.optional(),
  post_id: Id.optional(),
  from: z.object({ id: Id, name: z.string().optional() }).optional(),
  message: z.string().optional(),
  created_time: Timestamp.optional(),
});

/** Attachment types that map to a kind; anything else (share, reel, post, fallback…) is "unsupported". */
const ATTACHMENT_KINDS: Record<string, InboundKind> = {
  image: "image",
  video: "video",
  audio: "audio",
  file: "document",
  sticker: "sticker",
  location: "location",
};

type Platform = "messenger" | "instagram";
type Message = z.output<typeof Message>;

/** Reads every entry of a Page or Instagram body into `out`. */
export function parseMessenger(platform: Platform, entries: unknown[], out: Collector, now: Date): void {
  entries.forEach((raw, e) => {
    const entry = out.check(Entry, raw, `entry[${e}]`);
    if (!entry) return;
    entry.messaging?.forEach((event, i) => readEvent(platform, event, `entry[${e}].messaging[${i}]`, out));
    const at = entry.time !== undefined ? isoTime(entry.time) : now.toISOString();
    entry.changes?.forEach((change, c) =>
      readChange(platform, entry.id, at, change, `entry[${e}].changes[${c}]`, out)
    );
  });
}

function readEvent(platform: Platform, raw: unknown, path: string, out: Collector): void {
  const event = out.check(Event, raw, path);
  if (!event) return;
  const account = event.recipient.id;
  const at = isoTime(event.timestamp);
  const base = { platform, account, from: event.sender.id, at };
  if (event.message !== undefined) {
    const message = out.check(Message, event.message, `${path}.message`);
    if (!message || message.is_echo || message.is_deleted) return;
    out.messages.push(...readMessage(base, message));
  } else if (event.postback !== undefined) {
    // A tap on a button of a template we sent: its title reads like an interactive reply.
    const postback = out.check(Postback, event.postback, `${path}.postback`);
    if (!postback) return;
    out.messages.push({
      ...base,
      id: postback.mid,
      kind: "interactive",
      text: cleanText(postback.title ?? ""),
      ...(postback.payload !== undefined ? { reply_id: cleanText(postback.payload, 256) } : {}),
    });
  } else if (event.delivery !== undefined) {
    // Messenger reports a delivery as sender = the customer, recipient = the Page.
    const delivery = out.check(Delivery, event.delivery, `${path}.delivery`);
    for (const mid of delivery?.mids ?? []) {
      out.statuses.push({ platform, account, id: mid, status: "delivered", at, recipient: event.sender.id });
    }
  }
}

type Base = Pick<InboundMessage, "platform" | "account" | "from" | "at">;

/** One message per attachment (the first keeps the `mid`, the next get `mid#1`, `mid#2`…). */
function readMessage(base: Base, message: Message): InboundMessage[] {
  const first: InboundMessage = { ...base, id: message.mid, kind: "text" };
  if (message.text !== undefined) first.text = cleanText(message.text);
  if (message.reply_to?.mid) first.context_id = message.reply_to.mid;
  if (message.quick_reply) {
    first.kind = "interactive";
    first.reply_id = cleanText(message.quick_reply.payload, 256);
  }
  let attachments = message.attachments ?? [];
  // Until 30 Aug 2026 Messenger sends a sticker as both a `sticker` and an `image` attachment.
  if (attachments.some((a) => a.type === "sticker")) {
    attachments = attachments.filter((a) => a.type === "sticker");
  }
  if (attachments.length === 0) {
    return first.text === undefined && !message.quick_reply ? [unsupported(first)] : [first];
  }
  return attachments.map((attachment, i) => {
    const item: InboundMessage = i === 0
      ? first
      : { ...base, id: `${message.mid}#${i}`, kind: "unsupported" };
    item.kind = ATTACHMENT_KINDS[attachment.type] ?? "unsupported";
    const url = attachment.payload?.url;
    if (url && item.kind !== "unsupported" && item.kind !== "location") item.media = { url };
    const point = attachment.payload?.coordinates;
    if (item.kind === "location" && point) item.location = { latitude: point.lat, longitude: point.long };
    return item;
  });
}

function unsupported(message: InboundMessage): InboundMessage {
  return { ...message, kind: "unsupported" };
}

function readChange(
  platform: Platform,
  account: string,
  at: string,
  raw: unknown,
  path: string,
  out: Collector,
): void {
  const change = out.check(Change, raw, path);
  if (!change) return;
  if (platform === "instagram" && (change.field === "comments" || change.field === "live_comments")) {
    const comment = out.check(IgComment, change.value, `${path}.value`);
    // The account's own comments (its replies under the post) are not customers'.
    if (!comment || comment.from.id === account) return;
    out.comments.push({
      platform,
      account,
      id: comment.id,
      from: comment.from.id,
      ...(comment.from.username !== undefined ? { username: cleanText(comment.from.username, 256) } : {}),
      text: cleanText(comment.text ?? ""),
      ...(comment.media ? { media_id: comment.media.id } : {}),
      live: change.field === "live_comments",
      at,
    });
  } else if (platform === "messenger" && change.field === "feed") {
    const feed = out.check(FeedComment, change.value, `${path}.value`);
    // Posts, likes, edits and removals share the field; only a new comment can be answered.
    if (!feed || feed.item !== "comment" || feed.verb !== "add") return;
    if (!feed.comment_id || !feed.from) {
      out.skip(`${path}.value`, "a new comment without comment_id or from");
      return;
    }
    if (feed.from.id === account) return;
    out.comments.push({
      platform,
      account,
      id: feed.comment_id,
      from: feed.from.id,
      ...(feed.from.name !== undefined ? { username: cleanText(feed.from.name, 256) } : {}),
      text: cleanText(feed.message ?? ""),
      ...(feed.post_id ? { media_id: feed.post_id } : {}),
      live: false,
      at: feed.created_time !== undefined ? isoTime(feed.created_time) : at,
    });
  }
}
