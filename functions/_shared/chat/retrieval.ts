/**
 * The chat's view of the knowledge base. Retrieval starts with the turn, before the router has
 * chosen an agent: the candidates of every agent of the company are fetched and reranked at
 * once (knowledge/retrieve.ts: one embedding, one query, one rerank), and the chosen agent's
 * passages are taken from them afterwards. The {@link Retrieve} shape lets unit tests pass a
 * stand-in.
 */
import type { Db } from "../db.ts";
import { retrieveForAgents } from "../knowledge/retrieve.ts";
import type { Embedder, Reranker } from "../providers/types.ts";
import { type CallSink, meteredEmbedder, meteredReranker } from "./metering.ts";
import type { Passage } from "./prompt.ts";

/** One turn's retrieval: every agent's candidates (an empty `agents`: the whole company). */
export interface RetrievalQuery {
  company: string;
  question: string;
  agents: string[];
  count: number;
  threshold: number;
  rerankModel: string | null;
  signal?: AbortSignal;
  /** Where the paid calls (the embedding, the rerank) are recorded for the usage ledger. */
  calls?: CallSink;
}

/** What a turn's retrieval found: the passages of whichever agent is chosen. */
export interface Retrieved {
  passagesFor(agent: string | null): Passage[];
  timings?: Record<string, unknown>;
}

export type Retrieve = (query: RetrievalQuery) => Promise<Retrieved>;

/** A Retrieve running match_documents in its own short service-role transaction. */
export function knowledgeRetriever(
  deps: { db: Db; embedder: Embedder; reranker: Reranker | null },
): Retrieve {
  return async function (query) {
    const agents = query.agents.length > 0 ? query.agents : [null];
    const sink = query.calls ?? [];
    const found = await retrieveForAgents({
      db: (fn) => deps.db.asService(fn),
      embedder: meteredEmbedder(deps.embedder, sink),
      reranker: meteredReranker(deps.reranker, sink),
    }, {
      company: query.company,
      question: query.question,
      agents,
      count: query.count,
      threshold: query.threshold,
      rerankModel: query.rerankModel,
      signal: query.signal,
    });
    return {
      passagesFor(agent) {
        const own = found.passagesFor(query.agents.length > 0 ? agent : null);
        return own.map((p) => ({
          id: p.id,
          content: p.content,
          title: p.title,
          source: p.source,
          score: p.rerankScore ?? p.fusedScore,
        }));
      },
      timings: { ...found.timings, candidates: found.candidates, rerank: found.rerank },
    };
  };
}
