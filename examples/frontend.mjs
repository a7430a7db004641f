// The seeds' frontend, from Node, with supabase-js only, against `npm start`:
//   node examples/frontend.mjs
// The dashboard's owner signs in, reads and edits through PostgREST (supabase.from / rpc) and
// watches the activity feed over Realtime while a website visitor asks the widget's chat for a
// human: the escalation appears live, the owner resolves it, and that appears too. The setting it
// edits is put back: the seed stays as it was (the visitor's conversation and the feed's two
// activities stay, as any visitor's would).
import { createClient } from "@supabase/supabase-js";
import ws from "ws"; // Node 20 only: supabase-js's realtime transport
import { describeStack, scriptStack } from "../scripts/stack.mjs";

// The stack `npm start` runs in this checkout (or SUPABASE_URL): its address and publishable key.
const stack = scriptStack("frontend");
console.log(describeStack(stack));
const URL = stack.url;
const PUBLISHABLE_KEY = stack.publishableKey;
const show = (what, value) => console.log(`${what}:`, JSON.stringify(value));
const must = ({ data, error }) => {
  if (error) throw new Error(`${error.code ?? ""} ${error.message}`);
  return data;
};

// The dashboard: the agency's owner, signed in.
const owner = createClient(URL, PUBLISHABLE_KEY, {
  realtime: { transport: ws },
  auth: { persistSession: false },
});
const { user } = must(
  await owner.auth.signInWithPassword({ email: "owner@agence-des-copines.test", password: "comptoir-demo" }),
);

// Which company is mine (by uuid and by text id).
const company = must(
  await owner.from("company_mapping").select("uuid, company_id").eq("user_id", user.id).single(),
);
show("company_mapping", company);

// The RAG settings and prompts, by user_id; an admin edits them.
const config = must(
  await owner.from("company_rag_configs").select("company_name, ai_name, prompt_botlive_groq_70b")
    .eq("user_id", user.id).single(),
);
show("company_rag_configs", {
  ...config,
  prompt_botlive_groq_70b: `${config.prompt_botlive_groq_70b.slice(0, 40)}…`,
});
const edited = must(
  await owner.from("company_rag_configs").update({ ai_name: "Copine IA" })
    .eq("company_id", company.company_id).select("ai_name").single(),
);
show("settings edited", edited);
const restored = must(
  await owner.from("company_rag_configs").update({ ai_name: config.ai_name })
    .eq("company_id", company.company_id).select("ai_name").single(),
);
show("settings restored", restored);

// The knowledge base is read-only from the browser (ingest goes through the function).
const { count } = await owner.from("documents").select("source", { count: "exact", head: true });
show("documents (chunks readable)", count);
const refused = await owner.from("documents").insert({
  company_id: company.company_id,
  source: "x.md",
  content: "x",
});
show("documents insert refused", { status: refused.status, code: refused.error?.code });

// The live activity feed.
const live = [];
const subscribed = new Promise((resolve, reject) => {
  owner.channel("activity-feed")
    .on("postgres_changes", {
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${company.uuid}`,
    }, (payload) => live.push(payload.new))
    .subscribe((status, error) => (status === "SUBSCRIBED" ? resolve() : error && reject(error)));
});
await subscribed;
show("realtime", "SUBSCRIBED to activities");
const nextEvent = async (title) => {
  for (let waited = 0; waited < 3000; waited += 50) {
    const found = live.find((row) => row.title === title);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${title}" activity within 3 s`);
};

// Meanwhile a website visitor, with the publishable key only, asks the widget for a human.
const visitor = createClient(URL, PUBLISHABLE_KEY, {
  realtime: { transport: ws },
  auth: { persistSession: false },
});
const conversationId = `frontend-${Date.now()}`;
const turn = must(
  await visitor.functions.invoke("chat", {
    body: {
      company_id: company.company_id,
      conversation_id: conversationId,
      user_id: "visiteur-frontend",
      message: "Bonjour, je voudrais parler à un humain s'il vous plaît.",
    },
  }),
);
show("chat", { escalated: turn.escalated, reply: turn.reply });
const escalated = await nextEvent("Conversation transmise à un humain");
show("realtime event", {
  type: escalated.type,
  title: escalated.title,
  status: escalated.status,
  metadata: escalated.metadata,
});

// The team reads the visitor's conversation, then resumes the bot.
const memory = must(
  await owner.from("conversation_memory").select("role, content")
    .eq("company_id", company.company_id).eq("user_id", "visiteur-frontend").order("timestamp").limit(2),
);
show("conversation_memory", memory.map((m) => m.role));
const escalation = must(
  await owner.from("escalations").select("id, reason, conversations!inner(external_id)")
    .eq("conversations.external_id", conversationId).eq("status", "open").single(),
);
show("open escalation", { reason: escalation.reason });
show("resolve_escalation", must(await owner.rpc("resolve_escalation", { p_escalation: escalation.id })));
const resolved = await nextEvent("Escalade résolue");
show("realtime event", { type: resolved.type, title: resolved.title, status: resolved.status });

// The feed as the dashboard loads it: the company's last 20 activities.
const feed = must(
  await owner.from("activities").select("title, status, created_at").eq("company_id", company.uuid)
    .order("created_at", { ascending: false }).limit(20),
);
show("activities (latest first)", feed.slice(0, 2).map((a) => a.title));

await owner.removeAllChannels(); // unsubscribes and closes the socket
await owner.auth.signOut();
// Done. realtime-js 2.119 leaves a 10 s timer behind each disconnect (supabase/supabase-js#2666,
// open), which would keep Node waiting for nothing: a script ends here.
process.exit(0);
