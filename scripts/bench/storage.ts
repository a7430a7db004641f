/**
 * The local Storage stand-in under load, as a frontend drives it: a signed-in user uploads 1 MB
 * files into their own folder of a private bucket (multipart, through supabase-js and the
 * gateway; the insert policy probed for each), 100 at once, then downloads them 100 at once
 * (the select policy), every byte compared. p50/p95 a request, MB/s, the stack's CPU a request,
 * and the errors (there must be none).
 *
 *   deno run -A scripts/bench/storage.ts --db <url> --out bench/results/storage.json
 *     [--parallel 100] [--rounds 5] [--size-kb 1024]
 *
 * Needs the local stack's environment (scripts/bench.sh sources functions_env.sh): it starts
 * scripts/local/serve.ts on COMPTOIR_API_PORT itself; the bytes go to COMPTOIR_STORAGE_DIR.
 */
import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { cpuMs, round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/storage.json" },
    parallel: { type: "string", default: "100" },
    rounds: { type: "string", default: "5" },
    "size-kb": { type: "string", default: "1024" },
  },
});
if (!args.db) {
  console.error(
    "usage: storage.ts --db <postgres url> [--out file] [--parallel n] [--rounds n] [--size-kb n]",
  );
  Deno.exit(2);
}
const PARALLEL = Number(args.parallel), ROUNDS = Number(args.rounds), SIZE = Number(args["size-kb"]) * 1024;
const root = join(import.meta.dirname!, "../..");
const apiUrl = `http://127.0.0.1:${Deno.env.get("COMPTOIR_API_PORT")}`;
const publishableKey = Deno.env.get("COMPTOIR_PUBLISHABLE_KEY")!;
const secretKey = Deno.env.get("COMPTOIR_SECRET_KEY")!;
const log = (text: string) => console.error(`[bench storage] ${text}`);

const BUCKET = `bench-${crypto.randomUUID().slice(0, 8)}`;
const USER = crypto.randomUUID();
const EMAIL = `bench-storage-${USER.slice(0, 8)}@bench.test`;
const PASSWORD = "bench-storage-password";
const OWN = `bucket_id = '${BUCKET}' and (storage.foldername(name))[1] = (select auth.uid()::text)`;

const admin = postgres(args.db, { max: 1, onnotice: () => {}, prepare: false });

async function waitFor(url: string) {
  for (let i = 0; i < 150; i++) {
    const res = await fetch(url).catch(() => null);
    if (res) {
      await res.body?.cancel();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`bench storage: ${url} never answered`);
}

async function sha256(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `n` distinct files of SIZE bytes (random, the first bytes numbered) with their digests. */
async function files(n: number, round: number) {
  const base = new Uint8Array(SIZE);
  for (let at = 0; at < SIZE; at += 65_536) crypto.getRandomValues(base.subarray(at, at + 65_536));
  return await Promise.all(Array.from({ length: n }, async (_, i) => {
    const bytes = base.slice();
    new DataView(bytes.buffer).setUint32(0, round * 100_000 + i);
    return { name: `${USER}/round-${round}/file-${i}.bin`, bytes, digest: await sha256(bytes) };
  }));
}

const stack = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", "--unstable-no-legacy-abort", join(root, "scripts/local/serve.ts")],
  env: { COMPTOIR_QUIET: "1" },
  stdout: "null",
  stderr: "inherit",
}).spawn();

