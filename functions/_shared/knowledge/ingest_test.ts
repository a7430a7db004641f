import assert from "node:assert/strict";
import { createDb, type Db } from "../db.ts";
import { HttpError } from "../http.ts";
import { createProviders, readProviderConfig } from "../providers/index.ts";
import { createOfflineEmbedder } from "../providers/offline.ts";
import type { Embedder } from "../providers/types.ts";
import { stack } from "../../../tests/support/stack.ts";
import { startFakeProviders } from "../../../tests/support/fake_providers.ts";
import { createTestTenant, type TestTenant } from "../../../tests/fixtures/knowledge/tenant.ts";
import { findCompany } from "./access.ts";
import { createEmbeddingWorker } from "./embedding_queue.ts";
import { ingestDocuments } from "./ingest.ts";

/** The offline embedder, counting the texts it is asked to embed. */
function countingEmbedder(model?: string): Embedder & { texts: number; calls: number } {
  const inner = createOfflineEmbedder();
  const counter = {
    name: inner.name,
    model: model ?? inner.model,
    dimensions: inner.dimensions,
    maxBatch: inner.maxBatch,
    texts: 0,
    calls: 0,
    embed(texts: string[]) {
      counter.texts += texts.length;
      counter.calls++;
      return inner.embed(texts);
    },
  };
  return counter;
}

const guide = [
  "# Séquences e-mail",
  "Une séquence de bienvenue envoie cinq e-mails sur deux semaines.",
  "## Déclencheurs",
  "Le tag « inscrit » déclenche la séquence dans Kajabi.",
  "## Relances",
  "Relancez les non-ouvreurs après trois jours avec un nouvel objet.",
].join("\n\n");

async function withTenant(fn: (db: Db, tenant: TestTenant) => Promise<void>): Promise<void> {
  const tenant = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
  const db = createDb(stack.dbUrl, { max: 2 });
  try {
    await fn(db, tenant);
  } finally {
    await db.end();
    await tenant.drop();
  }
}

async function stored(db: Db, slug: string) {
  return await db.sql<
    { source: string; chunk_index: number; embedding_model: string; agent_owner: string }[]
  >`
    select source, chunk_index, embedding_model, agent_owner from public.documents
    where company_id = ${slug} order by source, chunk_index`;
}

const dbTest = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore: !stack.available, fn });

dbTest("ingest: new chunks, then the same content again is all unchanged and embeds nothing", async () => {
  await withTenant(async (db, tenant) => {
    const embedder = countingEmbedder();
    const company = { id: tenant.id, slug: tenant.slug };
    const documents = [{ source: "guides/sequences.md", content: guide }, {
      title: "Horaires",
      content: "9 h - 18 h.",
    }];
    const first = await ingestDocuments({ db, embedder }, { company, documents });
    assert.deepEqual(first.chunks, { new: 4, unchanged: 0, replaced: 0, deleted: 0 });
    assert.deepEqual(first.documents.map((d) => [d.source, d.chunks.new]), [["guides/sequences.md", 3], [
      "Horaires",
      1,
    ]]);
    assert.ok(first.usage.embedding_tokens > 0);
    assert.equal(first.usage.embedding_model, "offline-hash-v1");
    assert.deepEqual([embedder.calls, embedder.texts], [1, 4], "one batched call for every chunk");

    const again = await ingestDocuments({ db, embedder }, { company, documents });
    assert.deepEqual(again.chunks, { new: 0, unchanged: 4, replaced: 0, deleted: 0 });
    assert.equal(again.usage.embedding_tokens, 0);
    assert.deepEqual([embedder.calls, embedder.texts], [1, 4], "nothing embedded the second time");
    assert.equal((await stored(db, tenant.slug)).length, 4);
  });
});

