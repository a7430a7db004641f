/**
 * One Botlive customer turn, the orchestration only:
 *
 * 1. begin (one round trip): the inbound message recorded once per message id — a retried
 *    message gets the stored reply and changes nothing —, the mode (live while a session is open,
 *    else rag), whether a human has the conversation, the draft, the catalog and zones;
 * 2. a human has it: the bot stays silent;
 *    before the first paid call (a model, the vision reader, a paid embedding or rerank), one
 *    budget round trip reserves the ceilings of every paid call the turn may make (spend.ts);
 *    refused at the cap, the turn runs offline: the offline extractor, the best passages;
 * 3. live: the message read into slots (the models with structured output, Groq then DeepSeek,
 *    else the offline extractor), merged into the draft (corrections replace), a payment proof
 *    recorded (accepted once per reference; below the amount due it is refused with the missing
 *    amount), and the order placed once the four slots are complete and paid — one SQL
 *    transaction, exactly once; a question in between is answered from the knowledge base and
 *    the order resumes; « j'annule » drops the draft; a request for a human opens an escalation;
 * 4. rag: an answer from the shop's knowledge base;
 * 5. finish: the reply stored under the message id, with the turn's calls for the usage ledger
 *    and its reservation released (one round trip).
 *
 * Every amount, total, order number and stock figure in a reply comes from the database
 * (the catalog rows begin returned, the SQL functions' results), never from a model.
 */
import type { Retrieve } from "../chat/retrieval.ts";
import { retrievalCeilings, type RetrieveDeps } from "../knowledge/retrieve.ts";
import type { Ceiling, LedgerCall } from "../usage.ts";
import type { Attachment, BotliveRequest, BotliveResponse } from "../../../types/api.ts";
import { words } from "./catalog.ts";
import { invalidPhoneMessage, timeZoneOf } from "./country.ts";
import {
  cartItems,
  type Catalog,
  describeCart,
  describeItem,
  EMPTY_DRAFT,
  merge,
  nextQuestion,
  type OrderState,
  orderState,
  recap,
} from "./dialog.ts";
import { addsArticle, asksForState, type Extraction, extractOffline, splitArticles } from "./extract.ts";
import {
  answerCeilings,
  answerWithModels,
  type BotliveModels,
  extractionCeilings,
  extractWithModels,
  proofCeilings,
} from "./llm.ts";
import { createTurnSpend, type PaidModels, type TurnSpend } from "./spend.ts";
import { formatPhone, type PaymentMethod, xof } from "./parse.ts";
import type { BotliveStore, HoldResult, PaymentResult, PlaceResult } from "./store.ts";
import type { KeptProof, ProofFiles } from "./proofs.ts";
import type { CheckoutLink } from "../payments/service.ts";

/** Reads a payment screenshot (a vision-capable model), its call recorded in `usage`; null when it cannot. */
export type ReadProof = (
  attachment: Attachment,
  usage?: LedgerCall[],
) => Promise<{ amount?: number; method?: PaymentMethod; reference?: string } | null>;

export interface BotliveDeps {
  store: BotliveStore;
  models: BotliveModels;
  /** The shop's knowledge base; its paid calls (embedding, rerank) recorded in the query's `calls`. */
  retrieve: Retrieve;
  /** The embedder and reranker behind `retrieve`, for the budget's ceilings; absent: nothing reserved for it. */
  knowledge?: Pick<RetrieveDeps, "embedder" | "reranker">;
  /** The knowledge base without a paid call (full text), for answers at the budget's cap; absent: none. */
  retrieveOffline?: Retrieve;
  /** The models behind the chat ports, for the budget's ceilings and the ledger (deps.ts). */
  paid?: PaidModels;
  /** Present when a vision-capable model is configured. */
  readProof?: ReadProof;
  /** Where payment screenshots are kept (Storage's `proofs` bucket); absent: not kept. */
  proofs?: ProofFiles;
  /** Each model attempt's bound. */
  timeoutMs: number;
  /** Checkout links through the shop's payment provider (payments/service.ts); absent: proofs only. */
  payments?: {
    checkout(company: string, conversationId: string, description: string): Promise<CheckoutLink>;
  };
}

