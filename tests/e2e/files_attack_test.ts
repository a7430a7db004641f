// An attacker's pass over the Storage work (issue 24): each test here states what must hold and
// failed on the code it was written against.
import assert from "node:assert/strict";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { createDb } from "../../functions/_shared/db.ts";
import { mintJwt, stack } from "../support/stack.ts";
import { proofs } from "../fixtures/botlive/back_office.ts";
import { createTestShop } from "../fixtures/botlive/shop.ts";
import { createTestTenant } from "../fixtures/knowledge/tenant.ts";

const ignore = !stack.available;

function png(seed: string): Uint8Array {
  const base = Uint8Array.from(atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  ), (c) => c.charCodeAt(0));
  const extra = new TextEncoder().encode(seed);
  const out = new Uint8Array(base.length + extra.length);
  out.set(base);
  out.set(extra, base.length);
  return out;
}
const dataUrl = (bytes: Uint8Array) => `data:image/png;base64,${btoa(String.fromCharCode(...bytes))}`;
const sha256 = async (bytes: Uint8Array) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

Deno.test({
  name:
    "files attack: a customer's screenshot never replaces another customer's proof (an over-limit claim quoting the other's reference)",
  ignore,
  async fn() {
    // What the vision model reads from each image, in order: the victim's genuine receipt, the
    // attacker's small first claim, then the attacker's image quoting the victim's reference with
    // an amount that puts the attacker's conversation over the limit (no payment row of its own).
    const reads = [
      { amount: 20500, method: "wave" as const, reference: "TXNVICTIM1" },
      { amount: 1000, method: "wave" as const, reference: "TXNATTACK1" },
      { amount: 100_000_000, method: "wave" as const, reference: "TXNVICTIM1" },
    ];
    const shop = await createTestShop(stack.dbUrl, {
      knowledge: false,
      proofs,
      readProof: () => Promise.resolve(reads.shift()!),
    });
    try {
      const victim = `wa-v-${crypto.randomUUID().slice(0, 8)}`;
      const attacker = `wa-a-${crypto.randomUUID().slice(0, 8)}`;
      const genuine = png("reçu de la victime");
      await shop.say(victim, "je veux le sac en cuir noir");
      await shop.say(victim, "", { attachments: [{ type: "image", url: dataUrl(genuine) }], text: undefined });
      const [before] = await shop.db.sql<{ proof_sha256: string }[]>`
        select proof_sha256 from public.payments where company_id = ${shop.id} and reference = 'TXNVICTIM1' and status = 'to_verify'`;
      assert.equal(before?.proof_sha256, await sha256(genuine), "the victim's proof is linked");

      await shop.say(attacker, "", { attachments: [{ type: "image", url: dataUrl(png("attaquant 1")) }], text: undefined });
      await shop.say(attacker, "", { attachments: [{ type: "image", url: dataUrl(png("n'importe quoi")) }], text: undefined });

      const [after] = await shop.db.sql<{ proof_sha256: string; proof_path: string }[]>`
        select proof_sha256, proof_path from public.payments where company_id = ${shop.id} and reference = 'TXNVICTIM1' and status = 'to_verify'`;
      assert.equal(after.proof_sha256, await sha256(genuine), `the victim's proof was replaced by ${after.proof_path}`);
    } finally {
      await shop.drop();
    }
  },
});

Deno.test({
  name: "files attack: orders/catalog reads only the catalogs bucket (a `..` segment in path is refused, nothing imported)",
  ignore,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-catalog-dotdot");
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const token = await mintJwt({ sub: tenant.users.admin, role: "authenticated" });
      const admin = createClient(stack.apiUrl, stack.publishableKey, { accessToken: () => Promise.resolve(token) });
      // A CSV in the knowledge bucket (not a catalog): orders/catalog must not reach it.
      const csv = "nom;prix;stock\nArticle hors bucket;1000;1\n";
      const { error: uploadError } = await admin.storage.from("knowledge").upload(
        `${tenant.id}/shared/produits.csv`,
        new Blob([csv], { type: "text/csv" }),
        { upsert: true },
      );
      assert.equal(uploadError, null);
      const { error } = await admin.functions.invoke("orders/catalog", {
        body: { company_id: tenant.slug, path: `../knowledge/${tenant.id}/shared/produits.csv` },
      });
      const status = error instanceof FunctionsHttpError ? error.context.status : 200;
      await (error as FunctionsHttpError | null)?.context?.body?.cancel?.();
      const imported = await db.sql`select 1 from public.products where company_id = ${tenant.id} and name = 'Article hors bucket'`;
      assert.equal(imported.length, 0, "a file of the knowledge bucket was imported as a catalog");
      assert.ok(status === 400 || status === 404, `status ${status}`);
    } finally {
      await db.end();
      await tenant.drop();
    }
  },
});
