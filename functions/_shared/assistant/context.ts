/**
 * The facts a question is answered from: valid cached sections (service), the rest built as
 * the user (build_company_context under RLS, with the versions read in the same statement) and
 * stored back (service) unless a write moved a version on meanwhile; a client's card looked up
 * by name (accent- and typo-tolerant) as the user.
 */
import type { Claims } from "../auth.ts";
import type { Db, Tx } from "../db.ts";
import { foldText } from "../providers/lexical.ts";
import type { AssistantSection } from "../../../types/api.ts";
import type { EntityMatch } from "./answer.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A service-role step (errors mapped by dbStep). */
export type Service = <T>(fn: (tx: Tx) => Promise<unknown>) => Promise<T>;

/** The context steps over `db`. */
export function createContextSteps(db: Db, service: Service) {
  async function context(
    claims: Claims,
    company: { id: string; slug: string },
    sections: AssistantSection[],
    now: Date,
  ) {
    const [{ cached }] = await service<Json[]>((tx) =>
      tx`select public.assistant_cached_context(${company.id}::uuid, ${sections}::text[]) as cached`
    );
    const missing = sections.filter((s) => !(s in cached));
    let built: Json = {};
    if (missing.length > 0) {
      // One statement: the context and the versions it was built at share a snapshot.
      const [row] = await db.asUser(
        claims,
        (tx) =>
          tx`select public.build_company_context(${company.id}, ${missing}::text[], ${now}::timestamptz) as context,
             (select coalesce(jsonb_object_agg(v.section, v.version), '{}') from private.context_versions v
              where v.company_id = ${company.id}::uuid and v.section = any (${missing}::text[])) as versions`,
      );
      built = row.context;
      await service((tx) =>
        tx`select public.assistant_store_context(${company.id}::uuid, ${tx.json(built)}, ${
          tx.json(row.versions)
        })`
      );
    }
    return { context: { ...cached, ...built } as Json, cachedSections: sections.filter((s) => s in cached) };
  }

  async function lookupClient(claims: Claims, company: string, name: string): Promise<EntityMatch> {
    return await db.asUser(claims, async (tx) => {
      const matches = await tx<{ id: string; name: string; score: number }[]>`
        select id::text, name, score from public.find_company_entities(${company}, ${name}, 'client', 5)`;
      const exact = matches.find((m) => foldText(m.name).trim() === foldText(name).trim());
      const best = exact ?? matches[0];
      if (!best || best.score < 0.45) return { missing: name };
      const close = exact
        ? []
        : matches.filter((m) => m !== best && m.score >= best.score - 0.1 && m.score >= 0.45);
      if (close.length > 0) return { candidates: [best, ...close].map((m) => m.name) };
      const [{ card }] = await tx`select public.client_card(${company}, ${best.id}::uuid) as card`;
      return { card };
    });
  }

  return { context, lookupClient };
}
