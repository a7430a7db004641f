import { createAuthenticator } from "../_shared/auth.ts";
import { botliveDepsFromEnv } from "../_shared/botlive/deps.ts";
import { createBotliveTurn } from "../_shared/botlive/turn.ts";
import { createGraph } from "../_shared/channels/graph.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createHandler } from "./handler.ts";
import { createChannelWorker } from "./worker.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });
const turn = createBotliveTurn(botliveDepsFromEnv(env, db));
const graph = createGraph({ baseUrl: env.raw.META_GRAPH_URL ?? "https://graph.facebook.com/v21.0" });

/** Supabase's Edge Runtime keeps a worker alive for what is handed to EdgeRuntime.waitUntil. */
const runtime = (globalThis as { EdgeRuntime?: { waitUntil(work: Promise<unknown>): void } }).EdgeRuntime;

Deno.serve(createHandler({
  db,
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
  worker: createChannelWorker({
    db,
    graph,
    turn,
    // The operator's budget, not the shop's: each Botlive turn costs model calls.
    turnsPerMinute: Number(env.raw.CHANNELS_TURNS_PER_MINUTE ?? "60") || 60,
  }),
  waitUntil: (work) => runtime ? runtime.waitUntil(work) : void work,
}));
