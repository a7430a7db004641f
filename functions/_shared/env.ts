/**
 * Configuration, read and validated once at start-up. A missing or malformed variable fails
 * fast with its name; provider keys are optional (without them Comptoir runs `offline`).
 *
 * What a deployed function gets from the platform (names starting with `SUPABASE_` cannot be
 * set as secrets): `SUPABASE_URL`, `SUPABASE_DB_URL` (the direct connection), the API keys as
 * JSON objects of named keys (`SUPABASE_PUBLISHABLE_KEYS`, `SUPABASE_SECRET_KEYS`), the
 * project's `SUPABASE_JWKS`, and on projects that still have them the legacy
 * `SUPABASE_ANON_KEY` / `SUPABASE_SERVICE_ROLE_KEY`. Our own secrets: `DB_POOLER_URL`
 * (Supavisor, transaction mode) and `LEGACY_JWT_SECRET` (only for projects whose users still
 * get HS256 sessions signed with the legacy JWT secret).
 */
import { z } from "zod";
import type { ChatDefaults } from "./chat/store.ts";

const PostgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");

/** `{"default": "sb_publishable_…", "web": "…"}`: named keys, as the platform provides them. */
const NamedKeys = z.string().transform((raw, ctx) => {
  try {
    const value = JSON.parse(raw);
    const keys = z.record(z.string(), z.string().min(1)).parse(value);
    return keys;
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be a JSON object of named keys ({"default": "sb_…"})' });
    return z.NEVER;
  }
});

/** `{"keys": [...]}` or a bare array of JWKs. */
const Jwks = z.string().transform((raw, ctx) => {
  try {
    const value = JSON.parse(raw);
    const keys = Array.isArray(value) ? value : value?.keys;
    if (!Array.isArray(keys)) throw new Error("no keys");
    return { keys: keys as Record<string, unknown>[] };
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be a JSON Web Key Set ({"keys": [...]})' });
    return z.NEVER;
  }
});

const schema = z.object({
  SUPABASE_DB_URL: PostgresUrl,
  DB_POOLER_URL: PostgresUrl.optional(),
  SUPABASE_URL: z.url(),
  SUPABASE_PUBLISHABLE_KEYS: NamedKeys.optional(),
  SUPABASE_SECRET_KEYS: NamedKeys.optional(),
  SUPABASE_JWKS: Jwks.optional(),
  SUPABASE_ANON_KEY: z.string().min(20).optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20).optional(),
  LEGACY_JWT_SECRET: z.string().min(32).optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(4),
  // The chat's defaults, for every company that leaves the setting null in company_rag_configs.
  RATE_LIMIT_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(10),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  VISITOR_TURNS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  ADDRESS_TURNS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  COMPANY_TURNS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  COMPANY_TOKENS_PER_DAY: z.coerce.number().int().min(1).default(2_000_000),
  MATCH_COUNT: z.coerce.number().int().min(1).max(50).default(5),
  MATCH_THRESHOLD: z.coerce.number().min(0).max(1).default(0.2),
});

/** A JSON Web Key Set (public keys, and on local stacks the legacy secret as an `oct` key). */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

export interface Env {
  /** The pooler when DB_POOLER_URL is set, else the direct connection. */
  dbUrl: string;
  /** Which of the two `dbUrl` is, for logs and health (never the URL itself). */
  dbConnection: "pooler" | "direct";
  supabaseUrl: string;
  /** What verifies callers: API keys, the project's JWKS, the legacy keys if any. */
  auth: {
    publishableKeys: Record<string, string>;
    secretKeys: Record<string, string>;
    /** SUPABASE_JWKS, else the project's `/auth/v1/.well-known/jwks.json`. */
    jwks: JsonWebKeySet | URL;
    legacy: { anonKey?: string; serviceRoleKey?: string; jwtSecret?: string };
  };
  dbPoolMax: number;
  /** The chat's defaults (what a company's null setting means): the one place of each. */
  chat: ChatDefaults;
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
  const supabaseUrl = v.SUPABASE_URL.replace(/\/$/, "");
  return {
    dbUrl: v.DB_POOLER_URL ?? v.SUPABASE_DB_URL,
    dbConnection: v.DB_POOLER_URL ? "pooler" : "direct",
    supabaseUrl,
    auth: {
      publishableKeys: v.SUPABASE_PUBLISHABLE_KEYS ?? {},
      secretKeys: v.SUPABASE_SECRET_KEYS ?? {},
      jwks: v.SUPABASE_JWKS ?? new URL(`${supabaseUrl}/auth/v1/.well-known/jwks.json`),
      legacy: {
        anonKey: v.SUPABASE_ANON_KEY,
        serviceRoleKey: v.SUPABASE_SERVICE_ROLE_KEY,
        jwtSecret: v.LEGACY_JWT_SECRET,
      },
    },
    dbPoolMax: v.DB_POOL_MAX,
    chat: {
      rate_limit_messages: v.RATE_LIMIT_MESSAGES,
      rate_limit_window_seconds: v.RATE_LIMIT_WINDOW_SECONDS,
      visitor_turns_per_minute: v.VISITOR_TURNS_PER_MINUTE,
      address_turns_per_minute: v.ADDRESS_TURNS_PER_MINUTE,
      company_turns_per_minute: v.COMPANY_TURNS_PER_MINUTE,
      company_tokens_per_day: v.COMPANY_TOKENS_PER_DAY,
      match_count: v.MATCH_COUNT,
      match_threshold: v.MATCH_THRESHOLD,
    },
    raw: cleaned,
  };
}

/**
 * The key a function sends when it calls the project's own APIs as the platform (Storage): the
 * first secret key, else a legacy project's service_role key; undefined when it has neither.
 */
export function platformKey(env: Env): string | undefined {
  return Object.values(env.auth.secretKeys)[0] ?? env.auth.legacy.serviceRoleKey;
}
