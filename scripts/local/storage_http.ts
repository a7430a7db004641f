/**
 * The Storage stand-in's HTTP contract. Errors as storage-js receives them: a body `{statusCode,
 * error, message, code}` whose `statusCode` is the real status as a string, sent with HTTP 400
 * for every 4xx (500 for 5xx) — the real server's rule (src/http/error-handler.ts) — except where
 * it sets the HTTP status itself (a JWT role refused: 403; an unknown route: 404). storage-js
 * reads `statusCode` from the body. Also the shape of a route and of the request it serves, and
 * the JSON bodies' checks (Fastify's schema messages). Local only: nothing here is deployed.
 */
import type { PlatformKeys } from "./platform_keys.ts";
import type { Caller, Scope, StorageDb } from "./storage_db.ts";
import type { FileStore } from "./storage_files.ts";

export class StorageError extends Error {
  constructor(
    /** The real status, sent as the body's string `statusCode`. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The body's `error` (the code unless the real server names it otherwise). */
    readonly error: string = code,
    /** The HTTP status when the real server sends one other than 400/500. */
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** The errors the stand-in raises, with the real server's codes, names and messages. */
export const ERRORS = {
  noSuchBucket: () => new StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  noSuchKey: () => new StorageError(404, "NoSuchKey", "Object not found", "not_found"),
  /** The object's row exists but its bytes do not (the renderer's answer). */
  bytesNotFound: () => new StorageError(404, "NoSuchKey", "The resource was not found", "Not found"),
  accessDenied: (message = "Access denied", httpStatus?: number) =>
    new StorageError(403, "AccessDenied", message, "Unauthorized", httpStatus),
  keyAlreadyExists: () =>
    new StorageError(409, "KeyAlreadyExists", "The resource already exists", "Duplicate"),
  bucketAlreadyExists: () =>
    new StorageError(409, "BucketAlreadyExists", "The resource already exists", "Duplicate"),
  resourceAlreadyExists: () =>
    new StorageError(409, "ResourceAlreadyExists", "The resource already exists", "Duplicate"),
  bucketNotEmpty: () =>
    new StorageError(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty"),
  entityTooLarge: (entity = "object") =>
    new StorageError(
      413,
      "EntityTooLarge",
      `The ${entity} exceeded the maximum allowed size`,
      "Payload too large",
    ),
  invalidMimeType: (mimeType: string) =>
    new StorageError(415, "InvalidMimeType", `mime type ${mimeType} is not supported`, "invalid_mime_type"),
  invalidKey: (key: string, reason?: string) =>
    new StorageError(400, "InvalidKey", `Invalid key: ${key}${reason ? ` ${reason}` : ""}`),
  invalidBucketName: () => new StorageError(400, "InvalidBucketName", "Bucket name invalid", "Invalid Input"),
  invalidJwt: (message = "Invalid JWT") => new StorageError(400, "InvalidJWT", message),
  invalidSignature: (message = "Invalid signature") => new StorageError(400, "InvalidSignature", message),
  invalidParameter: (parameter: string) =>
    new StorageError(400, "InvalidParameter", `Invalid Parameter ${parameter}`),
  invalidRange: () => new StorageError(416, "InvalidRange", "invalid range provided", "invalid_range", 416),
  noContent: (cause?: unknown) =>
    new StorageError(
      400,
      "InvalidRequest",
      cause instanceof Error && cause.message ? cause.message : "No content provided",
    ),
  /** A request the route's schema refuses (Fastify's validation error). */
  validation: (message: string) => new StorageError(400, "InvalidRequest", message, "Bad Request"),
  notFoundRoute: (method: string, path: string) =>
    new StorageError(404, "InvalidRequest", `Route ${method}:${path} not found`, "Not Found", 404),
  relatedResourceNotFound: () =>
    new StorageError(404, "InvalidRequest", "The related resource does not exist"),
  databaseTimeout: () =>
    new StorageError(
      544,
      "DatabaseTimeout",
      "The connection to the database timed out",
      "DatabaseTimeout",
      544,
    ),
  database: (code: string) => new StorageError(500, "DatabaseError", `database error, code: ${code}`),
  internal: (message = "Internal server error") => new StorageError(500, "InternalError", message),
};

/** A Postgres error (postgres.js) as the Storage server maps it (src/storage/database/errors.ts). */
export function fromDatabaseError(error: { code?: string; message?: string }): StorageError {
  switch (error.code) {
    case "42501":
      return ERRORS.accessDenied(
        error.message?.includes("row-level security")
          ? "new row violates row-level security policy"
          : error.message,
      );
    case "23505":
      return ERRORS.resourceAlreadyExists();
    case "23503":
      return ERRORS.relatedResourceNotFound();
    case "57014":
      return ERRORS.databaseTimeout();
    case "22P02":
      return ERRORS.invalidParameter("value");
    default:
      return ERRORS.database(error.code ?? "unknown");
  }
}

/** A JSON answer as the Storage server sends it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The response for anything thrown while serving a request. */
export function errorResponse(error: unknown): Response {
  if (!(error instanceof StorageError)) {
    const known = error as { code?: unknown; severity?: unknown };
    if (typeof known?.code === "string" && known.severity !== undefined) {
      return errorResponse(fromDatabaseError(error as { code: string; message: string }));
    }
    console.error(`storage: ${error instanceof Error ? `${error.name}: ${error.message}` : "unknown error"}`);
    return errorResponse(ERRORS.internal());
  }
  const status = error.httpStatus ?? (error.status >= 500 ? 500 : 400);
  return json(status, {
    statusCode: String(error.status),
    error: error.error,
    message: error.message,
    code: error.code,
  });
}

/** What an operation needs besides the request: the services and the platform's limits. */
export interface StorageServices {
  db: StorageDb;
  files: FileStore;
  keys: PlatformKeys;
  /** The platform's upload limit in bytes (hosted free plan and the CLI: 50 MiB). */
  fileSizeLimit: number;
  /** How long a signed upload URL lasts (hosted: 2 hours). */
  uploadUrlSeconds: number;
}

/** One request being served: who calls, for which operation, with which scope. */
export interface Call {
  req: Request;
  url: URL;
  caller: Caller;
  /** The scope of a transaction as `caller` (the request's caller by default). */
  as(caller?: Caller): Scope;
}

/** How a route authenticates: a JWT required, optional (invalid or none: anon), or none at all. */
export type Access = "jwt" | "optional" | "public";

export interface Route {
  method: string | string[];
  pattern: RegExp;
  access: Access;
  /** storage.operation, as the real server names it (src/http/routes/operations.ts). */
  operation: string;
  /** Only service_role may call it (the real server's enforceJwtRoles). */
  serviceOnly?: boolean;
  handle(svc: StorageServices, call: Call, params: string[]): Promise<Response>;
}

const MAX_JSON_BYTES = 1024 * 1024;

/** The request's JSON body ({} when empty), bounded like Fastify's default body limit. */
export async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw ERRORS.entityTooLarge("request body");
  if (text.trim() === "") return {};
  try {
    const body = JSON.parse(text);
    if (body && typeof body === "object" && !Array.isArray(body)) return body;
  } catch { /* refused below */ }
  throw ERRORS.validation("Body is not valid JSON but content-type is set to 'application/json'");
}

/** Fastify's message for a missing body property. */
export function required(body: Record<string, unknown>, ...names: string[]) {
  for (const name of names) {
    if (body[name] === undefined) throw ERRORS.validation(`body must have required property '${name}'`);
  }
}

export function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw ERRORS.validation(`body/${what} must be string`);
  return value;
}

export function integer(value: unknown, what: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw ERRORS.validation(`body/${what} must be integer`);
  }
  if (value < minimum) throw ERRORS.validation(`body/${what} must be >= ${minimum}`);
  return value;
}
