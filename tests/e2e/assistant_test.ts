// The assistant function end to end (in-process, on the test database): the answer with its
// stored snapshot, conversation management, another user's conversation (404 whatever the
// action), a company the user is not in (403), a user in several companies, bad input, and
// every provider failing (503, the question kept, nothing half-written).
import assert from "node:assert/strict";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { AssistantAskResponse, AssistantListResponse, ErrorBody } from "../../types/api.ts";
import { startFakeProviders } from "../support/fake_providers.ts";
import { stack } from "../support/stack.ts";
import { copySeedCompany } from "../fixtures/assistant/company.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

Deno.test({
  name:
    "assistant: ask stores the answer with exactly the context sent (and its hash); the conversation is the user's own",
  ignore,
  async fn() {
    const company = await copySeedCompany(stack.dbUrl);
    try {
      const first = await company.call({ message: "Quelles sont mes factures impayées ?" });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const answer = AssistantAskResponse.parse(first.body);
      assert.match(answer.reply, /9 factures impayées, pour un total de 15 860,50 €/);
      assert.deepEqual(answer.sections, ["billing"]);
      assert.equal(answer.model, "offline");
      const [row] = await company.db
        .sql`select m.context_snapshot, m.model_used, m.latency_ms, m.tokens_used, c.title, c.user_id::text
        from public.messages m join public.conversations c on c.id = m.conversation_id where m.id = ${answer.message_id}`;
      assert.equal(row.title, "Quelles sont mes factures impayées ?", "titled from the first question");
      assert.equal(row.user_id, company.users.owner);
      assert.equal(row.model_used, "offline");
      assert.ok(row.latency_ms >= 0);
      assert.equal(row.context_snapshot.context.billing.invoices.unpaid, 9);
      const digest = await crypto.subtle.digest(
        "SHA-256",
        new TextEncoder().encode(JSON.stringify(row.context_snapshot.context)),
      );
      assert.equal(
        row.context_snapshot.hash,
        Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
      );

      // The same conversation goes on; the second answer reads the cache.
      const second = AssistantAskResponse.parse(
        (await company.call({ message: "et en retard ?", conversation_id: answer.conversation_id })).body,
      );
      assert.equal(second.conversation_id, answer.conversation_id);
      assert.deepEqual(second.cached_sections, ["billing"]);
      assert.match(second.reply, /4 factures sont en retard de paiement, pour 6 525,50 €/);

      // Management: list, messages, rename, archive, delete (soft, hidden everywhere).
      const list = AssistantListResponse.parse((await company.call({ action: "list" })).body);
      assert.equal(list.total, 1);
      assert.equal(list.conversations[0].id, answer.conversation_id);
      const messages =
        (await company.call({ action: "messages", conversation_id: answer.conversation_id })).body;
      assert.deepEqual((messages.messages as { role: string }[]).map((m) => m.role), [
        "user",
        "assistant",
        "user",
        "assistant",
      ]);
      assert.equal(
        (await company.call({ action: "rename", conversation_id: answer.conversation_id, title: "Impayés" }))
          .body.title,
        "Impayés",
      );
      assert.equal(
        (await company.call({ action: "archive", conversation_id: answer.conversation_id })).body.status,
        "archived",
      );
      assert.equal(
        (await company.call({ action: "archive", conversation_id: answer.conversation_id, archived: false }))
          .body.status,
        "active",
      );

      // Another member of the company: the owner's conversation is a 404 whatever the action.
      for (
        const body of [
          { message: "et ce mois-ci ?", conversation_id: answer.conversation_id },
          { action: "messages", conversation_id: answer.conversation_id },
          { action: "rename", conversation_id: answer.conversation_id, title: "volé" },
          { action: "archive", conversation_id: answer.conversation_id },
          { action: "delete", conversation_id: answer.conversation_id },
        ]
      ) {
        const res = await company.call(body, company.users.member);
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(ErrorBody.parse(res.body).error.code, "not_found");
      }
      assert.equal(
        AssistantListResponse.parse((await company.call({ action: "list" }, company.users.member)).body)
          .total,
        0,
      );

      assert.equal(
        (await company.call({ action: "delete", conversation_id: answer.conversation_id })).body.status,
        "deleted",
      );
      assert.equal(
        (await company.call({ action: "messages", conversation_id: answer.conversation_id })).status,
        404,
        "deleted: gone",
      );
      assert.equal(AssistantListResponse.parse((await company.call({ action: "list" })).body).total, 0);
      const [{ visible }] = await company.db.asUser(
        { role: "authenticated", sub: company.users.owner },
        (tx) =>
          tx`select (select count(*)::int from public.chatbot_conversations where id = ${answer.conversation_id}) +
                  (select count(*)::int from public.chatbot_messages where conversation_id = ${answer.conversation_id}) as visible`,
      );
      assert.equal(visible, 0, "hidden from the views too");
    } finally {
      await company.drop();
    }
  },
});

