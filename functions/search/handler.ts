/**
 * `search`: hit testing. The passages the bot would retrieve for a query, with their vector,
 * full-text, fused and rerank scores, each step's time and the providers used, so that an
 * admin can see why the bot answers what it answers. Callers: the service role, or an
 * admin/owner of the company (whose search then runs under RLS as that user). Its paid calls are
 * reserved against the company's monthly budget in the settings' round trip (429 at the cap,
 * nothing called) and recorded in the usage ledger as product `ingest` (the knowledge base's own
 * hit testing, not a chat turn) by the request's one closing statement.
 */
import type { Authenticate } from "../_shared/auth.ts";
import type { ChatDefaults } from "../_shared/chat/store.ts";
import type { Db } from "../_shared/db.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { authorizeCompanyAdmin } from "../_shared/knowledge/access.ts";
import {
  budgetReached,
  embeddingCall,
  recordAfterFailure,
  recordUsage,
} from "../_shared/knowledge/budget.ts";
import { retrievalCeilings, retrieve, type SqlRunner } from "../_shared/knowledge/retrieve.ts";
import { ProviderError } from "../_shared/providers/types.ts";
import type { Embedder, Reranker } from "../_shared/providers/types.ts";
import type { LedgerCall } from "../_shared/usage.ts";
import type { Reservation } from "../_shared/usage.ts";
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
    // What the bot would retrieve: the company's own threshold and rerank model, as the chat uses
    // them; in the same round trip, the budget for the paid calls (the rerank's at the company's model).
    const { embedding, rerank } = retrievalCeilings(deps, { question: body.query, count: body.count });
    const [{ settings, budget }] = await deps.db.asService((tx) =>
      tx<{ settings: Record<string, unknown>; budget: Reservation | null }[]>`
        with s as (
          select private.chat_settings(${company.id}::uuid, ${
        tx.json(deps.defaults as never)
      }::jsonb) as settings
        )
        select s.settings, case when ${
        embedding !== null || rerank !== null
      } then public.budget_reserve(${company.id}::uuid,
          ${tx.json((embedding ? [embedding] : []) as never)}::jsonb || case when ${
        rerank !== null
      } then pg_catalog.jsonb_build_array(
            ${tx.json((rerank ?? {}) as never)}::jsonb
              || pg_catalog.jsonb_build_object('model', coalesce(s.settings ->> 'rerank_model', ${
        rerank?.model ?? null
      }))
          ) else '[]'::jsonb end) end as budget
        from s`
    );
    if (budget && !budget.allowed) throw budgetReached("search", budget);
    const usage = {
      calls: [] as LedgerCall[],
      reservations: budget?.reservation ? [budget.reservation] : [],
    };
    let result;
    const started = performance.now();
    try {
      result = await retrieve(
        { db: run, embedder: deps.embedder, reranker: deps.reranker, rerankTimeoutMs: deps.rerankTimeoutMs },
        {
          company: company.slug,
          agent: body.agent,
          question: body.query,
          count: body.count,
          threshold: Number(settings.match_threshold),
          rerankModel: (settings.rerank_model as string | undefined) ?? null,
        },
      );
    } catch (error) {
      if (error instanceof ProviderError) {
        // The failed embedding is a ledger row too (and the budget held is released).
        usage.calls.push(embeddingCall(deps.embedder, { ms: performance.now() - started, error }));
        await recordAfterFailure(deps.db, company.id, usage, "search");
        throw new HttpError("provider_failed", `search: embedding the query failed (${error.message})`);
      }
      await recordAfterFailure(deps.db, company.id, usage, "search");
      throw error;
    }
    // The request's closing statement: its calls in the ledger, its reservation released.
    await deps.db.asService((tx) => recordUsage(tx, company.id, { ...usage, calls: result.calls }));
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
