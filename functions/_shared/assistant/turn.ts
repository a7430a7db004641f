/**
 * The assistant: one business question answered from the company's own data, and the user's
 * conversations managed. Every call runs for the signed-in user (the claims verified by the
 * handler): the conversation's ownership and the company membership are decided in SQL first
 * (another user's conversation is a 404 whatever the action), before anything is stored.
 *
 * ask:
 * 1. begin (service, with the user's id): company, conversation (or a new one, titled from the
 *    question), the question stored;
 * 2. the sections the question needs (router model with structured output, else keywords);
 * 3. the context: valid cached sections (service), the rest built as the user
 *    (build_company_context under RLS, with the versions read in the same statement), stored
 *    back (service) unless a write moved a version on meanwhile; a client's card looked up by
 *    name (accent- and typo-tolerant) as the user;
 * 4. trimmed to the token budget (lists shortened, totals kept);
 * 5. the answer: the chat chain with the facts, its numbers checked against the snapshot (a reply
 *    with a number the context does not hold is replaced by the offline answer and flagged);
 *    offline (no keys) the deterministic answerer; every provider failing → 503, the question kept;
 * 6. finish (service): the answer with exactly the context sent and its hash, tokens, model, latency.
 */
import type { Claims } from "../auth.ts";
import { foldText } from "../providers/lexical.ts";
import type { Db } from "../db.ts";
import { dbStep } from "../errors.ts";
import { HttpError } from "../http.ts";
import { AllProvidersFailed, type ChatProvider, ProviderError } from "../providers/index.ts";
import type { AssistantAskResponse, AssistantRequest, AssistantSection } from "../../../types/api.ts";
import { answerOffline, type EntityMatch } from "./answer.ts";
import { unsupportedNumbers } from "./check.ts";
import { fitBudget, sha256, tokensOf } from "./budget.ts";
import { classifyTurn, classifyWithModel } from "./intent.ts";
import { periodLabel } from "./period.ts";

export { fitBudget, tokensOf } from "./budget.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface AssistantDeps {
  db: Db;
  /** The answer's chain (OpenRouter with fallbacks, then Groq, DeepSeek, OpenAI). */
  chat: ChatProvider;
  /** The section classifier's chain. */
  router: ChatProvider;
  /** True when no LLM key is set: keywords and the deterministic answerer. */
  offline: boolean;
  /** Each model attempt's bound. */
  timeoutMs: number;
  /** Context tokens at most (default 3,000). */
  contextBudget?: number;
  /** The clock (« today », the week, periods: SQL reads it in the company's time zone); default the real one. */
  clock?: () => Date;
}

const SYSTEM =
  `Tu es l'assistant de gestion d'une petite entreprise française. Tu réponds en français, brièvement, \
aux questions du dirigeant sur ses propres données (clients, devis, factures, tâches, projets, rendez-vous, relances, messages).
Règles : utilise uniquement les faits fournis ci-dessous (JSON, calculés par la base de données) ; n'invente aucun chiffre, \
montant, nom ni date ; recopie les montants tels qu'ils sont (en euros, format français « 1 250,50 € ») ; si l'information \
n'est pas dans les faits, dis-le simplement.`;

