// Retrieval quality on the labelled bilingual fixture (tests/fixtures/knowledge): every
// question's expected document must be among the first five passages (hit@5), with the
// offline embedder and no rerank, exactly as the local stack runs without keys.
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { ingestDocuments } from "../../functions/_shared/knowledge/ingest.ts";
import { retrieve } from "../../functions/_shared/knowledge/retrieve.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import { stack } from "../support/stack.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const fixture = join(import.meta.dirname!, "../fixtures/knowledge");

interface Question {
  lang: "fr" | "en";
  question: string;
  expected: string;
}

/** hit@k and the mean reciprocal rank of the expected source, per language and overall. */
function score(ranks: { lang: string; rank: number | null }[], k: number) {
  const of = (list: typeof ranks) => ({
    questions: list.length,
    hit: list.filter((r) => r.rank !== null && r.rank <= k).length / list.length,
    mrr: list.reduce((sum, r) => sum + (r.rank ? 1 / r.rank : 0), 0) / list.length,
  });
  return {
    all: of(ranks),
    fr: of(ranks.filter((r) => r.lang === "fr")),
    en: of(ranks.filter((r) => r.lang === "en")),
  };
}

Deno.test({
  name:
    "retrieval quality: hit@5 on the bilingual fixture with the offline embedder stays at its measured floor",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-quality");
    const db = createDb(stack.dbUrl, { max: 2 });
    try {
      const embedder = createOfflineEmbedder();
      const documents = [];
      for await (const entry of Deno.readDir(join(fixture, "docs"))) {
        documents.push({
          source: entry.name,
          content: await Deno.readTextFile(join(fixture, "docs", entry.name)),
        });
      }
      documents.sort((a, b) => a.source.localeCompare(b.source));
      await ingestDocuments({ db, embedder }, { company: { id: tenant.id, slug: tenant.slug }, documents });

      const questions: Question[] = JSON.parse(await Deno.readTextFile(join(fixture, "questions.json")));
      assert.ok(questions.length >= 30);
      const ranks = [];
      const misses = [];
      for (const q of questions) {
        const result = await retrieve({ db: db.sql, embedder, reranker: null }, {
          company: tenant.slug,
          question: q.question,
          count: 5,
          threshold: 0.2,
        });
        const at = result.passages.findIndex((p) => p.source === q.expected);
        ranks.push({ lang: q.lang, rank: at < 0 ? null : at + 1 });
        if (at < 0) {
          misses.push(`${q.question} → ${result.passages.map((p) => p.source).join(", ") || "nothing"}`);
        }
      }
      const { all, fr, en } = score(ranks, 5);
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      console.log(
        `retrieval quality: hit@5 ${pct(all.hit)} (fr ${pct(fr.hit)}, en ${pct(en.hit)}), MRR ${
          all.mrr.toFixed(3)
        }, ` +
          `${all.questions} questions, ${documents.length} documents`,
      );
      for (const miss of misses) console.log(`  miss: ${miss}`);
      assert.ok(
        all.hit >= HIT_AT_5_FLOOR,
        `hit@5 ${pct(all.hit)} fell below the floor ${pct(HIT_AT_5_FLOOR)}`,
      );
    } finally {
      await db.end();
      await tenant.drop();
    }
  },
});

/**
 * Measured 2026-11-22: hit@5 = 41/42 = 97.6 % (fr 97.1 %, en 100 %), MRR 0.935, with
 * offline-hash-v1, hybrid match_documents (RRF k = 60, threshold 0.2), no rerank. The one miss:
 * "Quels sont vos horaires d'ouverture ?" (the contact page never says "horaires"). A second
 * miss fails the suite.
 */
const HIT_AT_5_FLOOR = 0.97;
