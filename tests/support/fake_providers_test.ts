import assert from "node:assert/strict";
import OpenAI from "openai";
import { startFakeProviders, withFakeProviders } from "./fake_providers.ts";

function client(baseURL: string) {
  return new OpenAI({ apiKey: "k", baseURL, maxRetries: 0, timeout: 1_000 });
}

Deno.test("fake providers: queue first, then the default, then back to normal after reset", async () => {
  await withFakeProviders(async (fake) => {
    fake.setDefault("chat", { text: "default" });
    fake.script("chat", [{ text: "first" }, { text: "second" }]);
    const ask = async () =>
      (await client(fake.openaiBaseUrl).chat.completions.create({
        model: "m",
        messages: [{ role: "user", content: "q" }],
      }))
        .choices[0].message.content;
    assert.deepEqual([await ask(), await ask(), await ask()], ["first", "second", "default"]);
    assert.equal(fake.requests.length, 3);
    fake.reset();
    assert.equal(fake.requests.length, 0);
    assert.equal(await ask(), "Fake reply to: q");
  });
});

Deno.test("fake providers: json_schema requests get a value shaped like the schema by default", async () => {
  await withFakeProviders(async (fake) => {
    const completion = await client(fake.openaiBaseUrl).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "q" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "route",
          strict: true,
          schema: {
            type: "object",
            properties: {
              agent: { enum: ["audrey", "carole"] },
              score: { type: "number" },
              tags: { type: "array" },
            },
          },
        },
      },
    });
    assert.deepEqual(JSON.parse(completion.choices[0].message.content!), {
      agent: "audrey",
      score: 0,
      tags: [],
    });
  });
});

Deno.test("fake providers: 429 carries retry-after; latency is applied; unknown routes are 404", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", [{ status: 429, retryAfter: 7 }, { latencyMs: 50 }]);
    const url = `${fake.openaiBaseUrl}/chat/completions`;
    const body = JSON.stringify({ model: "m", messages: [] });
    const limited = await fetch(url, { method: "POST", body });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.equal((await limited.json()).error.code, 429);
    const started = performance.now();
    await (await fetch(url, { method: "POST", body })).body?.cancel();
    assert.ok(performance.now() - started >= 45);
    const missing = await fetch(`${fake.baseUrl}/v1/nope`, { method: "POST", body });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });
});

Deno.test("fake providers: OpenRouter with every listed model down answers 503", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { failModels: ["a", "b"] });
    const response = await fetch(`${fake.openrouterBaseUrl}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "a", models: ["a", "b"], messages: [] }),
    });
    assert.equal(response.status, 503);
    await response.body?.cancel();
  });
});

Deno.test("fake providers: float embeddings when asked, of the requested dimension", async () => {
  await withFakeProviders(async (fake) => {
    const response = await client(fake.openaiBaseUrl).embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b"],
      encoding_format: "float",
      dimensions: 8,
    });
    assert.deepEqual(response.data.map((d) => [d.index, d.embedding.length]), [[0, 8], [1, 8]]);
    assert.ok(response.usage.prompt_tokens > 0);
  });
});

Deno.test("fake providers: close() releases a hanging request", async () => {
  const fake = await startFakeProviders();
  fake.script("rerank", { hang: true });
  const pending = fetch(`${fake.cohereBaseUrl}/v2/rerank`, {
    method: "POST",
    body: JSON.stringify({ model: "m", query: "q", documents: ["d"] }),
  });
  while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await fake.close();
  // Released with a 504, or the connection closed under it by the shutdown: either way, not left hanging.
  const outcome = await pending.then(async (response) => {
    await response.body?.cancel();
    return response.status;
  }, () => "closed");
  assert.ok(outcome === 504 || outcome === "closed", String(outcome));
});
