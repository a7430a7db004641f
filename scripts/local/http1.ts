/**
 * HTTP/1.1 framing for the local front (front.ts), on bytes as they pass: where a request head ends
 * and what the front reads in it, where a body ends (Content-Length, chunked, until close), how a
 * response is framed. Stricter than Deno's server, so that both always agree on where a request
 * ends: what the front lets through, the server reads the same way.
 */

/** The longest request line (method, target, version) the front passes on, in bytes. */
export const MAX_REQUEST_LINE = 16_384;
/** The longest request head (request line and headers), in bytes: below Deno's own ~64 KiB. */
export const MAX_HEAD = 49_152;
/** The most header fields a request may carry (Deno's server refuses 129 with an empty 400). */
export const MAX_HEADER_FIELDS = 100;

const CR = 13, LF = 10, SP = 32, HT = 9, COLON = 58, SEMICOLON = 59;
const isSpace = (b: number) => b === SP || b === HT;

/** The most chunk-extension bytes a body may carry (Deno's server takes 16 KiB, then fails). */
const MAX_CHUNK_EXTENSIONS = 16_384;
/** The most trailer bytes a chunked body may end with. */
const MAX_TRAILERS = 16_384;

const REASONS: Record<number, string> = {
  400: "Bad Request",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
};

/** A request the front answers itself, in the error contract, before closing the connection. */
export class Refusal extends Error {
  /** The whole HTTP response. */
  readonly bytes: Uint8Array;
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "Refusal";
    const body = JSON.stringify({ error: { code, message } });
    this.bytes = new TextEncoder().encode(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
        "content-type: application/json; charset=utf-8\r\n" +
        "access-control-allow-origin: *\r\n" +
        "connection: close\r\n" +
        `content-length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`,
    );
  }
}

/** A 400 for a request the front cannot frame. */
export function malformed(what: string): Refusal {
  return new Refusal(400, "invalid_request", `Malformed HTTP request: ${what}`);
}

const URI_TOO_LONG = new Refusal(
  414,
  "uri_too_long",
  `Request URI too long: at most ${MAX_REQUEST_LINE} bytes`,
);
const HEAD_TOO_LARGE = new Refusal(
  431,
  "headers_too_large",
  `Request headers too large: at most ${MAX_HEAD} bytes`,
);
const TOO_MANY_FIELDS = new Refusal(
  431,
  "headers_too_large",
  `Request headers too large: at most ${MAX_HEADER_FIELDS} header fields`,
);

const encoder = new TextEncoder();
const CF_CONNECTING_IP = encoder.encode("cf-connecting-ip");
const CONTENT_LENGTH = encoder.encode("content-length");
const TRANSFER_ENCODING = encoder.encode("transfer-encoding");
const UPGRADE = encoder.encode("upgrade");
const HOST = encoder.encode("host");
const CHUNKED = encoder.encode("chunked");
const HEAD_METHOD = encoder.encode("HEAD ");
const HTTP_1 = encoder.encode(" HTTP/1.");

/**
 * A connection's request heads, one at a time: `find` follows the bytes as they arrive, refusing
 * a request line or a head past its limit before its end; `rewrite` reads the whole head. Fields,
 * not a new object per request: only the head going upstream is allocated, and rarely.
 */
export class RequestHead {
  /** Where the head starts in the connection's buffer (after any stray CRLF). */
  start = 0;
  /** Where its body starts, once the head is whole; -1 before. */
  end = -1;
  #requestLineEnd = -1;
  #scan = 0;
  #lineStart = 0;
  /** Content-Length, or -1. */
  length = -1;
  chunked = false;
  upgrade = false;
  /** A HEAD request (its answer has no body). */
  isHead = false;

  /** Looks for a new head from buf[start]. */
  reset(start: number) {
    this.start = this.#scan = this.#lineStart = start;
    this.end = this.#requestLineEnd = -1;
  }

