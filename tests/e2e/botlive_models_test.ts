// Botlive's model path through the fake provider server: Groq (Llama 3.3 70B) with structured
// output and the company's prompt, DeepSeek V3 as the fallback with its own prompt, each attempt
// bounded; drills for 500, 429, a timeout and malformed JSON; both down → the offline extractor.
// Whatever the model says, the amounts, totals and order numbers come from the database.
import assert from "node:assert/strict";
import { createProofReader } from "../../functions/_shared/botlive/llm.ts";
import { createProviders, readProviderConfig } from "../../functions/_shared/providers/index.ts";
import { type FakeBehaviour, type FakeProviders, startFakeProviders } from "../support/fake_providers.ts";
import { stack } from "../support/stack.ts";
import { createTestShop, type TestShop } from "../fixtures/botlive/shop.ts";

const ignore = !stack.available;

/** What a good model returns for « la robe wax rouge en M, livraison Pikine, 77 123 45 67 ». */
const EXTRACTION = {
  intent: "order",
  product: "Robe wax",
  variant: { taille: "M", couleur: "rouge" },
  quantity: 1,
  zone: "Pikine",
  phone: "77 123 45 67",
  payment: null,
  customer_name: null,
};
const MESSAGE = "la robe wax rouge en M, livraison Pikine, 77 123 45 67";

async function withModels(fn: (shop: TestShop, fake: FakeProviders) => Promise<void>) {
  const fake = await startFakeProviders();
  const providers = createProviders(
    readProviderConfig({ ...fake.env(), PROVIDER_MAX_RETRIES: "0", PROVIDER_TIMEOUT_MS: "400" }),
  );
  const shop = await createTestShop(stack.dbUrl, {
    models: { groq: providers.chatProviders.groq, deepseek: providers.chatProviders.deepseek },
    timeoutMs: 400,
  });
  try {
    await fn(shop, fake);
  } finally {
    await shop.drop();
    await fake.close();
  }
}

const chatRequests = (fake: FakeProviders) => fake.requests.filter((r) => r.route === "chat");
const systemPrompt = (body: Record<string, unknown> | undefined) =>
  ((body?.messages as { role: string; content: string }[]) ?? []).filter((m) => m.role === "system").map((
    m,
  ) => m.content)
    .join("\n");

Deno.test({
  name:
    "botlive models: Groq answers with structured output and the company's Groq prompt; amounts from the database",
  ignore,
  fn: () =>
    withModels(async (shop, fake) => {
      // The model also claims a price: it has no field for one, and the reply's total is the catalog's.
      fake.script("chat", { json: { ...EXTRACTION, price: 1000 } });
      const r = await shop.say("wa-groq", MESSAGE);
      const [request] = chatRequests(fake);
      assert.equal(request.provider, "groq");
      assert.equal(request.body?.model, "llama-3.3-70b-versatile");
      assert.equal((request.body?.response_format as { type: string }).type, "json_object");
      assert.match(systemPrompt(request.body), /assistante de vente de Boutique Awa/);
      assert.match(systemPrompt(request.body), /Robe wax/, "the catalog is in the prompt");
      assert.equal(r.order_state.product?.name, "Robe wax");
      assert.deepEqual(r.order_state.product?.variant, { couleur: "rouge", taille: "M" });
      assert.equal(r.order_state.phone, "+221771234567");
      assert.equal(r.order_state.payment.required, 17500);
      assert.match(r.reply, /17 500 FCFA/);
      assert.doesNotMatch(r.reply, /1 000 FCFA/);
      const [row] = await shop.db
        .sql`select m.model_used from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.company_id = ${shop.id} and m.role = 'assistant'`;
      assert.equal(row.model_used, "llama-3.3-70b-versatile");
    }),
});

for (
  const [name, failure] of [
    ["HTTP 500", { status: 500 }],
    ["HTTP 429", { status: 429, retryAfter: 1 }],
    ["a timeout", { hang: true }],
    ["malformed JSON", { text: '{"intent": "order", "product": ' }],
    ["JSON that is not the schema", { json: { reply: "d'accord" } }],
  ] as [string, FakeBehaviour][]
) {
  Deno.test({
    name: `botlive models: Groq fails with ${name} → DeepSeek answers with its own prompt`,
    ignore,
    fn: () =>
      withModels(async (shop, fake) => {
        fake.script("chat", [failure, { json: EXTRACTION }]);
        const r = await shop.say("wa-fallback", MESSAGE);
        const requests = chatRequests(fake);
        assert.deepEqual(requests.map((q) => q.provider), ["groq", "deepseek"]);
        assert.equal(requests[1].body?.model, "deepseek-chat");
        assert.match(
          systemPrompt(requests[1].body),
          /Tu es l'assistante de Boutique Awa \(mode, vente en live, Dakar\)/,
        );
        assert.equal(r.order_state.product?.name, "Robe wax");
        assert.equal(r.order_state.zone?.name, "Pikine");
        const [row] = await shop.db
          .sql`select m.model_used from public.messages m join public.conversations c on c.id = m.conversation_id
          where c.company_id = ${shop.id} and m.role = 'assistant'`;
        assert.equal(row.model_used, "deepseek-chat");
      }),
  });
}

