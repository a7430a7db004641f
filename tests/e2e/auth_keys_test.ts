// End to end, the credentials a project created today issues (and a legacy project's), through
// the gateway to the functions, which check them themselves (verify_jwt = false): sessions from
// the Auth stand-in signed with the ES256 signing key, the publishable and secret keys, the
// legacy anon / service_role JWTs and HS256 sessions; each one forged or expired.
import assert from "node:assert/strict";
import * as jose from "jose";
import { createClient } from "@supabase/supabase-js";
import { ErrorBody, RateLimitResponse, SearchResponse } from "../../types/api.ts";
import { ANON_KEY, SERVICE_ROLE_KEY } from "../support/local_keys.ts";
import { demo, mintJwt, mintLegacyJwt, stack } from "../support/stack.ts";

const ignore = !stack.available;
const OWNER = "a0000000-0000-4000-8000-000000000001"; // owner@agence-des-copines.test (seed)

async function rateLimit(headers: Record<string, string>) {
  const res = await fetch(
    `${stack.apiUrl}/functions/v1/rate-limit?company_id=${demo.agence.slug}&conversation_id=auth-e2e&user_id=auth-e2e`,
    { headers },
  );
  return { status: res.status, body: await res.json() };
}

async function search(headers: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}/functions/v1/search`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ company_id: demo.agence.slug, query: "Kajabi", count: 1 }),
  });
  return { status: res.status, body: await res.json() };
}

function refusedWith(res: { status: number; body: unknown }, status: number, message: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(ErrorBody.parse(res.body).error.message, message);
}

Deno.test({
  name: "auth: a password sign-in returns an ES256 session with a kid, verifiable with the served JWKS",
  ignore,
  async fn() {
    const supabase = createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
    const { data, error } = await supabase.auth.signInWithPassword({
      email: demo.agence.ownerEmail,
      password: "comptoir-demo",
    });
    assert.equal(error, null);
    const token = data.session!.access_token;
    const header = jose.decodeProtectedHeader(token);
    assert.equal(header.alg, "ES256");
    assert.ok(header.kid);
    const jwks = await (await fetch(`${stack.apiUrl}/auth/v1/.well-known/jwks.json`)).json();
    // Public keys only: neither the private part nor the legacy secret is ever served.
    assert.ok(jwks.keys.every((k: jose.JWK) => k.kty === "EC" && k.d === undefined));
    const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks));
    assert.deepEqual([payload.sub, payload.role], [OWNER, "authenticated"]);

    // The session reaches a function that checks it (search: the owner is the company's admin).
    const found = await supabase.functions.invoke("search", {
      body: { company_id: demo.agence.slug, query: "Kajabi", count: 1 },
    });
    assert.equal(found.error, null);
    SearchResponse.parse(found.data);
  },
});

Deno.test({
  name: "auth: ES256 sessions — valid 200, expired, forged with another key and of an unknown kid 401",
  ignore,
  async fn() {
    const session = (options = {}) => mintJwt({ sub: OWNER, role: "authenticated" }, options);
    const headers = async (options = {}) => ({
      apikey: stack.publishableKey,
      authorization: `Bearer ${await session(options)}`,
    });
    assert.equal((await search(await headers())).status, 200);
    refusedWith(await search(await headers({ expiresIn: 1000 })), 401, /^JWT expired$/);
    const { privateKey } = await jose.generateKeyPair("ES256");
    refusedWith(await search(await headers({ key: privateKey })), 401, /^Invalid JWT$/);
    refusedWith(
      await search(await headers({ key: privateKey, kid: "not-a-key-of-ours" })),
      401,
      /^Invalid JWT$/,
    );
    refusedWith(
      await search({
        apikey: stack.publishableKey,
        authorization: `Bearer ${await mintJwt({ sub: "user_2abc", role: "authenticated" })}`,
      }),
      403,
      /not a Supabase Auth user/,
    );
  },
});

Deno.test({
  name: "auth: legacy HS256 sessions work on a legacy project (local profile) and nowhere else",
  ignore,
  async fn() {
    const legacy = await mintLegacyJwt({ sub: OWNER, role: "authenticated" });
    const res = await search({ apikey: stack.publishableKey, authorization: `Bearer ${legacy}` });
    if (!stack.legacy) return refusedWith(res, 401, /does not accept legacy HS256 tokens/);
    assert.equal(res.status, 200);
    const expired = await mintLegacyJwt({ sub: OWNER, role: "authenticated" }, { expiresIn: 1000 });
    refusedWith(
      await search({ apikey: stack.publishableKey, authorization: `Bearer ${expired}` }),
      401,
      /^JWT expired$/,
    );
    const forged = await mintLegacyJwt({ sub: OWNER, role: "authenticated" }, { secret: "x".repeat(40) });
    refusedWith(
      await search({ apikey: stack.publishableKey, authorization: `Bearer ${forged}` }),
      401,
      /^Invalid JWT$/,
    );
  },
});

Deno.test({
  name:
    "auth: the publishable key opens the widget's functions, the secret key the server's; forged keys 401",
  ignore,
  async fn() {
    RateLimitResponse.parse((await rateLimit({ apikey: stack.publishableKey })).body);
    // supabase-js without a session sends the key as a bearer too; the gateway maps it.
    assert.equal(
      (await rateLimit({ apikey: stack.publishableKey, authorization: `Bearer ${stack.publishableKey}` }))
        .status,
      200,
    );
    refusedWith(
      await rateLimit({ apikey: "sb_publishable_forgedforgedforged_abcdef" }),
      401,
      /^Invalid API key$/,
    );
    refusedWith(await rateLimit({}), 401, /^Missing credentials/);

    assert.equal((await search({ apikey: stack.secretKey })).status, 200);
    refusedWith(await search({ apikey: `${stack.secretKey.slice(0, -2)}xx` }), 401, /^Invalid API key$/);
    // The publishable key is not the secret one: the admin functions refuse it.
    refusedWith(await search({ apikey: stack.publishableKey }), 403, /requires the service role or an admin/);
  },
});

Deno.test({
  name:
    "auth: the legacy anon / service_role keys work on a legacy project only; a forged service_role JWT never does",
  ignore,
  async fn() {
    const forged = await mintLegacyJwt({ role: "service_role" }, { secret: "y".repeat(40) });
    refusedWith(await search({ apikey: forged, authorization: `Bearer ${forged}` }), 401, /./);
    if (!stack.legacy) {
      refusedWith(
        await rateLimit({ apikey: ANON_KEY, authorization: `Bearer ${ANON_KEY}` }),
        401,
        /^Invalid API key$/,
      );
      refusedWith(
        await search({ apikey: SERVICE_ROLE_KEY, authorization: `Bearer ${SERVICE_ROLE_KEY}` }),
        401,
        /./,
      );
      return;
    }
    assert.equal((await rateLimit({ apikey: ANON_KEY, authorization: `Bearer ${ANON_KEY}` })).status, 200);
    assert.equal(
      (await search({ apikey: SERVICE_ROLE_KEY, authorization: `Bearer ${SERVICE_ROLE_KEY}` })).status,
      200,
    );
  },
});

Deno.test({
  name:
    "auth: a valid key where a function needs another credential says which one; « Invalid API key » only for a wrong key",
  ignore,
  async fn() {
    const post = async (name: string, headers: Record<string, string>) => {
      const res = await fetch(`${stack.apiUrl}/functions/v1/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: "{}",
      });
      return { status: res.status, body: await res.json() };
    };
    const session = "a signed-in user's session \\(its access token in Authorization: Bearer\\)";
    refusedWith(
      await post("assistant", { apikey: stack.publishableKey }),
      401,
      new RegExp(`^This function needs ${session}; the publishable key alone is not enough$`),
    );
    // supabase-js without a session also sends the key as a bearer: the same answer.
    refusedWith(
      await post("assistant", {
        apikey: stack.publishableKey,
        authorization: `Bearer ${stack.publishableKey}`,
      }),
      401,
      new RegExp(`^This function needs ${session}; the publishable key alone is not enough$`),
    );
    refusedWith(
      await post("assistant", { apikey: stack.secretKey }),
      401,
      new RegExp(`^This function needs ${session}; the secret key alone is not enough$`),
    );
    refusedWith(
      await post("botlive", { apikey: stack.publishableKey }),
      401,
      /^This function needs the project's secret key; the publishable key alone is not enough$/,
    );
    refusedWith(
      await post("toggle-live-mode", { apikey: stack.publishableKey }),
      401,
      new RegExp(`^This function needs ${session} or the project's secret key; the publishable key alone`),
    );
    refusedWith(
      await post("assistant", { apikey: "sb_publishable_forgedforgedforged_abcdef" }),
      401,
      /^Invalid API key$/,
    );
    refusedWith(
      await post("botlive", { apikey: `${stack.secretKey.slice(0, -2)}xx` }),
      401,
      /^Invalid API key$/,
    );
  },
});

