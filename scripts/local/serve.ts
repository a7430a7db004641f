/**
 * `npm start`'s functions server: every function of supabase/config.toml at
 * http://127.0.0.1:$COMPTOIR_API_PORT/functions/v1/<name>, the Auth stand-in at /auth/v1, one
 * log line a request (method, path, status, time; never a body or a header).
 */
import { join } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { createAuthStandIn } from "./auth.ts";
import { createGateway, loadFunctions } from "./gateway.ts";
import { loadPlatformKeys } from "./platform_keys.ts";

const root = join(import.meta.dirname!, "../..");
const port = Number(Deno.env.get("COMPTOIR_API_PORT") ?? "54321");
const quiet = Deno.env.get("COMPTOIR_QUIET") === "1";

const keys = await loadPlatformKeys();
// The functions see what a deployed function sees: none of the platform's private key material
// and no variable a hosted project does not provide (they share this process's environment).
for (
  const name of [
    "COMPTOIR_SIGNING_KEY_FILE",
    "SUPABASE_JWT_SECRET",
    "COMPTOIR_PUBLISHABLE_KEY",
    "COMPTOIR_SECRET_KEY",
  ]
) {
  Deno.env.delete(name);
}
const routes = await loadFunctions(join(root, "supabase/config.toml"));
const auth = createAuthStandIn({ sql: createDb(Deno.env.get("SUPABASE_DB_URL")!, { max: 2 }).sql, keys });
const gateway = createGateway(routes, keys, auth);

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
