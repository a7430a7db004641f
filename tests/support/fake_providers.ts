/**
 * A local fake of the LLM providers for tests and benchmarks: one HTTP server on 127.0.0.1
 * speaking the wire formats the real `openai` and `cohere-ai` SDKs expect.
 *
 *   POST /v1/chat/completions                      OpenAI (also /groq/openai/v1/..., /deepseek/v1/...)
 *   POST /v1/embeddings                            OpenAI embeddings (float or base64)
 *   POST /openrouter/api/v1/chat/completions       OpenRouter, honouring the `models` fallback list
 *   POST /cohere/v2/rerank                         Cohere v2 rerank
 *   POST /cohere/v1/rerank                         Cohere v1 rerank (cohere-ai 7's client.rerank, which
 *                                                  LangChain's CohereRerank calls)
 *
 * Behaviours are scripted per route: a queue consumed one per request, then a default.
 * Zero latency unless scripted. Vectors and rerank scores come from the offline lexical
 * features, so retrieval through the fake behaves sensibly.
 *
 * Usage as the real APIs report it: OpenRouter adds `usage.cost` (the deterministic
 * {@link fakeOpenRouterCost}) to every answer, streamed ones in their last chunk; cached prompt
 * tokens, when scripted, come as `prompt_tokens_details.cached_tokens` (DeepSeek:
 * `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`); reranks bill `search_units: 1`.
 */
import { Buffer } from "node:buffer";
import { cosine, hashedVector } from "../../functions/_shared/providers/lexical.ts";
import { sampleFromSchema } from "../../functions/_shared/providers/schema_sample.ts";

/** The scriptable routes. `chat` covers OpenAI, Groq and DeepSeek (one shared queue). */
export type FakeRoute = "chat" | "openrouter" | "embeddings" | "rerank";

/** What the next request (or every request, as a default) on a route gets. All fields optional. */
export interface FakeBehaviour {
  /** Chat: the reply text. Default: JSON shaped by the requested schema, or an echo of the question. */
  text?: string;
  /** Chat: reply with this value, JSON-encoded. */
  json?: unknown;
  /** Chat, when the request streams: the deltas (default: the reply split into words). */
  chunks?: string[];
  /** Chat stream: after this many deltas, send an SSE error event and end the stream. */
  streamErrorAfter?: number;
  /** Chat: the model reported in the response (default: the one that "answered"). */
  model?: string;
  /** OpenRouter: models treated as down; the first other entry of `models` answers. */
  failModels?: string[];
  /**
   * Chat: reported usage (default: about one token per four characters, nothing cached).
   * `cached_tokens` (a part of prompt_tokens) is reported only when set; `cost` overrides
   * OpenRouter's {@link fakeOpenRouterCost}.
   */
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number; cost?: number };
  /** Respond with this HTTP status and the provider's error body. */
  status?: number;
  /** With status 429: the Retry-After header, in seconds (default 1). */
  retryAfter?: number;
  /** Respond 200 with a body that is not JSON (streaming: an unparsable SSE event). */
  malformed?: boolean;
  /** Never respond (the client times out); `close()` releases the request. */
  hang?: boolean;
  /** Wait this long before responding (a chat answer: before its first token). */
  latencyMs?: number;
  /** Chat: the wait before responding to a structured-output request (a router), instead of latencyMs. */
  structuredLatencyMs?: number;
  /** Chat: the time each token (delta) takes after the first, streamed or not (generation speed). */
  tokenIntervalMs?: number;
  /** Embeddings: vector length (default: the request's `dimensions`, else 1536). */
  dimensions?: number;
  /** Rerank: the score of each document, by index (default: lexical similarity to the query). */
  scores?: number[];
  /** Rerank: `meta.billed_units.search_units` (default 1); `null` leaves `billed_units` out. */
  searchUnits?: number | null;
}

/** One request the fake received. */
export interface RecordedRequest {
  route: FakeRoute;
  /** `openai`, `groq`, `deepseek`, `openrouter` or `cohere`, from the URL prefix. */
  provider: string;
  path: string;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  authorization: string | null;
  /** The body asked for OpenRouter's usage accounting (`usage: { include: true }`). */
  usageAccounting: boolean;
}

