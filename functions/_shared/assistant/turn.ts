/**
 * The assistant: one business question answered from the company's own data, and the user's
 * conversations managed. Every call runs for the signed-in user (the claims verified by the
 * handler): the conversation's ownership and the company membership are decided in SQL first
 * (another user's conversation is a 404 whatever the action), before anything is stored.
 *
 * ask:
 * 1. begin (service, with the user's id): company, conversation (or a new one, titled from the
 *    question), the question stored;
 * 2. the budget (service, unless offline): money set aside for the router's and the answer's
 *    ceilings, else the budget's fallback model for the answer, else offline with a note (spend.ts);
 * 3. the sections the question needs (router model with structured output, else keywords);
 * 4. the context (context.ts): cached sections, the rest built as the user; a client's card;
 * 5. trimmed to the token budget (lists shortened, totals kept) and to what was reserved;
 * 6. the answer: the chat chain with the facts, its numbers checked against the snapshot (a reply
 *    with a number the context does not hold is replaced by the offline answer and flagged);
 *    offline (no keys) the deterministic answerer; every provider failing → 503, the question kept;
 * 7. finish (service): the answer with exactly the context sent and its hash, tokens, model,
 *    latency, and the turn's provider calls for the ledger with the reservation released (one
 *    round trip; a 503 records its failed calls alone, having no answer to store).
 */
import type { Claims } from "../auth.ts";
import { foldText } from "../providers/lexical.ts";
import type { Db } from "../db.ts";
import { dbStep } from "../errors.ts";
import { HttpError } from "../http.ts";
import {
  AllProvidersFailed,
  type ChatProvider,
  type ChatRequest,
  ProviderError,
} from "../providers/index.ts";
import { chatCalls, failedCalls, type LedgerCall, type Reservation } from "../usage.ts";
import type { AssistantAskResponse, AssistantRequest } from "../../../types/api.ts";
import { answerOffline, type EntityMatch } from "./answer.ts";
import { unsupportedNumbers } from "./check.ts";
import { bytesOf, fitBudget, sha256, tokensOf } from "./budget.ts";
import { createContextSteps, type Service } from "./context.ts";
import { classifyTurn, classifyWithModel, routerRequest } from "./intent.ts";
import { manage } from "./manage.ts";
import { periodLabel } from "./period.ts";
import {
  ANSWER_MAX_TOKENS,
  type AssistantModels,
  CAP_NOTE,
  ceilingOf,
  type PaidModel,
  planSpend,
  type SpendPlan,
} from "./spend.ts";

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
  /**
   * The paid models behind `chat` and `router` (spend.ts's assistantModels), for the budget's
   * ceilings and its fallback model; without them a call is reserved as an unpriced model's
   * and the fallback model is not used.
   */
  models?: AssistantModels;
}

const SYSTEM =
  `Tu es l'assistant de gestion d'une petite entreprise française. Tu réponds en français, brièvement, \
aux questions du dirigeant sur ses propres données (clients, devis, factures, tâches, projets, rendez-vous, relances, messages).
Règles : utilise uniquement les faits fournis ci-dessous (JSON, calculés par la base de données) ; n'invente aucun chiffre, \
montant, nom ni date ; recopie les montants tels qu'ils sont (en euros, format français « 1 250,50 € ») ; si l'information \
n'est pas dans les faits, dis-le simplement.`;

