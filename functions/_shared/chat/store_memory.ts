/**
 * The chat store in memory, for the turn's unit tests (no database): the same rules as
 * public.chat_begin_turn & co., in the same order — ownership, key reuse, the limits (all
 * slots or none), replay, the visitor's message, in-progress retries, pauses. Never used by a
 * function. `messages` and `escalations` are exposed for assertions.
 */
import type { ChatSource } from "../../../types/api.ts";
import type { Ceiling, LedgerCall, Reservation } from "../usage.ts";
import { DEFAULT_BUDGET } from "./prompt.ts";
import type {
  AgentRow,
  AllowanceOutcome,
  BeginOutcome,
  ChatDefaults,
  ChatStore,
  Refusal,
  TurnStart,
  TurnUsage as TurnFinishUsage,
} from "./store.ts";

export interface MemoryCompany {
  id: string;
  slug: string;
  agents: AgentRow[];
  /** Overrides of the defaults (a company_rag_configs row): only what is set. */
  settings?: Partial<ChatDefaults> & { chat_model?: string; router_model?: string; rerank_model?: string };
  /** A monthly budget (USD): a reservation settles at what it held. */
  budget?: { capUsd: number; fallbackModel?: string | null };
}

export interface MemoryMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  key: string;
  createdAt: number;
  agent: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  sources: ChatSource[];
  metadata: Record<string, unknown>;
}

interface Conversation {
  uuid: string;
  companyId: string;
  externalId: string;
  visitorId: string;
  currentAgent: string | null;
  streak: number;
  messages: MemoryMessage[];
}

export interface MemoryChatStore extends ChatStore {
  /** The stored messages of a conversation (client id), oldest first. */
  messages(companyId: string, conversationId: string): MemoryMessage[];
  /** Escalations opened, with the conversation they pause. */
  readonly escalations: { conversationUuid: string; reason: string; details: string; open: boolean }[];
  /** The conversation's agent and unsure streak. */
  state(companyId: string, conversationId: string): { agent: string | null; streak: number } | undefined;
  /** Tokens used today by a company. */
  tokensToday(companyId: string): number;
  /** The ledger: every call a turn recorded, with its company and conversation. */
  readonly ledger: { companyId: string; conversationUuid: string; call: LedgerCall }[];
  /** Every reservation asked for, with its ceilings and answer. */
  readonly reservations: { companyId: string; ceilings: Ceiling[]; answer: Reservation }[];
  /** What a company spent (settled reservations) and holds. */
  budget(companyId: string): { spentUsd: number; heldUsd: number };
}

