/**
 * JWT verification as Supabase's gateway does it: HS256 with the project's JWT secret, or
 * the project's JWKS for projects on asymmetric signing keys. Failures are 401s in the contract.
 */
import * as jose from "jose";
import { HttpError } from "./http.ts";

/** The claims Comptoir relies on; Supabase puts more, which are kept as they are. */
export interface Claims extends jose.JWTPayload {
  role: string;
  sub?: string;
  email?: string;
}

export type VerifyJwt = (token: string) => Promise<Claims>;

/** Builds a verifier from the JWT secret (HS256) and/or a JWKS URL (RS256/ES256). */
export function createJwtVerifier(options: { secret?: string; jwksUrl?: string }): VerifyJwt {
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const jwks = options.jwksUrl ? jose.createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  if (!secret && !jwks) throw new Error("jwt: neither a JWT secret nor a JWKS URL is configured");

  return async function verify(token: string): Promise<Claims> {
    let alg: string | undefined;
    try {
      alg = jose.decodeProtectedHeader(token).alg;
    } catch {
      throw new HttpError("unauthorized", "Invalid JWT");
    }
    try {
      const { payload } = alg === "HS256"
        ? await verifyWith(token, secret, ["HS256"])
        : await verifyWith(token, jwks, ["RS256", "ES256", "EdDSA"]);
      if (typeof payload.role !== "string") throw new HttpError("unauthorized", "Invalid JWT: no role claim");
      return payload as Claims;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof jose.errors.JWTExpired) throw new HttpError("unauthorized", "JWT expired");
      throw new HttpError("unauthorized", "Invalid JWT");
    }
  };
}

function verifyWith(
  token: string,
  key: Uint8Array | ReturnType<typeof jose.createRemoteJWKSet> | undefined,
  algorithms: string[],
) {
  if (!key) throw new HttpError("unauthorized", "Invalid JWT: unsupported signing algorithm");
  return key instanceof Uint8Array
    ? jose.jwtVerify(token, key, { algorithms })
    : jose.jwtVerify(token, key, { algorithms });
}

/** The bearer token of a request, or null when there is none. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/** Verifies the request's bearer token; a missing one is a 401, never a 500. */
export async function requireClaims(req: Request, verify: VerifyJwt): Promise<Claims> {
  const token = bearerToken(req);
  if (!token) throw new HttpError("unauthorized", "Missing authorization header");
  return await verify(token);
}
