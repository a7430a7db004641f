/**
 * Who is calling: the credentials of a request checked inside the function, as Supabase now
 * advises (`verify_jwt = false` in config.toml: the gateway's check predates the new keys).
 *
 * - Publishable and secret keys (`sb_publishable_…`, `sb_secret_…` in the `apikey` header) and
 *   user sessions signed with the project's JWT signing keys (ES256/RS256, with a `kid`, checked
 *   against its JWKS) are verified by the official `@supabase/server/core` (`verifyCredentials`).
 * - Legacy projects keep working beside it, because @supabase/server v1 refuses what they
 *   issue: the legacy anon / service_role keys (HS256 JWTs without a `kid`) are recognised by
 *   constant-time comparison with SUPABASE_ANON_KEY / SUPABASE_SERVICE_ROLE_KEY, and HS256 user
 *   sessions without a `kid` are verified with the legacy secret, taken from an `oct` key of
 *   SUPABASE_JWKS (as the Supabase CLI provides it) or from our LEGACY_JWT_SECRET.
 *
 * Failures are errors of the contract: 401 for missing, malformed, forged or expired
 * credentials, and for a valid key that the function does not take (the message names the
 * credential it needs: « Invalid API key » means the key itself is wrong); 403 for a valid
 * token that is not a Supabase Auth user's.
 */
import * as jose from "jose";
import { verifyCredentials } from "@supabase/server/core";
import type { Env } from "./env.ts";
import { HttpError } from "./http.ts";

/** The claims of a verified user session; Supabase puts more, which are kept as they are. */
export interface Claims extends jose.JWTPayload {
  role: string;
  sub: string;
  email?: string;
}

/** A verified caller. `key` is the name of the API key that matched (`legacy` for the old JWT keys). */
export type Caller =
  | { kind: "user"; claims: Claims }
  | { kind: "publishable"; key: string }
  | { kind: "secret"; key: string };

export type CallerKind = Caller["kind"];