/** A running fake; `close()` it when done. */
export interface FakeProviders {
  baseUrl: string;
  openaiBaseUrl: string;
  openrouterBaseUrl: string;
  groqBaseUrl: string;
  deepseekBaseUrl: string;
  cohereBaseUrl: string;
  /** The *_BASE_URL variables pointing here and a dummy *_API_KEY for every provider. */
  env(): Record<string, string>;
  /** Queues behaviours for the next requests on `route`, one each, in order. */
  script(route: FakeRoute, behaviour: FakeBehaviour | FakeBehaviour[]): void;
  /** The behaviour of `route` once its queue is empty (initially `{}`: a normal answer). */
  setDefault(route: FakeRoute, behaviour: FakeBehaviour): void;
  /** Every request received, oldest first (a live array: `reset()` empties it). */
  readonly requests: RecordedRequest[];
  /** Forgets requests, queues and defaults. */
  reset(): void;
  /** Releases hanging requests and stops the server. */
  close(): Promise<void>;
}

const ROUTES: FakeRoute[] = ["chat", "openrouter", "embeddings", "rerank"];
const PREFIXES: Record<string, string> = {
  "/v1": "openai",
  "/groq/openai/v1": "groq",
  "/deepseek/v1": "deepseek",
  "/openrouter/api/v1": "openrouter",
  "/cohere": "cohere",
};

function matchRoute(path: string): { route: FakeRoute; provider: string } | undefined {
  for (const [prefix, provider] of Object.entries(PREFIXES)) {
    if (path === `${prefix}/chat/completions` && provider !== "cohere") {
      return { route: provider === "openrouter" ? "openrouter" : "chat", provider };
    }
    if (path === `${prefix}/embeddings` && provider === "openai") return { route: "embeddings", provider };
    if ((path === `${prefix}/v2/rerank` || path === `${prefix}/v1/rerank`) && provider === "cohere") {
      return { route: "rerank", provider };
    }
  }
  return undefined;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Resolves after `ms`, or early when any signal aborts; never leaves a timer behind. */
function wait(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    for (const signal of signals) {
      if (signal.aborted) return done();
      signal.addEventListener("abort", done, { once: true });
    }
  });
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The fake's OpenRouter price, USD: $3 per million prompt tokens and $15 per million completion tokens. */
export function fakeOpenRouterCost(usage: { prompt_tokens: number; completion_tokens: number }): number {
  return (usage.prompt_tokens * 3 + usage.completion_tokens * 15) / 1e6;
}

/** The usage object a provider's answer carries, in that provider's dialect. */
function wireUsage(provider: string, usage: NonNullable<FakeBehaviour["usage"]>): Record<string, unknown> {
  const { prompt_tokens, completion_tokens, cached_tokens, cost } = usage;
  const wire: Record<string, unknown> = {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
  };
  if (cached_tokens !== undefined && provider === "deepseek") {
    wire.prompt_cache_hit_tokens = cached_tokens;
    wire.prompt_cache_miss_tokens = prompt_tokens - cached_tokens;
  } else if (cached_tokens !== undefined) {
    wire.prompt_tokens_details = { cached_tokens };
  }
  if (provider === "openrouter") wire.cost = cost ?? fakeOpenRouterCost(usage);
  return wire;
}

function errorResponse(route: FakeRoute, behaviour: FakeBehaviour): Response {
  const status = behaviour.status!;
  const headers: Record<string, string> = status === 429
    ? { "retry-after": String(behaviour.retryAfter ?? 1) }
    : {};
  const message = status === 429 ? "Rate limit reached (fake)" : `Fake provider error ${status}`;
  if (route === "rerank") return json(status, { message }, headers);
  return json(status, {
    error: { message, type: status === 429 ? "rate_limit_exceeded" : "server_error", code: status },
  }, headers);
}

function lastUserMessage(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages)
    ? body.messages as { role?: string; content?: unknown }[]
    : [];
  const content = messages.findLast((m) => m.role === "user")?.content;
  return typeof content === "string" ? content : "";
}

function replyContent(body: Record<string, unknown>, behaviour: FakeBehaviour): string {
  if (behaviour.json !== undefined) return JSON.stringify(behaviour.json);
  if (behaviour.text !== undefined) return behaviour.text;
  const format = body.response_format as
    | { type?: string; json_schema?: { schema?: Record<string, unknown> } }
    | undefined;
  if (format?.type === "json_schema") {
    return JSON.stringify(sampleFromSchema(format.json_schema?.schema ?? {}));
  }
  if (format?.type === "json_object") return JSON.stringify({ reply: "fake reply" });
  return `Fake reply to: ${lastUserMessage(body).slice(0, 200)}`;
}