dbTest(
  "ingest: changed content replaces its chunks, a shorter document loses the rest, delete_sources deletes",
  async () => {
    await withTenant(async (db, tenant) => {
      const embedder = countingEmbedder();
      const company = { id: tenant.id, slug: tenant.slug };
      await ingestDocuments({ db, embedder }, {
        company,
        documents: [{ source: "a.md", content: guide }, {
          source: "b.md",
          content: "Les reels durent 90 s.",
        }],
      });
      const edited = guide.replace("trois jours", "quatre jours");
      const changed = await ingestDocuments({ db, embedder }, {
        company,
        documents: [{ source: "a.md", content: edited }],
      });
      assert.deepEqual(changed.chunks, { new: 0, unchanged: 2, replaced: 1, deleted: 0 });
      assert.equal(embedder.texts, 4 + 1, "only the changed chunk is embedded again");

      const shorter = edited.split("\n\n## Relances")[0];
      const shortened = await ingestDocuments({ db, embedder }, {
        company,
        documents: [{ source: "a.md", content: shorter }],
        deleteSources: ["b.md", "never-ingested.md"],
      });
      assert.deepEqual(shortened.chunks, { new: 0, unchanged: 2, replaced: 0, deleted: 2 });
      assert.deepEqual(shortened.documents.map((d) => [d.source, d.chunks.deleted]), [
        ["a.md", 1],
        ["b.md", 1],
        ["never-ingested.md", 0],
      ]);
      assert.deepEqual((await stored(db, tenant.slug)).map((r) => `${r.source}#${r.chunk_index}`), [
        "a.md#0",
        "a.md#1",
      ]);
    });
  },
);

dbTest("ingest: a new embedding model re-embeds unchanged chunks instead of mixing two models", async () => {
  await withTenant(async (db, tenant) => {
    const company = { id: tenant.id, slug: tenant.slug };
    await ingestDocuments({ db, embedder: countingEmbedder() }, {
      company,
      documents: [{ source: "a.md", content: guide }],
    });
    const next = countingEmbedder("offline-hash-v2");
    const result = await ingestDocuments({ db, embedder: next }, {
      company,
      documents: [{ source: "a.md", content: guide }],
    });
    assert.deepEqual(result.chunks, { new: 0, unchanged: 0, replaced: 3, deleted: 0 });
    assert.equal(next.texts, 3);
    assert.deepEqual(
      new Set((await stored(db, tenant.slug)).map((r) => r.embedding_model)),
      new Set(["offline-hash-v2"]),
    );
  });
});

dbTest("ingest: explicit agents are stored; other companies are never touched", async () => {
  await withTenant(async (db, tenant) => {
    const other = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
    try {
      const embedder = countingEmbedder();
      await ingestDocuments({ db, embedder }, {
        company: { id: other.id, slug: other.slug },
        documents: [{ source: "a.md", content: "Document de l'autre entreprise." }],
      });
      const result = await ingestDocuments({ db, embedder }, {
        company: { id: tenant.id, slug: tenant.slug },
        documents: [{
          source: "a.md",
          content: guide,
          agent: "audrey",
          tags: ["email"],
          category: "guide",
          priority: 2,
        }],
      });
      assert.equal(result.chunks.new, 3);
      const rows = await db.sql<
        { agent_owner: string; tags: string[]; category: string; priority: number }[]
      >`
        select agent_owner, tags, category, priority from public.documents where company_id = ${tenant.slug}`;
      assert.ok(rows.every((r) => r.agent_owner === "audrey" && r.tags[0] === "email" && r.priority === 2));
      assert.equal((await stored(db, other.slug)).length, 1);
      await ingestDocuments({ db, embedder }, {
        company: { id: tenant.id, slug: tenant.slug },
        documents: [],
        deleteSources: ["a.md"],
      });
      assert.equal(
        (await stored(db, other.slug)).length,
        1,
        "deleting a source deletes it in one company only",
      );
    } finally {
      await other.drop();
    }
  });
});

dbTest(
  "ingest: the demo tenant's agent-less documents are tagged by keyword; explicit shared ones stay shared",
  async () => {
    const db = createDb(stack.dbUrl, { max: 2 });
    const company = (await findCompany(db, "agence-des-copines"))!;
    const run = crypto.randomUUID().slice(0, 8);
    const sources = [
      `test-${run}/zapier.md`,
      `test-${run}/reels.md`,
      `test-${run}/tarifs.md`,
      `test-${run}/divers.md`,
    ];
    try {
      await ingestDocuments({ db, embedder: countingEmbedder() }, {
        company,
        documents: [
          { source: sources[0], content: "Connecter Zapier à votre formulaire." },
          { source: sources[1], content: "Filmer un reel en lumière naturelle." },
          {
            source: sources[2],
            content: "Le pack Instagram et tunnel de vente coûte 900 €.",
            agent: "shared",
          },
          { source: sources[3], content: "Nos bureaux ferment le vendredi à 17 h." },
        ],
      });
      const rows = await db.sql<{ source: string; agent_owner: string }[]>`
      select source, agent_owner from public.documents where source = any(${sources}::text[]) order by source`;
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.source, r.agent_owner])), {
        [sources[0]]: "audrey",
        [sources[1]]: "carole",
        [sources[2]]: "shared",
        [sources[3]]: "shared",
      });
    } finally {
      await ingestDocuments({ db, embedder: countingEmbedder() }, {
        company,
        documents: [],
        deleteSources: sources,
      });
      await db.end();
    }
  },
);

