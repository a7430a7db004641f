import assert from "node:assert/strict";
import { formatSse, readSse, type SseEvent, sseResponse } from "./sse.ts";

async function collect(body: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(body)) events.push(event);
  return events;
}

async function* from(events: SseEvent[], failWith?: Error): AsyncGenerator<SseEvent> {
  yield* events;
  if (failWith) throw failWith;
}

Deno.test("formatSse writes one event line and one JSON data line, even for text with newlines", () => {
  assert.equal(
    formatSse({ event: "token", data: { delta: "a\nb" } }),
    'event: token\ndata: {"delta":"a\\nb"}\n\n',
  );
  assert.throws(() => formatSse({ event: "bad name\n", data: 1 }), /invalid event name/);
});

Deno.test("sseResponse streams the events with event-stream headers and CORS; readSse parses them back", async () => {
  const events = [
    { event: "token", data: { delta: "Bon" } },
    { event: "token", data: { delta: "jour ✨" } },
    {
      event: "done",
      data: { reply: "Bonjour ✨" },
    },
  ];
  const res = sseResponse(from(events));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  assert.equal(res.headers.get("cache-control"), "no-cache, no-transform");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(await collect(res.body!), events);
});

Deno.test("an error inside the event source ends the stream with the onError event", async () => {
  const res = sseResponse(from([{ event: "token", data: { delta: "x" } }], new Error("boom")), {
    onError: (error) => ({ event: "error", data: { message: (error as Error).message } }),
  });
  assert.deepEqual(await collect(res.body!), [
    { event: "token", data: { delta: "x" } },
    { event: "error", data: { message: "boom" } },
  ]);
});

Deno.test("cancelling the response closes the source (its finally runs)", async () => {
  let closed = false;
  async function* source(): AsyncGenerator<SseEvent> {
    try {
      while (true) yield { event: "token", data: { delta: "." } };
    } finally {
      closed = true;
    }
  }
  const res = sseResponse(source());
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(closed, true);
});

Deno.test("readSse copes with frames split across chunks, CRLF, comments and non-JSON data", async () => {
  const text = ': keep-alive\r\nevent: token\r\ndata: {"del' +
    'ta":"a"}\r\n\r\ndata: plain text\n\nevent: done\ndata: {}';
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
      controller.close();
    },
  });
  assert.deepEqual(await collect(body), [
    { event: "token", data: { delta: "a" } },
    { event: "message", data: "plain text" },
    { event: "done", data: {} },
  ]);
});
