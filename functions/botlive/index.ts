import { createAuthenticator } from "../_shared/auth.ts";
import { botliveDepsFromEnv } from "../_shared/botlive/deps.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });
Deno.serve(createHandler({
  ...botliveDepsFromEnv(env, db),
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
