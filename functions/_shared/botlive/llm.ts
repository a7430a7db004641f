/**
 * The models' side of Botlive: the extraction of a customer message with structured output on
 * Groq (Llama 3.3 70B, the company's `prompt_botlive_groq_70b`), falling back to DeepSeek V3
 * (`prompt_botlive_deepseek_v3`), each attempt bounded; the answer to a question from the
 * shop's knowledge base. A model's extraction is validated (zod) and normalised through the
 * catalog matching: a product or zone it names that the catalog does not have is dropped, a
 * phone that is not one is refused, an amount must be an integer of francs. When every model
 * fails, the caller falls back to the offline extractor. Every call is reported to the turn's
 * usage sink (a ledger row each, failed attempts included), and each call's ceiling (its input
 * and output tokens at most) is what the turn reserves against the budget before making it.
 */
import { z } from "zod";
import type { Attempt, ChatMessage, ChatProvider, ChatRequest, Usage } from "../providers/types.ts";
import { ProviderError } from "../providers/types.ts";
import { type Ceiling, chatCalls, failedCalls, type LedgerCall } from "../usage.ts";
import { matchProducts, matchZone } from "./catalog.ts";
import { type Extraction, type ExtractionContext, type Intent, screenAmounts } from "./extract.ts";
import { methodLabel, PAYMENT_METHODS } from "./country.ts";
import { findPhones, findReference, type PaymentMethod } from "./parse.ts";
import { inputTokensBound, type PaidModels, type ProviderModel } from "./spend.ts";

/** Every payment method, as data (country.ts): the models may name any of them. */
const METHODS = PAYMENT_METHODS;
const INTENTS = ["order", "cancel", "human", "question", "greeting", "paid_claim", "other"] as const;

/** What the model is asked to return (JSON Schema for structured output; zod for checking it). */
export const EXTRACTION_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["intent", "product", "variant", "quantity", "zone", "phone", "payment", "customer_name"],
  properties: {
    intent: { type: "string", enum: [...INTENTS] },
    product: { type: ["string", "null"], description: "le nom du produit tel qu'il figure au catalogue" },
    variant: { type: "object", additionalProperties: { type: "string" } },
    quantity: { type: ["integer", "null"] },
    zone: {
      type: ["string", "null"],
      description: "la zone de livraison telle qu'elle figure dans la liste",
    },
    phone: { type: ["string", "null"] },
    payment: {
      type: ["object", "null"],
      additionalProperties: false,
      required: ["amount", "method", "reference"],
      properties: {
        amount: { type: ["integer", "null"], description: "montant payé en FCFA, entier" },
        method: { type: ["string", "null"], enum: [...METHODS, null] },
        reference: { type: ["string", "null"] },
      },
    },
    customer_name: { type: ["string", "null"] },
  },
} as const;

const ModelExtraction = z.object({
  intent: z.enum(INTENTS),
  product: z.string().max(200).nullable(),
  variant: z.record(z.string(), z.string().max(100)).default({}),
  quantity: z.number().int().nullable(),
  zone: z.string().max(200).nullable(),
  phone: z.string().max(40).nullable(),
  payment: z.object({
    amount: z.number().int().nullable(),
    method: z.enum(METHODS).nullable(),
    reference: z.string().max(100).nullable(),
  }).nullable(),
  customer_name: z.string().max(200).nullable(),
});

export interface BotliveModels {
  groq?: ChatProvider;
  deepseek?: ChatProvider;
}

/** Where the models' calls are recorded (a ledger row each), and the models they run (the model asked for). */
export interface Metering {
  usage?: LedgerCall[];
  paid?: PaidModels;
}

/** Output tokens each call may write (sent as max_tokens: the ceiling's bound). */
const EXTRACTION_MAX_TOKENS = 400;
const ANSWER_MAX_TOKENS = 300;
const PROOF_MAX_TOKENS = 200;
/** A passage's characters in an answer's prompt, at most (chunks are smaller: it bounds the prompt). */
const ANSWER_PASSAGE_CHARS = 2_000;

type ChainName = "groq" | "deepseek";

