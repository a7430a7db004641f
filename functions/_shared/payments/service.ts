/**
 * Payments confirmed by the provider, on Postgres (migration payment-intents) and the adapters
 * (provider.ts): the checkout link Botlive sends, each webhook turned into one event of one
 * intent's state machine, the daily reconciliation and the refunds a provider can pay back.
 *
 * What pays an order is decided here and in SQL, never by a notification's say-so: Wave's
 * signed events (verified on the raw bytes), else the provider's own status call (CinetPay,
 * PayDunya, Orange Money: their notifications are only a trigger). Amounts are integers of francs
 * from the database (the intent's amount, computed in SQL from the cart).
 */
import type { Db, Tx } from "../db.ts";
import { dbStep } from "../errors.ts";
import { HttpError } from "../http.ts";
import {
  createProvider,
  type Notification,
  ProviderError,
  type ProviderName,
  type ProviderOptions,
  type ProviderStatus,
} from "./provider.ts";

export interface PaymentsConfig {
  /** Where providers send their webhooks: `<functionsUrl>/payments/webhook/<account id>`. */
  functionsUrl: string;
  /** Each provider's API base URL (tests and the local stack: the fake server). */
  baseUrls?: Partial<Record<ProviderName, string>>;
  /** Where the customer lands after paying (the provider's page); defaults to a neutral page. */
  successUrl?: string;
  errorUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A checkout link for the customer (or why there is none). */
export type CheckoutLink =
  | {
    status: "link";
    url: string;
    amount: number;
    expiresAt: string;
    provider: ProviderName;
    intentId: string;
  }
  | { status: "no_account" | "incomplete" | "nothing_due" | "too_large" | "unavailable"; amount?: number };

export type WebhookOutcome = { status: string; state?: string };

// deno-lint-ignore no-explicit-any
type Json = any;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The state an event or a status call asks for; null: nothing to apply. */
function targetState(
  kind: Notification["kind"] | ProviderStatus["state"],
): "paid" | "failed" | "pending" | "expired" | null {
  switch (kind) {
    case "completed":
    case "paid":
      return "paid";
    case "failed":
      return "failed";
    case "pending":
      return "pending";
    case "expired":
      return "expired";
    default:
      return null;
  }
}

export function createPaymentService(db: Db, config: PaymentsConfig) {
  const step = <T>(fn: (tx: Tx) => Promise<T>) => dbStep("payments", () => db.asService(fn));
  const options = (name: ProviderName): ProviderOptions => ({
    baseUrl: config.baseUrls?.[name],
    timeoutMs: config.timeoutMs ?? 10_000,
    fetch: config.fetch,
  });

  /** The account's adapter, built from its credentials (null: unknown or inactive account). */
  async function accountProvider(accountId: string) {
    if (!UUID.test(accountId)) return null;
    const [{ account }] = await step((tx) =>
      tx<{ account: Json }[]>`select public.payment_account(${accountId}::uuid) as account`
    );
    if (!account) return null;
    const provider = createProvider(account.provider, account.credentials, options(account.provider));
    return { account: account as { id: string; company_id: string; provider: ProviderName }, provider };
  }

  const apply = (
    accountId: string,
    eventId: string,
    kind: string,
    state: string,
    n: {
      clientReference?: string | null;
      providerRef?: string | null;
      transactionId?: string | null;
      amount?: number | null;
      payer?: string | null;
    },
    confirmedBy: "signed_event" | "status_call" | null,
  ) =>
    step((tx) =>
      tx<{ result: Json }[]>`
        select public.payment_apply(${accountId}::uuid, ${eventId}, ${kind}, ${state}, ${
        n.clientReference ?? null
      },
          ${n.providerRef ?? null}, ${n.transactionId ?? null}, ${n.amount ?? null}, ${n.payer ?? null},
          ${confirmedBy}) as result`
    ).then(([{ result }]) => result as WebhookOutcome);

  /** The intent a notification names, among this account's only (null: not ours). */
  async function findIntent(accountId: string, n: Notification) {
    const [row] = await step((tx) =>
      tx<Json[]>`
        select i.id::text, i.provider_ref, i.amount from public.payment_intents i
        where i.account_id = ${accountId}::uuid
          and (${n.clientReference !== null && UUID.test(n.clientReference ?? "")} and i.id::text = ${
        n.clientReference ?? ""
      }
            or i.provider_ref = ${n.providerRef ?? ""} or i.notif_token = ${n.notifToken ?? ""})
        limit 1`
    );
    return row as { id: string; provider_ref: string | null; amount: number } | undefined;
  }

  return {
    /**
     * The link for what p_company's conversation owes on its held cart: an open intent of the
     * same amount gives its link again (no second session); a provider that fails gives
     * `unavailable` (the customer pays as before, with a proof), never an error.
     */
    async checkout(company: string, conversationId: string, description: string): Promise<CheckoutLink> {
      const [{ result }] = await step((tx) =>
        tx<
          { result: Json }[]
        >`select public.payment_open_intent(${company}, ${conversationId}::uuid) as result`
      );
      if (result.status !== "created" && result.status !== "existing") return { status: result.status };
      const intent = result.intent;
      if (intent.checkout_url) {
        return {
          status: "link",
          url: intent.checkout_url,
          amount: intent.amount,
          expiresAt: intent.expires_at,
          provider: intent.provider,
          intentId: intent.id,
        };
      }
      const found = await accountProvider(intent.account_id);
      if (!found) return { status: "unavailable", amount: intent.amount };
      // One turn creates the session; another turn of the same cart at once reads its link.
      const [{ claimed }] = await step((tx) =>
        tx<{ claimed: boolean }[]>`select public.payment_claim_checkout(${intent.id}::uuid) as claimed`
      );
      if (!claimed) {
        for (let i = 0; i < 15; i++) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          const [row] = await step((tx) =>
            tx<
              Json[]
            >`select checkout_url, expires_at from public.payment_intents where id = ${intent.id}::uuid`
          );
          if (row?.checkout_url) {
            return {
              status: "link",
              url: row.checkout_url,
              amount: intent.amount,
              expiresAt: row.expires_at instanceof Date ? row.expires_at.toISOString() : row.expires_at,
              provider: found.account.provider,
              intentId: intent.id,
            };
          }
        }
        return { status: "unavailable", amount: intent.amount };
      }
      try {
        const session = await found.provider.createCheckout({
          intentId: intent.id,
          amount: intent.amount,
          description,
          payerPhone: intent.payer_phone ?? undefined,
          successUrl: config.successUrl ?? `${config.functionsUrl}/payments/done`,
          errorUrl: config.errorUrl ?? `${config.functionsUrl}/payments/done`,
          notifyUrl: `${config.functionsUrl}/payments/webhook/${intent.account_id}`,
        });
        const [{ updated }] = await step((tx) =>
          tx<{ updated: Json }[]>`
            select to_jsonb(public.payment_set_checkout(${intent.id}::uuid, ${session.providerRef}, ${session.url},
              ${session.expiresAt}, ${session.notifToken ?? null})) as updated`
        );
        return {
          status: "link",
          url: session.url,
          amount: intent.amount,
          expiresAt: updated.expires_at,
          provider: found.account.provider,
          intentId: intent.id,
        };
      } catch (error) {
        // Given back: the next turn tries again at once.
        await step((tx) => tx`select public.payment_claim_checkout(${intent.id}::uuid, true)`).catch(() => {});
        console.warn(JSON.stringify({
          fn: "payments",
          event: "checkout_failed",
          provider: found.account.provider,
          error: error instanceof Error ? error.name : "unknown",
        }));
        return { status: "unavailable", amount: intent.amount };
      }
    },

    /**
     * One webhook of one account: verified by the adapter first (401 when it does not prove
     * itself: nothing stored), then applied — Wave's signed events as they are, every other
     * notification only through the provider's status call for the intent it names.
     */
    async webhook(accountId: string, raw: Uint8Array, headers: Headers): Promise<WebhookOutcome> {
      const found = await accountProvider(accountId);
      if (!found) throw new HttpError("not_found", "payments: no such payment account");
      const read = await found.provider.readNotification(raw, headers);
      if (!read.ok) {
        throw new HttpError(
          "unauthorized",
          `payments: the notification does not prove itself (${read.reason})`,
        );
      }
      const n = read.notification;
      if (n.signed && found.account.provider === "wave") {
        if (n.kind === "received") {
          if (!n.amount || !n.transactionId) return { status: "ignored" };
          const [{ result }] = await step((tx) =>
            tx<{ result: Json }[]>`
              select public.payment_match_received(${accountId}::uuid, ${n.eventId}, ${n.transactionId}, ${n.amount},
                ${n.payer}) as result`
          );
          return result;
        }
        const state = targetState(n.kind);
        if (!state) return { status: "ignored" };
        return await apply(accountId, n.eventId, n.kind, state, n, state === "paid" ? "signed_event" : null);
      }
      // A trigger only: the provider's status call decides, for an intent of this account.
      const intent = await findIntent(accountId, n);
      if (!intent || !intent.provider_ref) return { status: "unmatched" };
      const status = await found.provider.status({
        providerRef: intent.provider_ref,
        intentId: intent.id,
        amount: intent.amount,
      });
      const state = targetState(status.state);
      if (!state) return { status: "ignored" };
      // One event per state the provider reported: replays of the same answer are duplicates.
      const eventId = `status:${intent.provider_ref}:${state}:${status.transactionId ?? ""}`;
      return await apply(accountId, eventId, `status.${state}`, state, {
        clientReference: intent.id,
        providerRef: intent.provider_ref,
        transactionId: status.transactionId,
        amount: status.amount,
        payer: status.payer,
      }, state === "paid" ? "status_call" : null);
    },

    /**
     * The daily reconciliation: each paid intent not yet checked is asked to its provider; a
     * provider that does not say paid, or another amount, is an alert in the shop's feed.
     */
    async reconcile(limit = 200): Promise<{ checked: number; issues: number; errors: number }> {
      const due = await step((tx) => tx<Json[]>`select * from public.payment_reconcile_due(${limit})`);
      let issues = 0;
      let errors = 0;
      const providers = new Map<string, Awaited<ReturnType<typeof accountProvider>>>();
      for (const intent of due) {
        if (!providers.has(intent.account_id)) {
          providers.set(intent.account_id, await accountProvider(intent.account_id));
        }
        const found = providers.get(intent.account_id);
        if (!found || !intent.provider_ref) continue;
        try {
          const status = await found.provider.status({
            providerRef: intent.provider_ref,
            intentId: intent.id,
            amount: intent.amount,
          });
          const issue = status.state !== "paid"
            ? `${found.account.provider} dit « ${status.state} » pour un paiement enregistré payé`
            : status.amount !== null && status.amount !== intent.paid_amount
            ? `${found.account.provider} dit ${status.amount} FCFA, enregistré ${intent.paid_amount} FCFA`
            : null;
          if (issue) issues++;
          await step((tx) => tx`select public.payment_reconciled(${intent.id}::uuid, ${issue})`);
        } catch {
          errors++;
        }
      }
      return { checked: due.length - errors, issues, errors };
    },

    /**
     * Pays back money owed through the provider that took it, when it can (a whole Wave
     * session), as the member asking: the refund marked settled first in the member's own
     * transaction (409 unless it is `owed`; a second click waits for the first, then sees it
     * settled), the provider called while that transaction is open, and nothing settled if the
     * provider refuses.
     */
    async refund(
      runAsMember: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
      company: string,
      refundId: string,
    ) {
      return await runAsMember(async (tx) => {
        const [{ target }] = await tx<{ target: Json }[]>`
          select private.refund_via_provider(${company}, ${refundId}::uuid) as target`;
        if (!target?.intent_id) {
          throw new HttpError(
            "conflict",
            "payments: this money was not taken by a provider that refunds it whole; settle it by hand",
          );
        }
        const [row] = await tx<Json[]>`
          select r.id::text, r.status, r.amount from private.botlive_settle_refund(${company}, ${refundId}::uuid,
            ${`Remboursé par ${target.provider}`}) r`;
        const found = await accountProvider(target.account_id);
        if (!found?.provider.refund) {
          throw new HttpError("conflict", "payments: this provider does not refund");
        }
        let done: { ok: boolean };
        try {
          done = await found.provider.refund({ providerRef: target.provider_ref, amount: target.amount });
        } catch (error) {
          // A clear refusal (4xx): nothing left, nothing settled. No answer (a timeout, a reset, a
          // 5xx): the money may have left — settled as sent, and the shop told to check it in
          // the provider's portal, never offered a second refund.
          if (error instanceof ProviderError && error.status >= 400 && error.status < 500) {
            throw new HttpError("provider_failed", `payments: ${target.provider} refused the refund`);
          }
          await tx`select public.log_activity(${company}, 'refund.unconfirmed',
            ${`Remboursement ${target.provider} à vérifier`},
            ${`La demande de remboursement est partie sans réponse de ${target.provider} : vérifiez-le dans son espace marchand.`},
            'warning', ${tx.json({ refund_id: refundId, intent_id: target.intent_id })}, null)`;
          return { refund: row, provider: target.provider, confirmed: false };
        }
        if (!done.ok) {
          throw new HttpError("provider_failed", `payments: ${target.provider} refused the refund`);
        }
        return { refund: row, provider: target.provider, confirmed: true };
      });
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
