/**
 * `chat`: one visitor turn from the website widget (the older backend's POST /api/v2/chat).
 * JSON in, JSON out — or, with `stream: true`, server-sent events:
 *
 *   event: start  data: { conversation_id, agent, agent_name }
 *   event: token  data: { delta }                       (repeated; their concatenation is the reply)
 *   event: done   data: ChatResponse                    (the same body as the JSON answer)
 *   event: error  data: { error: { code, message } }    (only after a token was sent; else a plain error response)
 */
import type { Authenticate } from "../_shared/auth.ts";
import { HttpError, json, readJson, serveJson } from "../_shared/http.ts";
import { type SseEvent, sseResponse } from "../_shared/sse.ts";
import { type ChatDeps, createTurns, type TurnEvent } from "../_shared/chat/turn.ts";
import { ChatRequest } from "../../types/api.ts";

export type { ChatDeps } from "../_shared/chat/turn.ts";

/** The client's address: the header the platform's edge sets (never one the client can forge). */
export const CLIENT_ADDRESS_HEADER = "cf-connecting-ip";

/** Builds the `chat` handler from its dependencies (store, providers, retrieve, clock, auth). */
export function createHandler(deps: ChatDeps & { auth: Authenticate }) {
  const turns = createTurns(deps);

  return serveJson({ name: "chat", methods: ["POST"] }, async function (req) {
    // The widget's publishable key (or a server's secret key); visitors are not signed in.
    await deps.auth(req, ["publishable", "secret"]);
    const body = await readJson(req, ChatRequest, { maxBytes: 64 * 1024 });
    const input = { ...body, address: req.headers.get(CLIENT_ADDRESS_HEADER) };
    if (!input.stream) return json(200, await turns.run(input));

    const events = turns.stream(input);
    // The first event decides between a stream and a plain error (429, 404, 503 before any token).
    const first = await events.next();
    return sseResponse(prepend(first, events), {
      onError: (error) => ({ event: "error", data: { error: contractOf(error) } }),
    });
  });
}

async function* prepend(
  first: IteratorResult<TurnEvent>,
  rest: AsyncGenerator<TurnEvent>,
): AsyncGenerator<SseEvent> {
  try {
    if (first.done) return;
    yield toSse(first.value);
    for await (const event of { [Symbol.asyncIterator]: () => rest }) yield toSse(event);
  } finally {
    await rest.return(undefined);
  }
}

function toSse(event: TurnEvent): SseEvent {
  switch (event.type) {
    case "start":
      return {
        event: "start",
        data: { conversation_id: event.conversation_id, agent: event.agent, agent_name: event.agent_name },
      };
    case "token":
      return { event: "token", data: { delta: event.delta } };
    case "done":
      return { event: "done", data: event.response };
  }
}

/** The error contract's body for an error met mid-stream (unexpected ones reveal nothing). */
function contractOf(error: unknown): { code: string; message: string; details?: unknown } {
  if (error instanceof HttpError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  console.error(`chat: stream failed with ${error instanceof Error ? error.name : typeof error}`);
  return { code: "internal", message: "Internal error" };
}
