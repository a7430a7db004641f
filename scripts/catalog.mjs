// `npm run catalog -- --company <slug> --owner <email> --password <pw> --file <products> [--zones <zones>]`:
// fills a shop's Botlive catalog (products, delivery zones) from CSV or JSON files through the
// API, as a frontend would: signed in as the company's owner or an admin, rows written through
// PostgREST under RLS. Idempotent by (company, name): new names are created, changed rows
// updated, the rest left alone. The whole file is checked before anything is written; errors
// are reported by line. Exit codes: 0 done, 1 error, 2 usage.
import { extname } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@supabase/supabase-js";
import ws from "ws";
import { KINDS, readCatalog } from "./catalog_file.mjs";
import { describeStack, localStack } from "./stack.mjs";

const USAGE = `usage: npm run catalog -- --company <slug> --owner <email> --password <password>
                          --file <products.csv|.json> [--zones <zones.csv|.json>] [--dry-run]

Imports a shop's products and delivery zones into the running local stack (npm start), through
the API only, as the company's owner or an admin. Run it again after editing the file: new names
are created, changed rows updated, the others left alone (nothing is deleted: set active to no).

  --company <slug>       the company (its slug or uuid)
  --owner <email>        an owner or admin of the company
  --password <password>  their password
  --file <file>          the products: CSV, or JSON (an array, or {"products": [...], "zones": [...]})
  --zones <file>         the delivery zones: CSV, or JSON (an array, or {"zones": [...]})
  --dry-run              check the files and report what would change; write nothing
  -h, --help             this help

Products: name, price (whole francs CFA: 15000 or "15 000"; no cents), variants
(taille=S|M|L;couleur=rouge|bleu), stock (empty: unlimited), aliases (robe|robe wax),
active (yes/no; empty: yes), description. Zones: name, fee (francs; 0 for free), aliases,
active. CSV: a header line, comma or semicolon separated, French names accepted (nom, prix,
variantes, alias, actif, frais). A column left out keeps what the database has.
Examples: examples/catalog/.

Targets the stack \`npm start\` runs in this checkout (found in .local/stack.json, or beside
COMPTOIR_DATA_DIR when that is set); SUPABASE_URL (with COMPTOIR_PUBLISHABLE_KEY) targets another.`;

class UsageError extends Error {}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        company: { type: "string" },
        owner: { type: "string" },
        password: { type: "string" },
        file: { type: "string" },
        zones: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (parsed.help) return { help: true };
  for (const required of ["company", "owner", "password"]) {
    if (!parsed[required]) throw new UsageError(`--${required} is required`);
  }
  if (!parsed.file && !parsed.zones) throw new UsageError("--file or --zones is required");
  for (const flag of ["file", "zones"]) {
    if (parsed[flag] && ![".csv", ".json"].includes(extname(parsed[flag]).toLowerCase())) {
      throw new UsageError(`--${flag} must be a .csv or .json file, got "${parsed[flag]}"`);
    }
  }
  return parsed;
}

/** Canonical JSON (object keys sorted: jsonb does not keep their order). */
const canonical = (value) =>
  JSON.stringify(
    value,
    (_, v) => (v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v),
  );

async function existing(supabase, table, companyId, columns) {
  const found = [];
  for (let from = 0;; from += 1000) {
    const { data, error } = await supabase.from(table).select(["id", "name", ...columns].join(", "))
      .eq("company_id", companyId).order("name").range(from, from + 999);
    if (error) throw new Error(`${table}: ${error.message}`);
    found.push(...data);
    if (data.length < 1000) return found;
  }
}

