/**
 * multipart/form-data as the Storage server reads an upload (busboy behind @fastify/multipart):
 * the fields before the first file part are read whole, each bounded; the file part's bytes are
 * handed over as a stream, never held in memory; what follows the file is ignored. storage-js
 * sends `cacheControl` (and `metadata`) first, then the file under the field name "".
 * Local only: nothing here is deployed.
 */
/** A form the reader refuses (the Storage server answers these « No content provided »). */
export class MultipartError extends Error {}

export interface MultipartLimits {
  /** Fields before the file (the real server's busboy: 10). */
  fields: number;
  /** Bytes of one field's value (busboy's default: 1 MiB). */
  fieldBytes: number;
  /** Bytes of one part's header block. */
  headerBytes: number;
}

const DEFAULT_LIMITS: MultipartLimits = { fields: 10, fieldBytes: 1024 * 1024, headerBytes: 16 * 1024 };

export interface MultipartFile {
  /** The fields that came before the file, by name (the last one of a name wins). */
  fields: Map<string, string>;
  /** The file part's declared content type (busboy's default `text/plain` when absent). */
  contentType: string;
  filename: string;
  /** The file's bytes, as they arrive. */
  body: ReadableStream<Uint8Array>;
}

/** The boundary of a multipart/form-data content type, or null. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

/** The first index of `needle` in `haystack` at or after `from`, or -1 (native scans for its first byte). */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length;
  for (
    let at = haystack.indexOf(needle[0], from);
    at !== -1 && at <= last;
    at = haystack.indexOf(needle[0], at + 1)
  ) {
    let matched = 1;
    while (matched < needle.length && haystack[at + matched] === needle[matched]) matched++;
    if (matched === needle.length) return at;
  }
  return -1;
}

/** A growing window over a byte stream, searched without copying what it hands out. */
class Window {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #bytes: Uint8Array = new Uint8Array(0);

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  get length() {
    return this.#bytes.length;
  }

  /** Reads one more chunk; false at the end of the stream. */
  async fill(): Promise<boolean> {
    const { done, value } = await this.#reader.read();
    if (done) return false;
    if (this.#bytes.length === 0) {
      this.#bytes = value;
    } else {
      const merged = new Uint8Array(this.#bytes.length + value.length);
      merged.set(this.#bytes);
      merged.set(value, this.#bytes.length);
      this.#bytes = merged;
    }
    return true;
  }

  indexOf(needle: Uint8Array): number {
    return indexOf(this.#bytes, needle);
  }

  /** The first `n` bytes, removed from the window. */
  take(n: number): Uint8Array {
    const head = this.#bytes.subarray(0, n);
    this.#bytes = this.#bytes.subarray(n);
    return head;
  }

  async cancel() {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Reads until `needle` is in the window (at most `limit` bytes before it); its index. */
async function find(window: Window, needle: Uint8Array, limit: number, what: string): Promise<number> {
  for (;;) {
    const at = window.indexOf(needle);
    if (at >= 0) {
      if (at > limit) throw new MultipartError(`${what} is too large`);
      return at;
    }
    if (window.length > limit + needle.length) throw new MultipartError(`${what} is too large`);
    if (!(await window.fill())) throw new MultipartError(`the form ends inside ${what}`);
  }
}

interface PartHead {
  name: string;
  filename: string | null;
  contentType: string | null;
}

function parsePartHead(text: string): PartHead {
  let disposition = "", contentType: string | null = null;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === "content-disposition") disposition = value;
    else if (field === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) throw new MultipartError("a part is not form-data");
  const param = (key: string) => {
    const match = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(disposition);
    return match ? (match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2]) : null;
  };
  return { name: param("name") ?? "", filename: param("filename"), contentType };
}

/**
 * Reads `body` up to its first file part. Null when the form holds no file. The caller must
 * consume or cancel the file's body.
 */
export async function readMultipartFile(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = DEFAULT_LIMITS,
): Promise<MultipartFile | null> {
  const window = new Window(body);
  const encoder = new TextEncoder();
  const opening = encoder.encode(`--${boundary}`);
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const headEnd = encoder.encode("\r\n\r\n");
  const fields = new Map<string, string>();
  try {
    // The preamble, then the first boundary.
    window.take(await find(window, opening, limits.headerBytes, "the preamble") + opening.length);
    for (;;) {
      while (window.length < 2) {
        if (!(await window.fill())) throw new MultipartError("the form ends after a boundary");
      }
      const after = new TextDecoder().decode(window.take(2));
      if (after === "--") {
        await window.cancel();
        return null;
      }
      if (after !== "\r\n") throw new MultipartError("a boundary is not followed by a line break");
      const headLength = await find(window, headEnd, limits.headerBytes, "a part's headers");
      const head = parsePartHead(new TextDecoder().decode(window.take(headLength)));
      window.take(headEnd.length);
      if (head.filename !== null) {
        return {
          fields,
          contentType: head.contentType ?? "text/plain",
          filename: head.filename,
          body: fileStream(window, delimiter),
        };
      }
      if (fields.size >= limits.fields) throw new MultipartError("the form has too many fields");
      const valueLength = await find(window, delimiter, limits.fieldBytes, `field ${head.name}`);
      fields.set(head.name, new TextDecoder().decode(window.take(valueLength)));
      window.take(delimiter.length);
    }
  } catch (error) {
    await window.cancel();
    throw error;
  }
}

/** The bytes of the current part, up to the next delimiter; the rest of the form is dropped. */
function fileStream(window: Window, delimiter: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const at = window.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) controller.enqueue(window.take(at));
          controller.close();
          await window.cancel();
          return;
        }
        // Everything but a possible start of the delimiter can go.
        const safe = window.length - (delimiter.length - 1);
        if (safe > 0) {
          controller.enqueue(window.take(safe));
          return;
        }
        if (!(await window.fill())) {
          controller.error(new MultipartError("the form ends inside the file"));
          return;
        }
      }
    },
    async cancel() {
      await window.cancel();
    },
  });
}
