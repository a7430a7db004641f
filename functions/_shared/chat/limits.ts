/**
 * The widget's per-conversation rate limit: one key per (company, conversation), the
 * company's limits from its RAG config (company_rate_limit) or the environment's defaults.
 * Shared by `chat` (check_rate_limit: counts) and `rate-limit` (peek_rate_limit: does not).
 */
import type { Tx } from "../db.ts";

/** The allowance check_rate_limit / peek_rate_limit report. */
export interface Allowance {
  allowed: boolean;
  remaining: number;
  limit: number;
  resetAt: Date;
  retryAfterSeconds: number;
  companyId: string;
  companySlug: string;
}

/** The key of a widget conversation: the company's uuid, so that slug and uuid callers share it. */
export function rateLimitKey(companyId: string, conversationId: string): string {
  return `chat:${companyId}:${conversationId}`;
}

/**
 * Resolves the company (uuid or slug; unknown → P0002) and checks (`consume`) or peeks at the
 * conversation's allowance, in one statement.
 */
export async function allowance(
  tx: Tx,
  options: {
    company: string;
    conversationId: string;
    defaults: { messages: number; windowSeconds: number };
    consume: boolean;
  },
): Promise<Allowance> {
  const { company, conversationId, defaults } = options;
  const limiter = options.consume ? tx`public.check_rate_limit` : tx`public.peek_rate_limit`;
  const rows = await tx`
    with co as (select c.id, c.slug from public.companies c where c.id = private.resolve_company(${company})),
    lim as (
      select coalesce(l.max_requests, ${defaults.messages}::int) as m,
             coalesce(l.window_seconds, ${defaults.windowSeconds}::int) as w
      from (select 1) one left join public.company_rate_limit(${company}) l on true
    )
    select co.id::text as company_id, co.slug, r.allowed, r.remaining, r."limit", r.reset_at, r.retry_after_seconds
    from co, lim, ${limiter}('chat:' || co.id || ':' || ${conversationId}::text, lim.m, lim.w) r`;
  const row = rows[0];
  return {
    allowed: row.allowed,
    remaining: row.remaining,
    limit: row.limit,
    resetAt: new Date(row.reset_at),
    retryAfterSeconds: row.retry_after_seconds,
    companyId: row.company_id,
    companySlug: row.slug,
  };
}

/** Postgres errors a request caused (unknown company, bad argument), by SQLSTATE. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}
