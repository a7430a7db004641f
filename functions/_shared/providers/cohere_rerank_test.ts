import assert from "node:assert/strict";
import { withFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createCohereReranker } from "./cohere_rerank.ts";
import { ProviderError } from "./types.ts";

function reranker(baseUrl: string, timeoutMs = 500) {
  return createCohereReranker({
    apiKey: "co-test",
    baseUrl,
    model: "rerank-multilingual-v3.0",
    timeoutMs,
    maxRetries: 0,
  });
}

const documents = ["Les reels Instagram", "Automatiser avec Zapier", "Tarifs Kajabi", "Stories Instagram"];

Deno.test("cohere_rerank: returns indexes and scores sorted, at most topN, through the real SDK", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("rerank", { scores: [0.2, 0.9, 0.1, 0.5] });
    const hits = await reranker(fake.cohereBaseUrl).rerank("automatisation", documents, 3);
    assert.deepEqual(hits, [{ index: 1, score: 0.9 }, { index: 3, score: 0.5 }, { index: 0, score: 0.2 }]);
    const sent = fake.requests[0];
    assert.equal(sent.path, "/cohere/v2/rerank");
    assert.equal(sent.authorization, "Bearer co-test");
    assert.deepEqual(sent.body, {
      model: "rerank-multilingual-v3.0",
      query: "automatisation",
      documents,
      top_n: 3,
    });
  });
});

Deno.test("cohere_rerank: the default fake scores lexically; no documents means no request", async () => {
  await withFakeProviders(async (fake) => {
    const hits = await reranker(fake.cohereBaseUrl).rerank("stories instagram", documents, 2);
    assert.deepEqual(hits.map((h) => h.index), [3, 0]);
    assert.deepEqual(await reranker(fake.cohereBaseUrl).rerank("x", [], 5), []);
    assert.equal(fake.requests.length, 1);
  });
});

Deno.test("cohere_rerank: 429, timeout and a garbled body map to http 429, timeout, malformed", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("rerank", [{ status: 429, retryAfter: 0 }, { hang: true }, { malformed: true }]);
    const rerank = reranker(fake.cohereBaseUrl, 100);
    const kinds = [];
    for (let i = 0; i < 3; i++) {
      const error = await rerank.rerank("q", documents, 2).catch((e) => e);
      assert.ok(error instanceof ProviderError, `call ${i}: ${error}`);
      kinds.push(error.reason);
    }
    assert.deepEqual(kinds, ["http 429", "timeout", "malformed"]);
  });
});
