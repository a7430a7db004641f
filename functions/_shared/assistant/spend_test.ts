import assert from "node:assert/strict";
import { readProviderConfig } from "../providers/index.ts";
import type { Ceiling, Reservation } from "../usage.ts";
import { assistantModels, ceilingOf, planSpend, promptTokenBound } from "./spend.ts";

Deno.test("assistant spend: a prompt's tokens are bounded by its UTF-8 bytes, framing and schema included", () => {
  const bound = promptTokenBound({ messages: [{ role: "user", content: "Combien de clients ai-je ?" }] });
  assert.equal(bound, 26 + 16 + 16);
  assert.equal(promptTokenBound({ messages: [{ role: "user", content: "é€" }] }, 100), 5 + 32 + 100);
  const withSchema = promptTokenBound({
    messages: [{ role: "user", content: "x" }],
    json: { name: "s", schema: { type: "object" } },
  });
  assert.equal(withSchema, 1 + 32 + JSON.stringify({ type: "object" }).length + 16);
  const ceiling = ceilingOf({ provider: "openrouter", model: "m" }, {
    messages: [{ role: "user", content: "x" }],
    maxTokens: 500,
  });
  assert.deepEqual(ceiling, {
    provider: "openrouter",
    model: "m",
    max_input_tokens: 33,
    max_output_tokens: 500,
  });
});

Deno.test("assistant spend: the chain's head is the paid model; none without a key", () => {
  assert.equal(assistantModels(readProviderConfig({})), undefined);
  const models = assistantModels(readProviderConfig({ GROQ_API_KEY: "k", OPENAI_API_KEY: "k" }))!;
  assert.deepEqual(models.answer, { provider: "groq", model: "llama-3.3-70b-versatile" });
  assert.deepEqual(models.router, models.answer);
  const routed = assistantModels(readProviderConfig({ OPENROUTER_API_KEY: "k" }))!;
  assert.equal(routed.router.model, "anthropic/claude-3.5-haiku");
  assert.equal(routed.single("openai/gpt-4o-mini").name, "openrouter");
});

Deno.test("assistant spend: allowed, else the fallback model reserved alone, else offline", async () => {
  const ceilings = {
    router: { provider: "p", model: "r", max_input_tokens: 10, max_output_tokens: 60 },
    answer: { provider: "p", model: "a", max_input_tokens: 100, max_output_tokens: 500 },
  };
  const answers = (...replies: Partial<Reservation>[]) => {
    const seen: Ceiling[][] = [];
    return {
      seen,
      reserve: (c: Ceiling[]) => {
        seen.push(c);
        return Promise.resolve(
          { amount_usd: 0, soft: false, month: "2026-12-01", ...replies.shift()! } as Reservation,
        );
      },
    };
  };
  let r = answers({ allowed: true, reservation: "x" });
  assert.equal((await planSpend(r.reserve, ceilings)).mode, "paid");
  assert.deepEqual(r.seen, [[ceilings.router, ceilings.answer]]);

  r = answers({ allowed: false, fallback_model: "cheap" }, { allowed: true, reservation: "y" });
  const fallback = await planSpend(r.reserve, ceilings);
  assert.deepEqual([fallback.mode, fallback.mode === "fallback" && fallback.model], ["fallback", "cheap"]);
  assert.deepEqual(
    r.seen[1],
    [{ ...ceilings.answer, model: "cheap" }],
    "the answer alone, on the fallback model",
  );

  r = answers({ allowed: false, fallback_model: "cheap" }, { allowed: false });
  assert.deepEqual(await planSpend(r.reserve, ceilings), {
    mode: "offline",
    capped: true,
    reservation: { allowed: false, fallback_model: "cheap", amount_usd: 0, soft: false, month: "2026-12-01" },
  });
  r = answers({ allowed: false });
  assert.equal((await planSpend(r.reserve, ceilings)).mode, "offline");
  assert.equal(r.seen.length, 1, "no fallback model: one round trip");
});
