/**
 * The local stand-in for Supabase's Edge Runtime and its gateway. Each function's index.ts
 * is imported as deployed; its `Deno.serve(handler)` call registers the handler for
 * /functions/v1/<name> (as Edge Runtime's workers do). The gateway applies `verify_jwt`
 * (missing/invalid/expired token → 401 in the error contract) and lets CORS preflight through.
 */
import { parse } from "smol-toml";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { errorResponse, HttpError } from "../../functions/_shared/http.ts";
import { bearerToken, type VerifyJwt } from "../../functions/_shared/jwt.ts";

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
 * The gateway's request handler: routing, the verify_jwt rule, and a contract error for
 * anything that escapes. /auth/v1/* goes to the local Auth stand-in when one is given.
 */
export function createGateway(
  routes: Map<string, FunctionRoute>,
  verify: VerifyJwt,
  auth?: AuthHandler,
): Handler {
  return async function gateway(req, info) {
    const url = new URL(req.url);
    const authPath = /^\/auth\/v1(\/.*)$/.exec(url.pathname);
    if (auth && authPath) return await auth(req, authPath[1]);
    const match = /^\/functions\/v1\/([a-z0-9_-]+)(\/.*)?$/.exec(url.pathname);
    const route = match ? routes.get(match[1]) : undefined;
    if (!match || !route) {
      return errorResponse(new HttpError("not_found", `No function at ${url.pathname}`));
    }
    // Browsers send CORS preflight without credentials: it always reaches the function.
    if (route.verifyJwt && req.method !== "OPTIONS") {
      const token = bearerToken(req);
      if (!token) return errorResponse(new HttpError("unauthorized", "Missing authorization header"));
      try {
        await verify(token);
      } catch (error) {
        return errorResponse(error);
      }
    }
    // Inside Edge Runtime a function sees its own path, without the /functions/v1 prefix.
    const inner = new URL(`/${match[1]}${match[2] ?? ""}${url.search}`, url.origin);
    try {
      return await route.handler(new Request(inner, req), info);
    } catch (error) {
      console.error(`${route.name}: handler threw ${error instanceof Error ? error.name : typeof error}`);
      return errorResponse(error);
    }
  };
}
