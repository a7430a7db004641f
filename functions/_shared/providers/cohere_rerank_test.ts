import assert from "node:assert/strict";
import { withFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createCohereReranker } from "./cohere_rerank.ts";
import { ProviderError, type RerankUsage } from "./types.ts";

function reranker(baseUrl: string, timeoutMs = 5_000) {
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

Deno.test("cohere_rerank: onUsage gets the billed search units, the latency and the model asked for", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("rerank", [{ latencyMs: 30 }, { searchUnits: 3 }]);
    const usages: RerankUsage[] = [];
    const onUsage = (usage: RerankUsage) => usages.push(usage);
    const rerank = reranker(fake.cohereBaseUrl);
    await rerank.rerank("q", documents, 2, { onUsage });
    await rerank.rerank("q", documents, 2, { model: "rerank-v3.5", onUsage });
    assert.deepEqual(usages.map(({ searchUnits, model }) => ({ searchUnits, model })), [
      { searchUnits: 1, model: "rerank-multilingual-v3.0" },
      { searchUnits: 3, model: "rerank-v3.5" },
    ]);
    assert.ok(usages[0].ms >= 25, `latency ${usages[0].ms} ms`);
    assert.equal(fake.requests[1].body?.model, "rerank-v3.5");
  });
});

Deno.test("cohere_rerank: without billed units, one search unit per 100 documents; no call, no usage", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("rerank", [{ searchUnits: null }, { status: 500 }]);
    const usages: RerankUsage[] = [];
    const onUsage = (usage: RerankUsage) => usages.push(usage);
    const many = Array.from({ length: 150 }, (_, i) => `document ${i}`);
    await reranker(fake.cohereBaseUrl).rerank("q", many, 5, { onUsage });
    assert.deepEqual(usages.map((u) => u.searchUnits), [2]);
    await assert.rejects(reranker(fake.cohereBaseUrl).rerank("q", documents, 2, { onUsage }), ProviderError);
    await reranker(fake.cohereBaseUrl).rerank("q", [], 2, { onUsage });
    assert.equal(usages.length, 1, "a failed call and a call without documents report nothing");
  });
});

Deno.test("cohere_rerank: a throwing onUsage is the caller's error, not a provider failure", async () => {
  await withFakeProviders(async (fake) => {
    const error = await reranker(fake.cohereBaseUrl).rerank("q", documents, 2, {
      onUsage: () => {
        throw new Error("ledger full");
      },
    }).catch((e) => e);
    assert.ok(!(error instanceof ProviderError));
    assert.equal(error.message, "ledger full");
  });
});
