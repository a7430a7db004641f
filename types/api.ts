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
  z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a company uuid or its text id (lowercase-kebab)").max(63),
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
