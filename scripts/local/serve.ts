/**
 * `npm start`'s API server: every function of supabase/config.toml at
 * http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/<name>, the real PostgREST behind /rest/v1,
 * the Auth stand-in at /auth/v1, the Realtime stand-in at /realtime/v1/websocket, the Storage
 * stand-in at /storage/v1 (bytes in $COMPTOIR_STORAGE_DIR), one log line a request (method, path,
 * status, time; never a body or a header). The port is the front's (front.ts: it refuses over-long requests in the error
 * contract); the server behind it listens on a Unix socket in a private temporary folder.
 */
import { join } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { createAuthStandIn } from "./auth.ts";
import { startFront } from "./front.ts";
import { createGateway, loadFunctions } from "./gateway.ts";
import { createGraphStandIn } from "./graph.ts";
import { createPaymentsStandIn } from "./payments.ts";
import { loadPlatformKeys } from "./platform_keys.ts";
import { freePorts, startPostgrest } from "./postgrest.ts";
import { startRealtime } from "./realtime.ts";
import { createStorage } from "./storage.ts";

const root = join(import.meta.dirname!, "../..");
const port = Number(Deno.env.get("COMPTOIR_API_PORT") ?? "54321");
const quiet = Deno.env.get("COMPTOIR_QUIET") === "1";

const keys = await loadPlatformKeys();
const [restPort, restAdminPort] = freePorts(2);
const postgrest = await startPostgrest({
  root,
  dbUrl: Deno.env.get("SUPABASE_DB_URL")!,
  jwks: Deno.env.get("SUPABASE_JWKS")!,
  port: restPort,
  adminPort: restAdminPort,
  quiet,
});
const realtime = await startRealtime({ dbUrl: Deno.env.get("SUPABASE_DB_URL")!, keys, quiet });
const storageDir = Deno.env.get("COMPTOIR_STORAGE_DIR");
if (!storageDir) {
  throw new Error("serve: COMPTOIR_STORAGE_DIR is not set (source scripts/local/functions_env.sh)");
}
const storage = createStorage({ dbUrl: Deno.env.get("SUPABASE_DB_URL")!, keys, root: storageDir });
// Mode 0700: the gateway trusts the cf-connecting-ip of whoever reaches the socket (the front).
const socketDir = await Deno.makeTempDir({ prefix: "comptoir-api-" });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await Promise.all([
      postgrest.stop(),
      realtime.stop(),
      storage.stop(),
      Deno.remove(socketDir, { recursive: true }),
    ]);
    Deno.exit(signal === "SIGINT" ? 130 : 143);
  });
}
// The functions see what a deployed function sees: none of the platform's private key material
// and no variable a hosted project does not provide (they share this process's environment).
for (
  const name of [
    "COMPTOIR_SIGNING_KEY_FILE",
    "SUPABASE_JWT_SECRET",
    "COMPTOIR_PUBLISHABLE_KEY",
    "COMPTOIR_SECRET_KEY",
    "COMPTOIR_STORAGE_DIR",
  ]
) {
  Deno.env.delete(name);
}
/** The stack's own pages: the browser example and the supabase-js browser build it loads. */
const PAGES: Record<string, [string, string]> = {
  "/_local/supabase.js": [
    "node_modules/@supabase/supabase-js/dist/umd/supabase.js",
    "text/javascript; charset=utf-8",
  ],
  "/_local/examples/browser/": ["examples/browser/index.html", "text/html; charset=utf-8"],
};
/** Meta's Graph API as the channels function reaches it locally (META_GRAPH_URL, functions_env.sh). */
const graph = createGraphStandIn(`http://127.0.0.1:${port}`);
/** The mobile-money providers as the payments service reaches them locally (PAYMENTS_*_URL, functions_env.sh). */
const payments = createPaymentsStandIn({
  apiUrl: `http://127.0.0.1:${port}`,
  functionsUrl: Deno.env.get("PAYMENTS_FUNCTIONS_URL") ?? `http://127.0.0.1:${port}/functions/v1`,
});
async function pages(req: Request): Promise<Response> {
  if (new URL(req.url).pathname.startsWith("/_local/graph/")) return await graph.handle(req);
  if (new URL(req.url).pathname.startsWith("/_local/payments/")) return await payments.handle(req);
  const page = PAGES[new URL(req.url).pathname];
  if (!page || req.method !== "GET") return new Response("Not found", { status: 404 });
  return new Response(await Deno.readFile(join(root, page[0])), { headers: { "content-type": page[1] } });
}

