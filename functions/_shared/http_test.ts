import assert from "node:assert/strict";
import { z } from "zod";
import { corsHeaders as supabaseCors } from "@supabase/supabase-js/cors";
import { corsHeaders, errorResponse, HttpError, json, readJson, serveJson } from "./http.ts";

const Body = z.object({ name: z.string().min(1), count: z.number().int() });
const handler = serveJson({ name: "demo", methods: ["POST"] }, async (req) => {
  const body = await readJson(req, Body, { maxBytes: 64 });
  if (body.name === "boom") throw new Error("secret detail that must not leak");
  return json(200, body);
});

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return handler(new Request("http://x/demo", { method: "POST", body, headers }));
}

Deno.test("a valid body reaches the handler", async () => {
  const res = await post(JSON.stringify({ name: "a", count: 2 }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: "a", count: 2 });
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
});

Deno.test("malformed JSON is a 400 invalid_json in the error contract", async () => {
  const res = await post("{not json");
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), {
    error: { code: "invalid_json", message: "Request body is not valid JSON" },
  });
});

Deno.test("wrong types are a 400 naming the field, with the zod issues in details", async () => {
  const res = await post(JSON.stringify({ name: "a", count: "two" }));
  assert.equal(res.status, 400);
  const { error } = await res.json();
  assert.equal(error.code, "invalid_request");
  assert.match(error.message, /^Invalid request body: count: /);
  assert.equal(error.details.issues[0].path, "count");
});

Deno.test("an oversize body is a 413, whether or not content-length announces it", async () => {
  const big = JSON.stringify({ name: "x".repeat(100), count: 1 });
  const announced = await post(big, { "content-length": String(big.length) });
  assert.equal(announced.status, 413);
  assert.equal((await announced.json()).error.code, "payload_too_large");
  const streamed = await handler(
    new Request("http://x/demo", {
      method: "POST",
      body: ReadableStream.from([new TextEncoder().encode(big)]),
    }),
  );
  assert.equal(streamed.status, 413);
});

Deno.test("an unexpected error is a generic 500 without its message or stack", async () => {
  const originalError = console.error;
  const logged: unknown[] = [];
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const res = await post(JSON.stringify({ name: "boom", count: 1 }));
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { error: { code: "internal", message: "Internal error" } });
    assert.doesNotMatch(text + JSON.stringify(logged), /secret detail/);
  } finally {
    console.error = originalError;
  }
});

Deno.test("CORS preflight is answered and other methods get 405 with Allow", async () => {
  const preflight = await handler(new Request("http://x/demo", { method: "OPTIONS" }));
  assert.equal(preflight.status, 200);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
  await preflight.body?.cancel();
  const get = await handler(new Request("http://x/demo"));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  await get.body?.cancel();
});

Deno.test("CORS allows every header supabase-js sends (its own list and the ones it adds per client) and exposes Retry-After", () => {
  const allowed = new Set(corsHeaders["Access-Control-Allow-Headers"].split(", "));
  const sent = [
    ...supabaseCors["Access-Control-Allow-Headers"].split(",").map((h) => h.trim()),
    "x-region", // functions-js, with `region`
    "x-supabase-api-version", // auth-js, on every auth call (Chromium refused the sign-in without it)
    "accept-profile",
    "content-profile",
    "prefer",
    "range", // postgrest-js
  ];
  assert.deepEqual(sent.filter((h) => !allowed.has(h)), []);
  assert.match(corsHeaders["Access-Control-Expose-Headers"], /retry-after/);
});

Deno.test("HttpError keeps its headers (Retry-After on 429)", async () => {
  const res = errorResponse(
    new HttpError("rate_limited", "Trop de messages. Veuillez patienter.", undefined, {
      "Retry-After": "42",
    }),
  );
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "42");
  assert.equal((await res.json()).error.message, "Trop de messages. Veuillez patienter.");
});
