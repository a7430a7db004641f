/**
 * Text as the channels carry it: what a customer sends made storable, and what we send cut to
 * each platform's limit. Lengths are counted in code points (what Postgres's char_length counts),
 * so a cut never splits an emoji's surrogate pair.
 */

/**
 * The longest text body a platform accepts in one message: WhatsApp 4,096 characters (text.body),
 * Instagram under 1,000 (Meta's Instagram send-message guide), Messenger 2,000 (the Send API
 * reference's figure; the stored copy of Meta's docs used here did not show it: unconfirmed).
 */
export const MAX_TEXT: Readonly<Record<"whatsapp" | "messenger" | "instagram", number>> = {
  whatsapp: 4096,
  messenger: 2000,
  instagram: 1000,
};

/** The longest inbound text kept (WhatsApp's own limit; longer bodies are cut, not refused). */
export const MAX_INBOUND_TEXT = 4096;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A customer's text made storable: NUL removed, unpaired surrogates (JSON can carry `\ud83d`
 * alone) replaced by U+FFFD, then cut to `max` code points. A webhook cannot be answered with a
 * 400 the way an API call can, so a stray byte costs a character, never the message.
 */
export function cleanText(value: string, max = MAX_INBOUND_TEXT): string {
  const clean = value.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD");
  return cutText(clean, max);
}

/** The first `max` code points of `value` (the whole string when it is short enough). */
export function cutText(value: string, max: number): string {
  // Fast path: fewer UTF-16 units than the limit means fewer code points too.
  if (value.length <= max) return value;
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join("");
}

/**
 * Splits a reply into messages of at most `max` code points, preferring a paragraph break, then
 * a line break, then a sentence end, then a space; a word longer than `max` is cut.
 * Returns no part for blank text (the bot's empty reply is never sent as a message).
 */
export function splitText(value: string, max: number): string[] {
  const parts: string[] = [];
  let rest = value.trim();
  while (rest !== "") {
    const points = Array.from(rest);
    if (points.length <= max) {
      parts.push(rest);
      break;
    }
    const head = points.slice(0, max).join("");
    const cut = bestBreak(head);
    parts.push(head.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return parts;
}

/** Where to cut `head` (its UTF-16 index): the last good break past its first third, else its end. */
function bestBreak(head: string): number {
  // Past a third, so that a break near the start does not leave a crumb of a message.
  const floor = Math.floor(head.length / 3);
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?…](?=\s)/g, /\s/g]) {
    let last = -1;
    for (const match of head.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end > floor) last = end;
    }
    if (last > 0) return last;
  }
  return head.length;
}
