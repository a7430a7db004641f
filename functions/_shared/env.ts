/**
 * Configuration, read and validated once at start-up. A missing or malformed variable fails
 * fast with its name; provider keys are optional (without them Comptoir runs `offline`).
 */
import { z } from "zod";

const schema = z.object({
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  SUPABASE_URL: z.url(),
  SUPABASE_ANON_KEY: z.string().min(20),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  SUPABASE_JWKS_URL: z.url().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(4),
  RATE_LIMIT_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(10),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
});

export interface Env {
  dbUrl: string;
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  /** HS256 secret; when absent the project's JWKS (`/auth/v1/.well-known/jwks.json`) is used. */
  jwtSecret?: string;
  jwksUrl: string;
  dbPoolMax: number;
  rateLimit: { messages: number; windowSeconds: number };
  /** Every variable as given, for modules that read their own (providers). */
  raw: Record<string, string | undefined>;
}

/** Reads and validates the environment; throws an Error naming each bad variable. */
export function loadEnv(source: Record<string, string | undefined> = Deno.env.toObject()): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "?");
      return cleaned[name] === undefined ? `${name} is missing` : `${name} ${issue.message}`;
    });
    throw new Error(`configuration: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  return {
    dbUrl: v.SUPABASE_DB_URL,
    supabaseUrl: v.SUPABASE_URL.replace(/\/$/, ""),
    anonKey: v.SUPABASE_ANON_KEY,
    serviceRoleKey: v.SUPABASE_SERVICE_ROLE_KEY,
    jwtSecret: v.SUPABASE_JWT_SECRET,
    jwksUrl: v.SUPABASE_JWKS_URL ?? `${v.SUPABASE_URL.replace(/\/$/, "")}/auth/v1/.well-known/jwks.json`,
    dbPoolMax: v.DB_POOL_MAX,
    rateLimit: { messages: v.RATE_LIMIT_MESSAGES, windowSeconds: v.RATE_LIMIT_WINDOW_SECONDS },
    raw: cleaned,
  };
}
