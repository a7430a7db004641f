/**
 * `search`: hit testing. The passages the bot would retrieve for a query, with their vector,
 * full-text, fused and rerank scores, each step's time and the providers used, so that an
 * admin can see why the bot answers what it answers. Callers: the service role, or an
 * admin/owner of the company (whose search then runs under RLS as that user).
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { ChatDefaults } from "../_shared/chat/store.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { authorizeCompanyAdmin } from "../_shared/knowledge/access.ts";
import { retrieve, type SqlRunner } from "../_shared/knowledge/retrieve.ts";
import { ProviderError } from "../_shared/providers/types.ts";
import type { Embedder, Reranker } from "../_shared/providers/types.ts";
import { SearchRequest, type SearchResponse } from "../../types/api.ts";

export interface SearchHandlerDeps {
  db: Db;
  auth: Authenticate;
  embedder: Embedder;
  reranker: Reranker | null;
  /** Longest wait for the reranker (default: retrieve's). */
  rerankTimeoutMs?: number;
  /** The functions' defaults of the company settings the search applies (env.ts). */
  defaults: ChatDefaults;
}

export function createHandler(deps: SearchHandlerDeps) {
  return serveJson({ name: "search", methods: ["POST"] }, async function (req) {
    const caller = await deps.auth(req, ["secret", "user", "publishable"]);
    const body = await readJson(req, SearchRequest);
    const { company } = await authorizeCompanyAdmin(deps.db, caller, body.company_id, "search");
    const run: SqlRunner = caller.kind === "user"
      ? (fn) => deps.db.asUser(caller.claims, fn)
      : (fn) => deps.db.asService(fn);
    // What the bot would retrieve: the company's own threshold and rerank model, as the chat uses them.
    const [{ settings }] = await deps.db.asService((tx) =>
      tx`select private.chat_settings(${company.id}::uuid, ${
        tx.json(deps.defaults as never)
      }::jsonb) as settings`
    );
    let result;
    try {
      result = await retrieve(
        { db: run, embedder: deps.embedder, reranker: deps.reranker, rerankTimeoutMs: deps.rerankTimeoutMs },
        {
          company: company.slug,
          agent: body.agent,
          question: body.query,
          count: body.count,
          threshold: Number(settings.match_threshold),
          rerankModel: settings.rerank_model ?? null,
        },
      );
    } catch (error) {
      if (error instanceof ProviderError) {
        throw new HttpError("provider_failed", `search: embedding the query failed (${error.message})`);
      }
      throw error;
    }
    const response: SearchResponse = {
      passages: result.passages.map((p, i) => ({
        rank: i + 1,
        id: p.id,
        source: p.source,
        title: p.title,
        content: p.content,
        agent_owner: p.agentOwner,
        category: p.category,
        tags: p.tags,
        metadata: p.metadata,
        similarity: p.similarity,
        text_rank: p.textRank,
        fused_score: p.fusedScore,
        rerank_score: p.rerankScore,
      })),
      rerank: result.rerank,
      timings: {
        embed_ms: result.timings.embedMs,
        match_ms: result.timings.matchMs,
        rerank_ms: result.timings.rerankMs,
        total_ms: result.timings.totalMs,
      },
      providers: result.providers,
      candidates: result.candidates,
    };
    return json(200, response);
  });
}