Deno.test({
  name:
    "assistant: bad input — empty or 100 KB question, someone else's conversation, a company the user is not in, several companies — the error contract, nothing half-written",
  ignore,
  async fn() {
    const company = await copySeedCompany(stack.dbUrl);
    const other = await createTestTenant(stack.dbUrl);
    try {
      const count = async () =>
        (await company.db
          .sql`select count(*)::int as n from public.messages m join public.conversations c on c.id = m.conversation_id
          where c.company_id in (${company.id}, ${other.id})`)[0].n;
      const before = await count();
      for (
        const [body, status, pattern] of [
          [{ message: "" }, 400, /message/],
          [{ message: "   " }, 400, /message/],
          [{ message: "x".repeat(4001) }, 400, /message/],
          [{ action: "teleport" }, 400, /action/],
          [{ message: "q", conversation_id: "pas-un-uuid" }, 400, /conversation_id/],
          [{ message: "q", conversation_id: crypto.randomUUID() }, 404, /no conversation/],
          [{ message: "q", company_id: other.slug }, 403, /member/],
          [{ message: "q", company_id: "n-existe-pas" }, 403, /member/],
          ["{pas du json", 400, /JSON/],
        ] as [unknown, number, RegExp][]
      ) {
        const res = await company.call(body);
        assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(res.body)}`);
        assert.match(ErrorBody.parse(res.body).error.message, pattern);
      }
      const huge = await company.call({ message: "a".repeat(100 * 1024) });
      assert.equal(huge.status, 413);
      assert.equal(ErrorBody.parse(huge.body).error.code, "payload_too_large");
      // A user in two companies must say which.
      await company.db
        .sql`insert into public.company_members (company_id, user_id, role) values (${other.id}, ${company.users.owner}, 'member')`;
      const several = await company.call({ message: "Combien de clients ai-je ?" });
      assert.equal(several.status, 400);
      assert.match(ErrorBody.parse(several.body).error.message, /several companies: give company_id/);
      const chosen = await company.call({ message: "Combien de clients ai-je ?", company_id: company.slug });
      assert.equal(chosen.status, 200);
      assert.match(String(chosen.body.reply), /40 clients/);
      assert.equal(await count(), before + 2, "only the answered question and its answer were stored");
    } finally {
      await company.drop();
      await other.drop();
    }
  },
});

Deno.test({
  name:
    "assistant: every provider failing → 503, the question kept, no answer half-written; a model's reply with an invented figure is replaced",
  ignore,
  async fn() {
    const fake = await startFakeProviders();
    const providers = createProviders(
      readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0", PROVIDER_TIMEOUT_MS: "300" }),
    );
    const company = await copySeedCompany(stack.dbUrl, { chat: providers.chat, router: providers.router });
    try {
      fake.setDefault("openrouter", { status: 500 });
      fake.setDefault("chat", { status: 500 });
      const res = await company.call({ message: "Combien de clients ai-je ?" });
      assert.equal(res.status, 503, JSON.stringify(res.body));
      const conversation =
        (ErrorBody.parse(res.body).error.details as { conversation_id: string }).conversation_id;
      const rows = await company.db
        .sql`select role, content from public.messages where conversation_id = ${conversation}`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [{
        role: "user",
        content: "Combien de clients ai-je ?",
      }]);

      fake.reset();
      fake.script("openrouter", [{ json: { sections: ["clients"] } }, { text: "Vous avez 52 clients." }]);
      const checked = AssistantAskResponse.parse(
        (await company.call({ message: "Combien de clients ai-je ?", conversation_id: conversation })).body,
      );
      assert.equal(checked.replaced, true);
      assert.match(checked.reply, /^Vous avez 40 clients\./);
      const [stored] = await company.db
        .sql`select metadata from public.messages where id = ${checked.message_id}`;
      assert.deepEqual(stored.metadata.rejected.numbers, [52]);
      // The system prompt's static part comes first (providers' prompt caching), then the facts.
      const request = fake.requests.filter((r) => r.route === "openrouter").at(-1)!;
      const system = (request.body?.messages as { role: string; content: string }[]).filter((m) =>
        m.role === "system"
      );
      assert.match(system[0].content, /^Tu es l'assistant de gestion/);
      assert.match(system[1].content, /"total_clients":40/);
    } finally {
      await company.drop();
      await fake.close();
    }
  },
});
