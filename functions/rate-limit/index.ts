import { createAuthenticator } from "../_shared/auth.ts";
import { createSqlChatStore } from "../_shared/chat/store_sql.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
Deno.serve(createHandler({
  store: createSqlChatStore({ db: createDb(env.dbUrl, { max: 1 }), defaults: env.chat }),
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
