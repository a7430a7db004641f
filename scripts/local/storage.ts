/**
 * A stand-in for Supabase Storage at /storage/v1, speaking what @supabase/storage-js sends,
 * written from the supabase/storage server's sources (../shared/PLATFORM.md, section Storage):
 * objects (upload multipart or raw, `x-upsert`, update, download authenticated / public /
 * signed, info, list through storage.search, remove, move, copy, signed download and upload
 * URLs) and buckets (list, get, create, update, delete, empty). Authorisation is RLS on
 * storage.buckets and storage.objects and nothing of our own (storage_db.ts, storage_objects.ts;
 * the routes in storage_routes.ts and storage_buckets.ts).
 * The server knows only Bearer JWTs: the gateway maps publishable and secret keys to them. A
 * JWT's role must be anon, authenticated or service_role (the roles the server may switch to).
 * Errors carry the real status as a string in the body (storage_http.ts). Bytes live under
 * the stack's data folder (storage_files.ts). Not served: image transformations (/render),
 * resumable (TUS) and S3 uploads, list-v2, object versions, analytics and vector buckets.
 * Local only: nothing here is deployed.
 */
import type { PlatformKeys } from "./platform_keys.ts";
import { type Caller, createStorageDb } from "./storage_db.ts";
import { type Call, errorResponse, ERRORS, type Route, type StorageServices } from "./storage_http.ts";
import { createFileStore } from "./storage_files.ts";
import { bucketRoutes } from "./storage_buckets.ts";
import { OBJECT_ROUTES } from "./storage_routes.ts";

export interface StorageOptions {
  dbUrl: string;
  keys: PlatformKeys;
  /** Where the bytes go. */
  root: string;
  /** The platform's upload limit in bytes (default 50 MiB, as hosted's free plan and the CLI). */
  fileSizeLimit?: number;
  /** How long a signed upload URL lasts, in seconds (default 2 hours, as hosted). */
  uploadUrlSeconds?: number;
}

/** The roles the server's database user may switch to. */
const ROLES = new Set(["anon", "authenticated", "service_role"]);

export function createStorage(options: StorageOptions) {
  const svc: StorageServices = {
    db: createStorageDb(options.dbUrl),
    files: createFileStore(options.root),
    keys: options.keys,
    fileSizeLimit: options.fileSizeLimit ?? 50 * 1024 * 1024,
    uploadUrlSeconds: options.uploadUrlSeconds ?? 7200,
  };
  const routes = [...OBJECT_ROUTES, ...bucketRoutes()];
  const ANON: Caller = { role: "anon", claims: { role: "anon" }, jwt: "", authenticated: false };

  /** The caller a route sees, from the Authorization header (the real server's JWT plugin). */
  async function authenticate(req: Request, route: Route): Promise<Caller> {
    if (route.access === "public") return ANON;
    const header = req.headers.get("authorization");
    if (header === null && route.access === "jwt") {
      throw ERRORS.validation("headers must have required property 'authorization'");
    }
    const jwt = (header ?? "").replace(/^Bearer\s+/i, "");
    if (!jwt && route.access === "optional") return ANON;
    let claims: Record<string, unknown>;
    try {
      claims = await options.keys.verify(jwt) as Record<string, unknown>;
    } catch (error) {
      if (route.access === "optional") return ANON;
      throw ERRORS.accessDenied(error instanceof Error ? error.message : "Invalid JWT");
    }
    const role = typeof claims.role === "string" && claims.role ? claims.role : "anon";
    // The server's database user may switch only to the API roles.
    if (!ROLES.has(role)) throw ERRORS.accessDenied(`permission denied to set role "${role}"`);
    if (route.serviceOnly && role !== "service_role") {
      throw ERRORS.accessDenied("Access denied: Invalid role", 403);
    }
    return {
      role: role as Caller["role"],
      claims,
      jwt,
      authenticated: true,
      owner: typeof claims.sub === "string" ? claims.sub : undefined,
    };
  }

  return {
    /** Serves one request; `path` is the part after /storage/v1 (e.g. /object/avatars/a.png). */
    async handle(req: Request, path: string): Promise<Response> {
      const url = new URL(req.url);
      try {
        for (const route of routes) {
          const methods = Array.isArray(route.method) ? route.method : [route.method];
          if (!methods.includes(req.method)) continue;
          const match = route.pattern.exec(path);
          if (!match) continue;
          let params: string[];
          try {
            params = match.slice(1).map((part) => decodeURIComponent(part));
          } catch {
            throw ERRORS.validation(`'${path}' is not a valid url component`);
          }
          const caller = await authenticate(req, route);
          const headers = Object.fromEntries(req.headers);
          const call: Call = {
            req,
            url,
            caller,
            as: (who = caller) => ({
              caller: who,
              operation: route.operation,
              method: req.method,
              path,
              headers,
            }),
          };
          return await route.handle(svc, call, params);
        }
        throw ERRORS.notFoundRoute(req.method, `${path}${url.search}`);
      } catch (error) {
        await req.body?.cancel().catch(() => {});
        return errorResponse(error);
      }
    },
    async stop() {
      await svc.db.end();
    },
  };
}
