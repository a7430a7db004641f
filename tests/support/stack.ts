/**
 * What tests know about the stack `npm test` started: the throw-away database, the functions
 * server and the keys. Tests that need the stack use `ignore: !stack.available` so that a
 * unit-test run outside `npm test` skips them visibly instead of failing.
 */
import * as jose from "jose";

const env = Deno.env.toObject();

export const stack = {
  available: Boolean(env.SUPABASE_DB_URL && env.COMPTOIR_API_PORT),
  dbUrl: env.SUPABASE_DB_URL ?? "",
  apiUrl: env.SUPABASE_URL ?? "",
  anonKey: env.SUPABASE_ANON_KEY ?? "",
  serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY ?? "",
  jwtSecret: env.SUPABASE_JWT_SECRET ?? "super-secret-jwt-token-with-at-least-32-characters-long",
};

/** Signs a JWT with the stack's secret, as GoTrue would for a signed-in user. */
export async function mintJwt(
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  return await new jose.SignJWT({ aud: "authenticated", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(options.secret ?? stack.jwtSecret));
}

/** The demo owner accounts of supabase/seed.sql. */
export const demo = {
  agence: { slug: "agence-des-copines", ownerEmail: "owner@agence-des-copines.test" },
  boutique: { slug: "boutique-awa", ownerEmail: "owner@boutique-awa.test" },
  atelier: { slug: "atelier-durand", ownerEmail: "owner@atelier-durand.test" },
};
