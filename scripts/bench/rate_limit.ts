/**
 * Rate limiter throughput and correctness under contention (check_rate_limit, as the chat
 * function calls it: one statement per check, no prepared statements, as service_role):
 *   1. many keys: 32 concurrent clients over 10,000 keys (target ≥ 5,000 checks/s);
 *   2. one hot key: 32 concurrent clients on a single key (target ≥ 1,500 checks/s), with a
 *      limit smaller than the number of checks: admissions must equal the limit, never more.
 *
 *   deno run -A scripts/bench/rate_limit.ts --db <url> --out bench/results/rate_limit.json [--seconds 5]
 */
import postgres from "postgres";
import { parseArgs } from "node:util";
import { dirname } from "node:path";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/rate_limit.json" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "32" },
    keys: { type: "string", default: "10000" },
  },
});
if (!args.db) {
  console.error("usage: rate_limit.ts --db <postgres url> [--out file] [--seconds n] [--clients n]");
  Deno.exit(2);
}
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const KEYS = Number(args.keys);

// One connection per client, as service_role (the role the functions use for check_rate_limit).
const sql = postgres(args.db, {
  max: CLIENTS,
  prepare: false,
  onnotice: () => {},
  connection: { role: "service_role", application_name: "bench-rate-limit" },
});
const run = `bench:${Date.now()}`;

interface Phase {
  checks: number;
  admitted: number;
  seconds: number;
  checks_per_second: number;
  p50_ms: number;
  p95_ms: number;
}

async function phase(key: (i: number) => string, limit: number, window: number): Promise<Phase> {
  const latencies: number[] = [];
  let admitted = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
    for (let i = client; performance.now() < deadline; i += CLIENTS) {
      const t = performance.now();
      const [row] = await sql`select allowed from public.check_rate_limit(${key(i)}, ${limit}, ${window})`;
      latencies.push(performance.now() - t);
      if (row.allowed) admitted++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.floor(p * (latencies.length - 1))] * 100) / 100;
  return {
    checks: latencies.length,
    admitted,
    seconds: Math.round(seconds * 100) / 100,
    checks_per_second: Math.round(latencies.length / seconds),
    p50_ms: at(0.5),
    p95_ms: at(0.95),
  };
}

let results;
try {
  // Warm the connections and the plan cache of the function.
  await Promise.all(
    Array.from(
      { length: CLIENTS },
      (_, i) => sql`select public.check_rate_limit(${`${run}:warm:${i}`}, 10, 60)`,
    ),
  );

  const spread = await phase((i) => `${run}:many:${(i * 7919) % KEYS}`, 10, 60);
  // The hot key's limit is well below what the phase sends, so most checks are refusals.
  const hotLimit = 2000;
  const hot = await phase(() => `${run}:hot`, hotLimit, 3600);
  const [row] = await sql`select hits from private.rate_limits where key = ${`${run}:hot`}`.catch(
    () => [{ hits: null }],
  );
  results = {
    benchmark: "rate limiter (check_rate_limit)",
    date: new Date().toISOString(),
    setup: { clients: CLIENTS, seconds_per_phase: SECONDS, keys: KEYS, prepared_statements: false },
    many_keys: { ...spread, limit: 10, window_seconds: 60, target_checks_per_second: 5000 },
    hot_key: {
      ...hot,
      limit: hotLimit,
      window_seconds: 3600,
      admitted_equals_limit: hot.admitted === Math.min(hotLimit, hot.checks),
      stored_hits: row?.hits ?? null,
      target_checks_per_second: 1500,
    },
  };
  if (hot.admitted > hotLimit) {
    throw new Error(`rate limit bench: ${hot.admitted} admitted on a limit of ${hotLimit}`);
  }
} finally {
  await sql`delete from private.rate_limits where key like ${`${run}:%`}`.catch(() => {});
  await sql.end();
}

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
const { many_keys: m, hot_key: h } = results;
console.log(
  `rate limit: many keys ${m.checks_per_second} checks/s (p50 ${m.p50_ms} ms, p95 ${m.p95_ms} ms; target ≥ 5,000); ` +
    `hot key ${h.checks_per_second} checks/s (p50 ${h.p50_ms} ms, p95 ${h.p95_ms} ms; target ≥ 1,500), ` +
    `${h.admitted} admitted of ${h.checks} on a limit of ${h.limit} → ${args.out}`,
);
