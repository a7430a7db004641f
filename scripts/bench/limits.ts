/**
 * The platform's per-request limits, measured: Edge Functions stop a request past 2 s of CPU or
 * 256 MB of memory, and refuse to deploy a function bundle past 20 MB. For `ingest` at its
 * request limits (the most documents, the largest document, the largest body), each request is
 * served in a fresh worker-like process that first serves a small warm-up request; the
 * function's own CPU time (the process's user + system time, from its own accounting) and its
 * peak memory (peak RSS growth over the warmed-up process, from /proc/self/status VmHWM; and the
 * V8 heap + external memory, sampled) are reported. The embedding provider is the fake server
 * (zero latency, real `openai` SDK, float vectors) in a process of its own, Postgres the bench
 * cluster: neither is charged to the function. Then each function's bundle, as
 * `supabase functions deploy` would ship it, is measured with `deno bundle`.
 *
 *   deno run -A scripts/bench/limits.ts --db <url> --out bench/results/limits.json
 */
import { parseArgs } from "node:util";
import { readFirstLine } from "./processes.ts";
import { dirname, join } from "node:path";
import process from "node:process";
import { createDb } from "../../functions/_shared/db.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler as createIngest } from "../../functions/ingest/handler.ts";
import {
  INGEST_MAX_BODY_BYTES,
  INGEST_MAX_CHUNKS,
  INGEST_MAX_DOCUMENT_CHARS,
  INGEST_MAX_DOCUMENTS,
} from "../../types/api.ts";
import { startFakeProviders } from "../../tests/support/fake_providers.ts";
import { asServer, stackAuthenticator } from "../../tests/support/stack.ts";
import { createTestTenant } from "../../tests/fixtures/knowledge/tenant.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/limits.json" },
    "serve-fakes": { type: "boolean", default: false },
    measure: { type: "string" },
    fakes: { type: "string" },
  },
});

const root = join(import.meta.dirname!, "../..");
const LIMITS = { cpu_ms: 2000, memory_mb: 256, bundle_mb: 20 };

/** Markdown that chunks like real documentation: headings, paragraphs of distinct sentences. */
function markdown(chars: number, seed: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let section = 0; size < chars; section++) {
    const heading = `## Partie ${seed}.${section} : automatisation des e-mails et tunnels de vente\n\n`;
    parts.push(heading);
    size += heading.length;
    for (let p = 0; p < 3 && size < chars; p++) {
      const paragraph = Array.from(
        { length: 6 },
        (_, s) =>
          `Étape ${seed}-${section}-${p}-${s} : Kajabi envoie la séquence numéro ${
            section * 7 + s
          } aux inscrits.`,
      ).join(" ") + "\n\n";
      parts.push(paragraph);
      size += paragraph.length;
    }
  }
  return `# Guide ${seed}\n\n${parts.join("")}`.slice(0, chars);
}

/** The largest body `build(chars)` makes within the body limit (UTF-8 bytes, not characters). */
function fill(build: (chars: number) => string, chars: number): string {
  for (let scale = 1;; scale *= 0.98) {
    const body = build(Math.floor(chars * scale));
    if (new TextEncoder().encode(body).length <= INGEST_MAX_BODY_BYTES) return body;
  }
}

/** The request bodies at the limits of `types/api.ts`. */
function cases(): Record<string, (company: string) => string> {
  const perDoc = Math.floor(INGEST_MAX_BODY_BYTES / INGEST_MAX_DOCUMENTS);
  return {
    [`${INGEST_MAX_DOCUMENTS} documents filling the body (the most documents)`]: (company) =>
      fill((chars) =>
        JSON.stringify({
          company_id: company,
          documents: Array.from({ length: INGEST_MAX_DOCUMENTS }, (_, i) => ({
            source: `many/${i}.md`,
            content: markdown(chars, i),
          })),
        }), perDoc),
    [`1 document filling the body (the largest document, ${INGEST_MAX_DOCUMENT_CHARS} characters at most)`]: (
      company,
    ) =>
      fill((chars) =>
        JSON.stringify({
          company_id: company,
          documents: [{
            source: "one/large.md",
            content: markdown(Math.min(chars, INGEST_MAX_DOCUMENT_CHARS), 1),
          }],
        }), INGEST_MAX_BODY_BYTES),
    [`${INGEST_MAX_CHUNKS} chunks of small sections (the most chunks)`]: (company) =>
      JSON.stringify({
        company_id: company,
        documents: [{
          source: "tiny/sections.md",
          content: Array.from(
            { length: INGEST_MAX_CHUNKS },
            (_, i) =>
              `## Section ${i}\n\nKajabi envoie la séquence numéro ${i} aux inscrits du tunnel ${i % 17}.`,
          ).join("\n\n"),
        }],
      }),
  };
}

function peakRssKb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]);
}

