/**
 * Who is calling: the credentials of a request checked inside the function, as Supabase now
 * advises (`verify_jwt = false` in config.toml: the gateway's check predates the new keys).
 *
 * - Publishable and secret keys (`sb_publishable_…`, `sb_secret_…` in the `apikey` header) are
 *   verified by the official `@supabase/server/core` (`verifyCredentials`).
 * - User sessions signed with the project's JWT signing keys (ES256/RS256, with a `kid`) are
 *   checked against its JWKS with jose, as `verifyCredentials` does, plus two rules of ours: a
 *   session must carry `exp` (one without never expires), and the clock leeway is PostgREST's,
 *   30 s (PostgREST 12 accepts a token expired less than 30 s ago; the functions agree with it).
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

/** Seconds a session may be past its `exp` and still pass: PostgREST 12's fixed leeway, so both agree. */
export const CLOCK_LEEWAY_SECONDS = 30;

/** What every user session is checked for besides its signature. */
const SESSION_RULES: jose.JWTVerifyOptions = {
  clockTolerance: CLOCK_LEEWAY_SECONDS,
  requiredClaims: ["exp"],
};

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
  const signingKeys = config.jwks instanceof URL
    ? jose.createRemoteJWKSet(config.jwks)
    : jose.createLocalJWKSet(config.jwks as jose.JSONWebKeySet);

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
    const legacy = header.alg === "HS256" && !header.kid;
    if (legacy && !legacySecret) {
      throw new HttpError("unauthorized", "Invalid JWT: this project does not accept legacy HS256 tokens");
    }
    if (!legacy && !header.kid) throw new HttpError("unauthorized", "Invalid JWT");
    let payload: jose.JWTPayload;
    try {
      ({ payload } = legacy
        ? await jose.jwtVerify(token, legacySecret!, { ...SESSION_RULES, algorithms: ["HS256"] })
        : await jose.jwtVerify(token, signingKeys, SESSION_RULES));
    } catch (error) {
      throw sessionRefusal(error);
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

/** A session that did not verify, as the contract answers it; the JWKS out of reach is ours (500). */
function sessionRefusal(error: unknown): HttpError {
  if (error instanceof jose.errors.JWTExpired) return new HttpError("unauthorized", "JWT expired");
  if (error instanceof jose.errors.JWTClaimValidationFailed && error.claim === "exp") {
    return new HttpError("unauthorized", "Invalid JWT: a session must expire (no exp claim)");
  }
  const code = (error as { code?: string })?.code;
  const unreachable = code === "ERR_JWKS_TIMEOUT" || code === "ERR_JWKS_INVALID" || code === "ERR_JOSE_GENERIC";
  if (unreachable || !(error instanceof jose.errors.JOSEError)) {
    console.error(`auth: signing keys unavailable (${code ?? "fetch failed"})`);
    return new HttpError("internal", "Internal error");
  }
  return new HttpError("unauthorized", "Invalid JWT");
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
