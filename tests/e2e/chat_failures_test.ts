// Failure drills: the chat handler in-process with the real provider adapters pointed at the
// fake provider server and the test database. Each drill ends in a correct answer from a
// fallback or in the 503 path, with nothing lost or duplicated (messages rows counted).
import assert from "node:assert/strict";
import postgres from "postgres";
import { createDb } from "../../functions/_shared/db.ts";
import { knowledgeRetriever } from "../../functions/_shared/chat/retrieval.ts";
import { createSqlChatStore } from "../../functions/_shared/chat/store_sql.ts";
import { TEST_DEFAULTS } from "../../functions/_shared/chat/testing.ts";
import type { TurnBudgets } from "../../functions/_shared/chat/turn.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { readSse } from "../../functions/_shared/sse.ts";
import { createHandler } from "../../functions/chat/handler.ts";
import { ChatResponse, ErrorBody } from "../../types/api.ts";
import { type FakeBehaviour, type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { asVisitor, stack, stackAuthenticator } from "../support/stack.ts";

const ignore = !stack.available;
const ROUTE_AUDREY: FakeBehaviour = { json: { agent: "audrey", confidence: 0.9, reason: "Kajabi" } };
const QUESTION = "Comment automatiser mes e-mails avec Kajabi ?";

interface Drill {
  fake: FakeProviders;
  probe: postgres.Sql;
  send(conversation: string, extra?: Record<string, unknown>): Promise<Response>;
  rows(
    conversation: string,
  ): Promise<{ role: string; metadata: Record<string, unknown>; model_used: string }[]>;
  escalations(conversation: string): Promise<string[]>;
}

async function drill(
  fn: (d: Drill) => Promise<void>,
  options: { budgets?: Partial<TurnBudgets>; timeoutMs?: number } = {},
) {
  const fake = await startFakeProviders();
  const db = createDb(stack.dbUrl, { max: 2 });
  // Rows are counted on a connection of its own, which the database drill does not terminate.
  const probe = postgres(stack.dbUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "chat-drill" },
  });
  // No SDK retries and a short per-call timeout keep the drills fast; the chain still falls back.
  const providers = createProviders(
    readProviderConfig({
      ...fake.env(),
      PROVIDER_MAX_RETRIES: "0",
      PROVIDER_TIMEOUT_MS: String(options.timeoutMs ?? 500),
    }),
  );
  const handler = createHandler({
    store: createSqlChatStore({ db, defaults: TEST_DEFAULTS }),
    providers,
    retrieve: knowledgeRetriever({ db, embedder: providers.embedder, reranker: providers.reranker }),
    budgets: options.budgets,
    auth: await stackAuthenticator(),
  });
  try {
    await fn({
      fake,
      probe,
      send: async (conversation, extra = {}) =>
        await handler(
          new Request("http://x/chat", {
            method: "POST",
            headers: asVisitor(),
            body: JSON.stringify({
              company_id: "agence-des-copines",
              conversation_id: conversation,
              // One visitor per conversation: the per-visitor limit must not couple the drills.
              user_id: `visitor-${conversation}`,
              message: QUESTION,
              ...extra,
            }),
          }),
        ),
      rows: async (conversation) =>
        (await probe`
          select m.role, m.metadata, m.model_used from public.messages m
          join public.conversations c on c.id = m.conversation_id
          where c.external_id = ${conversation} order by m.created_at`) as never,
      escalations: async (conversation) =>
        (await probe`
          select e.reason from public.escalations e join public.conversations c on c.id = e.conversation_id
          where c.external_id = ${conversation} and e.status = 'open'`).map((r) => r.reason),
    });
  } finally {
    await Promise.all([db.end(), probe.end()]);
    await fake.close();
  }
}

const conversation = () => `test-drill-${crypto.randomUUID()}`;

/** Sends one turn that must be answered, and returns the answer and the stored assistant row. */
async function answered(d: Drill, conv: string) {
  const res = await d.send(conv);
  assert.equal(res.status, 200, await res.clone().text());
  const answer = ChatResponse.parse(await res.json());
  const rows = await d.rows(conv);
  assert.deepEqual(rows.map((r) => r.role), ["user", "assistant"], "one visitor message, one answer");
  return { answer, stored: rows[1] };
}

