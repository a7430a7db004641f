/**
 * Botlive's turn as a deployed function builds it from its environment: the SQL store, the
 * Groq/DeepSeek extractors, the shop's knowledge for questions (full text only at the budget's
 * cap), the vision reader when a model can see, the screenshots' Storage, the checkout links of
 * the shop's payment provider, and the models behind each paid port (the budget prices its
 * ceilings on them). The `botlive` and `channels` functions both answer with it.
 */
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { knowledgeRetriever } from "../chat/retrieval.ts";
import { createProviders, readProviderConfig } from "../providers/index.ts";
import { createOfflineEmbedder } from "../providers/offline.ts";
import { createProofReader } from "./llm.ts";
import { proofFilesFromEnv } from "./proofs.ts";
import type { PaidModels } from "./spend.ts";
import { createBotliveStore } from "./store.ts";
import { paymentsConfigFromEnv } from "../payments/config.ts";
import { createPaymentService } from "../payments/service.ts";
import type { BotliveDeps } from "./turn.ts";

export function botliveDepsFromEnv(env: Env, db: Db): BotliveDeps {
  const config = readProviderConfig(env.raw);
  const providers = createProviders(config);
  const { embedder, reranker, vision } = providers;
  const groq = providers.chatProviders.groq;
  const deepseek = providers.chatProviders.deepseek;
  const paid: PaidModels = {
    ...(groq ? { groq: config.models.groq } : {}),
    ...(deepseek ? { deepseek: config.models.deepseek } : {}),
    ...(vision && config.models.vision
      ? { vision: { provider: vision.name, model: config.models.vision } }
      : {}),
  };
  return {
    store: createBotliveStore(db),
    models: { groq, deepseek },
    retrieve: knowledgeRetriever({ db, embedder, reranker }),
    knowledge: { embedder, reranker },
    retrieveOffline: knowledgeRetriever({ db, embedder: createOfflineEmbedder(), reranker: null }),
    paid,
    readProof: vision ? createProofReader(vision, config.timeoutMs, config.models.vision) : undefined,
    proofs: proofFilesFromEnv(env, db),
    timeoutMs: config.timeoutMs,
    payments: createPaymentService(db, paymentsConfigFromEnv(env)),
  };
}
