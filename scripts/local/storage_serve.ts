/**
 * The Storage stand-in's answers with an object's bytes or info, as the real server's renderers
 * send them (src/storage/renderer/): Content-Type, Content-Length, ETag, Last-Modified,
 * Cache-Control (or Expires for a signed URL), `?download=` as Content-Disposition, If-None-Match
 * (304) and a single byte Range (206). The bytes are streamed from the stored version the row
 * names. Local only: nothing here is deployed.
 */
import { findObject } from "./storage_db.ts";
import { type Call, ERRORS, json, type StorageServices } from "./storage_http.ts";

/** The headers and body of an object's bytes (or of its info), as the server's renderers send them. */
export async function serveObject(
  svc: StorageServices,
  call: Call,
  bucket: string,
  name: string,
  object: Record<string, unknown>,
  options: { expires?: string } = {},
): Promise<Response> {
  let stored = await svc.files.open(bucket, name, object.version as string | null);
  if (!stored) {
    // A re-upload may have replaced the version between the row's read and the open.
    const fresh = await svc.db.read((sql) => findObject(sql, bucket, name, { orNull: true }));
    if (fresh && fresh.version !== object.version) {
      object = fresh;
      stored = await svc.files.open(bucket, name, fresh.version as string | null);
    }
  }
  if (!stored) {
    const res = errorResponseFor(ERRORS.bytesNotFound());
    res.headers.set("cache-control", "no-store");
    return res;
  }
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const eTag = typeof meta.eTag === "string" ? meta.eTag : undefined;
  const headers = new Headers({
    "accept-ranges": "bytes",
    "content-type": typeof meta.mimetype === "string" ? meta.mimetype : "application/octet-stream",
    "x-robots-tag": "none",
    "last-modified": new Date(typeof meta.lastModified === "string" ? meta.lastModified : stored.mtime)
      .toUTCString(),
  });
  if (eTag) headers.set("etag", eTag);
  if (options.expires) headers.set("expires", options.expires);
  else headers.set("cache-control", typeof meta.cacheControl === "string" ? meta.cacheControl : "no-cache");
  const download = call.url.searchParams.get("download");
  if (download !== null) {
    const encoded = encodeURIComponent(download);
    headers.set(
      "content-disposition",
      download === "" ? "attachment;" : `attachment; filename=${encoded}; filename*=UTF-8''${encoded}`,
    );
  }
  if (eTag && call.req.headers.get("if-none-match") === eTag) {
    stored.file.close();
    return new Response(null, { status: 304, headers });
  }
  const range = call.req.headers.get("range");
  let from = 0, size = stored.size, status = 200;
  if (range) {
    try {
      [from, size] = parseRange(range, stored.size);
    } catch (error) {
      stored.file.close();
      throw error;
    }
    status = 206;
    headers.set("content-range", `bytes ${from}-${from + size - 1}/${stored.size}`);
  }
  headers.set("content-length", String(size));
  if (call.req.method === "HEAD") {
    stored.file.close();
    return new Response(null, { status, headers });
  }
  return new Response(await fileSlice(stored.file, from, size), { status, headers });
}

/** `Range: bytes=a-b | a- | -n` over `total` bytes → [first byte, length]; else 416 as the server. */
function parseRange(range: string, total: number): [number, number] {
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || total <= 0 || (!match[1] && !match[2])) throw ERRORS.invalidRange();
  if (!match[1]) {
    const suffix = Number(match[2]);
    if (!(suffix > 0)) throw ERRORS.invalidRange();
    const from = Math.max(total - suffix, 0);
    return [from, total - from];
  }
  const from = Number(match[1]);
  const to = match[2] ? Math.min(Number(match[2]), total - 1) : total - 1;
  if (from > to || from >= total) throw ERRORS.invalidRange();
  return [from, to - from + 1];
}

async function fileSlice(file: Deno.FsFile, from: number, size: number): Promise<ReadableStream<Uint8Array>> {
  if (from === 0) {
    // The whole file (or its head): the file's own stream, cut at `size`.
    let left = size;
    const reader = file.readable.getReader();
    return new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done || left <= 0) {
          controller.close();
          return void reader.cancel().catch(() => {});
        }
        const chunk = value.byteLength > left ? value.subarray(0, left) : value;
        left -= chunk.byteLength;
        controller.enqueue(chunk);
        if (left <= 0) {
          controller.close();
          await reader.cancel().catch(() => {});
        }
      },
      cancel: () => reader.cancel(),
    });
  }
  await file.seek(from, Deno.SeekMode.Start);
  return await fileSlice(file, 0, size);
}

function errorResponseFor(error: { status: number; error: string; message: string; code: string }) {
  return json(400, {
    statusCode: String(error.status),
    error: error.error,
    message: error.message,
    code: error.code,
  });
}

/** The object info body (GET /object/info/…), from the row. */
export function infoResponse(object: Record<string, unknown>): Response {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = { "cache-control": String(meta.cacheControl ?? "no-cache") };
  if (typeof meta.eTag === "string") headers.etag = meta.eTag;
  if (typeof meta.lastModified === "string") {
    headers["last-modified"] = new Date(meta.lastModified).toUTCString();
  }
  return json(200, {
    id: object.id,
    name: object.name,
    version: object.version,
    bucket_id: object.bucket_id,
    size: meta.size ?? null,
    content_type: meta.mimetype ?? null,
    cache_control: meta.cacheControl ?? null,
    etag: meta.eTag ?? null,
    metadata: object.user_metadata,
    last_modified: object.updated_at,
    created_at: object.created_at,
  }, headers);
}
