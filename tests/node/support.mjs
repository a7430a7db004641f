// What the Node tests (supabase-js as a frontend uses it) share: the stack's address and keys,
// fixtures written with psql as the database owner (never through the API under test), and
// clients signed in through the local Auth.
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createClient } from "@supabase/supabase-js";
import ws from "ws";

export const url = process.env.SUPABASE_URL;
export const publishableKey = process.env.COMPTOIR_PUBLISHABLE_KEY;
export const secretKey = process.env.COMPTOIR_SECRET_KEY;
export const legacy = process.env.COMPTOIR_PROFILE === "hosted"
  ? null
  : { anonKey: process.env.SUPABASE_ANON_KEY, serviceRoleKey: process.env.SUPABASE_SERVICE_ROLE_KEY };
/** `skip` for node:test when the stack is not running. */
export const skip = !url && "no stack (run through npm test)";
export const PASSWORD = "node-test-password";

/** Runs SQL as the database owner and returns the rows (psql's unaligned output, one column). */
export function sql(query) {
  const db = new URL(process.env.SUPABASE_DB_URL);
  const out = execFileSync("/usr/lib/postgresql/15/bin/psql", [
    "-X",
    "-q",
    "-At",
    "-v",
    "ON_ERROR_STOP=1",
    "-h",
    db.hostname,
    "-p",
    db.port,
    "-U",
    "postgres",
    "-d",
    "postgres",
    "-c",
    query,
  ], { env: { ...process.env, PGPASSWORD: "postgres", PGOPTIONS: "-c client_min_messages=warning" } });
  return out.toString().trim().split("\n").filter(Boolean);
}

const quote = (text) => `'${String(text).replaceAll("'", "''")}'`;

/**
 * A company of its own for one test file: an owner, an admin and a member who sign in with
 * PASSWORD, and its RAG config. Slug and e-mails carry a random suffix (the Node tests run once
 * per profile on the same database).
 */
export function createTenant(prefix = "node") {
  const suffix = randomUUID().slice(0, 8);
  const slug = `${prefix}-${suffix}`;
  const people = Object.fromEntries(["owner", "admin", "member"].map((role) => [role, {
    id: randomUUID(),
    email: `${role}-${suffix}@${prefix}.test`,
  }]));
  const [companyId] = sql(`
    insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at)
    select u.id::uuid, 'authenticated', 'authenticated', u.email, extensions.crypt(${
    quote(PASSWORD)
  }, extensions.gen_salt('bf', 4)), now()
    from (values ${
    Object.values(people).map((p) => `(${quote(p.id)}, ${quote(p.email)})`).join(", ")
  }) as u (id, email);
    with c as (insert into public.companies (slug, name) values (${quote(slug)}, ${
    quote(`Test ${slug}`)
  }) returning id)
    select id from c;`);
  sql(`
    insert into public.company_members (company_id, user_id, role) values
      (${quote(companyId)}, ${quote(people.owner.id)}, 'owner'),
      (${quote(companyId)}, ${quote(people.admin.id)}, 'admin'),
      (${quote(companyId)}, ${quote(people.member.id)}, 'member');
    insert into public.company_rag_configs (company_id, company_name, user_id, prompt_botlive_groq_70b)
      values (${quote(slug)}, ${quote(`Test ${slug}`)}, ${quote(people.owner.id)}, 'Prompt initial');`);
  return {
    id: companyId,
    slug,
    people,
    drop() {
      sql(`delete from public.companies where id = ${quote(companyId)};
        delete from auth.users where id in (${Object.values(people).map((p) => quote(p.id)).join(", ")});`);
    },
  };
}

/** A supabase-js client as a browser has it (the publishable key), not signed in. */
export function browser(key = publishableKey, options = {}) {
  return createClient(url, key, { realtime: { transport: ws }, auth: { persistSession: false }, ...options });
}

/** A client signed in with e-mail and password through the local Auth. */
export async function signedIn(email, password = PASSWORD) {
  const client = browser();
  const { error } = await client.auth.signInWithPassword({ email, password });
  if (error) throw new Error(`sign-in of ${email} failed: ${error.message}`);
  return client;
}

/**
 * A session JWT for a user, signed as the local Auth signs them (ES256 with the stack's key),
 * expiring after `expiresIn` seconds (negative: already expired; null: no `exp` claim at all).
 */
export function mintJwt(claims, expiresIn = 3600) {
  const jwk = JSON.parse(readFileSync(process.env.COMPTOIR_SIGNING_KEY_FILE, "utf8"));
  const now = Math.floor(Date.now() / 1000);
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const head = `${encode({ alg: "ES256", kid: jwk.kid, typ: "JWT" })}.${
    encode({
      aud: "authenticated",
      role: "authenticated",
      iat: now - 5,
      ...(expiresIn === null ? {} : { exp: now + expiresIn }),
      ...claims,
    })
  }`;
  const signature = sign("sha256", Buffer.from(head), {
    key: createPrivateKey({ key: jwk, format: "jwk" }),
    dsaEncoding: "ieee-p1363",
  });
  return `${head}.${signature.toString("base64url")}`;
}

/** Resolves with the first value `poll` returns that is not undefined, or rejects after `ms`. */
export async function eventually(poll, ms = 2000, what = "the event") {
  const until = Date.now() + ms;
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
