import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { describeProviders, readProviderConfig } from "../_shared/providers/config.ts";
import { SCHEMA_VERSION, VERSION } from "../_shared/version.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
Deno.serve(createHandler({
  sql: createDb(env.dbUrl, { max: 1 }).sql,
  providers: describeProviders(readProviderConfig(env.raw)),
  version: VERSION,
  schemaVersion: SCHEMA_VERSION,
}));
