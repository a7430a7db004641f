import assert from "node:assert/strict";
import { withFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createOpenAIEmbedder } from "./embeddings.ts";
import { cosine } from "./lexical.ts";
import { ProviderError } from "./types.ts";

function embedder(baseUrl: string, maxBatch = 128) {
  return createOpenAIEmbedder({
    apiKey: "sk-test",
    baseUrl,
    model: "text-embedding-3-small",
    maxBatch,
    timeoutMs: 5_000,
    maxRetries: 0,
  });
}

Deno.test("embeddings: 300 texts with maxBatch 128 make exactly 3 requests, vectors in input order", async () => {
  await withFakeProviders(async (fake) => {
    const texts = Array.from({ length: 300 }, (_, i) => `document numéro ${i} sur le sujet ${i % 7}`);
    const { vectors, tokens } = await embedder(fake.openaiBaseUrl).embed(texts);
    assert.deepEqual(fake.requests.map((r) => (r.body?.input as string[]).length), [128, 128, 44]);
    assert.equal(
      fake.requests[0].body?.encoding_format,
      "base64",
      "the SDK asks for base64; the fake honours it",
    );
    assert.equal(vectors.length, 300);
    assert.ok(vectors.every((v) => v.length === 1536));
    assert.ok(tokens > 0);
    const single = await embedder(fake.openaiBaseUrl).embed([texts[200]]);
    assert.ok(cosine(single.vectors[0], vectors[200]) > 0.9999, "vector 200 belongs to text 200");
    assert.ok(cosine(single.vectors[0], vectors[201]) < 0.99);
  });
});

Deno.test("embeddings: empty input makes no request; an empty text is refused with its index", async () => {
  await withFakeProviders(async (fake) => {
    assert.deepEqual(await embedder(fake.openaiBaseUrl).embed([]), { vectors: [], tokens: 0, ms: 0 });
    await assert.rejects(embedder(fake.openaiBaseUrl).embed(["ok", "  "]), /input 1 is empty/);
    assert.equal(fake.requests.length, 0);
  });
});

Deno.test("embeddings: wrong dimensions are 'malformed', a 500 is 'http'", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("embeddings", [{ dimensions: 3 }, { status: 500 }]);
    const wrongSize = await embedder(fake.openaiBaseUrl).embed(["a text"]).catch((e) => e);
    assert.ok(wrongSize instanceof ProviderError);
    assert.equal(wrongSize.kind, "malformed");
    assert.match(wrongSize.message, /expected 1536 dimensions, got 3/);
    const failed = await embedder(fake.openaiBaseUrl).embed(["a text"]).catch((e) => e);
    assert.ok(failed instanceof ProviderError && failed.status === 500);
  });
});

Deno.test("embeddings: a call reports its tokens and its wall time, every batch included", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("embeddings", [{ latencyMs: 20 }, { latencyMs: 20 }]);
    const { tokens, ms } = await embedder(fake.openaiBaseUrl, 2).embed(["un texte", "deux textes", "trois"]);
    assert.equal(fake.requests.length, 2);
    assert.equal(tokens, [2, 3, 2].reduce((a, b) => a + b), "the fake's tokens, summed over the batches");
    assert.ok(ms !== undefined && ms >= 35, `wall time ${ms} ms covers both batches`);
  });
});
