/**
 * A small stand-in for Supabase Auth (GoTrue) on the local stack, so that
 * `supabase.auth.signInWithPassword(...)` works against the seeded users as it does with
 * `supabase start`: sign-up (confirmed at once, as the CLI's local default), password and
 * refresh-token grants, the current user, logout, and the JWKS
 * at /.well-known/jwks.json. Sessions are signed as a project created today signs them: ES256
 * with the stack's signing key (`kid` in the header); refresh tokens are signed too (no table),
 * so a restart keeps them valid. Sessions a legacy project signed with the HS256 secret are
 * still accepted where the profile has that secret. Local only: nothing here is deployed.
 */
import type { Sql } from "../../functions/_shared/db.ts";
import { bearerToken } from "../../functions/_shared/auth.ts";
import { corsHeaders, json } from "../../functions/_shared/http.ts";
import type { PlatformKeys } from "./platform_keys.ts";

interface AuthOptions {
  sql: Sql;
  keys: PlatformKeys;
  expirySeconds?: number;
}

interface UserRow {
  id: string;
  email: string;
  aud: string;
  role: string;
  raw_app_meta_data: unknown;
  raw_user_meta_data: unknown;
  created_at: Date;
}

/** GoTrue's error shape, which auth-js reads. */
function authError(status: number, code: string, message: string): Response {
  return json(status, {
    code: status,
    error_code: code,
    msg: message,
    error: code,
    error_description: message,
  });
}

export function createAuthStandIn(options: AuthOptions) {
  const { keys } = options;
  const expiry = options.expirySeconds ?? 3600;

  function userJson(user: UserRow) {
    return {
      id: user.id,
      aud: user.aud,
      role: user.role,
      email: user.email,
      app_metadata: user.raw_app_meta_data ?? {},
      user_metadata: user.raw_user_meta_data ?? {},
      created_at: user.created_at,
    };
  }

  async function session(user: UserRow) {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: user.id,
      email: user.email,
      role: user.role,
      aud: user.aud,
      session_id: crypto.randomUUID(),
    };
    const accessToken = await keys.sign(claims, expiry);
    const refreshToken = await keys.sign({ sub: user.id, typ: "refresh" }, 30 * 86400);
    return json(200, {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: expiry,
      expires_at: now + expiry,
      refresh_token: refreshToken,
      user: userJson(user),
    });
  }

  async function findUser(
    where: { email?: string; id?: string; password?: string },
  ): Promise<UserRow | undefined> {
    const rows = await options.sql<UserRow[]>`
      select id::text, email, aud, role, raw_app_meta_data, raw_user_meta_data, created_at
      from auth.users
      where deleted_at is null
        and ${
      where.id ? options.sql`id = ${where.id}::uuid` : options.sql`lower(email) = lower(${where.email ?? ""})`
    }
        and ${
      where.password === undefined
        ? options.sql`true`
        : options.sql`encrypted_password = extensions.crypt(${where.password}, encrypted_password)`
    }`;
    return rows[0];
  }

  /**
   * POST /signup as GoTrue answers it with e-mail confirmation off (the Supabase CLI's local
   * default): the user is created confirmed and signed in at once. GoTrue's own refusals: a
   * malformed e-mail, a password under 6 characters (422 weak_password), an e-mail already
   * registered (422 user_already_exists).
   */
  async function signUp(req: Request): Promise<Response> {
    const body = await req.json().catch(() => ({})) as {
      email?: unknown;
      password?: unknown;
      data?: unknown;
    };
    const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
    const password = typeof body.password === "string" ? body.password : "";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      return authError(400, "validation_failed", "Unable to validate email address: invalid format");
    }
    if (password.length < 6) {
      return authError(422, "weak_password", "Password should be at least 6 characters.");
    }
    const metadata = body.data && typeof body.data === "object" && !Array.isArray(body.data) ? body.data : {};
    const rows = await options.sql<UserRow[]>`
      insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at,
        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      values (gen_random_uuid(), 'authenticated', 'authenticated', ${email},
        extensions.crypt(${password}, extensions.gen_salt('bf')), now(),
        ${options.sql.json({ provider: "email", providers: ["email"] })},
        ${options.sql.json(metadata as Record<string, never>)}, now(), now())
      on conflict do nothing
      returning id::text, email, aud, role, raw_app_meta_data, raw_user_meta_data, created_at`;
    if (!rows[0]) return authError(422, "user_already_exists", "User already registered");
    return await session(rows[0]);
  }

  return async function auth(req: Request, path: string): Promise<Response> {
    if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
    const url = new URL(req.url);
    if (path === "/.well-known/jwks.json" && req.method === "GET") return json(200, keys.jwks);
    if (path === "/token" && req.method === "POST") {
      const body = await req.json().catch(() => ({})) as Record<string, string>;
      const grant = url.searchParams.get("grant_type");
      if (grant === "password") {
        const user = body.email && body.password
          ? await findUser({ email: body.email, password: body.password })
          : undefined;
        return user
          ? await session(user)
          : authError(400, "invalid_credentials", "Invalid login credentials");
      }
      if (grant === "refresh_token") {
        try {
          const payload = await keys.verify(body.refresh_token ?? "");
          const user = payload.typ === "refresh" ? await findUser({ id: String(payload.sub) }) : undefined;
          if (user) return await session(user);
        } catch { /* falls through to the error below */ }
        return authError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
      }
      return authError(
        400,
        "unsupported_grant_type",
        `grant_type ${grant} is not supported by the local stack`,
      );
    }
    if (path === "/signup" && req.method === "POST") return await signUp(req);
    if (path === "/user" && req.method === "GET") {
      try {
        const claims = await keys.verify(bearerToken(req) ?? "");
        const user = typeof claims.sub === "string" && claims.typ !== "refresh"
          ? await findUser({ id: claims.sub })
          : undefined;
        if (user) return json(200, userJson(user));
      } catch { /* any verification failure is the 401 below */ }
      return authError(401, "bad_jwt", "invalid JWT");
    }
    if (path === "/logout" && req.method === "POST") {
      return new Response(null, { status: 204, headers: corsHeaders });
    }
    return authError(
      404,
      "not_found",
      `The local stack's auth stand-in has no ${req.method} /auth/v1${path}`,
    );
  };
}
