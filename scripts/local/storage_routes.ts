/**
 * The Storage stand-in's object routes, with the real server's paths, access (a JWT required,
 * optional, or none for public and signed URLs) and operation names (src/http/routes/object/,
 * src/http/routes/operations.ts), in the order its router's static segments win over parameters.
 * Local only: nothing here is deployed.
 */
import { findBucket, findObject, insertObject, objectJson, SERVICE, upsertObject } from "./storage_db.ts";
import {
  type Call,
  ERRORS,
  integer,
  json,
  readBody,
  required,
  type Route,
  type StorageServices,
  text,
} from "./storage_http.ts";
import { mustBeValidBucketName, mustBeValidKey } from "./storage_files.ts";
import {
  copyObject,
  moveObject,
  parseUserMetadata,
  removeObjects,
  storeUpload,
  verifySignedToken,
} from "./storage_objects.ts";
import { infoResponse, serveObject } from "./storage_serve.ts";

/** A signed URL's lifetime: a whole number of seconds, at least 1 (assertValidNumericJWTExpiration). */
function expiresIn(body: Record<string, unknown>): number {
  required(body, "expiresIn");
  return integer(body.expiresIn, "expiresIn", 1)!;
}

const object = (rest: string) => new RegExp(`^/object/${rest}$`);

