/**
 * What a Meta webhook carries once normalized, whatever the platform: messages, statuses of our
 * own sends, and comments. Also the few helpers the platform parsers share (ids, times, and the
 * `skipped` list that lets one malformed item fail alone).
 */
import { z } from "zod";

export type Platform = "whatsapp" | "messenger" | "instagram";

export type InboundKind =
  | "text"
  | "interactive"
  | "button"
  | "image"
  | "document"
  | "audio"
  | "video"
  | "sticker"
  | "location"
  | "reaction"
  | "unsupported";

/** A customer's message. */
export interface InboundMessage {
  platform: Platform;
  /** WhatsApp metadata.phone_number_id, the Page id, or the Instagram account id: the tenant's channel. */
  account: string;
  /** The platform's id (`wamid…`, `mid`): the deduplication key. */
  id: string;
  /** wa_id, PSID or IGSID. */
  from: string;
  /** WhatsApp profile name, when the payload has one. */
  name?: string;
  /** ISO 8601. */
  at: string;
  kind: InboundKind;
  /** Body, reply title, button text, caption, reaction emoji or place name; cut to 4,096 characters. */
  text?: string;
  /** The id of the chosen reply (interactive reply id, button or quick-reply payload). */
  reply_id?: string;
  media?: {
    id?: string;
    url?: string;
    mime_type?: string;
    sha256?: string;
    caption?: string;
    filename?: string;
  };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** The message this one replies or reacts to. */
  context_id?: string;
}

/** The fate of one of our outbound messages. */
export interface InboundStatus {
  platform: Platform;
  account: string;
  /** The outbound message's id, as the send returned it. */
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  at: string;
  recipient?: string;
  errors?: { code: number; title?: string; message?: string }[];
}

/** A comment on a post or live video, which may be answered with one private reply. */
export interface InboundComment {
  platform: "instagram" | "messenger";
  account: string;
  /** The comment id (what a private reply names). */
  id: string;
  from: string;
  /** Instagram username, or the Facebook commenter's name. */
  username?: string;
  text: string;
  /** The commented media (Instagram) or post (Facebook). */
  media_id?: string;
  /** True for Instagram `live_comments`: a private reply is possible only while the broadcast runs. */
  live: boolean;
  at: string;
}

export interface Skipped {
  /** Where in the body, e.g. `entry[0].changes[1].value.messages[2]`. */
  path: string;
  reason: string;
}

export interface ParsedWebhook {
  object: string;
  messages: InboundMessage[];
  statuses: InboundStatus[];
  comments: InboundComment[];
  skipped: Skipped[];
}

/** A platform id: printable ASCII, no spaces (ids become keys and URL segments). */
export const Id = z.string().regex(/^[\x21-\x7e]{1,1024}$/, "must be an id (printable ASCII, 1 to 1,024)");

/** Up to the last instant a Date can hold (8.64e15 ms), so isoTime never throws. */
const TimeNumber = z.number().int().nonnegative().max(8.64e15, "must be a real time");

/** A bare number or a numeric string (WhatsApp sends unix seconds as strings). */
export const Timestamp = z.union([
  TimeNumber,
  z.string().regex(/^\d{1,16}$/, "must be a numeric timestamp").transform(Number).pipe(TimeNumber),
]);

/**
 * ISO 8601 from a platform timestamp: below 1e11 it is unix seconds (WhatsApp, Facebook feed
 * `created_time`, some `entry.time`), above it milliseconds (Messenger and Instagram `timestamp`).
 * 1e11 seconds is in the year 5138 and 1e11 ms in 1973, so no real time is ambiguous.
 */
export function isoTime(value: number): string {
  return new Date(value < 1e11 ? value * 1000 : value).toISOString();
}

/** Collects the results of one body; `check` validates one item and records it when malformed. */
export class Collector implements ParsedWebhook {
  messages: InboundMessage[] = [];
  statuses: InboundStatus[] = [];
  comments: InboundComment[] = [];
  skipped: Skipped[] = [];

  constructor(public object: string) {}

  skip(path: string, reason: string): void {
    this.skipped.push({ path, reason });
  }

  /** The parsed value, or undefined after recording the first issue under `path`. */
  check<T extends z.ZodType>(schema: T, value: unknown, path: string): z.output<T> | undefined {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${path}.${issue.path.map(String).join(".")}` : path;
    this.skip(where, issue.message);
    return undefined;
  }

  result(): ParsedWebhook {
    const { object, messages, statuses, comments, skipped } = this;
    return { object, messages, statuses, comments, skipped };
  }
}

/** An array of anything: each element is then checked on its own. */
export const Items = z.array(z.unknown());
