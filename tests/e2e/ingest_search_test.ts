// End to end, as an admin app calls them: supabase-js functions.invoke('ingest' | 'search')
// → the functions server (gateway with verify_jwt) → Postgres, on a throw-away company.
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { ErrorBody, INGEST_MAX_BODY_BYTES, IngestResponse, SearchResponse } from "../../types/api.ts";
import { asServer, asUser, asVisitor, stack } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";
import { embeddingsSettled } from "../fixtures/knowledge/queue.ts";

const supabase = () => createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });

/** An invoke with the caller's credentials (a user's session, or the secret key in `apikey`). */
function invoke(name: string, body: unknown, credentials: Record<string, string>) {
  return supabase().functions.invoke(name, { body: body as Record<string, unknown>, headers: credentials });
}

/** The status and contract error of a refused call. */
async function refusal(call: Promise<{ error: unknown }>) {
  const { error } = await call;
  assert.ok(error instanceof FunctionsHttpError, `expected an HTTP error, got ${error}`);
  return { status: error.context.status as number, error: ErrorBody.parse(await error.context.json()).error };
}

const documents = [
  {
    source: "guides/sequence-bienvenue.md",
    title: "Séquence de bienvenue",
    agent: "audrey",
    content:
      "# Séquence de bienvenue\n\nCinq e-mails sur dix jours : le cadeau, votre histoire, un conseil, un témoignage, une offre.",
  },
  {
    source: "guides/reels.md",
    agent: "carole",
    content: "# Reels\n\nUn reel Instagram efficace dure entre 7 et 15 secondes, avec des sous-titres.",
  },
];

function e2e(name: string, fn: (tenant: TestTenant) => Promise<void>) {
  Deno.test({
    name,
    ignore: !stack.available,
    async fn() {
      const tenant = await createTestTenant(stack.dbUrl, "test-e2e-kb", ["audrey", "carole"]);
      try {
        await fn(tenant);
      } finally {
        await embeddingsSettled(stack.dbUrl, tenant.id);
        await tenant.drop();
      }
    },
  });
}

e2e(
  "functions.invoke('ingest') then ('search') returns the ingested passage first; re-ingesting changes nothing",
  async (tenant) => {
    const owner = await asUser(tenant.users.owner);
    const ingested = await invoke("ingest", { company_id: tenant.slug, documents }, owner);
    assert.equal(ingested.error, null, String(ingested.error));
    const first = IngestResponse.parse(ingested.data);
    assert.deepEqual(first.chunks, { new: 2, unchanged: 0, replaced: 0, deleted: 0 });
    assert.deepEqual(first.embedding, { pending: 2, dead: 0 }, "answered before the embeddings");
    assert.deepEqual(await embeddingsSettled(stack.dbUrl, tenant.id), { pending: 0, dead: 0 });

    const found = await invoke("search", {
      company_id: tenant.id,
      query: "Combien d'e-mails dans une séquence de bienvenue ?",
    }, asServer());
    assert.equal(found.error, null, String(found.error));
    const search = SearchResponse.parse(found.data);
    assert.equal(search.passages[0].source, "guides/sequence-bienvenue.md");
    assert.equal(search.passages[0].agent_owner, "audrey");
    assert.match(search.passages[0].content, /^Séquence de bienvenue\n\nCinq e-mails/);
    assert.equal(search.rerank, "skipped: not configured");

    const again = IngestResponse.parse(
      (await invoke("ingest", { company_id: tenant.id, documents }, asServer())).data,
    );
    assert.deepEqual(again.chunks, { new: 0, unchanged: 2, replaced: 0, deleted: 0 });
    assert.deepEqual(again.embedding, { pending: 0, dead: 0 });

    const gone = IngestResponse.parse(
      (await invoke("ingest", { company_id: tenant.slug, delete_sources: ["guides/reels.md"] }, owner)).data,
    );
    assert.equal(gone.chunks.deleted, 1);
    const reels = SearchResponse.parse(
      (await invoke("search", { company_id: tenant.slug, query: "reel Instagram", agent: "carole" }, owner))
        .data,
    );
    assert.deepEqual(reels.passages, []);
  },
);

e2e(
  "ingest and search refuse members, other companies' owners and the anon key, in the error contract",
  async (tenant) => {
    const other = await createTestTenant(stack.dbUrl, "test-e2e-kb");
    try {
      const member = await asUser(tenant.users.member);
      const stranger = await asUser(other.users.owner);
      for (const token of [member, stranger, asVisitor()]) {
        for (
          const [name, body] of [["ingest", { company_id: tenant.slug, documents }], ["search", {
            company_id: tenant.slug,
            query: "reel",
          }]] as const
        ) {
          const { status, error } = await refusal(invoke(name, body, token));
          assert.equal(status, 403);
          assert.equal(error.code, "forbidden");
          assert.equal(
            error.message,
            `${name}: requires the service role or an admin of company ${tenant.slug}`,
          );
        }
      }
      const unknown = await refusal(
        invoke("ingest", { company_id: "no-such-company-e2e", documents }, asServer()),
      );
      assert.deepEqual([unknown.status, unknown.error.code], [404, "not_found"]);
      const noToken = await fetch(`${stack.apiUrl}/functions/v1/ingest`, { method: "POST", body: "{}" });
      assert.equal(noToken.status, 401);
      assert.equal(ErrorBody.parse(await noToken.json()).error.code, "unauthorized");
    } finally {
      await other.drop();
    }
  },
);

e2e(
  "malformed JSON, wrong types and an oversize body are 400 / 413 in the error contract",
  async (tenant) => {
    const url = `${stack.apiUrl}/functions/v1/ingest`;
    const headers = { ...asServer(), "Content-Type": "application/json" };
    const send = async (body: string) => {
      const res = await fetch(url, { method: "POST", headers, body });
      return { status: res.status, error: ErrorBody.parse(await res.json()).error };
    };
    const malformed = await send("{nope");
    assert.deepEqual([malformed.status, malformed.error.code], [400, "invalid_json"]);
    const wrong = await send(
      JSON.stringify({ company_id: tenant.slug, documents: [{ content: 42, source: "a" }] }),
    );
    assert.deepEqual([wrong.status, wrong.error.code], [400, "invalid_request"]);
    assert.ok(Array.isArray((wrong.error.details as { issues: unknown[] }).issues));
    const nameless = await send(
      JSON.stringify({ company_id: tenant.slug, documents: [{ content: "Du texte." }] }),
    );
    assert.deepEqual([nameless.status, nameless.error.message], [
      400,
      "ingest: document 0 has neither source nor title",
    ]);
    const big = JSON.stringify({
      company_id: tenant.slug,
      documents: [{ source: "a", content: "é".repeat(INGEST_MAX_BODY_BYTES / 2) }],
    });
    const tooLarge = await send(big);
    assert.deepEqual([tooLarge.status, tooLarge.error.code], [413, "payload_too_large"]);
  },
);
