/**
 * The Storage stand-in's object operations, each as the Storage server does it: the caller's
 * permission proven under RLS first (a probe rolled back, or a read as the caller), then the
 * bytes written or read, then the row written as service_role. Upload: an INSERT probe (INSERT …
 * ON CONFLICT DO UPDATE … RETURNING for an upsert, so insert, update and select policies all
 * apply); download, info, list and signing: a SELECT as the caller (public buckets skip RLS for
 * reads); remove: DELETE … RETURNING as the caller (delete and select policies); move: SELECT and
 * UPDATE probed; copy: SELECT of the source and the upload probe at the destination.
 * Local only: nothing here is deployed.
 */
import { Buffer } from "node:buffer";
import type { PlatformKeys } from "./platform_keys.ts";
import {
  type Caller,
  findBucket,
  findObject,
  insertObject,
  lockObject,
  objectJson,
  ownerColumns,
  SERVICE,
  upsertObject,
} from "./storage_db.ts";
import { type Call, ERRORS, type StorageServices } from "./storage_http.ts";
import { mustBeValidBucketName, mustBeValidKey } from "./storage_files.ts";
import { multipartBoundary, MultipartError, readMultipartFile } from "./storage_multipart.ts";

const MAX_USER_METADATA = 1024 * 1024;

/** The server's check of a file's type against a bucket's list (`type/*` allowed). */
function validateMimeType(mimeType: string, allowed: string[]) {
  const [type, subtype] = mimeType.split("/");
  if (subtype === undefined) throw ERRORS.invalidMimeType(mimeType);
  for (const entry of allowed) {
    const [allowedType, allowedSubtype] = entry.split("/");
    if (allowedType === type && (allowedSubtype === "*" || allowedSubtype === subtype)) return;
  }
  throw ERRORS.invalidMimeType(mimeType);
}

