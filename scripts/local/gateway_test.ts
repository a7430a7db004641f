import assert from "node:assert/strict";
import { join } from "node:path";
import * as jose from "jose";
import { mintJwt, mintLegacyJwt, signingJwk, stack } from "../../tests/support/stack.ts";
import {
  createGateway,
  createKeyMapper,
  type FunctionRoute,
  loadFunctions,
  readFunctionsConfig,
} from "./gateway.ts";
import { createPlatformKeys, type PlatformKeys } from "./platform_keys.ts";

const root = join(import.meta.dirname!, "../..");
const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 } } as Deno.ServeHandlerInfo;

/** The stack's keys as the gateway holds them (the signing key of this test run). */
async function platformKeys(legacy = stack.legacy): Promise<PlatformKeys> {
  return await createPlatformKeys({
    privateJwk: await signingJwk(),
    publishableKey: stack.publishableKey,
    secretKey: stack.secretKey,
    legacy,
  });
}

/**
 * A gateway over a temporary config.toml with the echo fixture twice: once open, once behind
 * verify_jwt. Built once: a module's Deno.serve runs only on its first import in a process.
 */
const gatewayOnce = buildFixtureGateway();
function fixtureGateway() {
  return gatewayOnce;
}

async function buildFixtureGateway() {
  const dir = await Deno.makeTempDir();
  const entry = join(root, "tests/fixtures/echo/index.ts");
  await Deno.writeTextFile(
    join(dir, "config.toml"),
    `[functions.open]\nverify_jwt = false\nentrypoint = "${entry}"\n\n[functions.closed]\nentrypoint = "${entry}"\n\n[functions.off]\nenabled = false\nentrypoint = "/nowhere.ts"\n`,
  );
  const routes: Map<string, FunctionRoute> = await loadFunctions(join(dir, "config.toml"));
  await Deno.remove(dir, { recursive: true });
  return createGateway(routes, await platformKeys());
}

function call(gateway: Awaited<ReturnType<typeof fixtureGateway>>, path: string, init: RequestInit = {}) {
  return gateway(new Request(`http://127.0.0.1:54321${path}`, init), info);
}

Deno.test("the repository's config.toml is read: every function entrypoint exists, none behind verify_jwt", async () => {
  const functions = await readFunctionsConfig(join(root, "supabase/config.toml"));
  assert.ok(functions.some((fn) => fn.name === "health"));
  for (const fn of functions) {
    assert.ok((await Deno.stat(fn.entrypoint)).isFile, fn.entrypoint);
    assert.equal(fn.verifyJwt, false, `${fn.name}: functions check their callers themselves`);
  }
});

Deno.test("a function sees its own path without the /functions/v1 prefix, and the client's address", async () => {
  const gateway = await fixtureGateway();
  const res = await call(gateway, "/functions/v1/open/sub/path?x=1", {
    headers: { "cf-connecting-ip": "6.6.6.6" },
  });
  assert.equal(res.status, 200);
  const seen = await res.json();
  assert.deepEqual([seen.path, seen.search, seen.method], ["/open/sub/path", "?x=1", "GET"]);
  // The address is the connection's, whatever the client claimed.
  assert.equal(seen.headers["cf-connecting-ip"], "127.0.0.1");
});

Deno.test("behind the front (a Unix socket only it reaches) the client's address is the front's cf-connecting-ip", async () => {
  const gateway = await fixtureGateway();
  const fromFront = { remoteAddr: { transport: "unix", path: "/tmp/api.sock" } } as Deno.ServeHandlerInfo;
  // Deno names a request on a Unix socket http+unix://<host>/…
  const req = new Request("http+unix://127.0.0.1:54321/functions/v1/open/sub?x=1", {
    headers: { "cf-connecting-ip": "203.0.113.7" },
  });
  const seen = await (await gateway(req, fromFront)).json();
  assert.deepEqual([seen.path, seen.search, seen.headers["cf-connecting-ip"]], [
    "/open/sub",
    "?x=1",
    "203.0.113.7",
  ]);
});