  /** The buffer's bytes moved `by` to the left. */
  shift(by: number) {
    this.start -= by;
    this.#scan -= by;
    this.#lineStart -= by;
    if (this.#requestLineEnd >= 0) this.#requestLineEnd -= by;
  }

  /** Whether buf[start, end) holds the whole head. Throws a Refusal past a limit or on a bare LF. */
  find(buf: Uint8Array, end: number): boolean {
    const view = buf.subarray(0, end);
    for (let lf = view.indexOf(LF, this.#scan); lf >= 0; lf = view.indexOf(LF, this.#scan)) {
      if (lf === this.#lineStart || buf[lf - 1] !== CR) throw malformed("lines must end in CRLF");
      const empty = lf - 1 === this.#lineStart;
      this.#scan = lf + 1;
      if (this.#requestLineEnd < 0) {
        // A stray CRLF before a request is skipped, as RFC 9112 allows.
        if (empty) this.start = this.#scan;
        else if (lf - 1 - this.#lineStart > MAX_REQUEST_LINE) throw URI_TOO_LONG;
        else this.#requestLineEnd = lf - 1;
      } else if (empty) {
        this.end = this.#scan;
        if (this.end - this.start > MAX_HEAD) throw HEAD_TOO_LARGE;
        return true;
      }
      this.#lineStart = this.#scan;
    }
    if (this.#requestLineEnd < 0 && end - this.start > MAX_REQUEST_LINE + 1) throw URI_TOO_LONG;
    if (end - this.start > MAX_HEAD) throw HEAD_TOO_LARGE;
    return false;
  }

  /**
   * Reads the whole head's framing and upgrade, and copies it into `out` as it goes upstream:
   * every cf-connecting-ip line left out, `ipLine` added (and `hostLine` when it has no Host).
   * Returns the bytes written; `out` must hold the head and both lines.
   */
  rewrite(buf: Uint8Array, out: Uint8Array, ipLine: Uint8Array, hostLine: Uint8Array): number {
    const { start, end } = this;
    const lineEnd = this.#requestLineEnd;
    const http10 = buf[lineEnd - 1] === 48;
    if (lineEnd - 9 <= start || !bytesAt(buf, lineEnd - 9, HTTP_1) || (buf[lineEnd - 1] | 1) !== 49) {
      throw malformed("only HTTP/1.0 and HTTP/1.1 are served");
    }
    const view = buf.subarray(0, end);
    let o = 0, copyFrom = start, fields = 0, length = -1;
    let chunked = false, upgrade = false, host = false;
    for (let line = lineEnd + 2; line < end - 2;) {
      const cr = view.indexOf(LF, line) - 1;
      const colon = view.indexOf(COLON, line);
      // Deno's server refuses (with an empty 400) a folded line or a space before the colon.
      if (isSpace(buf[line]) || colon <= line || colon > cr || isSpace(buf[colon - 1])) {
        throw malformed("a header line is not `name: value`");
      }
      if (++fields > MAX_HEADER_FIELDS) throw TOO_MANY_FIELDS;
      const nameLength = colon - line;
      if (nameIs(buf, line, nameLength, CF_CONNECTING_IP)) {
        o = copy(out, o, buf, copyFrom, line);
        copyFrom = cr + 2;
      } else if (nameIs(buf, line, nameLength, CONTENT_LENGTH)) {
        if (length >= 0) throw malformed("more than one Content-Length");
        length = parseLength(buf, colon + 1, cr);
        if (length < 0) throw malformed("Content-Length is not a number");
      } else if (nameIs(buf, line, nameLength, TRANSFER_ENCODING)) {
        if (chunked || !isChunked(buf, colon + 1, cr)) {
          throw malformed("the only Transfer-Encoding served is a single `chunked`");
        }
        chunked = true;
      } else if (nameIs(buf, line, nameLength, UPGRADE)) upgrade = true;
      else if (nameIs(buf, line, nameLength, HOST)) host = true;
      line = cr + 2;
    }
    if (chunked && length >= 0) throw malformed("both Content-Length and Transfer-Encoding");
    if (chunked && http10) throw malformed("Transfer-Encoding in HTTP/1.0");
    o = copy(out, o, buf, copyFrom, end - 2);
    out.set(ipLine, o);
    o += ipLine.length;
    // HTTP/1.0 clients may omit Host; Deno would name the request after its socket.
    if (!host) {
      out.set(hostLine, o);
      o += hostLine.length;
    }
    out[o++] = CR;
    out[o++] = LF;
    this.length = length;
    this.chunked = chunked;
    this.upgrade = upgrade;
    this.isHead = bytesAt(buf, start, HEAD_METHOD);
    return o;
  }
}

/** Copies buf[from, to) into out at o; returns the new end of out. */
export function copy(out: Uint8Array, o: number, buf: Uint8Array, from: number, to: number): number {
  out.set(buf.subarray(from, to), o);
  return o + to - from;
}

/** Whether buf holds `bytes` at `at`, exactly. */
function bytesAt(buf: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/** Whether buf[at, at + length) is the header name `name` (given in lower case), in any case. */
function nameIs(buf: Uint8Array, at: number, length: number, name: Uint8Array): boolean {
  if (length !== name.length) return false;
  for (let i = 0; i < length; i++) {
    const b = buf[at + i];
    if ((b >= 65 && b <= 90 ? b + 32 : b) !== name[i]) return false;
  }
  return true;
}

/** Where the response head at `from` ends (after its CRLFCRLF), or -1 if it is not all there. */
export function responseHeadEnd(view: Uint8Array, from: number): number {
  for (let lf = view.indexOf(LF, from); lf >= 0; lf = view.indexOf(LF, lf + 1)) {
    if (view[lf + 1] === CR && view[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

/** The status code of the response head at `start` (the server's: `HTTP/1.1 200 …`). */
export function responseStatus(view: Uint8Array, start: number): number {
  return (view[start + 9] - 48) * 100 + (view[start + 10] - 48) * 10 + view[start + 11] - 48;
}

/**
 * Sets `body` to the framing of the response head view[start, end) answering a request that was
 * (or not) a HEAD: none, chunked, Content-Length, or until the server closes.
 */
export function frameResponse(view: Uint8Array, start: number, end: number, isHead: boolean, body: Body) {
  const status = responseStatus(view, start);
  if (isHead || status === 101 || status === 204 || status === 304) return body.length(0);
  let length = -1, chunked = false;
  for (let line = view.indexOf(LF, start) + 1; line < end - 2;) {
    const cr = view.indexOf(LF, line) - 1;
    const colon = view.indexOf(COLON, line);
    if (colon > line && colon < cr) {
      if (nameIs(view, line, colon - line, CONTENT_LENGTH)) length = parseLength(view, colon + 1, cr);
      else if (nameIs(view, line, colon - line, TRANSFER_ENCODING)) chunked = isChunked(view, colon + 1, cr);
    }
    line = cr + 2;
  }
  if (chunked) body.chunked();
  else if (length >= 0) body.length(length);
  else body.untilClose();
}

/** A Content-Length value (decimal digits only, spaces around), or -1. */
function parseLength(buf: Uint8Array, from: number, to: number): number {
  while (from < to && isSpace(buf[from])) from++;
  while (to > from && isSpace(buf[to - 1])) to--;
  if (from === to || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = buf[i] - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** Whether a Transfer-Encoding value is exactly `chunked`, in any case. */
function isChunked(buf: Uint8Array, from: number, to: number): boolean {
  while (from < to && isSpace(buf[from])) from++;
  while (to > from && isSpace(buf[to - 1])) to--;
  return nameIs(buf, from, to - from, CHUNKED);
}

function hexDigit(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/** Where a body's reader stands: in a Content-Length body, or in a chunked body's parts. */
type State =
  | "done"
  | "length"
  | "until close"
  | "size"
  | "extension"
  | "size LF"
  | "data"
  | "data CR"
  | "data LF"
  | "trailer"
  | "trailer line"
  | "trailer LF"
  | "end LF";

/**
 * Follows one message body as its bytes pass, to find where it ends. Data bytes are skipped by
 * count; only chunk-size lines and trailers are read byte by byte.
 */
export class Body {
  #state: State = "done";
  /** Bytes left in a Content-Length body or in the current chunk. */
  #left = 0;
  #digits = 0;
  #extensions = 0;
  #trailers = 0;

  length(n: number) {
    this.#left = n;
    this.#state = n > 0 ? "length" : "done";
  }

  chunked() {
    this.#state = "size";
    this.#left = 0;
    this.#digits = 0;
    this.#extensions = 0;
    this.#trailers = 0;
  }

  untilClose() {
    this.#state = "until close";
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /**
   * Takes the body's bytes from view[pos…]: returns where the body ends in view, or view.length
   * if it goes on. Throws a Refusal (400) on a malformed chunked body.
   */
  feed(view: Uint8Array, pos: number): number {
    const end = view.length;
    while (pos < end) {
      switch (this.#state) {
        case "done":
          return pos;
        case "until close":
          return end;
        case "length":
        case "data": {
          const n = Math.min(this.#left, end - pos);
          pos += n;
          this.#left -= n;
          if (this.#left === 0) this.#state = this.#state === "length" ? "done" : "data CR";
          break;
        }
        case "size": {
          const b = view[pos++];
          const digit = hexDigit(b);
          if (digit >= 0) {
            if (++this.#digits > 12) throw malformed("chunk size too large");
            this.#left = this.#left * 16 + digit;
          } else if (this.#digits === 0) throw malformed("chunk size expected");
          else if (b === SEMICOLON) this.#state = "extension";
          else if (b === CR) this.#state = "size LF";
          else throw malformed("chunk size expected");
          break;
        }
        case "extension":
        case "trailer line": {
          const cr = view.indexOf(CR, pos);
          const stop = cr < 0 ? end : cr;
          if (this.#state === "extension") {
            if ((this.#extensions += stop - pos) > MAX_CHUNK_EXTENSIONS) {
              throw malformed("chunk extensions too long");
            }
          } else if ((this.#trailers += stop - pos) > MAX_TRAILERS) throw malformed("trailers too long");
          if (cr < 0) return end;
          pos = cr + 1;
          this.#state = this.#state === "extension" ? "size LF" : "trailer LF";
          break;
        }
        case "size LF":
          if (view[pos++] !== LF) throw malformed("chunk size line must end in CRLF");
          this.#state = this.#left === 0 ? "trailer" : "data";
          this.#digits = 0;
          break;
        case "data CR":
          if (view[pos++] !== CR) throw malformed("chunk data must end in CRLF");
          this.#state = "data LF";
          break;
        case "data LF":
          if (view[pos++] !== LF) throw malformed("chunk data must end in CRLF");
          this.#state = "size";
          break;
        case "trailer":
          // An empty line ends the body; anything else is a trailer field.
          if (view[pos] === CR) {
            pos++;
            this.#state = "end LF";
          } else this.#state = "trailer line";
          break;
        case "trailer LF":
          if (view[pos++] !== LF) throw malformed("trailer lines must end in CRLF");
          this.#state = "trailer";
          break;
        case "end LF":
          if (view[pos++] !== LF) throw malformed("chunked body must end in CRLF");
          this.#state = "done";
          return pos;
      }
    }
    return pos;
  }
}
