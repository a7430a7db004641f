// The embedding queue under attack, through the ingest handler and the worker with the real SDKs
// against the fake providers, on Postgres: POST /ingest/drain takes the secret key only and a
// misspelt key in its body is refused (it would have drained every company's queue, and with
// retry_dead revived every company's dead letters); a drain's later company, whose lease lapsed
// while the earlier ones were embedded and which another drain took, is not paid for twice.
import assert from "node:assert/strict";
import postgres from "postgres";
import { createDb } from "../../functions/_shared/db.ts";
import { createEmbeddingWorker } from "../../functions/_shared/knowledge/embedding_queue.ts";
import { ingestDocuments } from "../../functions/_shared/knowledge/ingest.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler as createIngest } from "../../functions/ingest/handler.ts";
import { ErrorBody } from "../../types/api.ts";
import { startFakeProviders } from "../support/fake_providers.ts";
import { asServer, asUser, asVisitor, stack, stackAuthenticator } from "../support/stack.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

Deno.test({
  name:
    "drain: the secret key only; a misspelt key is refused rather than widening the drain to every company",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-drain-attack");
    const fake = await startFakeProviders();
    const db = createDb(stack.dbUrl, { max: 4 });
    try {
      const providers = createProviders(readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0" }));
      const ingest = createIngest({ db, auth: await stackAuthenticator(), embedder: providers.embedder });
      const drain = async (headers: Record<string, string>, body: string) => {
        const res = await ingest(
          new Request("http://x/ingest/drain", {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          }),
        );
        return { status: res.status, body: await res.json() };
      };
      const own = JSON.stringify({ company_id: tenant.id });

      const visitor = await drain(asVisitor(), own);
      assert.equal(visitor.status, 401, JSON.stringify(visitor.body));
      assert.equal(ErrorBody.parse(visitor.body).error.code, "unauthorized");
      const admin = await drain(await asUser(tenant.users.admin), own);
      assert.equal(admin.status, 401, "an admin's session does not drain, even its own company");
      assert.equal(ErrorBody.parse(admin.body).error.code, "unauthorized");

      const misspelt = await drain(asServer(), JSON.stringify({ company: tenant.id, retry_dead: true }));
      assert.equal(misspelt.status, 400, JSON.stringify(misspelt.body));
      const error = ErrorBody.parse(misspelt.body).error;
      assert.equal(error.code, "invalid_request");
      assert.match(error.message, /company/);
      const notJson = await drain(asServer(), "{");
      assert.equal(notJson.status, 400);
      assert.equal(ErrorBody.parse(notJson.body).error.code, "invalid_json");
      const wrongType = await drain(asServer(), JSON.stringify({ company_id: tenant.id, retry_dead: "yes" }));
      assert.equal(wrongType.status, 400);
      assert.equal(ErrorBody.parse(wrongType.body).error.code, "invalid_request");

      const ok = await drain(asServer(), own);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    } finally {
      await db.end();
      await fake.close();
      await tenant.drop();
    }
  },
});

Deno.test({
  name:
    "drain: a company whose lease lapsed while an earlier company was embedded, and that another drain took, is embedded once",
  ignore: !stack.available,
  async fn() {
    const tenants = await Promise.all([
      createTestTenant(stack.dbUrl, "test-lease-attack"),
      createTestTenant(stack.dbUrl, "test-lease-attack"),
    ]);
    // A claim hands out its jobs ordered by company: `first` is embedded first.
    const [first, second] = tenants.toSorted((a, b) => a.id < b.id ? -1 : 1);
    const fake = await startFakeProviders();
    const db = createDb(stack.dbUrl, { max: 6 });
    const sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
    try {
      const { embedder } = createProviders(readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0" }));
      for (const tenant of tenants) {
        await ingestDocuments({ db, embedder }, {
          company: { id: tenant.id, slug: tenant.slug },
          documents: [{ source: "tarifs.md", content: `Les tarifs de ${tenant.slug}.` }],
          embed: "queue",
        });
      }
      // Each call outlasts the lease: the second company's lapses while the first's is embedded.
      fake.setDefault("embeddings", { latencyMs: 1500 });
      const worker = () => createEmbeddingWorker({ db, embedder, leaseSeconds: 1 });
      const everyCompany = worker().drain({ budgetMs: 100 });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const secondOnly = worker().drain({ company: second.id, budgetMs: 100 });
      await Promise.all([everyCompany, secondOnly]);

      const inputs = fake.requests.filter((r) => r.route === "embeddings").flatMap((r) =>
        r.body!.input as string[]
      );
      const sent = (tenant: { slug: string }) => inputs.filter((text) => text.includes(tenant.slug)).length;
      assert.equal(sent(first), 1, "the first company's chunk is embedded once");
      assert.equal(
        sent(second),
        1,
        "the second company's chunk is embedded once, by the drain that holds it",
      );
      const [row] = await sql<{ n: number }[]>`
        select count(embedding)::int as n from public.documents where company_id in (${first.slug}, ${second.slug})`;
      assert.equal(row.n, 2, "both chunks have their vector");
    } finally {
      await sql.end();
      await db.end();
      await fake.close();
      await Promise.all(tenants.map((t) => t.drop()));
    }
  },
});
