/**
 * The chat turn, measured two ways, with 8 concurrent visitors each on its own conversation,
 * through HTTP → the chat function (a process of its own) → Postgres → the fake providers (a
 * process of their own, the real SDKs: router on OpenRouter, embeddings, Cohere rerank, the
 * answer on OpenRouter):
 *
 * 1. zero latency (JSON answers): the pipeline's own overhead, p50/p95/p99 per turn, turns/s,
 *    and the CPU time a turn costs the function process and Postgres (each from its own
 *    accounting, /proc/<pid>/stat, over the measured window);
 * 2. realistic latencies (streamed answers): router 600 ms, embedding 150 ms, rerank 250 ms,
 *    the answer's first token 400 ms then 40 tokens/s: time to the first streamed token and to
 *    the end, p50/p95 (target: first token p50 ≤ 1.10 s; the sequential chain is ≥ 1.40 s).
 *
 *   deno run -A scripts/bench/chat.ts --db <url> --out bench/results/chat.json
 *     [--turns 1600] [--visitors 8] [--streamed-turns 96] [--pool 8]
 *
 * The demo tenant's limits are raised for the run and restored afterwards; the demo
 * knowledge base (knowledge/demo) is ingested first so that retrieval has passages.
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { cpuMs, readFirstLine, round, summary } from "./processes.ts";
import { clusterCpu, COMPANY, ingestDemoKnowledge, liftLimits, QUESTIONS } from "./demo_tenant.ts";
import { dirname } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/retrieval.ts";
import { createSqlChatStore } from "../../functions/_shared/chat/store_sql.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import { readSse } from "../../functions/_shared/sse.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler } from "../../functions/chat/handler.ts";
import { type FakeBehaviour, startFakeProviders } from "../../tests/support/fake_providers.ts";
import { asVisitor, stackAuthenticator } from "../../tests/support/stack.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/chat.json" },
    turns: { type: "string", default: "1600" },
    visitors: { type: "string", default: "8" },
    warmup: { type: "string", default: "80" },
    "streamed-turns": { type: "string", default: "96" },
    pool: { type: "string", default: "8" },
    "serve-fakes": { type: "string" },
    "serve-function": { type: "string" },
  },
});

/** A realistic answer's length: about 120 tokens (the fake streams one word a token). */
const ANSWER = Array.from(
  { length: 12 },
  (_, i) => `Pour la partie ${i + 1}, programmez la séquence dans Kajabi et vérifiez les envois [doc:1].`,
).join(" ");

/** The providers' latencies of each profile. */
const PROFILES: Record<string, Partial<Record<"openrouter" | "embeddings" | "rerank", FakeBehaviour>>> = {
  zero: {},
  realistic: {
    openrouter: { text: ANSWER, structuredLatencyMs: 600, latencyMs: 400, tokenIntervalMs: 25 },
    embeddings: { latencyMs: 150 },
    rerank: { latencyMs: 250 },
  },
};

// Child: the fake providers with a latency profile.
if (args["serve-fakes"]) {
  const fake = await startFakeProviders();
  for (const [route, behaviour] of Object.entries(PROFILES[args["serve-fakes"]])) {
    fake.setDefault(route as "openrouter", behaviour!);
  }
  console.log(JSON.stringify(fake.env()));
  await new Promise(() => {});
}

// Child: the chat function, as a deployed worker runs it, on an ephemeral port.
if (args["serve-function"]) {
  const db = createDb(args.db!, { max: Number(args.pool) });
  const providers = createProviders(
    readProviderConfig({ ...JSON.parse(args["serve-function"]), PROVIDER_MAX_RETRIES: "0" }),
  );
  // The fake answers structured-output requests with a schema sample (agent: the first slug,
  // confidence 0); after the real round trip, the router's JSON is replaced by what a model would
  // say for these questions, so that every turn takes the full path (no low-confidence escalation).
  const router = {
    ...providers.router,
    complete: async (req: Parameters<typeof providers.router.complete>[0]) => {
      const result = await providers.router.complete(req);
      const message = req.messages.at(-1)!.content;
      const agent = /kajabi|e-mail|zapier|tunnel/i.test(message) ? "audrey" : "carole";
      return { ...result, json: { agent, confidence: 0.9, reason: "bench" } };
    },
  };
  const handler = createHandler({
    store: createSqlChatStore({ db, defaults: TEST_DEFAULTS }),
    providers: { ...providers, router },
    retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
    clock: { now: () => Date.now() },
    auth: await stackAuthenticator(),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  console.log(JSON.stringify({ port: server.addr.port }));
  await new Promise(() => {});
}

if (!args.db) {
  console.error(
    "usage: chat.ts --db <postgres url> [--out file] [--turns n] [--visitors n] [--streamed-turns n]",
  );
  Deno.exit(2);
}
const TURNS = Number(args.turns);
const VISITORS = Number(args.visitors);
const WARMUP = Number(args.warmup);
const STREAMED = Number(args["streamed-turns"]);

const admin = postgres(args.db, { max: 1, onnotice: () => {}, prepare: false });

const documents = await ingestDemoKnowledge(admin, args.db).catch((error) => {
  console.error(`chat bench: ${error.message}; retrieval will find nothing`);
  return 0;
});
const restoreLimits = await liftLimits(admin);

function child(flag: string, value: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      import.meta.filename!,
      `--${flag}`,
      value,
      "--db",
      args.db!,
      "--pool",
      args.pool!,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

const postgresCpuMs = await clusterCpu(admin);
const questions = QUESTIONS;

function turnBody(visitor: number, i: number, run: string, stream: boolean) {
  return JSON.stringify({
    company_id: COMPANY,
    conversation_id: `bench-${run}-${visitor}`,
    user_id: `bench-visitor-${run}-${visitor}`,
    message: questions[(visitor + i) % questions.length],
    ...(stream ? { stream: true } : {}),
  });
}

async function jsonTurn(url: string, visitor: number, i: number, run: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...asVisitor() },
    body: turnBody(visitor, i, run, false),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`chat bench: turn answered ${res.status} ${JSON.stringify(body)}`);
  return performance.now() - started;
}

async function streamedTurn(url: string, visitor: number, i: number, run: string) {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...asVisitor() },
    body: turnBody(visitor, i, run, true),
  });
  if (res.status !== 200) {
    throw new Error(`chat bench: streamed turn answered ${res.status} ${await res.text()}`);
  }
  let first: number | undefined;
  for await (const event of readSse(res.body!)) {
    if (event.event === "token" && first === undefined) first = performance.now() - started;
    if (event.event === "error") throw new Error(`chat bench: stream error ${JSON.stringify(event.data)}`);
  }
  return { first: first ?? NaN, total: performance.now() - started };
}

