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
  assert.equal(ingested.status, 200, await ingested.text());
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
      2000,
      "the realtime event in the page",
    );
    assert.equal(event.title, "Commande navigateur");
    assert.equal(event.company_id, tenant.id);
    assert.deepEqual(refused, []);
    await page.close();
  },
);
