// `npm run tenant`: a company of one's own (owner, agents, documents) added to a running stack
// through the API only; run twice, it updates and re-ingests nothing that did not change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { main } from "../../scripts/tenant.mjs";
import { signedIn, skip, sql, url } from "./support.mjs";

function capture() {
  const out = { stdout: "", stderr: "" };
  return [out, (text) => void (out.stdout += text), (text) => void (out.stderr += text)];
}

test(
  "npm run tenant adds a company, its owner, agents and documents; a second run changes nothing",
  { skip },
  async () => {
    const suffix = randomUUID().slice(0, 8);
    const slug = `boutique-${suffix}`;
    const email = `lina-${suffix}@tenant.test`;
    const docs = mkdtempSync(join(tmpdir(), "comptoir-tenant-"));
    mkdirSync(join(docs, "faq"));
    writeFileSync(
      join(docs, "faq", "livraison.md"),
      "# Livraison\n\nLa livraison à Dakar coûte 2 000 FCFA et prend 24 h.",
    );
    writeFileSync(join(docs, "tailles.txt"), "Les robes vont du 36 au 48.");
    const args = [
      "--slug",
      slug,
      "--name",
      "Boutique Lina",
      "--owner",
      email,
      "--password",
      "lina-mot-de-passe",
      "--agent",
      "lina-mode:Lina:robe,taille,livraison",
      "--docs",
      docs,
      "--docs-agent",
      "lina-mode",
    ];
    try {
      const [first, out, err] = capture();
      assert.equal(await main(args, out, err), 0, first.stderr);
      assert.match(
        first.stdout,
        new RegExp(
          `^stack: ${
            url.replaceAll(".", "\\.")
          } \\(SUPABASE_URL\\)\\ncompany ${slug} \\([0-9a-f-]{36}\\): "Boutique Lina"\\nowner ${email} \\(new; password: lina-mot-de-passe\\)\\nagents: lina-mode\\ndocuments: 2 file\\(s\\), chunks 2 new, 0 unchanged, 0 replaced\\n$`,
        ),
      );
      assert.deepEqual(
        sql(
          `select d.source || ':' || d.agent_owner from public.documents d where d.company_id = '${slug}' order by 1`,
        ),
        ["faq/livraison.md:lina-mode", "tailles.txt:lina-mode"],
      );
      // The owner signs in as the README says and finds the company's agents through PostgREST.
      const owner = await signedIn(email, "lina-mot-de-passe");
      assert.deepEqual((await owner.from("agents").select("slug, keywords")).data, [{
        slug: "lina-mode",
        keywords: ["robe", "taille", "livraison"],
      }]);

      const [second, out2, err2] = capture();
      assert.equal(await main(args, out2, err2), 0, second.stderr);
      assert.match(
        second.stdout,
        /owner .* \(existing\)\nagents: lina-mode\ndocuments: 2 file\(s\), chunks 0 new, 2 unchanged, 0 replaced/,
      );

      // A catalog given to npm run tenant: uploaded to the catalogs bucket, imported in one go.
      const products = new URL("../../examples/catalog/products.csv", import.meta.url).pathname;
      const [third, out3, err3] = capture();
      assert.equal(await main([...args, "--catalog", products], out3, err3), 0, third.stderr);
      assert.match(third.stdout, /\ncatalog: products [1-9]\d* created, 0 updated, 0 unchanged; zones 0 created/);
      assert.ok(
        Number(sql(`select count(*) from public.products p join public.companies c on c.id = p.company_id
          where c.slug = '${slug}'`)[0]) > 0,
      );
    } finally {
      rmSync(docs, { recursive: true, force: true });
      sql(
        `delete from public.companies where slug = '${slug}'; delete from auth.users where email = '${email}'`,
      );
    }
  },
);

test(
  "npm run tenant: usage errors exit 2, a docs agent the company lacks is refused by ingest",
  { skip },
  async () => {
    const [usage, out, err] = capture();
    assert.equal(await main(["--slug", "Pas Bon", "--name", "x", "--owner", "x@y.test"], out, err), 2);
    assert.match(usage.stderr, /^tenant: --slug must be kebab-case, got "Pas Bon"\nusage: npm run tenant/);
    const [help, hout, herr] = capture();
    assert.equal(await main(["--help"], hout, herr), 0);
    assert.match(help.stdout, /--agent <spec> +an agent, repeatable/);

    const suffix = randomUUID().slice(0, 8);
    const docs = mkdtempSync(join(tmpdir(), "comptoir-tenant-"));
    writeFileSync(join(docs, "a.md"), "# A\n\nTexte.");
    try {
      const [typo, tout, terr] = capture();
      const code = await main(
        [
          "--slug",
          `typo-${suffix}`,
          "--name",
          "Typo",
          "--owner",
          `t-${suffix}@tenant.test`,
          "--docs",
          docs,
          "--docs-agent",
          "nobody",
        ],
        tout,
        terr,
      );
      assert.equal(code, 1);
      assert.match(
        typo.stderr,
        /^tenant: ingest: document 0 is for agent "nobody", which typo-\w+ does not have; its agents: none yet/,
      );
    } finally {
      rmSync(docs, { recursive: true, force: true });
      sql(
        `delete from public.companies where slug = 'typo-${suffix}'; delete from auth.users where email = 't-${suffix}@tenant.test'`,
      );
    }
  },
);