/** Builds an in-memory store over `companies`, with the functions' `defaults` and a clock. */
export function createMemoryChatStore(options: {
  companies: MemoryCompany[];
  defaults: ChatDefaults;
  now?: () => number;
  historyMessages?: number;
  staleSeconds?: number;
  /** What a ceiling holds, USD (default: 0.01 each, 0 for the offline provider). */
  price?: (ceiling: Ceiling) => number;
}): MemoryChatStore {
  const now = options.now ?? (() => Date.now());
  const conversations = new Map<string, Conversation>();
  const slots = new Map<string, { start: number; hits: number }>();
  const tokens = new Map<string, number>();
  const escalations: MemoryChatStore["escalations"] = [];
  const ledger: MemoryChatStore["ledger"] = [];
  const reservations: MemoryChatStore["reservations"] = [];
  const held = new Map<string, { companyId: string; amount: number }>();
  const spent = new Map<string, number>();
  const price = options.price ?? ((c: Ceiling) => (c.provider === "offline" ? 0 : 0.01));

  /** Records a turn's calls and settles its reservation at what it held. */
  function settle(companyId: string, conversationUuid: string, usage: TurnFinishUsage | undefined) {
    if (!usage) return;
    for (const call of usage.calls) ledger.push({ companyId, conversationUuid, call });
    const hold = usage.reservation ? held.get(usage.reservation) : undefined;
    if (hold) {
      held.delete(usage.reservation!);
      spent.set(companyId, (spent.get(companyId) ?? 0) + hold.amount);
    }
  }
  const day = () => new Date(now()).toISOString().slice(0, 10);

  function company(ref: string): MemoryCompany {
    const found = options.companies.find((c) => c.id === ref || c.slug === ref);
    if (!found) throw Object.assign(new Error(`unknown company: ${ref}`), { code: "P0002" });
    return found;
  }
  function settingsOf(c: MemoryCompany) {
    return { ...options.defaults, ...c.settings };
  }
  function paused(uuid: string) {
    return escalations.some((e) => e.conversationUuid === uuid && e.open);
  }
  function byUuid(uuid: string) {
    return [...conversations.values()].find((c) => c.uuid === uuid);
  }

  function slotList(
    c: MemoryCompany,
    start: { conversationId: string; visitorId: string; address: string | null },
  ): { name: Refusal["name"]; key: string; max: number; window: number }[] {
    const s = settingsOf(c);
    return [
      {
        name: "conversation",
        key: `chat:${c.id}:${start.conversationId}`,
        max: s.rate_limit_messages,
        window: s.rate_limit_window_seconds,
      },
      {
        name: "visitor",
        key: `chat-visitor:${c.id}:${start.visitorId}`,
        max: s.visitor_turns_per_minute,
        window: 60,
      },
      ...(start.address
        ? [{
          name: "address" as const,
          key: `chat-address:${c.id}:${start.address}`,
          max: s.address_turns_per_minute,
          window: 60,
        }]
        : []),
      { name: "company", key: `chat-company:${c.id}`, max: s.company_turns_per_minute, window: 60 },
    ];
  }
  function peek(slot: { key: string; max: number; window: number }) {
    const t = now();
    const row = slots.get(slot.key);
    const fresh = !row || t >= row.start + slot.window * 1000;
    const start = fresh ? t : row!.start;
    const hits = fresh ? 0 : row!.hits;
    return { start, hits, resetAt: new Date(start + slot.window * 1000).toISOString() };
  }
  function tokensRefusal(c: MemoryCompany): Refusal | null {
    const limit = settingsOf(c).company_tokens_per_day;
    if ((tokens.get(`${c.id}:${day()}`) ?? 0) < limit) return null;
    const midnight = new Date(`${day()}T00:00:00Z`).getTime() + 86_400_000;
    return {
      name: "company_tokens",
      limit,
      retryAfterSeconds: Math.max(1, Math.ceil((midnight - now()) / 1000)),
      resetAt: new Date(midnight).toISOString(),
    };
  }

  const store: MemoryChatStore = {
    begin(start: TurnStart): Promise<BeginOutcome> {
      const c = company(start.company);
      const id = `${c.id}:${start.conversationId}`;
      // A new conversation is kept only once the turn is admitted: a refused turn stores nothing.
      const conv = conversations.get(id) ?? {
        uuid: crypto.randomUUID(),
        companyId: c.id,
        externalId: start.conversationId,
        visitorId: start.visitorId,
        currentAgent: null,
        streak: 0,
        messages: [],
      };
      if (conv.visitorId !== start.visitorId) return Promise.resolve({ outcome: "forbidden" });
      const existing = conv.messages.find((m) => m.key === start.key && m.role === "user");
      if (existing && existing.content !== start.message) return Promise.resolve({ outcome: "key_reused" });

      const refusedByTokens = tokensRefusal(c);
      if (refusedByTokens) return Promise.resolve({ outcome: "limited", refused: refusedByTokens });
      const list = slotList(c, start);
      for (const slot of list) {
        const p = peek(slot);
        if (p.hits + 1 > slot.max) {
          return Promise.resolve({
            outcome: "limited",
            refused: {
              name: slot.name,
              limit: slot.max,
              retryAfterSeconds: Math.max(1, Math.ceil((p.start + slot.window * 1000 - now()) / 1000)),
              resetAt: p.resetAt,
            },
          });
        }
      }
      conversations.set(id, conv);
      const taken = list.map((slot) => {
        const p = peek(slot);
        slots.set(slot.key, { start: p.start, hits: p.hits + 1 });
        return { name: slot.name, remaining: slot.max - p.hits - 1, limit: slot.max, resetAt: p.resetAt };
      });
      const allowance = taken.find((t) => t.name === "conversation")!;
      const rateLimit = {
        remaining: allowance.remaining,
        limit: allowance.limit,
        resetAt: allowance.resetAt,
      };

      const stored = conv.messages.find((m) => m.key === `${start.key}#reply`);
      if (stored) {
        const agent = c.agents.find((a) => a.slug === stored.agent);
        return Promise.resolve({
          outcome: "replay",
          reply: {
            messageId: stored.id,
            content: stored.content,
            agent: stored.agent,
            agentName: agent?.name ?? null,
            model: stored.model,
            promptTokens: stored.promptTokens,
            completionTokens: stored.completionTokens,
            sources: stored.sources,
            metadata: stored.metadata,
          },
          rateLimit,
        });
      }
      let message = existing;
      if (message) {
        if (start.clientKey && now() - message.createdAt < (options.staleSeconds ?? 150) * 1000) {
          return Promise.resolve({ outcome: "in_progress" });
        }
      } else {
        message = {
          id: crypto.randomUUID(),
          role: "user",
          content: start.message,
          key: start.key,
          createdAt: now(),
          agent: null,
          model: null,
          promptTokens: 0,
          completionTokens: 0,
          sources: [],
          metadata: start.metadata,
        };
        conv.messages.push(message);
      }
      const s = settingsOf(c);
      const history = conv.messages
        .filter((m) => m.key !== start.key && m.key !== `${start.key}#reply`)
        .slice(-(options.historyMessages ?? DEFAULT_BUDGET.historyMessages))
        .map((m) => ({ role: m.role, content: m.content }));
      return Promise.resolve({
        outcome: "turn",
        turn: {
          companyId: c.id,
          companySlug: c.slug,
          conversationUuid: conv.uuid,
          messageId: message.id,
          retried: Boolean(existing),
          paused: paused(conv.uuid),
          currentAgent: conv.currentAgent,
          streak: conv.streak,
          history,
          agents: c.agents,
          settings: {
            chatModel: s.chat_model ?? null,
            routerModel: s.router_model ?? null,
            rerankModel: s.rerank_model ?? null,
            matchCount: s.match_count,
            matchThreshold: s.match_threshold,
          },
          rateLimit,
        },
      });
    },

    finish(finish) {
      const conv = byUuid(finish.conversationUuid);
      if (!conv || conv.companyId !== finish.companyId) {
        return Promise.reject(Object.assign(new Error("unknown conversation"), { code: "P0002" }));
      }
      if (finish.escalation) {
        store.escalate({
          companyId: finish.companyId,
          conversationUuid: finish.conversationUuid,
          ...finish.escalation,
        });
      }
      if (finish.state) {
        conv.currentAgent = finish.state.agent;
        conv.streak = finish.state.streak;
      }
      const key = `${finish.key}#reply`;
      const existing = conv.messages.find((m) => m.key === key);
      if (existing) return Promise.resolve(existing.id);
      settle(finish.companyId, finish.conversationUuid, finish.usage);
      const r = finish.reply;
      const message: MemoryMessage = {
        id: crypto.randomUUID(),
        role: "assistant",
        content: r.content,
        key,
        createdAt: now(),
        agent: r.agent,
        model: r.model,
        promptTokens: r.promptTokens ?? 0,
        completionTokens: r.completionTokens ?? 0,
        sources: r.sources,
        metadata: r.metadata,
      };
      conv.messages.push(message);
      const used = message.promptTokens + message.completionTokens;
      if (used > 0) {
        tokens.set(`${conv.companyId}:${day()}`, (tokens.get(`${conv.companyId}:${day()}`) ?? 0) + used);
      }
      return Promise.resolve(message.id);
    },

    escalate(e) {
      settle(e.companyId, e.conversationUuid, e.usage);
      if (!escalations.some((x) => x.conversationUuid === e.conversationUuid && x.open)) {
        escalations.push({
          conversationUuid: e.conversationUuid,
          reason: e.reason,
          details: e.details,
          open: true,
        });
      }
      return Promise.resolve();
    },

    allowance(query): Promise<AllowanceOutcome> {
      const c = company(query.company);
      const conv = conversations.get(`${c.id}:${query.conversationId}`);
      if (conv && conv.visitorId !== query.visitorId) return Promise.resolve({ outcome: "forbidden" });
      let limitedBy: Refusal["name"] | null = tokensRefusal(c) ? "company_tokens" : null;
      let conversation = { remaining: 0, limit: 0, resetAt: "" };
      for (const slot of slotList(c, query)) {
        const p = peek(slot);
        if (slot.name === "conversation") {
          conversation = { remaining: Math.max(slot.max - p.hits, 0), limit: slot.max, resetAt: p.resetAt };
        }
        if (p.hits >= slot.max && limitedBy === null) limitedBy = slot.name;
      }
      return Promise.resolve({
        outcome: "allowance",
        allowed: limitedBy === null,
        limitedBy,
        ...conversation,
      });
    },

    reserve(companyId, ceilings) {
      const c = company(companyId);
      const amount = ceilings.reduce((sum, ceiling) => sum + price(ceiling), 0);
      const month = new Date(now()).toISOString().slice(0, 7) + "-01";
      let answer: Reservation;
      if (!c.budget) answer = { allowed: true, reservation: null, amount_usd: amount, soft: false, month };
      else {
        const holding = [...held.values()].filter((h) => h.companyId === c.id).reduce(
          (sum, h) => sum + h.amount,
          0,
        );
        const used = (spent.get(c.id) ?? 0) + holding;
        if (used + amount > c.budget.capUsd + 1e-12) {
          answer = {
            allowed: false,
            amount_usd: amount,
            remaining_usd: Math.max(c.budget.capUsd - used, 0),
            soft: true,
            month,
            fallback_model: c.budget.fallbackModel ?? null,
          };
        } else {
          const id = amount > 0 ? crypto.randomUUID() : null;
          if (id) held.set(id, { companyId: c.id, amount });
          answer = {
            allowed: true,
            reservation: id,
            amount_usd: amount,
            remaining_usd: c.budget.capUsd - used - amount,
            soft: used + amount >= 0.8 * c.budget.capUsd,
            month,
          };
        }
      }
      reservations.push({ companyId: c.id, ceilings, answer });
      return Promise.resolve(answer);
    },

    ledger,
    reservations,
    budget(companyId) {
      const id = company(companyId).id;
      const heldUsd = [...held.values()].filter((h) => h.companyId === id).reduce(
        (sum, h) => sum + h.amount,
        0,
      );
      return { spentUsd: spent.get(id) ?? 0, heldUsd };
    },

    messages(companyId, conversationId) {
      return [...(conversations.get(`${company(companyId).id}:${conversationId}`)?.messages ?? [])];
    },
    escalations,
    state(companyId, conversationId) {
      const conv = conversations.get(`${company(companyId).id}:${conversationId}`);
      return conv && { agent: conv.currentAgent, streak: conv.streak };
    },
    tokensToday(companyId) {
      return tokens.get(`${company(companyId).id}:${day()}`) ?? 0;
    },
  };
  return store;
}
