/**
 * Chat pipeline overhead: visitor turns through HTTP → the chat function → Postgres → the fake
 * providers (zero latency; the real SDKs: router on OpenRouter, embeddings, Cohere rerank, the
 * answer on OpenRouter) → Postgres, with 8 concurrent visitors, each on its own conversation.
 * Reports p50/p95/p99 per turn and turns/s (targets: p50 ≤ 25 ms, p95 ≤ 50 ms), and the
 * worst-case duration of one turn from the configured budgets.
 *
 *   deno run -A scripts/bench/chat.ts --db <url> --out bench/results/chat.json [--turns 1600] [--visitors 8]
 *
 * The demo tenant's rate limit is raised for the run and restored afterwards; the demo
 * knowledge base (knowledge/demo) is ingested first so that retrieval has passages.
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { createDb } from "../../functions/_shared/db.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/knowledge.ts";
import { DEFAULT_BUDGETS } from "../../functions/_shared/chat/turn.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { createHandler } from "../../functions/chat/handler.ts";
import { startFakeProviders } from "../../tests/support/fake_providers.ts";
import { asVisitor, stackAuthenticator } from "../../tests/support/stack.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/chat.json" },
    turns: { type: "string", default: "1600" },
    visitors: { type: "string", default: "8" },
    warmup: { type: "string", default: "80" },
    pool: { type: "string", default: "8" },
    "serve-fakes": { type: "boolean", default: false },
  },
});

// The fake providers run in a child process of their own (this script with --serve-fakes), so
// that their work (HTTP, lexical vectors, rerank scoring) is not charged to the function's event loop.
if (args["serve-fakes"]) {
  const fake = await startFakeProviders();
  console.log(JSON.stringify(fake.env()));
  await new Promise(() => {});
}
if (!args.db) {
  console.error("usage: chat.ts --db <postgres url> [--out file] [--turns n] [--visitors n] [--pool n]");
  Deno.exit(2);
}
const TURNS = Number(args.turns);
const VISITORS = Number(args.visitors);
const WARMUP = Number(args.warmup);
const POOL = Number(args.pool);
const COMPANY = "agence-des-copines";
const root = join(import.meta.dirname!, "../..");

const admin = postgres(args.db, { max: 1, onnotice: () => {}, prepare: false });
const [saved] = await admin`
  select rate_limit_messages, rate_limit_window_seconds from public.company_rag_configs where company_id = ${COMPANY}`;

// The demo knowledge base, embedded with the offline lexical embedder (the fake server's vectors are the same).
const ingest = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--quiet",
    join(root, "scripts/ingest.ts"),
    "--company",
    COMPANY,
    join(root, "knowledge/demo"),
  ],
  env: { SUPABASE_DB_URL: args.db },
  stdout: "piped",
  stderr: "piped",
}).output();
if (!ingest.success) {
  console.error(
    `chat bench: ingest failed, retrieval will find nothing:\n${new TextDecoder().decode(ingest.stderr)}`,
  );
}
const [{ documents }] =
  await admin`select count(*)::int as documents from public.documents where company_id = ${COMPANY}`;

await admin`update public.company_rag_configs set rate_limit_messages = 1000000, rate_limit_window_seconds = 60
  where company_id = ${COMPANY}`;

const fakeProcess = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", import.meta.filename!, "--serve-fakes", "--db", args.db],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const fakeEnv = await readFirstLine(fakeProcess.stdout);
const db = createDb(args.db, { max: POOL });
const providers = createProviders(readProviderConfig({ ...JSON.parse(fakeEnv), PROVIDER_MAX_RETRIES: "0" }));
let providerCalls = 0;
// The fake answers structured-output requests with a schema sample (agent: the first slug,
// confidence 0); after the real round trip, the router's JSON is replaced by what a model would
// say for these questions, so that every turn takes the full path (no low-confidence escalation).
const router = {
  ...providers.router,
  complete: async (req: Parameters<typeof providers.router.complete>[0]) => {
    providerCalls++;
    const result = await providers.router.complete(req);
    const message = req.messages.at(-1)!.content;
    const agent = /kajabi|e-mail|zapier|tunnel/i.test(message) ? "audrey" : "carole";
    return { ...result, json: { agent, confidence: 0.9, reason: "bench" } };
  },
};
const handler = createHandler({
  db,
  providers: { ...providers, router },
  retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
  clock: { now: () => Date.now() },
  env: { rateLimit: { messages: 10, windowSeconds: 60 } },
  auth: await stackAuthenticator(),
});
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
const url = `http://127.0.0.1:${server.addr.port}/chat`;

const questions = [
  "Comment programmer une séquence d'e-mails de bienvenue dans Kajabi ?",
  "Quelle durée idéale pour un reel Instagram ?",
  "Comment relier Kajabi à Google Sheets avec Zapier ?",
  "Des idées de stories pour présenter mon offre ?",
  "Combien d'étapes dans un tunnel de vente ?",
  "Comment choisir mes hashtags ?",
];

async function turn(visitor: number, i: number, run: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...asVisitor() },
    body: JSON.stringify({
      company_id: COMPANY,
      conversation_id: `bench-${run}-${visitor}`,
      user_id: `bench-visitor-${visitor}`,
      message: questions[(visitor + i) % questions.length],
    }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`chat bench: turn answered ${res.status} ${JSON.stringify(body)}`);
  return performance.now() - started;
}

async function visitors(total: number, run: string): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: VISITORS }, async (_, visitor) => {
    for (let i = 0; next < total; i++) {
      next++;
      latencies.push(await turn(visitor, i, run));
    }
  }));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("chat bench: the fake provider process exited");
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (x: number) => Math.round(x * 10) / 10;
let results;
try {
  await visitors(WARMUP, `warmup-${Date.now()}`);
  providerCalls = 0;
  const { latencies, seconds } = await visitors(TURNS, `run-${Date.now()}`);
  const sorted = [...latencies].sort((a, b) => a - b);
  const b = DEFAULT_BUDGETS;
  results = {
    benchmark: "chat pipeline overhead",
    date: new Date().toISOString(),
    setup: {
      path:
        "HTTP (Deno.serve, fetch) → chat handler → Postgres → fake providers (zero latency, real SDKs) → Postgres",
      visitors: VISITORS,
      turns: TURNS,
      warmup: WARMUP,
      db_pool: POOL,
      demo_documents: documents,
      router_calls_per_turn: round(providerCalls / TURNS),
      fake_providers: "separate process (this script with --serve-fakes)",
      mode: "JSON (not streamed); LLM router + embeddings + rerank + answer per turn",
    },
    turn_ms: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1)!),
      mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    },
    turns_per_second: round(TURNS / seconds),
    targets: { p50_ms: 25, p95_ms: 50 },
    worst_case_turn_bound_s: {
      router: b.routerMs / 1000,
      retrieval: b.retrieveMs / 1000,
      answer: b.answerMs / 1000,
      database_steps: "4 steps × (5 s connect + 5 s statement), retried once on a lost connection",
      total: (b.routerMs + b.retrieveMs + b.answerMs) / 1000 + 40,
      platform_limit: 150,
    },
  };
} finally {
  await server.shutdown();
  fakeProcess.kill();
  await fakeProcess.status;
  await db.end();
  await admin`update public.company_rag_configs
    set rate_limit_messages = ${saved.rate_limit_messages}, rate_limit_window_seconds = ${saved.rate_limit_window_seconds}
    where company_id = ${COMPANY}`;
  await admin.end();
}

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
const t = results.turn_ms;
console.log(
  `chat: ${TURNS} turns, ${VISITORS} visitors: p50 ${t.p50} ms, p95 ${t.p95} ms, p99 ${t.p99} ms, ` +
    `${results.turns_per_second} turns/s (targets p50 ≤ 25, p95 ≤ 50); ` +
    `worst-case turn ≤ ${results.worst_case_turn_bound_s.total} s; ${documents} demo chunks → ${args.out}`,
);
