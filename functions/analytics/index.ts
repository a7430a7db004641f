import { createAuthenticator } from "../_shared/auth.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
Deno.serve(createHandler({
  db: createDb(env.dbUrl, { max: env.dbPoolMax }),
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
