/**
 * The Storage stand-in's bucket routes (what storage-js's StorageBucketApi calls), each run as
 * the caller under RLS on storage.buckets, as the Storage server does: without a policy only
 * service_role sees or changes buckets. Emptying a bucket is service_role's only.
 * Local only: nothing here is deployed.
 */
import { findBucket } from "./storage_db.ts";
import {
  ERRORS,
  integer,
  json,
  readBody,
  required,
  type Route,
  StorageError,
  type StorageServices,
  text,
} from "./storage_http.ts";
import { mustBeValidBucketName } from "./storage_files.ts";

const SORTABLE = new Set(["id", "name", "created_at", "updated_at"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A bucket as the server's bucketSchema writes it (a null owner as "", as Fastify's serializer does). */
function bucketJson(row: Record<string, unknown>) {
  return { ...row, owner: row.owner ?? "" };
}

/** `file_size_limit`: bytes, or "20MB" / "1.5GB" / "30KB" / "3B" (decimal units); at most the platform's. */
function fileSizeLimit(svc: StorageServices, value: unknown): number | null | undefined {
  if (value === undefined || value === null) return value;
  let bytes: number;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
    bytes = value;
  } else if (typeof value === "string") {
    const match = /^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$/i.exec(value);
    if (!match) {
      throw new StorageError(
        400,
        "InvalidRequest",
        "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B",
      );
    }
    const unit = { gb: 1e9, mb: 1e6, kb: 1e3, b: 1 }[match[2].toLowerCase() as "gb" | "mb" | "kb" | "b"];
    bytes = +parseFloat(match[1]).toPrecision(3) * unit;
  } else {
    throw ERRORS.validation("body/file_size_limit must match a schema in anyOf");
  }
  if (bytes > svc.fileSizeLimit) throw ERRORS.entityTooLarge();
  return bytes;
}

/** `allowed_mime_types`: `type/subtype` (optionally `; charset=…`) or `type/*`; empty entries dropped. */
function mimeTypes(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Array.isArray(value) || value.some((type) => typeof type !== "string")) {
    throw ERRORS.validation("body/allowed_mime_types must be array");
  }
  const types = value.filter((type) => type);
  for (const type of types) {
    if (
      type.length > 1000 ||
      !/^([a-zA-Z0-9\-+.]+)\/([a-zA-Z0-9\-+.]+)(;\s*charset=[a-zA-Z0-9\-]+)?$|\*$/.test(type)
    ) {
      throw ERRORS.invalidMimeType(type);
    }
  }
  return types;
}

