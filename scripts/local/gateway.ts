/**
 * The local stand-in for Supabase's Edge Runtime and its gateway. Each function's index.ts
 * is imported as deployed; its `Deno.serve(handler)` call registers the handler for
 * /functions/v1/<name> (as Edge Runtime's workers do). In front of every route the gateway does
 * what the Supabase CLI's gateway does: it maps the new API keys for the services behind it
 * (`apikey: sb_publishable_…` / `sb_secret_…` without a session becomes `Authorization: Bearer`
 * the anon / service_role JWT), reports the client's address in `cf-connecting-ip` (replacing
 * whatever the client sent, as hosted Supabase's edge does; behind the stack's front, front.ts,
 * which sets it, on a private Unix socket), applies `verify_jwt` (a missing,
 * invalid or expired token → 401 in the error contract) and lets CORS preflight through.
 */
import { parse } from "smol-toml";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as jose from "jose";
import { errorResponse, HttpError, json } from "../../functions/_shared/http.ts";
import { bearerToken } from "../../functions/_shared/auth.ts";
import type { PlatformKeys } from "./platform_keys.ts";

export type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

export interface FunctionRoute {
  name: string;
  verifyJwt: boolean;
  handler: Handler;
}

interface FunctionConfig {
  enabled?: boolean;
  verify_jwt?: boolean;
  entrypoint?: string;
}

/** Reads `[functions.<name>]` from a Supabase CLI config.toml; entrypoints resolve from its folder. */
export async function readFunctionsConfig(configPath: string) {
  const config = parse(await Deno.readTextFile(configPath)) as { functions?: Record<string, FunctionConfig> };
  const folder = resolve(configPath, "..");
  return Object.entries(config.functions ?? {})
    .filter(([, fn]) => fn.enabled !== false)
    .map(([name, fn]) => ({
      name,
      verifyJwt: fn.verify_jwt ?? true,
      entrypoint: resolve(folder, fn.entrypoint ?? `functions/${name}/index.ts`),
    }));
}

/** Imports each entrypoint, capturing the handler its Deno.serve call registers. */
export async function loadFunctions(
  configPath: string,
): Promise<Map<string, FunctionRoute>> {
  const routes = new Map<string, FunctionRoute>();
  const byEntrypoint = new Map<string, Handler>();
  const realServe = Deno.serve;
  try {
    for (const fn of await readFunctionsConfig(configPath)) {
      // A module runs once per process: two functions sharing an entrypoint share its handler.
      let captured = byEntrypoint.get(fn.entrypoint);
      // deno-lint-ignore no-explicit-any
      (Deno as any).serve = (...args: unknown[]) => {
        captured = (args.find((arg) => typeof arg === "function") as Handler | undefined) ??
          (args[0] as { handler?: Handler })?.handler;
        return {
          finished: Promise.resolve(),
          shutdown: () => Promise.resolve(),
          ref() {},
          unref() {},
          addr: {},
        };
      };
      if (!captured) await import(pathToFileURL(fn.entrypoint).href);
      if (!captured) throw new Error(`gateway: ${fn.entrypoint} did not call Deno.serve(handler)`);
      byEntrypoint.set(fn.entrypoint, captured);
      routes.set(fn.name, { name: fn.name, verifyJwt: fn.verifyJwt, handler: captured });
    }
  } finally {
    // deno-lint-ignore no-explicit-any
    (Deno as any).serve = realServe;
  }
  return routes;
}

type AuthHandler = (req: Request, path: string) => Promise<Response>;
type StorageHandler = (req: Request, path: string) => Promise<Response>;
type RealtimeHandler = (req: Request) => Response | Promise<Response>;

/** The services behind the gateway besides the functions (each optional, as in the tests). */
export interface GatewayServices {
  /** The Auth stand-in, for /auth/v1/*. */
  auth?: AuthHandler;
  /** PostgREST's address, for /rest/v1/*. */
  restUrl?: string;
  /** The Realtime stand-in, for /realtime/v1/*. */
  realtime?: RealtimeHandler;
  /** The Storage stand-in, for /storage/v1/* (it knows only Bearer JWTs: the keys are mapped). */
  storage?: StorageHandler;
  /** The local stack's own pages (the browser example), for /_local/*. */
  pages?: RealtimeHandler;
}

/** The headers browsers may send (what supabase-js, postgrest-js and auth-js send), as Kong reflects them. */
const EXPOSED =
  "content-range, content-location, content-profile, preference-applied, retry-after, x-total-count";

/** A CORS preflight answer allowing what the browser asked for, as Supabase's gateway (Kong's cors plugin) does. */
function preflight(req: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": req.headers.get("origin") ?? "*",
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": req.headers.get("access-control-request-headers") ?? "*",
      "access-control-allow-credentials": "true",
      "access-control-max-age": "3600",
      vary: "origin",
    },
  });
}

