/**
 * The channels benchmark's kill test: `count` messages from as many customers stored as the
 * webhook stores them (public.channel_receive, no drain started), a separate Deno process
 * (channels_victim.ts) claiming them with a short lease whose Botlive turns stop answering, the
 * process killed with SIGKILL mid-processing, then a fresh worker in this process draining
 * until everything is done. Reports the state the kill left and the checks that matter: every
 * message done, one outbox row, one Graph send and one Botlive answer each.
 */
import { join } from "node:path";
import { wamid } from "../../tests/support/meta_payloads.ts";
import type { Relay } from "../../tests/fixtures/channels/relay.ts";
import { round } from "./processes.ts";

const root = join(import.meta.dirname!, "../..");

interface KillOptions {
  dbUrl: string;
  customers: string[];
  /** The victim's claim size, lease and number of turns that finish before they hang. */
  batch: number;
  leaseSeconds: number;
  normal: number;
}

/** Reads `stream` line by line, calling `onLine` for each, until it ends. */
async function eachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) onLine(line);
  }
}

export async function killedMidProcessing(relay: Relay, options: KillOptions) {
  const { customers } = options;
  const db = relay.shop.db;
  const start = Date.now() - customers.length * 1000;
  const messages = customers.map((from, i) => ({
    platform: "whatsapp",
    account: relay.accounts.whatsapp,
    id: wamid(),
    from,
    name: "Client",
    at: new Date(start + i * 1000).toISOString(),
    kind: "text",
    text: "je veux le sac en cuir noir",
  }));
  const [{ received }] = await db.asService((tx) =>
    tx<{ received: { new: string[] } }[]>`
      select public.channel_receive(${relay.app.id}, ${relay.app.secret}, ${tx.json({ messages } as never)}) as received`
  );
  const ids = received.new;
  if (ids.length !== customers.length) {
    throw new Error(`kill: ${ids.length} of ${customers.length} messages stored`);
  }

  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      join(root, "scripts/bench/channels_victim.ts"),
      "--db",
      options.dbUrl,
      "--graph",
      relay.meta.baseUrl,
      "--batch",
      String(options.batch),
      "--lease",
      String(options.leaseSeconds),
      "--normal",
      String(options.normal),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  // The victim's second claim holds `batch` rows; those past `normal` hang.
  const expectedHung = 2 * options.batch - options.normal;
  let normalTurns = 0, hung = 0;
  const hungAll = Promise.withResolvers<void>();
  const reading = eachLine(child.stdout, (line) => {
    if (line.startsWith("turn ")) normalTurns++;
    if (line.startsWith("hung ") && ++hung === expectedHung) hungAll.resolve();
  });
  const timer = setTimeout(
    () => hungAll.reject(new Error("kill: the victim never reached its hung turns")),
    30_000,
  );
  try {
    await hungAll.promise;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // Let the finished turns' channel_done commit, then kill while the others are still held.
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill("SIGKILL");
  const status = await child.status;
  await reading;
  const killedAt = performance.now();

  const states = async () => {
    const rows = await db.sql<{ status: string; attempts: number; outbox: string | null }[]>`
      select m.status, m.attempts, o.status as outbox
        from public.channel_messages m left join public.channel_outbox o on o.in_reply_to = m.id
       where m.id = any(${ids}::uuid[])`;
    const count = (pick: (r: typeof rows[number]) => string) =>
      Object.fromEntries(
        [...new Set(rows.map(pick))].sort().map((k) => [k, rows.filter((r) => pick(r) === k).length]),
      );
    return {
      inbox: count((r) => r.status),
      outbox: count((r) => r.outbox ?? "none"),
      attempts: count((r) => String(r.attempts)),
    };
  };
  const atKill = await states();
  const sentByVictim = relay.meta.sent.filter((s) => customers.includes(s.to ?? "")).length;

  // A fresh instance drains until everything is done and sent (the held rows once their lease ends).
  const fresh = relay.otherWorker({ leaseSeconds: options.leaseSeconds });
  let drained = false;
  while (performance.now() - killedAt < 20_000) {
    await fresh.drain();
    const [{ unfinished }] = await db.sql<{ unfinished: number }[]>`
      select count(*)::integer as unfinished from public.channel_messages m
       where m.id = any(${ids}::uuid[]) and (m.status <> 'done'
          or not exists (select 1 from public.channel_outbox o where o.in_reply_to = m.id and o.status = 'sent'))`;
    if (unfinished === 0) {
      drained = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const recoveredMs = performance.now() - killedAt;

  const after = await states();
  const [{ outbox_rows }] = await db.sql<{ outbox_rows: number }[]>`
    select count(*)::integer as outbox_rows from public.channel_outbox where in_reply_to = any(${ids}::uuid[])`;
  const sends = customers.map((c) => relay.meta.sent.filter((s) => s.to === c).length);
  const answers = await db.sql<{ answers: number }[]>`
    select count(m.id)::integer as answers
      from public.conversations c left join public.messages m on m.conversation_id = c.id and m.role = 'assistant'
     where c.company_id = ${relay.shop.id} and c.external_id = any(${customers.map((c) => `whatsapp:${c}`)})
     group by c.id`;
  const checks = {
    every_message_done: drained && after.inbox.done === customers.length,
    one_outbox_row_each: outbox_rows === customers.length,
    one_graph_send_each: sends.every((n) => n === 1),
    one_botlive_answer_each: answers.length === customers.length && answers.every((a) => a.answers === 1),
  };
  return {
    messages: customers.length,
    victim: {
      batch: options.batch,
      lease_seconds: options.leaseSeconds,
      turns_finished: normalTurns,
      turns_hung: hung,
      killed_with: status.signal ?? `exit ${status.code}`,
      graph_sends_before_kill: sentByVictim,
    },
    at_kill: atKill,
    after_drain: after,
    recovered_ms: round(recoveredMs),
    graph_sends: sends.reduce((a, b) => a + b, 0),
    duplicate_sends: sends.reduce((a, n) => a + Math.max(0, n - 1), 0),
    checks,
    met: Object.values(checks).every(Boolean),
  };
}