export function createAssistant(deps: AssistantDeps) {
  const { db } = deps;
  const service: Service = <T>(fn: Parameters<Db["asService"]>[0]) =>
    dbStep("assistant", () => db.asService(fn)) as Promise<T>;
  const budget = deps.contextBudget ?? 3000;
  // The facts may take this many bytes of the answer's reserved prompt (a token is at least a byte).
  const factsBytes = Math.ceil(budget * 4 * 1.25);
  const { context, lookupClient } = createContextSteps(db, service);
  const head = deps.chat.name.split(">")[0];
  const models = {
    answer: deps.models?.answer ?? { provider: head, model: "unknown" },
    router: deps.models?.router ?? { provider: head, model: "unknown" },
  } satisfies Record<string, PaidModel>;

  /** The budget's decision, before any paid call (one round trip; none offline). */
  async function plan(companyId: string, question: string, answerReq: ChatRequest): Promise<SpendPlan> {
    if (deps.offline) return { mode: "offline", capped: false, reservation: null };
    const decided = await planSpend(
      async (ceilings) =>
        (await service<Json[]>((tx) =>
          tx`select public.budget_reserve(${companyId}::uuid, ${tx.json(ceilings as Json)}) as r`
        ))[0].r as Reservation,
      {
        router: ceilingOf(models.router, routerRequest(question, deps.timeoutMs)),
        answer: ceilingOf(models.answer, answerReq, factsBytes),
      },
    );
    // Without a way to call the fallback model alone, the cap answers offline (its hold released at finish).
    if (decided.mode === "fallback" && !deps.models) {
      return { mode: "offline", capped: true, reservation: decided.reservation };
    }
    return decided;
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
    const answerRequest = (facts: string): ChatRequest => ({
      messages: [
        { role: "system", content: SYSTEM },
        { role: "system", content: `Faits de l'entreprise (JSON) :\n${facts}` },
        ...history,
        { role: "user", content: body.message },
      ],
      temperature: 0.2,
      maxTokens: ANSWER_MAX_TOKENS,
      timeoutMs: deps.timeoutMs,
    });
    const spend = await plan(company.id, body.message, answerRequest(""));
    const calls: LedgerCall[] = [];
    let sections = classified.sections;
    if (spend.mode === "paid") {
      const picked = await classifyWithModel(
        deps.router,
        body.message,
        deps.timeoutMs,
        deps.models?.router.model,
      );
      calls.push(...picked.calls);
      if (picked.sections) sections = [...new Set([...classified.sections, ...picked.sections])];
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
    let { context: snapshot, trimmed } = fitBudget(full, budget);
    if (spend.mode !== "offline" && bytesOf(snapshot) > factsBytes) {
      // What was reserved bounds the prompt: the facts are cut to it (or the model is not called).
      const cut = fitBudget(snapshot, factsBytes, bytesOf);
      snapshot = cut.context;
      trimmed = true;
    }
    const offlineAnswer = answerOffline(classified.intent, full, entity, foldText(body.message));

    let reply = offlineAnswer.text;
    let model = "offline";
    let usage = { promptTokens: 0, completionTokens: 0 };
    let replaced = false;
    let rejected: { reply: string; numbers: number[] } | null = null;
    const provider: ChatProvider | null = spend.mode === "offline" || bytesOf(snapshot) > factsBytes
      ? null
      : spend.mode === "fallback"
      ? deps.models!.single(spend.model)
      : deps.chat;
    // Without the models, the ledger has only the model that answered.
    const requested = spend.mode === "fallback" ? spend.model : deps.models?.answer.model ?? null;
    if (provider) {
      try {
        const result = await provider.complete(answerRequest(JSON.stringify(snapshot)));
        calls.push(...chatCalls(result, { requested }));
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
        if (!(error instanceof AllProvidersFailed || error instanceof ProviderError)) throw error;
        calls.push(
          ...(error instanceof AllProvidersFailed ? failedCalls(error.attempts) : failedCalls([{
            provider: error.provider,
            model: error.model ?? requested ?? "",
            ok: false,
            error: error.reason,
            ms: 0,
          }])),
        );
        if (spend.mode === "paid") {
          // No answer to store: this is the turn's last round trip, the failed calls its only writes.
          await service((tx) =>
            tx`select public.ledger_record(${company.id}::uuid, 'assistant', ${begun.conversation_id}::uuid,
              ${tx.json(calls as Json)}, ${spend.reservation?.reservation ?? null}::uuid)`
          );
          throw new HttpError(
            "unavailable",
            "assistant: every model failed; your question is kept, ask again in a moment",
            { conversation_id: begun.conversation_id },
          );
        }
        // The budget's fallback model failed: the answer from the facts, with the cap's note.
      }
    }
    const capped = spend.mode !== "paid" && model === "offline" &&
      (spend.mode === "fallback" || spend.capped);
    if (capped) reply = `${reply}\n\n${CAP_NOTE}`;
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
            offline: model === "offline",
            facts: offlineAnswer.facts,
            budget: {
              mode: spend.mode,
              capped,
              reserved_usd: spend.reservation?.amount_usd ?? null,
              soft: spend.reservation?.soft ?? false,
            },
          },
          usage: calls,
          reservation: spend.reservation?.reservation ?? null,
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
      offline: model === "offline",
      replaced,
      cached_sections: cachedSections,
    };
  }

  return async function run(claims: Claims, body: AssistantRequest): Promise<unknown> {
    switch (body.action) {
      case "ask":
        return await ask(claims, body);
      default:
        return await manage(service, claims, body);
    }
  };
}
