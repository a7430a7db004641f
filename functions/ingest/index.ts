import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createJwtVerifier } from "../_shared/jwt.ts";
import { createProviders, readProviderConfig } from "../_shared/providers/index.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
Deno.serve(createHandler({
  db: createDb(env.dbUrl, { max: env.dbPoolMax }),
  verify: createJwtVerifier({ secret: env.jwtSecret, jwksUrl: env.jwksUrl }),
  embedder: createProviders(readProviderConfig(env.raw)).embedder,
}));