/** Child: one warm-up request, then the measured one, in this process only. */
async function measure(name: string, fakesEnv: Record<string, string>) {
  const db = createDb(args.db!, { max: 4 });
  const providers = createProviders(readProviderConfig({ ...fakesEnv, PROVIDER_MAX_RETRIES: "0" }));
  const handler = createIngest({ db, auth: await stackAuthenticator(), embedder: providers.embedder });
  const tenant = await createTestTenant(args.db!, "bench-limits");
  const send = async (body: string) => {
    const res = await handler(
      new Request("http://x/ingest", {
        method: "POST",
        headers: { "content-type": "application/json", ...asServer() },
        body,
      }),
    );
    const text = await res.text();
    if (res.status !== 200) throw new Error(`limits: ${name} answered ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  try {
    await send(
      JSON.stringify({
        company_id: tenant.slug,
        documents: [{ source: "warm.md", content: markdown(4000, 0) }],
      }),
    );
    const body = cases()[name](tenant.slug);
    // Reset the peak-RSS counter, then sample the V8 heap while the request runs.
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    const base = Deno.memoryUsage();
    const baseRss = peakRssKb();
    let heapPeak = base.heapUsed + base.external;
    const sampler = setInterval(() => {
      const m = Deno.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed + m.external);
    }, 1);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await send(body);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    const m = Deno.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed + m.external);
    console.log(JSON.stringify({
      case: name,
      body_bytes: new TextEncoder().encode(body).length,
      documents: result.documents.length,
      chunks: result.chunks.new,
      cpu_ms: Math.round((used.user + used.system) / 1000),
      wall_ms: Math.round(wallMs),
      peak_rss_growth_mb: Math.round((peakRssKb() - baseRss) / 102.4) / 10,
      peak_heap_growth_mb: Math.round((heapPeak - base.heapUsed - base.external) / 104857.6) / 10,
      // What the warmed-up worker holds before the request (modules, SDKs, pools).
      base_heap_mb: Math.round((base.heapUsed + base.external) / 104857.6) / 10,
      base_rss_mb: Math.round(baseRss / 102.4) / 10,
    }));
  } finally {
    await tenant.drop();
    await db.end();
  }
}

async function bundleSizes() {
  const config = await Deno.readTextFile(join(root, "supabase/config.toml"));
  const names = [...config.matchAll(/^\[functions\.([a-z0-9-]+)\]/gm)].map((m) => m[1]);
  const out: Record<string, number> = {};
  const dir = await Deno.makeTempDir();
  for (const name of names) {
    const file = join(dir, `${name}.js`);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "deno", "-o", file, join(root, `functions/${name}/index.ts`)],
      env: { DENO_NO_PACKAGE_JSON: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!run.success) {
      throw new Error(`limits: deno bundle ${name} failed: ${new TextDecoder().decode(run.stderr)}`);
    }
    out[name] = Math.round((await Deno.stat(file)).size / 10485.76) / 100;
  }
  await Deno.remove(dir, { recursive: true });
  return out;
}

if (args["serve-fakes"]) {
  const fake = await startFakeProviders();
  console.log(JSON.stringify(fake.env()));
  await new Promise(() => {});
}
if (!args.db) {
  console.error("usage: limits.ts --db <postgres url> [--out file]");
  Deno.exit(2);
}
if (args.measure) {
  await measure(args.measure, JSON.parse(args.fakes!));
  Deno.exit(0);
}

const fakes = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", import.meta.filename!, "--serve-fakes"],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const fakesEnv = await readFirstLine(fakes.stdout);
const ingest: Record<string, unknown>[] = [];
try {
  for (const name of Object.keys(cases())) {
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        import.meta.filename!,
        "--db",
        args.db,
        "--measure",
        name,
        "--fakes",
        fakesEnv,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!child.success) throw new Error(`limits: measuring "${name}" failed`);
    const row = JSON.parse(new TextDecoder().decode(child.stdout).trim().split("\n").at(-1)!);
    console.error(`[bench limits] ${JSON.stringify(row)}`);
    ingest.push(row);
  }
} finally {
  fakes.kill();
  await fakes.status;
}
const bundles = await bundleSizes();
const results = {
  benchmark: "platform limits (Edge Functions: 2 s CPU, 256 MB per request; 20 MB per bundle)",
  date: new Date().toISOString(),
  limits: LIMITS,
  ingest_limits: {
    max_body_bytes: INGEST_MAX_BODY_BYTES,
    max_documents: INGEST_MAX_DOCUMENTS,
    max_document_chars: INGEST_MAX_DOCUMENT_CHARS,
    max_chunks: INGEST_MAX_CHUNKS,
  },
  ingest,
  bundle_mb: bundles,
  note: "CPU and memory of the function's process only (fake provider and Postgres in their own); " +
    "bundle: `deno bundle --platform deno` of functions/<name>/index.ts (esbuild, unminified).",
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
for (const row of ingest) {
  console.log(
    `limits: ingest ${row.case}: ${row.chunks} chunks, CPU ${row.cpu_ms} ms (limit ${LIMITS.cpu_ms}), ` +
      `peak RSS +${row.peak_rss_growth_mb} MB over ${row.base_rss_mb}, heap +${row.peak_heap_growth_mb} MB over ${row.base_heap_mb} ` +
      `(limit ${LIMITS.memory_mb})`,
  );
}
console.log(
  `limits: bundles (MB): ${
    Object.entries(bundles).map(([n, s]) => `${n} ${s}`).join(", ")
  } (limit ${LIMITS.bundle_mb})`,
);
