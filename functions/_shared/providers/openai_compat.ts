/**
 * Chat through the `openai` SDK against any OpenAI-compatible API (OpenAI, Groq, DeepSeek,
 * OpenRouter). The OpenRouter variant sends OpenRouter's `models` fallback list, reports the
 * model that actually answered and what the call cost (its `usage.cost`).
 */
import type OpenAI from "openai";
import { startDeadline } from "./deadline.ts";
import { createOpenAIClient } from "./openai_client.ts";
import { toProviderError } from "./openai_errors.ts";
import type { ChatProvider, ChatRequest, ChatResult, ChatStreamEvent, JsonMode, Usage } from "./types.ts";
import { ProviderError } from "./types.ts";

/** Options of {@link createOpenAICompatChat}. */
export interface OpenAICompatOptions {
  /**
   * Provider name recorded in results and errors: `openrouter`, `groq`, `deepseek`, `openai`.
   * `openrouter` also asks for usage accounting and reads its `usage.cost` into `Usage.costUsd`.
   */
  name: string;
  apiKey: string;
  baseUrl: string;
  /** Default model; `ChatRequest.model` overrides it. */
  model: string;
  /** OpenRouter only: sent as `models: [model, ...fallbackModels]` so OpenRouter falls back itself. */
  fallbackModels?: string[];
  /**
   * How a `{name, schema}` JSON request is sent: `json_schema` (strict structured output, the
   * default) or `json_object` plus the schema in a system message, for APIs without structured
   * output (DeepSeek; Groq on most models).
   */
  structuredOutput?: "json_schema" | "json_object";
  /** Budget of one call (SDK retries included), unless the request sets `timeoutMs`. */
  timeoutMs: number;
  /** SDK retries on 408/429/5xx and connection errors, within the budget. */
  maxRetries: number;
  /** For tests: a custom fetch. */
  fetch?: typeof fetch;
}

type CreateParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type ChatCompletion = OpenAI.Chat.ChatCompletion;
/** OpenRouter's request fields beside OpenAI's (the SDK sends unknown fields as they are). */
type OpenRouterParams = CreateParams & { models?: string[]; usage?: { include: boolean } };
/** The usage object as the APIs send it: OpenAI's fields, OpenRouter's `cost`, DeepSeek's cache hits. */
type WireUsage = Partial<OpenAI.CompletionUsage> & { cost?: unknown; prompt_cache_hit_tokens?: unknown };

/** A ChatProvider over an OpenAI-compatible chat completions endpoint. */
export function createOpenAICompatChat(options: OpenAICompatOptions): ChatProvider {
  const client = createOpenAIClient(options);
  const name = options.name;
  const billed = name === "openrouter";

  async function complete(req: ChatRequest): Promise<ChatResult> {
    const model = req.model ?? options.model;
    const started = performance.now();
    const deadline = startDeadline(req.timeoutMs ?? options.timeoutMs, req.signal);
    try {
      const completion = await client.chat.completions.create(
        buildParams(req, model, options),
        requestOptions(req, deadline.signal),
      );
      const { text, usedModel, usage } = readCompletion(completion, { provider: name, model }, billed);
      const ms = Math.round(performance.now() - started);
      return {
        ...finishText(text, req.json, { provider: name, model: usedModel }),
        model: usedModel,
        provider: name,
        usage,
        attempts: [{ provider: name, model: usedModel, ok: true, ms }],
      };
    } catch (error) {
      throw toProviderError(error, { provider: name, model, deadline });
    } finally {
      deadline.clear();
    }
  }

  async function* stream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const model = req.model ?? options.model;
    const started = performance.now();
    const deadline = startDeadline(req.timeoutMs ?? options.timeoutMs, req.signal);
    let text = "";
    let usedModel = model;
    let usage: Usage = { promptTokens: 0, completionTokens: 0 };
    try {
      const chunks = await client.chat.completions.create({
        ...buildParams(req, model, options),
        stream: true,
        stream_options: { include_usage: true },
      }, requestOptions(req, deadline.signal));
      for await (const chunk of chunks) {
        if (chunk.model) usedModel = chunk.model;
        // The last chunk (no choices) carries the usage, OpenRouter's cost included.
        if (chunk.usage) usage = readUsage(chunk.usage, billed);
        const delta = chunk.choices?.[0]?.delta?.content;
        if (!delta) continue;
        text += delta;
        deadline.pause();
        yield { delta };
        deadline.extend();
      }
    } catch (error) {
      throw toProviderError(error, { provider: name, model, deadline });
    } finally {
      deadline.clear();
    }
    const ms = Math.round(performance.now() - started);
    yield {
      done: {
        ...finishText(text, req.json, { provider: name, model: usedModel }),
        model: usedModel,
        provider: name,
        usage,
        attempts: [{ provider: name, model: usedModel, ok: true, ms }],
      },
    };
  }

  return { name, complete, stream };
}