/** Creates and updates one kind's rows (unless dry); returns the report's lines. */
async function sync(supabase, { kind, file, rows, companyId, dry }) {
  const table = KINDS[kind].table;
  const columns = Object.keys(KINDS[kind].columns).filter((c) => c !== "name");
  const byName = new Map((await existing(supabase, table, companyId, columns)).map((r) => [r.name, r]));
  const created = [];
  const updated = [];
  let unchanged = 0;
  for (const { row } of rows) {
    const current = byName.get(row.name);
    if (!current) {
      created.push(row);
      continue;
    }
    const changed = Object.keys(row).filter((c) =>
      c !== "name" && canonical(row[c]) !== canonical(current[c])
    );
    if (changed.length) updated.push({ id: current.id, row, changed });
    else unchanged++;
  }
  if (!dry && created.length) {
    const rowsToInsert = created.map((row) => ({ company_id: companyId, ...row }));
    const { error } = await supabase.from(table).insert(rowsToInsert, { defaultToNull: false });
    if (error) throw new Error(`${kind}: creating ${created.length} row(s): ${error.message}`);
  }
  for (const { id, row, changed } of dry ? [] : updated) {
    const fields = Object.fromEntries(changed.map((c) => [c, row[c]]));
    const { data, error } = await supabase.from(table).update(fields).eq("id", id).select("id");
    if (error || data.length !== 1) {
      throw new Error(`${kind}: updating « ${row.name} »: ${error?.message ?? "not allowed"}`);
    }
  }
  const label = (c) => (c === "is_active" ? "active" : c);
  const counts = dry
    ? `${created.length} to create, ${updated.length} to update, ${unchanged} unchanged`
    : `${created.length} created, ${updated.length} updated, ${unchanged} unchanged`;
  return [
    `${kind} (${file}): ${counts}`,
    ...created.map((row) => `  + ${row.name}`),
    ...updated.map(({ row, changed }) => `  ~ ${row.name}: ${changed.map(label).join(", ")}`),
  ];
}

async function run(argv, out, env) {
  const args = options(argv);
  if (args.help) {
    out(`${USAGE}\n`);
    return;
  }
  // 1. The files, read and checked before anything else: a file with errors writes nothing.
  const sources = readCatalog(args);

  // 2. Signed in as the owner or an admin of the company (RLS decides every write).
  const stack = localStack(env);
  const { url, publishableKey: key } = stack;
  const health = await fetch(`${url}/functions/v1/health`).catch(() => null);
  if (!health) throw new Error(`the local stack is not running at ${url}: start it first (npm start)`);
  await health.body?.cancel();
  out(`${describeStack(stack)}\n`);
  const supabase = createClient(url, key, { auth: { persistSession: false }, realtime: { transport: ws } });
  const { data: signIn, error: signInError } = await supabase.auth.signInWithPassword({
    email: args.owner,
    password: args.password,
  });
  if (signInError) throw new Error(`sign-in of ${args.owner}: ${signInError.message}`);
  try {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(args.company);
    const { data: company } = await supabase.from("companies").select("id, slug")
      .eq(byId ? "id" : "slug", args.company).maybeSingle();
    if (!company) throw new Error(`${args.owner} is not a member of a company ${args.company}`);
    const { data: membership } = await supabase.from("company_members").select("role")
      .eq("company_id", company.id).eq("user_id", signIn.user.id).maybeSingle();
    if (!["owner", "admin"].includes(membership?.role)) {
      throw new Error(
        `${args.owner} is a ${membership?.role ?? "reader"} of ${company.slug}, not an owner or admin`,
      );
    }

    // 3. Products, then zones: created, updated or left alone, by name (each kind reported as done).
    out(
      `${
        args["dry-run"] ? "dry run: nothing written\n" : ""
      }company ${company.slug} (${company.id}) as ${args.owner} (${membership.role})\n`,
    );
    for (const source of sources) {
      const report = await sync(supabase, { ...source, companyId: company.id, dry: args["dry-run"] });
      out(`${report.join("\n")}\n`);
    }
  } finally {
    await supabase.auth.signOut();
  }
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
    err(`catalog: ${error.message}\n${error instanceof UsageError ? `${USAGE}\n` : ""}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