function withCors(req: Request, res: Response): Response {
  const headers = new Headers(res.headers);
  headers.set("access-control-allow-origin", req.headers.get("origin") ?? "*");
  headers.set("access-control-allow-credentials", "true");
  headers.set("access-control-expose-headers", EXPOSED);
  headers.append("vary", "origin");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * The gateway's request handler: routing, key mapping, the client address, the verify_jwt rule,
 * and a contract error for anything that escapes. /auth/v1/*, /rest/v1/*, /realtime/v1/* and
 * /storage/v1/* go to the services given.
 */
export function createGateway(
  routes: Map<string, FunctionRoute>,
  keys: PlatformKeys,
  services: GatewayServices = {},
): Handler {
  const authorizationFor = createKeyMapper(keys);
  const knownKeys = new Set([
    keys.publishableKey,
    keys.secretKey,
    keys.legacy?.anonKey,
    keys.legacy?.serviceRoleKey,
  ]);
  return async function gateway(req, info) {
    // Only the front reaches the Unix socket (a private folder): its cf-connecting-ip is the
    // client's. Deno names such requests http+unix://host/…; the functions see http://host/….
    const fromFront = info.remoteAddr.transport === "unix";
    const url = new URL(fromFront ? req.url.replace(/^http\+unix:/, "http:") : req.url);
    if (services.realtime && url.pathname.startsWith("/realtime/v1/")) return await services.realtime(req);
    if (services.pages && url.pathname.startsWith("/_local/")) return await services.pages(req);

    const isRest = services.restUrl !== undefined && /^\/rest\/v1(\/|$)/.test(url.pathname);
    const isAuth = services.auth !== undefined && url.pathname.startsWith("/auth/v1/");
    const isStorage = services.storage !== undefined && url.pathname.startsWith("/storage/v1/");
    if ((isRest || isAuth || isStorage) && req.method === "OPTIONS") return preflight(req);

    const headers = new Headers(req.headers);
    // PostgREST clients may put the key in the query (?apikey=), as the gateway accepts it.
    const queryKey = url.searchParams.get("apikey");
    if (isRest && !headers.has("apikey") && queryKey) headers.set("apikey", queryKey);
    const authorization = await authorizationFor(headers);
    if (authorization) headers.set("authorization", authorization);
    if (!fromFront) headers.set("cf-connecting-ip", (info.remoteAddr as Deno.NetAddr).hostname);
    const forwarded = new Request(req, { headers });

    if (isAuth) return withCors(req, await services.auth!(forwarded, url.pathname.slice("/auth/v1".length)));
    // Storage checks its Bearer JWT itself (the CLI's gateway asks no key on /storage/v1): a request
    // without one reaches it and is refused there, or served anonymously where Storage allows it.
    if (isStorage) {
      return withCors(req, await services.storage!(forwarded, url.pathname.slice("/storage/v1".length)));
    }
    if (isRest) {
      const apikey = headers.get("apikey");
      if (!apikey) {
        return withCors(
          req,
          json(401, {
            message: "No API key found in request",
            hint: "No `apikey` request header or url param was found.",
          }),
        );
      }
      if (!knownKeys.has(apikey)) {
        return withCors(
          req,
          json(401, {
            message: "Invalid API key",
            hint: "Double check your Supabase `anon` or `service_role` API key.",
          }),
        );
      }
      url.searchParams.delete("apikey");
      const target = `${services.restUrl}${url.pathname.slice("/rest/v1".length) || "/"}${url.search}`;
      headers.delete("host");
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await forwarded.arrayBuffer();
      const res = await fetch(target, { method: req.method, headers, body, redirect: "manual" });
      return withCors(req, res);
    }

    const match = /^\/functions\/v1\/([a-z0-9_-]+)(\/.*)?$/.exec(url.pathname);
    const route = match ? routes.get(match[1]) : undefined;
    if (!match || !route) {
      return errorResponse(new HttpError("not_found", `No function at ${url.pathname}`));
    }
    // Browsers send CORS preflight without credentials: it always reaches the function.
    if (route.verifyJwt && req.method !== "OPTIONS") {
      const token = bearerToken(headers);
      if (!token) return errorResponse(new HttpError("unauthorized", "Missing authorization header"));
      try {
        await keys.verify(token);
      } catch (error) {
        const message = error instanceof jose.errors.JWTExpired ? "JWT expired" : "Invalid JWT";
        return errorResponse(new HttpError("unauthorized", message));
      }
    }
    // Inside Edge Runtime a function sees its own path, without the /functions/v1 prefix.
    const inner = new URL(`/${match[1]}${match[2] ?? ""}${url.search}`, url.origin);
    try {
      return await route.handler(new Request(inner, forwarded), info);
    } catch (error) {
      console.error(`${route.name}: handler threw ${error instanceof Error ? error.name : typeof error}`);
      return errorResponse(error);
    }
  };
}

/**
 * The Authorization header the services behind the gateway get, as the Supabase CLI's gateway
 * computes it: a session or legacy JWT is passed down; a request carrying the publishable or
 * secret key in `apikey` gets the anon or service_role JWT (in place of a bearer `sb_` key)
 * (the legacy key where the project has it, else a token signed with the signing key, as a
 * project without legacy keys needs); a legacy JWT key in `apikey` alone becomes the bearer.
 * Null: leave the header as it is.
 */
export function createKeyMapper(keys: PlatformKeys) {
  const minted = new Map<string, { token: string; until: number }>();
  async function roleToken(role: "anon" | "service_role"): Promise<string> {
    if (keys.legacy) return role === "anon" ? keys.legacy.anonKey : keys.legacy.serviceRoleKey;
    const cached = minted.get(role);
    if (cached && cached.until > Date.now()) return cached.token;
    const token = await keys.sign({ role, iss: "supabase-demo" }, 3600);
    minted.set(role, { token, until: Date.now() + 3_000_000 });
    return token;
  }

  return async function authorizationFor(headers: Headers): Promise<string | null> {
    const bearer = bearerToken(headers);
    if (bearer && !bearer.startsWith("sb_")) return null;
    // Only the apikey header is mapped: a key sent as `Authorization: Bearer sb_…` alone reaches the
    // service unchanged, as hosted, where API keys are not bearer tokens.
    const apikey = headers.get("apikey");
    if (apikey === keys.secretKey) return `Bearer ${await roleToken("service_role")}`;
    if (apikey === keys.publishableKey) return `Bearer ${await roleToken("anon")}`;
    if (apikey && !apikey.startsWith("sb_")) return `Bearer ${apikey}`;
    return null;
  };
}
