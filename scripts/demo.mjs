// `npm run demo` (with `npm start` running in another terminal): the README's visitor
// conversation through supabase-js, as the website widget makes it.
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import ws from "ws";
import { describeStack, scriptStack } from "./stack.mjs";

// The stack npm start runs in this checkout (or SUPABASE_URL); the publishable key, what a browser holds.
const stack = scriptStack("demo");
console.log(describeStack(stack));
const supabase = createClient(stack.url, stack.publishableKey, {
  realtime: { transport: ws },
  auth: { persistSession: false },
});
const run = Date.now().toString(36);

async function ask(conversation, message) {
  const { data, error } = await supabase.functions.invoke("chat", {
    body: {
      company_id: "agence-des-copines",
      conversation_id: conversation,
      user_id: `visitor-${run}`,
      message,
    },
  });
  if (error instanceof FunctionsHttpError) {
    const body = await error.context.json();
    return { status: error.context.status, retryAfter: error.context.headers.get("retry-after"), body };
  }
  if (error) throw error;
  return { status: 200, body: data };
}

const health = await supabase.functions.invoke("health", { method: "GET" });
console.log("health:", JSON.stringify(health.data));

for (
  const [conversation, message] of [
    [`demo-${run}-kajabi`, "Comment automatiser ma séquence d'e-mails de bienvenue dans Kajabi ?"],
    [`demo-${run}-reel`, "Quelle durée idéale pour un reel Instagram ?"],
  ]
) {
  const { status, body } = await ask(conversation, message);
  console.log(`\n> ${message}\n${status} agent=${body.agent} model=${body.model} offline=${body.offline}`);
  console.log(`sources: ${body.sources.map((s) => `${s.source}#${s.id}`).join(", ")}`);
  console.log(body.reply.slice(0, 400));
}

const conversation = `demo-${run}-flood`;
for (let i = 1; i <= 11; i++) {
  const { status, retryAfter, body } = await ask(conversation, `Message ${i} : une question sur Zapier ?`);
  const detail = status === 200
    ? `remaining ${body.rate_limit.remaining}`
    : `${JSON.stringify(body)} Retry-After: ${retryAfter}`;
  console.log(`message ${i}: ${status} ${detail}`);
}
