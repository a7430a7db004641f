/**
 * The HTTP contract of every edge function: zod schemas of requests and responses, the one
 * source of truth shared by the functions (which validate with them) and their callers.
 *
 * In a frontend: needs zod >= 3.25 (zod 4's API, imported as `zod/v4`, which zod 3.25 ships beside
 * its v3 API and zod 4 keeps) and TypeScript's ES2020 lib, a Vite app's default.
 */
import { z } from "zod/v4";

/** Every error: `{ error: { code, message, details? } }` with the matching HTTP status. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The most levels of nesting a JSON value in a request may have (metadata). */
export const MAX_JSON_DEPTH = 16;

const NO_NUL_OR_LONE_SURROGATE = "must not contain NUL characters or unpaired surrogates";

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string Postgres can store: no NUL (`\u0000`), no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  // Not String.prototype.isWellFormed: ES2024, beyond a Vite app's ES2020 lib.
  return !value.includes("\u0000") && !LONE_SURROGATE.test(value);
}

/** Text from a caller: refused (400) when Postgres could not store it. */
export function text() {
  return z.string().refine(isStorableText, NO_NUL_OR_LONE_SURROGATE);
}

/**
 * A JSON object from a caller (metadata): every key and string value storable, at most
 * MAX_JSON_DEPTH levels deep. Checked without recursion, so a 100,000-level object is a 400,
 * not a stack overflow.
 */
