import assert from "node:assert/strict";
import { AllProvidersFailed } from "../providers/fallback.ts";
import type { ChatProvider, ChatRequest, ChatResult } from "../providers/types.ts";
import {
  type AgentProfile,
  asksForHuman,
  decide,
  keywordRoute,
  llmRoute,
  type Route,
  RouterFailed,
  routerSchema,
  routingTokens,
} from "./router.ts";

const agents: AgentProfile[] = [
  {
    slug: "audrey",
    name: "Audrey",
    expertise: "Automatisation : tunnels, e-mails, Kajabi, Zapier.",
    keywords: ["tunnel", "e-mail", "kajabi", "zapier", "séquence", "landing page"],
  },
  {
    slug: "carole",
    name: "Carole",
    expertise: "Instagram, reels, stories, design.",
    keywords: ["instagram", "reel", "story", "stories", "création", "canva"],
  },
];

/** A chat provider answering each request with the next scripted result (or error). */
function scripted(...answers: (Partial<ChatResult> | Error)[]): ChatProvider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    name: "scripted",
    requests,
    complete(req) {
      requests.push(req);
      const next = answers.shift();
      if (!next) throw new Error("scripted: no answer left");
      if (next instanceof Error) return Promise.reject(next);
      return Promise.resolve({
        text: JSON.stringify(next.json),
        model: "router-model",
        provider: "scripted",
        usage: { promptTokens: 1, completionTokens: 1 },
        attempts: [{ provider: "scripted", model: "router-model", ok: true, ms: 0 }],
        ...next,
      });
    },
    stream() {
      throw new Error("not used");
    },
  };
}

Deno.test("routingTokens folds accents and case, splits hyphens and drops plural s/x", () => {
  assert.deepEqual(routingTokens("Mes Séquences E-mail & Réels!"), ["mes", "sequence", "e", "mail", "reel"]);
});

Deno.test("keywordRoute: the agent with more distinct keywords wins, accent- and plural-insensitive", () => {
  const route = keywordRoute("Comment créer une SEQUENCE e-mails dans Kajabi ?", agents);
  assert.equal(route.agent, "audrey");
  assert.deepEqual(route.scores, { audrey: 3, carole: 0 });
  assert.equal(route.confidence, 1);
  assert.equal(keywordRoute("Des idées de reels pour Instagram ?", agents).agent, "carole");
});

Deno.test("keywordRoute: multi-word keywords match as phrases; an agent's name counts double", () => {
  assert.deepEqual(keywordRoute("ma landing page", agents).scores, { audrey: 1, carole: 0 });
  assert.deepEqual(keywordRoute("la page landing", agents).scores, { audrey: 0, carole: 0 });
  assert.deepEqual(keywordRoute("Carole, une question sur Kajabi", agents).scores, { audrey: 1, carole: 2 });
});

Deno.test("keywordRoute: no keyword or a tie gives no agent and zero confidence", () => {
  for (const message of ["Bonjour !", "Un reel pour annoncer mon tunnel"]) {
    const route = keywordRoute(message, agents);
    assert.equal(route.agent, null, message);
    assert.equal(route.confidence, 0);
  }
  assert.equal(keywordRoute("Kajabi", agents).confidence, 0.5);
});

const llm = (agent: string | null, confidence: number): Route => ({
  agent,
  confidence,
  reason: "",
  method: "llm",
});
const kw = (agent: string | null, scores: Record<string, number>): Route => ({
  agent,
  confidence: 0.5,
  reason: "",
  method: "keyword",
  scores,
});

Deno.test("decide: a new conversation takes the routed agent; the same agent stays", () => {
  assert.deepEqual(decide(llm("audrey", 0.9), null), {
    agent: "audrey",
    switched: false,
    unsure: false,
    why: "new",
  });
  assert.equal(decide(llm("audrey", 0.6), "audrey").why, "same");
});

