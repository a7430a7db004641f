import assert from "node:assert/strict";
import { createDb } from "../_shared/db.ts";
import { TEST_DEFAULTS } from "../_shared/chat/testing.ts";
import { createOfflineEmbedder } from "../_shared/providers/offline.ts";
import { type Embedder, ProviderError } from "../_shared/providers/types.ts";
import { ingestDocuments } from "../_shared/knowledge/ingest.ts";
import { ErrorBody, SearchResponse } from "../../types/api.ts";
import { asServer, asUser, asVisitor, stack, stackAuthenticator } from "../../tests/support/stack.ts";
import { createTestTenant } from "../../tests/fixtures/knowledge/tenant.ts";
import { createHandler } from "./handler.ts";

const db = createDb(stack.dbUrl || "postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 2 });
const auth = await stackAuthenticator();

function handlerWith(embedder: Embedder) {
  return createHandler({ db, auth, embedder, reranker: null, defaults: TEST_DEFAULTS });
}

async function post(
  body: unknown,
  token: Record<string, string> | undefined,
  embedder: Embedder = createOfflineEmbedder(),
) {
  const res = await handlerWith(embedder)(
    new Request("http://x/search", {
      method: "POST",
      headers: { "content-type": "application/json", ...token },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  return { status: res.status, body: await res.json() };
}

const user = (sub: string) => asUser(sub);

Deno.test("search handler: no token 401; a bad body 400 in the error contract", async () => {
  assert.equal((await post({ company_id: "x", query: "q" }, undefined)).status, 401);
  const token = asServer();
  const res = await post({ company_id: "x", query: "   " }, token);
  assert.equal(res.status, 400);
  assert.match(ErrorBody.parse(res.body).error.message, /^Invalid request body: query:/);
  assert.equal((await post({ company_id: "x", query: "q", count: 500 }, token)).status, 400);
});

Deno.test({
  name: "search handler: ranked passages with every score, timings and providers; members and strangers 403",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
    const other = await createTestTenant(stack.dbUrl);
    try {
      await ingestDocuments({ db, embedder: createOfflineEmbedder() }, {
        company: { id: tenant.id, slug: tenant.slug },
        documents: [
          {
            source: "kajabi.md",
            agent: "audrey",
            content: "# Kajabi\n\nCréer une offre Kajabi : Ventes, puis Offres.",
          },
          {
            source: "reels.md",
            agent: "carole",
            content: "# Reels\n\nUn reel Instagram dure idéalement 7 à 15 secondes.",
          },
        ],
      });
      for (const token of [asServer(), await user(tenant.users.owner)]) {
        const res = await post({
          company_id: tenant.slug,
          query: "Combien de secondes pour un reel Instagram ?",
        }, token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const body = SearchResponse.parse(res.body);
        assert.equal(body.passages[0].source, "reels.md");
        assert.equal(body.passages[0].rank, 1);
        assert.ok(
          body.passages[0].similarity! > 0 && body.passages[0].text_rank! > 0 &&
            body.passages[0].fused_score > 0,
        );
        assert.equal(body.passages[0].rerank_score, null);
        assert.equal(body.rerank, "skipped: not configured");
        assert.deepEqual(body.providers, { embedding: "offline:offline-hash-v1", rerank: null });
        assert.ok(body.timings.total_ms >= body.timings.match_ms);
      }
      const audrey = SearchResponse.parse(
        (await post(
          { company_id: tenant.id, query: "reel Instagram Kajabi", agent: "audrey", count: 5 },
          await user(tenant.users.admin),
        )).body,
      );
      assert.deepEqual(audrey.passages.map((p) => p.source), ["kajabi.md"]);

      for (const token of [await user(tenant.users.member), await user(other.users.owner), asVisitor()]) {
        const res = await post({ company_id: tenant.slug, query: "reel" }, token);
        assert.equal(res.status, 403);
        assert.equal(ErrorBody.parse(res.body).error.code, "forbidden");
      }
      const failing: Embedder = {
        ...createOfflineEmbedder(),
        embed: () => Promise.reject(new ProviderError({ provider: "openai", kind: "http", status: 503 })),
      };
      const down = await post(
        { company_id: tenant.slug, query: "reel" },
        asServer(),
        failing,
      );
      assert.equal(down.status, 502);
      assert.match(
        ErrorBody.parse(down.body).error.message,
        /^search: embedding the query failed \(openai: http 503\)$/,
      );
    } finally {
      await tenant.drop();
      await other.drop();
    }
  },
});

Deno.test({ name: "search handler: close the pool", fn: () => db.end() });