/** Groq then DeepSeek, each with its own prompt, those configured. */
function chainOf(
  models: BotliveModels,
  prompts: { groq: string | null; deepseek: string | null },
): [ChainName, ChatProvider, string | null][] {
  return (["groq", "deepseek"] as const).flatMap((name) => {
    const provider = models[name];
    return provider ? [[name, provider, prompts[name]] as [ChainName, ChatProvider, string | null]] : [];
  });
}

/** One chain call, reported to the sink: the answer (the model that answered) or the failed attempt. */
async function meteredComplete(
  provider: ChatProvider,
  request: ChatRequest,
  metering: Metering,
  requested: string | null,
  kind: "chat" | "vision" = "chat",
) {
  const started = performance.now();
  try {
    const result = await provider.complete(request);
    metering.usage?.push(...chatCalls(result, { requested, kind }));
    return result;
  } catch (error) {
    const attempts = (error as { attempts?: Attempt[] }).attempts ?? [{
      provider: provider.name,
      model: requested ?? (error instanceof ProviderError ? error.model ?? "" : ""),
      ok: false,
      error: error instanceof ProviderError ? error.reason : "http error",
      ms: Math.round(performance.now() - started),
    }];
    metering.usage?.push(...failedCalls(attempts).map((call) => ({ ...call, kind })));
    throw Object.assign(error as object, { attempts });
  }
}

export interface ModelResult<T> {
  value: T;
  model: string;
  provider: string;
  usage: Usage;
  attempts: Attempt[];
}

function extractionMessages(
  prompt: string,
  message: string,
  context: ExtractionContext,
  history: ChatMessage[],
): ChatMessage[] {
  const catalog = context.catalog.map((p) =>
    `- ${p.name}${
      Object.keys(p.variants).length
        ? ` (${Object.entries(p.variants).map(([k, v]) => `${k} : ${v.join("/")}`).join(" ; ")})`
        : ""
    }`
  ).join("\n");
  const zones = context.zones.map((z) => `- ${z.name}${z.aliases.length ? ` (${z.aliases.join(", ")})` : ""}`)
    .join("\n");
  return [
    {
      role: "system",
      content:
        `${prompt}\n\nTa tâche ici : extraire du dernier message du client, en JSON, ce qu'il dit pour sa commande. ` +
        "N'invente rien : un champ que le message ne donne pas vaut null. Le produit et la zone doivent être écrits " +
        "comme dans les listes ci-dessous. Les montants sont des entiers de FCFA (« 15k » = 15000). " +
        "intent : order (il commande ou précise), cancel (il annule), human (il veut parler à quelqu'un), question, " +
        "greeting, paid_claim (il dit avoir payé sans donner montant ni référence), other.\n\n" +
        `Catalogue :\n${catalog}\n\nZones de livraison :\n${zones}` +
        (context.current ? `\n\nProduit déjà choisi : ${context.current.name}` : ""),
    },
    ...history.slice(-6),
    { role: "user", content: message },
  ];
}

/** The model's JSON as an Extraction, through the catalog: nothing it names outside the catalog survives. */
export function normaliseModelExtraction(
  raw: unknown,
  text: string,
  context: ExtractionContext,
): Extraction | null {
  const parsed = ModelExtraction.safeParse(raw);
  if (!parsed.success) return null;
  const m = parsed.data;
  const extraction: Extraction = {
    intent: m.intent as Intent,
    products: m.product ? matchProducts(m.product, context.catalog) : [],
    variantText: [text, ...Object.values(m.variant)].join(" "),
  };
  if (m.quantity !== null && m.quantity >= 1 && m.quantity <= 100) extraction.quantity = m.quantity;
  if (m.zone) {
    const zone = matchZone(m.zone, context.zones);
    if (zone) extraction.zone = zone;
    else extraction.unknownZone = m.zone;
  }
  if (m.phone) {
    const phones = findPhones(m.phone, context.country);
    if (phones.valid[0]) extraction.phone = phones.valid[0];
    else extraction.invalidPhone = m.phone;
  }
  if (m.payment) {
    const { amount, method, reference } = m.payment;
    if (amount !== null && (amount <= 0 || amount > 100_000_000)) extraction.invalidAmount = String(amount);
    // A reference the customer did not write is not one: it must appear in the message.
    const written = reference && text.toUpperCase().includes(reference.toUpperCase())
      ? reference.toUpperCase()
      : findReference(text);
    extraction.payment = {
      ...(amount !== null && amount > 0 && amount <= 100_000_000 ? { amount } : {}),
      ...(method ? { method: method as PaymentMethod } : {}),
      ...(written ? { reference: written } : {}),
    };
    if (Object.keys(extraction.payment).length === 0) delete extraction.payment;
  }
  if (m.customer_name) extraction.customerName = m.customer_name;
  return screenAmounts(extraction, text, context.country);
}

