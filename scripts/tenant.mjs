// `npm run tenant -- --slug <slug> --name <name> --owner <email> [options]`: adds your own
// company to the running local stack (npm start) the way a frontend would, with supabase-js
// only: the owner signs up (or signs in), `create_company`, the agents written through
// PostgREST, the documents sent to the `ingest` function. Running it again updates the agents
// and re-ingests only what changed. Exit codes: 0 done, 1 error, 2 usage.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import ws from "ws";
import { describeStack, localStack } from "./stack.mjs";

const USAGE = `usage: npm run tenant -- --slug <slug> --name <name> --owner <email> [options]

Adds a company to the running local stack (start it first: npm start), through the API only.

  --slug <slug>          the company's id in URLs and data (kebab-case), e.g. boutique-lina
  --name <name>          its display name
  --owner <email>        the owner: signed up if new (confirmed at once), else signed in
  --password <password>  the owner's password (default: a new random one, printed; required
                         for an owner who already exists)
  --agent <spec>         an agent, repeatable: <slug>:<Name>[:<keyword>,<keyword>...]
                         e.g. --agent "lina-mode:Lina:robe,taille,livraison"
  --docs <folder>        .md/.markdown/.txt files to ingest (recursively; source = path inside)
  --docs-agent <slug>    the agent those files are for (default: by keywords, else shared)
  --catalog <file>       a Botlive catalog (products, and zones if it has them), .csv or .json:
                         uploaded to the catalogs bucket and imported in one transaction
  -h, --help             this help

Targets the stack \`npm start\` runs in this checkout (found in .local/stack.json, or beside
COMPTOIR_DATA_DIR when that is set); SUPABASE_URL (with COMPTOIR_PUBLISHABLE_KEY) targets another.`;

const EXTENSIONS = new Set([".md", ".markdown", ".txt"]);
/** Files per ingest request (the function's own limits: 100 documents, 512 KiB a request). */
const BATCH_FILES = 20;

class UsageError extends Error {}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        slug: { type: "string" },
        name: { type: "string" },
        owner: { type: "string" },
        password: { type: "string" },
        agent: { type: "string", multiple: true, default: [] },
        docs: { type: "string" },
        "docs-agent": { type: "string" },
        catalog: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (parsed.help) return { help: true };
  for (const required of ["slug", "name", "owner"]) {
    if (!parsed[required]) throw new UsageError(`--${required} is required`);
  }
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(parsed.slug)) {
    throw new UsageError(`--slug must be kebab-case, got "${parsed.slug}"`);
  }
  const agents = parsed.agent.map((spec) => {
    const [slug, name, keywords = ""] = spec.split(":");
    if (!slug || !name || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) || slug === "shared") {
      throw new UsageError(
        `--agent must be <slug>:<Name>[:<keywords>] with a kebab-case slug, got "${spec}"`,
      );
    }
    return { slug, name, keywords: keywords.split(",").map((k) => k.trim()).filter(Boolean) };
  });
  if (parsed["docs-agent"] && !parsed.docs) throw new UsageError("--docs-agent needs --docs");
  return { ...parsed, agents };
}

function files(folder) {
  const found = [];
  const walk = (dir) => {
    for (
      const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    ) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (EXTENSIONS.has(extname(entry.name).toLowerCase())) found.push(path);
    }
  };
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`--docs: no such folder: ${folder}`);
  }
  walk(folder);
  if (found.length === 0) throw new Error(`--docs: no .md, .markdown or .txt file in ${folder}`);
  return found.map((path) => ({
    source: relative(folder, path).split("\\").join("/"),
    content: readFileSync(path, "utf8"),
    format: extname(path).toLowerCase() === ".txt" ? "text" : "markdown",
  }));
}

/** The error body of a failed functions.invoke, as the error contract has it. */
async function invokeError(error) {
  const body = await error.context?.json?.().catch(() => null);
  return body?.error?.message ?? error.message;
}