for (
  const [name, openrouter, chat, expectedModel, reason] of [
    [
      "OpenRouter 500 → Groq answers",
      [{ status: 500 }],
      [],
      "llama-3.3-70b-versatile",
      /openrouter.*http 500/,
    ],
    [
      "OpenRouter 429 and Groq 429 → DeepSeek answers",
      [{ status: 429 }],
      [{ status: 429 }],
      "deepseek-chat",
      /groq.*http 429/,
    ],
    [
      "OpenRouter hangs past its timeout → Groq answers",
      [{ hang: true }],
      [],
      "llama-3.3-70b-versatile",
      /timeout/,
    ],
    [
      "OpenRouter returns a malformed body → Groq answers",
      [{ malformed: true }],
      [],
      "llama-3.3-70b-versatile",
      /malformed/,
    ],
  ] as [string, FakeBehaviour[], FakeBehaviour[], string, RegExp][]
) {
  Deno.test({
    name: `drill: ${name}`,
    ignore,
    async fn() {
      await drill(async (d) => {
        d.fake.script("openrouter", [ROUTE_AUDREY, ...openrouter]);
        d.fake.script("chat", chat);
        const conv = conversation();
        const { answer, stored } = await answered(d, conv);
        assert.equal(answer.agent, "audrey");
        assert.equal(answer.model, expectedModel);
        assert.equal(answer.offline, false);
        assert.match(answer.reply, /^Fake reply to: Comment automatiser/);
        assert.equal(stored.model_used, expectedModel);
        assert.match((stored.metadata.fallback_reasons as string[]).join("; "), reason);
        assert.deepEqual(await d.escalations(conv), []);
      });
    },
  });
}

Deno.test({
  name: "drill: OpenRouter's own fallback list (the `models` parameter) answers when the main model is down",
  ignore,
  async fn() {
    await drill(async (d) => {
      d.fake.script("openrouter", [ROUTE_AUDREY, { failModels: ["anthropic/claude-3.5-sonnet"] }]);
      const { answer } = await answered(d, conversation());
      assert.equal(answer.model, "openai/gpt-4o-mini");
      const request = d.fake.requests.filter((r) => r.route === "openrouter")[1];
      assert.deepEqual(request.body?.models, [
        "anthropic/claude-3.5-sonnet",
        "openai/gpt-4o-mini",
        "meta-llama/llama-3.3-70b-instruct",
      ]);
    });
  },
});

Deno.test({
  name: "drill: malformed router output → keyword routing; the answer still comes",
  ignore,
  async fn() {
    await drill(async (d) => {
      d.fake.script("openrouter", { text: "Audrey, je pense." });
      d.fake.script("chat", { text: "Audrey, je pense." });
      d.fake.script("chat", { text: "toujours pas du JSON" });
      d.fake.script("chat", { status: 500 });
      const { answer, stored } = await answered(d, conversation());
      assert.equal(answer.agent, "audrey");
      const routing = stored.metadata.routing as Record<string, unknown>;
      assert.equal(routing.method, "keyword");
      assert.match(String(routing.router_fallback), /malformed/);
    });
  },
});

Deno.test({
  name: "drill: every provider fails → 503, the visitor's message kept once, escalation opened, no answer",
  ignore,
  async fn() {
    await drill(async (d) => {
      d.fake.script("openrouter", [ROUTE_AUDREY, { status: 500 }]);
      d.fake.script("chat", [{ status: 500 }, { status: 503 }, { status: 429 }]);
      const conv = conversation();
      const res = await d.send(conv);
      assert.equal(res.status, 503);
      const error = ErrorBody.parse(await res.json()).error;
      assert.equal(error.code, "unavailable");
      assert.deepEqual(
        (error.details as { attempts: { provider: string }[] }).attempts.map((a) => a.provider),
        ["openrouter", "groq", "deepseek", "openai"],
      );
      assert.deepEqual((await d.rows(conv)).map((r) => r.role), ["user"]);
      assert.deepEqual(await d.escalations(conv), ["provider_failure"]);
      // The conversation is paused: the next message gets the holding reply, and no model is called.
      const before = d.fake.requests.length;
      const next = ChatResponse.parse(await (await d.send(conv)).json());
      assert.equal(next.kind, "holding");
      assert.equal(d.fake.requests.length, before);
      assert.deepEqual((await d.rows(conv)).map((r) => r.role), ["user", "user", "assistant"]);
    });
  },
});

