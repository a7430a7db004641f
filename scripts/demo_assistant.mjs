// `npm run demo:assistant` (with `npm start` running in another terminal): Atelier Durand's owner
// signs in through supabase-js and asks the business assistant five questions; then adds an
// invoice through the Data API (as the app would) and asks again: the answer sees it at once
// (the cache was invalidated by a trigger), then deletes it again. Figures come from the answers,
// none is computed here.
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import ws from "ws";
import { describeStack, scriptStack } from "./stack.mjs";

const stack = scriptStack("demo:assistant");
console.log(describeStack(stack));
const supabase = createClient(stack.url, stack.publishableKey, {
  realtime: { transport: ws },
  auth: { persistSession: false },
});

async function assistant(body) {
  const { data, error } = await supabase.functions.invoke("assistant", { body });
  if (error instanceof FunctionsHttpError) {
    throw new Error(`assistant: ${error.context.status} ${JSON.stringify(await error.context.json())}`);
  }
  if (error) throw error;
  return data;
}

const { error: signInError } = await supabase.auth.signInWithPassword({
  email: "owner@atelier-durand.test",
  password: "comptoir-demo",
});
if (signInError) throw signInError;
console.log("owner signed in: owner@atelier-durand.test");

let conversation;
async function ask(message) {
  const answer = await assistant({ message, conversation_id: conversation });
  conversation = answer.conversation_id;
  console.log(`\n> ${message}`);
  console.log(answer.reply);
  console.log(
    `  [sections ${answer.sections.join(", ")}; cached ${
      answer.cached_sections.join(", ") || "none"
    }; model ${answer.model}]`,
  );
  return answer;
}

await ask("Combien de clients ai-je ?");
await ask("Quelles sont mes factures impayées ?");
await ask("Quelles sont mes tâches urgentes ?");
await ask("Qui est mon client Jean Dupont ?");
await ask("Qu'est-ce que j'ai comme rendez-vous cette semaine ?");
await ask("Et mes factures impayées, encore une fois ?");

// A new invoice, written through the Data API under RLS as the app does.
const { data: company } = await supabase.from("companies").select("id").eq("slug", "atelier-durand").single();
const { data: client } = await supabase.from("clients").select("id, name").eq("name", "Jean Dupont").single();
const number = `FAC-DEMO-${Date.now().toString(36).toUpperCase()}`;
const { error: insertError } = await supabase.from("invoices").insert({
  company_id: company.id,
  client_id: client.id,
  number,
  amount: 1234.56,
  status: "pending",
  due_date: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
});
if (insertError) throw insertError;
console.log(
  `\n(invoice ${number} of 1 234,56 € for ${client.name} added through supabase.from("invoices").insert)`,
);
await ask("Quelles sont mes factures impayées ?");

// The demo leaves the seed as it found it: its invoice deleted (the cache follows, by trigger).
const { error: deleteError } = await supabase.from("invoices").delete().eq("number", number);
if (deleteError) throw deleteError;
console.log(`\n(invoice ${number} deleted again)`);

const list = await assistant({ action: "list" });
console.log(`\nconversations: ${list.total} (latest: « ${list.conversations[0].title} »)`);
await supabase.auth.signOut();