/** The model that answers: OpenRouter picks the first of `models` not scripted as down. */
function answeringModel(
  route: FakeRoute,
  body: Record<string, unknown>,
  behaviour: FakeBehaviour,
): string | undefined {
  if (behaviour.model) return behaviour.model;
  const requested = typeof body.model === "string" ? body.model : "fake-model";
  if (route !== "openrouter") return requested;
  const candidates = Array.isArray(body.models) && body.models.length ? body.models as string[] : [requested];
  return candidates.find((model) => !behaviour.failModels?.includes(model));
}

async function chatResponse(
  route: FakeRoute,
  provider: string,
  body: Record<string, unknown>,
  behaviour: FakeBehaviour,
  id: string,
  closing: AbortSignal,
): Promise<Response> {
  const model = answeringModel(route, body, behaviour);
  if (!model) {
    return json(503, {
      error: { message: "No endpoints available for the requested models (fake)", code: 503 },
    });
  }
  const content = replyContent(body, behaviour);
  const prompt = JSON.stringify(body.messages ?? []);
  const usage = behaviour.usage ??
    { prompt_tokens: estimateTokens(prompt), completion_tokens: estimateTokens(content) };
  const fullUsage = wireUsage(provider, usage);
  const base = {
    id,
    created: Math.floor(Date.now() / 1000),
    model,
    ...(route === "openrouter" ? { provider: "Fake" } : {}),
  };
  const interval = behaviour.tokenIntervalMs ?? 0;
  const deltas = behaviour.chunks ?? content.match(/\S+\s*/g) ?? [];
  if (body.stream !== true) {
    // Generation time: every token (delta) after the first; structured replies are not paced.
    if (interval && body.response_format === undefined) {
      await wait(interval * Math.max(0, deltas.length - 1), closing);
    }
    return json(200, {
      ...base,
      object: "chat.completion",
      choices: [{
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: "stop",
      }],
      usage: fullUsage,
    });
  }
  const events: unknown[] = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  events.push(chunk({ role: "assistant", content: "" }, null));
  for (const [i, delta] of deltas.entries()) {
    if (behaviour.streamErrorAfter === i) break;
    events.push(chunk({ content: delta }, null));
  }
  if (behaviour.streamErrorAfter !== undefined && behaviour.streamErrorAfter < deltas.length) {
    events.push({ error: { message: "Upstream stream failed (fake)", code: 502 } });
  } else {
    events.push(chunk({}, "stop"));
    // OpenRouter always ends a stream with the usage (its docs); the others when asked.
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage || route === "openrouter") {
      events.push({ ...base, object: "chat.completion.chunk", choices: [], usage: fullUsage });
    }
    events.push("[DONE]");
  }
  const lines = events.map((event) =>
    `data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`
  );
  if (behaviour.malformed) lines.splice(1, 0, "data: {not json\n\n");
  const encoder = new TextEncoder();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const line = lines.shift();
      // The first content delta goes at once (after latencyMs); each later one after an interval.
      if (interval && line !== undefined && sent++ > 1) await wait(interval, closing);
      if (line === undefined) controller.close();
      else controller.enqueue(encoder.encode(line));
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

