/**
 * The local stand-in for Supabase's Edge Runtime and its gateway. Each function's index.ts
 * is imported as deployed; its `Deno.serve(handler)` call registers the handler for
 * /functions/v1/<name> (as Edge Runtime's workers do). In front of every route the gateway does
 * what the Supabase CLI's gateway does: it maps the new API keys for the services behind it
 * (`apikey: sb_publishable_…` / `sb_secret_…` without a session becomes `Authorization: Bearer`
 * the anon / service_role JWT), reports the client's address in `cf-connecting-ip` (replacing
 * whatever the client sent, as hosted Supabase's edge does), applies `verify_jwt` (a missing,
 * invalid or expired token → 401 in the error contract) and lets CORS preflight through.
 */
import { parse } from "smol-toml";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as jose from "jose";
import { errorResponse, HttpError } from "../../functions/_shared/http.ts";
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

/**
 * The gateway's request handler: routing, key mapping, the client address, the verify_jwt rule,
 * and a contract error for anything that escapes. /auth/v1/* goes to the local Auth stand-in
 * when one is given.
 */
export function createGateway(
  routes: Map<string, FunctionRoute>,
  keys: PlatformKeys,
  auth?: AuthHandler,
): Handler {
  const authorizationFor = createKeyMapper(keys);
  return async function gateway(req, info) {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    const authorization = await authorizationFor(headers);
    if (authorization) headers.set("authorization", authorization);
    headers.set("cf-connecting-ip", (info.remoteAddr as Deno.NetAddr).hostname);
    const forwarded = new Request(req, { headers });

    const authPath = /^\/auth\/v1(\/.*)$/.exec(url.pathname);
    if (auth && authPath) return await auth(forwarded, authPath[1]);
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
 * secret key (in `apikey`, or as a bearer `sb_` key) gets the anon or service_role JWT
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
    const apikey = headers.get("apikey") ?? bearer;
    if (apikey === keys.secretKey) return `Bearer ${await roleToken("service_role")}`;
    if (apikey === keys.publishableKey) return `Bearer ${await roleToken("anon")}`;
    if (apikey && !apikey.startsWith("sb_")) return `Bearer ${apikey}`;
    return null;
  };
}
