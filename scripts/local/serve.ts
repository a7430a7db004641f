/**
 * `npm start`'s functions server: every function of supabase/config.toml at
 * http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/<name>, one log line a request (method,
 * path, status, time; never a body or a header).
 */
import { join } from "node:path";
import { createJwtVerifier } from "../../functions/_shared/jwt.ts";
import { createGateway, loadFunctions } from "./gateway.ts";

const root = join(import.meta.dirname!, "../..");
const port = Number(Deno.env.get("COMPTOIR_API_PORT") ?? "54321");
const quiet = Deno.env.get("COMPTOIR_QUIET") === "1";

const routes = await loadFunctions(join(root, "supabase/config.toml"));
const gateway = createGateway(
  routes,
  createJwtVerifier({ secret: Deno.env.get("SUPABASE_JWT_SECRET"), jwksUrl: Deno.env.get("SUPABASE_JWKS_URL") }),
);

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen() {
    console.log(`functions: ${[...routes.keys()].join(", ")} at http://127.0.0.1:${port}/functions/v1/<name>`);
  },
}, async (req, info) => {
  const started = performance.now();
  const res = await gateway(req, info);
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    console.log(`${new Date().toISOString()} ${req.method} ${new URL(req.url).pathname} ${res.status} ${ms}ms`);
  }
  return res;
});
