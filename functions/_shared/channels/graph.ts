/**
 * The Graph API client of the channels: sends (WhatsApp Cloud API messages, Messenger and
 * Instagram Send API, private replies to comments) and media downloads. Every failure is a
 * GraphError whose `kind` says what to do (see graph_error.ts). Nothing is logged.
 *
 *   WhatsApp   POST /<phone_number_id>/messages  → { messages: [{ id: "wamid…" }] }
 *   Messenger  POST /<page id>/messages          → { recipient_id, message_id }
 *   Instagram  POST /<ig account id>/messages    → { recipient_id, message_id }
 *
 * Instagram accounts connected with Instagram Login are served by graph.instagram.com rather
 * than graph.facebook.com (Meta's private-replies guide): `instagramBaseUrl` picks that host.
 */
import { z } from "zod";
import type { Platform } from "./inbound.ts";
import { GraphError } from "./graph_error.ts";
import { createTransport } from "./graph_http.ts";
import {
  fetchAttachment,
  type FetchedMedia,
  fetchWhatsAppMedia,
  type MediaExpectation,
} from "./graph_media.ts";
import { MAX_TEXT } from "./text.ts";

export { GraphError, type GraphErrorKind, graphErrorKind } from "./graph_error.ts";
export type { FetchedMedia, MediaExpectation } from "./graph_media.ts";

/** A channel as the client needs it; the token is the channel's secret. */
export interface GraphAccount {
  platform: Platform;
  /** phone_number_id, Page id or Instagram account id. */
  external_id: string;
  access_token: string;
}

export interface GraphConfig {
  /** With the API version, e.g. `https://graph.facebook.com/v21.0`. */
  baseUrl: string;
  /** For Instagram accounts (e.g. `https://graph.instagram.com/v21.0`); default `baseUrl`. */
  instagramBaseUrl?: string;
  /** Per HTTP request, body included (default 10 s). */
  timeoutMs?: number;
  /** Largest media accepted when the caller sets none (default 16 MiB). */
  maxMediaBytes?: number;
  fetch?: typeof fetch;
}

export interface Graph {
  /** A free-form text (inside the customer-service window); returns the platform's message id. */
  sendText(account: GraphAccount, to: string, body: string): Promise<{ id: string }>;
  /** A WhatsApp template without parameters (outside the window). */
  sendTemplate(account: GraphAccount, to: string, name: string, language: string): Promise<{ id: string }>;
  /** The one private message a comment allows (Messenger or Instagram). */
  sendPrivateReply(account: GraphAccount, commentId: string, body: string): Promise<{ id: string }>;
  /** WhatsApp media by id: URL, then bytes with the bearer; size and sha256 checked. */
  fetchMedia(account: GraphAccount, mediaId: string, expected?: MediaExpectation): Promise<FetchedMedia>;
  /** A Messenger or Instagram attachment URL (no token sent); size and optional sha256 checked. */
  fetchUrl(url: string, expected?: MediaExpectation): Promise<FetchedMedia>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_MEDIA_BYTES = 16 * 1024 * 1024;

const WhatsAppSent = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
const MessengerSent = z.object({ message_id: z.string().min(1) });

export function createGraph(config: GraphConfig): Graph {
  const baseUrl = config.baseUrl.replace(/\/+$/, "");
  const instagramBaseUrl = (config.instagramBaseUrl ?? config.baseUrl).replace(/\/+$/, "");
  const maxMediaBytes = config.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const trustedOrigins = [new URL(baseUrl).origin, new URL(instagramBaseUrl).origin];
  const http = createTransport({
    fetch: config.fetch ?? fetch,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    trustedOrigins,
  });

  function messagesUrl(account: GraphAccount): string {
    const base = account.platform === "instagram" ? instagramBaseUrl : baseUrl;
    return `${base}/${encodeURIComponent(account.external_id)}/messages`;
  }

  /** POSTs a message and reads the id back from either answer shape. */
  async function send(op: string, account: GraphAccount, payload: unknown): Promise<{ id: string }> {
    const answer = await http.json(op, messagesUrl(account), {
      method: "POST",
      token: account.access_token,
      json: payload,
      sends: true,
    });
    const whatsapp = WhatsAppSent.safeParse(answer);
    if (whatsapp.success) return { id: whatsapp.data.messages[0].id };
    const messenger = MessengerSent.safeParse(answer);
    if (messenger.success) return { id: messenger.data.message_id };
    throw new GraphError(`graph ${op}: a 2xx answer without a message id`, {
      status: 200,
      kind: "unknown",
      maybeSent: true,
    });
  }

  return {
    async sendText(account, to, body) {
      checkText("sendText", account.platform, body);
      if (account.platform === "whatsapp") {
        return await send("sendText", account, {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to,
          type: "text",
          text: { body, preview_url: false },
        });
      }
      // messaging_type is the Messenger Send API's; Instagram's send guide has recipient and message only.
      return await send("sendText", account, {
        recipient: { id: to },
        ...(account.platform === "messenger" ? { messaging_type: "RESPONSE" } : {}),
        message: { text: body },
      });
    },

    async sendTemplate(account, to, name, language) {
      only("sendTemplate", account, ["whatsapp"]);
      return await send("sendTemplate", account, {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to,
        type: "template",
        template: { name, language: { code: language } },
      });
    },

    async sendPrivateReply(account, commentId, body) {
      only("sendPrivateReply", account, ["messenger", "instagram"]);
      checkText("sendPrivateReply", account.platform, body);
      return await send("sendPrivateReply", account, {
        recipient: { comment_id: commentId },
        message: { text: body },
      });
    },

    async fetchMedia(account, mediaId, expected = {}) {
      only("fetchMedia", account, ["whatsapp"]);
      return await fetchWhatsAppMedia(http, baseUrl, account, mediaId, {
        ...expected,
        maxBytes: expected.maxBytes ?? maxMediaBytes,
      });
    },

    async fetchUrl(url, expected = {}) {
      return await fetchAttachment(
        http,
        url,
        { ...expected, maxBytes: expected.maxBytes ?? maxMediaBytes },
        trustedOrigins,
      );
    },
  };
}

/** Refuses, before any call, a text the platform would refuse (blank or past its limit). */
function checkText(op: string, platform: Platform, body: string): void {
  if (body.trim() === "") throw new GraphError(`graph ${op}: empty text`, { status: 0, kind: "invalid" });
  const length = Array.from(body).length;
  if (length > MAX_TEXT[platform]) {
    throw new GraphError(
      `graph ${op}: ${length} characters, ${platform} takes at most ${MAX_TEXT[platform]}`,
      {
        status: 0,
        kind: "invalid",
      },
    );
  }
}

function only(op: string, account: GraphAccount, platforms: Platform[]): void {
  if (!platforms.includes(account.platform)) {
    throw new GraphError(`graph ${op}: not available on ${account.platform}`, { status: 0, kind: "invalid" });
  }
}