Deno.test({
  name: "drill: streaming falls back before the first token; the stored answer is the streamed text",
  ignore,
  async fn() {
    await drill(async (d) => {
      d.fake.script("openrouter", [ROUTE_AUDREY, { status: 500 }]);
      d.fake.script("chat", { chunks: ["Voici ", "la ", "réponse ", "de ", "secours."] });
      const conv = conversation();
      const res = await d.send(conv, { stream: true });
      assert.equal(res.status, 200);
      let text = "";
      let done: ChatResponse | undefined;
      for await (const event of readSse(res.body!)) {
        if (event.event === "token") text += (event.data as { delta: string }).delta;
        if (event.event === "done") done = ChatResponse.parse(event.data);
      }
      assert.equal(text, "Voici la réponse de secours.");
      assert.equal(done?.reply, text);
      assert.equal(done?.model, "llama-3.3-70b-versatile");
      const rows = await d.rows(conv);
      assert.deepEqual(rows.map((r) => r.role), ["user", "assistant"]);
    });
  },
});

Deno.test({
  name: "a widget conversation belongs to its visitor: another visitor's message is a 403 and stores nothing",
  ignore,
  async fn() {
    await drill(async (d) => {
      const conv = conversation();
      d.fake.script("openrouter", ROUTE_AUDREY);
      const first = await d.send(conv);
      assert.equal(first.status, 200, await first.clone().text());
      await first.body?.cancel();
      const intruder = await d.send(conv, { user_id: "someone-else" });
      assert.equal(intruder.status, 403);
      assert.deepEqual(ErrorBody.parse(await intruder.json()).error, {
        code: "forbidden",
        message: "chat: this conversation belongs to another visitor",
      });
      assert.equal((await d.rows(conv)).length, 2, "the visitor's turn only");
    });
  },
});

Deno.test({
  name: "drill: the database restarted between turns → the next turn answers; nothing lost or doubled",
  // Restarts npm test's throw-away cluster (never the npm start data), so only under npm test.
  ignore: ignore || !Deno.env.get("COMPTOIR_DATA_DIR"),
  async fn() {
    await drill(async (d) => {
      const conv = conversation();
      const ids: string[] = [];
      for (let turn = 1; turn <= 2; turn++) {
        d.fake.script("openrouter", ROUTE_AUDREY);
        const res = await d.send(conv, { idempotency_key: `restart-${turn}` });
        assert.equal(res.status, 200, await res.clone().text());
        ids.push(ChatResponse.parse(await res.json()).message_id);
        if (turn === 1) {
          const db = new URL("../../scripts/local/db.sh", import.meta.url).pathname;
          for (const action of ["stop", "start"]) {
            const out = await new Deno.Command("bash", { args: [db, action], stderr: "piped" }).output();
            assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
          }
        }
      }
      const rows = await d.rows(conv);
      assert.equal(rows.length, 4, "two visitor messages and two answers, none doubled");
      assert.equal(new Set(ids).size, 2);
    });
  },
});

Deno.test({
  name:
    "drill: database connections terminated between turns → the next turn reconnects; nothing lost or doubled",
  ignore,
  async fn() {
    await drill(async (d) => {
      const conv = conversation();
      const ids: string[] = [];
      for (let turn = 1; turn <= 3; turn++) {
        d.fake.script("openrouter", ROUTE_AUDREY);
        const res = await d.send(conv, { idempotency_key: `drill-${turn}` });
        assert.equal(res.status, 200, await res.clone().text());
        ids.push(ChatResponse.parse(await res.json()).message_id);
        const [killed] = await d.probe`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where application_name = 'comptoir-functions'`;
        assert.ok(killed.n >= 1, "the function's connections were terminated");
      }
      const rows = await d.rows(conv);
      assert.equal(rows.length, 6, "three visitor messages and three answers, none doubled");
      assert.equal(new Set(ids).size, 3);
    });
  },
});

Deno.test({
  name:
    "drill: the turn's answer budget bounds a slow chain: 503 on time, even when each call's own timeout is longer",
  ignore,
  async fn() {
    await drill(async (d) => {
      d.fake.script("openrouter", [ROUTE_AUDREY, { hang: true }]);
      const conv = conversation();
      const started = performance.now();
      const res = await d.send(conv);
      const elapsed = performance.now() - started;
      assert.equal(res.status, 503);
      await res.body?.cancel();
      assert.ok(elapsed < 3000, `took ${Math.round(elapsed)} ms`);
      assert.deepEqual((await d.rows(conv)).map((r) => r.role), ["user"]);
      assert.deepEqual(await d.escalations(conv), ["provider_failure"]);
    }, { budgets: { answerMs: 400 }, timeoutMs: 10_000 });
  },
});
