import assert from "node:assert/strict";
import { loadEnv } from "./env.ts";

const complete = {
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
  SUPABASE_URL: "http://127.0.0.1:54321/",
  SUPABASE_ANON_KEY: "anon-key-long-enough-for-the-check",
  SUPABASE_SERVICE_ROLE_KEY: "service-key-long-enough-for-the-check",
};

Deno.test("a complete environment loads with the documented defaults", () => {
  const env = loadEnv(complete);
  assert.equal(env.supabaseUrl, "http://127.0.0.1:54321");
  assert.equal(env.jwksUrl, "http://127.0.0.1:54321/auth/v1/.well-known/jwks.json");
  assert.deepEqual(env.rateLimit, { messages: 10, windowSeconds: 60 });
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
  assert.throws(() => loadEnv({ ...complete, SUPABASE_ANON_KEY: "" }), /SUPABASE_ANON_KEY is missing/);
});
