// `npm run demo:botlive` against the test stack, through supabase-js only: the live opened, the
// orders taken (one after a size correction, one after an underpayment), the last kimono to
// exactly one of two racing customers, the dashboard and the live closed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { skip, url } from "./support.mjs";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);

test("demo:botlive plays a live sale through supabase-js", { skip }, async () => {
  const { stdout } = await run(process.execPath, [join(root, "scripts/demo_botlive.mjs")], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, SUPABASE_URL: url },
  });
  assert.match(stdout, /^live: enabled \(session [0-9a-f-]{36}\)$/m);
  assert.match(stdout, /Robe wax \(M, rouge\)/, "Fatou's size corrected to M");
  assert.match(
    stdout,
    /bot > Merci ! Votre commande CMD-\d{4} est enregistrée ✅ Robe wax \(M, rouge\), livraison Parcelles Assainies : total 17 000 FCFA/,
  );
  assert.match(
    stdout,
    /bot > Montant insuffisant : 20 000 FCFA envoyé, 27 500 FCFA requis\. Il manque 7 500 FCFA\./,
  );
  assert.match(stdout, /Chemise homme wax \(XL\) × 2, livraison Pikine : total 27 500 FCFA/);
  assert.match(stdout, /Preuve de paiement reçue \(17 000 FCFA\) : la boutique la vérifie/, "a proof is a claim");
  assert.match(stdout, /^owner confirms Fatou's proof: CMD-\d{4} payment paid$/m);
  assert.match(stdout, /^race: 1 order, 1 told sold out$/m);
  assert.match(stdout, /vous sera remboursé par la boutique/, "the sold-out racer's payment is owed back");
  assert.match(stdout, /^ {2}proofs to verify: [1-9]\d* \(\d+ FCFA\)$/m);
  // The racer who lost paid 13 500 FCFA: owed back once the shop has seen her transfer arrive.
  assert.match(stdout, /^ {2}money owed back: \d+ FCFA owed, [1-9]\d* FCFA once its proof is checked$/m);
  assert.match(stdout, /à l'instant · Rupture de stock : Kimono imprimé/);
  assert.match(stdout, /^ {2}today: \{"orders":\d+,/m);
  assert.match(stdout, /^ {2}realtime events received during the sale: [1-9]\d*$/m);
  assert.match(stdout, /^live: disabled \(session [0-9a-f-]{36}, ended /m);
});
