/**
 * Botlive's turn as a deployed function builds it from its environment: the SQL store, the
 * Groq/DeepSeek extractors, the shop's knowledge for questions, the vision reader when a model
 * can see, the screenshots' Storage, the checkout links of the shop's payment provider. The `botlive` and `channels` functions both answer with it.
 */
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { knowledgeRetriever } from "../chat/retrieval.ts";
import { createProviders, readProviderConfig } from "../providers/index.ts";
import { createProofReader } from "./llm.ts";
import { proofFilesFromEnv } from "./proofs.ts";
import { createBotliveStore } from "./store.ts";
import { paymentsConfigFromEnv } from "../payments/config.ts";
import { createPaymentService } from "../payments/service.ts";
import type { BotliveDeps } from "./turn.ts";

export function botliveDepsFromEnv(env: Env, db: Db): BotliveDeps {
  const config = readProviderConfig(env.raw);
  const providers = createProviders(config);
  return {
    store: createBotliveStore(db),
    models: { groq: providers.chatProviders.groq, deepseek: providers.chatProviders.deepseek },
    retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
    readProof: providers.vision ? createProofReader(providers.vision, config.timeoutMs) : undefined,
    proofs: proofFilesFromEnv(env, db),
    timeoutMs: config.timeoutMs,
    payments: createPaymentService(db, paymentsConfigFromEnv(env)),
  };
}