/** The object routes, in the order the real router's static segments win over parameters. */
export const OBJECT_ROUTES: Route[] = [
  {
    method: "POST",
    pattern: object("list/([^/]+)"),
    access: "jwt",
    operation: "storage.object.list",
    async handle(svc, call, [bucket]) {
      mustBeValidBucketName(bucket);
      const body = await readBody(call.req);
      required(body, "prefix");
      let prefix = text(body.prefix, "prefix");
      const limit = integer(body.limit, "limit", 1) ?? 100;
      const offset = integer(body.offset, "offset", 0) ?? 0;
      const sortBy = (body.sortBy ?? {}) as { column?: string; order?: string };
      const search = body.search === undefined ? "" : text(body.search, "search");
      // The server assumes a prefix is a folder.
      if (prefix.length > 0 && !prefix.endsWith("/")) prefix = `${prefix}/`;
      const levels = (prefix + search).split("/").length;
      const column = sortBy.column ?? "name", order = sortBy.order ?? "asc";
      const rows = await svc.db.inScope(
        call.as(),
        (tx) =>
          tx`select * from storage.search(${prefix}, ${bucket}, ${limit}, ${levels}, ${offset}, ${search},
          ${column}, ${order})`,
      );
      return json(200, rows.map((row) => objectJson(row)));
    },
  },
  {
    method: "POST",
    pattern: object("move"),
    access: "jwt",
    operation: "storage.object.move",
    async handle(svc, call) {
      const body = await readBody(call.req);
      required(body, "bucketId", "sourceKey", "destinationKey");
      const bucket = text(body.bucketId, "bucketId");
      return json(
        200,
        await moveObject(svc, call, {
          bucket,
          source: text(body.sourceKey, "sourceKey"),
          destinationBucket: body.destinationBucket
            ? text(body.destinationBucket, "destinationBucket")
            : bucket,
          destination: text(body.destinationKey, "destinationKey"),
        }),
      );
    },
  },
  {
    method: "POST",
    pattern: object("copy"),
    access: "jwt",
    operation: "storage.object.copy",
    async handle(svc, call) {
      const body = await readBody(call.req);
      required(body, "sourceKey", "bucketId", "destinationKey");
      const bucket = text(body.bucketId, "bucketId");
      return json(
        200,
        await copyObject(svc, call, {
          bucket,
          source: text(body.sourceKey, "sourceKey"),
          destinationBucket: body.destinationBucket
            ? text(body.destinationBucket, "destinationBucket")
            : bucket,
          destination: text(body.destinationKey, "destinationKey"),
          copyMetadata: body.copyMetadata === undefined ? true : body.copyMetadata === true,
          metadata: body.metadata as { cacheControl?: string; mimetype?: string } | undefined,
          upsert: call.req.headers.get("x-upsert") === "true",
        }),
      );
    },
  },
  {
    method: "POST",
    pattern: object("sign/([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.sign",
    async handle(svc, call, [bucket, name]) {
      mustBeValidBucketName(bucket);
      const seconds = expiresIn(await readBody(call.req));
      mustBeValidKey(name);
      await svc.db.inScope(call.as(), (tx) => findObject(tx, bucket, name));
      const url = `${bucket}/${name}`;
      const token = await svc.keys.signUrl({ url, scope: "download" }, seconds);
      return json(200, { signedURL: `/object/sign/${url}?token=${token}` });
    },
  },
  {
    method: "POST",
    pattern: object("sign/([^/]+)"),
    access: "jwt",
    operation: "storage.object.sign_many",
    async handle(svc, call, [bucket]) {
      mustBeValidBucketName(bucket);
      const body = await readBody(call.req);
      const seconds = expiresIn(body);
      required(body, "paths");
      const paths = body.paths;
      if (
        !Array.isArray(paths) || paths.length < 1 || paths.length > 1000 ||
        paths.some((p) => typeof p !== "string")
      ) {
        throw ERRORS.validation("body/paths must be an array of 1 to 1000 strings");
      }
      const visible = new Set(
        (await svc.db.inScope(
          call.as(),
          (tx) => tx`select name from storage.objects where bucket_id = ${bucket} and name = any(${paths})`,
        ))
          .map((row) => row.name as string),
      );
      return json(
        200,
        await Promise.all(paths.map(async (path: string) => {
          if (!visible.has(path)) {
            return {
              error: "Either the object does not exist or you do not have access to it",
              path,
              signedURL: null,
            };
          }
          const url = `${bucket}/${path}`;
          const token = await svc.keys.signUrl({ url, scope: "download" }, seconds);
          return { error: null, path, signedURL: `/object/sign/${url}?token=${token}` };
        })),
      );
    },
  },
  {
    method: ["GET", "HEAD"],
    pattern: object("sign/([^/]+)/(.*)"),
    access: "public",
    operation: "storage.object.get_signed",
    async handle(svc, call, [bucket, name]) {
      const token = call.url.searchParams.get("token");
      const payload = await verifySignedToken(svc.keys, token, `${bucket}/${name}`, "download");
      mustBeValidBucketName(bucket);
      mustBeValidKey(name);
      const row = await svc.db.read((sql) => findObject(sql, bucket, name));
      return await serveObject(svc, call, bucket, name, row, {
        expires: new Date(payload.exp * 1000).toUTCString(),
      });
    },
  },
  {
    method: "POST",
    pattern: object("upload/sign/([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.sign_upload_url",
    async handle(svc, call, [bucket, name]) {
      mustBeValidBucketName(bucket);
      const upsert = call.req.headers.get("x-upsert") === "true";
      const length = Number(call.req.headers.get("content-length") ?? NaN);
      await svc.db.probe(call.as(), async (tx) => {
        const row = {
          bucket_id: bucket,
          name,
          owner: call.caller.owner,
          version: "1",
          metadata: {
            mimetype: call.req.headers.get("content-type") ?? undefined,
            contentLength: Number.isFinite(length) ? length : undefined,
          },
          user_metadata: parseUserMetadata(call.req.headers.get("x-metadata")),
        };
        return upsert ? await upsertObject(tx, row) : await insertObject(tx, row);
      });
      const url = `${bucket}/${name}`;
      const token = await svc.keys.signUrl(
        { owner: call.caller.owner, url, upsert, scope: "upload" },
        svc.uploadUrlSeconds,
      );
      return json(200, { url: `/object/upload/sign/${url}?token=${token}`, token });
    },
  },
  {
    method: "PUT",
    pattern: object("upload/sign/([^/]+)/(.*)"),
    access: "public",
    operation: "storage.object.upload_signed",
    async handle(svc, call, [bucket, name]) {
      const token = call.url.searchParams.get("token");
      const payload = await verifySignedToken(svc.keys, token, `${bucket}/${name}`, "upload");
      const stored = await storeUpload(svc, call, {
        bucket,
        name,
        upsert: payload.upsert === true,
        owner: payload.owner,
        caller: SERVICE,
      });
      return json(200, { Key: stored.key });
    },
  },
  {
    method: "GET",
    pattern: object("info/public/([^/]+)/(.*)"),
    access: "public",
    operation: "storage.object.info_public",
    handle: (svc, call, [bucket, name]) => info(svc, call, bucket, name, true),
  },
  {
    method: "GET",
    pattern: object("info/authenticated/([^/]+)/(.*)"),
    access: "jwt",
    operation: "object.get_authenticated_info",
    handle: (svc, call, [bucket, name]) => info(svc, call, bucket, name, false),
  },
  {
    method: "GET",
    pattern: object("info/([^/]+)/(.*)"),
    access: "optional",
    operation: "object.get_authenticated_info",
    handle: (svc, call, [bucket, name]) => info(svc, call, bucket, name, false),
  },
  {
    method: ["GET", "HEAD"],
    pattern: object("public/([^/]+)/(.*)"),
    access: "public",
    operation: "storage.object.get_public",
    async handle(svc, call, [bucket, name]) {
      mustBeValidBucketName(bucket);
      const [found, row] = await svc.db.read(async (tx) => {
        const found = await findBucket(tx, bucket, { orNull: true });
        mustBeValidKey(name);
        return [found, await findObject(tx, bucket, name, { orNull: true })] as const;
      });
      if (!found?.public) throw ERRORS.noSuchBucket();
      if (!row) throw ERRORS.noSuchKey();
      return await serveObject(svc, call, bucket, name, row);
    },
  },
  {
    method: ["GET", "HEAD"],
    pattern: object("authenticated/([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.get_authenticated",
    handle: (svc, call, [bucket, name]) => download(svc, call, bucket, name),
  },
  {
    method: ["GET", "HEAD"],
    pattern: object("([^/]+)/(.*)"),
    access: "optional",
    operation: "storage.object.get_authenticated",
    handle: (svc, call, [bucket, name]) => download(svc, call, bucket, name),
  },
  {
    method: "POST",
    pattern: object("([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.upload",
    async handle(svc, call, [bucket, name]) {
      const upsert = call.req.headers.get("x-upsert") === "true";
      const stored = await storeUpload(svc, call, {
        bucket,
        name,
        upsert,
        owner: call.caller.owner,
        caller: call.caller,
      });
      return json(200, { Id: stored.id, Key: stored.key });
    },
  },
  {
    method: "PUT",
    pattern: object("([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.upload_update",
    async handle(svc, call, [bucket, name]) {
      const stored = await storeUpload(svc, call, {
        bucket,
        name,
        upsert: true,
        owner: call.caller.owner,
        caller: call.caller,
      });
      return json(200, { Id: stored.id, Key: stored.key });
    },
  },
  {
    method: "DELETE",
    pattern: object("([^/]+)"),
    access: "jwt",
    operation: "storage.object.delete_many",
    async handle(svc, call, [bucket]) {
      const body = await readBody(call.req);
      required(body, "prefixes");
      const names = body.prefixes;
      if (!Array.isArray(names) || names.length < 1 || names.some((name) => typeof name !== "string")) {
        throw ERRORS.validation("body/prefixes must NOT have fewer than 1 items");
      }
      return json(200, await removeObjects(svc, call, bucket, names));
    },
  },
  {
    method: "DELETE",
    pattern: object("([^/]+)/(.*)"),
    access: "jwt",
    operation: "storage.object.delete",
    async handle(svc, call, [bucket, name]) {
      mustBeValidBucketName(bucket);
      mustBeValidKey(name);
      await svc.db.read((sql) => findObject(sql, bucket, name));
      const [row] = await removeObjects(svc, call, bucket, [name]);
      if (!row) throw ERRORS.accessDenied("Access denied");
      return json(200, { message: "Successfully deleted" });
    },
  },
];

/** GET /object/{bucket}/{name}: a private bucket's objects need a JWT and pass RLS; a public one's do not. */
async function download(svc: StorageServices, call: Call, bucket: string, name: string) {
  mustBeValidBucketName(bucket);
  const found = await svc.db.read((sql) => findBucket(sql, bucket, { orNull: true }));
  if (!found || (!call.caller.authenticated && !found.public)) throw ERRORS.noSuchBucket();
  mustBeValidKey(name);
  // A public bucket's objects are read without RLS, as service_role.
  const row = found.public
    ? await svc.db.read((sql) => findObject(sql, bucket, name))
    : await svc.db.inScope(call.as(), (tx) => findObject(tx, bucket, name));
  return await serveObject(svc, call, bucket, name, row);
}

async function info(svc: StorageServices, call: Call, bucket: string, name: string, publicRoute: boolean) {
  mustBeValidBucketName(bucket);
  const found = await svc.db.read((sql) => findBucket(sql, bucket, { orNull: true }));
  if (!found || (!call.caller.authenticated && !found.public)) throw ERRORS.noSuchBucket();
  mustBeValidKey(name);
  const row = found.public || publicRoute
    ? await svc.db.read((sql) => findObject(sql, bucket, name))
    : await svc.db.inScope(call.as(), (tx) => findObject(tx, bucket, name));
  return infoResponse(row);
}
