import { createAuthenticator } from "../_shared/auth.ts";
import { paidPlan } from "../_shared/chat/budget.ts";
import { knowledgeRetriever } from "../_shared/chat/retrieval.ts";
import { createSqlChatStore } from "../_shared/chat/store_sql.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });
const providerConfig = readProviderConfig(env.raw);
const providers = createProviders(providerConfig);
Deno.serve(createHandler({
  store: createSqlChatStore({ db, defaults: env.chat }),
  providers,
  plan: paidPlan(providerConfig),
  retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
  clock: { now: () => Date.now() },
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
