/**
 * The HTTP contract of every edge function: zod schemas of requests and responses, the one
 * source of truth shared by the functions (which validate with them) and their callers.
 */
import { z } from "zod";

/** Every error: `{ error: { code, message, details? } }` with the matching HTTP status. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A company as RPCs accept it: its uuid or its text id (slug such as `agence-des-copines`). */
export const CompanyRef = z.union([
  z.uuid(),
  z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a company uuid or its text id (lowercase-kebab)").max(
    63,
  ),
]);

/** `health` — GET or POST, no body. */
export const HealthResponse = z.object({
  status: z.enum(["healthy", "degraded"]),
  services: z.object({
    database: z.enum(["ok", "unreachable"]),
    migrations: z.object({
      status: z.enum(["ok", "behind", "unknown"]),
      applied: z.number().int().nullable(),
      latest: z.string().nullable(),
      expected: z.string(),
    }),
    /** `openai:<model>` or `offline`. */
    embeddings: z.string(),
    /** `openrouter:<model>`, `groq:<model>`, … or `offline`. */
    llm: z.string(),
    /** `cohere:<model>` or `none`. */
    rerank: z.string(),
  }),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** An agent's slug (`audrey`), or `shared` for every agent of the company. */
const AgentSlug = z.string().max(63).regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be an agent slug (kebab-case)");

/**
 * `ingest` limits: the request body, documents per request, one document's content, and the
 * chunks one request may embed and write. Set so that a request at every limit stays within
 * half the Edge Functions' 2 s of CPU and 256 MB per request (measured: `npm run bench --
 * limits`, bench/results/limits.json); larger knowledge bases are sent in several requests.
 */
export const INGEST_MAX_BODY_BYTES = 512 * 1024;
export const INGEST_MAX_DOCUMENTS = 100;
export const INGEST_MAX_DOCUMENT_CHARS = 512 * 1024;
export const INGEST_MAX_CHUNKS = 1500;

/**
 * One document to ingest (text or markdown). Its identity within the company is `source`, or
 * `title` when there is no source; at least one is required, and content must not be blank
 * (checked by `ingest` with the document's index in the message). Without `agent` the
 * document is `shared` (the demo tenant's documents are then tagged by keyword).
 */
export const IngestDocument = z.object({
  content: z.string().max(INGEST_MAX_DOCUMENT_CHARS),
  title: z.string().max(300).optional(),
  source: z.string().max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  agent: AgentSlug.optional(),
  tags: z.array(z.string().min(1).max(64)).max(50).optional(),
  category: z.string().max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  /** `text` ignores markdown headings (a .txt file). Default `markdown`. */
  format: z.enum(["markdown", "text"]).optional(),
});
export type IngestDocument = z.infer<typeof IngestDocument>;

/**
 * `ingest` — POST; the secret key, or the session of an admin/owner of the company. Body at most
 * 512 KiB, 100 documents, 1,500 chunks (413 beyond).
 */
export const IngestRequest = z.object({
  company_id: CompanyRef,
  documents: z.array(IngestDocument).max(INGEST_MAX_DOCUMENTS).default([]),
  /** Documents (by source) to delete with all their chunks. */
  delete_sources: z.array(z.string().min(1).max(500)).max(INGEST_MAX_DOCUMENTS).optional(),
});
export type IngestRequest = z.infer<typeof IngestRequest>;

/** Chunk counts of an ingestion (`deleted`: chunks gone with a shortened or deleted document). */
export const ChunkCounts = z.object({
  new: z.number().int(),
  unchanged: z.number().int(),
  replaced: z.number().int(),
  deleted: z.number().int(),
});
export type ChunkCounts = z.infer<typeof ChunkCounts>;

/** `ingest`'s answer: totals, then each document (ingested or deleted) with its own counts. */
export const IngestResponse = z.object({
  chunks: ChunkCounts,
  documents: z.array(z.object({ source: z.string(), chunks: ChunkCounts })),
  usage: z.object({ embedding_tokens: z.number().int(), embedding_model: z.string() }),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

/** `search` — POST (hit testing); service-role JWT or a JWT of an admin/owner of the company. */
export const SearchRequest = z.object({
  company_id: CompanyRef,
  query: z.string().trim().min(1).max(2000),
  /** Only this agent's documents and the shared ones. */
  agent: AgentSlug.optional(),
  count: z.number().int().min(1).max(50).default(5),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

/** One retrieved passage with every score that ranked it. */
export const SearchPassage = z.object({
  rank: z.number().int(),
  id: z.number().int(),
  source: z.string(),
  title: z.string().nullable(),
  content: z.string(),
  agent_owner: z.string(),
  category: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  /** Cosine similarity of the query and passage embeddings. */
  similarity: z.number().nullable(),
  /** ts_rank_cd of the full-text match (null when the passage matched on vectors only). */
  text_rank: z.number().nullable(),
  /** Reciprocal-rank fusion of the vector and full-text ranks (k = 60). */
  fused_score: z.number(),
  /** Cohere's relevance score, null when rerank did not run. */
  rerank_score: z.number().nullable(),
});
export type SearchPassage = z.infer<typeof SearchPassage>;

/** `search`'s answer: ranked passages, each step's time, and the providers that served it. */
export const SearchResponse = z.object({
  passages: z.array(SearchPassage),
  /** `cohere`, `skipped: not configured`, `skipped: no candidates`, `failed: timeout`, `failed: http 500`, … */
  rerank: z.string(),
  timings: z.object({
    embed_ms: z.number(),
    match_ms: z.number(),
    rerank_ms: z.number(),
    total_ms: z.number(),
  }),
  providers: z.object({
    /** `<provider>:<model>`, e.g. `openai:text-embedding-3-small` or `offline:offline-hash-v1`. */
    embedding: z.string(),
    /** `cohere:<model>`, or null when no reranker is configured. */
    rerank: z.string().nullable(),
  }),
  /** How many candidates match_documents returned before rerank. */
  candidates: z.number().int(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

/** `chat` limits: the visitor's message, ids. */
export const CHAT_MAX_MESSAGE_CHARS = 4000;

/**
 * `chat` — POST from the website widget (anon key). One visitor turn; `stream: true` answers
 * with server-sent events (`start`, `token`…, then `done` carrying a ChatResponse, or `error`
 * carrying an ErrorBody). `idempotency_key` makes a retried POST return the stored answer.
 */
export const ChatRequest = z.object({
  company_id: CompanyRef,
  /** The client's conversation id (any string, e.g. `test-conv-1`), one conversation per company. */
  conversation_id: z.string().trim().min(1).max(200),
  /** The visitor's id as the widget knows it. */
  user_id: z.string().trim().min(1).max(200),
  message: z.string().trim().min(1, "must not be empty").max(CHAT_MAX_MESSAGE_CHARS),
  /** The client's clock when the visitor sent the message (kept in the message's metadata). */
  timestamp: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
  stream: z.boolean().default(false),
  idempotency_key: z.string().trim().min(1).max(150).optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** A knowledge-base passage an answer was given with; `cited` when the reply cites its id. */
export const ChatSource = z.object({
  id: z.number().int(),
  title: z.string().nullable(),
  source: z.string().nullable(),
  score: z.number().nullable(),
  cited: z.boolean(),
});
export type ChatSource = z.infer<typeof ChatSource>;

/** A conversation's allowance as `chat` and `rate-limit` report it. */
export const RateLimitState = z.object({
  remaining: z.number().int(),
  reset_at: z.iso.datetime({ offset: true }),
});

/**
 * `chat`'s answer (also the data of the final `done` event of a stream). `agent` is null when
 * no agent could be chosen (a clarifying question) or the bot is paused; `model` is null when
 * no model wrote the reply (holding replies).
 */
export const ChatResponse = z.object({
  conversation_id: z.string(),
  message_id: z.uuid(),
  agent: z.string().nullable(),
  agent_name: z.string().nullable(),
  reply: z.string(),
  sources: z.array(ChatSource),
  usage: z.object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  }),
  model: z.string().nullable(),
  /** answer: written by a model (or the offline provider); clarify: which agent?; holding: a human will answer. */
  kind: z.enum(["answer", "clarify", "holding"]),
  /** True when the reply was written without a language model. */
  offline: z.boolean(),
  /** True when the conversation is (now) with a human: the bot is paused. */
  escalated: z.boolean(),
  /** True when this is the stored answer to an idempotency key seen before. */
  replayed: z.boolean(),
  rate_limit: RateLimitState,
});
export type ChatResponse = z.infer<typeof ChatResponse>;

/** `chat` stream: the first event, once the agent is chosen. */
export const ChatStartEvent = z.object({
  conversation_id: z.string(),
  agent: z.string().nullable(),
  agent_name: z.string().nullable(),
});
/** `chat` stream: one piece of the reply. */
export const ChatTokenEvent = z.object({ delta: z.string() });

/** `rate-limit` — GET `?company_id=&conversation_id=`: the allowance, without consuming it. */
export const RateLimitQuery = z.object({
  company_id: CompanyRef,
  conversation_id: z.string().trim().min(1).max(200),
});
export type RateLimitQuery = z.infer<typeof RateLimitQuery>;

export const RateLimitResponse = z.object({
  allowed: z.boolean(),
  remaining: z.number().int(),
  limit: z.number().int(),
  reset_at: z.iso.datetime({ offset: true }),
});
export type RateLimitResponse = z.infer<typeof RateLimitResponse>;
