/**
 * Media downloads. WhatsApp: `GET /<media id>` (bearer) answers `{ url, mime_type, sha256,
 * file_size }`, then `GET url` with the same bearer; the URL lives 5 minutes, so an expired one
 * (404/410) is fetched afresh once. Messenger and Instagram attachments come as signed CDN URLs
 * in the webhook, fetched without the token (sending it to a CDN would only leak it).
 *
 * Meta's media reference shows `sha256` only as a placeholder; its examples carry 64 hex digits,
 * while webhooks have been seen carrying base64 (44 characters ending in "="). Both are accepted
 * and compared as bytes; the returned digest is always lowercase hex of what was downloaded.
 */
import { z } from "zod";
import { GraphError, responseError } from "./graph_error.ts";
import type { Transport } from "./graph_http.ts";
import { toHex } from "./signature.ts";

export interface MediaExpectation {
  /** The digest the webhook announced (hex or base64). */
  sha256?: string;
  maxBytes?: number;
}

export interface FetchedMedia {
  bytes: Uint8Array;
  mime_type: string;
  /** Lowercase hex SHA-256 of `bytes`. */
  sha256: string;
}

const MediaInfo = z.object({
  url: z.string(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});

/** WhatsApp media by id, checked against the sizes and digests Meta and the webhook announced. */
export async function fetchWhatsAppMedia(
  http: Transport,
  base: string,
  account: { external_id: string; access_token: string },
  mediaId: string,
  expected: MediaExpectation & { maxBytes: number },
): Promise<FetchedMedia> {
  // phone_number_id makes Meta refuse media that belongs to another number.
  const infoUrl = `${base}/${encodeURIComponent(mediaId)}?phone_number_id=${
    encodeURIComponent(account.external_id)
  }`;
  for (let attempt = 0;; attempt++) {
    const info = MediaInfo.safeParse(
      await http.json("media", infoUrl, { method: "GET", token: account.access_token }),
    );
    if (!info.success) {
      throw new GraphError("graph media: the answer has no url", { status: 200, kind: "unknown" });
    }
    const { url, mime_type, sha256, file_size } = info.data;
    if (file_size !== undefined && file_size > expected.maxBytes) throw tooLarge("media", expected.maxBytes);
    http.checkUrl("media download", url);
    const reply = await http.call("media download", url, {
      method: "GET",
      token: account.access_token,
      maxBytes: expected.maxBytes,
    });
    if ((reply.status === 404 || reply.status === 410) && attempt === 0) continue;
    const bytes = ok("media download", reply);
    const mime = mime_type ?? reply.headers.get("content-type") ?? "application/octet-stream";
    return await checked("media", bytes, mime, [expected.sha256, sha256]);
  }
}

/**
 * Where a Messenger or Instagram attachment may be fetched from: Meta's CDNs (and the Graph
 * hosts configured, for the fake). The URL comes from the payload, which any tenant with an app
 * secret of its own can sign: anything else would let it make us fetch an internal or foreign
 * address and read the answer back through the bot.
 */
const ATTACHMENT_HOSTS = [/\.fbcdn\.net$/, /\.fbsbx\.com$/, /\.cdninstagram\.com$/];

function attachmentUrl(http: Transport, url: string, trusted: string[]): URL {
  const parsed = http.checkUrl("attachment", url);
  const allowed = trusted.includes(parsed.origin) ||
    (parsed.protocol === "https:" && ATTACHMENT_HOSTS.some((host) => host.test(parsed.hostname)));
  if (!allowed) {
    throw new GraphError("graph attachment: not a Meta CDN address", { status: 0, kind: "invalid" });
  }
  return parsed;
}

/** A Messenger or Instagram attachment URL, without credentials; redirects checked hop by hop. */
export async function fetchAttachment(
  http: Transport,
  url: string,
  expected: MediaExpectation & { maxBytes: number },
  trusted: string[] = [],
): Promise<FetchedMedia> {
  let next = attachmentUrl(http, url, trusted);
  for (let hop = 0;; hop++) {
    const reply = await http.call("attachment", next.href, { method: "GET", maxBytes: expected.maxBytes, follow: false });
    const location = reply.headers.get("location");
    if (reply.status >= 300 && reply.status < 400 && location && hop < 3) {
      next = attachmentUrl(http, new URL(location, next).href, trusted);
      continue;
    }
    if (reply.status < 200 || reply.status > 299) {
      // The status only: the body of an address we do not control is never repeated.
      throw new GraphError(`graph attachment: HTTP ${reply.status}`, {
        status: reply.status,
        kind: reply.status >= 500 ? "transient" : "invalid",
      });
    }
    const mime = reply.headers.get("content-type") ?? "application/octet-stream";
    return await checked("attachment", reply.bytes, mime, [expected.sha256]);
  }
}

function ok(op: string, reply: { status: number; headers: Headers; bytes: Uint8Array }): Uint8Array {
  if (reply.status >= 200 && reply.status <= 299) return reply.bytes;
  const error = responseError(op, reply.status, new TextDecoder().decode(reply.bytes), reply.headers);
  // A dead download link is worth a later try (a fresh URL), unless the token itself was refused.
  if ((reply.status === 404 || reply.status === 410) && error.kind !== "auth") {
    throw new GraphError(`graph ${op}: HTTP ${reply.status}, the URL expired or is gone`, {
      status: reply.status,
      kind: "transient",
    });
  }
  throw error;
}

async function checked(
  op: string,
  bytes: Uint8Array,
  mime: string,
  announced: (string | undefined)[],
): Promise<FetchedMedia> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  for (const value of announced) {
    if (value === undefined || value === "") continue;
    const want = decodeDigest(value);
    if (!want || want.some((byte, i) => byte !== digest[i])) {
      throw new GraphError(`graph ${op}: sha256 does not match what Meta announced`, {
        status: 0,
        kind: "invalid",
      });
    }
  }
  return { bytes, mime_type: mime.split(";")[0].trim(), sha256: toHex(digest) };
}

/** The 32 bytes of a SHA-256 written as 64 hex digits or as (URL-safe) base64; else undefined. */
export function decodeDigest(value: string): Uint8Array | undefined {
  const text = value.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) {
    return Uint8Array.from({ length: 32 }, (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16));
  }
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) return undefined;
  const standard = text.replaceAll("-", "+").replaceAll("_", "/").replace(/=?$/, "=");
  try {
    const binary = atob(standard);
    return binary.length === 32 ? Uint8Array.from(binary, (c) => c.charCodeAt(0)) : undefined;
  } catch {
    return undefined;
  }
}

function tooLarge(op: string, maxBytes: number): GraphError {
  return new GraphError(`graph ${op}: larger than ${maxBytes} bytes`, { status: 0, kind: "invalid" });
}