/** « 14h35 » in the shop's time (its country's, as the SQL's notices say it). */
function clock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone }).format(
    new Date(iso),
  )
    .replace(":", "h");
}

/** Passages an answer is made from. */
const ANSWER_PASSAGES = 3;

/** The turn's chat tokens (every model call, the answer's and the screenshot's included), for its message. */
function tokensOf(spend: TurnSpend): Record<string, number> {
  const chats = spend.calls.filter((c) => c.kind === "chat" || c.kind === "vision");
  if (chats.length === 0) return {};
  const prompt = chats.reduce((sum, c) => sum + (c.prompt_tokens ?? 0), 0);
  const completion = chats.reduce((sum, c) => sum + (c.completion_tokens ?? 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, tokens_used: prompt + completion };
}

/** The largest cart, in FCFA (as payments and botlive_save_draft hold it). */
const MAX_CART = 100_000_000;
/** The most articles a cart holds (botlive_save_draft too). */
const MAX_ARTICLES = 20;

const PROVIDER_NAMES = {
  wave: "Wave",
  cinetpay: "CinetPay",
  paydunya: "PayDunya",
  orange_money: "Orange Money",
};

const HOLDING =
  "Je transmets votre demande à la boutique : quelqu'un vous répond ici très vite. Merci de patienter !";

/** A French sentence from acknowledged facts: « C'est noté : Robe wax (M) × 2, livraison à Pikine. » */
function noted(facts: string[]): string {
  return facts.length ? `C'est noté : ${facts.join(", ")}.` : "";
}

const join = (...parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim()).join(" ");

/**
 * Without a model: the one or two sentences of the passages that share the most words with the
 * question (« frais … Pikine » finds the fee line), in their order; the first passage's opening
 * when none shares a word.
 */
export function bestSentences(question: string, passages: string[]): string {
  const stem = (w: string) => w.slice(0, 5);
  const asked = new Set(words(question).filter((w) => w.length >= 4).map(stem));
  const sentences = passages.flatMap((p, i) =>
    p.replace(/^#+\s*[^\n]*\n+/gm, "").split(/(?<=[.!?])\s+|\n+/).map((text, j) => ({
      text: text.replace(/\s+/g, " ").trim(),
      order: i * 1000 + j,
    }))
  ).filter((s) => s.text.length > 0);
  const scored = sentences.map((s) => ({
    ...s,
    score: new Set(words(s.text).map(stem).filter((w) => asked.has(w))).size,
  }));
  const top = scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.order - b.order).slice(
    0,
    2,
  );
  const chosen = top.length > 0
    ? top.sort((a, b) => a.order - b.order).map((s) => s.text).join(" ")
    : sentences[0]?.text ?? "";
  return chosen.length > 400 ? `${chosen.slice(0, 397)}…` : chosen;
}

