import assert from "node:assert/strict";
import OpenAI from "openai";
import { fakeOpenRouterCost, startFakeProviders, withFakeProviders } from "./fake_providers.ts";

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

Deno.test("fake providers: OpenRouter answers carry usage.cost, cached tokens when scripted, and record accounting", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", [
      { usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 600 } },
      {},
    ]);
    const url = `${fake.openrouterBaseUrl}/chat/completions`;
    const ask = async (extra: Record<string, unknown>) =>
      (await (await fetch(url, {
        method: "POST",
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "q" }], ...extra }),
      })).json()).usage;
    assert.deepEqual(await ask({ usage: { include: true } }), {
      prompt_tokens: 1000,
      completion_tokens: 100,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 600 },
      cost: 0.0045,
    });
    const plain = await ask({});
    assert.equal(plain.prompt_tokens_details, undefined, "nothing cached unless scripted");
    assert.equal(plain.cost, fakeOpenRouterCost(plain));
    assert.deepEqual(fake.requests.map((r) => r.usageAccounting), [true, false]);
  });
});

Deno.test("fake providers: a streamed OpenRouter answer ends with the usage chunk, cost included", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("openrouter", { chunks: ["a ", "b"], usage: { prompt_tokens: 10, completion_tokens: 2 } });
    const stream = await client(fake.openrouterBaseUrl).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "q" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, {
      prompt_tokens: 10,
      completion_tokens: 2,
      total_tokens: 12,
      cost: 60 / 1e6,
    });
    assert.ok(chunks.slice(0, -1).every((chunk) => !chunk.usage), "usage only in the last chunk");
  });
});

Deno.test("fake providers: DeepSeek reports cache hits its own way; other routes carry no cost", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("chat", { usage: { prompt_tokens: 50, completion_tokens: 5, cached_tokens: 32 } });
    const completion = await client(fake.deepseekBaseUrl).chat.completions.create({
      model: "deepseek-chat",
      messages: [],
    });
    assert.deepEqual(completion.usage, {
      prompt_tokens: 50,
      completion_tokens: 5,
      total_tokens: 55,
      prompt_cache_hit_tokens: 32,
      prompt_cache_miss_tokens: 18,
    });
  });
});

Deno.test("fake providers: Cohere rerank bills one search unit unless scripted", async () => {
  await withFakeProviders(async (fake) => {
    fake.script("rerank", [{}, { searchUnits: 4 }, { searchUnits: null }]);
    const meta = async () =>
      (await (await fetch(`${fake.cohereBaseUrl}/v2/rerank`, {
        method: "POST",
        body: JSON.stringify({ model: "m", query: "q", documents: ["d"] }),
      })).json()).meta;
    assert.deepEqual((await meta()).billed_units, { search_units: 1 });
    assert.deepEqual((await meta()).billed_units, { search_units: 4 });
    assert.deepEqual(await meta(), { api_version: { version: "2" } });
  });
});