/** Per-request SDK options: our budget's signal, and the SDK's own timeout when overridden. */
function requestOptions(req: ChatRequest, signal: AbortSignal): { signal: AbortSignal; timeout?: number } {
  return req.timeoutMs === undefined ? { signal } : { signal, timeout: req.timeoutMs };
}

/** A message as the API takes it: images as `image_url` parts beside the text. */
function toWire(message: ChatRequest["messages"][number]): CreateParams["messages"][number] {
  if (message.role !== "user" || !message.images?.length) {
    return { role: message.role, content: message.content };
  }
  return {
    role: "user",
    content: [
      { type: "text", text: message.content },
      ...message.images.map((url) => ({ type: "image_url" as const, image_url: { url } })),
    ],
  };
}

function buildParams(req: ChatRequest, model: string, options: OpenAICompatOptions): CreateParams {
  const params: OpenRouterParams = { model, messages: req.messages.map(toWire) };
  if (req.temperature !== undefined) params.temperature = req.temperature;
  if (req.maxTokens !== undefined) params.max_tokens = req.maxTokens;
  if (req.json === true) params.response_format = { type: "json_object" };
  else if (req.json && options.structuredOutput === "json_object") {
    params.response_format = { type: "json_object" };
    const instruction =
      `Answer with one JSON object only, valid against this JSON schema (${req.json.name}): ` +
      JSON.stringify(req.json.schema);
    params.messages = [{ role: "system", content: instruction }, ...req.messages];
  } else if (req.json) {
    params.response_format = {
      type: "json_schema",
      json_schema: { name: req.json.name, schema: req.json.schema, strict: true },
    };
  }
  if (options.fallbackModels?.length) {
    params.models = [...new Set([model, ...options.fallbackModels])];
  }
  // OpenRouter's usage accounting. Its docs now call the flag deprecated (usage, cost included,
  // always comes back); it is harmless and keeps older deployments answering the cost.
  if (options.name === "openrouter") params.usage = { include: true };
  return params;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Token counts, cached prompt tokens (`prompt_tokens_details.cached_tokens`, else DeepSeek's
 * `prompt_cache_hit_tokens`) and, when `billed` (OpenRouter), `usage.cost` in USD (OpenRouter's
 * credits are dollars). Fields the provider did not send stay absent, never 0.
 */
function readUsage(usage: OpenAI.CompletionUsage | null | undefined, billed: boolean): Usage {
  const wire = (usage ?? {}) as WireUsage;
  const result: Usage = {
    promptTokens: wire.prompt_tokens ?? 0,
    completionTokens: wire.completion_tokens ?? 0,
  };
  const cached = count(wire.prompt_tokens_details?.cached_tokens) ?? count(wire.prompt_cache_hit_tokens);
  if (cached !== undefined) result.cachedTokens = cached;
  const cost = billed ? count(wire.cost) : undefined;
  if (cost !== undefined) result.costUsd = cost;
  return result;
}

function readCompletion(
  completion: ChatCompletion,
  where: { provider: string; model: string },
  billed: boolean,
): { text: string; usedModel: string; usage: Usage } {
  const content = (completion as Partial<ChatCompletion> | null)?.choices?.[0]?.message?.content;
  if (typeof content !== "string") {
    throw new ProviderError({ ...where, kind: "malformed", detail: "no message content in the response" });
  }
  return {
    text: content,
    usedModel: typeof completion.model === "string" && completion.model ? completion.model : where.model,
    usage: readUsage(completion.usage, billed),
  };
}

function finishText(
  text: string,
  json: JsonMode | undefined,
  where: { provider: string; model: string },
): { text: string; json?: unknown } {
  return json ? parseJsonReply(text, where) : { text };
}

/**
 * Parses a JSON-mode reply: surrounding whitespace and one Markdown code fence are tolerated;
 * anything else that is not a JSON object or array raises ProviderError 'malformed'.
 */
export function parseJsonReply(
  text: string,
  where: { provider: string; model?: string },
): { text: string; json: unknown } {
  const cleaned = text.trim().replace(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i, "$1").trim();
  let json: unknown;
  try {
    json = JSON.parse(cleaned);
  } catch (error) {
    throw new ProviderError({ ...where, kind: "malformed", detail: "reply is not valid JSON", cause: error });
  }
  if (typeof json !== "object" || json === null) {
    throw new ProviderError({ ...where, kind: "malformed", detail: "reply is not a JSON object" });
  }
  return { text: cleaned, json };
}
