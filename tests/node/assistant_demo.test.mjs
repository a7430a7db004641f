// `npm run demo:assistant` against the test stack, through supabase-js only: the owner's five
// questions answered with the seed's figures, an invoice added through the Data API, the next
// answer seeing it (the cache invalidated by trigger).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { skip, url } from "./support.mjs";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);

test("demo:assistant answers the five questions and sees a new invoice at once", { skip }, async () => {
  const { stdout } = await run(process.execPath, [join(root, "scripts/demo_assistant.mjs")], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, SUPABASE_URL: url },
  });
  assert.match(stdout, /^Vous avez 40 clients\./m);
  assert.match(stdout, /^Vous avez 7 tâches urgentes : /m);
  assert.match(stdout, /^Jean Dupont : jean\.dupont@exemple\.fr/m);
  assert.match(stdout, /^Cette semaine, vous avez 5 rendez-vous : /m);
  // Before the new invoice: the seed's figures (plus the invoices earlier runs of the demo added).
  const unpaid = [
    ...stdout.matchAll(/^Vous avez (\d+) factures impayées, pour un total de ([\d ]+,\d\d) €/gm),
  ];
  assert.equal(unpaid.length, 3);
  const euros = (s) => Number(s.replace(/ /g, "").replace(",", "."));
  assert.equal(
    Number(unpaid[2][1]),
    Number(unpaid[1][1]) + 1,
    "one more unpaid invoice right after the insert",
  );
  assert.equal(
    Math.round((euros(unpaid[2][2]) - euros(unpaid[1][2])) * 100),
    123456,
    "its 1 234,56 € in the total",
  );
  assert.match(stdout, /^ {2}\[sections billing; cached none; model offline\]$/m);
  assert.match(stdout, /^conversations: \d+ /m);
});
