// Knowledge documents from files, end to end as a Lovable app does it: an admin uploads to the
// `knowledge` bucket with supabase-js's storage client (the local Storage stand-in, RLS deciding),
// the upload's own transaction queues the file, `ingest/files` processes the queue (download,
// extraction, chunks, embeddings), members read each file's state in `knowledge_files`, and
// `search` finds the text; a scan is refused with its reason, a removal takes its chunks away.
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { IngestFilesResponse, SearchResponse } from "../../types/api.ts";
import { mintJwt, stack } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";
import { scannedPdf, textDocx, textPdf } from "../fixtures/knowledge/files.ts";

const ignore = !stack.available;

/** supabase-js as the app of a signed-in user (its session minted as the stack's Auth signs). */
async function appOf(userId: string) {
  const token = await mintJwt({ sub: userId, role: "authenticated" });
  return createClient(stack.apiUrl, stack.publishableKey, {
    accessToken: () => Promise.resolve(token),
  });
}

async function withTenant(fn: (tenant: TestTenant) => Promise<void>) {
  const tenant = await createTestTenant(stack.dbUrl, "test-files");
  try {
    await fn(tenant);
  } finally {
    await tenant.drop();
  }
}

Deno.test({
  name:
    "knowledge files: an admin's PDF and DOCX uploads are queued by the upload itself, processed by ingest/files, ready with their chunks, and searchable; members read the states",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      const admin = await appOf(tenant.users.admin);
      const member = await appOf(tenant.users.member);
      const pdf = await textPdf(3, { headings: ["Tarifs de l'atelier", "Délais de livraison", "Garantie"] });
      const docx = await textDocx(2);
      for (const [name, bytes, type] of [
        ["shared/tarifs.pdf", pdf, "application/pdf"],
        ["shared/guide.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
      ] as const) {
        const { error } = await admin.storage.from("knowledge").upload(`${tenant.id}/${name}`, bytes, { contentType: type });
        assert.equal(error, null, `${name}: ${error?.message}`);
      }
      // A member may read the bucket but not write it: refused by RLS, nothing queued.
      const refused = await member.storage.from("knowledge").upload(`${tenant.id}/shared/membre.pdf`, pdf, {
        contentType: "application/pdf",
      });
      assert.ok(refused.error, "a member's upload is refused");

      const queued = await member.from("knowledge_files").select("source, status").order("source");
      assert.deepEqual(queued.data, [
        { source: "shared/guide.docx", status: "queued" },
        { source: "shared/tarifs.pdf", status: "queued" },
      ]);

      const { data, error } = await admin.functions.invoke("ingest/files", { body: { company_id: tenant.slug } });
      assert.equal(error, null);
      assert.deepEqual(IngestFilesResponse.parse(data), { ready: 2, deleted: 0, failed: 0, retried: 0 });
      const states = await member.from("knowledge_files").select("source, status, chunks, error").order("source");
      assert.deepEqual(states.data!.map((f) => [f.source, f.status, f.error]), [
        ["shared/guide.docx", "ready", null],
        ["shared/tarifs.pdf", "ready", null],
      ]);
      assert.ok(states.data!.every((f) => f.chunks > 0), "each with its chunk count");

      const found = await admin.functions.invoke("search", {
        body: { company_id: tenant.slug, query: "Délais de livraison", count: 3 },
      });
      const passages = SearchResponse.parse(found.data).passages;
      assert.ok(passages.some((p) => p.source === "shared/tarifs.pdf"), JSON.stringify(passages.map((p) => p.source)));
    });
  },
});

Deno.test({
  name:
    "knowledge files: a scan is failed with its reason (never an empty document); a removed file's chunks are deleted; another company's admin cannot upload into this folder",
  ignore,
  async fn() {
    await withTenant(async (tenant) => {
      const admin = await appOf(tenant.users.admin);
      await admin.storage.from("knowledge").upload(`${tenant.id}/shared/scan.pdf`, await scannedPdf(2), {
        contentType: "application/pdf",
      });
      await admin.storage.from("knowledge").upload(`${tenant.id}/shared/tarifs.pdf`, await textPdf(2), {
        contentType: "application/pdf",
      });
      const first = await admin.functions.invoke("ingest/files", { body: { company_id: tenant.slug } });
      assert.deepEqual(first.data, { ready: 1, deleted: 0, failed: 1, retried: 0 });
      const { data: scan } = await admin.from("knowledge_files").select("status, error").eq("source", "shared/scan.pdf").single();
      assert.equal(scan!.status, "failed");
      assert.match(scan!.error!, /text layer/);
      const [{ n: stored }] = await tenantDocs(tenant, "shared/scan.pdf");
      assert.equal(stored, 0, "nothing stored for the scan");

      assert.ok((await tenantDocs(tenant, "shared/tarifs.pdf"))[0].n > 0);
      const removed = await admin.storage.from("knowledge").remove([`${tenant.id}/shared/tarifs.pdf`]);
      assert.equal(removed.error, null);
      const second = await admin.functions.invoke("ingest/files", { body: { company_id: tenant.slug } });
      assert.deepEqual(second.data, { ready: 0, deleted: 1, failed: 0, retried: 0 });
      assert.equal((await tenantDocs(tenant, "shared/tarifs.pdf"))[0].n, 0, "its chunks are gone");

      // Another company's admin: its upload into this company's folder is refused, nothing queued.
      const other = await createTestTenant(stack.dbUrl, "test-files");
      try {
        const intruder = await appOf(other.users.admin);
        const { error } = await intruder.storage.from("knowledge").upload(`${tenant.id}/shared/intrus.pdf`,
          await textPdf(1), { contentType: "application/pdf" });
        assert.ok(error);
        const { data: files } = await admin.from("knowledge_files").select("source").eq("source", "shared/intrus.pdf");
        assert.deepEqual(files, []);
      } finally {
        await other.drop();
      }
    });
  },
});

async function tenantDocs(tenant: TestTenant, source: string) {
  const { createDb } = await import("../../functions/_shared/db.ts");
  const db = createDb(stack.dbUrl, { max: 1 });
  try {
    return await db.sql<{ n: number }[]>`
      select count(*)::int as n from public.documents where company_id = ${tenant.slug} and source = ${source}`;
  } finally {
    await db.end();
  }
}
