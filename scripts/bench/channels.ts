/**
 * The channels relay (Meta's webhooks → Botlive → the Graph API), measured on a throw-away shop
 * with the seed's catalog (bench.sh's cluster): tests/fixtures/channels/relay.ts, i.e. the
 * channels handler in-process on this database (a pool of 4, as deployed), its worker, Botlive
 * with the offline extractor and a fake Graph API answering at once. Meta's part is played here:
 * payloads signed as Meta signs them (escaped unicode) and posted to the handler.
 *
 * 1. ack: 50 deliveries posted at once (50 customers, distinct signed payloads), 10 rounds
 *    after one of warm-up: p50/p95 from the post to the 200 (target p95 ≤ 250 ms). The
 *    processing the webhook hands to waitUntil runs meanwhile and is not awaited in this figure;
 *    the time until all 50 replies reached the Graph API is given beside it.
 * 2. reply: from the post to the moment the fake Graph API recorded the reply, 200 messages one
 *    at a time, then 200 over 10 conversations at once (each customer: « bonjour », « je veux le
 *    sac en cuir noir », « livraison Pikine, 77 … », a question).
 * 3-5. channels_safety.ts: 20 order flows with every payload replayed 5× at once and 5× in a
 *    row (« J'ai payé 20 500 FCFA par Wave, réf. TXN… » at the end: duplicate replies and orders,
 *    target 0 and 0); 500 accented payloads signed as Meta signs them and 500 tampered (target
 *    100 % accepted, 100 % refused and none stored); delivery statuses for 200 replies shuffled
 *    and duplicated (target 0 regressions).
 * 6. channels_kill.ts: a worker process SIGKILLed mid-processing, then a fresh one: every
 *    message done once, one send each.
 *
 *   deno run -A scripts/bench/channels.ts --db <url> --out bench/results/channels.json
 */
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { createHarness } from "./channels_harness.ts";
import { killedMidProcessing } from "./channels_kill.ts";
import { replays, signatures, statuses } from "./channels_safety.ts";
import { round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/channels.json" },
    rounds: { type: "string", default: "10" },
    burst: { type: "string", default: "50" },
    messages: { type: "string", default: "200" },
    conversations: { type: "string", default: "10" },
    flows: { type: "string", default: "20" },
    signed: { type: "string", default: "500" },
    statuses: { type: "string", default: "200" },
    victims: { type: "string", default: "20" },
  },
});
if (!args.db) {
  console.error("usage: channels.ts --db <postgres url> [--out file]");
  Deno.exit(2);
}
const DB_URL: string = args.db;
const log = (text: string) => console.error(`[bench channels] ${text}`);
const h = await createHarness(DB_URL);
const { relay, sends } = h;

// 1. Webhook ack, 50 deliveries at once.
async function ack() {
  const rounds = Number(args.rounds), burst = Number(args.burst);
  const people = Array.from({ length: burst }, h.customer);
  const questions = [
    "bonjour",
    "c'est combien le sac en cuir noir ?",
    "vous livrez à Pikine ?",
    "vous avez la robe wax en M ?",
    "merci, je réfléchis",
  ];
  const acks: number[] = [];
  const answered: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const signed = await Promise.all(
      people.map((from) => relay.sign(h.text(from, questions[r % questions.length]))),
    );
    const t = performance.now();
    const times = await Promise.all(signed.map((s) => h.post(s)));
    const replied = await Promise.all(people.map((from) => sends.nth(from, r + 1)));
    if (r > 0) {
      acks.push(...times);
      answered.push(Math.max(...replied) - t);
    }
    await relay.settle();
  }
  const ack_ms = summary(acks);
  return {
    concurrency: burst,
    rounds,
    deliveries: acks.length,
    ack_ms,
    target_p95_ms: 250,
    met: ack_ms.p95 <= 250,
    all_replies_sent_ms: summary(answered),
  };
}

// 2. Inbound message → reply recorded by the Graph API.
const FLOW = (i: number) => [
  "bonjour",
  "je veux le sac en cuir noir",
  `livraison Pikine, 77 ${100 + (i % 900)} 45 67`,
  "vous êtes ouverts le dimanche ?",
];