async function run(argv, out, env) {
  const args = options(argv);
  if (args.help) {
    out(`${USAGE}\n`);
    return;
  }
  const stack = localStack(env);
  const { url, publishableKey: key } = stack;
  const documents = args.docs ? files(args.docs) : [];
  const health = await fetch(`${url}/functions/v1/health`).catch(() => null);
  if (!health) throw new Error(`the local stack is not running at ${url}: start it first (npm start)`);
  await health.body?.cancel();
  out(`${describeStack(stack)}\n`);

  const supabase = createClient(url, key, { auth: { persistSession: false }, realtime: { transport: ws } });
  // 1. The owner: signed in if the account exists, else signed up (confirmed at once locally).
  let password = args.password;
  let created = false;
  if (password) {
    const { error } = await supabase.auth.signInWithPassword({ email: args.owner, password });
    if (error && error.code !== "invalid_credentials") {
      throw new Error(`sign-in of ${args.owner}: ${error.message}`);
    }
    if (error) {
      const signUp = await supabase.auth.signUp({ email: args.owner, password });
      if (signUp.error?.code === "user_already_exists") {
        throw new Error(`${args.owner} exists and the password is wrong`);
      }
      if (signUp.error) throw new Error(`sign-up of ${args.owner}: ${signUp.error.message}`);
      created = true;
    }
  } else {
    password = randomBytes(12).toString("base64url");
    const { error } = await supabase.auth.signUp({ email: args.owner, password });
    if (error?.code === "user_already_exists") {
      throw new Error(`${args.owner} already exists: pass its --password`);
    }
    if (error) throw new Error(`sign-up of ${args.owner}: ${error.message}`);
    created = true;
  }
  const { data: { user } } = await supabase.auth.getUser();

  // 2. The company: created by its owner (create_company), or found if this owner has it already.
  let { data: company } = await supabase.from("companies").select("id, slug, name").eq("slug", args.slug)
    .maybeSingle();
  if (!company) {
    const made = await supabase.rpc("create_company", { p_slug: args.slug, p_name: args.name });
    if (made.error?.code === "23505") {
      throw new Error(`the slug ${args.slug} is taken by a company ${args.owner} is not a member of`);
    }
    if (made.error) throw new Error(`create_company: ${made.error.message}`);
    company = { id: made.data, slug: args.slug, name: args.name };
  }
  const { data: membership } = await supabase.from("company_members").select("role")
    .eq("company_id", company.id).eq("user_id", user.id).single();
  if (!["owner", "admin"].includes(membership?.role)) {
    throw new Error(`${args.owner} is not an admin of ${args.slug}`);
  }

  // 3. The agents, through PostgREST (the owner's RLS rights): new ones inserted, known ones
  // updated (an upsert would rewrite company_id, which no one may update).
  const { data: known, error: readError } = await supabase.from("agents").select("slug").eq(
    "company_id",
    company.id,
  );
  if (readError) throw new Error(`agents: ${readError.message}`);
  for (const agent of args.agents) {
    const fields = {
      name: agent.name,
      keywords: agent.keywords,
      expertise: agent.keywords.join(", "),
      system_prompt: `Tu es ${agent.name}, l'assistante de ${args.name}. Réponds en français, simplement, ` +
        "avec les informations de la base de connaissances ; si tu ne sais pas, dis-le.",
    };
    const { error } = known.some((row) => row.slug === agent.slug)
      ? await supabase.from("agents").update(fields).eq("company_id", company.id).eq("slug", agent.slug)
      : await supabase.from("agents").insert({ company_id: company.id, slug: agent.slug, ...fields });
    if (error) throw new Error(`agent ${agent.slug}: ${error.message}`);
  }

  // 4. The documents, through the ingest function as the owner (unchanged chunks are skipped).
  const totals = { new: 0, unchanged: 0, replaced: 0 };
  for (let start = 0; start < documents.length; start += BATCH_FILES) {
    const batch = documents.slice(start, start + BATCH_FILES)
      .map((doc) => (args["docs-agent"] ? { ...doc, agent: args["docs-agent"] } : doc));
    const { data, error } = await supabase.functions.invoke("ingest", {
      body: { company_id: company.id, documents: batch },
    });
    if (error) {
      // The function's message names its context already (« ingest: document 0 … »).
      const message = await invokeError(error);
      throw new Error(message.startsWith("ingest: ") ? message : `ingest: ${message}`);
    }
    for (const kind of Object.keys(totals)) totals[kind] += data.chunks[kind];
  }

  // 5. The catalog: uploaded to the catalogs bucket, then imported by orders/catalog (one transaction).
  let catalog = null;
  if (args.catalog) {
    let bytes;
    try {
      bytes = readFileSync(args.catalog);
    } catch {
      throw new Error(`--catalog: no such file: ${args.catalog}`);
    }
    const path = `${company.id}/${basename(args.catalog)}`;
    const { error: uploadError } = await supabase.storage.from("catalogs").upload(path, bytes, {
      upsert: true,
      contentType: extname(args.catalog).toLowerCase() === ".csv" ? "text/csv" : "text/plain",
    });
    if (uploadError) throw new Error(`catalog: upload: ${uploadError.message}`);
    const { data, error } = await supabase.functions.invoke("orders/catalog", {
      body: { company_id: company.id, path },
    });
    if (error) {
      const body = await error.context?.json?.().catch(() => null);
      const details = Array.isArray(body?.error?.details) ? `\n  ${body.error.details.join("\n  ")}` : "";
      throw new Error(`${body?.error?.message ?? error.message}${details}`);
    }
    catalog = data;
  }

  const { data: agents } = await supabase.from("agents").select("slug").eq("company_id", company.id).order(
    "slug",
  );
  out(`company ${company.slug} (${company.id}): "${company.name}"\n`);
  out(`owner ${args.owner}${created ? ` (new; password: ${password})` : " (existing)"}\n`);
  out(`agents: ${agents.map((a) => a.slug).join(", ") || "none"}\n`);
  if (documents.length > 0) {
    out(
      `documents: ${documents.length} file(s), chunks ${totals.new} new, ${totals.unchanged} unchanged, ${totals.replaced} replaced\n`,
    );
  }
  if (catalog) {
    const line = (k) => `${k} ${catalog[k].created} created, ${catalog[k].updated} updated, ${catalog[k].unchanged} unchanged`;
    out(`catalog: ${line("products")}; ${line("zones")}\n`);
  }
  await supabase.auth.signOut();
}

export async function main(
  argv,
  out = (text) => process.stdout.write(text),
  err = (text) => process.stderr.write(text),
  env = process.env,
) {
  try {
    await run(argv, out, env);
    return 0;
  } catch (error) {
    err(`tenant: ${error.message}\n${error instanceof UsageError ? `${USAGE}\n` : ""}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
