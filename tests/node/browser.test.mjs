// The real browser: Debian's Chromium, headless, driven by playwright-core, loads the stack's
// example page from http://localhost:<port> and calls the API at http://127.0.0.1:<port>: two
// origins, so sign-in, functions.invoke, from() and the realtime socket all go through CORS
// preflights as a deployed frontend's do (what Node tests cannot see). Every request the browser
// refuses or fails is collected and must be none.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createTenant, eventually, PASSWORD, publishableKey, secretKey, skip, sql, url } from "./support.mjs";

const CHROMIUM = "/usr/bin/chromium";
// Flags this machine needs (closed network: no background connections); see /work/.library/env.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser, profile, tenant;
before(async () => {
  if (skip) return;
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: npm test installs Debian's chromium (scripts/local/install.sh)`,
  );
  profile = mkdtempSync(join(tmpdir(), "comptoir-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  tenant = createTenant("browser");
  const ingested = await fetch(`${url}/functions/v1/ingest`, {
    method: "POST",
    headers: { apikey: secretKey, "content-type": "application/json" },
    body: JSON.stringify({
      company_id: tenant.slug,
      documents: [{ source: "kajabi.md", content: "Kajabi envoie les e-mails de bienvenue." }],
    }),
  });
  // 202: the chunk is stored and its embedding queued, done right after the answer (docs/INGEST.md).
  assert.equal(ingested.status, 202, await ingested.text());
  await eventually(
    async () => sql(`select count(*) from public.embedding_jobs where company_id = '${tenant.id}'`)[0] === "0" || undefined,
    10_000,
    "the chunk's embedding",
  );
});
after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  tenant?.drop();
});

test(
  "Chromium signs in, invokes functions, reads with from() and receives a realtime event, across origins",
  { skip },
  async () => {
    const page = await browser.newPage();
    const refused = [];
    page.on(
      "requestfailed",
      (request) => refused.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on("console", (message) => {
      if (message.type() === "error") refused.push(`console: ${message.text()}`);
    });
    const api = url; // http://127.0.0.1:<port>
    const pageOrigin = api.replace("127.0.0.1", "localhost");
    const query = new URLSearchParams({
      api,
      key: publishableKey,
      email: tenant.people.owner.email,
      password: PASSWORD,
    });
    await page.goto(`${pageOrigin}/_local/examples/browser/?${query}`);

    const results = () => page.evaluate(() => globalThis.results);
    const ready = await eventually(
      async () => {
        const r = await results();
        return r.errors.length > 0 || r.steps.channel ? r : undefined;
      },
      10_000,
      "the page's steps",
    );
    assert.deepEqual(ready.errors, []);
    assert.deepEqual(ready.steps, {
      signedIn: tenant.people.owner.email,
      health: "healthy",
      search: 1,
      activities: 0,
      companyId: tenant.id,
      channel: "SUBSCRIBED",
    });

    sql(`select public.log_activity('${tenant.slug}', 'order.created', 'Commande navigateur')`);
    const event = await eventually(
      async () => (await results()).events[0],
      15_000,
      "the realtime event in the page",
    );
    assert.equal(event.title, "Commande navigateur");
    assert.equal(event.company_id, tenant.id);
    assert.deepEqual(refused, []);
    await page.close();
  },
);

test(
  "Chromium uploads a file with supabase.storage and downloads it back, across origins, under the bucket's policy",
  { skip },
  async () => {
    const bucket = `browser-${tenant.slug}`;
    const own = `bucket_id = '${bucket}' and (storage.foldername(name))[1] = (select auth.uid()::text)`;
    sql(`insert into storage.buckets (id, name) values ('${bucket}', '${bucket}');
      create policy "${bucket}_insert" on storage.objects for insert to authenticated with check (${own});
      create policy "${bucket}_select" on storage.objects for select to authenticated using (${own});`);
    const page = await browser.newPage();
    const refused = [];
    page.on(
      "requestfailed",
      (request) => refused.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    );
    try {
      // The example page for its supabase-js browser build only: with an empty `api` its own steps stop.
      await page.goto(`${url.replace("127.0.0.1", "localhost")}/_local/examples/browser/?api=`);
      const result = await page.evaluate(async ({ api, key, email, password, bucket }) => {
        const client = globalThis.supabase.createClient(api, key, { auth: { persistSession: false } });
        const { data: signedIn, error } = await client.auth.signInWithPassword({ email, password });
        if (error) return { error: error.message };
        const name = `${signedIn.user.id}/hello.txt`;
        const files = client.storage.from(bucket);
        const uploaded = await files.upload(
          name,
          new Blob(["bonjour du navigateur"], { type: "text/plain" }),
        );
        const downloaded = await files.download(name);
        const elsewhere = await files.upload("elsewhere/hello.txt", new Blob(["x"]));
        return {
          uploaded: uploaded.data?.fullPath ?? uploaded.error?.message,
          text: downloaded.data ? await downloaded.data.text() : downloaded.error?.message,
          elsewhere: elsewhere.error?.statusCode,
        };
      }, { api: url, key: publishableKey, email: tenant.people.owner.email, password: PASSWORD, bucket });
      assert.deepEqual(result, {
        uploaded: `${bucket}/${tenant.people.owner.id}/hello.txt`,
        text: "bonjour du navigateur",
        elsewhere: "403",
      });
      assert.deepEqual(refused, []);
    } finally {
      await page.close();
      await fetch(`${url}/storage/v1/bucket/${bucket}/empty`, {
        method: "POST",
        headers: { apikey: secretKey },
      });
      await fetch(`${url}/storage/v1/bucket/${bucket}`, { method: "DELETE", headers: { apikey: secretKey } });
      sql(
        `drop policy "${bucket}_insert" on storage.objects; drop policy "${bucket}_select" on storage.objects;`,
      );
    }
  },
);
