/**
 * Server-sent events: a Response that streams `event:`/`data:` frames (data is always one line
 * of JSON), and a reader that parses them back (tests, benchmarks and other Deno callers).
 */
import { corsHeaders } from "./http.ts";

/** One server-sent event: its name and a JSON-serialisable payload. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** Formats one event frame. JSON never contains a raw newline, so `data` is a single line. */
export function formatSse(event: SseEvent): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(event.event)) throw new Error(`sse: invalid event name ${event.event}`);
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * A `text/event-stream` response fed by `events`. When the client disconnects the iterator is
 * closed (its `finally` blocks run) and the rest is dropped; an error thrown by the iterator
 * ends the stream after `onError(error)`'s event, if it returns one.
 */
export function sseResponse(
  events: AsyncIterable<SseEvent>,
  options: { headers?: Record<string, string>; onError?: (error: unknown) => SseEvent | undefined } = {},
): Response {
  const encoder = new TextEncoder();
  const iterator = events[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(formatSse(next.value)));
      } catch (error) {
        const last = options.onError?.(error);
        if (last) controller.enqueue(encoder.encode(formatSse(last)));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      ...corsHeaders,
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      ...options.headers,
    },
  });
}

/**
 * Parses a server-sent event stream into events (data JSON-decoded when it is JSON, else the
 * raw text). Comment lines and fields other than `event`/`data` are ignored.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let name = "message";
  let data: string[] = [];

  function* flushLines(final: boolean): Generator<SseEvent> {
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = final ? "" : lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") {
        if (data.length > 0) {
          const text = data.join("\n");
          let value: unknown = text;
          try {
            value = JSON.parse(text);
          } catch { /* not JSON: keep the text */ }
          yield { event: name, data: value };
        }
        name = "message";
        data = [];
      } else if (line.startsWith(":")) continue;
      else {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
    }
  }

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* flushLines(false);
  }
  buffer += decoder.decode();
  if (buffer) buffer += "\n\n";
  yield* flushLines(true);
}
