import { createAuthenticator } from "../_shared/auth.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { assistantModels } from "../_shared/assistant/spend.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const config = readProviderConfig(env.raw);
const providers = createProviders(config);
Deno.serve(createHandler({
  db: createDb(env.dbUrl, { max: env.dbPoolMax }),
  chat: providers.chat,
  router: providers.router,
  offline: providers.offline,
  models: assistantModels(config),
  timeoutMs: config.timeoutMs,
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