function embeddingsResponse(body: Record<string, unknown>, behaviour: FakeBehaviour): Response {
  const input = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
  const texts = input.map((item) => typeof item === "string" ? item : JSON.stringify(item));
  const dimensions = behaviour.dimensions ?? (typeof body.dimensions === "number" ? body.dimensions : 1536);
  const base64 = body.encoding_format === "base64";
  const data = texts.map((text, index) => {
    const vector = hashedVector(text, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = texts.reduce((sum, text) => sum + estimateTokens(text), 0);
  return json(200, {
    object: "list",
    data,
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function rerankResponse(body: Record<string, unknown>, behaviour: FakeBehaviour, id: string): Response {
  const documents = Array.isArray(body.documents) ? body.documents.map(String) : [];
  const query = hashedVector(String(body.query ?? ""), 1536);
  const scored = documents.map((document, index) => ({
    index,
    relevance_score: behaviour.scores?.[index] ?? Math.max(0, cosine(query, hashedVector(document, 1536))),
  }));
  scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const topN = typeof body.top_n === "number" ? body.top_n : scored.length;
  return json(200, {
    id,
    results: scored.slice(0, topN),
    meta: {
      api_version: { version: "2" },
      ...(behaviour.searchUnits === null
        ? {}
        : { billed_units: { search_units: behaviour.searchUnits ?? 1 } }),
    },
  });
}

/**
 * Starts the fake on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * const fake = await startFakeProviders();
 * try {
 *   fake.script("openrouter", { status: 429 });
 *   const providers = createProviders(readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0" }));
 *   const answer = await providers.chat.complete({ messages: [{ role: "user", content: "Bonjour" }] });
 * } finally {
 *   await fake.close();
 * }
 */
export function startFakeProviders(): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  const queues = new Map<FakeRoute, FakeBehaviour[]>(ROUTES.map((route) => [route, []]));
  const defaults = new Map<FakeRoute, FakeBehaviour>();
  const closing = new AbortController();
  let served = 0;

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const match = matchRoute(path);
    if (!match || request.method !== "POST") {
      return json(404, { error: { message: `fake providers: no route for ${request.method} ${path}` } });
    }
    const text = await request.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const usageAccounting = (body?.usage as { include?: unknown } | undefined)?.include === true;
    requests.push({
      ...match,
      path,
      body,
      authorization: request.headers.get("authorization"),
      usageAccounting,
    });
    const behaviour = queues.get(match.route)!.shift() ?? defaults.get(match.route) ?? {};
    const id = `fake-${++served}`;
    // request.signal is not used: Deno.serve aborts it on successful responses too (legacy behaviour).
    const structured = (body?.response_format as { type?: string } | undefined)?.type === "json_schema";
    const latency = structured && behaviour.structuredLatencyMs !== undefined
      ? behaviour.structuredLatencyMs
      : behaviour.latencyMs;
    if (latency) await wait(latency, closing.signal);
    if (behaviour.hang) {
      await wait(Infinity, closing.signal);
      return json(504, { error: { message: "fake providers: hung request released" } });
    }
    if (behaviour.status) return errorResponse(match.route, behaviour);
    if (!body) return json(400, { error: { message: "fake providers: body is not JSON" } });
    if (behaviour.malformed && body.stream !== true) {
      return new Response('{"id": "broken', { headers: { "content-type": "application/json" } });
    }
    if (match.route === "embeddings") return embeddingsResponse(body, behaviour);
    if (match.route === "rerank") return rerankResponse(body, behaviour, id);
    return await chatResponse(match.route, match.provider, body, behaviour, id, closing.signal);
  }

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: closing.signal,
      onListen({ port }) {
        const baseUrl = `http://127.0.0.1:${port}`;
        const urls = {
          baseUrl,
          openaiBaseUrl: `${baseUrl}/v1`,
          openrouterBaseUrl: `${baseUrl}/openrouter/api/v1`,
          groqBaseUrl: `${baseUrl}/groq/openai/v1`,
          deepseekBaseUrl: `${baseUrl}/deepseek/v1`,
          cohereBaseUrl: `${baseUrl}/cohere`,
        };
        resolve({
          ...urls,
          env: () => ({
            OPENAI_API_KEY: "sk-fake-openai",
            OPENAI_BASE_URL: urls.openaiBaseUrl,
            OPENROUTER_API_KEY: "sk-fake-openrouter",
            OPENROUTER_BASE_URL: urls.openrouterBaseUrl,
            GROQ_API_KEY: "gsk-fake-groq",
            GROQ_BASE_URL: urls.groqBaseUrl,
            DEEPSEEK_API_KEY: "sk-fake-deepseek",
            DEEPSEEK_BASE_URL: urls.deepseekBaseUrl,
            COHERE_API_KEY: "fake-cohere",
            COHERE_BASE_URL: urls.cohereBaseUrl,
          }),
          script(route, behaviour) {
            queues.get(route)!.push(...(Array.isArray(behaviour) ? behaviour : [behaviour]));
          },
          setDefault(route, behaviour) {
            defaults.set(route, behaviour);
          },
          requests,
          reset() {
            requests.length = 0;
            for (const queue of queues.values()) queue.length = 0;
            defaults.clear();
          },
          async close() {
            closing.abort();
            await server.finished;
          },
        });
      },
    }, handle);
  });
}

/** Runs `fn` with a fresh fake and closes it afterwards, whatever happens. */
export async function withFakeProviders(fn: (fake: FakeProviders) => Promise<void>): Promise<void> {
  const fake = await startFakeProviders();
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}
