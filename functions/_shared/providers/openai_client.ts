/** The one way Comptoir builds an `openai` SDK client, for chat and embeddings alike. */
import OpenAI from "openai";

export interface OpenAIClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof fetch;
}

/** A client bounded by the provider timeout and retries; the SDK's own logging is off. */
export function createOpenAIClient(options: OpenAIClientOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    fetch: options.fetch,
    // The SDK's error logs can quote response chunks (model output); failures surface as ProviderError.
    logLevel: "off",
  });
}
