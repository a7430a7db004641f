// The local stack's JWT signing key, as a project created today has one (ES256, with a `kid`).
// `node keys.mjs ensure <file>` creates the private JWK in <file> unless it exists (one per
// data directory: `.local/` for npm start, the throw-away folder for tests and benchmarks);
// `node keys.mjs jwks <file> [legacy-secret]` prints the JWKS the functions get as SUPABASE_JWKS:
// the public key, plus the legacy HS256 secret as an `oct` key without `kid` when given (which
// is how the Supabase CLI hands a project's legacy secret to its functions).
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const [command, file, legacySecret] = process.argv.slice(2);

if (command === "ensure") {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "ES256", use: "sig" };
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  }
} else if (command === "jwks") {
  const { d: _private, ...publicKey } = JSON.parse(readFileSync(file, "utf8"));
  const keys = [{ ...publicKey, key_ops: ["verify"] }];
  if (legacySecret) keys.push({ kty: "oct", k: Buffer.from(legacySecret).toString("base64url") });
  process.stdout.write(JSON.stringify({ keys }));
} else {
  console.error("usage: node scripts/local/keys.mjs ensure|jwks <file> [legacy-secret]");
  process.exit(2);
}
