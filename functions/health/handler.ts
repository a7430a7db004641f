/**
 * `health`: is the database reachable, are the migrations applied, which providers are
 * configured (names and models, never a key). 200 `healthy`, or 503 `degraded` when the
 * database cannot be reached or is behind the functions' schema.
 */
import type { Sql } from "../_shared/db.ts";
import { json, serveJson } from "../_shared/http.ts";
import { withTimeout } from "../_shared/timeout.ts";
import type { HealthResponse } from "../../types/api.ts";

export interface HealthDeps {
  sql: Sql;
  providers: { embeddings: string; llm: string; rerank: string };
  version: string;
  schemaVersion: string;
  /** How long the database may take to answer before it counts as unreachable. */
  timeoutMs?: number;
}

export function createHandler(deps: HealthDeps) {
  return serveJson({ name: "health", methods: ["GET", "POST"] }, async function () {
    const [database, migrations] = await checkDatabase(deps);
    const healthy = database === "ok" && migrations.status === "ok";
    const body: HealthResponse = {
      status: healthy ? "healthy" : "degraded",
      services: { database, migrations, ...deps.providers },
      version: deps.version,
    };
    return json(healthy ? 200 : 503, body);
  });
}

async function checkDatabase(deps: HealthDeps): Promise<[
  HealthResponse["services"]["database"],
  HealthResponse["services"]["migrations"],
]> {
  try {
    const rows = await withTimeout("health", deps.timeoutMs ?? 3000, () =>
      deps.sql`select
          to_regclass('supabase_migrations.schema_migrations') is not null as tracked,
          (select count(*)::int from supabase_migrations.schema_migrations) as applied,
          (select max(version) from supabase_migrations.schema_migrations) as latest`
        .catch(async (error) => {
          // The bookkeeping table is absent on a database nobody migrated yet.
          if ((error as { code?: string }).code !== "42P01") throw error;
          await deps.sql`select 1`;
          return [{ tracked: false, applied: 0, latest: null }];
        }));
    const { applied, latest } = rows[0] as { applied: number; latest: string | null };
    const status = latest !== null && latest >= deps.schemaVersion ? "ok" : "behind";
    return ["ok", { status, applied, latest, expected: deps.schemaVersion }];
  } catch {
    return ["unreachable", { status: "unknown", applied: null, latest: null, expected: deps.schemaVersion }];
  }
}