export function createBotliveTurn(deps: BotliveDeps) {
  const { store } = deps;

  /** What answering a question may cost: the retrieval's embedding and rerank, the chain's answer. */
  const questionCeilings = (
    question: string,
    prompts: { groq: string | null; deepseek: string | null },
  ): Ceiling[] => [
    ...(deps.knowledge
      ? Object.values(retrievalCeilings(deps.knowledge, { question, count: ANSWER_PASSAGES }))
        .filter((c): c is Ceiling => c !== null)
      : []),
    ...answerCeilings(deps.models, prompts, question, ANSWER_PASSAGES, deps.paid),
  ];

  /**
   * A question's answer from the shop's knowledge base (the models, else the best passages); at
   * the budget's cap, the best passages of the offline retrieval.
   */
  async function answerQuestion(
    company: string,
    question: string,
    prompts: { groq: string | null; deepseek: string | null },
    spend: TurnSpend,
  ) {
    const admitted = await spend.admit(questionCeilings(question, prompts));
    const query = {
      company,
      question,
      agents: [],
      count: ANSWER_PASSAGES,
      threshold: 0.2,
      rerankModel: null,
    };
    const retrieved =
      await (admitted
        ? deps.retrieve({ ...query, calls: spend.calls })
        : deps.retrieveOffline?.(query) ?? Promise.resolve(null))
        .catch(() => null);
    const passages = retrieved?.passagesFor(null) ?? [];
    if (passages.length === 0) {
      return {
        text: "Je n'ai pas cette information ; je peux demander à la boutique si vous le souhaitez.",
        model: null,
      };
    }
    const answered = admitted
      ? await answerWithModels(deps.models, prompts, question, passages, deps.timeoutMs, {
        usage: spend.calls,
        paid: deps.paid,
      })
      : null;
    if (answered) return { text: answered.value, model: answered.model, usage: answered.usage };
    return {
      text: `D'après nos informations : ${bestSentences(question, passages.map((p) => p.content))}`,
      model: null,
    };
  }

  return async function turn(request: BotliveRequest): Promise<BotliveResponse> {
    const company = request.company_id;
    const begun = await store.begin({
      company,
      conversation: request.conversation_id,
      messageId: request.message_id,
      customer: request.customer,
      text: request.text,
      attachments: request.attachments ?? [],
    });
    if (begun.replay) {
      const stored = begun.replay.metadata as Partial<BotliveResponse>;
      return {
        reply: begun.replay.content,
        mode: stored.mode ?? begun.mode,
        order_state: stored.order_state ??
          orderState(begun.draft, { products: begun.catalog, zones: begun.zones }, begun.paid),
        order: stored.order ?? null,
        checkout: stored.checkout ?? null,
        escalated: stored.escalated ?? false,
        replayed: true,
      };
    }
    const catalog: Catalog = { products: begun.catalog, zones: begun.zones };
    const spend = createTurnSpend((ceilings) => store.reserve(company, begun.conversationId, ceilings));
    const finish = async (
      response: Omit<BotliveResponse, "replayed">,
      fields: Record<string, unknown> = {},
    ) => {
      await store.finish(company, begun.conversationId, request.message_id, response.reply, {
        ...fields,
        ...tokensOf(spend),
        ...spend.fields(),
        metadata: {
          mode: response.mode,
          order_state: response.order_state,
          order: response.order,
          escalated: response.escalated,
          checkout: response.checkout ?? null,
        },
      });
      return { ...response, replayed: false };
    };

    // A human has the conversation: the bot says nothing (the shop answers).
    if (begun.paused) {
      return await finish({
        reply: "",
        mode: begun.mode,
        order_state: orderState(begun.draft, catalog, begun.paid),
        order: null,
        escalated: true,
      });
    }

    const text = request.text ?? "";
    const draft = begun.draft ?? { ...EMPTY_DRAFT, customerName: request.customer.name ?? null };
    const current = catalog.products.find((p) => p.id === draft.productId);

    // rag mode: answers only; orders are taken during a live.
    if (begun.mode === "rag") {
      if (!text.trim()) {
        return await finish({
          reply: "Bonjour ! Écrivez-moi votre question, je vous réponds.",
          mode: "rag",
          order_state: orderState(null, catalog, 0),
          order: null,
          escalated: false,
        });
      }
      const offline = extractOffline(text, { catalog: catalog.products, zones: catalog.zones });
      if (offline.intent === "human") {
        await store.openEscalation(company, begun.conversationId, "Demande du client (Botlive)");
        return await finish({
          reply: HOLDING,
          mode: "rag",
          order_state: orderState(null, catalog, 0),
          order: null,
          escalated: true,
        });
      }
      // The live closed on her unfinished order: say so, rather than a passage of the knowledge base.
      const left = begun.draft ? orderState(begun.draft, catalog, begun.paid) : null;
      if (left && left.status !== "empty" && offline.intent !== "question") {
        const paidLine = begun.paid > 0
          ? ` Votre paiement de ${xof(begun.paid)} est bien noté : la boutique vous recontacte pour la suite.`
          : "";
        return await finish({
          reply: `Le live est terminé : votre commande en cours${
            left.product ? ` (${describeItem(current!, left.product.variant, left.product.quantity)})` : ""
          } n'a pas pu être finalisée.${paidLine} Les commandes reprennent au prochain live : suivez-nous !`,
          mode: "rag",
          order_state: left,
          order: null,
          escalated: false,
        });
      }
      const answer = await answerQuestion(company, text, begun.prompts, spend);
      const ordering = offline.intent === "order" && offline.products.length > 0
        ? " Les commandes se prennent pendant nos lives : suivez-nous pour le prochain !"
        : "";
      return await finish(
        {
          reply: answer.text + ordering,
          mode: "rag",
          order_state: orderState(null, catalog, 0),
          order: null,
          escalated: false,
        },
        { model_used: answer.model ?? "offline" },
      );
    }

    // live mode: read the message (models, else offline), with the product already chosen. The
    // budget first, for every paid call this turn may make: the extraction, the screenshot, a question.
    let extraction: Extraction;
    let model = "offline";
    let usage = { promptTokens: 0, completionTokens: 0 };
    const context = { catalog: catalog.products, zones: catalog.zones, current, country: begun.country };
    const extracting = Boolean(text.trim() && (deps.models.groq || deps.models.deepseek));
    const screenshot = (request.attachments ?? []).find((a) => a.type === "image");
    const admitted = await spend.admit([
      ...(extracting
        ? extractionCeilings(deps.models, begun.prompts, text, context, begun.history, deps.paid)
        : []),
      ...(screenshot && deps.readProof ? proofCeilings(deps.paid?.vision, screenshot) : []),
      ...(text.trim() ? questionCeilings(text, begun.prompts) : []),
    ]);
    const viaModel = extracting && admitted
      ? await extractWithModels(deps.models, begun.prompts, text, context, begun.history, deps.timeoutMs, {
        usage: spend.calls,
        paid: deps.paid,
      })
      : null;
    if (viaModel) {
      extraction = viaModel.value;
      model = viaModel.model;
      usage = viaModel.usage;
    } else {
      extraction = extractOffline(text, context);
    }

    // A screenshot of the payment: kept once in Storage (refused when it is not an image or too
    // big: the customer is told), read by a vision model when there is one, else asked in text.
    let image = (request.attachments ?? []).find((a) => a.type === "image");
    let imageUnread = false;
    let kept: KeptProof | null = null;
    if (image && deps.proofs) {
      kept = await deps.proofs.keep(company, begun.conversationId, image).catch(() => null);
      if (kept && "refused" in kept && kept.refused !== "unreachable") image = undefined;
    }
    if (image && !(extraction.payment?.amount && extraction.payment.reference)) {
      const read = deps.readProof && admitted
        ? await deps.readProof(image, spend.calls).catch(() => null)
        : null;
      if (read && (read.amount || read.reference)) {
        extraction.payment = { ...extraction.payment, ...read };
        if (extraction.intent === "other") extraction.intent = "order";
      } else imageUnread = true;
    }

    const fields = {
      model_used: model,
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      tokens_used: usage.promptTokens + usage.completionTokens,
    };
    const respond = (
      reply: string,
      state: OrderState,
      order: BotliveResponse["order"] = null,
      escalated = false,
    ) => finish({ reply, mode: "live", order_state: state, order, escalated }, fields);

    if (extraction.intent === "human") {
      await store.openEscalation(company, begun.conversationId, "Demande du client pendant le live");
      return await respond(HOLDING, orderState(begun.draft, catalog, begun.paid), null, true);
    }
    if (extraction.intent === "cancel") {
      const had = await store.cancelDraft(company, begun.conversationId);
      const refund = begun.paid > 0
        ? ` Votre paiement de ${xof(begun.paid)} vous sera remboursé par la boutique.`
        : "";
      return await respond(
        had
          ? `C'est annulé, votre commande en cours est supprimée.${refund} Dites-moi si vous voulez autre chose !`
          : "Il n'y a pas de commande en cours. Que puis-je faire pour vous ?",
        orderState(null, catalog, 0, "cancelled"),
      );
    }

    // The slots: corrections replace, a new product resets its variant; « et aussi … » adds one
    // (« la robe en M et aussi un sac noir »: each part read on its own, in order).
    const problemsBefore: string[] = [];
    const adds = addsArticle(text);
    const named = adds
      ? splitArticles(text).map((part) => extractOffline(part, context)).filter((read) =>
        read.products.length === 1
      )
      : [];
    let merged = merge(
      draft,
      named.length > 1 ? { ...extraction, products: [], variantText: "", quantity: undefined } : extraction,
      catalog,
      adds,
    );
    if (named.length > 1) {
      for (const read of named) {
        const step = merge(
          merged.draft,
          {
            intent: "order",
            products: read.products,
            variantText: read.variantText,
            quantity: read.quantity,
          },
          catalog,
          true,
        );
        merged = {
          ...step,
          changed: true,
          pushed: merged.pushed || step.pushed,
          acknowledged: [...merged.acknowledged, ...step.acknowledged],
        };
      }
    }
    // What no live order costs (the SQL refuses it too): the change is not kept.
    const items = cartItems(merged.draft, catalog);
    if (items.reduce((sum, i) => sum + i.line_total, 0) > MAX_CART) {
      merged = { draft, changed: false, ambiguous: [], acknowledged: [], pushed: false };
      extraction.unknownProduct = undefined;
      problemsBefore.push(
        `Une commande ne peut pas dépasser ${xof(MAX_CART)} : dites-moi une quantité plus petite.`,
      );
    } else if (items.length > MAX_ARTICLES) {
      merged = { draft, changed: false, ambiguous: [], acknowledged: [], pushed: false };
      problemsBefore.push(
        `Une commande compte au plus ${MAX_ARTICLES} articles : finalisons celle-ci d'abord.`,
      );
    }
    const next = merged.draft;
    const problems: string[] = [...problemsBefore];
    if (extraction.invalidPhone) {
      problems.push(invalidPhoneMessage(extraction.invalidPhone, begun.country));
    }
    if (extraction.invalidAmount) {
      problems.push(`Le montant « ${extraction.invalidAmount} » n'est pas valable.`);
    }
    if (merged.ambiguous.length > 0) {
      problems.push(
        `Vous parlez de quel article : ${
          merged.ambiguous.map((p) => `${p.name} (${xof(p.price)})`).join(" ou ")
        } ?`,
      );
    } else if (extraction.unknownProduct && !next.productId) {
      problems.push(`Je ne trouve pas « ${extraction.unknownProduct} » dans notre catalogue.`);
    }
    if (extraction.unknownZone && !extraction.zone) {
      const place = extraction.unknownZone.charAt(0).toUpperCase() + extraction.unknownZone.slice(1);
      problems.push(
        `Désolée, nous ne livrons pas à ${place}. Nos zones de livraison : ${
          catalog.zones.map((z) => `${z.name} (${z.fee ? xof(z.fee) : "gratuite"})`).join(", ")
        }.`,
      );
    }

    if (extraction.foreignAmount) {
      problems.push(
        `« ${extraction.foreignAmount} » : nous n'acceptons que les francs CFA (FCFA). Quel montant avez-vous envoyé en FCFA ?`,
      );
    }

    // A proof (amount and reference) is a claim recorded at once, whatever is still missing: the
    // shop checks it; it counts toward the order meanwhile (the SQL decides, per conversation).
    if (merged.changed) await store.saveDraft(company, begun.conversationId, next);
    const proof = extraction.payment?.amount && extraction.payment.reference
      ? {
        amount: extraction.payment.amount,
        method: extraction.payment.method ?? "other",
        reference: extraction.payment.reference,
      }
      : null;
    const payment: PaymentResult | null = proof
      ? await store.recordPayment(company, begun.conversationId, {
        ...proof,
        source: image ? "image" : "text",
      })
      : null;
    // The claim links to its screenshot; one already seen with another payment is flagged.
    let reusedNote = "";
    // Only a claim of this conversation, recorded or found again (never over the limit, never
    // another customer's of the same reference).
    const claimed = payment?.status === "to_verify" || payment?.status === "duplicate";
    if (kept && "path" in kept && proof?.reference && claimed) {
      const attached = await store.attachProof(
        company,
        begun.conversationId,
        proof.reference,
        kept.path,
        kept.sha256,
      );
      if (attached.reused) {
        reusedNote =
          "Cette capture d'écran accompagne déjà un autre paiement : la boutique la vérifiera de près.";
      }
    }
    const paid = payment ? payment.paid : begun.paid;
    let state = orderState(next, catalog, paid);
    const product = catalog.products.find((p) => p.id === next.productId);

    // Complete and covered by the declared proofs: the order, exactly once (the SQL function
    // decides, under locks), its payment to be verified by the shop.
    let placed: PlaceResult | null = null;
    if (state.missing.length === 0) {
      placed = await store.placeOrder(company, begun.conversationId, begun.sessionId);
      if (placed.status === "created") {
        const o = placed.order;
        state = {
          ...orderState(null, catalog, 0, "placed"),
          payment: { paid: placed.paid, required: placed.required, missing: 0 },
        };
        const reply = join(
          `Merci ! Votre commande ${o.order_number} est enregistrée ✅`,
          `${
            describeCart(o.items.map((i) => ({ ...i, line_total: i.unit_price * i.quantity })), catalog)
          }, livraison ${o.delivery_zone} : total ${xof(o.total_amount)}.`,
          o.payment_status === "paid"
            ? `Paiement de ${xof(placed.paid)} confirmé.`
            : `Preuve de paiement reçue (${
              xof(placed.paid)
            }) : la boutique la vérifie et vous confirme l'envoi.`,
          reusedNote,
          placed.change > 0
            ? `Vous avez envoyé ${xof(placed.change)} de plus que le total : la boutique vous les rendra.`
            : "",
          o.customer_phone ? `Nous vous appelons au ${formatPhone(o.customer_phone)} pour la livraison.` : "",
        );
        return await respond(reply, state, {
          id: o.id,
          order_number: o.order_number,
          total_amount: o.total_amount,
          status: o.status,
          payment_status: o.payment_status,
          items: o.items,
          delivery_zone: o.delivery_zone,
          delivery_fee: o.delivery_fee,
          customer_phone: o.customer_phone,
        });
      }
      if (placed.status === "out_of_stock") {
        // The state names what sold out; what she paid is now owed back, not counted.
        state = {
          ...state,
          status: "out_of_stock",
          payment: { ...state.payment, paid: 0, missing: state.payment.required },
        };
        const refund = placed.refund > 0
          ? ` Votre paiement de ${xof(placed.refund)} vous sera remboursé par la boutique.`
          : "";
        return await respond(
          `Désolée, ${placed.product} vient d'être épuisé${
            placed.stock > 0 ? ` (il n'en reste que ${placed.stock})` : ""
          }.${refund} Voulez-vous un autre article ?`,
          state,
        );
      }
      if (placed.status === "insufficient") state = orderState(next, catalog, placed.paid);
    }

    // The cart is complete and waits for its money: its stock held for the shop's time (a
    // sold-out article leaves it for its waitlist), and the provider's checkout link when the
    // shop has one — the amount computed in SQL from the cart.
    let hold: HoldResult | null = null;
    let checkout: CheckoutLink | null = null;
    let holdLine = "";
    if (state.missing.length === 1 && state.missing[0] === "paiement") {
      hold = await store.holdCart(company, begun.conversationId);
      if (hold.sold_out.length > 0) {
        // No link to pay for what is gone: she chooses (another article, less, or she waits).
        state = { ...state, status: "out_of_stock" };
        holdLine = hold.sold_out.map((s) =>
          s.waitlist
            ? `Désolée, ${s.name} est épuisé : vous êtes n° ${s.waitlist.position} sur la liste d'attente, je vous préviens dès qu'il revient. Voulez-vous un autre article en attendant ?`
            : `Il ne reste que ${s.available} ${s.name} : dites-moi la quantité que vous voulez.`
        ).join(" ");
      } else if (hold.expires_at && deps.payments) {
        checkout = await deps.payments.checkout(
          company,
          begun.conversationId,
          describeCart(state.items, catalog),
        )
          .catch(() => null);
      }
    }
    if (hold?.expires_at) state = { ...state, hold_expires_at: hold.expires_at };

    // A question in between: answered, then the order resumes. « On en était où ? » is the order's own state.
    let answer = "";
    if (asksForState(text) && !merged.changed && !proof) {
      answer = recap(state, product);
    } else if (extraction.intent === "question") {
      answer = (await answerQuestion(company, text, begun.prompts, spend)).text;
    } else if (extraction.intent === "greeting" && !begun.draft) {
      answer = `Bonjour${next.customerName ? ` ${next.customerName}` : ""} ! Bienvenue au live de ${
        begun.prompts.companyName ?? "la boutique"
      }.`;
    }

    const short = payment?.status === "to_verify" && payment.missing !== null && payment.missing > 0;
    let paymentLine = "";
    if (payment?.status === "rejected") {
      paymentLine =
        "Cette référence de paiement a déjà été utilisée : elle ne peut pas payer une autre commande.";
    } else if (payment?.status === "over_limit") {
      paymentLine = `Je ne peux pas enregistrer un paiement de ${
        xof(proof!.amount)
      } ici : la boutique vous répond directement.`;
    } else if (payment?.status === "duplicate") {
      paymentLine = `J'ai déjà votre preuve de paiement réf. ${
        proof!.reference
      } : elle est en cours de vérification.`;
    } else if (short) {
      paymentLine = `Montant insuffisant : ${xof(payment.paid)} envoyé, ${
        xof(payment.required!)
      } requis. Il manque ${xof(payment.missing!)}.`;
    } else if (payment?.status === "to_verify") {
      paymentLine = `J'ai bien reçu votre preuve de paiement de ${xof(proof!.amount)} (réf. ${
        proof!.reference
      }) ; la boutique la vérifiera.${
        payment.required === null ? " Il me faut encore quelques informations pour la commande." : ""
      }`;
    } else if (extraction.intent === "paid_claim" || (extraction.payment && !proof)) {
      paymentLine =
        "Pour valider votre paiement, envoyez-moi le montant et la référence de la transaction (elle figure dans le SMS de votre paiement).";
    } else if (imageUnread) {
      paymentLine =
        "Je ne peux pas lire la capture d'écran : écrivez-moi le montant et la référence de la transaction, s'il vous plaît.";
    }
    if (kept && "refused" in kept && kept.refused !== "unreachable") {
      paymentLine = join(
        kept.refused === "too_large"
          ? "Cette image dépasse 5 Mo : envoyez une capture d'écran plus légère de votre paiement."
          : "Ce fichier n'est pas une image : envoyez une capture d'écran (JPEG, PNG ou WebP) de votre paiement.",
        paymentLine,
      );
    } else if (reusedNote) {
      paymentLine = join(paymentLine, reusedNote);
    }

    let question = merged.ambiguous.length > 0 ? null : nextQuestion(state, catalog, product, begun.country);
    const until = hold?.expires_at ? clock(hold.expires_at, timeZoneOf(begun.country)) : null;
    if (checkout?.status === "link") {
      question = `Le total est de ${xof(state.payment.required!)}${
        state.payment.paid > 0 ? ` (il reste ${xof(checkout.amount)} à payer)` : ""
      }. Payez ${xof(checkout.amount)} par ${
        PROVIDER_NAMES[checkout.provider]
      } avec ce lien : ${checkout.url}${until ? ` — vos articles sont réservés jusqu'à ${until}.` : ""}`;
    } else if (until && question) {
      question = `${question} Vos articles sont réservés jusqu'à ${until}.`;
    }
    const reply = join(
      answer,
      problems.join(" "),
      short ? "" : noted(merged.acknowledged),
      holdLine,
      paymentLine,
      short ? "Envoyez le complément avec sa référence." : question,
    ) || "Que puis-je faire pour vous ?";
    return await finish({
      reply,
      mode: "live",
      order_state: state,
      order: null,
      escalated: false,
      checkout: checkout?.status === "link"
        ? {
          provider: checkout.provider,
          url: checkout.url,
          amount: checkout.amount,
          expires_at: checkout.expiresAt,
        }
        : null,
    }, fields);
  };
}