Deno.test("decide: the topic must clearly move (LLM ≥ 0.75, keyword margin ≥ 2) to switch agents", () => {
  assert.equal(decide(llm("carole", 0.74), "audrey").agent, "audrey");
  assert.deepEqual(decide(llm("carole", 0.75), "audrey"), {
    agent: "carole",
    switched: true,
    unsure: false,
    why: "switch",
  });
  assert.equal(decide(kw("carole", { carole: 1, audrey: 0 }), "audrey").agent, "audrey");
  assert.equal(decide(kw("carole", { carole: 3, audrey: 1 }), "audrey").agent, "carole");
});

Deno.test("decide: no agent keeps the current one; unsure counts LLM doubt, and keyword silence only without an agent", () => {
  assert.deepEqual(decide(llm(null, 0.9), "carole"), {
    agent: "carole",
    switched: false,
    unsure: true,
    why: "stay",
  });
  assert.deepEqual(decide(llm(null, 0.9), null), { agent: null, switched: false, unsure: true, why: "none" });
  assert.equal(decide(llm("audrey", 0.3), null).unsure, true);
  assert.equal(decide(kw(null, { audrey: 0, carole: 0 }), "audrey").unsure, false);
  assert.equal(decide(kw(null, { audrey: 0, carole: 0 }), null).unsure, true);
});

Deno.test("llmRoute sends structured output with the agents' slugs (and none) and returns the route", async () => {
  const provider = scripted({ json: { agent: "carole", confidence: 0.92, reason: "reels" } });
  const route = await llmRoute(provider, { message: "Des idées de reels ?", agents, current: "audrey" });
  assert.deepEqual(route, {
    agent: "carole",
    confidence: 0.92,
    reason: "reels",
    method: "llm",
    model: "router-model",
    attempts: 1,
  });
  const req = provider.requests[0];
  assert.deepEqual(req.json, { name: "route", schema: routerSchema(agents) });
  assert.deepEqual(
    (routerSchema(agents).properties as Record<string, { enum?: string[] }>).agent.enum,
    ["audrey", "carole", "none"],
  );
  assert.equal(req.temperature, 0);
  assert.match(req.messages[0].content, /Experte actuelle de la conversation : audrey/);
  assert.equal(req.messages.at(-1)!.content, "Des idées de reels ?");
});

Deno.test("llmRoute maps none to no agent and reads JSON from the text when json is absent", async () => {
  const provider = scripted({
    json: undefined,
    text: '{"agent":"none","confidence":0.8,"reason":"salutation"}',
  });
  const route = await llmRoute(provider, { message: "Bonjour", agents, current: null });
  assert.equal(route.agent, null);
  assert.equal(route.confidence, 0.8);
});

Deno.test("llmRoute fails with RouterFailed on malformed output, unknown agents and provider failures", async () => {
  const cases: (Partial<ChatResult> | Error)[] = [
    { json: { agent: "carole", confidence: 7, reason: "x" } },
    { json: undefined, text: "Carole, sans doute." },
    { json: { agent: "mallory", confidence: 0.9, reason: "x" } },
    new AllProvidersFailed([{ provider: "openrouter", model: "m", ok: false, error: "http 500", ms: 1 }]),
  ];
  for (const answer of cases) {
    await assert.rejects(
      llmRoute(scripted(answer), { message: "?", agents, current: null }),
      RouterFailed,
    );
  }
});

Deno.test("asksForHuman recognises requests for a person in French and English, not ordinary questions", () => {
  for (
    const message of [
      "Je voudrais parler à un humain",
      "Est-ce que je peux parler à quelqu'un de l'équipe ?",
      "Je veux un conseiller",
      "Mettez-moi en relation avec une vraie personne réelle",
      "Can I talk to a human please?",
      "I want to speak with a real person",
      "humain",
    ]
  ) assert.equal(asksForHuman(message), true, message);
  for (
    const message of [
      "Pouvez-vous me conseiller sur mes reels ?",
      "Comment contacter mes abonnés personnellement ?",
      "Can a person have two Instagram accounts?",
      "Comment humaniser mes e-mails ?",
    ]
  ) assert.equal(asksForHuman(message), false, message);
});
