/**
 * The demo tenant as the chat benchmarks use it: its knowledge base ingested, its limits lifted
 * for the run (and put back after), the visitors' questions, and the Postgres cluster's CPU.
 */
import type postgres from "postgres";
import { join } from "node:path";
import { postgresCpu } from "./processes.ts";

export const COMPANY = "agence-des-copines";
const root = join(import.meta.dirname!, "../..");

/** The visitors' questions, half for each agent. */
export const QUESTIONS = [
  "Comment programmer une séquence d'e-mails de bienvenue dans Kajabi ?",
  "Quelle durée idéale pour un reel Instagram ?",
  "Comment relier Kajabi à Google Sheets avec Zapier ?",
  "Des idées de stories pour présenter mon offre ?",
  "Combien d'étapes dans un tunnel de vente ?",
  "Comment choisir mes hashtags ?",
];

/** Ingests knowledge/demo into the demo tenant; returns its chunk count. */
export async function ingestDemoKnowledge(admin: postgres.Sql, dbUrl: string): Promise<number> {
  const ingest = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      join(root, "scripts/ingest.ts"),
      "--company",
      COMPANY,
      join(root, "knowledge/demo"),
    ],
    env: { SUPABASE_DB_URL: dbUrl },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!ingest.success) {
    throw new Error(
      `bench: ingesting the demo knowledge base failed:\n${new TextDecoder().decode(ingest.stderr)}`,
    );
  }
  const [{ documents }] =
    await admin`select count(*)::int as documents from public.documents where company_id = ${COMPANY}`;
  return documents;
}

/** The demo tenant's limits that exist in this schema, raised out of the way; call the result to restore them. */
export async function liftLimits(admin: postgres.Sql): Promise<() => Promise<void>> {
  const columns = [
    "rate_limit_messages",
    "visitor_turns_per_minute",
    "address_turns_per_minute",
    "company_turns_per_minute",
    "company_tokens_per_day",
  ];
  const present = (await admin`
    select column_name::text from information_schema.columns
    where table_schema = 'public' and table_name = 'company_rag_configs' and column_name = any(${columns})`)
    .map((r) => r.column_name as string);
  const [saved] = await admin`select ${
    admin(present)
  } from public.company_rag_configs where company_id = ${COMPANY}`;
  await admin`update public.company_rag_configs set ${
    admin(Object.fromEntries(present.map((c) => [c, 1_000_000_000])))
  } where company_id = ${COMPANY}`;
  return async () => {
    await admin`update public.company_rag_configs set ${
      admin(saved, ...present)
    } where company_id = ${COMPANY}`;
  };
}

/** The CPU (ms) of the cluster `admin` is connected to: every process of its postmaster. */
export async function clusterCpu(admin: postgres.Sql): Promise<() => number> {
  const [{ data_directory }] = await admin`select current_setting('data_directory') as data_directory`;
  return postgresCpu(Number((await Deno.readTextFile(`${data_directory}/postmaster.pid`)).split("\n")[0]));
}
