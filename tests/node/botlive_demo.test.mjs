// `npm run demo:botlive` against the test stack, through supabase-js only: the live opened, the
// orders taken (one after a size correction, one after an underpayment), the last kimono to
// exactly one of two racing customers, the dashboard; then a cart of two articles paid on the
// stack's stand-in Wave, a hold running out to the next in line, change owed; the live closed.
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
  // (1) Two articles, one Wave link for Σ price × quantity + fee, paid by Wave's signed webhook.
  assert.match(
    stdout,
    /Payez 35 500 FCFA par Wave avec ce lien : http:\/\/127\.0\.0\.1:\d+\/_local\/payments\/pay\/wave\/cos-\w+ — vos articles sont réservés jusqu'à \d\dh\d\d\./,
  );
  assert.match(stdout, /^ {2}Sokhna pays 35500 FCFA on Wave: webhook 200 applied$/m);
  assert.match(
    stdout,
    /^ {2}order CMD-\d{4}: Robe wax \(M, rouge\) 15000 FCFA \+ Sac en cuir \(noir\) 18000 FCFA, total 35500 FCFA, payment paid \(intent paid\)$/m,
  );
  assert.match(stdout, /bot > Paiement de 35 500 FCFA reçu ✅ Votre commande CMD-\d{4} est confirmée/);
  // (2) The kimono held for the first in line, the next one waitlisted, the hold run out to her.
  assert.match(stdout, /^ {2}kimono held for: binta$/m);
  assert.match(stdout, /Désolée, Kimono imprimé est épuisé : vous êtes n° 1 sur la liste d'attente/);
  // The clock ran (by the demo, or by another suite's run of the same clock at that moment: it
  // serves every company): what counts is who holds the kimono after it.
  assert.match(stdout, /^ {2}Binta's hold ends: botlive_expire_holds\(\) \{/m);
  assert.match(stdout, /^ {2}kimono held for: khady$/m);
  assert.match(stdout, /bot > Khady: Bonne nouvelle : Kimono imprimé est de nouveau disponible/);
  // (3) 20 000 FCFA sent for 14 000: 6 000 owed back as change.
  assert.match(stdout, /Vous avez envoyé 6 000 FCFA de plus que le total : la boutique vous les rendra\./);
  assert.match(stdout, /^ {2}change owed: 6000 FCFA \(change, overpaid, to_verify\)$/m);
  assert.match(stdout, /^ {2}feed: Monnaie à rendre \(paiement à vérifier\) : Ndeye, 6 000 FCFA/m);
  assert.match(stdout, /^live: disabled \(session [0-9a-f-]{36}, ended /m);
});
