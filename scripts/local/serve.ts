/**
 * `npm start`'s functions server: every function of supabase/config.toml at
 * http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/<name>, one log line a request (method,
 * path, status, time; never a body or a header).
 */
import { join } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { createJwtVerifier } from "../../functions/_shared/jwt.ts";
import { createAuthStandIn } from "./auth.ts";
import { createGateway, loadFunctions } from "./gateway.ts";

const root = join(import.meta.dirname!, "../..");
const port = Number(Deno.env.get("COMPTOIR_API_PORT") ?? "54321");
const quiet = Deno.env.get("COMPTOIR_QUIET") === "1";

const routes = await loadFunctions(join(root, "supabase/config.toml"));
const jwtSecret = Deno.env.get("SUPABASE_JWT_SECRET")!;
const verify = createJwtVerifier({ secret: jwtSecret });
const auth = createAuthStandIn({
  sql: createDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 2 }).sql,
  jwtSecret,
  verify,
});
const gateway = createGateway(routes, verify, auth);

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen() {
    console.log(
      `functions: ${[...routes.keys()].join(", ")} at http://127.0.0.1:${port}/functions/v1/<name>`,
    );
  },
}, async (req, info) => {
  const started = performance.now();
  const res = await gateway(req, info);
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    console.log(
      `${new Date().toISOString()} ${req.method} ${new URL(req.url).pathname} ${res.status} ${ms}ms`,
    );
  }
  return res;
});
