import assert from "node:assert/strict";
import { createDb, type Db } from "../db.ts";
import { createProviders, readProviderConfig } from "../providers/index.ts";
import { createOfflineEmbedder } from "../providers/offline.ts";
import { stack } from "../../../tests/support/stack.ts";
import { type FakeProviders, startFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createTestTenant, type TestTenant } from "../../../tests/fixtures/knowledge/tenant.ts";
import { ingestDocuments } from "./ingest.ts";
import { fullTextQuery, retrieve, type RetrieveDeps } from "./retrieve.ts";

Deno.test("fullTextQuery: ORs the question's content words, accents folded, stop words dropped", () => {
  assert.equal(
    fullTextQuery("Comment créer un tunnel de vente sur Kajabi ?"),
    "creer or tunnel or vente or kajabi",
  );
  assert.equal(fullTextQuery("How do I schedule Instagram reels?"), "schedule or instagram or reels");
  assert.equal(fullTextQuery("e-mail, e-mail & OR"), "mail");
  assert.equal(fullTextQuery("Et le ?"), null);
});

const documents = [
  {
    source: "kajabi.md",
    agent: "audrey",
    content:
      "# Kajabi\n\nDans Kajabi, un tunnel de vente (pipeline) enchaîne page de capture, e-mails et paiement.",
  },
  {
    source: "zapier.md",
    agent: "audrey",
    content: "# Zapier\n\nZapier envoie chaque nouvel inscrit du formulaire vers votre outil d'e-mailing.",
  },
  {
    source: "reels.md",
    agent: "carole",
    content: "# Reels\n\nUn reel Instagram de 7 à 15 secondes, avec un texte à l'écran, retient l'attention.",
  },
  {
    source: "contact.md",
    content: "# Contact\n\nL'agence répond du lundi au vendredi, de 9 h à 18 h.",
  },
];

interface Fixture {
  db: Db;
  tenant: TestTenant;
  fake: FakeProviders;
  deps(env?: Record<string, string>): RetrieveDeps;
}

async function withKnowledgeBase(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const tenant = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
  const db = createDb(stack.dbUrl, { max: 2 });
  const fake = await startFakeProviders();
  try {
    await ingestDocuments({ db, embedder: createOfflineEmbedder() }, {
      company: { id: tenant.id, slug: tenant.slug },
      documents,
    });
    await fn({
      db,
      tenant,
      fake,
      deps(env = {}) {
        // Cohere through the fake server; embeddings stay offline (the stored vectors are offline ones).
        const { reranker } = createProviders(readProviderConfig({
          COHERE_API_KEY: "fake-cohere",
          COHERE_BASE_URL: fake.cohereBaseUrl,
          PROVIDER_MAX_RETRIES: "0",
          ...env,
        }));
        return { db: (run) => db.asService(run), embedder: createOfflineEmbedder(), reranker };
      },
    });
  } finally {
    await fake.close();
    await db.end();
    await tenant.drop();
  }
}

const dbTest = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: !stack.available, fn });

dbTest(
  "retrieve: without a reranker the fused order is returned and the result says rerank was skipped",
  async () => {
    await withKnowledgeBase(async ({ db, tenant }) => {
      const result = await retrieve(
        { db: db.sql, embedder: createOfflineEmbedder(), reranker: null },
        {
          company: tenant.slug,
          question: "Comment créer un tunnel de vente dans Kajabi ?",
          count: 3,
          threshold: 0.2,
        },
      );
      assert.equal(result.passages[0].source, "kajabi.md");
      assert.equal(result.rerank, "skipped: not configured");
      assert.deepEqual(result.providers, { embedding: "offline:offline-hash-v1", rerank: null });
      const fused = result.passages.map((p) => p.fusedScore);
      assert.deepEqual(fused, [...fused].sort((a, b) => b - a));
      assert.ok(result.passages[0].similarity! > 0.2 && result.passages[0].textRank! > 0);
      assert.ok(result.passages.every((p) => p.rerankScore === null));
      for (const key of ["embedMs", "matchMs", "rerankMs", "totalMs"] as const) {
        assert.ok(result.timings[key] >= 0);
      }
    });
  },
);

