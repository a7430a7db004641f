// `npm run catalog`: a shop's products and zones imported from a CSV or JSON file through the
// API (signed in as an owner or admin, RLS deciding), idempotent by name; a file with errors is
// refused line by line and writes nothing; a live cannot open without a product and a zone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../scripts/catalog.mjs";
import { createTenant, PASSWORD, signedIn, skip, sql, url } from "./support.mjs";

function capture() {
  const out = { stdout: "", stderr: "" };
  return [out, (text) => void (out.stdout += text), (text) => void (out.stderr += text)];
}

async function catalog(args) {
  const [result, out, err] = capture();
  result.code = await main(args, out, err);
  return result;
}

const PRODUCTS_CSV = `nom,prix,variantes,stock,alias,actif,description
Robe wax,15000,taille=S|M|L;couleur=rouge|bleu,20,robe|robe en wax,oui,"Robe longue, coupe évasée"
Boubou brodé,35 000 FCFA,,8,boubou,,
Pagne tissé,7500,,,pagne|pagnes,non,
`;

const ZONES_CSV = `name;fee;aliases
Pikine;2500;pikine|pik
Dakar Plateau;1 500;plateau|centre-ville
`;

test(
  "npm run catalog imports a fresh shop's products and zones; a dry run and a second run write nothing; an edit is one update",
  { skip },
  async () => {
    const shop = createTenant("catalog");
    const dir = mkdtempSync(join(tmpdir(), "comptoir-catalog-"));
    const products = join(dir, "products.csv");
    const zones = join(dir, "zones.csv");
    writeFileSync(products, PRODUCTS_CSV);
    writeFileSync(zones, ZONES_CSV);
    const as = ["--company", shop.slug, "--owner", shop.people.admin.email, "--password", PASSWORD];
    try {
      // Products only: the live cannot open yet, and says why.
      const first = await catalog([...as, "--file", products]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(
        first.stdout,
        `stack: ${url} (SUPABASE_URL)\ncompany ${shop.slug} (${shop.id}) as ${shop.people.admin.email} (admin)\n` +
          "products (products.csv): 3 created, 0 updated, 0 unchanged\n" +
          "  + Robe wax\n  + Boubou brodé\n  + Pagne tissé\n",
      );
      assert.deepEqual(
        sql(
          `select name || ' ' || price || ' ' || coalesce(stock::text, 'unlimited') || ' ' || variants::text || ' ' ||
          array_to_string(aliases, '|') || ' ' || is_active || ' ' || coalesce(description, '-')
          from public.products where company_id = '${shop.id}' order by name`,
        ),
        [
          "Boubou brodé 35000 8 {} boubou true -",
          "Pagne tissé 7500 unlimited {} pagne|pagnes false -",
          `Robe wax 15000 20 {"taille": ["S", "M", "L"], "couleur": ["rouge", "bleu"]} robe|robe en wax true Robe longue, coupe évasée`,
        ],
      );
      const owner = await signedIn(shop.people.owner.email);
      const refused = await owner.functions.invoke("toggle-live-mode", {
        body: { company_id: shop.slug, enable: true },
      });
      assert.equal(refused.error?.context?.status, 400);
      assert.deepEqual((await refused.error.context.json()).error, {
        code: "invalid_request",
        message:
          `toggle-live-mode: cannot open the live of ${shop.slug}: no active delivery zone (impossible d'ouvrir le live : aucune zone de livraison active)`,
        details: { sqlstate: "22023" },
      });
      assert.deepEqual(sql(`select count(*) from public.bot_sessions where company_id = '${shop.id}'`), [
        "0",
      ]);

      // The zones (semicolon-separated, « 1 500 » is 1500 francs), then the live opens.
      const dry = await catalog([...as, "--zones", zones, "--dry-run"]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(
        dry.stdout,
        /^stack: .*\ndry run: nothing written\ncompany .*\nzones \(zones\.csv\): 2 to create, 0 to update, 0 unchanged\n/,
      );
      assert.deepEqual(sql(`select count(*) from public.delivery_zones where company_id = '${shop.id}'`), [
        "0",
      ]);
      const withZones = await catalog([...as, "--file", products, "--zones", zones]);
      assert.equal(withZones.code, 0, withZones.stderr);
      assert.match(
        withZones.stdout,
        /\nproducts \(products\.csv\): 0 created, 0 updated, 3 unchanged\nzones \(zones\.csv\): 2 created, 0 updated, 0 unchanged\n {2}\+ Pikine\n {2}\+ Dakar Plateau\n$/,
      );
      assert.deepEqual(
        sql(`select name || ' ' || fee || ' ' || array_to_string(aliases, '|') from public.delivery_zones
          where company_id = '${shop.id}' order by name`),
        ["Dakar Plateau 1500 plateau|centre-ville", "Pikine 2500 pikine|pik"],
      );
      const opened = await owner.functions.invoke("toggle-live-mode", {
        body: { company_id: shop.slug, enable: true },
      });
      assert.equal(opened.error, null);
      assert.equal(opened.data.status, "enabled");
      await owner.functions.invoke("toggle-live-mode", { body: { company_id: shop.slug, enable: false } });

      // Run again: nothing changes. One price and one stock edited: one update, named.
      const again = await catalog([...as, "--file", products, "--zones", zones]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(
        again.stdout,
        /products \(products\.csv\): 0 created, 0 updated, 3 unchanged\nzones \(zones\.csv\): 0 created, 0 updated, 2 unchanged\n$/,
      );
      const before = sql(
        `select id::text || updated_at from public.products where company_id = '${shop.id}' order by name`,
      );
      writeFileSync(products, PRODUCTS_CSV.replace("Boubou brodé,35 000 FCFA,,8", "Boubou brodé,36000,,"));
      const edited = await catalog([...as, "--file", products]);
      assert.equal(edited.code, 0, edited.stderr);
      assert.match(
        edited.stdout,
        /products \(products\.csv\): 0 created, 1 updated, 2 unchanged\n {2}~ Boubou brodé: price, stock\n$/,
      );
      assert.deepEqual(
        sql(
          `select price || ' ' || coalesce(stock::text, 'unlimited') from public.products where company_id = '${shop.id}' and name = 'Boubou brodé'`,
        ),
        ["36000 unlimited"],
      );
      const after = sql(
        `select id::text || updated_at from public.products where company_id = '${shop.id}' order by name`,
      );
      assert.notEqual(after[0], before[0], "the edited row was updated");
      assert.deepEqual(after.slice(1), before.slice(1), "the others were not touched");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      shop.drop();
    }
  },
);

test(
  "npm run catalog: a file with errors is refused by line and writes nothing; a member is refused; usage exits 2",
  { skip },
  async () => {
    const shop = createTenant("catalog");
    const dir = mkdtempSync(join(tmpdir(), "comptoir-catalog-"));
    const bad = join(dir, "bad.csv");
    writeFileSync(
      bad,
      [
        "name,price,variants,stock,aliases,active",
        "Bon produit,5000,,,,",
        "Robe virgule,15 000,50,,,,",
        `"Robe décimale","15 000,50",,,,`,
        "Robe négative,-9000,,,,",
        "Robe demi,12.5,,,,",
        "Robe variante,9000,taille:S,,,",
        "Robe stock,9000,,-1,,",
        "Robe active,9000,,,,peut-être",
        ",9000,,,,",
        "Bon produit,6000,,,,",
      ].join("\n"),
    );
    const as = ["--company", shop.slug, "--owner", shop.people.owner.email, "--password", PASSWORD];
    try {
      const refused = await catalog([...as, "--file", bad]);
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, "");
      assert.equal(
        refused.stderr,
        "catalog: bad.csv: 9 errors, nothing written\n" +
          "  line 3: 7 fields, the header has 6\n" +
          "  line 4: price « 15 000,50 » is not a whole number of francs (XOF has no cents: write 15000 or 15 000)\n" +
          "  line 5: price « -9000 » is negative\n" +
          "  line 6: price « 12.5 » is not a whole number of francs (XOF has no cents: write 15000 or 15 000)\n" +
          "  line 7: variants « taille:S »: write option=value|value;option=value (taille=S|M|L;couleur=rouge|bleu)\n" +
          "  line 8: stock « -1 » is not a whole number ≥ 0 (empty: unlimited)\n" +
          "  line 9: active « peut-être » is not yes/no (oui/non, true/false, 1/0)\n" +
          "  line 10: name is empty\n" +
          "  line 11: « Bon produit » is already on line 2\n",
      );
      assert.deepEqual(sql(`select count(*) from public.products where company_id = '${shop.id}'`), ["0"]);

      // JSON: the same rules, each item named with its line.
      const json = join(dir, "bad.json");
      writeFileSync(
        json,
        JSON.stringify(
          {
            products: [{ name: "Sac", price: 18000 }, { name: "Sac cher", price: 18000.5 }],
            zones: [{ name: "Pikine", fee: -1 }],
          },
          null,
          2,
        ),
      );
      const jsonRefused = await catalog([...as, "--file", json]);
      assert.equal(jsonRefused.code, 1);
      assert.match(
        jsonRefused.stderr,
        /^catalog: bad\.json: 2 errors, nothing written\n {2}products\[2\] \(line 7\): price « 18000\.5 » is not a whole number of francs/,
      );
      assert.match(jsonRefused.stderr, /\n {2}zones\[1\] \(line 13\): fee « -1 » is negative\n$/);

      // A member reads the catalog but may not write it: refused before anything is written.
      const good = join(dir, "good.csv");
      writeFileSync(good, "name,price\nSac,18000\n");
      const member = await catalog([
        "--company",
        shop.slug,
        "--owner",
        shop.people.member.email,
        "--password",
        PASSWORD,
        "--file",
        good,
      ]);
      assert.equal(member.code, 1);
      assert.equal(
        member.stderr,
        `catalog: ${shop.people.member.email} is a member of ${shop.slug}, not an owner or admin\n`,
      );
      const stranger = await catalog([
        "--company",
        "no-such-shop",
        "--owner",
        shop.people.owner.email,
        "--password",
        PASSWORD,
        "--file",
        good,
      ]);
      assert.equal(stranger.code, 1);
      assert.equal(
        stranger.stderr,
        `catalog: ${shop.people.owner.email} is not a member of a company no-such-shop\n`,
      );

      // Usage: exit 2 with the usage; --help exits 0; the command runs as npm runs it.
      const usage = await catalog(["--company", shop.slug, "--owner", "x@y.test", "--password", "x"]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /^catalog: --file or --zones is required\nusage: npm run catalog/);
      const help = await catalog(["--help"]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /--zones <file> +/);
      const child = await promisify(execFile)(process.execPath, ["scripts/catalog.mjs", ...as, "--file", bad])
        .then(() => ({ code: 0 }), (error) => error);
      assert.equal(child.code, 1);
      assert.match(child.stderr, /(^|\n)catalog: bad\.csv: 9 errors, nothing written\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      shop.drop();
    }
  },
);

test(
  "npm run catalog: the example files import as they are (one JSON holding both, and the CSVs)",
  { skip },
  async () => {
    const shop = createTenant("catalog");
    const as = ["--company", shop.id, "--owner", shop.people.owner.email, "--password", PASSWORD];
    try {
      const json = await catalog([...as, "--file", "examples/catalog/catalog.json"]);
      assert.equal(json.code, 0, json.stderr);
      assert.match(json.stdout, /\nproducts \(catalog\.json\): \d+ created, 0 updated, 0 unchanged\n/);
      assert.match(json.stdout, /\nzones \(catalog\.json\): \d+ created, 0 updated, 0 unchanged\n/);
      const csv = await catalog([
        ...as,
        "--file",
        "examples/catalog/products.csv",
        "--zones",
        "examples/catalog/zones.csv",
      ]);
      assert.equal(csv.code, 0, csv.stderr);
      assert.match(
        csv.stdout,
        /\nproducts \(products\.csv\): 0 created, 0 updated, \d+ unchanged\nzones \(zones\.csv\): 0 created, 0 updated, \d+ unchanged\n$/,
      );
    } finally {
      shop.drop();
    }
  },
);
