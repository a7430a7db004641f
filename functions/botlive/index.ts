import { createAuthenticator } from "../_shared/auth.ts";
import { createProofReader } from "../_shared/botlive/llm.ts";
import { proofFilesFromEnv } from "../_shared/botlive/proofs.ts";
import { createBotliveStore } from "../_shared/botlive/store.ts";
import { knowledgeRetriever } from "../_shared/chat/retrieval.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });
const config = readProviderConfig(env.raw);
const providers = createProviders(config);
Deno.serve(createHandler({
  store: createBotliveStore(db),
  models: { groq: providers.chatProviders.groq, deepseek: providers.chatProviders.deepseek },
  retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
  readProof: providers.vision ? createProofReader(providers.vision, config.timeoutMs) : undefined,
  proofs: proofFilesFromEnv(env, db),
  timeoutMs: config.timeoutMs,
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
}));
