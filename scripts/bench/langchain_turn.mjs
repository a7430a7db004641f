// Benchmark only: the chat turn as most teams would build it with LangChain.js, in a Node
// server of its own — a structured-output router (ChatOpenAI on OpenRouter, `withStructuredOutput`),
// retrieval with SupabaseVectorStore through supabase-js and /rest/v1 (the LangChain signature
// of match_documents), Cohere rerank (CohereRerank), the answer (ChatOpenAI with the agent's
// prompt, the passages and the history), chat history in Postgres (PostgresChatMessageHistory).
// Same fake providers, same company, same questions as our turn. It does less than ours: no
// ownership check, no rate limits, no idempotency, no escalation, no token accounting.
//
//   node scripts/bench/langchain_turn.mjs   (env: SUPABASE_URL, COMPTOIR_SECRET_KEY,
//     SUPABASE_DB_URL, OPENROUTER_BASE_URL, OPENAI_BASE_URL, COHERE_BASE_URL and the *_API_KEY)
// Prints {"port": n} once listening; POST /chat { company_id, conversation_id, user_id, message }.
import { createServer } from "node:http";
import pg from "pg";
import { z } from "zod";
import { createClient } from "@supabase/supabase-js";
import { CohereClient } from "cohere-ai";
import { CohereRerank } from "@langchain/cohere";
import { SupabaseVectorStore } from "@langchain/community/vectorstores/supabase";
import { PostgresChatMessageHistory } from "@langchain/community/stores/message/postgres";
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import ws from "ws";

const env = process.env;
const supabase = createClient(env.SUPABASE_URL, env.COMPTOIR_SECRET_KEY, {
  auth: { persistSession: false },
  realtime: { transport: ws },
});
const pool = new pg.Pool({ connectionString: env.SUPABASE_DB_URL, max: 8 });
const openrouter = {
  apiKey: env.OPENROUTER_API_KEY,
  configuration: { baseURL: env.OPENROUTER_BASE_URL },
  maxRetries: 0,
};
const embeddings = new OpenAIEmbeddings({
  model: "text-embedding-3-small",
  apiKey: env.OPENAI_API_KEY,
  configuration: { baseURL: env.OPENAI_BASE_URL },
  maxRetries: 0,
});
const store = new SupabaseVectorStore(embeddings, {
  client: supabase,
  tableName: "documents",
  queryName: "match_documents",
});
const reranker = new CohereRerank({
  model: "rerank-multilingual-v3.0",
  topN: 5,
  client: new CohereClient({ token: env.COHERE_API_KEY, environment: env.COHERE_BASE_URL }),
});
const answerModel = new ChatOpenAI({ model: "anthropic/claude-3.5-sonnet", temperature: 0.4, ...openrouter });
const routerBase = new ChatOpenAI({ model: "anthropic/claude-3.5-haiku", temperature: 0, ...openrouter });
const answerPrompt = ChatPromptTemplate.fromMessages([
  ["system", "{system}\n\nRéponds avec les informations suivantes, en citant [doc:n] :\n{context}"],
  new MessagesPlaceholder("history"),
  ["human", "{question}"],
]);

/** The company's agents, read once through PostgREST (as a team's server would cache them). */
const agentsByCompany = new Map();
async function agentsOf(company) {
  if (!agentsByCompany.has(company)) {
    const { data: row, error } = await supabase.from("companies").select("id").eq("slug", company).single();
    if (error) throw error;
    const { data: agents } = await supabase.from("agents").select("slug, name, expertise, system_prompt")
      .eq("company_id", row.id).eq("is_active", true);
    const Route = z.object({
      agent: z.enum(agents.map((a) => a.slug)),
      confidence: z.number().min(0).max(1),
      reason: z.string(),
    });
    agentsByCompany.set(company, {
      agents,
      router: routerBase.withStructuredOutput(Route, { name: "route" }),
    });
  }
  return agentsByCompany.get(company);
}

async function turn({ company_id: company, conversation_id: conversation, message }) {
  const history = new PostgresChatMessageHistory({ pool, sessionId: `${company}:${conversation}` });
  const [{ agents, router }, past] = await Promise.all([agentsOf(company), history.getMessages()]);
  const routed = await router.invoke([
    [
      "system",
      `Choisis l'experte pour ce message. Expertes : ${
        agents.map((a) => `${a.slug} (${a.expertise})`).join("; ")
      }`,
    ],
    ["human", message],
  ]);
  // As in our turn's benchmark: the fake answers a schema sample; what a model would say replaces
  // it after the real round trip, so that both turns take the same path.
  const slug = /kajabi|e-mail|zapier|tunnel/i.test(message) ? "audrey" : "carole";
  const agent = agents.find((a) => a.slug === slug) ?? agents.find((a) => a.slug === routed.agent);
  const candidates = await store.similaritySearch(message, 20, { company_id: company });
  const passages = await reranker.compressDocuments(candidates, message);
  const context = passages.map((doc, i) => `[doc:${i + 1}] ${doc.pageContent}`).join("\n\n");
  const answer = await answerPrompt.pipe(answerModel).invoke({
    system: agent.system_prompt,
    context,
    history: past.slice(-10),
    question: message,
  });
  await history.addMessages([new HumanMessage(message), new AIMessage(answer.content)]);
  return {
    conversation_id: conversation,
    agent: agent.slug,
    reply: answer.content,
    sources: passages.map((doc) => ({ source: doc.metadata.source, score: doc.metadata.relevanceScore })),
  };
}

// PostgresChatMessageHistory creates its table on first use; done once before serving.
await new PostgresChatMessageHistory({ pool, sessionId: "warmup" }).getMessages();

const server = createServer(async (req, res) => {
  try {
    if (req.method !== "POST" || req.url !== "/chat") {
      res.writeHead(404).end();
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    const result = await turn(JSON.parse(body));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
  } catch (error) {
    res.writeHead(500, { "content-type": "application/json" }).end(
      JSON.stringify({ error: String(error?.message ?? error) }),
    );
  }
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
