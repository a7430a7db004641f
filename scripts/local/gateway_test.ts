import assert from "node:assert/strict";
import { join } from "node:path";
import { createJwtVerifier } from "../../functions/_shared/jwt.ts";
import { mintJwt, stack } from "../../tests/support/stack.ts";
import { createGateway, type FunctionRoute, loadFunctions, readFunctionsConfig } from "./gateway.ts";

const root = join(import.meta.dirname!, "../..");
const info = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 } } as Deno.ServeHandlerInfo;

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
  return createGateway(routes, createJwtVerifier({ secret: stack.jwtSecret }));
}

function call(gateway: Awaited<ReturnType<typeof fixtureGateway>>, path: string, init: RequestInit = {}) {
  return gateway(new Request(`http://127.0.0.1:54321${path}`, init), info);
}

Deno.test("the repository's config.toml is read: every function entrypoint exists", async () => {
  const functions = await readFunctionsConfig(join(root, "supabase/config.toml"));
  assert.ok(functions.some((fn) => fn.name === "health" && fn.verifyJwt === false));
  for (const fn of functions) assert.ok((await Deno.stat(fn.entrypoint)).isFile, fn.entrypoint);
});

Deno.test("a function sees its own path without the /functions/v1 prefix", async () => {
  const gateway = await fixtureGateway();
  const res = await call(gateway, "/functions/v1/open/sub/path?x=1");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { path: "/open/sub/path", search: "?x=1", method: "GET" });
});

Deno.test("verify_jwt: missing, invalid and expired tokens are 401s in the error contract", async () => {
  const gateway = await fixtureGateway();
  const cases: [Record<string, string>, string][] = [
    [{}, "Missing authorization header"],
    [{ Authorization: "Bearer nope" }, "Invalid JWT"],
    [{ Authorization: `Bearer ${await mintJwt({ role: "anon" }, { expiresIn: 1000 })}` }, "JWT expired"],
  ];
  for (const [headers, message] of cases) {
    const res = await call(gateway, "/functions/v1/closed", { headers });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: { code: "unauthorized", message } });
  }
  const ok = await call(gateway, "/functions/v1/closed", {
    headers: { Authorization: `Bearer ${await mintJwt({ role: "anon" })}` },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
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