/** The operator console (console/, a static site as deployed anywhere) at /console/; the gateway routes only /_local/* to pages. */
const CONSOLE_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};
async function consolePage(req: Request): Promise<Response | null> {
  const path = new URL(req.url).pathname;
  if (path !== "/console" && !path.startsWith("/console/")) return null;
  if (path === "/console") return new Response(null, { status: 308, headers: { location: "/console/" } });
  const file = path === "/console/" ? "index.html" : path.slice("/console/".length);
  const type = CONSOLE_TYPES[file.split(".").pop()!];
  // Only the site's own files: no dotfile, no climbing out of console/.
  if (!type || req.method !== "GET" || file.split("/").some((part) => part === "" || part.startsWith("."))) {
    return new Response("Not found", { status: 404 });
  }
  try {
    return new Response(await Deno.readFile(join(root, "console", file)), {
      headers: { "content-type": type },
    });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}

const routes = await loadFunctions(join(root, "supabase/config.toml"));
const auth = createAuthStandIn({ sql: createDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 2 }).sql, keys });
const gateway = createGateway(routes, keys, {
  auth,
  restUrl: postgrest.url,
  realtime: realtime.handler,
  storage: storage.handle,
  pages,
});

const socketPath = join(socketDir, "api.sock");
Deno.serve({ path: socketPath, onListen() {} }, async (req, info) => {
  const started = performance.now();
  const res = await consolePage(req) ?? await gateway(req, info);
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    console.log(
      `${new Date().toISOString()} ${req.method} ${new URL(req.url).pathname} ${res.status} ${ms}ms`,
    );
  }
  return res;
});
await Deno.chmod(socketPath, 0o600);
startFront({ hostname: "127.0.0.1", port, socketPath });

// `npm start` only (COMPTOIR_CRON=1): what a deployed project schedules with Supabase Cron and
// pg_net (docs/CHANNELS.md, docs/KNOWLEDGE.md, docs/INGEST.md), every 5 s here: the knowledge
// files uploaded to Storage are processed, chunks waiting for their embedding are retried, and
// the channels' sweep picks up what a stopped run left. Off in the tests, which run each step
// themselves.
if (Deno.env.get("COMPTOIR_CRON") === "1") {
  const tick = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/functions/v1/${path}`, {
      method: "POST",
      headers: { apikey: keys.secretKey, "content-type": "application/json" },
      body: "{}",
    }).catch(() => null);
    await res?.body?.cancel();
  };
  const run = async () => {
    await tick("ingest/files");
    await tick("ingest/drain");
    await tick("channels/sweep");
    setTimeout(run, 5_000);
  };
  setTimeout(run, 5_000);
}
console.log(
  `functions: ${[...routes.keys()].join(", ")} at http://127.0.0.1:${port}/functions/v1/<name>; ` +
    `PostgREST 12.0.2 at http://127.0.0.1:${port}/rest/v1; ` +
    `Realtime (postgres_changes) at ws://127.0.0.1:${port}/realtime/v1/websocket; ` +
    `Storage at http://127.0.0.1:${port}/storage/v1; ` +
    `a browser example at http://localhost:${port}/_local/examples/browser/`,
);

/**
 * An error nobody caught (a promise rejected with no handler, a throw in a timer or an event
 * handler) is logged and the stack keeps serving: on the platform each function runs in a worker
 * of its own, and one failing worker does not take the others down. The message is the error's
 * own (capped) and the stack's frames: never a request's body or headers. `npm test` prints
 * these lines. Installed once the stack serves: a failure during start-up still ends the process
 * (a listener that prevents it would leave a half-started stack running, and exit 0 without one).
 */
function logUncaught(kind: string, error: unknown) {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message.slice(0, 300) : "";
  const frames = error instanceof Error
    ? (error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l))
    : [];
  console.error(
    [`serve: an error nobody caught (${kind}): ${name}: ${message}`, ...frames.slice(0, 10)].join("\n"),
  );
}
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  logUncaught("a rejected promise", event.reason);
});
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  logUncaught("an exception", event.error);
});