export function createAssistant(deps: AssistantDeps) {
  const { db } = deps;
  const service = <T>(fn: Parameters<Db["asService"]>[0]) =>
    dbStep("assistant", () => db.asService(fn)) as Promise<T>;
  const budget = deps.contextBudget ?? 3000;

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

  async function ask(
    claims: Claims,
    body: Extract<AssistantRequest, { action: "ask" }>,
  ): Promise<AssistantAskResponse> {
    const started = performance.now();
    const [{ begun }] = await service<Json[]>((tx) =>
      tx`select public.assistant_begin_turn(${claims.sub}::uuid, ${body.company_id ?? null}, ${
        body.conversation_id ?? null
      }::uuid,
           ${body.message}) as begun`
    );
    const company = { id: begun.company_id as string, slug: begun.company_slug as string };
    const now = deps.clock?.() ?? new Date();
    const history = begun.history as { role: "user" | "assistant"; content: string }[];
    // A follow-up (« et le mois dernier ? ») keeps the subject of the conversation's earlier questions.
    const classified = classifyTurn(
      body.message,
      history.filter((h) => h.role === "user").map((h) => h.content),
    );
    let sections = classified.sections;
    if (!deps.offline) {
      const picked = await classifyWithModel(deps.router, body.message, deps.timeoutMs);
      if (picked) sections = [...new Set([...classified.sections, ...picked])];
    }
    // The company's calendar day is in `company`; the week's appointments need it for « today ».
    if (classified.intent === "today_appointments" && !sections.includes("company")) {
      sections = [...sections, "company"];
    }
    const { context: full, cachedSections } = await context(claims, company, sections, now);
    if (classified.period) {
      // A period's totals are computed in SQL, as the user, in the company's time zone.
      const [{ totals }] = await db.asUser(
        claims,
        (tx) =>
          tx`select public.billing_period_totals(${company.id}, ${classified
            .period!}, ${now}::timestamptz) as totals`,
      );
      full.period = { ...totals, label: periodLabel(totals) };
    }
    let entity: EntityMatch | undefined;
    if (classified.intent === "client_card" && classified.entity) {
      entity = await lookupClient(claims, company.slug, classified.entity);
      if (entity.card) full.client = entity.card;
    }
    const { context: snapshot, trimmed } = fitBudget(full, budget);
    const offlineAnswer = answerOffline(classified.intent, full, entity, foldText(body.message));

    let reply = offlineAnswer.text;
    let model = "offline";
    let usage = { promptTokens: 0, completionTokens: 0 };
    let replaced = false;
    let rejected: { reply: string; numbers: number[] } | null = null;
    if (!deps.offline) {
      try {
        const result = await deps.chat.complete({
          messages: [
            { role: "system", content: SYSTEM },
            { role: "system", content: `Faits de l'entreprise (JSON) :\n${JSON.stringify(snapshot)}` },
            ...history,
            { role: "user", content: body.message },
          ],
          temperature: 0.2,
          maxTokens: 500,
          timeoutMs: deps.timeoutMs,
        });
        model = result.model;
        usage = result.usage;
        const wrong = unsupportedNumbers(result.text, snapshot, body.message);
        if (result.text.trim() && wrong.length === 0) reply = result.text.trim();
        else {
          replaced = true;
          // Kept for « why was it replaced? »: the model's text and the figures the context lacks.
          rejected = { reply: result.text.slice(0, 4000), numbers: wrong.slice(0, 20) };
        }
      } catch (error) {
        if (error instanceof AllProvidersFailed || error instanceof ProviderError) {
          throw new HttpError(
            "unavailable",
            "assistant: every model failed; your question is kept, ask again in a moment",
            {
              conversation_id: begun.conversation_id,
            },
          );
        }
        throw error;
      }
    }
    const snapshotText = JSON.stringify(snapshot);
    const hash = await sha256(snapshotText);
    const contextTokens = tokensOf(snapshot);
    const usedSections = [
      ...sections,
      ...(entity?.card ? ["client"] : []),
      ...(full.period ? ["period"] : []),
    ];
    const [{ id }] = await service<Json[]>((tx) =>
      tx`select public.assistant_finish_turn(${begun.conversation_id}::uuid, ${reply}, ${
        tx.json({
          model_used: model,
          tokens_used: usage.promptTokens + usage.completionTokens,
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          latency_ms: Math.round(performance.now() - started),
          context_snapshot: { context: snapshot, hash, sections: usedSections },
          metadata: {
            intent: classified.intent,
            period: classified.period ?? null,
            follow_up: Boolean(classified.followUp),
            sections: usedSections,
            cached_sections: cachedSections,
            context_tokens: contextTokens,
            trimmed,
            replaced,
            rejected,
            offline: deps.offline,
            facts: offlineAnswer.facts,
          },
        } as Json)
      }) as id`
    );
    return {
      conversation_id: begun.conversation_id,
      message_id: id,
      reply,
      sections: usedSections,
      facts: offlineAnswer.facts,
      usage: {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        context_tokens: contextTokens,
      },
      model,
      offline: deps.offline,
      replaced,
      cached_sections: cachedSections,
    };
  }

  return async function run(claims: Claims, body: AssistantRequest): Promise<unknown> {
    switch (body.action) {
      case "ask":
        return await ask(claims, body);
      case "list": {
        const [{ result }] = await service<Json[]>((tx) =>
          tx`select public.assistant_list_conversations(${claims.sub}::uuid, ${
            body.company_id ?? null
          }, ${body.limit}, ${body.offset}) as result`
        );
        return {
          conversations: result.conversations,
          total: result.total,
          limit: body.limit,
          offset: body.offset,
        };
      }
      case "messages": {
        const [{ result }] = await service<Json[]>((tx) =>
          tx`select public.assistant_conversation_messages(${claims.sub}::uuid, ${body.conversation_id}::uuid) as result`
        );
        return { conversation_id: body.conversation_id, messages: result };
      }
      case "rename":
      case "archive":
      case "delete": {
        const status = body.action === "delete"
          ? "deleted"
          : body.action === "archive"
          ? (body.archived ? "archived" : "active")
          : null;
        const title = body.action === "rename" ? body.title : null;
        const [{ result }] = await service<Json[]>((tx) =>
          tx`select public.assistant_update_conversation(${claims.sub}::uuid, ${body.conversation_id}::uuid, ${title}, ${status}) as result`
        );
        return result;
      }
    }
  };
}
