/**
 * What tests know about the stack `npm test` started: the throw-away database, the functions
 * server, the profile (`local`: new keys and the legacy ones; `hosted`: a project created today,
 * new keys and the ES256 signing key only) and the keys. Tests that need the stack use
 * `ignore: !stack.available` so that a unit-test run outside `npm test` skips them visibly.
 */
import * as jose from "jose";
import { type Authenticate, createAuthenticator } from "../../functions/_shared/auth.ts";
import { ANON_KEY, LEGACY_JWT_SECRET, PUBLISHABLE_KEY, SECRET_KEY, SERVICE_ROLE_KEY } from "./local_keys.ts";

const env = Deno.env.toObject();
const profile = env.COMPTOIR_PROFILE === "hosted" ? "hosted" : "local";

export const stack = {
  available: Boolean(env.SUPABASE_DB_URL && env.COMPTOIR_API_PORT),
  dbUrl: env.SUPABASE_DB_URL ?? "",
  apiUrl: env.SUPABASE_URL ?? "",
  profile,
  /** What a browser holds (supabase-js's key): the publishable key. */
  publishableKey: env.COMPTOIR_PUBLISHABLE_KEY ?? PUBLISHABLE_KEY,
  /** What a server holds: the secret key. */
  secretKey: env.COMPTOIR_SECRET_KEY ?? SECRET_KEY,
  /** The legacy JWT keys and secret, on the `local` profile only. */
  legacy: profile === "local"
    ? {
      anonKey: env.SUPABASE_ANON_KEY ?? ANON_KEY,
      serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY ?? SERVICE_ROLE_KEY,
      jwtSecret: env.SUPABASE_JWT_SECRET ?? LEGACY_JWT_SECRET,
    }
    : null,
};

/**
 * The stack's ES256 signing key (its private JWK, made by functions_env.sh); outside `npm test`
 * a key made for this process, so that unit tests run anywhere.
 */
const signingKey = (async () => {
  const file = env.COMPTOIR_SIGNING_KEY_FILE;
  let jwk: jose.JWK;
  if (file) jwk = JSON.parse(await Deno.readTextFile(file));
  else {
    const { privateKey } = await jose.generateKeyPair("ES256", { extractable: true });
    jwk = { ...await jose.exportJWK(privateKey), kid: crypto.randomUUID(), alg: "ES256" };
  }
  const { d: _private, ...publicJwk } = jwk;
  return { kid: jwk.kid!, key: await jose.importJWK(jwk, "ES256"), publicJwk, privateJwk: jwk };
})();

/** The stack's signing key as a private JWK (what the local platform signs with). */
export async function signingJwk(): Promise<jose.JWK> {
  return (await signingKey).privateJwk;
}

/** The JWKS the functions get: the public signing key, and the legacy secret on the local profile. */
export async function stackJwks(): Promise<{ keys: Record<string, unknown>[] }> {
  const { publicJwk } = await signingKey;
  const keys: Record<string, unknown>[] = [publicJwk];
  if (stack.legacy) keys.push({ kty: "oct", k: jose.base64url.encode(stack.legacy.jwtSecret) });
  return { keys };
}

/**
 * Signs a JWT as the stack's Auth does (ES256, `kid`), for a signed-in user by default.
 * `expiresIn`: a duration ("1h"), an absolute epoch second (a number), or null for no `exp` at all.
 */
export async function mintJwt(
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number | null; kid?: string; key?: Parameters<jose.SignJWT["sign"]>[0] } = {},
): Promise<string> {
  const signing = await signingKey;
  const jwt = new jose.SignJWT({ aud: "authenticated", ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: options.kid ?? signing.kid })
    .setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? "1h");
  return await jwt.sign(options.key ?? signing.key);
}

/** Signs a JWT with a legacy project's HS256 secret (no `kid`), as GoTrue did before signing keys. */
export async function mintLegacyJwt(
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number | null; secret?: string } = {},
): Promise<string> {
  const jwt = new jose.SignJWT({ aud: "authenticated", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? "1h");
  return await jwt.sign(new TextEncoder().encode(options.secret ?? stack.legacy?.jwtSecret ?? LEGACY_JWT_SECRET));
}

/** Request headers of a browser visitor (publishable key), a server (secret key), a signed-in user. */
export const asVisitor = (): Record<string, string> => ({ apikey: stack.publishableKey });
export const asServer = (): Record<string, string> => ({ apikey: stack.secretKey });
export async function asUser(
  sub: string,
  claims: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  return {
    apikey: stack.publishableKey,
    authorization: `Bearer ${await mintJwt({ sub, role: "authenticated", ...claims })}`,
  };
}

/** The authenticator the functions build, with the stack's keys (for handler tests). */
export async function stackAuthenticator(): Promise<Authenticate> {
  return createAuthenticator({
    url: stack.apiUrl || "http://127.0.0.1:54321",
    publishableKeys: { default: stack.publishableKey },
    secretKeys: { default: stack.secretKey },
    jwks: await stackJwks(),
    legacy: stack.legacy
      ? { anonKey: stack.legacy.anonKey, serviceRoleKey: stack.legacy.serviceRoleKey }
      : {},
  });
}

/** The demo owner accounts of supabase/seed.sql. */
export const demo = {
  agence: { slug: "agence-des-copines", ownerEmail: "owner@agence-des-copines.test" },
  boutique: { slug: "boutique-awa", ownerEmail: "owner@boutique-awa.test" },
  atelier: { slug: "atelier-durand", ownerEmail: "owner@atelier-durand.test" },
};
