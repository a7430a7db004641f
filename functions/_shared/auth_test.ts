import assert from "node:assert/strict";
import * as jose from "jose";
import { type Caller, type CallerKind, createAuthenticator } from "./auth.ts";
import { HttpError } from "./http.ts";
import { ANON_KEY, LEGACY_JWT_SECRET, SERVICE_ROLE_KEY } from "../../tests/support/local_keys.ts";
import { mintJwt, mintLegacyJwt, stack, stackAuthenticator } from "../../tests/support/stack.ts";

const auth = await stackAuthenticator();
const ADMIN: CallerKind[] = ["secret", "user", "publishable"];
const WIDGET: CallerKind[] = ["secret", "publishable"];

function request(headers: Record<string, string>) {
  return new Request("http://x/fn", { headers });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function refused(
  headers: Record<string, string>,
  accept: CallerKind[],
  status: number,
  message: RegExp,
) {
  await assert.rejects(auth(request(headers), accept), (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("auth: a session signed with the project's ES256 signing key is a user with its claims", async () => {
  const sub = crypto.randomUUID();
  const caller = await auth(
    request({
      apikey: stack.publishableKey,
      ...bearer(await mintJwt({ sub, role: "authenticated", email: "a@b.test" })),
    }),
    ADMIN,
  );
  assert.equal(caller.kind, "user");
  const { claims } = caller as Extract<Caller, { kind: "user" }>;
  assert.deepEqual([claims.sub, claims.role, claims.email], [sub, "authenticated", "a@b.test"]);
});

Deno.test("auth: an ES256 session that is expired, forged with another key, or of an unknown kid is a 401", async () => {
  const sub = crypto.randomUUID();
  await refused(
    bearer(await mintJwt({ sub, role: "authenticated" }, { expiresIn: 1000 })),
    ADMIN,
    401,
    /^JWT expired$/,
  );
  const { privateKey } = await jose.generateKeyPair("ES256");
  await refused(
    bearer(await mintJwt({ sub, role: "authenticated" }, { key: privateKey })),
    ADMIN,
    401,
    /^Invalid JWT$/,
  );
  await refused(
    bearer(await mintJwt({ sub, role: "authenticated" }, { kid: crypto.randomUUID(), key: privateKey })),
    ADMIN,
    401,
    /^Invalid JWT$/,
  );
  await refused(bearer("not.a.jwt"), ADMIN, 401, /^Invalid JWT/);
});

Deno.test("auth: a session must be a Supabase Auth user's (uuid sub, role authenticated), else 403", async () => {
  // Third-party auth ids (Clerk's user_2abc…) are valid JWTs but not users of this project.
  await refused(
    bearer(await mintJwt({ sub: "user_2abcDEF", role: "authenticated" })),
    ADMIN,
    403,
    /not a Supabase Auth user/,
  );
  await refused(
    bearer(await mintJwt({ sub: crypto.randomUUID(), role: "service_role" })),
    ADMIN,
    403,
    /not a Supabase Auth user/,
  );
});

Deno.test("auth: a legacy HS256 session (no kid) verifies with the legacy secret where the project has one", async () => {
  const sub = crypto.randomUUID();
  const legacy = await mintLegacyJwt({ sub, role: "authenticated" });
  if (!stack.legacy) {
    // A project created today has no legacy secret: such a token is refused.
    await refused(bearer(legacy), ADMIN, 401, /does not accept legacy HS256 tokens/);
    return;
  }
  const caller = await auth(request(bearer(legacy)), ADMIN);
  assert.deepEqual([caller.kind, (caller as Extract<Caller, { kind: "user" }>).claims.sub], ["user", sub]);
  await refused(
    bearer(await mintLegacyJwt({ sub, role: "authenticated" }, { expiresIn: 1000 })),
    ADMIN,
    401,
    /^JWT expired$/,
  );
  await refused(
    bearer(
      await mintLegacyJwt({ sub, role: "authenticated" }, {
        secret: "another-secret-of-at-least-32-characters!",
      }),
    ),
    ADMIN,
    401,
    /^Invalid JWT$/,
  );
});

Deno.test("auth: the publishable and secret keys in `apikey`; forged ones and keys sent as a bearer are 401", async () => {
  assert.deepEqual(await auth(request({ apikey: stack.publishableKey }), WIDGET), {
    kind: "publishable",
    key: "default",
  });
  assert.deepEqual(await auth(request({ apikey: stack.secretKey }), WIDGET), {
    kind: "secret",
    key: "default",
  });
  // supabase-js also sends the key as a bearer when nobody is signed in.
  assert.equal(
    (await auth(request({ apikey: stack.secretKey, ...bearer(stack.secretKey) }), ADMIN)).kind,
    "secret",
  );
  await refused({ apikey: "sb_publishable_forgedforgedforgedforged_xx" }, WIDGET, 401, /^Invalid API key$/);
  await refused({ apikey: `${stack.secretKey.slice(0, -1)}x` }, WIDGET, 401, /^Invalid API key$/);
  await refused(bearer(stack.secretKey), WIDGET, 401, /apikey header/);
  await refused({}, WIDGET, 401, /^Missing credentials/);
});

Deno.test("auth: the first accepted kind that matches wins; an invalid session is never downgraded", async () => {
  const session = bearer(await mintJwt({ sub: crypto.randomUUID(), role: "authenticated" }));
  // The widget ignores a visitor's session: the publishable key is what it checks.
  assert.equal(
    (await auth(request({ apikey: stack.publishableKey, ...session }), WIDGET)).kind,
    "publishable",
  );
  assert.equal((await auth(request({ apikey: stack.publishableKey, ...session }), ADMIN)).kind, "user");
  const expired = bearer(
    await mintJwt({ sub: crypto.randomUUID(), role: "authenticated" }, { expiresIn: 1000 }),
  );
  await refused({ apikey: stack.publishableKey, ...expired }, ADMIN, 401, /^JWT expired$/);
});

Deno.test("auth: the legacy anon / service_role keys are the publishable / secret key on a legacy project only", async () => {
  // A service_role JWT signed with the legacy secret is not the service_role key: never the secret.
  const forged = await mintLegacyJwt({ role: "service_role" }, { secret: LEGACY_JWT_SECRET });
  await refused(bearer(forged), WIDGET, 401, /^Invalid credentials$/);
  if (!stack.legacy) {
    await refused({ apikey: ANON_KEY, ...bearer(ANON_KEY) }, WIDGET, 401, /^Invalid API key$/);
    await refused({ apikey: SERVICE_ROLE_KEY }, ADMIN, 401, /^Invalid API key$/);
    return;
  }
  assert.deepEqual(await auth(request({ apikey: ANON_KEY, ...bearer(ANON_KEY) }), WIDGET), {
    kind: "publishable",
    key: "legacy",
  });
  assert.deepEqual(await auth(request(bearer(SERVICE_ROLE_KEY)), ADMIN), { kind: "secret", key: "legacy" });
  // What the gateway puts in Authorization for a publishable key is not a session either.
  assert.equal(
    (await auth(request({ apikey: stack.publishableKey, ...bearer(ANON_KEY) }), ADMIN)).kind,
    "publishable",
  );
});

Deno.test("auth: a project with no legacy secret and a JWKS URL it cannot reach is a 500, never a pass", async () => {
  const remote = createAuthenticator({
    url: "http://127.0.0.1:1",
    publishableKeys: {},
    secretKeys: {},
    jwks: new URL("http://127.0.0.1:1/auth/v1/.well-known/jwks.json"),
    legacy: {},
  });
  await assert.rejects(
    remote(request(bearer(await mintJwt({ sub: crypto.randomUUID(), role: "authenticated" }))), ADMIN),
    (error: unknown) => error instanceof HttpError && error.status === 500,
  );
});