/** Checks a request's credentials against the kinds a function accepts, in order (first match wins). */
export type Authenticate = (req: Request, accept: readonly CallerKind[]) => Promise<Caller>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Builds the authenticator from the environment's keys (see env.ts). */
export function createAuthenticator(config: Env["auth"] & { url: string }): Authenticate {
  const serverEnv = {
    url: config.url,
    publishableKeys: config.publishableKeys,
    secretKeys: config.secretKeys,
    jwks: config.jwks as jose.JSONWebKeySet | URL,
  };
  const legacyKeys = {
    publishable: config.legacy.anonKey,
    secret: config.legacy.serviceRoleKey,
  };
  const legacySecret = legacyHs256Secret(config);

  async function apiKey(kind: "publishable" | "secret", token: string | null, apikey: string | null) {
    const legacy = legacyKeys[kind];
    if (legacy && (sameSecret(apikey, legacy) || sameSecret(token, legacy))) return "legacy";
    const keys = kind === "publishable" ? config.publishableKeys : config.secretKeys;
    if (!apikey || Object.keys(keys).length === 0) return null;
    const { data } = await verifyCredentials({ token: null, apikey }, { auth: `${kind}:*`, env: serverEnv });
    return data?.keyName ?? null;
  }

  async function user(token: string): Promise<Claims> {
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      throw new HttpError("unauthorized", "Invalid JWT: malformed");
    }
    let payload: jose.JWTPayload;
    if (header.alg === "HS256" && !header.kid) {
      if (!legacySecret) {
        throw new HttpError("unauthorized", "Invalid JWT: this project does not accept legacy HS256 tokens");
      }
      try {
        ({ payload } = await jose.jwtVerify(token, legacySecret, { algorithms: ["HS256"] }));
      } catch (error) {
        throw new HttpError(
          "unauthorized",
          error instanceof jose.errors.JWTExpired ? "JWT expired" : "Invalid JWT",
        );
      }
    } else {
      const { data, error } = await verifyCredentials({ token, apikey: null }, {
        auth: "user",
        env: serverEnv,
      });
      if (error) {
        const expired = error.message.includes("expired");
        if (error.status >= 500) console.error(`auth: ${error.code}`);
        throw new HttpError(
          error.status >= 500 ? "internal" : "unauthorized",
          error.status >= 500 ? "Internal error" : expired ? "JWT expired" : "Invalid JWT",
        );
      }
      payload = data.jwtClaims as jose.JWTPayload;
    }
    if (typeof payload.sub !== "string" || !UUID.test(payload.sub) || payload.role !== "authenticated") {
      throw new HttpError(
        "forbidden",
        "This token is not a Supabase Auth user session (role authenticated, uuid sub)",
      );
    }
    return payload as Claims;
  }

  return async function authenticate(req, accept) {
    const token = bearerToken(req);
    const apikey = req.headers.get("apikey");
    for (const kind of accept) {
      if (kind === "user") {
        if (!token || token.startsWith("sb_") || isLegacyKey(token)) continue;
        // A JWT without a subject is an API key's (a gateway-minted anon / service_role token), not a session.
        if (!hasSubject(token)) continue;
        return { kind, claims: await user(token) };
      }
      const key = await apiKey(kind, token, apikey);
      if (key) return { kind, key } as Caller;
    }
    if (!token && !apikey) {
      throw new HttpError(
        "unauthorized",
        "Missing credentials: send the project's publishable or secret key in the apikey header" +
          (accept.includes("user") ? ", or a signed-in user's JWT in Authorization" : ""),
      );
    }
    if (!apikey && token?.startsWith("sb_")) {
      throw new HttpError("unauthorized", "API keys go in the apikey header, not in Authorization");
    }
    // A valid key of a kind this function does not take is not an invalid key: say what is needed.
    for (const kind of ["publishable", "secret"] as const) {
      if (!accept.includes(kind) && await apiKey(kind, token, apikey)) {
        throw new HttpError("unauthorized", insufficient(accept, kind));
      }
    }
    throw new HttpError("unauthorized", apikey ? "Invalid API key" : "Invalid credentials");
  };

  function isLegacyKey(token: string) {
    return sameSecret(token, legacyKeys.publishable) || sameSecret(token, legacyKeys.secret);
  }
}

/** What each kind of caller sends, as a refusal names it. */
const CREDENTIALS: Record<CallerKind, string> = {
  user: "a signed-in user's session (its access token in Authorization: Bearer)",
  publishable: "the project's publishable key",
  secret: "the project's secret key",
};

/** The refusal of a valid key that the function does not take: which credential it needs instead. */
function insufficient(accept: readonly CallerKind[], held: "publishable" | "secret"): string {
  const needed = accept.map((kind) => CREDENTIALS[kind]);
  const list = needed.length > 1 ? `${needed.slice(0, -1).join(", ")} or ${needed.at(-1)}` : needed[0];
  return `This function needs ${list}; the ${held} key alone is not enough`;
}

/** The bearer token of a request (or of its headers), or null when there is none. */
export function bearerToken(source: Request | Headers): string | null {
  const header = (source instanceof Headers ? source : source.headers).get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/** The legacy JWT secret: our LEGACY_JWT_SECRET, else an `oct` key of the JWKS without a `kid` (CLI). */
function legacyHs256Secret(config: Env["auth"]): Uint8Array | null {
  if (config.legacy.jwtSecret) return new TextEncoder().encode(config.legacy.jwtSecret);
  if (config.jwks instanceof URL) return null;
  const oct = config.jwks.keys.find((key) => key.kty === "oct" && !key.kid && typeof key.k === "string");
  return oct ? jose.base64url.decode(oct.k as string) : null;
}

function hasSubject(token: string): boolean {
  try {
    return jose.decodeJwt(token).sub !== undefined;
  } catch {
    return true; // malformed: let verification say so
  }
}

/**
 * Compares two secrets in time that depends on their length only (keys have public formats and
 * lengths; what must not leak is how many leading characters match).
 */
function sameSecret(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
