/**
 * `npm run token -- <email or user id> [expiry]`: prints a user's JWT signed with the local
 * JWT secret, as GoTrue would issue it at sign-in (the local stack has no Auth server).
 * Needs `npm start` running (it looks the user up in auth.users).
 */
import postgres from "postgres";
import * as jose from "jose";

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
  const token = await new jose.SignJWT({
    sub: rows[0].id,
    email: rows[0].email,
    role: "authenticated",
    aud: "authenticated",
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(Deno.env.get("SUPABASE_JWT_SECRET")!));
  console.log(token);
} catch (error) {
  console.error(
    `token: cannot reach the local database (${(error as Error).message}); run \`npm start\` first`,
  );
  Deno.exit(1);
} finally {
  await sql.end();
}
