// End to end, as the frontend calls it: supabase-js → the functions server → Postgres.
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { HealthResponse } from "../../types/api.ts";
import { stack } from "../support/stack.ts";

Deno.test({
  name: "supabase.functions.invoke('health') with the anon key returns the health JSON",
  ignore: !stack.available,
  async fn() {
    const supabase = createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
    const { data, error } = await supabase.functions.invoke("health", { method: "GET" });
    assert.equal(error, null);
    const health = HealthResponse.parse(data);
    assert.equal(health.status, "healthy");
    assert.equal(health.services.database, "ok");
    assert.equal(health.services.llm, "offline");
    assert.doesNotMatch(JSON.stringify(data), /eyJ|sk-|super-secret/);
  },
});

Deno.test({
  name: "an unknown function is a 404 in the error contract through supabase-js",
  ignore: !stack.available,
  async fn() {
    const supabase = createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
    const { error } = await supabase.functions.invoke("no-such-function");
    assert.ok(error instanceof FunctionsHttpError);
    assert.equal(error.context.status, 404);
    assert.equal((await error.context.json()).error.code, "not_found");
  },
});

Deno.test({
  name: "CORS preflight from a browser origin is answered by the functions server",
  ignore: !stack.available,
  async fn() {
    const res = await fetch(`${stack.apiUrl}/functions/v1/health`, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "POST" },
    });
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /apikey/);
  },
});

Deno.test({
  name: "supabase.auth.signInWithPassword works against a seeded owner, and a wrong password is refused",
  ignore: !stack.available,
  async fn() {
    const supabase = createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
    const wrong = await supabase.auth.signInWithPassword({
      email: "owner@agence-des-copines.test",
      password: "nope",
    });
    assert.equal(wrong.error?.message, "Invalid login credentials");
    const { data, error } = await supabase.auth.signInWithPassword({
      email: "owner@agence-des-copines.test",
      password: "comptoir-demo",
    });
    assert.equal(error, null);
    assert.equal(data.user?.email, "owner@agence-des-copines.test");
    const { data: me } = await supabase.auth.getUser();
    assert.equal(me.user?.id, data.user?.id);
    const refreshed = await supabase.auth.refreshSession();
    assert.equal(refreshed.error, null);
    await supabase.auth.signOut();
  },
});
