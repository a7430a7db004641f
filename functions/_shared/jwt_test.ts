import assert from "node:assert/strict";
import * as jose from "jose";
import { createJwtVerifier, requireClaims } from "./jwt.ts";
import { mintJwt, stack } from "../../tests/support/stack.ts";

const verify = createJwtVerifier({ secret: stack.jwtSecret });

async function rejects(token: string, message: string) {
  await assert.rejects(verify(token), (error: Error & { status?: number }) => {
    assert.equal(error.status, 401);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("the Supabase CLI's local anon and service_role keys verify with the local JWT secret", async () => {
  const local = createJwtVerifier({ secret: "super-secret-jwt-token-with-at-least-32-characters-long" });
  const defaults = await import("../../tests/support/local_keys.ts");
  assert.equal((await local(defaults.ANON_KEY)).role, "anon");
  assert.equal((await local(defaults.SERVICE_ROLE_KEY)).role, "service_role");
});

Deno.test("a user's HS256 token gives its claims", async () => {
  const claims = await verify(
    await mintJwt({ sub: crypto.randomUUID(), role: "authenticated", email: "a@b.test" }),
  );
  assert.equal(claims.role, "authenticated");
  assert.equal(claims.email, "a@b.test");
});

Deno.test("expired, forged, role-less and garbage tokens are 401s that say which", async () => {
  await rejects(
    await mintJwt({ role: "authenticated" }, { expiresIn: Math.floor(Date.now() / 1000) - 10 }),
    "JWT expired",
  );
  await rejects(
    await mintJwt({ role: "authenticated" }, { secret: "another-secret-of-at-least-32-characters!!" }),
    "Invalid JWT",
  );
  await rejects(await mintJwt({ sub: "x" }), "Invalid JWT: no role claim");
  await rejects("not-a-jwt", "Invalid JWT");
});

Deno.test("a missing Authorization header is a 401, not a 500", async () => {
  await assert.rejects(requireClaims(new Request("http://x/"), verify), {
    status: 401,
    message: "Missing authorization header",
  });
});

Deno.test("projects on asymmetric signing keys verify through their JWKS", async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair("ES256");
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ keys: [jwk] }),
  );
  try {
    const jwksVerify = createJwtVerifier({
      jwksUrl: `http://127.0.0.1:${server.addr.port}/auth/v1/.well-known/jwks.json`,
    });
    const token = await new jose.SignJWT({ role: "authenticated", sub: "u1" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" }).setExpirationTime("5m").sign(privateKey);
    assert.equal((await jwksVerify(token)).sub, "u1");
    await assert.rejects(jwksVerify(await mintJwt({ role: "anon" })), { status: 401 });
  } finally {
    await server.shutdown();
  }
});