async function replies(total: number, conversations: number) {
  const latencies: number[] = [];
  const acks: number[] = [];
  const people: string[] = [];
  let remaining = total;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conversations }, async () => {
    while (remaining > 0) {
      const from = h.customer();
      people.push(from);
      const texts = FLOW(people.length);
      for (let k = 0; k < texts.length && remaining > 0; k++) {
        remaining--;
        const signed = await relay.sign(h.text(from, texts[k]));
        const t = performance.now();
        acks.push(await h.post(signed));
        latencies.push(await sends.nth(from, k + 1) - t);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await relay.settle();
  return {
    result: {
      messages: latencies.length,
      conversations_at_once: conversations,
      reply_ms: summary(latencies),
      ack_ms: summary(acks),
      messages_per_second: round(latencies.length / seconds),
    },
    people,
  };
}

let results;
try {
  const started = performance.now();
  log("1. ack at 50 concurrent deliveries");
  const acks = await ack();
  console.log(
    `ack (${acks.concurrency} at once × ${acks.rounds} rounds): p50 ${acks.ack_ms.p50} ms, p95 ${acks.ack_ms.p95} ms (target ≤ 250: ${
      acks.met ? "met" : "NOT met"
    }); all ${acks.concurrency} replies sent after p50 ${acks.all_replies_sent_ms.p50} ms`,
  );
  log("2. inbound message → reply sent");
  const sequential = await replies(Number(args.messages), 1);
  const concurrent = await replies(Number(args.messages), Number(args.conversations));
  for (const r of [sequential.result, concurrent.result]) {
    console.log(
      `reply sent (${r.messages} messages, ${r.conversations_at_once} conversation(s) at once): p50 ${r.reply_ms.p50} ms, p95 ${r.reply_ms.p95} ms; ${r.messages_per_second} messages/s`,
    );
  }
  log("3. replays");
  const replayed = await replays(h, Number(args.flows));
  console.log(
    `replays (${replayed.customers} order flows, each payload 5× at once + 5× in a row = ${replayed.posts} posts): ${replayed.duplicate_replies} duplicate replies, ${replayed.duplicate_orders} duplicate orders, ${replayed.customers_with_an_order}/${replayed.customers} orders (${
      replayed.met ? "met" : "NOT met"
    })`,
  );
  log("4. signatures");
  const signed = await signatures(h, Number(args.signed));
  console.log(
    `signatures: ${signed.signed.accepted_200}/${signed.signed.posted} accented payloads accepted (${signed.signed.stored_text_intact} stored intact); ${signed.tampered.refused_401}/${signed.tampered.posted} tampered refused, ${signed.tampered.stored} stored (${
      signed.met ? "met" : "NOT met"
    })`,
  );
  log("5. statuses");
  const status = await statuses(h, sequential.people, Number(args.statuses));
  console.log(
    `statuses (${status.messages} messages, ${status.statuses_delivered} statuses shuffled in ${status.webhooks} webhooks): ${status.regressions_observed} regressions; final ${
      JSON.stringify(status.final)
    } (${status.met ? "met" : "NOT met"})`,
  );
  log("6. a worker killed mid-processing");
  const killed = await killedMidProcessing(relay, {
    dbUrl: DB_URL,
    customers: Array.from({ length: Number(args.victims) }, h.customer),
    batch: 5,
    leaseSeconds: 2,
    normal: 7,
  });
  console.log(
    `killed (${killed.messages} messages; at the kill ${
      JSON.stringify(killed.at_kill.inbox)
    }): all done and sent ${killed.recovered_ms} ms after the kill, ${killed.duplicate_sends} duplicate sends; checks ${
      JSON.stringify(killed.checks)
    }`,
  );
  results = {
    machine: {
      cpus: navigator.hardwareConcurrency,
      note: "2-core shared machine; Postgres, the handler, its worker and the fake Graph API on it",
    },
    date: new Date().toISOString(),
    setup: {
      handler: "functions/channels/handler.ts in-process (tests/fixtures/channels/relay.ts), db pool 4",
      worker: "createChannelWorker defaults (batch 10, lease 60 s; the turn budget per company lifted), drains started by waitUntil",
      botlive: "the offline extractor (no model)",
      graph: "tests/support/fake_meta.ts, latencyMs 0",
      seconds: round((performance.now() - started) / 1000),
    },
    ack: acks,
    reply: { sequential: sequential.result, concurrent: concurrent.result },
    replays: replayed,
    signatures: signed,
    statuses: status,
    killed,
  };
} finally {
  await relay.drop();
}
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(results, null, 2) + "\n");
console.log(`written ${args.out}`);
