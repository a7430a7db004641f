// Catalogs from files, as a shop's app does it: an admin uploads a CSV to the `catalogs` bucket
// (the stack's Storage, RLS deciding), previews it (`dry_run`), imports it through
// `orders/catalog` (checked row by row by the reader of `npm run catalog`, applied in one
// transaction), and imports it again with nothing to change; a file with errors changes nothing
// and says where each is; a member can neither upload nor import.
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { CatalogImportResponse, ErrorBody } from "../../types/api.ts";
import { createDb } from "../../functions/_shared/db.ts";
import { mintJwt, stack } from "../support/stack.ts";
import { createTestTenant, type TestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

async function appOf(userId: string) {
  const token = await mintJwt({ sub: userId, role: "authenticated" });
  return createClient(stack.apiUrl, stack.publishableKey, { accessToken: () => Promise.resolve(token) });
}

const CSV = "nom;prix;stock;variantes;alias\n" +
  "Robe wax;15 000;20;taille=S|M|L;robe|robe pagne\n" +
  "Boubou brodé;25000;;couleur=blanc|bleu;boubou\n";

async function products(tenant: TestTenant) {
  const db = createDb(stack.dbUrl, { max: 1 });
  try {
    const rows = await db.sql<{ name: string; price: number; stock: number | null }[]>`
      select name, price, stock from public.products where company_id = ${tenant.id} order by name`;
    return rows.map((row) => ({ ...row }));
  } finally {
    await db.end();
  }
}

Deno.test({
  name:
    "catalog files: an admin's CSV in the catalogs bucket is previewed, imported in one transaction, then unchanged; errors name their line and change nothing; a member is refused",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-catalog");
    try {
      const admin = await appOf(tenant.users.admin);
      const upload = (name: string, text: string) =>
        admin.storage.from("catalogs").upload(`${tenant.id}/${name}`, new Blob([text], { type: "text/csv" }), {
          upsert: true,
        });
      assert.equal((await upload("catalogue.csv", CSV)).error, null);

      const run = async (path: string, dry_run = false) => {
        const { data, error } = await admin.functions.invoke("orders/catalog", {
          body: { company_id: tenant.slug, path: `${tenant.id}/${path}`, dry_run },
        });
        if (error instanceof FunctionsHttpError) {
          return { status: error.context.status as number, body: await error.context.json() };
        }
        assert.equal(error, null);
        return { status: 200, body: data };
      };

      const preview = await run("catalogue.csv", true);
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      const planned = CatalogImportResponse.parse(preview.body);
      assert.deepEqual([planned.products.created, planned.dry_run], [2, true]);
      assert.deepEqual(await products(tenant), [], "a preview writes nothing");

      const done = CatalogImportResponse.parse((await run("catalogue.csv")).body);
      assert.deepEqual(done.products.changes, ["+ Robe wax", "+ Boubou brodé"]);
      assert.deepEqual(await products(tenant), [
        { name: "Boubou brodé", price: 25000, stock: null },
        { name: "Robe wax", price: 15000, stock: 20 },
      ]);
      const again = CatalogImportResponse.parse((await run("catalogue.csv")).body);
      assert.deepEqual([again.products.created, again.products.updated, again.products.unchanged], [0, 0, 2]);

      // One bad row: nothing of the file is applied, each error says its line.
      await upload("prix.csv", "nom;prix\nRobe wax;16 000\nJupe;12,5\nPagne;-3\n");
      const bad = await run("prix.csv");
      assert.equal(bad.status, 400);
      const error = ErrorBody.parse(bad.body).error;
      assert.match(error.message, /2 errors, nothing imported/);
      assert.deepEqual((error.details as string[]).map((d) => d.split(":")[0]), ["line 3", "line 4"]);
      assert.equal((await products(tenant)).find((p) => p.name === "Robe wax")!.price, 15000, "not even the good row");

      // A member: the upload and the import are refused.
      const member = await appOf(tenant.users.member);
      const refused = await member.storage.from("catalogs").upload(`${tenant.id}/membre.csv`,
        new Blob([CSV], { type: "text/csv" }));
      assert.ok(refused.error);
      const { error: importError } = await member.functions.invoke("orders/catalog", {
        body: { company_id: tenant.slug, path: `${tenant.id}/catalogue.csv` },
      });
      assert.ok(importError instanceof FunctionsHttpError);
      assert.ok([403, 404].includes(importError.context.status), String(importError.context.status));
    } finally {
      await tenant.drop();
    }
  },
});
