/**
 * What happens after the webhook's 200: the inbox processed and the outbox sent, each through
 * the SQL functions of migration `channels` that make it safe to run anywhere at any time (after
 * a webhook, from the sweep, in two instances at once). A claim hands out only the earliest
 * unfinished message of each conversation, so a burst is answered in order; a run that dies
 * leaves a lease that expires, and the next drain takes the message again (Botlive's turn is
 * idempotent on Meta's message id, and the outbox holds one reply per message); a send whose
 * outcome is unknown is never repeated.
 */
import type { Db } from "../_shared/db.ts";
import type { BotliveRequest, BotliveResponse } from "../../types/api.ts";
import { type GraphAccount, GraphError } from "../_shared/channels/graph.ts";
import type { Platform } from "../_shared/channels/webhook.ts";
import { cutText, MAX_TEXT } from "../_shared/channels/text.ts";

/** The Graph calls the worker makes (functions/_shared/channels/graph.ts). */
export interface GraphSender {
  sendText(account: GraphAccount, to: string, body: string): Promise<{ id: string }>;
  sendTemplate(account: GraphAccount, to: string, name: string, language: string): Promise<{ id: string }>;
  sendPrivateReply(account: GraphAccount, commentId: string, body: string): Promise<{ id: string }>;
  fetchMedia(
    account: GraphAccount,
    mediaId: string,
    expected?: { sha256?: string; maxBytes?: number },
  ): Promise<{ bytes: Uint8Array; mime_type: string; sha256: string }>;
  fetchUrl(url: string, expected?: { maxBytes?: number }): Promise<{ bytes: Uint8Array; mime_type: string; sha256: string }>;
}

export interface WorkerDeps {
  db: Db;
  graph: GraphSender;
  /** Botlive's turn (functions/_shared/botlive/turn.ts), called as the `botlive` function would. */
  turn: (request: BotliveRequest) => Promise<BotliveResponse>;
  /** Rows claimed per round. */
  batch?: number;
  /** How long a claimed message or send is ours before another run may take it. */
  leaseSeconds?: number;
  /** Attempts before a message is dead-lettered (the shop sees it). */
  maxAttempts?: number;
  /** Botlive turns a company may start per minute through its channels (ours, not the shop's to raise). */
  turnsPerMinute?: number;
}

export interface DrainResult {
  processed: number;
  failed: number;
  sent: number;
  send_failed: number;
}

interface Claimed {
  id: string;
  company_id: string;
  platform: Platform;
  account_external_id: string;
  external_id: string;
  sender: string;
  sender_name: string | null;
  kind: string;
  text: string | null;
  media: { media?: { id?: string; url?: string; mime_type?: string; sha256?: string; caption?: string } } | null;
  attempts: number;
  access_token: string;
}

interface Due {
  id: string;
  platform: Platform;
  account_external_id: string;
  recipient: string | null;
  comment_id: string | null;
  body: string;
  attempts: number;
  access_token: string;
  window_open: boolean;
  template_name: string | null;
  template_language: string;
}

/** What the bot says to what it cannot read (a voice note, a sticker, a location…). */
export const UNREADABLE =
  "Je ne lis que les messages écrits et les captures d'écran de paiement. Pouvez-vous m'écrire votre demande ?";
/** A screenshot the shop already received: the same proof, never a second payment. */
export const SEEN_PROOF =
  "Cette capture d'écran a déjà été reçue : elle ne compte qu'une fois. Si vous avez fait un nouveau paiement, envoyez sa propre capture ou sa référence.";
/** The private reply to a live or post comment that orders something. */
export const COMMENT_REPLY = "Bonjour ! Je vous écris ici en privé pour prendre votre commande. Que souhaitez-vous ?";

/** A comment that orders: « je prends », « je veux », « pour moi », « moi », or an article code (A12). */
export function ordersSomething(text: string): boolean {
  const folded = text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return /\b(je (le |la |les )?(prends|veux|commande)|pour moi|moi aussi|^moi\b|reserve|interesse)/.test(folded) ||
    /\b[a-z]\d{1,4}\b/.test(folded);
}

/** The wait before a failed message is tried again: 10 s, 20 s, 40 s… at most 5 min. */
const backoffSeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