export function bucketRoutes(): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/bucket\/?$/,
      access: "jwt",
      operation: "storage.bucket.list",
      async handle(svc, call) {
        const query = call.url.searchParams;
        const limit = query.has("limit") ? integer(Number(query.get("limit")), "limit", 1) : undefined;
        const offset = query.has("offset") ? integer(Number(query.get("offset")), "offset", 0) : undefined;
        const sortColumn = query.get("sortColumn");
        if (sortColumn !== null && !SORTABLE.has(sortColumn)) {
          throw ERRORS.validation("querystring/sortColumn must be equal to one of the allowed values");
        }
        const descending = query.get("sortOrder") === "desc";
        const search = query.get("search");
        const rows = await svc.db.inScope(
          call.as(),
          (tx) =>
            tx`select id, name, public, owner, created_at, updated_at, file_size_limit, allowed_mime_types, type
            from storage.buckets
            ${search ? tx`where name ilike ${`%${search.replace(/[\\%_]/g, "\\$&")}%`}` : tx``}
            ${sortColumn ? tx`order by ${tx(sortColumn)} ${descending ? tx`desc` : tx`asc`}` : tx``}
            ${limit !== undefined ? tx`limit ${limit}` : tx``}
            ${offset !== undefined ? tx`offset ${offset}` : tx``}`,
        );
        return json(200, rows.map(bucketJson));
      },
    },
    {
      method: "GET",
      pattern: /^\/bucket\/([^/]+)$/,
      access: "jwt",
      operation: "storage.bucket.get",
      async handle(svc, call, [id]) {
        const [row] = await svc.db.inScope(
          call.as(),
          (tx) =>
            tx`select id, name, owner, public, created_at, updated_at, file_size_limit, allowed_mime_types
            from storage.buckets where id = ${id} limit 1`,
        );
        if (!row) throw ERRORS.noSuchBucket();
        return json(200, bucketJson(row));
      },
    },
    {
      method: "POST",
      pattern: /^\/bucket\/?$/,
      access: "jwt",
      operation: "storage.bucket.create",
      async handle(svc, call) {
        const body = await readBody(call.req);
        required(body, "name");
        const name = text(body.name, "name");
        if (name.trim() !== name) throw ERRORS.invalidBucketName();
        mustBeValidBucketName(name);
        if (body.type === "ANALYTICS") {
          throw new StorageError(
            409,
            "FeatureNotEnabled",
            "The feature iceberg_catalog is not enabled for this resource",
          );
        }
        const owner = call.caller.owner;
        const row: Record<string, unknown> = {
          id: body.id ? text(body.id, "id") : name,
          name,
          owner: owner && UUID.test(owner) ? owner : null,
          owner_id: owner ?? null,
          public: body.public === true,
          type: "STANDARD",
        };
        const limit = fileSizeLimit(svc, body.file_size_limit);
        if (limit !== undefined) row.file_size_limit = limit;
        const types = mimeTypes(body.allowed_mime_types);
        if (types !== undefined) row.allowed_mime_types = types;
        try {
          await svc.db.inScope(call.as(), (tx) => tx`insert into storage.buckets ${tx(row)}`);
        } catch (error) {
          throw error instanceof StorageError && error.code === "ResourceAlreadyExists"
            ? ERRORS.bucketAlreadyExists()
            : error;
        }
        return json(200, { name });
      },
    },
    {
      method: "PUT",
      pattern: /^\/bucket\/([^/]+)$/,
      access: "jwt",
      operation: "storage.bucket.update",
      async handle(svc, call, [id]) {
        mustBeValidBucketName(id);
        const body = await readBody(call.req);
        const fields: Record<string, unknown> = {};
        if (typeof body.public === "boolean") fields.public = body.public;
        const limit = fileSizeLimit(svc, body.file_size_limit);
        if (limit !== undefined) fields.file_size_limit = limit;
        const types = mimeTypes(body.allowed_mime_types);
        if (types !== undefined) fields.allowed_mime_types = types;
        if (Object.keys(fields).length === 0) {
          throw ERRORS.validation("body must have required property 'public'");
        }
        const updated = await svc.db.inScope(
          call.as(),
          (tx) => tx`update storage.buckets set ${tx(fields)} where id = ${id} returning id`,
        );
        if (updated.length === 0) throw ERRORS.noSuchBucket();
        return json(200, { message: "Successfully updated" });
      },
    },
    {
      method: "DELETE",
      pattern: /^\/bucket\/([^/]+)$/,
      access: "jwt",
      operation: "storage.bucket.delete",
      async handle(svc, call, [id]) {
        await svc.db.read(async (tx) => {
          await findBucket(tx, id);
          const [object] = await tx`select 1 from storage.objects where bucket_id = ${id} limit 1`;
          if (object) throw ERRORS.bucketNotEmpty();
        });
        const deleted = await svc.db.inScope(
          call.as(),
          (tx) => tx`delete from storage.buckets where id = ${id} returning id`,
        );
        if (deleted.length === 0) throw ERRORS.noSuchBucket();
        await svc.files.removeBucket(id);
        return json(200, { message: "Successfully deleted" });
      },
    },
    {
      method: "POST",
      pattern: /^\/bucket\/([^/]+)\/empty$/,
      access: "jwt",
      serviceOnly: true,
      operation: "storage.bucket.empty",
      async handle(svc, call, [id]) {
        // The real server queues the deletions; here they are done before answering.
        const deleted = await svc.db.inScope(call.as(), async (tx) => {
          await findBucket(tx, id);
          return await tx`delete from storage.objects where bucket_id = ${id} returning name, version`;
        });
        for (const row of deleted) await svc.files.remove(id, row.name, row.version);
        return json(200, { message: "Empty bucket has been queued. Completion may take up to an hour." });
      },
    },
  ];
}