async function load<T>(total: number, turn: (visitor: number, i: number) => Promise<T>) {
  const results: T[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: VISITORS }, async (_, visitor) => {
    for (let i = 0; next < total; i++) {
      next++;
      results.push(await turn(visitor, i));
    }
  }));
  return { results, seconds: (performance.now() - started) / 1000 };
}

/** Runs `fn` against a fresh fake-providers process and chat-function process. */
async function withProcesses<T>(profile: string, fn: (url: string, fnPid: number) => Promise<T>): Promise<T> {
  const fakes = child("serve-fakes", profile);
  let fnProcess: Deno.ChildProcess | undefined;
  try {
    const fakesEnv = await readFirstLine(fakes.stdout);
    fnProcess = child("serve-function", fakesEnv);
    const { port } = JSON.parse(await readFirstLine(fnProcess.stdout));
    return await fn(`http://127.0.0.1:${port}/chat`, fnProcess.pid);
  } finally {
    for (const p of [fnProcess, fakes]) {
      if (!p) continue;
      p.kill();
      await p.status;
    }
  }
}

let results;
try {
  const zero = await withProcesses("zero", async (url, pid) => {
    await load(WARMUP, (v, i) => jsonTurn(url, v, i, `warm-${Date.now()}`));
    const run = `run-${Date.now()}`;
    const fn0 = cpuMs(pid), pg0 = postgresCpuMs();
    const { results: latencies, seconds } = await load(TURNS, (v, i) => jsonTurn(url, v, i, run));
    const fnCpu = cpuMs(pid) - fn0, pgCpu = postgresCpuMs() - pg0;
    return {
      turn_ms: summary(latencies),
      turns_per_second: round(TURNS / seconds),
      cpu_ms_per_turn: {
        function: Math.round((fnCpu / TURNS) * 100) / 100,
        postgres: Math.round((pgCpu / TURNS) * 100) / 100,
        total: Math.round(((fnCpu + pgCpu) / TURNS) * 100) / 100,
      },
    };
  });
  console.error(`[bench chat] zero latency: ${JSON.stringify(zero)}`);
  const realistic = await withProcesses("realistic", async (url) => {
    await load(VISITORS, (v, i) => streamedTurn(url, v, i, `warm-${Date.now()}`));
    const run = `stream-${Date.now()}`;
    const { results: turns } = await load(STREAMED, (v, i) => streamedTurn(url, v, i, run));
    return {
      first_token_ms: summary(turns.map((t) => t.first)),
      total_ms: summary(turns.map((t) => t.total)),
    };
  });
  console.error(`[bench chat] realistic latencies: ${JSON.stringify(realistic)}`);
  results = {
    benchmark: "chat turn",
    date: new Date().toISOString(),
    setup: {
      path:
        "HTTP → chat function (own process) → Postgres → fake providers (own process, real SDKs) → Postgres",
      visitors: VISITORS,
      demo_documents: documents,
      db_pool: Number(args.pool),
    },
    zero_latency: {
      turns: TURNS,
      warmup: WARMUP,
      mode: "JSON (not streamed); LLM router + embedding + rerank + answer per turn",
      ...zero,
      cpu_note: "utime+stime of the function process and of every Postgres process over the measured window",
    },
    realistic_latency: {
      turns: STREAMED,
      mode: "streamed (SSE); first token = first `token` event",
      provider_latencies_ms: {
        router: 600,
        embedding: 150,
        rerank: 250,
        answer_first_token: 400,
        answer_per_token: 25,
      },
      answer_tokens: ANSWER.match(/\S+\s*/g)!.length,
      ...realistic,
      targets: { first_token_p50_ms: 1100, sequential_chain_ms: 1400 },
    },
  };
} finally {
  await restoreLimits();
  await admin.end();
}

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
const z = results.zero_latency, r = results.realistic_latency;
console.log(
  `chat: zero latency, ${z.turns} turns, ${VISITORS} visitors: p50 ${z.turn_ms.p50} ms, p95 ${z.turn_ms.p95} ms, ` +
    `${z.turns_per_second} turns/s, CPU ${z.cpu_ms_per_turn.total} ms a turn (function ${z.cpu_ms_per_turn.function}, ` +
    `Postgres ${z.cpu_ms_per_turn.postgres}); realistic, streamed: first token p50 ${r.first_token_ms.p50} ms, ` +
    `p95 ${r.first_token_ms.p95} ms (target p50 ≤ 1100), total p50 ${r.total_ms.p50} ms, p95 ${r.total_ms.p95} ms`,
);
