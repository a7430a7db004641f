// The README's visitor conversation, end to end as the widget runs it: supabase-js with the
// publishable key → the functions server (offline: no provider keys) → Postgres, in the demo
// tenant. Each test is its own visitor: the per-visitor limit must not couple them.
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { readSse } from "../../functions/_shared/sse.ts";
import { ChatResponse, ErrorBody, RateLimitResponse } from "../../types/api.ts";
import { stack } from "../support/stack.ts";

const ignore = !stack.available;

function client() {
  return createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
}

function body(conversation: string, message: string, extra: Record<string, unknown> = {}) {
  return {
    company_id: "agence-des-copines",
    conversation_id: conversation,
    user_id: `visiteur-${conversation}`,
    message,
    ...extra,
  };
}

Deno.test({
  name:
    "demo: a Kajabi e-mail question goes to Audrey, an Instagram reel question to Carole, offline and cited",
  ignore,
  async fn() {
    const supabase = client();
    const conversation = `demo-${crypto.randomUUID()}`;
    const first = await supabase.functions.invoke("chat", {
      body: body(conversation, "Comment programmer une séquence d'e-mails de bienvenue dans Kajabi ?"),
    });
    assert.equal(first.error, null);
    const audrey = ChatResponse.parse(first.data);
    assert.equal(audrey.agent, "audrey");
    assert.equal(audrey.conversation_id, conversation);
    assert.equal(audrey.offline, true);
    assert.match(audrey.reply, /^Bonjour, je suis Audrey/);
    assert.match(audrey.reply, /sans modèle de langue/);
    // Whatever the test database's knowledge base holds, every cited source is one the reply names.
    for (const source of audrey.sources.filter((s) => s.cited)) {
      assert.ok(audrey.reply.includes(`[${source.id}]`));
    }

    const second = await supabase.functions.invoke("chat", {
      body: body(conversation, "Et pour mes reels Instagram, quelle durée idéale pour une vidéo reel ?"),
    });
    assert.equal(second.error, null);
    const carole = ChatResponse.parse(second.data);
    assert.equal(carole.agent, "carole");
    assert.match(carole.reply, /^Coucou, moi c'est Carole/);
    assert.equal(carole.rate_limit.remaining, 8);
  },
});

Deno.test({
  name:
    "demo: the 11th message within a minute gets 429, Retry-After and « Trop de messages. Veuillez patienter. »",
  ignore,
  async fn() {
    const supabase = client();
    const conversation = `demo-limit-${crypto.randomUUID()}`;
    for (let i = 1; i <= 10; i++) {
      const { error } = await supabase.functions.invoke("chat", {
        body: body(conversation, `Question Kajabi n°${i}`),
      });
      assert.equal(error, null, `message ${i}`);
    }
    const peek = await supabase.functions.invoke(
      `rate-limit?company_id=agence-des-copines&conversation_id=${encodeURIComponent(conversation)}` +
        `&user_id=${encodeURIComponent(`visiteur-${conversation}`)}`,
      { method: "GET" },
    );
    assert.equal(peek.error, null);
    assert.deepEqual(
      (({ allowed, remaining, limit }) => ({ allowed, remaining, limit }))(
        RateLimitResponse.parse(peek.data),
      ),
      { allowed: false, remaining: 0, limit: 10 },
    );
    assert.equal(RateLimitResponse.parse(peek.data).limited_by, "conversation");

    const { error } = await supabase.functions.invoke("chat", { body: body(conversation, "Question n°11") });
    assert.ok(error instanceof FunctionsHttpError);
    assert.equal(error.context.status, 429);
    const retryAfter = Number(error.context.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    const contract = ErrorBody.parse(await error.context.json()).error;
    assert.equal(contract.code, "rate_limited");
    assert.equal(contract.message, "Trop de messages. Veuillez patienter.");
    assert.equal((contract.details as { limit: string }).limit, "conversation");
  },
});

Deno.test({
  name:
    "demo: streaming through fetch reads start, token and done events; the widget's publishable key is required",
  ignore,
  async fn() {
    const url = `${stack.apiUrl}/functions/v1/chat`;
    const request = (headers: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(
          body(`demo-stream-${crypto.randomUUID()}`, "Comment créer un tunnel de vente ?", {
            stream: true,
          }),
        ),
      });
    const anonymous = await request({});
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const res = await request({
      authorization: `Bearer ${stack.publishableKey}`,
      apikey: stack.publishableKey,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    const names: string[] = [];
    let text = "";
    let done: ChatResponse | undefined;
    for await (const event of readSse(res.body!)) {
      names.push(event.event);
      if (event.event === "token") text += (event.data as { delta: string }).delta;
      if (event.event === "done") done = ChatResponse.parse(event.data);
    }
    assert.equal(names[0], "start");
    assert.equal(names.at(-1), "done");
    assert.ok(names.filter((n) => n === "token").length > 3);
    assert.equal(done?.agent, "audrey");
    assert.equal(text, done?.reply);
  },
});

Deno.test({
  name: "demo: asking for a human pauses the bot with a holding reply",
  ignore,
  async fn() {
    const supabase = client();
    const conversation = `demo-human-${crypto.randomUUID()}`;
    const { data, error } = await supabase.functions.invoke("chat", {
      body: body(conversation, "Je voudrais parler à un humain, s'il vous plaît"),
    });
    assert.equal(error, null);
    const reply = ChatResponse.parse(data);
    assert.deepEqual([reply.kind, reply.escalated, reply.agent], ["holding", true, null]);
  },
});
