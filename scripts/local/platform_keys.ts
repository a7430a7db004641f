/**
 * The local stack's keys, as the platform holds them (never the functions: serve.ts removes the
 * private parts from their environment): the publishable and secret keys, the ES256 signing key
 * that Auth signs sessions with, and on the default profile the legacy anon / service_role JWTs
 * and their HS256 secret. Local only: nothing here is deployed.
 */
import * as jose from "jose";

export interface PlatformKeys {
  publishableKey: string;
  secretKey: string;
  /** The legacy JWT keys and secret, absent on a project created without them (profile hosted). */
  legacy: { anonKey: string; serviceRoleKey: string; jwtSecret: Uint8Array } | null;
  /** The public JWKS Auth serves at /auth/v1/.well-known/jwks.json (no symmetric key). */
  jwks: jose.JSONWebKeySet;
  /** Signs a token with the ES256 signing key, `kid` in its header, as Auth does. */
  sign(claims: jose.JWTPayload, expiresInSeconds: number): Promise<string>;
  /** Verifies a JWT as the platform does: the signing key (JWKS), or the legacy secret for HS256. */
  verify(token: string): Promise<jose.JWTPayload>;
  /**
   * Signs a Storage signed-URL token with the project's URL-signing key, as hosted Storage does
   * (an HS512 key of its own, never one that signs sessions: no other service accepts it).
   */
  signUrl(claims: jose.JWTPayload, expiresInSeconds: number): Promise<string>;
  /** Verifies a token signUrl made. */
  verifyUrl(token: string): Promise<jose.JWTPayload>;
}

/** Reads the keys from the environment functions_env.sh prepares. */
export async function loadPlatformKeys(env: Record<string, string | undefined> = Deno.env.toObject()) {
  const file = env.COMPTOIR_SIGNING_KEY_FILE;
  if (!file) {
    throw new Error(
      "platform keys: COMPTOIR_SIGNING_KEY_FILE is not set (source scripts/local/functions_env.sh)",
    );
  }
  const privateJwk = JSON.parse(await Deno.readTextFile(file)) as jose.JWK;
  return createPlatformKeys({
    privateJwk,
    publishableKey: env.COMPTOIR_PUBLISHABLE_KEY!,
    secretKey: env.COMPTOIR_SECRET_KEY!,
    legacy: env.SUPABASE_JWT_SECRET && env.SUPABASE_ANON_KEY && env.SUPABASE_SERVICE_ROLE_KEY
      ? {
        anonKey: env.SUPABASE_ANON_KEY,
        serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
        jwtSecret: env.SUPABASE_JWT_SECRET,
      }
      : null,
  });
}

export async function createPlatformKeys(options: {
  privateJwk: jose.JWK;
  publishableKey: string;
  secretKey: string;
  legacy: { anonKey: string; serviceRoleKey: string; jwtSecret: string } | null;
}): Promise<PlatformKeys> {
  const { d: _private, ...publicJwk } = options.privateJwk;
  const kid = options.privateJwk.kid!;
  const signingKey = await jose.importJWK(options.privateJwk, "ES256");
  const jwks: jose.JSONWebKeySet = { keys: [{ ...publicJwk, key_ops: ["verify"] }] };
  const localJwks = jose.createLocalJWKSet(jwks);
  const legacySecret = options.legacy ? new TextEncoder().encode(options.legacy.jwtSecret) : null;
  // Derived from the signing key's private part, so that it survives restarts and stays private.
  if (!options.privateJwk.d) throw new Error("platform keys: the signing key has no private part");
  const urlSigningKey = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-512",
      new TextEncoder().encode(`storage-url-signing:${options.privateJwk.d}`),
    ),
  );
  const urlKid = `url-signing-${kid}`;

  return {
    publishableKey: options.publishableKey,
    secretKey: options.secretKey,
    legacy: options.legacy && legacySecret ? { ...options.legacy, jwtSecret: legacySecret } : null,
    jwks,
    async sign(claims, expiresInSeconds) {
      const now = Math.floor(Date.now() / 1000);
      return await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSeconds)
        .sign(signingKey);
    },
    async verify(token) {
      const { alg } = jose.decodeProtectedHeader(token);
      if (alg === "HS256") {
        if (!legacySecret) throw new jose.errors.JWSSignatureVerificationFailed("no legacy JWT secret");
        return (await jose.jwtVerify(token, legacySecret, { algorithms: ["HS256"] })).payload;
      }
      return (await jose.jwtVerify(token, localJwks, { algorithms: ["ES256"] })).payload;
    },
    async signUrl(claims, expiresInSeconds) {
      const now = Math.floor(Date.now() / 1000);
      return await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: "HS512", kid: urlKid, typ: "JWT" })
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSeconds)
        .sign(urlSigningKey);
    },
    async verifyUrl(token) {
      return (await jose.jwtVerify(token, urlSigningKey, { algorithms: ["HS512"] })).payload;
    },
  };
}