Deno.test({
  name: "auth: an API key sent as a bearer token alone is refused the same way locally and hosted: it goes in apikey",
  ignore,
  async fn() {
    const post = async (name: string, headers: Record<string, string>) => {
      const res = await fetch(`${stack.apiUrl}/functions/v1/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ company_id: demo.agence.slug, query: "Kajabi", count: 1 }),
      });
      return { status: res.status, body: await res.json() };
    };
    for (const name of ["botlive", "search", "toggle-live-mode"]) {
      for (const key of [stack.secretKey, stack.publishableKey]) {
        refusedWith(
          await post(name, { authorization: `Bearer ${key}` }),
          401,
          /^API keys go in the apikey header, not in Authorization$/,
        );
      }
    }
    // With the key in apikey too (what supabase-js sends), the call goes through.
    assert.equal(
      (await post("search", { apikey: stack.secretKey, authorization: `Bearer ${stack.secretKey}` })).status,
      200,
    );
  },
});

Deno.test({
  name:
    "auth: a session without exp is refused by the functions; both the functions and PostgREST allow 30 s of clock leeway",
  ignore,
  async fn() {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: OWNER, role: "authenticated" };
    const call = async (token: string) => {
      const headers = { apikey: stack.publishableKey, authorization: `Bearer ${token}` };
      const rest = await fetch(`${stack.apiUrl}/rest/v1/companies?select=slug&slug=eq.${demo.agence.slug}`, {
        headers,
      });
      return { fn: await search(headers), rest: { status: rest.status, body: await rest.json() } };
    };
    const noExp = [await mintJwt(claims, { expiresIn: null })];
    if (stack.legacy) noExp.push(await mintLegacyJwt(claims, { expiresIn: null }));
    for (const token of noExp) {
      const { fn, rest } = await call(token);
      refusedWith(fn, 401, /^Invalid JWT: a session must expire \(no exp claim\)$/);
      // PostgREST 12 checks exp only when present: it serves this token (README, « Sessions »).
      assert.equal(rest.status, 200, JSON.stringify(rest.body));
    }
    // Expired 10 s ago: inside the leeway for both. 60 s ago: outside for both.
    const recent = await call(await mintJwt(claims, { expiresIn: now - 10 }));
    assert.equal(recent.fn.status, 200, JSON.stringify(recent.fn.body));
    assert.equal(recent.rest.status, 200, JSON.stringify(recent.rest.body));
    const old = await call(await mintJwt(claims, { expiresIn: now - 60 }));
    refusedWith(old.fn, 401, /^JWT expired$/);
    assert.equal(old.rest.status, 401, JSON.stringify(old.rest.body));
    assert.match(String((old.rest.body as { message?: string }).message), /expired/i);
  },
});
