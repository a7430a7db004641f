/**
 * Meta's webhook gate: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`.
 * Meta signs the body exactly as it sends it, with non-ASCII characters escaped (`é` → `\u00e9`,
 * lowercase hex, per the Graph API webhooks guide), so the signature is checked on the raw bytes
 * before any parsing: re-serialised JSON no longer matches for accented text.
 */

const PREFIX = "sha256=";
const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const encoder = new TextEncoder();

/**
 * Checks `header` against each candidate secret (an app being rotated has two) and returns the
 * index of the first that matches, or -1 (also for a missing or malformed header, or no secret).
 * Every candidate is computed and compared in full, so timing says nothing about which matched.
 */
export async function verifySignature(
  raw: Uint8Array,
  header: string | null,
  secrets: readonly string[],
): Promise<number> {
  const received = parseHeader(header);
  if (!received) return -1;
  let found = -1;
  for (const [index, secret] of secrets.entries()) {
    if (secret === "") continue;
    const expected = await hmacSha256(raw, secret);
    if (sameBytes(expected, received) && found === -1) found = index;
  }
  return found;
}

/** The header value Meta would send for `raw` signed with `secret` (for tests and the demo). */
export async function signBody(raw: Uint8Array | string, secret: string): Promise<string> {
  const bytes = typeof raw === "string" ? encoder.encode(raw) : raw;
  return PREFIX + toHex(await hmacSha256(bytes, secret));
}

/**
 * Compares two strings (a `hub.verify_token` with the channel's) in time that depends only on
 * their lengths: every UTF-8 byte of the longer one is visited, a length difference included.
 */
export function sameToken(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/** The 32 digest bytes of a well-formed header, or undefined. */
function parseHeader(header: string | null): Uint8Array | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (!value.toLowerCase().startsWith(PREFIX)) return undefined;
  const hex = value.slice(PREFIX.length);
  if (!HEX_DIGEST.test(hex)) return undefined;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

async function hmacSha256(raw: Uint8Array, secret: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, raw as Uint8Array<ArrayBuffer>));
}

/** Equal-length comparison without an early exit. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