/**
 * Groq with its prompt, then DeepSeek with its own; each attempt bounded by `timeoutMs`. A
 * failure (HTTP error, timeout, JSON that is not the schema) moves on. Null when every model failed.
 */
export async function extractWithModels(
  models: BotliveModels,
  prompts: { groq: string | null; deepseek: string | null },
  text: string,
  context: ExtractionContext,
  history: ChatMessage[],
  timeoutMs: number,
  metering: Metering = {},
): Promise<ModelResult<Extraction> | null> {
  const attempts: Attempt[] = [];
  for (const [name, provider, prompt] of chainOf(models, prompts)) {
    try {
      const result = await meteredComplete(
        provider,
        { ...extractionRequest(prompt, text, context, history), timeoutMs },
        metering,
        metering.paid?.[name] ?? null,
      );
      attempts.push(...result.attempts);
      const extraction = normaliseModelExtraction(result.json, text, context);
      if (!extraction) {
        attempts.push({
          provider: result.provider,
          model: result.model,
          ok: false,
          error: "malformed",
          ms: 0,
        });
        continue;
      }
      return {
        value: extraction,
        model: result.model,
        provider: result.provider,
        usage: result.usage,
        attempts,
      };
    } catch (error) {
      attempts.push(...((error as { attempts?: Attempt[] }).attempts ?? []));
    }
  }
  return null;
}

function extractionRequest(
  prompt: string | null,
  text: string,
  context: ExtractionContext,
  history: ChatMessage[],
): ChatRequest {
  return {
    messages: extractionMessages(
      prompt ?? "Tu es l'assistante de vente d'une boutique en live.",
      text,
      context,
      history,
    ),
    json: { name: "botlive_extraction", schema: EXTRACTION_SCHEMA as unknown as Record<string, unknown> },
    temperature: 0,
    maxTokens: EXTRACTION_MAX_TOKENS,
  };
}

/** What the extraction may cost: each configured model of the chain (a fallback is a second call). */
export function extractionCeilings(
  models: BotliveModels,
  prompts: { groq: string | null; deepseek: string | null },
  text: string,
  context: ExtractionContext,
  history: ChatMessage[],
  paid: PaidModels | undefined,
): Ceiling[] {
  return chainOf(models, prompts).map(([name, provider, prompt]) => {
    const request = extractionRequest(prompt, text, context, history);
    return {
      provider: provider.name,
      model: paid?.[name] ?? "unknown",
      max_input_tokens: inputTokensBound(request.messages, request.json),
      max_output_tokens: EXTRACTION_MAX_TOKENS,
    };
  });
}

/** An answer from the shop's passages through the same chain; null when every model failed. */
export async function answerWithModels(
  models: BotliveModels,
  prompts: { groq: string | null; deepseek: string | null },
  question: string,
  passages: { content: string }[],
  timeoutMs: number,
  metering: Metering = {},
): Promise<ModelResult<string> | null> {
  for (const [name, provider, prompt] of chainOf(models, prompts)) {
    try {
      const result = await meteredComplete(
        provider,
        { ...answerRequest(prompt, question, passages.map((p) => p.content)), timeoutMs },
        metering,
        metering.paid?.[name] ?? null,
      );
      if (result.text.trim()) {
        return {
          value: result.text.trim(),
          model: result.model,
          provider: result.provider,
          usage: result.usage,
          attempts: result.attempts,
        };
      }
    } catch { /* the next model, else the caller's offline answer */ }
  }
  return null;
}

function answerRequest(prompt: string | null, question: string, passages: string[]): ChatRequest {
  const context = passages.map((p, i) => `[${i + 1}] ${p.slice(0, ANSWER_PASSAGE_CHARS)}`).join("\n\n");
  return {
    messages: [
      {
        role: "system",
        content: `${
          prompt ?? ""
        }\n\nRéponds en deux phrases au plus, uniquement avec ces informations de la boutique :\n${context}`,
      },
      { role: "user", content: question },
    ],
    temperature: 0.3,
    maxTokens: ANSWER_MAX_TOKENS,
  };
}