/** Images and documents a customer sends are read up to this size (WhatsApp's image limit is 5 MB). */
const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export function createChannelWorker(deps: WorkerDeps) {
  const batch = deps.batch ?? 10;
  const leaseSeconds = deps.leaseSeconds ?? 60;
  const maxAttempts = deps.maxAttempts ?? 5;
  const turnsPerMinute = deps.turnsPerMinute ?? 60;
  const { db, graph } = deps;

  const account = (row: { platform: Platform; account_external_id: string; access_token: string }): GraphAccount => ({
    platform: row.platform,
    external_id: row.account_external_id,
    access_token: row.access_token,
  });

  /** One message: Botlive's answer (or a fixed one), queued with the message marked done. */
  async function processOne(message: Claimed): Promise<boolean> {
    const conversationKey = `${message.platform}:${message.sender}`;
    let sha256: string | null = null;
    try {
      let reply: string;
      if (message.kind === "comment" || message.kind === "live_comment") {
        reply = ordersSomething(message.text ?? "") ? COMMENT_REPLY : "";
      } else if (message.kind === "reaction") {
        reply = ""; // a 👍 on the bot's message (or its removal) needs no answer
      } else if (["text", "interactive", "button"].includes(message.kind) && message.text) {
        reply = (await turn(message, conversationKey, message.text)).reply;
      } else if (message.kind === "image" || message.kind === "document") {
        const media = message.media?.media ?? {};
        const attachment = await download(message, media);
        sha256 = attachment?.sha256 ?? null;
        const seen = sha256
          ? (await db.asService((tx) => tx`select public.channel_media_seen(${message.id}, ${sha256}) as seen`))[0].seen
          : false;
        reply = seen ? SEEN_PROOF : (await turn(message, conversationKey, media.caption ?? message.text ?? undefined, [
          {
            type: message.kind === "image" ? "image" : "file",
            url: attachment?.url ?? media.url,
            id: media.id,
            mime_type: attachment?.mime_type ?? media.mime_type,
            caption: media.caption,
          },
        ])).reply;
      } else {
        reply = UNREADABLE;
      }
      await db.asService((tx) =>
        tx`select public.channel_done(${message.id}, ${message.attempts}, ${reply}, ${conversationKey}, ${sha256})`
      );
      return true;
    } catch (error) {
      // Only what went wrong, never the customer's words.
      const reason = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : "failed";
      console.error(`channels: message ${message.id} failed (attempt ${message.attempts}): ${error instanceof Error ? error.name : "error"}`);
      await db.asService((tx) =>
        tx`select public.channel_failed(${message.id}, ${message.attempts}, ${reason}, ${backoffSeconds(message.attempts)})`
      );
      return false;
    }
  }

  function turn(
    message: Claimed,
    conversationKey: string,
    text: string | undefined,
    attachments?: BotliveRequest["attachments"],
  ) {
    return deps.turn({
      company_id: message.company_id,
      conversation_id: conversationKey,
      message_id: message.external_id.slice(0, 190),
      customer: {
        id: message.sender,
        name: message.sender_name ?? undefined,
        // A WhatsApp id is the customer's number in international form.
        phone: message.platform === "whatsapp" ? `+${message.sender}` : undefined,
      },
      text: text?.trim() ? text : undefined,
      attachments,
    });
  }

  /**
   * The media's bytes (a WhatsApp media id, its sha256 checked; a Messenger or Instagram
   * attachment URL) as a data URL for the vision model, with their hash.
   */
  async function download(message: Claimed, media: { id?: string; url?: string; sha256?: string }) {
    let file;
    if (message.platform === "whatsapp" && media.id) {
      file = await graph.fetchMedia(account(message), media.id, { sha256: media.sha256, maxBytes: MAX_MEDIA_BYTES });
    } else if (media.url) {
      file = await graph.fetchUrl(media.url, { maxBytes: MAX_MEDIA_BYTES });
    } else return null;
    let binary = "";
    for (let i = 0; i < file.bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...file.bytes.subarray(i, i + 0x8000));
    }
    return { sha256: file.sha256, mime_type: file.mime_type, url: `data:${file.mime_type};base64,${btoa(binary)}` };
  }

  /** One outbox row to Meta, and what became of it recorded. */
  async function sendOne(due: Due): Promise<boolean> {
    const to = account(due);
    const sent = (id: string, viaTemplate = false) =>
      db.asService((tx) => tx`select public.channel_sent(${due.id}, ${id}, ${viaTemplate})`);
    const failed = (error: Record<string, unknown>, retrySeconds: number | null) =>
      db.asService((tx) =>
        tx`select public.channel_send_failed(${due.id}, ${tx.json(error as never)}, ${retrySeconds})`
      );
    const template = async () => {
      if (!due.template_name || !due.recipient) {
        await failed({ kind: "window", message: "outside the 24-hour window and no template set" }, null);
        return false;
      }
      await sent((await graph.sendTemplate(to, due.recipient, due.template_name, due.template_language)).id, true);
      return true;
    };
    const body = cutText(due.body, MAX_TEXT[due.platform]);
    try {
      if (due.comment_id) {
        await sent((await graph.sendPrivateReply(to, due.comment_id, body)).id);
      } else if (!due.window_open) {
        return await template();
      } else {
        await sent((await graph.sendText(to, due.recipient!, body)).id);
      }
      return true;
    } catch (error) {
      if (!(error instanceof GraphError) || error.maybeSent) {
        // No answer from Meta (a timeout, a dropped connection): it may have sent the message.
        // The row stays `sending` and its lease turns it `unknown`; never sent twice.
        console.error(`channels: send ${due.id} has no answer (${error instanceof Error ? error.name : "error"})`);
        return false;
      }
      const detail = { kind: error.kind, code: error.code ?? null, status: error.status, message: error.message.slice(0, 300) };
      if (error.kind === "window") return await template().catch(() => false);
      if (error.kind === "pacing") await failed(detail, 7);
      else if (error.kind === "throughput") {
        await failed(detail, Math.ceil((error.retryAfterMs ?? 1000 * 2 ** due.attempts) / 1000));
      } else if (error.kind === "transient" && due.attempts < maxAttempts) await failed(detail, 2 ** due.attempts);
      else await failed(detail, null);
      return false;
    }
  }

  /** Claims what is due in the outbox and sends it; the counts of sends made and refused. */
  async function sendDue(): Promise<boolean[]> {
    const due = await db.asService((tx) =>
      tx<Due[]>`select * from public.channel_claim_outbox(${batch}, ${Math.max(30, Math.ceil(leaseSeconds / 2))})`
    );
    return await Promise.all(due.map(sendOne));
  }

  async function round(): Promise<DrainResult> {
    const claimed = await db.asService((tx) =>
      tx<Claimed[]>`select * from public.channel_claim(${batch}, ${leaseSeconds}, ${maxAttempts}, ${turnsPerMinute})`
    );
    const sends: boolean[] = [];
    // Each reply goes out as soon as its message is done, not after the slowest turn of the batch.
    const done = await Promise.all(claimed.map(async (message) => {
      const ok = await processOne(message);
      if (ok) sends.push(...await sendDue());
      return ok;
    }));
    sends.push(...await sendDue());
    return {
      processed: done.filter(Boolean).length,
      failed: done.filter((ok) => !ok).length,
      sent: sends.filter(Boolean).length,
      send_failed: sends.filter((ok) => !ok).length,
    };
  }

  let running: Promise<DrainResult> | null = null;
  let again = false;

  /**
   * Processes and sends until nothing is left or `budgetMs` is spent. One drain at a time per
   * instance: a call while one runs makes it go round once more (a new webhook's messages are
   * not left for the sweep), and returns the same result.
   */
  function drain(options: { budgetMs?: number } = {}): Promise<DrainResult> {
    if (running) {
      again = true;
      return running;
    }
    const until = Date.now() + (options.budgetMs ?? 25_000);
    running = (async () => {
      const total: DrainResult = { processed: 0, failed: 0, sent: 0, send_failed: 0 };
      try {
        while (Date.now() < until) {
          again = false;
          const result = await round();
          for (const key of Object.keys(total) as (keyof DrainResult)[]) total[key] += result[key];
          const idle = result.processed + result.failed + result.sent + result.send_failed === 0;
          if (idle && !again) break;
        }
        return total;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return { drain };
}

export type ChannelWorker = ReturnType<typeof createChannelWorker>;