dbTest("ingest: invalid documents are refused with their index, before anything is embedded", async () => {
  await withTenant(async (db, tenant) => {
    const embedder = countingEmbedder();
    const company = { id: tenant.id, slug: tenant.slug };
    const cases: [unknown[], RegExp][] = [
      [
        [{ source: "a", content: "x" }, { content: "texte" }],
        /^ingest: document 1 has neither source nor title$/,
      ],
      [[{ source: "a", content: "x" }, { source: "b", content: " \n " }], /^ingest: document 1 is empty$/],
      [[{ source: "a", content: "# Titre seul" }], /^ingest: document 0 is empty$/],
      [
        [{ source: "a", content: "x" }, { title: "a", content: "y" }],
        /^ingest: documents 0 and 1 have the same source "a"$/,
      ],
    ];
    for (const [documents, message] of cases) {
      await assert.rejects(
        ingestDocuments({ db, embedder }, { company, documents: documents as never }),
        (error: unknown) => error instanceof HttpError && error.status === 400 && message.test(error.message),
      );
    }
    await assert.rejects(
      ingestDocuments({ db, embedder }, {
        company,
        documents: [{ source: "a", content: "x" }],
        deleteSources: ["a"],
      }),
      /is both ingested and deleted/,
    );
    assert.equal(embedder.calls, 0);
    assert.equal((await stored(db, tenant.slug)).length, 0);
  });
});

dbTest(
  "ingest: a provider failure is a 502 that leaves the chunks stored and queued; a later drain embeds them in batches",
  async () => {
    const fake = await startFakeProviders();
    try {
      await withTenant(async (db, tenant) => {
        const { embedder } = createProviders(readProviderConfig({
          ...fake.env(),
          EMBEDDING_BATCH_SIZE: "4",
          PROVIDER_MAX_RETRIES: "0",
        }));
        const company = { id: tenant.id, slug: tenant.slug };
        const documents = Array.from(
          { length: 10 },
          (_, i) => ({ source: `doc-${i}.md`, content: `Fiche ${i} : Zapier.` }),
        );
        fake.script("embeddings", { status: 500 });
        await assert.rejects(
          ingestDocuments({ db, embedder }, { company, documents }),
          (error: unknown) =>
            error instanceof HttpError && error.status === 502 &&
            /embeddings: openai http 500\); the chunks are stored and queued/.test(error.message),
        );
        assert.equal((await stored(db, tenant.slug)).length, 10);
        const jobs = await db.sql<
          { status: string; attempts: number; last_error: string; embedded: boolean }[]
        >`
          select j.status, j.attempts, j.last_error, d.embedding is not null as embedded
          from public.embedding_jobs j join public.documents d on d.id = j.document_id
          where j.company_id = ${tenant.id}`;
        assert.deepEqual(
          [...new Set(jobs.map((j) => JSON.stringify({ ...j })))],
          [JSON.stringify({
            status: "queued",
            attempts: 1,
            last_error: "embeddings: openai http 500",
            embedded: false,
          })],
        );

        fake.reset();
        await db
          .sql`update public.embedding_jobs set next_attempt_at = now() where company_id = ${tenant.id}`;
        const drained = await createEmbeddingWorker({ db, embedder }).drain({ company: tenant.id });
        assert.deepEqual({ ...drained, tokens: 0 }, {
          embedded: 10,
          stale: 0,
          retried: 0,
          dead: 0,
          tokens: 0,
        });
        const batches = fake.requests.filter((r) => r.route === "embeddings").map((r) =>
          (r.body!.input as string[]).length
        );
        assert.deepEqual(batches, [4, 4, 2]);
        const again = await ingestDocuments({ db, embedder }, { company, documents });
        assert.deepEqual([again.chunks.unchanged, again.embedding.pending], [10, 0]);
      });
    } finally {
      await fake.close();
    }
  },
);
