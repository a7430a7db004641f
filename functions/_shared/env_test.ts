import assert from "node:assert/strict";
import { loadEnv } from "./env.ts";
import { TEST_DEFAULTS } from "./chat/testing.ts";

/** What the platform gives a function of a project created today. */
const complete = {
  SUPABASE_DB_URL: "postgresql://postgres:postgres@db.example.supabase.co:5432/postgres",
  SUPABASE_URL: "https://example.supabase.co/",
  SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_abc"}',
  SUPABASE_SECRET_KEYS: '{"default":"sb_secret_abc","automations":"sb_secret_def"}',
  SUPABASE_JWKS: '{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k1","alg":"ES256"}]}',
};

Deno.test("a project's environment loads: named keys, the inline JWKS, the documented defaults", () => {
  const env = loadEnv(complete);
  assert.equal(env.supabaseUrl, "https://example.supabase.co");
  assert.deepEqual(env.auth.publishableKeys, { default: "sb_publishable_abc" });
  assert.deepEqual(Object.keys(env.auth.secretKeys), ["default", "automations"]);
  assert.equal((env.auth.jwks as { keys: unknown[] }).keys.length, 1);
  assert.deepEqual(env.auth.legacy, { anonKey: undefined, serviceRoleKey: undefined, jwtSecret: undefined });
  // The defaults tests build stores with are the environment's.
  assert.deepEqual(env.chat, TEST_DEFAULTS);
});

Deno.test("without SUPABASE_JWKS the project's well-known JWKS URL is used", () => {
  const { SUPABASE_JWKS: _, ...rest } = complete;
  assert.equal(String(loadEnv(rest).auth.jwks), "https://example.supabase.co/auth/v1/.well-known/jwks.json");
});

Deno.test("DB_POOLER_URL (our secret: Supavisor, transaction mode) wins over the direct SUPABASE_DB_URL", () => {
  assert.deepEqual(
    [loadEnv(complete).dbUrl, loadEnv(complete).dbConnection],
    [complete.SUPABASE_DB_URL, "direct"],
  );
  const pooler = "postgresql://postgres.example:pw@aws-0-eu-west-3.pooler.supabase.com:6543/postgres";
  const env = loadEnv({ ...complete, DB_POOLER_URL: pooler });
  assert.deepEqual([env.dbUrl, env.dbConnection], [pooler, "pooler"]);
});

Deno.test("malformed keys and JWKS name their variable", () => {
  assert.throws(
    () => loadEnv({ ...complete, SUPABASE_SECRET_KEYS: "sb_secret_abc" }),
    /SUPABASE_SECRET_KEYS must be a JSON object/,
  );
  assert.throws(
    () => loadEnv({ ...complete, SUPABASE_JWKS: '{"nope":1}' }),
    /SUPABASE_JWKS must be a JSON Web Key Set/,
  );
  assert.throws(() => loadEnv({ ...complete, LEGACY_JWT_SECRET: "short" }), /LEGACY_JWT_SECRET/);
});

Deno.test("a missing variable names itself", () => {
  const { SUPABASE_DB_URL: _, ...rest } = complete;
  assert.throws(() => loadEnv(rest), /configuration: SUPABASE_DB_URL is missing/);
});

Deno.test("a malformed variable names itself and what is wrong", () => {
  assert.throws(
    () => loadEnv({ ...complete, RATE_LIMIT_MESSAGES: "many" }),
    /RATE_LIMIT_MESSAGES .*number/i,
  );
  assert.throws(
    () => loadEnv({ ...complete, SUPABASE_DB_URL: "mysql://x" }),
    /SUPABASE_DB_URL must be a postgres/,
  );
});

Deno.test("empty strings count as unset", () => {
  assert.throws(() => loadEnv({ ...complete, SUPABASE_URL: "" }), /SUPABASE_URL is missing/);
});