Deno.test("verify_jwt: missing, invalid, forged and expired tokens are 401s in the error contract", async () => {
  const gateway = await fixtureGateway();
  const { privateKey } = await jose.generateKeyPair("ES256");
  const cases: [Record<string, string>, string][] = [
    [{}, "Missing authorization header"],
    [{ Authorization: "Bearer nope" }, "Invalid JWT"],
    [{
      Authorization: `Bearer ${await mintJwt({ role: "authenticated", sub: crypto.randomUUID() }, {
        expiresIn: 1000,
      })}`,
    }, "JWT expired"],
    [{
      Authorization: `Bearer ${await mintJwt({ role: "authenticated", sub: crypto.randomUUID() }, {
        key: privateKey,
      })}`,
    }, "Invalid JWT"],
    [{ apikey: "sb_publishable_forgedforgedforged" }, "Missing authorization header"],
  ];
  if (!stack.legacy) {
    cases.push([{ Authorization: `Bearer ${await mintLegacyJwt({ role: "anon" })}` }, "Invalid JWT"]);
  }
  for (const [headers, message] of cases) {
    const res = await call(gateway, "/functions/v1/closed", { headers });
    assert.equal(res.status, 401, message);
    assert.deepEqual(await res.json(), { error: { code: "unauthorized", message } });
  }
  const accepted: Record<string, string>[] = [
    { Authorization: `Bearer ${await mintJwt({ role: "authenticated", sub: crypto.randomUUID() })}` },
    { apikey: stack.publishableKey },
    { apikey: stack.secretKey, Authorization: `Bearer ${stack.secretKey}` },
  ];
  if (stack.legacy) accepted.push({ Authorization: `Bearer ${await mintLegacyJwt({ role: "anon" })}` });
  for (const headers of accepted) {
    const ok = await call(gateway, "/functions/v1/closed", { headers });
    assert.equal(ok.status, 200, JSON.stringify(headers));
    await ok.body?.cancel();
  }
});

Deno.test("key mapping: the new keys reach the services as the anon / service_role JWT, sessions pass through", async () => {
  for (const legacy of [stack.legacy, null]) {
    const keys = await platformKeys(legacy);
    const map = createKeyMapper(keys);
    const roleOf = async (headers: Record<string, string>) => {
      const value = await map(new Headers(headers));
      return value === null ? null : jose.decodeJwt(value.replace(/^Bearer /, "")).role;
    };
    assert.equal(await roleOf({ apikey: keys.publishableKey }), "anon");
    assert.equal(
      await roleOf({ apikey: keys.publishableKey, authorization: `Bearer ${keys.publishableKey}` }),
      "anon",
    );
    assert.equal(await roleOf({ apikey: keys.secretKey }), "service_role");
    // A key as a bearer alone is not mapped (API keys go in apikey): the service says so itself.
    assert.equal(await roleOf({ authorization: `Bearer ${keys.secretKey}` }), null);
    assert.equal(await roleOf({ authorization: `Bearer ${keys.publishableKey}` }), null);
    assert.equal(await roleOf({ apikey: "sb_secret_unknown" }), null);
    const session = await mintJwt({ role: "authenticated", sub: crypto.randomUUID() });
    assert.equal(
      await map(new Headers({ apikey: keys.publishableKey, authorization: `Bearer ${session}` })),
      null,
    );
    // Whatever the project has (legacy keys, or tokens signed with its signing key), the gateway's
    // own check accepts what it mints.
    const minted = (await map(new Headers({ apikey: keys.secretKey })))!.replace(/^Bearer /, "");
    assert.equal((await keys.verify(minted)).role, "service_role");
  }
});

Deno.test("CORS preflight reaches a verify_jwt function without a token", async () => {
  const gateway = await fixtureGateway();
  const res = await call(gateway, "/functions/v1/closed", { method: "OPTIONS" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  await res.body?.cancel();
});

Deno.test("unknown and disabled functions are 404s in the error contract", async () => {
  const gateway = await fixtureGateway();
  for (const path of ["/functions/v1/nope", "/functions/v1/off", "/rest/v1/companies"]) {
    const res = await call(gateway, path);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "not_found");
  }
});

Deno.test("/storage/v1 reaches Storage with its own path and the mapped bearer, its preflight and its CORS", async () => {
  const keys = await platformKeys();
  const seen: { path: string; authorization: string | null; body: string }[] = [];
  const gateway = createGateway(new Map(), keys, {
    storage: async (req, path) => {
      seen.push({ path, authorization: req.headers.get("authorization"), body: await req.text() });
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    },
  });
  const res = await call(gateway, "/storage/v1/object/avatars/a%20b.png?x=1", {
    method: "POST",
    headers: { apikey: keys.secretKey, origin: "http://localhost:5173" },
    body: "bytes",
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:5173");
  await res.body?.cancel();
  assert.equal(seen[0].path, "/object/avatars/a%20b.png");
  assert.equal(seen[0].body, "bytes");
  assert.equal(jose.decodeJwt(seen[0].authorization!.replace(/^Bearer /, "")).role, "service_role");
  // No key at all: Storage decides (it refuses or serves anonymously), the gateway does not.
  await (await call(gateway, "/storage/v1/object/public/avatars/a.png")).body?.cancel();
  assert.equal(seen[1].authorization, null);
  const preflight = await call(gateway, "/storage/v1/object/avatars/a.png", {
    method: "OPTIONS",
    headers: { origin: "http://localhost:5173", "access-control-request-headers": "authorization, x-upsert" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization, x-upsert");
  assert.equal(seen.length, 2);
});
