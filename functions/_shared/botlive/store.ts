/**
 * Botlive on Postgres: each method is one statement of one short service-role transaction
 * (migrations botlive-orders and botlive-turn), retried on a lost connection where it is
 * idempotent, errors mapped by errors.ts. The rules (exactly-once orders, payments accepted once,
 * stock under row locks, the budget's reservations) live in those SQL functions, not here.
 */
import type postgres from "postgres";
import type { Db } from "../db.ts";
import { dbStep } from "../errors.ts";
import type { ChatMessage } from "../providers/types.ts";
import type { Product, Zone } from "./catalog.ts";
import type { Draft } from "./dialog.ts";
import type { PaymentMethod } from "./parse.ts";
import type { Ceiling, Reservation } from "../usage.ts";

export interface BeginInput {
  company: string;
  conversation: string;
  messageId: string;
  customer: { id: string; name?: string; phone?: string };
  text: string | undefined;
  attachments: unknown[];
}

export interface BeginResult {
  conversationId: string;
  replay: { content: string; metadata: Record<string, unknown> } | null;
  mode: "live" | "rag";
  sessionId: string | null;
  paused: boolean;
  draft: Draft | null;
  paid: number;
  catalog: Product[];
  zones: Zone[];
  history: ChatMessage[];
  prompts: { groq: string | null; deepseek: string | null; companyName: string | null };
  /** The shop's country (ISO 3166 alpha-2, `SN` by default): phone formats and payment methods. */
  country: string;
  /** Until when the cart's stock is held (ISO time), if it is. */
  holdExpiresAt: string | null;
}

/**
 * The cart's stock held for the customer to pay (botlive_hold_cart): `sold_out` names the
 * articles the stock did not cover; those of which nothing was held yet left the cart and she
 * took a place in their waitlist.
 */
export interface HoldResult {
  status: "held" | "sold_out" | "empty";
  expires_at: string | null;
  sold_out: {
    product_id: string;
    name: string;
    requested: number;
    available: number;
    waitlist: { position: number; waiting: number } | null;
  }[];
}

/**
 * A declared proof, recorded: `to_verify` (a claim the shop checks), `duplicate` (this
 * conversation sent that reference already: nothing written), `rejected` (another conversation
 * used it), `over_limit` (past 100 000 000 FCFA of open claims in the conversation: nothing
 * written). `required`/`missing` are null while the amount due is unknown.
 */
export interface PaymentResult {
  status: "to_verify" | "duplicate" | "rejected" | "over_limit";
  paid: number;
  required: number | null;
  missing: number | null;
}

export interface PlacedOrder {
  id: string;
  order_number: string;
  total_amount: number;
  items_total: number;
  delivery_fee: number;
  delivery_zone: string | null;
  customer_phone: string | null;
  customer_name: string | null;
  status: string;
  payment_status: "unpaid" | "to_verify" | "paid" | "refunded";
  items: {
    product_id: string;
    name: string;
    variant: Record<string, string>;
    quantity: number;
    unit_price: number;
  }[];
}

export type PlaceResult =
  | {
    status: "created";
    order: PlacedOrder;
    paid: number;
    required: number;
    change: number;
    stock: number | null;
  }
  | { status: "out_of_stock"; stock: number; product: string; refund: number }
  | { status: "insufficient"; required: number; paid: number; missing: number }
  | { status: "incomplete" | "no_draft" };

export interface BotliveStore {
  begin(input: BeginInput): Promise<BeginResult>;
  saveDraft(company: string, conversationId: string, draft: Draft): Promise<void>;
  holdCart(company: string, conversationId: string): Promise<HoldResult>;
  cancelDraft(company: string, conversationId: string): Promise<boolean>;
  recordPayment(
    company: string,
    conversationId: string,
    payment: { amount: number; method: PaymentMethod; reference: string; source: "text" | "image" },
  ): Promise<PaymentResult>;
  placeOrder(company: string, conversationId: string, sessionId: string | null): Promise<PlaceResult>;
  /** Links a stored screenshot to the claim of that reference; whether another payment had it. */
  attachProof(
    company: string,
    conversationId: string,
    reference: string,
    path: string,
    sha256: string,
  ): Promise<{ attached: boolean; reused: boolean }>;
  openEscalation(company: string, conversationId: string, details: string): Promise<void>;
  /**
   * Sets money aside for the turn's paid calls (their ceilings) from the company's monthly
   * budget (budget_reserve): `allowed` false at the cap, nothing held.
   */
  reserve(company: string, conversationId: string, ceilings: Ceiling[]): Promise<Reservation>;
  /**
   * Stores the reply (botlive_finish_turn); `fields.usage` (the turn's LedgerCall[]) goes to the
   * usage ledger and `fields.reservation` is released, in the same transaction.
   */
  finish(
    company: string,
    conversationId: string,
    messageId: string,
    reply: string,
    fields: Record<string, unknown>,
  ): Promise<void>;
}

