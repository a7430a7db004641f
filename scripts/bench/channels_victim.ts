/**
 * The process the channels benchmark kills (scripts/bench/channels_kill.ts): a channels worker
 * on the bench's database and fake Graph API, as a function instance would run it, except that
 * Botlive's turn stops answering after the first `--normal` calls — every third hung call before
 * Botlive runs, the others once Botlive has recorded its answer — so that the SIGKILL lands in
 * the middle of processing. One line a turn on stdout (`turn <n> normal`, `hung <n> before`,
 * `hung <n> after`) tells the bench when to kill.
 *
 *   deno run -A scripts/bench/channels_victim.ts --db <url> --graph <base url>
 *     [--batch 5] [--lease 2] [--normal 7]
 */
import { parseArgs } from "node:util";
import { createBotliveStore } from "../../functions/_shared/botlive/store.ts";
import { createBotliveTurn } from "../../functions/_shared/botlive/turn.ts";
import { createGraph } from "../../functions/_shared/channels/graph.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/retrieval.ts";
import { createDb } from "../../functions/_shared/db.ts";
import { createOfflineEmbedder } from "../../functions/_shared/providers/offline.ts";
import { createChannelWorker } from "../../functions/channels/worker.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    graph: { type: "string" },
    batch: { type: "string", default: "5" },
    lease: { type: "string", default: "2" },
    normal: { type: "string", default: "7" },
  },
});
if (!args.db || !args.graph) {
  console.error("usage: channels_victim.ts --db <postgres url> --graph <fake Graph base url>");
  Deno.exit(2);
}

const db = createDb(args.db);
const botlive = createBotliveTurn({
  store: createBotliveStore(db),
  models: {},
  retrieve: knowledgeRetriever({ db, embedder: createOfflineEmbedder(), reranker: null }),
  timeoutMs: 1_000,
});
const never = new Promise<never>(() => {});
const normal = Number(args.normal);
let calls = 0;

const worker = createChannelWorker({
  db,
  graph: createGraph({ baseUrl: args.graph, instagramBaseUrl: args.graph, timeoutMs: 2_000 }),
  batch: Number(args.batch),
  leaseSeconds: Number(args.lease),
  // The benchmark's shop has just had hundreds of turns: the production budget is not measured here.
  turnsPerMinute: 1_000_000,
  async turn(request) {
    const n = ++calls;
    if (n <= normal) {
      const response = await botlive(request);
      console.log(`turn ${n} normal`);
      return response;
    }
    if ((n - normal) % 3 === 1) {
      console.log(`hung ${n} before`);
      return await never;
    }
    await botlive(request);
    console.log(`hung ${n} after`);
    return await never;
  },
});

// The event loop must stay alive while every turn hangs: the bench ends this process itself.
setInterval(() => {}, 60_000);
await worker.drain({ budgetMs: 120_000 });
