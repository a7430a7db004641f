/**
 * The chat's view of the knowledge module: `retrieve` (embed → hybrid match_documents →
 * rerank → top-k) adapted to the {@link Retrieve} shape the turn takes, so that unit tests can
 * pass a stand-in.
 */
import type { Db } from "../db.ts";
import { retrieve } from "../knowledge/retrieve.ts";
import type { Embedder, Reranker } from "../providers/types.ts";
import type { Retrieve } from "./turn.ts";

/** A Retrieve running match_documents in its own short service-role transaction. */
export function knowledgeRetriever(
  deps: { db: Db; embedder: Embedder; reranker: Reranker | null },
): Retrieve {
  return async function (query) {
    const found = await retrieve({
      db: (fn) => deps.db.asService(fn),
      embedder: deps.embedder,
      reranker: deps.reranker,
    }, query);
    return {
      passages: found.passages.map((p) => ({
        id: p.id,
        content: p.content,
        title: p.title,
        source: p.source,
        score: p.rerankScore ?? p.fusedScore,
      })),
      timings: { ...found.timings, candidates: found.candidates },
    };
  };
}