/**
 * What an answer from `count` passages may cost: each configured model of the chain, its prompt
 * bounded by passages of the longest size sent (3 UTF-8 bytes a UTF-16 unit at most).
 */
export function answerCeilings(
  models: BotliveModels,
  prompts: { groq: string | null; deepseek: string | null },
  question: string,
  count: number,
  paid: PaidModels | undefined,
): Ceiling[] {
  const widest = "\u20ac".repeat(ANSWER_PASSAGE_CHARS);
  return chainOf(models, prompts).map(([name, provider, prompt]) => ({
    provider: provider.name,
    model: paid?.[name] ?? "unknown",
    max_input_tokens: inputTokensBound(answerRequest(prompt, question, Array(count).fill(widest)).messages),
    max_output_tokens: ANSWER_MAX_TOKENS,
  }));
}

const ProofReading = z.object({
  amount: z.number().int().nullable(),
  method: z.enum(METHODS).nullable(),
  reference: z.string().max(100).nullable(),
});

/** What the vision model is asked to read off a payment screenshot. */
export const PROOF_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["amount", "method", "reference"],
  properties: {
    amount: { type: ["integer", "null"], description: "montant envoyé, en FCFA, entier" },
    method: { type: ["string", "null"], enum: [...METHODS, null] },
    reference: { type: ["string", "null"], description: "l'identifiant de la transaction" },
  },
} as const;

/**
 * A payment-screenshot reader on a vision-capable model: the image URL and its caption sent,
 * `{ amount, method, reference }` read back with structured output and checked (an integer of
 * francs in range, a known method, a reference that looks like one). Null when the model fails
 * or reads nothing usable: the bot then asks for the amount and reference in text.
 */
export function createProofReader(provider: ChatProvider, timeoutMs: number, model?: string) {
  return async function readProof(attachment: { url?: string; caption?: string }, usage?: LedgerCall[]) {
    if (!attachment.url) return null;
    try {
      const result = await meteredComplete(
        provider,
        { ...proofRequest(attachment.url, attachment.caption), timeoutMs },
        { usage },
        model ?? null,
        "vision",
      );
      const parsed = ProofReading.safeParse(result.json);
      if (!parsed.success) return null;
      const { amount, method, reference } = parsed.data;
      const read = {
        ...(amount !== null && amount > 0 && amount <= 100_000_000 ? { amount } : {}),
        ...(method ? { method: method as PaymentMethod } : {}),
        ...(reference && /^[A-Za-z0-9][A-Za-z0-9._-]{3,40}$/.test(reference)
          ? { reference: reference.toUpperCase() }
          : {}),
      };
      return Object.keys(read).length > 0 ? read : null;
    } catch {
      return null;
    }
  };
}

function proofRequest(url: string, caption: string | undefined): ChatRequest {
  return {
    messages: [
      {
        role: "system",
        content:
          `Tu lis des captures d'écran de paiements mobile money en Afrique de l'Ouest (${
            PAYMENT_METHODS.filter((m) => m !== "cash" && m !== "card" && m !== "other").map(methodLabel)
              .join(", ")
          }). ` +
          "Donne le montant envoyé en FCFA (entier), le moyen de paiement et l'identifiant de la transaction tels qu'ils " +
          "figurent sur l'image ; null pour ce qui n'y figure pas. N'invente rien.",
      },
      { role: "user", content: caption ?? "Capture du paiement", images: [url] },
    ],
    json: { name: "payment_proof", schema: PROOF_SCHEMA as unknown as Record<string, unknown> },
    temperature: 0,
    maxTokens: PROOF_MAX_TOKENS,
  };
}

/** What reading a screenshot may cost on `vision` (the image at its most tokens); none without a URL. */
export function proofCeilings(
  vision: ProviderModel | undefined,
  attachment: { url?: string; caption?: string },
): Ceiling[] {
  if (!vision || !attachment.url) return [];
  const request = proofRequest(attachment.url, attachment.caption);
  return [{
    ...vision,
    max_input_tokens: inputTokensBound(request.messages, request.json),
    max_output_tokens: PROOF_MAX_TOKENS,
  }];
}
