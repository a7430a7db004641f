import { createAuthenticator } from "../_shared/auth.ts";
import { createDb } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { paymentsConfigFromEnv } from "../_shared/payments/config.ts";
import { createPaymentService } from "../_shared/payments/service.ts";
import { createHandler } from "./handler.ts";

const env = loadEnv();
const db = createDb(env.dbUrl, { max: env.dbPoolMax });

Deno.serve(createHandler({
  db,
  auth: createAuthenticator({ url: env.supabaseUrl, ...env.auth }),
  payments: createPaymentService(db, paymentsConfigFromEnv(env)),
}));
