/**
 * `npm run token -- <email or user id> [expiry]`: prints a user's JWT as the local Auth
 * stand-in issues it at sign-in (ES256, signed with the stack's signing key in .local/).
 * Needs `npm start` running (it looks the user up in auth.users).
 */
import postgres from "postgres";
import { loadPlatformKeys } from "./local/platform_keys.ts";

const [who, expiresIn = "1h"] = Deno.args;
if (!who) {
  console.error("usage: npm run token -- <email or user id> [expiry, e.g. 1h]");
  Deno.exit(2);
}
const sql = postgres(Deno.env.get("SUPABASE_DB_URL")!, { max: 1, onnotice: () => {} });
try {
  const isUuid = /^[0-9a-f-]{36}$/i.test(who);
  const rows = await sql`select id::text, email from auth.users where ${
    isUuid ? sql`id = ${who}::uuid` : sql`email = ${who}`
  }`;
  if (rows.length === 0) {
    console.error(
      `token: no user ${who} in auth.users (is the seed applied? try owner@agence-des-copines.test)`,
    );
    Deno.exit(1);
  }
  const keys = await loadPlatformKeys();
  const duration = /^(\d+)([smhd]?)$/.exec(expiresIn);
  if (!duration) throw new Error(`expiry ${expiresIn} is not a duration such as 3600, 30m, 1h or 7d`);
  const seconds = Number(duration[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[duration[2]]!;
  const token = await keys.sign({
    sub: rows[0].id,
    email: rows[0].email,
    role: "authenticated",
    aud: "authenticated",
  }, seconds);
  console.log(token);
} catch (error) {
  console.error(
    `token: cannot reach the local database (${(error as Error).message}); run \`npm start\` first`,
  );
  Deno.exit(1);
} finally {
  await sql.end();
}