export function jsonObject() {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
    while (stack.length > 0) {
      const { value: node, path } = stack.pop()!;
      if (path.length > MAX_JSON_DEPTH) {
        ctx.addIssue({
          code: "custom",
          message: `must not be nested more than ${MAX_JSON_DEPTH} levels deep`,
          path,
        });
        return;
      }
      if (typeof node === "string") {
        if (!isStorableText(node)) ctx.addIssue({ code: "custom", message: NO_NUL_OR_LONE_SURROGATE, path });
      } else if (Array.isArray(node)) {
        node.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      } else if (node !== null && typeof node === "object") {
        for (const [key, item] of Object.entries(node)) {
          if (!isStorableText(key)) {
            ctx.addIssue({
              code: "custom",
              message: `keys ${NO_NUL_OR_LONE_SURROGATE}`,
              path: [...path, key],
            });
          }
          stack.push({ value: item, path: [...path, key] });
        }
      }
    }
  });
}

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
 * (checked by `ingest` with the document's index in the message). Without `agent` the document
 * goes to the company's agent whose keywords it mentions most, else it stays `shared`;
 * `agent: "shared"` keeps it for every agent.
 */
export const IngestDocument = z.object({
  content: text().max(INGEST_MAX_DOCUMENT_CHARS),
  title: text().max(300).optional(),
  source: text().max(500).optional(),
  metadata: jsonObject().optional(),
  agent: AgentSlug.optional(),
  tags: z.array(text().min(1).max(64)).max(50).optional(),
  category: text().max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  /** `text` ignores markdown headings (a .txt file). Default `markdown`. */
  format: z.enum(["markdown", "text"]).optional(),
});
export type IngestDocument = z.infer<typeof IngestDocument>;

/**
 * `ingest` — POST; the secret key, or the session of an admin/owner of the company. Body at most
 * 512 KiB, 100 documents, 1,500 chunks (413 beyond).
 */
/**
 * `ingest/files` — POST: process the knowledge files uploaded to Storage that wait in the queue
 * (an admin's session: its company's; the secret key: one company's, or all without company_id).
 */
export const IngestFilesRequest = z.object({ company_id: CompanyRef.optional() });
export type IngestFilesRequest = z.infer<typeof IngestFilesRequest>;

export const IngestFilesResponse = z.object({
  ready: z.number().int(),
  deleted: z.number().int(),
  failed: z.number().int(),
  retried: z.number().int(),
});
export type IngestFilesResponse = z.infer<typeof IngestFilesResponse>;

export const IngestRequest = z.object({
  company_id: CompanyRef,
  documents: z.array(IngestDocument).max(INGEST_MAX_DOCUMENTS).default([]),
  /** Documents (by source) to delete with all their chunks. */
  delete_sources: z.array(text().min(1).max(500)).max(INGEST_MAX_DOCUMENTS).optional(),
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

/**
 * Chunks of a document (or a request) waiting for their embedding (`pending`: queued or being
 * embedded; search's vector branch finds them once embedded) and dead-lettered (`dead`: failed 5
 * times, listed in public.embedding_jobs with the reason until ops queue them again).
 */
export const EmbeddingStatus = z.object({ pending: z.number().int(), dead: z.number().int() });
export type EmbeddingStatus = z.infer<typeof EmbeddingStatus>;

/**
 * `ingest`'s answer: totals, then each document (ingested or deleted) with its own counts and
 * embedding status. HTTP 202 while chunks wait for their embedding (`embedding.pending` > 0), else
 * 200. `usage.embedding_tokens`: tokens embedded before the answer (0: the queue embeds after it).
 */
export const IngestResponse = z.object({
  chunks: ChunkCounts,
  documents: z.array(z.object({ source: z.string(), chunks: ChunkCounts, embedding: EmbeddingStatus })),
  embedding: EmbeddingStatus,
  usage: z.object({ embedding_tokens: z.number().int(), embedding_model: z.string() }),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

/**
 * `ingest/drain` — POST, the secret key only (Supabase Cron): embeds the queued chunks that are
 * due (of one company, or all), after queueing the dead-lettered ones again with `retry_dead`.
 */
export const IngestDrainRequest = z.object({
  company_id: CompanyRef.optional(),
  retry_dead: z.boolean().optional(),
});
export type IngestDrainRequest = z.infer<typeof IngestDrainRequest>;

export const IngestDrainResponse = z.object({
  /** Dead-lettered jobs queued again (retry_dead). */
  requeued: z.number().int(),
  /** Chunks given their embedding. */
  embedded: z.number().int(),
  /** Jobs whose chunk changed or went while being embedded (the new text is queued; no stale vector written). */
  stale: z.number().int(),
  retried: z.number().int(),
  dead: z.number().int(),
  tokens: z.number().int(),
});
export type IngestDrainResponse = z.infer<typeof IngestDrainResponse>;

/** `search` — POST (hit testing); service-role JWT or a JWT of an admin/owner of the company. */
export const SearchRequest = z.object({
  company_id: CompanyRef,
  query: text().trim().min(1).max(2000),
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
 * `chat` — POST from the website widget (publishable key). One visitor turn; `stream: true` answers
 * with server-sent events (`start`, `token`…, then `done` carrying a ChatResponse, or `error`
 * carrying an ErrorBody). `idempotency_key` makes a retried POST return the stored answer.
 */
export const ChatRequest = z.object({
  company_id: CompanyRef,
  /** The client's conversation id (any string, e.g. `test-conv-1`), one conversation per company. */
  conversation_id: text().trim().min(1).max(200),
  /** The visitor's id as the widget knows it: a conversation belongs to the visitor who opened it. */
  user_id: text().trim().min(1).max(200),
  message: text().trim().min(1, "must not be empty").max(CHAT_MAX_MESSAGE_CHARS),
  /** The client's clock when the visitor sent the message (kept in the message's metadata). */
  timestamp: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
  stream: z.boolean().default(false),
  idempotency_key: text().trim().min(1).max(150).optional(),
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

/**
 * `rate-limit` — GET `?company_id=&conversation_id=&user_id=`: the visitor's allowance on the
 * conversation, without consuming it; another visitor's conversation is a 403.
 */
export const RateLimitQuery = z.object({
  company_id: CompanyRef,
  conversation_id: text().trim().min(1).max(200),
  user_id: text().trim().min(1).max(200),
});
export type RateLimitQuery = z.infer<typeof RateLimitQuery>;

/** The limits a turn passes, as a 429's `details.limit` and `limited_by` name them. */
export const ChatLimit = z.enum(["conversation", "visitor", "address", "company", "company_tokens"]);
export type ChatLimit = z.infer<typeof ChatLimit>;

export const RateLimitResponse = z.object({
  /** Whether every limit would admit the visitor's next turn. */
  allowed: z.boolean(),
  /** The conversation's allowance. */
  remaining: z.number().int(),
  limit: z.number().int(),
  reset_at: z.iso.datetime({ offset: true }),
  /** The first limit that would refuse the next turn, when one would. */
  limited_by: ChatLimit.nullable(),
});
export type RateLimitResponse = z.infer<typeof RateLimitResponse>;

/** Botlive: an amount in XOF, an integer of francs (XOF has no minor unit). */
const Xof = z.number().int().min(0).max(1_000_000_000);

/** Botlive: what a customer's message carries besides text (a payment screenshot, mostly). */
export const Attachment = z.object({
  type: z.enum(["image", "audio", "video", "file"]),
  url: z.url().max(2000).optional(),
  id: text().max(200).optional(),
  mime_type: text().max(100).optional(),
  caption: text().max(1000).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/** `botlive` limits: the customer's message. */
export const BOTLIVE_MAX_TEXT_CHARS = 4000;

/**
 * `botlive` — POST from the shop's messaging integration (secret key): one customer message.
 * `message_id` is the channel's own id (`wamid…`, `mid…`): the same id twice gets the same reply
 * and changes nothing. `conversation_id` is the channel's conversation (the customer's WhatsApp
 * id, a Messenger PSID).
 */
export const BotliveRequest = z.object({
  company_id: CompanyRef,
  conversation_id: text().trim().min(1).max(200),
  message_id: text().trim().min(1).max(190),
  customer: z.object({
    id: text().trim().min(1).max(200),
    name: text().trim().min(1).max(200).optional(),
    phone: text().trim().max(40).optional(),
  }),
  text: text().max(BOTLIVE_MAX_TEXT_CHARS).optional(),
  attachments: z.array(Attachment).max(10).optional(),
}).refine((r) => (r.text !== undefined && r.text.trim() !== "") || (r.attachments?.length ?? 0) > 0, {
  message: "a message needs text or an attachment",
  path: ["text"],
});
export type BotliveRequest = z.infer<typeof BotliveRequest>;

/** The slots of an order being filled, as the older dashboard shows them. */
export const BotliveSlot = z.enum(["produit", "paiement", "zone", "numero"]);

export const OrderItem = z.object({
  product_id: z.string(),
  name: z.string(),
  variant: z.record(z.string(), z.string()),
  quantity: z.number().int(),
  unit_price: Xof,
  line_total: Xof.optional(),
});

/** The order being filled, after the turn. Amounts from the database. */
export const OrderState = z.object({
  status: z.enum(["empty", "collecting", "awaiting_payment", "placed", "cancelled", "out_of_stock"]),
  product: z.object({
    id: z.string(),
    name: z.string(),
    variant: z.record(z.string(), z.string()),
    quantity: z.number().int(),
    unit_price: Xof,
  }).nullable(),
  zone: z.object({ id: z.string(), name: z.string(), fee: Xof }).nullable(),
  phone: z.string().nullable(),
  payment: z.object({ paid: Xof, required: Xof.nullable(), missing: Xof.nullable() }),
  missing: z.array(BotliveSlot),
  missing_options: z.array(z.string()),
  completion_rate: z.number().int().min(0).max(100),
  /** Every article of the cart, the one being filled last (`product`); from the catalog rows. */
  items: z.array(OrderItem).optional(),
  /** Until when the cart's stock is held for the customer to pay (ISO time), if it is. */
  hold_expires_at: z.string().nullable().optional(),
});
export type OrderState = z.infer<typeof OrderState>;

/** A provider's checkout link for what the cart owes (the shop has a merchant account). */
export const CheckoutLink = z.object({
  provider: z.enum(["wave", "cinetpay", "paydunya", "orange_money"]),
  url: z.string(),
  amount: Xof,
  expires_at: z.string(),
});

export const BotliveResponse = z.object({
  /** What to send the customer (empty while a human has the conversation: the bot stays silent). */
  reply: z.string(),
  mode: z.enum(["live", "rag"]),
  order_state: OrderState,
  /** The order this message created, if it did. */
  order: z.object({
    id: z.string(),
    order_number: z.string(),
    total_amount: Xof,
    status: z.string(),
    /** `to_verify` until the shop (or the payment provider) confirms the customer's proof. */
    payment_status: z.enum(["unpaid", "to_verify", "paid", "refunded"]),
    items: z.array(OrderItem),
    delivery_zone: z.string().nullable(),
    delivery_fee: Xof,
    customer_phone: z.string().nullable(),
  }).nullable(),
  /** The checkout link this reply sends, when the shop takes payments through a provider. */
  checkout: CheckoutLink.nullable().optional(),
  /** True when a human has (now) the conversation. */
  escalated: z.boolean(),
  /** True when this is the stored reply to a message id seen before. */
  replayed: z.boolean(),
});
export type BotliveResponse = z.infer<typeof BotliveResponse>;

/** `toggle-live-mode` — POST (an admin's or owner's session). */
export const ToggleLiveRequest = z.object({ company_id: CompanyRef, enable: z.boolean() });
export const ToggleLiveResponse = z.object({
  status: z.enum(["enabled", "disabled"]),
  session_id: z.string().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
});
export type ToggleLiveResponse = z.infer<typeof ToggleLiveResponse>;

export const OrderStatus = z.enum(["pending", "confirmed", "shipped", "delivered", "cancelled"]);

/** `orders` — GET `?company_id=&status=&limit=&offset=` (a member), or `?company_id=&id=` for one. */
/**
 * `orders/catalog` — POST, an admin: the CSV or JSON uploaded to the `catalogs` bucket at `path`
 * (`<company uuid>/<file>`) checked row by row and applied in one transaction (or, `dry_run`,
 * only counted); a file with errors changes nothing (400, every error with its line in `details`).
 */
export const CatalogImportRequest = z.object({
  company_id: CompanyRef,
  path: z.string().trim().min(1).max(512),
  dry_run: z.boolean().optional(),
});
export type CatalogImportRequest = z.infer<typeof CatalogImportRequest>;

const CatalogKindReport = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** « + name » created, « ~ name » updated. */
  changes: z.array(z.string()),
});
export const CatalogImportResponse = z.object({
  products: CatalogKindReport,
  zones: CatalogKindReport,
  dry_run: z.boolean(),
});
export type CatalogImportResponse = z.infer<typeof CatalogImportResponse>;

export const OrdersQuery = z.object({
  company_id: CompanyRef,
  id: z.uuid().optional(),
  status: OrderStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/** `orders` — POST (an admin): an order entered by hand. Prices come from the catalog. */
export const CreateOrderRequest = z.object({
  company_id: CompanyRef,
  customer_name: text().trim().min(1).max(200).optional(),
  customer_phone: text().trim().max(40).optional(),
  delivery_zone_id: z.uuid().optional(),
  items: z.array(z.object({
    product_id: z.uuid(),
    quantity: z.number().int().min(1).max(100).default(1),
    variant: z.record(z.string().max(50), text().max(100)).optional(),
  })).min(1).max(50),
  notes: text().max(2000).optional(),
});

/**
 * `orders` — PATCH, one of (never mixed):
 * - `{ id, status?, notes? }` (an admin): a status change; an illegal transition is a 409;
 * - `{ id, payment: { decision: "confirm" | "refuse", note? } }` (a member): the decision on the
 *   customer's declared proof of an order `to_verify`, kept with who and when (409 once decided);
 * - `{ refund_id, payment: { decision, note? } }` (a member): the same for the proof behind money
 *   owed back without an order (a sell-out, a cancelled draft): confirmed it is `owed`, refused `void`;
 * - `{ refund_id, settled: true, note? }` (a member): money `owed` marked settled (409 otherwise).
 */
export const UpdateOrderRequest = z.object({
  company_id: CompanyRef,
  id: z.uuid().optional(),
  status: OrderStatus.optional(),
  notes: text().max(2000).optional(),
  payment: z.object({ decision: z.enum(["confirm", "refuse"]), note: text().trim().max(500).optional() })
    .optional(),
  refund_id: z.uuid().optional(),
  settled: z.literal(true).optional(),
  note: text().trim().max(500).optional(),
}).refine((r) => (r.id === undefined) !== (r.refund_id === undefined), {
  message: "give either id (an order) or refund_id (money owed back)",
  path: ["id"],
}).refine(
  (r) => r.id === undefined || r.status !== undefined || r.notes !== undefined || r.payment !== undefined,
  {
    message: "nothing to update",
    path: ["status"],
  },
).refine((r) => r.payment === undefined || (r.status === undefined && r.notes === undefined), {
  message: "a payment decision comes alone (its note is payment.note)",
  path: ["payment"],
}).refine((r) => r.id === undefined || (r.settled === undefined && r.note === undefined), {
  message: "settled and note go with refund_id",
  path: ["settled"],
}).refine(
  (r) =>
    r.refund_id === undefined || (r.status === undefined && r.notes === undefined &&
      (r.settled === true) !== (r.payment !== undefined)),
  {
    message: "with refund_id: either settled: true (and note) or payment: { decision }",
    path: ["refund_id"],
  },
);

/** A customer's screenshot behind a payment claim: a signed URL valid 10 minutes (null if Storage refused). */
export const OrderProof = z.object({
  reference: z.string().nullable(),
  amount: Xof,
  status: z.string(),
  /** The same screenshot already accompanied another payment of the shop. */
  reused: z.boolean(),
  url: z.string().nullable(),
});
export type OrderProof = z.infer<typeof OrderProof>;

export const Order = z.object({
  id: z.string(),
  order_number: z.string(),
  company_id: z.string(),
  conversation_id: z.string().nullable(),
  customer_name: z.string().nullable(),
  customer_phone: z.string().nullable(),
  delivery_zone: z.string().nullable(),
  delivery_fee: Xof,
  items: z.array(OrderItem),
  items_total: Xof,
  total_amount: Xof,
  status: OrderStatus,
  payment_status: z.enum(["unpaid", "to_verify", "paid", "refunded"]),
  /** Who decided on the declared proof, and when (null until then). */
  payment_verified_by: z.string().nullable(),
  payment_verified_at: z.string().nullable(),
  source: z.enum(["botlive", "manual"]),
  notes: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  /** GET: the screenshots behind its payment claims, for a member to see beside amount and reference. */
  proofs: z.array(OrderProof).optional(),
});
export type Order = z.infer<typeof Order>;

/** Money owed back to a customer (a refund after a sell-out or a cancellation, change over the total). */
export const Refund = z.object({
  id: z.string(),
  order_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  customer_name: z.string().nullable(),
  kind: z.enum(["refund", "change"]),
  reason: z.enum(["sold_out", "draft_cancelled", "order_cancelled", "overpaid"]),
  amount: Xof,
  payment_references: z.array(z.string()),
  /** `to_verify` while built on an unchecked claim, `owed` once the money is known, `void` when the proof was refused. */
  status: z.enum(["to_verify", "owed", "settled", "void"]),
  settled_by: z.string().nullable(),
  settled_at: z.string().nullable(),
  note: z.string().nullable(),
  created_at: z.string(),
});
export type Refund = z.infer<typeof Refund>;

export const OrdersListResponse = z.object({
  orders: z.array(Order),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** `payments` — POST /payments/refund (a member): money owed back paid through the provider that took it. */
export const RefundRequest = z.object({ company_id: CompanyRef, refund_id: z.uuid() });

/** `dashboard` — GET `?company_id=` (a member). */
export const DashboardQuery = z.object({ company_id: CompanyRef });

const DayStats = z.object({
  conversations: z.number().int(),
  messages: z.number().int(),
  orders: z.number().int(),
  revenue: Xof,
  tokens: z.number().int(),
});

export const DashboardResponse = z.object({
  live: z.object({
    enabled: z.boolean(),
    session_id: z.string().nullable(),
    started_at: z.string().nullable(),
  }),
  /** The feed, newest first; the older frontend's fields (type, client, produit, timestamp) beside ours. */
  activity: z.array(z.object({
    id: z.string(),
    type: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    status: z.string(),
    client: z.string().nullable(),
    produit: z.string().nullable(),
    timestamp: z.string(),
    /** « à l'instant », « il y a 5 min », « hier ». */
    relative_time: z.string(),
  })),
  /** Orders being filled (drafts) and pending orders, with each slot done or missing. */
  active_orders: z.array(z.object({
    kind: z.enum(["draft", "order"]),
    id: z.string(),
    order_number: z.string().nullable(),
    user_id: z.string().nullable(),
    user_name: z.string().nullable(),
    produit: z.enum(["done", "missing"]),
    /** `to_verify`: covered by the customer's declared proofs, not yet checked by the shop. */
    paiement: z.enum(["done", "to_verify", "missing"]),
    zone: z.enum(["done", "missing"]),
    numero: z.enum(["done", "missing"]),
    completion_rate: z.number().int(),
    total_amount: Xof.nullable(),
    created_at: z.string(),
  })),
  /** Orders whose customer's proof waits for a member's check (oldest first), and how much. */
  to_verify: z.object({
    count: z.number().int(),
    amount: Xof,
    orders: z.array(z.object({
      id: z.string(),
      order_number: z.string(),
      customer_name: z.string().nullable(),
      total_amount: Xof,
      paid: Xof,
      references: z.array(z.string()),
      created_at: z.string(),
      /** The screenshots behind its claims (signed URLs valid 10 minutes). */
      proofs: z.array(OrderProof).optional(),
    })),
  }),
  /**
   * Money owed back to customers until a member marks it settled (oldest first): `count` and
   * `amount` over what is `owed`, `to_verify_amount` over what still waits for its proof's check.
   */
  refunds: z.object({
    count: z.number().int(),
    amount: Xof,
    to_verify_amount: Xof,
    items: z.array(z.object({
      id: z.string(),
      kind: z.enum(["refund", "change"]),
      reason: z.enum(["sold_out", "draft_cancelled", "order_cancelled", "overpaid"]),
      status: z.enum(["to_verify", "owed"]),
      customer_name: z.string().nullable(),
      amount: Xof,
      order_id: z.string().nullable(),
      payment_references: z.array(z.string()),
      created_at: z.string(),
    })),
  }),
  stats: z.object({ today: DayStats, last_7_days: DayStats }),
  /** Carts being filled: their articles, total and the hold's time left. */
  carts: z.array(z.object({
    conversation_id: z.string(),
    customer_name: z.string().nullable(),
    items: z.array(OrderItem),
    total_amount: Xof.nullable(),
    hold_expires_at: z.string().nullable(),
    hold_seconds_left: z.number().int().nullable(),
    checkout: z.object({ provider: z.string(), state: z.string(), amount: Xof }).nullable(),
  })).optional(),
  /** Customers waiting for a sold-out article, first in line first. */
  waitlist: z.array(z.object({
    product_id: z.string(),
    name: z.string(),
    position: z.number().int(),
    customer_name: z.string().nullable(),
    quantity: z.number().int(),
    since: z.string(),
  })).optional(),
  /** Money today: waiting for a member's check, owed back, received (validated or provider-paid). */
  money: z.object({ to_verify: Xof, owed_back: Xof, received_today: Xof }).optional(),
});
export type DashboardResponse = z.infer<typeof DashboardResponse>;

/** `assistant` limits: a question. */
export const ASSISTANT_MAX_MESSAGE_CHARS = 4000;

const AssistantAsk = z.object({
  action: z.literal("ask"),
  /** Optional for a user in one company; required for a user in several. */
  company_id: CompanyRef.optional(),
  conversation_id: z.uuid().optional(),
  message: text().trim().min(1).max(ASSISTANT_MAX_MESSAGE_CHARS),
});
const AssistantList = z.object({
  action: z.literal("list"),
  company_id: CompanyRef.optional(),
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).max(100_000).default(0),
});
const AssistantMessages = z.object({ action: z.literal("messages"), conversation_id: z.uuid() });
const AssistantRename = z.object({
  action: z.literal("rename"),
  conversation_id: z.uuid(),
  title: text().trim().min(1).max(200),
});
const AssistantArchive = z.object({
  action: z.literal("archive"),
  conversation_id: z.uuid(),
  /** false restores an archived conversation. */
  archived: z.boolean().default(true),
});
const AssistantDelete = z.object({ action: z.literal("delete"), conversation_id: z.uuid() });

/**
 * `assistant` — POST (a signed-in user's session): `{ action, ... }`, `action` defaulting to
 * `ask`, so that `supabase.functions.invoke('assistant', { body })` serves every call.
 */
export const AssistantRequest = z.preprocess(
  (value) =>
    value && typeof value === "object" && !Array.isArray(value) && !("action" in value)
      ? { ...value, action: "ask" }
      : value,
  z.discriminatedUnion("action", [
    AssistantAsk,
    AssistantList,
    AssistantMessages,
    AssistantRename,
    AssistantArchive,
    AssistantDelete,
  ]),
);
export type AssistantRequest = z.infer<typeof AssistantRequest>;

export const AssistantSection = z.enum([
  "company",
  "clients",
  "billing",
  "tasks",
  "projects",
  "appointments",
  "followups",
  "inbox",
]);
export type AssistantSection = z.infer<typeof AssistantSection>;

export const AssistantAskResponse = z.object({
  conversation_id: z.string(),
  message_id: z.string(),
  reply: z.string(),
  /** The context sections the question used (and, for a client's card, `client`). */
  sections: z.array(z.string()),
  /** The figures the answer rests on, from the database (counts, amounts in EUR). */
  facts: z.record(z.string(), z.unknown()),
  usage: z.object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    context_tokens: z.number().int(),
  }),
  model: z.string(),
  /** True when the reply was written without a language model. */
  offline: z.boolean(),
  /** The model's reply had a number the context does not hold: replaced by the facts. */
  replaced: z.boolean(),
  cached_sections: z.array(z.string()),
});
export type AssistantAskResponse = z.infer<typeof AssistantAskResponse>;

export const AssistantConversation = z.object({
  id: z.string(),
  company_id: z.string(),
  title: z.string().nullable(),
  status: z.enum(["active", "archived"]),
  last_message_at: z.string().nullable(),
  created_at: z.string(),
});
export const AssistantListResponse = z.object({
  conversations: z.array(AssistantConversation),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export const AssistantMessagesResponse = z.object({
  conversation_id: z.string(),
  messages: z.array(
    z.object({
      id: z.string(),
      role: z.enum(["user", "assistant"]),
      content: z.string(),
      model_used: z.string().nullable(),
      tokens_used: z.number().int().nullable(),
      created_at: z.string(),
    }).passthrough(),
  ),
});
export const AssistantUpdateResponse = z.object({
  id: z.string(),
  title: z.string().nullable(),
  status: z.enum(["active", "archived", "deleted"]),
});

/** `analytics` — GET `?company_id=&from=&to=` (a member; dates YYYY-MM-DD in the company's time zone, at most 366 days). */
export const AnalyticsQuery = z.object({
  company_id: CompanyRef,
  from: z.iso.date(),
  to: z.iso.date(),
}).refine((q) => q.from <= q.to, { message: "from must not be after to", path: ["from"] });
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

const Usd = z.number().min(0);

export const AnalyticsResponse = z.object({
  company_id: z.string(),
  from: z.string(),
  to: z.string(),
  time_zone: z.string(),
  /** Per day and agent (null: no agent, e.g. Botlive): the conversation figures. */
  days: z.array(z.object({
    day: z.string(),
    agent: z.string().nullable(),
    messages: z.number().int(),
    conversations: z.number().int(),
    /** User message → reply, ms (null without replies that day). */
    response_ms_p50: z.number().nullable(),
    response_ms_p95: z.number().nullable(),
    escalations: z.number().int(),
    errors: z.number().int(),
  })),
  /** Turns refused by a rate limit, per day and limit. */
  refusals: z.array(z.object({ day: z.string(), limit: z.string(), count: z.number().int() })),
  /** The ledger per day, product, provider and model (the model that answered). */
  costs: z.array(z.object({
    day: z.string(),
    product: z.string(),
    provider: z.string(),
    model: z.string(),
    calls: z.number().int(),
    errors: z.number().int(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    cost_usd: Usd,
    /** Calls of a model without a price: not in cost_usd (never counted as 0). */
    unpriced_calls: z.number().int(),
  })),
  /**
   * The range's figures. conversations: those whose first message falls in the range;
   * escalation_rate: escalations / conversations; error_rate: failed provider calls / calls;
   * response_ms_*: over the whole range (percentiles of days do not add up, so `days` cannot give them).
   */
  totals: z.object({
    messages: z.number().int(),
    conversations: z.number().int(),
    escalations: z.number().int(),
    escalation_rate: z.number().min(0).max(1),
    calls: z.number().int(),
    errors: z.number().int(),
    error_rate: z.number().min(0).max(1),
    response_ms_p50: z.number().nullable(),
    response_ms_p95: z.number().nullable(),
    cost_usd: Usd,
    unpriced_calls: z.number().int(),
    cost_per_conversation_usd: Usd.nullable(),
    orders: z.number().int(),
    cost_per_order_usd: Usd.nullable(),
  }),
  /** This month's budget (the company's time zone), if one is set. */
  budget: z.object({
    month: z.string(),
    monthly_limit: z.number(),
    currency: z.enum(["USD", "XOF", "EUR"]),
    spent: z.number(),
    remaining: z.number(),
    soft_reached: z.boolean(),
    cap_reached: z.boolean(),
  }).nullable(),
});
export type AnalyticsResponse = z.infer<typeof AnalyticsResponse>;