/** `x-metadata`: base64 of a JSON object; anything else is ignored, as the server does. */
export function parseUserMetadata(header: string | null): Record<string, unknown> | undefined {
  if (!header) return undefined;
  try {
    return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
}

interface Upload {
  body: ReadableStream<Uint8Array>;
  mimeType: string;
  cacheControl: string;
  userMetadata?: Record<string, unknown>;
  declaredLength?: number;
}

/** The file of an upload request: a multipart form's file part, or the raw body. */
async function readUpload(req: Request, limit: number, allowed: string[]): Promise<Upload> {
  const contentType = req.headers.get("content-type");
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const declaredLength = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
  if (contentType?.startsWith("multipart/form-data")) {
    const boundary = multipartBoundary(contentType);
    if (!boundary || !req.body) throw ERRORS.noContent();
    let file;
    try {
      file = await readMultipartFile(req.body, boundary);
    } catch (error) {
      throw error instanceof MultipartError ? ERRORS.noContent() : error;
    }
    if (!file) throw ERRORS.noContent();
    const mimeType = file.fields.get("contentType") || file.contentType;
    const cacheTime = file.fields.get("cacheControl");
    const custom = file.fields.get("metadata") ?? file.fields.get("userMetadata");
    try {
      if (allowed.length > 0) validateMimeType(mimeType, allowed);
      if (custom !== undefined && Buffer.byteLength(custom) > MAX_USER_METADATA) {
        throw ERRORS.entityTooLarge("user_metadata");
      }
    } catch (error) {
      await file.body.cancel();
      throw error;
    }
    let userMetadata: Record<string, unknown> | undefined;
    try {
      userMetadata = custom === undefined ? undefined : JSON.parse(custom);
    } catch { /* ignored, as the server does */ }
    return {
      body: file.body,
      mimeType,
      cacheControl: cacheTime ? `max-age=${cacheTime}` : "no-cache",
      userMetadata,
      declaredLength,
    };
  }
  const mimeType = contentType || "application/octet-stream";
  if (allowed.length > 0) validateMimeType(mimeType, allowed);
  if (declaredLength !== undefined && declaredLength > limit) throw ERRORS.entityTooLarge();
  return {
    body: req.body ?? new Blob([]).stream(),
    mimeType,
    cacheControl: req.headers.get("cache-control") ?? "no-cache",
    userMetadata: parseUserMetadata(req.headers.get("x-metadata")),
    declaredLength,
  };
}

/**
 * Stores an upload as the Storage server does: bucket and limits (as service), the request's
 * file, the key, the probe as `caller`, the bytes, then the row as service_role.
 */
export async function storeUpload(
  svc: StorageServices,
  call: Call,
  target: { bucket: string; name: string; upsert: boolean; owner?: string; caller: Caller },
) {
  const { bucket: bucketId, name } = target;
  mustBeValidBucketName(bucketId);
  const bucket = await svc.db.read((sql) => findBucket(sql, bucketId));
  const placeholder = name.endsWith(".emptyFolderPlaceholder");
  const limit = placeholder ? 0 : Math.min(Number(bucket.file_size_limit ?? Infinity), svc.fileSizeLimit);
  const allowed = placeholder ? [] : (bucket.allowed_mime_types as string[] | null) ?? [];
  const upload = await readUpload(call.req, limit, allowed);
  try {
    mustBeValidKey(name);
    await svc.db.probe(call.as(target.caller), (tx) => {
      const row = {
        bucket_id: bucketId,
        name,
        owner: target.owner,
        version: "1",
        metadata: { mimetype: upload.mimeType, contentLength: upload.declaredLength },
        user_metadata: upload.userMetadata,
      };
      return target.upsert ? upsertObject(tx, row) : insertObject(tx, row);
    });
  } catch (error) {
    await upload.body.cancel().catch(() => {});
    throw error;
  }
  const written = await svc.files.write(upload.body, limit);
  const version = crypto.randomUUID();
  const metadata = {
    eTag: written.eTag,
    size: written.size,
    mimetype: upload.mimeType,
    cacheControl: upload.cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: written.size,
    httpStatusCode: 200,
  };
  let previous: string | null = null;
  try {
    const object = await svc.db.inScope(call.as(SERVICE), async (tx) => {
      await lockObject(tx, bucketId, name);
      const current = await findObject(tx, bucketId, name, { forUpdate: true, orNull: true });
      previous = (current?.version as string | null) ?? null;
      await svc.files.commit(written, bucketId, name, version);
      return await upsertObject(tx, {
        bucket_id: bucketId,
        name,
        owner: target.owner,
        metadata,
        user_metadata: upload.userMetadata ?? {},
        version,
      });
    });
    if (previous) await svc.files.remove(bucketId, name, previous);
    return { id: object.id as string, key: `${bucketId}/${name}` };
  } catch (error) {
    await svc.files.discard(written);
    await svc.files.remove(bucketId, name, version);
    throw error;
  }
}

/** Moves an object: SELECT and UPDATE probed as the caller, then the bytes and the row as service. */
export async function moveObject(
  svc: StorageServices,
  call: Call,
  move: { bucket: string; source: string; destinationBucket: string; destination: string },
) {
  mustBeValidBucketName(move.bucket);
  mustBeValidKey(move.destination);
  const version = crypto.randomUUID();
  // The caller becomes the owner; a caller without a subject (service_role) leaves it.
  const owner = ownerColumns(call.caller.owner);
  const owned = owner.owner_id !== undefined;
  await svc.db.probe(call.as(), async (tx) => {
    await findObject(tx, move.bucket, move.source);
    const [moved] = await tx`update storage.objects
      set name = ${move.destination}, bucket_id = ${move.destinationBucket}, version = ${version},
        owner = case when ${owned} then ${owner.owner ?? null}::uuid else owner end,
        owner_id = case when ${owned} then ${owner.owner_id ?? null} else owner_id end
      where bucket_id = ${move.bucket} and name = ${move.source} returning id`;
    if (!moved) throw ERRORS.noSuchKey();
  });
  const source = await svc.db.read((sql) => findObject(sql, move.bucket, move.source));
  if (move.bucket === move.destinationBucket && move.source === move.destination) {
    return { message: "Successfully moved", Id: source.id, Key: move.destination };
  }
  const to = { bucket: move.destinationBucket, name: move.destination, version };
  await svc.files.copy({ bucket: move.bucket, name: move.source, version: source.version as string }, to);
  try {
    const moved = await svc.db.inScope(call.as(SERVICE), async (tx) => {
      await lockObject(tx, move.destinationBucket, move.destination);
      const current = await findObject(tx, move.bucket, move.source, { forUpdate: true });
      const metadata = {
        ...(current.metadata as Record<string, unknown>),
        lastModified: new Date().toISOString(),
      };
      const [row] = await tx`update storage.objects
        set name = ${move.destination}, bucket_id = ${move.destinationBucket}, version = ${version},
          owner = case when ${owned} then ${owner.owner ?? null}::uuid else owner end,
          owner_id = case when ${owned} then ${owner.owner_id ?? null} else owner_id end,
          metadata = ${tx.json(metadata as Record<string, string>)}
        where bucket_id = ${move.bucket} and name = ${move.source} returning id, version`;
      return { row, previous: current.version as string };
    });
    await svc.files.remove(move.bucket, move.source, moved.previous);
    return { message: "Successfully moved", Id: moved.row.id, Key: move.destination };
  } catch (error) {
    await svc.files.remove(to.bucket, to.name, version);
    throw error;
  }
}

/** Copies an object: the source read as the caller, the destination's upload probed, then service writes. */
export async function copyObject(
  svc: StorageServices,
  call: Call,
  copy: {
    bucket: string;
    source: string;
    destinationBucket: string;
    destination: string;
    copyMetadata: boolean;
    metadata?: { cacheControl?: string; mimetype?: string };
    upsert: boolean;
  },
) {
  mustBeValidBucketName(copy.bucket);
  mustBeValidKey(copy.destination);
  const owner = call.caller.owner;
  const source = await svc.db.inScope(call.as(), (tx) => findObject(tx, copy.bucket, copy.source));
  const metadata = { ...(source.metadata as Record<string, unknown> ?? {}) };
  if (!copy.copyMetadata) {
    if (copy.metadata?.cacheControl !== undefined) metadata.cacheControl = copy.metadata.cacheControl;
    if (copy.metadata?.mimetype !== undefined) metadata.mimetype = copy.metadata.mimetype;
  }
  const userMetadata = copy.copyMetadata
    ? (source.user_metadata as Record<string, unknown> | null) ?? undefined
    : parseUserMetadata(call.req.headers.get("x-metadata"));
  const probeRow = {
    bucket_id: copy.destinationBucket,
    name: copy.destination,
    owner,
    version: "1",
    metadata,
    user_metadata: userMetadata,
  };
  await svc.db.probe(
    call.as(),
    (tx) => copy.upsert ? upsertObject(tx, probeRow) : insertObject(tx, probeRow),
  );
  const version = crypto.randomUUID();
  const to = { bucket: copy.destinationBucket, name: copy.destination, version };
  await svc.files.copy({ bucket: copy.bucket, name: copy.source, version: source.version as string }, to);
  try {
    const copied = await svc.db.inScope(call.as(SERVICE), async (tx) => {
      await lockObject(tx, copy.destinationBucket, copy.destination);
      const current = await findObject(tx, copy.destinationBucket, copy.destination, {
        forUpdate: true,
        orNull: true,
      });
      const row = await upsertObject(tx, {
        ...probeRow,
        version,
        metadata: { ...metadata, lastModified: new Date().toISOString() },
      });
      return { row, previous: (current?.version as string | null) ?? null };
    });
    if (copied.previous) await svc.files.remove(copy.destinationBucket, copy.destination, copied.previous);
    return {
      Id: copied.row.id,
      Key: `${copy.destinationBucket}/${copy.destination}`,
      ...objectJson(copied.row),
    };
  } catch (error) {
    await svc.files.remove(to.bucket, to.name, version);
    throw error;
  }
}

/** Deletes the named objects the caller may delete (and see); the others are left, silently. */
export async function removeObjects(svc: StorageServices, call: Call, bucket: string, names: string[]) {
  mustBeValidBucketName(bucket);
  const deleted = await svc.db.inScope(
    call.as(),
    (tx) => tx`delete from storage.objects where bucket_id = ${bucket} and name = any(${names}) returning *`,
  );
  for (const row of deleted) await svc.files.remove(bucket, row.name as string, row.version as string | null);
  return deleted.map((row) => objectJson(row));
}

/** A signed-URL token's claims, checked for this object and use (the server's verifyObjectSignature). */
export async function verifySignedToken(
  keys: PlatformKeys,
  token: string | null,
  url: string,
  scope: "download" | "upload",
) {
  if (!token) throw ERRORS.validation("querystring must have required property 'token'");
  let payload;
  try {
    payload = await keys.verifyUrl(token);
  } catch (error) {
    throw ERRORS.invalidJwt(error instanceof Error ? error.message : undefined);
  }
  const legacy = payload.scope === undefined &&
    (scope === "upload" ? "upsert" in payload : !("upsert" in payload));
  if (payload.scope !== scope && !legacy) throw ERRORS.invalidSignature(`Token is not scoped for ${scope}`);
  if (payload.url !== url) throw ERRORS.invalidSignature();
  return payload as typeof payload & { url: string; exp: number; owner?: string; upsert?: boolean };
}
