import { createAuthenticator } from "../_shared/auth.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv, platformKey } from "../_shared/env.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { createFileWorker, storageDownloader } from "./files.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });
const embedder = createProviders(readProviderConfig(env.raw)).embedder;
const secretKey = platformKey(env);
/** Supabase's Edge Runtime keeps a worker alive for what is handed to EdgeRuntime.waitUntil. */
const runtime = (globalThis as { EdgeRuntime?: { waitUntil(work: Promise<unknown>): void } }).EdgeRuntime;

Deno.serve(createHandler({
  db,
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
  embedder,
  waitUntil: (work) => runtime ? runtime.waitUntil(work) : void work,
  files: secretKey
    ? createFileWorker({ db, embedder, download: storageDownloader(env.supabaseUrl, secretKey) })
    : undefined,
}));
