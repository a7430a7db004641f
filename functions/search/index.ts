import { createAuthenticator } from "../_shared/auth.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const providers = createProviders(readProviderConfig(env.raw));
Deno.serve(createHandler({
  db: createDb(env.dbUrl, { max: env.dbPoolMax }),
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
  embedder: providers.embedder,
  reranker: providers.reranker,
  defaults: env.chat,
}));