let results: Record<string, unknown> = {};
try {
  await waitFor(`${apiUrl}/functions/v1/health`);
  await admin.unsafe(`
    insert into storage.buckets (id, name, public) values ('${BUCKET}', '${BUCKET}', false);
    create policy "${BUCKET}_insert" on storage.objects for insert to authenticated with check (${OWN});
    create policy "${BUCKET}_select" on storage.objects for select to authenticated using (${OWN});
    insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at)
    values ('${USER}', 'authenticated', 'authenticated', '${EMAIL}',
      extensions.crypt('${PASSWORD}', extensions.gen_salt('bf', 4)), now());`);
  const client = createClient(apiUrl, publishableKey, { auth: { persistSession: false } });
  const signIn = await client.auth.signInWithPassword({ email: EMAIL, password: PASSWORD });
  if (signIn.error) throw new Error(`bench storage: sign-in failed: ${signIn.error.message}`);
  const storage = client.storage.from(BUCKET);

  log(`warm-up: ${PARALLEL / 5} uploads and downloads`);
  for (const file of await files(PARALLEL / 5, 0)) {
    const { error } = await storage.upload(file.name, new Blob([file.bytes]));
    if (error) throw new Error(`bench storage: warm-up upload refused: ${error.message}`);
    await (await storage.download(file.name)).data?.arrayBuffer();
  }

  const uploads: number[] = [], downloads: number[] = [];
  let uploadErrors = 0, downloadErrors = 0, mismatches = 0, uploadWallMs = 0, downloadWallMs = 0;
  const cpuBefore = cpuMs(stack.pid);
  for (let r = 1; r <= ROUNDS; r++) {
    const batch = await files(PARALLEL, r);
    let started = performance.now();
    await Promise.all(batch.map(async (file) => {
      const t = performance.now();
      const { error } = await storage.upload(
        file.name,
        new Blob([file.bytes], { type: "application/octet-stream" }),
      );
      uploads.push(performance.now() - t);
      if (error) uploadErrors++;
    }));
    uploadWallMs += performance.now() - started;
    started = performance.now();
    await Promise.all(batch.map(async (file) => {
      const t = performance.now();
      const { data, error } = await storage.download(file.name);
      const bytes = data ? await data.arrayBuffer() : null;
      downloads.push(performance.now() - t);
      if (error || !bytes) downloadErrors++;
      else if (bytes.byteLength !== SIZE || await sha256(bytes) !== file.digest) mismatches++;
    }));
    downloadWallMs += performance.now() - started;
    log(`round ${r}/${ROUNDS}: ${PARALLEL} uploads and ${PARALLEL} downloads`);
  }
  const cpuPerRequest = (cpuMs(stack.pid) - cpuBefore) / (uploads.length + downloads.length);
  const megabytes = (SIZE * PARALLEL * ROUNDS) / 1e6;
  const stored = await admin`select count(*)::int as n from storage.objects where bucket_id = ${BUCKET}`;

  results = {
    benchmark: "storage",
    date: new Date().toISOString(),
    setup:
      `one signed-in user, a private bucket with own-folder insert/select policies; ${ROUNDS} rounds of ` +
      `${PARALLEL} uploads at once (multipart, ${SIZE / 1024} KiB each, supabase-js through the gateway), ` +
      `then ${PARALLEL} downloads at once, every byte compared; after ${PARALLEL / 5} warm-up files`,
    upload: {
      requests: uploads.length,
      concurrency: PARALLEL,
      errors: uploadErrors,
      latency_ms: summary(uploads),
      mb_per_s: round(megabytes / (uploadWallMs / 1000)),
    },
    download: {
      requests: downloads.length,
      concurrency: PARALLEL,
      errors: downloadErrors,
      bytes_mismatched: mismatches,
      latency_ms: summary(downloads),
      mb_per_s: round(megabytes / (downloadWallMs / 1000)),
    },
    rows_stored: stored[0].n,
    stack_cpu_ms_per_request: round(cpuPerRequest),
    note: "the stack process (gateway, Storage stand-in, functions) on this machine; Postgres not counted",
  };
  if (uploadErrors + downloadErrors + mismatches > 0) log("ERRORS: see the results");
} finally {
  const service = createClient(apiUrl, secretKey, { auth: { persistSession: false } });
  await service.storage.emptyBucket(BUCKET).catch(() => {});
  await service.storage.deleteBucket(BUCKET).catch(() => {});
  await admin.unsafe(`
    drop policy if exists "${BUCKET}_insert" on storage.objects;
    drop policy if exists "${BUCKET}_select" on storage.objects;
    delete from auth.users where id = '${USER}';`).catch(() => {});
  try {
    stack.kill("SIGTERM");
  } catch { /* gone */ }
  await stack.status;
  await admin.end();
}

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
const u = results.upload as { latency_ms: { p50: number; p95: number }; mb_per_s: number; errors: number };
const d = results.download as typeof u & { bytes_mismatched: number };
console.log(
  `storage: ${PARALLEL} at once, ${
    SIZE / 1024
  } KiB each — upload p50/p95 ${u.latency_ms.p50}/${u.latency_ms.p95} ms ` +
    `(${u.mb_per_s} MB/s, ${u.errors} errors); download p50/p95 ${d.latency_ms.p50}/${d.latency_ms.p95} ms ` +
    `(${d.mb_per_s} MB/s, ${d.errors} errors, ${d.bytes_mismatched} mismatched)`,
);