Deno.test({
  name: "botlive models: both down → the offline extractor still takes the order; nothing lost",
  ignore,
  fn: () =>
    withModels(async (shop, fake) => {
      fake.setDefault("chat", { status: 503 });
      let r = await shop.say("wa-down", MESSAGE);
      assert.equal(r.order_state.product?.name, "Robe wax");
      assert.deepEqual(r.order_state.missing, ["paiement"]);
      r = await shop.say("wa-down", "payé 17 500 par wave ref WV-DOWN1");
      assert.ok(r.order, r.reply);
      assert.equal(r.order.total_amount, 17500);
      const rows = await shop.db
        .sql`select m.role, m.model_used from public.messages m join public.conversations c on c.id = m.conversation_id
        where c.company_id = ${shop.id} order by m.created_at`;
      assert.deepEqual(rows.map((x) => x.role), ["user", "assistant", "user", "assistant"]);
      assert.equal(rows[1].model_used, "offline");
    }),
});

Deno.test({
  name:
    "botlive models: a product, zone or reference the model invents is dropped; an edited prompt is used from the next message",
  ignore,
  fn: () =>
    withModels(async (shop, fake) => {
      fake.script("chat", {
        json: {
          ...EXTRACTION,
          product: "Montre en or",
          zone: "Paris",
          phone: "06 12 34 56 78",
          payment: { amount: 500000, method: "wave", reference: "INVENTED1" },
        },
      });
      const r = await shop.say("wa-invent", "je veux une montre");
      assert.equal(r.order_state.product, null);
      assert.equal(r.order_state.zone, null);
      assert.equal(r.order_state.phone, null);
      assert.equal(
        (await shop.db.sql`select count(*)::int as n from public.payments where company_id = ${shop.id}`)[0]
          .n,
        0,
        "a reference the customer did not write pays nothing",
      );
      await shop.db
        .sql`update public.company_rag_configs set prompt_botlive_groq_70b = 'Nouveau prompt de la boutique.' where company_id = ${shop.slug}`;
      fake.script("chat", { json: EXTRACTION });
      await shop.say("wa-invent", MESSAGE);
      assert.match(systemPrompt(chatRequests(fake).at(-1)?.body), /Nouveau prompt de la boutique\./);
    }),
});

Deno.test({
  name:
    "botlive vision: a payment screenshot is read by the vision model (OpenRouter, image_url); without one the bot asks for the text",
  ignore,
  async fn() {
    const fake = await startFakeProviders();
    const providers = createProviders(readProviderConfig({
      ...fake.env(),
      PROVIDER_MAX_RETRIES: "0",
      BOTLIVE_VISION_MODEL: "openai/gpt-4o-mini",
    }));
    assert.ok(providers.vision);
    const withVision = await createTestShop(stack.dbUrl, {
      readProof: createProofReader(providers.vision, 400),
      knowledge: false,
    });
    const without = await createTestShop(stack.dbUrl, { knowledge: false });
    const screenshot = {
      attachments: [{
        type: "image",
        url: "https://media.example.invalid/receipt.jpg",
        mime_type: "image/jpeg",
      }],
    };
    try {
      fake.script("openrouter", { json: { amount: 17500, method: "wave", reference: "WVIMG0001" } });
      await withVision.say("wa-image", MESSAGE);
      const r = await withVision.say("wa-image", "", screenshot);
      assert.ok(r.order, r.reply);
      assert.equal(r.order.total_amount, 17500);
      const request = fake.requests.find((q) => q.route === "openrouter")!;
      assert.equal(request.body?.model, "openai/gpt-4o-mini");
      const user = (request.body?.messages as { role: string; content: unknown }[]).find((m) =>
        m.role === "user"
      )!;
      assert.deepEqual((user.content as { type: string }[]).map((part) => part.type), ["text", "image_url"]);
      const [payment] = await withVision.db
        .sql`select source, reference, status from public.payments where company_id = ${withVision.id}`;
      assert.deepEqual({ ...payment }, { source: "image", reference: "WVIMG0001", status: "to_verify" });

      await without.say("wa-image", MESSAGE);
      const asked = await without.say("wa-image", "", screenshot);
      assert.equal(asked.order, null);
      assert.match(
        asked.reply,
        /Je ne peux pas lire la capture d'écran : écrivez-moi le montant et la référence/,
      );
    } finally {
      await withVision.drop();
      await without.drop();
      await fake.close();
    }
  },
});