// deno-lint-ignore no-explicit-any
type Json = any;

function draftFromRow(row: Json, lines: Json[] = []): Draft | null {
  if (!row) return null;
  return {
    productId: row.product_id,
    variant: row.variant ?? {},
    quantity: row.quantity ?? 1,
    lines: lines.map((l) => ({ productId: l.product_id, variant: l.variant ?? {}, quantity: l.quantity })),
    zoneId: row.delivery_zone_id,
    phone: row.phone,
    customerName: row.customer_name,
  };
}

export function createBotliveStore(db: Db, statementMs = 5_000): BotliveStore {
  const step = <T>(fn: (tx: postgres.TransactionSql) => Promise<T>) =>
    dbStep("botlive", () => db.asService(fn, { statementTimeoutMs: statementMs }));

  return {
    async begin(input) {
      const [{ result }] = await step((tx) =>
        tx<{ result: Json }[]>`
          select public.botlive_begin_turn(${input.company}, ${input.conversation}, ${input.messageId},
            ${tx.json(input.customer as Json)}, ${input.text ?? null}, ${
          tx.json(input.attachments as Json)
        }) as result`
      );
      return {
        conversationId: result.conversation_id,
        replay: result.replay,
        mode: result.mode,
        sessionId: result.session_id,
        paused: result.paused,
        draft: draftFromRow(result.draft, result.lines ?? []),
        paid: result.paid ?? 0,
        catalog: result.catalog,
        zones: result.zones,
        history: result.history,
        prompts: {
          groq: result.prompts?.groq ?? null,
          deepseek: result.prompts?.deepseek ?? null,
          companyName: result.prompts?.company_name ?? null,
        },
        country: result.country ?? "SN",
        holdExpiresAt: result.hold_expires_at ?? null,
      };
    },
    async saveDraft(company, conversationId, draft) {
      await step((tx) =>
        tx`select public.botlive_save_draft(${company}, ${conversationId}, ${
          tx.json({
            customer_name: draft.customerName,
            product_id: draft.productId,
            variant: draft.variant,
            quantity: draft.quantity,
            delivery_zone_id: draft.zoneId,
            phone: draft.phone,
            lines: (draft.lines ?? []).map((l) => ({
              product_id: l.productId,
              variant: l.variant,
              quantity: l.quantity,
            })),
          } as Json)
        })`
      );
    },
    async holdCart(company, conversationId) {
      // Retried safely: holding what is held already changes nothing.
      const [{ result }] = await step((tx) =>
        tx<{ result: Json }[]>`select public.botlive_hold_cart(${company}, ${conversationId}) as result`
      );
      return result;
    },
    async cancelDraft(company, conversationId) {
      const [{ cancelled }] = await step((tx) =>
        tx<
          { cancelled: boolean }[]
        >`select public.botlive_cancel_draft(${company}, ${conversationId}) as cancelled`
      );
      return cancelled;
    },
    async recordPayment(company, conversationId, payment) {
      // Retried safely: the same reference in the same conversation is the same proof (duplicate).
      const [{ result }] = await step((tx) =>
        tx<{ result: Json }[]>`
          select public.botlive_record_payment(${company}, ${conversationId}, ${payment.amount}, ${payment.method},
            ${payment.reference}, ${payment.source}) as result`
      );
      return result;
    },
    async attachProof(company, conversationId, reference, path, sha256) {
      const [{ result }] = await step((tx) =>
        tx<{ result: Json }[]>`
          select public.botlive_attach_proof(${company}, ${conversationId}, ${reference}, ${path}, ${sha256}) as result`
      );
      return result;
    },
    async placeOrder(company, conversationId, sessionId) {
      // Retried safely: the draft is gone once the order is placed (no_draft), never placed twice.
      const [{ result }] = await step((tx) =>
        tx<
          { result: Json }[]
        >`select public.botlive_place_order(${company}, ${conversationId}, ${sessionId}) as result`
      );
      return result;
    },
    async openEscalation(company, conversationId, details) {
      await step((tx) =>
        tx`select public.open_escalation(${company}, ${conversationId}, 'visitor_request', ${details})`
      );
    },
    async reserve(company, conversationId, ceilings) {
      // Not retried: a lost answer would hold a second reservation (the first lapses in 5 minutes).
      const [{ result }] = await dbStep("botlive", () =>
        db.asService((tx) =>
          tx<{ result: Reservation }[]>`
            select public.budget_reserve(c.company_id, ${tx.json(ceilings as Json)}) as result
            from public.conversations c
            where c.id = ${conversationId} and c.company_id = private.resolve_company(${company})`, {
          statementTimeoutMs: statementMs,
        }), 1);
      return result;
    },
    async finish(company, conversationId, messageId, reply, fields) {
      await step((tx) =>
        tx`select public.botlive_finish_turn(${company}, ${conversationId}, ${messageId}, ${reply}, ${
          tx.json(fields as Json)
        })`
      );
    },
  };
}
