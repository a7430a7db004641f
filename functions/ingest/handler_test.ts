import assert from "node:assert/strict";
import { createDb } from "../_shared/db.ts";
import { createOfflineEmbedder } from "../_shared/providers/offline.ts";
import { ErrorBody, INGEST_MAX_BODY_BYTES, INGEST_MAX_CHUNKS, IngestResponse } from "../../types/api.ts";
import { asServer, asUser, asVisitor, stack, stackAuthenticator } from "../../tests/support/stack.ts";
import { createTestTenant } from "../../tests/fixtures/knowledge/tenant.ts";
import { createHandler } from "./handler.ts";

// Connections are lazy: the tests that never reach the database run without the stack.
const db = createDb(stack.dbUrl || "postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 2 });
/** What the handler left running after its answers (the embedding queue's drain). */
const afterAnswers: Promise<unknown>[] = [];
const handler = createHandler({
  db,
  auth: await stackAuthenticator(),
  embedder: createOfflineEmbedder(),
  waitUntil: (work) => void afterAnswers.push(work),
});
const settle = () => Promise.all(afterAnswers.splice(0));

async function post(body: unknown, credentials?: Record<string, string>, init: RequestInit = {}) {
  const res = await handler(
    new Request("http://x/ingest", {
      method: "POST",
      headers: { "content-type": "application/json", ...credentials },
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    }),
  );
  return { status: res.status, body: await res.json() };
}

const service = () => Promise.resolve(asServer());
const user = (sub: string) => asUser(sub);
const doc = {
  source: "faq.md",
  content: "# FAQ\n\n## Délais\n\nUn tunnel de vente est livré en trois semaines.",
};

async function refusal(status: number, code: string, call: Promise<{ status: number; body: unknown }>) {
  const res = await call;
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(ErrorBody.parse(res.body).error.code, code);
  return ErrorBody.parse(res.body).error;
}

Deno.test("ingest handler: no token 401; malformed JSON, wrong types and oversize bodies in the error contract", async () => {
  await refusal(401, "unauthorized", post({ company_id: "x", documents: [] }));
  const token = await service();
  await refusal(400, "invalid_json", post("{not json", token));
  const wrong = await refusal(
    400,
    "invalid_request",
    post({ company_id: "x", documents: [{ content: 3 }] }, token),
  );
  assert.match(wrong.message, /documents\.0\.content/);
  await refusal(400, "invalid_request", post({ company_id: "Not A Slug!", documents: [] }, token));
  const big = JSON.stringify({
    company_id: "x",
    documents: [{ source: "a", content: "x".repeat(INGEST_MAX_BODY_BYTES) }],
  });
  const tooLarge = await refusal(413, "payload_too_large", post(big, token));
  assert.match(tooLarge.message, /524288 bytes/);
  await refusal(405, "method_not_allowed", post(undefined, token, { method: "GET", body: undefined }));
});

Deno.test({
  name:
    "ingest handler: owner and admin ingest; member, other company and anon 403; unknown company 404 for the service",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl);
    const other = await createTestTenant(stack.dbUrl);
    try {
      const first = await post({ company_id: tenant.slug, documents: [doc] }, await user(tenant.users.owner));
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.deepEqual(IngestResponse.parse(first.body).chunks, {
        new: 1,
        unchanged: 0,
        replaced: 0,
        deleted: 0,
      });
      assert.deepEqual(IngestResponse.parse(first.body).embedding, { pending: 1, dead: 0 });
      await settle();
      const again = await post({ company_id: tenant.id, documents: [doc] }, await user(tenant.users.admin));
      assert.deepEqual(IngestResponse.parse(again.body).chunks, {
        new: 0,
        unchanged: 1,
        replaced: 0,
        deleted: 0,
      });
      assert.equal(again.status, 200, "nothing waits for an embedding");
      assert.deepEqual(IngestResponse.parse(again.body).embedding, { pending: 0, dead: 0 });

      for (const token of [await user(tenant.users.member), await user(other.users.owner), asVisitor()]) {
        const error = await refusal(
          403,
          "forbidden",
          post({ company_id: tenant.slug, documents: [doc] }, token),
        );
        assert.equal(
          error.message,
          `ingest: requires the service role or an admin of company ${tenant.slug}`,
        );
      }
      await refusal(
        404,
        "not_found",
        post({ company_id: "no-such-company", documents: [doc] }, await service()),
      );
      const empty = await refusal(
        400,
        "invalid_request",
        post({ company_id: tenant.slug, documents: [{ source: "a", content: "" }] }, await service()),
      );
      assert.equal(empty.message, "ingest: document 0 is empty");
      // An agent the company does not have (tenant has none): refused before anything is embedded.
      const typo = await refusal(
        400,
        "invalid_request",
        post(
          { company_id: tenant.slug, documents: [doc, { ...doc, source: "b.md", agent: "audrye" }] },
          await service(),
        ),
      );
      assert.equal(
        typo.message,
        `ingest: document 1 is for agent "audrye", which ${tenant.slug} does not have; its agents: none yet (or "shared" for all of them)`,
      );
      assert.deepEqual(typo.details, { agent: "audrye", agents: ["shared"] });

      const deleted = await post({ company_id: tenant.slug, delete_sources: ["faq.md"] }, await service());
      assert.deepEqual(IngestResponse.parse(deleted.body).chunks, {
        new: 0,
        unchanged: 0,
        replaced: 0,
        deleted: 1,
      });
    } finally {
      await settle();
      await tenant.drop();
      await other.drop();
    }
  },
});

Deno.test({
  name:
    "ingest handler: documents that chunk into more than the request's chunk limit are a 413, nothing embedded",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl);
    try {
      // Tiny sections: a small body, many chunks (what the chunk limit exists for).
      const content = Array.from({ length: INGEST_MAX_CHUNKS + 1 }, (_, i) => `# Section ${i}\n\nTexte ${i}.`)
        .join("\n\n");
      const error = await refusal(
        413,
        "payload_too_large",
        post({ company_id: tenant.slug, documents: [{ source: "tiny.md", content }] }, await service()),
      );
      assert.match(
        error.message,
        new RegExp(`make ${INGEST_MAX_CHUNKS + 1} chunks, more than the ${INGEST_MAX_CHUNKS}`),
      );
    } finally {
      await tenant.drop();
    }
  },
});

Deno.test({ name: "ingest handler: close the pool", fn: () => db.end() });
