/**
 * What the channels benchmark's sections share: the relay (tests/fixtures/channels/relay.ts),
 * Meta's part (customers, signed WhatsApp texts, posts whose status is checked), the moment the
 * fake Graph API records each reply, and a seeded random source.
 */
import { createRelay, type Relay } from "../../tests/fixtures/channels/relay.ts";
import { type FakeMeta, type RecordedSend, whatsappText } from "../../tests/support/fake_meta.ts";
import { Rng } from "./data.ts";

export interface Harness {
  relay: Relay;
  /** When the fake Graph API recorded the sends to each recipient. */
  sends: ReturnType<typeof watchSends>;
  rng: Rng;
  /** A Senegalese WhatsApp id (the number without +), unique in this run. */
  customer(): string;
  /** A WhatsApp text from `from` to the shop's number. */
  text(from: string, body: string, name?: string): unknown;
  /** Posts a signed delivery; its ack time in ms (throws on another status than `expected`). */
  post(signed: { body: string; headers: Record<string, string> }, expected?: number): Promise<number>;
}

/** A relay on `dbUrl` whose catalog has stock for every order the benchmark places. */
export async function createHarness(dbUrl: string): Promise<Harness> {
  // One shop takes every message of the benchmark: the per-company turn budget (60 a minute in
  // production, CHANNELS_TURNS_PER_MINUTE) is lifted here, or the figures would measure it.
  const relay = await createRelay(dbUrl, { worker: { turnsPerMinute: 1_000_000 } });
  await relay.shop.db.sql`update public.products set stock = 100000 where company_id = ${relay.shop.id}`;
  const rng = new Rng(18);
  let customers = 1_000_000 + rng.int(7_000_000);
  return {
    relay,
    sends: watchSends(relay.meta),
    rng,
    customer: () => `22177${String(++customers).padStart(7, "0")}`,
    text: (from, body, name = "Client") =>
      whatsappText({ phoneNumberId: relay.accounts.whatsapp, from, name, text: body }),
    async post(signed, expected = 200) {
      const t = performance.now();
      const res = await relay.post(signed.body, signed.headers);
      const ms = performance.now() - t;
      const body = await res.text();
      if (res.status !== expected) {
        throw new Error(`channels: ${res.status} where ${expected} was expected: ${body}`);
      }
      return ms;
    },
  };
}

/**
 * Times every send the fake Graph API records, by recipient (`to`, or a private reply's comment
 * id), when it records it; `nth(to, n)` resolves with the time of the n-th send to `to`.
 */
function watchSends(meta: FakeMeta) {
  const times = new Map<string, number[]>();
  const waiting = new Set<{ to: string; n: number; resolve: (at: number) => void }>();
  const sent = meta.sent as RecordedSend[];
  const push = sent.push.bind(sent);
  sent.push = (...items: RecordedSend[]) => {
    const at = performance.now();
    for (const item of items) {
      const to = item.to ?? item.comment_id ?? "";
      const list = times.get(to) ?? [];
      list.push(at);
      times.set(to, list);
      for (const w of waiting) {
        if (w.to === to && list.length >= w.n) {
          waiting.delete(w);
          w.resolve(list[w.n - 1]);
        }
      }
    }
    return push(...items);
  };
  return {
    count: (to: string) => times.get(to)?.length ?? 0,
    nth(to: string, n: number, timeoutMs = 20_000): Promise<number> {
      const list = times.get(to) ?? [];
      if (list.length >= n) return Promise.resolve(list[n - 1]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(w);
          reject(new Error(`channels: no reply ${n} to ${to} after ${timeoutMs} ms`));
        }, timeoutMs);
        const w = { to, n, resolve: (at: number) => (clearTimeout(timer), resolve(at)) };
        waiting.add(w);
      });
    },
  };
}

/** `work` for items 0..n-1, `concurrency` at a time. */
export async function pool<T>(n: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await work(i);
    }
  }));
  return out;
}