dbTest("retrieve: an agent sees its own documents and the shared ones only", async () => {
  await withKnowledgeBase(async ({ db, tenant }) => {
    const deps = { db: db.sql, embedder: createOfflineEmbedder(), reranker: null };
    const question = "Kajabi, Zapier, reels Instagram ou horaires de l'agence ?";
    const carole = await retrieve(deps, {
      company: tenant.slug,
      agent: "carole",
      question,
      count: 10,
      threshold: -1,
    });
    assert.deepEqual(carole.passages.map((p) => p.source).sort(), ["contact.md", "reels.md"]);
    const all = await retrieve(deps, { company: tenant.id, question, count: 10, threshold: -1 });
    assert.equal(all.passages.length, 4);
  });
});

dbTest("retrieve: Cohere's order replaces the fused one, with its scores", async () => {
  await withKnowledgeBase(async ({ tenant, fake, deps }) => {
    const question = "Quelle est la durée idéale d'un reel Instagram ?";
    const options = { company: tenant.slug, question, count: 2, threshold: -1 };
    const plain = await retrieve({ ...deps(), reranker: null }, options);
    // Score the candidates in reverse of the fused order they are sent in.
    fake.setDefault("rerank", { scores: [0.1, 0.2, 0.3, 0.4] });
    const reranked = await retrieve(deps(), options);
    assert.equal(reranked.rerank, "cohere");
    assert.equal(reranked.providers.rerank, "cohere:rerank-multilingual-v3.0");
    const sent = fake.requests.find((r) => r.route === "rerank")!.body!;
    assert.equal(sent.query, question);
    assert.equal(reranked.candidates, (sent.documents as string[]).length);
    assert.deepEqual(
      reranked.passages.map((p) => p.rerankScore),
      [0.4, 0.3].slice(0, reranked.passages.length),
    );
    assert.notEqual(reranked.passages[0].source, plain.passages[0].source);
  });
});

dbTest("retrieve: a failing reranker (500) keeps the fused order and says so", async () => {
  await withKnowledgeBase(async ({ tenant, fake, deps }) => {
    const question = "Comment relier Zapier à mon formulaire ?";
    const plain = await retrieve({ ...deps(), reranker: null }, {
      company: tenant.slug,
      question,
      count: 3,
      threshold: 0.2,
    });
    fake.setDefault("rerank", { status: 500 });
    const result = await retrieve(deps(), { company: tenant.slug, question, count: 3, threshold: 0.2 });
    assert.equal(result.rerank, "failed: http 500");
    assert.deepEqual(result.passages.map((p) => p.id), plain.passages.map((p) => p.id));
    assert.equal(result.passages[0].source, "zapier.md");
  });
});

dbTest("retrieve: a hanging reranker times out; the fused order is kept and flagged", async () => {
  await withKnowledgeBase(async ({ tenant, fake, deps }) => {
    const question = "Comment relier Zapier à mon formulaire ?";
    fake.setDefault("rerank", { hang: true });
    // The provider's own timeout…
    const slowProvider = await retrieve(deps({ PROVIDER_TIMEOUT_MS: "200" }), {
      company: tenant.slug,
      question,
      count: 5,
      threshold: 0.2,
    });
    assert.equal(slowProvider.rerank, "failed: timeout");
    assert.equal(slowProvider.passages[0].source, "zapier.md");
    // …or retrieve's, whichever comes first.
    const started = performance.now();
    const ours = await retrieve({ ...deps({ PROVIDER_TIMEOUT_MS: "1500" }), rerankTimeoutMs: 100 }, {
      company: tenant.slug,
      question,
      count: 5,
      threshold: 0.2,
    });
    assert.equal(ours.rerank, "failed: timeout");
    assert.ok(performance.now() - started < 1000);
    assert.ok(ours.timings.rerankMs >= 100);
    assert.equal(ours.passages[0].source, "zapier.md");
  });
});
