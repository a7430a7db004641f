// The knowledge base's provider calls in the usage ledger and under the monthly budget, through
// the ingest and search handlers with the real SDKs against the fake providers, on Postgres:
// one row per embedding request (product `ingest`, made by the embedding queue's drain after the
// answer; search's hit testing too), priced from the price table, unpriced flagged, offline free;
// 429 « monthly budget reached » at the cap with nothing embedded nor written; 50 concurrent
// ingestions against a budget for 12. `ingest` below also waits for what the handler left running
// after its answer (the drain), as the Edge Runtime's waitUntil does.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createDb } from "../../functions/_shared/db.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import { tokenCeiling } from "../../functions/_shared/knowledge/budget.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import type { Embedder } from "../../functions/_shared/providers/types.ts";
import { createHandler as createIngest } from "../../functions/ingest/handler.ts";
import { createHandler as createSearch } from "../../functions/search/handler.ts";
import { ErrorBody, IngestResponse, SearchResponse } from "../../types/api.ts";
import { type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { asServer, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const PRICE_PER_TOKEN = 0.02 / 1_000_000; // text-embedding-3-small in model_prices

interface Setup {
  tenant: TestTenant;
  fake: FakeProviders;
  sql: postgres.Sql;
  ingest(body: unknown, embedder?: Embedder): Promise<{ status: number; body: Record<string, unknown> }>;
  search(query: string): Promise<{ status: number; body: Record<string, unknown> }>;
  ledger(): Promise<Record<string, unknown>[]>;
  /** A budget whose cap is `capUsd` (EUR at a rate that makes it so), soft at `softRatio`. */
  budget(capUsd: number, softRatio?: number): Promise<void>;
  activities(type: string): Promise<number>;
}

function ledgerTest(name: string, fn: (s: Setup) => Promise<void>, env: Record<string, string> = {}) {
  Deno.test({
    name,
    ignore: !stack.available,
    async fn() {
      const tenant = await createTestTenant(stack.dbUrl, "test-ledger-kb");
      const fake = await startFakeProviders();
      const sql = postgres(stack.dbUrl, { max: 2, onnotice: () => {} });
      const db = createDb(stack.dbUrl, { max: 20 });
      const auth = await stackAuthenticator();
      const providers = createProviders(
        readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0", ...env }),
      );
      const call = async (
        handler: (req: Request) => Response | Promise<Response>,
        path: string,
        body: unknown,
      ) => {
        const res = await handler(
          new Request(`http://x/${path}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...asServer() },
            body: JSON.stringify(body),
          }),
        );
        return { status: res.status, body: await res.json() };
      };
      const search = createSearch({
        db,
        auth,
        embedder: providers.embedder,
        reranker: providers.reranker,
        defaults: TEST_DEFAULTS,
      });
      try {
        await fn({
          tenant,
          fake,
          sql,
          async ingest(body, embedder = providers.embedder) {
            const after: Promise<unknown>[] = [];
            const waitUntil = (work: Promise<unknown>) => void after.push(work);
            const res = await call(createIngest({ db, auth, embedder, waitUntil }), "ingest", {
              company_id: tenant.id,
              ...body as object,
            });
            await Promise.all(after);
            return res;
          },
          search: (query) => call(search, "search", { company_id: tenant.id, query }),
          ledger: () =>
            sql`select product, kind, provider, model_requested, model_answered, prompt_tokens, search_units,
                outcome, cost_usd::float8 as cost, cost_source
              from public.usage_ledger where company_id = ${tenant.id} order by id`,
          async budget(capUsd, softRatio = 0.8) {
            await sql`insert into public.company_budgets (company_id, monthly_limit, currency, usd_rate, soft_ratio)
              values (${tenant.id}, 1, 'EUR', round(1 / ${capUsd}::numeric, 6), ${softRatio})`;
          },
          activities: async (type) =>
            (await sql`select count(*)::int as n from public.activities where company_id = ${tenant.id} and type = ${type}`)[
              0
            ]
              .n,
        });
      } finally {
        await db.end();
        await sql.end();
        await fake.close();
        await tenant.drop();
      }
    },
  });
}

const embeddingRequests = (fake: FakeProviders) =>
  fake.requests.filter((r) => r.route === "embeddings").length;
const doc = (i: number) => ({
  source: `fiche-${String(i).padStart(2, "0")}.md`,
  content: `Fiche ${
    String(i).padStart(2, "0")
  } : la séquence de bienvenue envoie cinq e-mails sur deux semaines.`,
});
/** What one document's embedding reserves (its ceiling), USD. */
const ceilingUsd = (i: number) => tokenCeiling([doc(i).content]) * PRICE_PER_TOKEN;

ledgerTest(
  "ledger: an ingestion is one embedding row per provider request, priced from model_prices; re-ingesting records nothing",
  async ({ ingest, ledger, sql, tenant }) => {
    const documents = [0, 1, 2, 3, 4].map(doc);
    const first = await ingest({ documents });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.deepEqual(IngestResponse.parse(first.body).embedding, { pending: 5, dead: 0 });
    const rows = await ledger();
    const tokens = rows.reduce((sum, r) => sum + (r.prompt_tokens as number), 0);
    assert.equal(rows.length, 3, "batches of 2: three requests, three rows");
    for (const row of rows) {
      assert.deepEqual(
        [
          row.product,
          row.kind,
          row.provider,
          row.model_requested,
          row.model_answered,
          row.outcome,
          row.cost_source,
        ],
        [
          "ingest",
          "embedding",
          "openai",
          "text-embedding-3-small",
          "text-embedding-3-small",
          "ok",
          "price_table",
        ],
      );
      assert.ok(Math.abs((row.cost as number) - (row.prompt_tokens as number) * PRICE_PER_TOKEN) < 1e-12);
    }
    assert.ok(tokens > 0);
    const [daily] =
      await sql`select calls, prompt_tokens::int from public.usage_daily where company_id = ${tenant.id}`;
    assert.deepEqual({ ...daily }, { calls: 3, prompt_tokens: tokens });

    assert.equal((await ingest({ documents })).status, 200);
    assert.equal((await ledger()).length, 3, "nothing embedded, nothing recorded");
  },
  { EMBEDDING_BATCH_SIZE: "2" },
);

ledgerTest(
  "ledger: an embedding failure after the answer leaves the chunks unembedded and queued for a retry, records the batch paid and the failed one, releases the budget",
  async ({ ingest, ledger, sql, tenant, fake, budget }) => {
    await budget(1);
    fake.script("embeddings", [{}, { status: 500 }]);
    const res = await ingest({ documents: [0, 1, 2].map(doc) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const jobs = await sql`
      select j.status, j.attempts, j.last_error, d.embedding is null as unembedded
      from public.embedding_jobs j join public.documents d on d.id = j.document_id
      where j.company_id = ${tenant.id}`;
    assert.deepEqual(
      jobs.map((j) => ({ ...j })),
      Array(3).fill({
        status: "queued",
        attempts: 1,
        last_error: "embeddings: openai http 500",
        unembedded: true,
      }),
    );
    assert.deepEqual((await ledger()).map((r) => [r.outcome, r.model_answered]), [
      ["ok", "text-embedding-3-small"],
      ["error", null],
    ]);
    const held =
      await sql`select count(*)::int as n from private.budget_reservations where company_id = ${tenant.id}`;
    assert.equal(held[0].n, 0);
  },
  { EMBEDDING_BATCH_SIZE: "2" },
);

ledgerTest(
  "ledger: a model without a price is flagged unpriced, never 0; the offline embedder is free and never reserved, even at the cap",
  async ({ ingest, ledger, sql, tenant, budget, fake }) => {
    assert.equal((await ingest({ documents: [doc(0)] })).status, 202);
    const [unpriced] = await ledger();
    assert.deepEqual([unpriced.model_answered, unpriced.cost_source, unpriced.cost], [
      "text-embedding-unpriced-test",
      "unpriced",
      null,
    ]);
    const [month] =
      await sql`select unpriced_calls from public.budget_months where company_id = ${tenant.id}`;
    assert.equal(month.unpriced_calls, 1);

    await budget(0.0001);
    await sql`update public.budget_months set spent_usd = 1 where company_id = ${tenant.id}`;
    const offline = await ingest({ documents: [doc(1)] }, createOfflineEmbedder());
    assert.equal(offline.status, 202, JSON.stringify(offline.body));
    const [, free] = await ledger();
    assert.deepEqual([free.provider, free.cost_source, free.cost], ["offline", "free", 0]);
    assert.equal(embeddingRequests(fake), 1);
  },
  { EMBEDDING_MODEL: "text-embedding-unpriced-test" },
);

ledgerTest(
  "budget: the soft threshold is one activity; at the cap ingest and search answer 429 « monthly budget reached », nothing sent nor written",
  async ({ ingest, search, ledger, sql, tenant, fake, budget, activities }) => {
    // Each ingestion holds its ceiling (characters / 3) and spends the fake's tokens (characters / 4).
    await budget(2.2 * ceilingUsd(0), 0.01);
    assert.equal((await ingest({ documents: [doc(0)] })).status, 202);
    assert.equal((await ingest({ documents: [doc(1)] })).status, 202);
    assert.equal(await activities("budget.soft"), 1);
    const refused = await ingest({ documents: [doc(2)] });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    const error = ErrorBody.parse(refused.body).error;
    assert.equal(error.code, "rate_limited");
    assert.match(error.message, /^ingest: monthly budget reached/);
    assert.equal(embeddingRequests(fake), 2);
    const stored =
      await sql`select source from public.documents where company_id = ${tenant.slug} order by source`;
    assert.deepEqual(stored.map((r) => r.source), [doc(0).source, doc(1).source]);

    const searched = await search("Combien d'e-mails dans la séquence de bienvenue ?");
    assert.equal(searched.status, 429);
    assert.match(ErrorBody.parse(searched.body).error.message, /^search: monthly budget reached/);
    assert.equal(fake.requests.length, 2, "neither the query's embedding nor a rerank was sent");
    assert.equal((await ledger()).length, 2);
    assert.equal(await activities("budget.cap"), 1);
    assert.equal(await activities("budget.soft"), 1);
    const [month] =
      await sql`select spent_usd::float8 as spent from public.budget_months where company_id = ${tenant.id}`;
    assert.ok(month.spent <= 2.2 * ceilingUsd(0));
  },
);

ledgerTest(
  "budget: 50 concurrent ingestions through the handler against a budget for 12: exactly 12 embed, 38 are refused, 0 paid past the cap",
  async ({ ingest, ledger, sql, tenant, fake, budget }) => {
    const cap = 12.5 * ceilingUsd(0);
    await budget(cap);
    // Every reservation is taken before the first embedding answers: each ingestion's is held by
    // its queued chunk until the drain that embeds it records the call.
    fake.setDefault("embeddings", { latencyMs: 1500 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => ingest({ documents: [doc(i)] })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 202).length, 12, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 38, "the rest refused, never a 500");
    const [embedded] = await sql`select count(*)::int as n, count(embedding)::int as with_vector
      from public.documents where company_id = ${tenant.slug}`;
    assert.deepEqual(
      { ...embedded },
      { n: 12, with_vector: 12 },
      "the 12 admitted are embedded, nothing else stored",
    );
    // A drain embeds every due chunk of the company in one request: at most one per ingestion.
    const rows = await ledger();
    assert.ok(rows.length >= 1 && rows.length <= 12 && embeddingRequests(fake) === rows.length);
    const spent = rows.reduce((sum, r) => sum + (r.cost as number), 0);
    const [month] =
      await sql`select spent_usd::float8 as spent from public.budget_months where company_id = ${tenant.id}`;
    assert.ok(Math.abs(month.spent - spent) < 1e-12);
    assert.ok(month.spent <= cap);
    const held =
      await sql`select count(*)::int as n from private.budget_reservations where company_id = ${tenant.id}`;
    assert.equal(held[0].n, 0, "every reservation released by its ledger rows");
  },
);

ledgerTest(
  "budget: the month is the company's time zone; last month's spending does not count, next month starts afresh",
  async ({ ingest, sql, tenant, budget }) => {
    await sql`update public.companies set time_zone = 'Pacific/Kiritimati' where id = ${tenant.id}`;
    await budget(1.5 * ceilingUsd(0));
    const [{ month }] = await sql`select private.budget_month(${tenant.id}, now())::text as month`;
    await sql`insert into public.budget_months (company_id, month, spent_usd)
      values (${tenant.id}, ${month}::date - interval '1 month', 1)`;
    assert.equal((await ingest({ documents: [doc(0)] })).status, 202, "last month at its cap does not count");
    await sql`update public.budget_months set spent_usd = 1 where company_id = ${tenant.id} and month = ${month}::date`;
    assert.equal((await ingest({ documents: [doc(1)] })).status, 429);
    const ceiling = [{ provider: "openai", model: "text-embedding-3-small", max_input_tokens: 1 }];
    const [edge] = await sql`
      select (private.budget_reserve(${tenant.id}, ${
      sql.json(ceiling)
    }, b.at - interval '1 second') ->> 'allowed')::bool as before,
        (private.budget_reserve(${tenant.id}, ${sql.json(ceiling)}, b.at) ->> 'allowed')::bool as after
      from (select (${month}::date + interval '1 month')::timestamp at time zone 'Pacific/Kiritimati' as at) b`;
    assert.deepEqual({ ...edge }, { before: false, after: true });
  },
);

ledgerTest(
  "ledger: search's query embedding and Cohere rerank are rows of product ingest (hit testing), recorded when it answers",
  async ({ ingest, search, ledger }) => {
    assert.equal((await ingest({ documents: [doc(0), doc(1)] })).status, 202);
    const res = await search("Combien d'e-mails dans la séquence de bienvenue ?");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(SearchResponse.parse(res.body).rerank, "cohere");
    const [embedding, rerank] = (await ledger()).slice(1);
    assert.deepEqual([embedding.product, embedding.kind, embedding.provider, embedding.cost_source], [
      "ingest",
      "embedding",
      "openai",
      "price_table",
    ]);
    assert.ok((embedding.prompt_tokens as number) > 0);
    assert.deepEqual(
      [
        rerank.product,
        rerank.kind,
        rerank.provider,
        rerank.model_answered,
        rerank.search_units,
        rerank.cost_source,
      ],
      ["ingest", "rerank", "cohere", "rerank-multilingual-v3.0", 1, "price_table"],
    );
    assert.ok(Math.abs((rerank.cost as number) - 0.002) < 1e-12);
  },
);
