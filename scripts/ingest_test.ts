import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@supabase/supabase-js";
import { createDb } from "../functions/_shared/db.ts";
import { createOfflineEmbedder } from "../functions/_shared/providers/offline.ts";
import { INGEST_MAX_DOCUMENT_CHARS, SearchResponse } from "../types/api.ts";
import { asServer, stack } from "../tests/support/stack.ts";
import { scannedPdf, structuredDocx, textPdf } from "../tests/fixtures/knowledge/files.ts";
import { createTestTenant } from "../tests/fixtures/knowledge/tenant.ts";
import { type CliIo, main } from "./ingest.ts";

function io(): CliIo & { out: string; err: string } {
  const captured = {
    env: { SUPABASE_DB_URL: stack.dbUrl },
    embedder: createOfflineEmbedder(),
    isTerminal: false,
    out: "",
    err: "",
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  };
  return captured;
}

async function folder(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "comptoir-ingest-" });
  for (const [name, content] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(join(root, name), content);
    else await Deno.writeFile(join(root, name), content);
  }
  return root;
}

Deno.test("ingest CLI: usage errors exit 2 before touching anything", async () => {
  for (
    const args of [[], ["docs"], ["--company"], ["--company", "x", "--agent", "Not Valid", "docs"], [
      "--nope",
    ]]
  ) {
    const out = io();
    assert.equal(await main(args, out), 2, args.join(" "));
    assert.match(out.err, /^ingest: /);
  }
});

Deno.test("ingest CLI: --help prints the options and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const out = io();
    assert.equal(await main([flag], out), 0);
    assert.equal(out.err, "");
    assert.match(out.out, /^usage: npm run ingest -- --company <uuid or slug> \[--agent <slug>\]/);
    assert.match(
      out.out,
      /--agent <slug> +the agent the files are for: one of the company's agents, or\n +"shared"/,
    );
  }
});

Deno.test({
  name:
    "ingest CLI: an agent the company does not have is refused with the company's agents, nothing written",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
    const root = await folder({ "faq.md": "# FAQ\n\nLes horaires : 9 h - 18 h." });
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const out = io();
      assert.equal(await main(["--company", tenant.slug, "--agent", "audrye", root], out), 1);
      assert.match(
        out.err,
        new RegExp(
          `^ingest: .*faq\\.md is for agent "audrye", which ${tenant.slug} does not have; its agents: audrey, carole \\(or "shared" for all of them\\)$`,
          "m",
        ),
      );
      const [{ count }] = await db
        .sql`select count(*)::int from public.documents where company_id = ${tenant.slug}`;
      assert.equal(count, 0);
      const shared = io();
      assert.equal(await main(["--company", tenant.slug, "--agent", "shared", root], shared), 0, shared.err);
    } finally {
      await db.end();
      await tenant.drop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("ingest CLI: unsupported, empty, scanned, corrupt and oversize files are named, with the limit, and nothing is written", async () => {
  const root = await folder({
    "ok.md": "# Titre\n\nDu texte.",
    "vide.md": "  \n",
    "notes.doc": "DOC",
    "notes.pdf": "%PDF",
    "scan.pdf": await scannedPdf(2),
    "gros.txt": "x".repeat(INGEST_MAX_DOCUMENT_CHARS + 1),
  });
  try {
    const cases: [string[], RegExp][] = [
      [
        [join(root, "notes.doc")],
        /unsupported file type: .*notes\.doc \(expected \.pdf, \.docx, \.html, \.htm, \.md, \.markdown, \.txt or \.csv\)/,
      ],
      [[join(root, "ok.md"), join(root, "vide.md")], /empty file: .*vide\.md/],
      [[join(root, "notes.pdf")], /^ingest: .*notes\.pdf: not a PDF \(no %PDF- header\)$/m],
      [[join(root, "scan.pdf")], /^ingest: .*scan\.pdf: no text layer on any of its 2 pages \(a scan\?\)/m],
      [
        [join(root, "gros.txt")],
        new RegExp(
          `^ingest: .*gros\\.txt: its text is longer than the ${
            INGEST_MAX_DOCUMENT_CHARS.toLocaleString("en-US")
          } characters a document may hold`,
          "m",
        ),
      ],
      [[join(root, "absent.md")], /no such file or folder: .*absent\.md/],
    ];
    for (const [paths, message] of cases) {
      const out = io();
      assert.equal(await main(["--company", "agence-des-copines", ...paths], out), 1);
      assert.match(out.err, message);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name:
    "ingest CLI: a folder with its manifest, sources relative to it; a second run is unchanged; unknown company",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-kb", ["audrey", "carole"]);
    const root = await folder({
      "guides/zapier.md": "# Zapier\n\nUn Zap relie un formulaire à Kajabi.",
      "notes.txt": "# pas un titre\nLes horaires : 9 h - 18 h.",
      "image.png": "png",
      "manifest.json": JSON.stringify({
        "guides/zapier.md": { agent: "audrey", category: "guide", tags: ["zapier"] },
      }),
    });
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      const first = io();
      assert.equal(await main(["--company", tenant.id, "--agent", "carole", root], first), 0, first.err);
      assert.match(first.out, /^ingested 2 files into test-kb-\S+ in [\d.]+ s: chunks 2 new, 0 unchanged/);
      assert.match(first.err, /skipped .*image\.png/);
      assert.match(first.err, /\[#+\] 2\/2 files, 2 chunks/);
      const rows = await db.sql<
        { source: string; agent_owner: string; category: string | null; content: string }[]
      >`
        select source, agent_owner, category, content from public.documents where company_id = ${tenant.slug} order by source`;
      assert.deepEqual(rows.map((r) => [r.source, r.agent_owner, r.category]), [
        ["guides/zapier.md", "audrey", "guide"],
        ["notes.txt", "carole", null],
      ]);
      assert.equal(rows[1].content, "# pas un titre\nLes horaires : 9 h - 18 h.", ".txt is plain text");

      const second = io();
      assert.equal(await main(["--company", tenant.slug, root], second), 0);
      assert.match(second.out, /chunks 0 new, 2 unchanged, 0 replaced, 0 deleted; 0 embedding tokens/);

      const unknown = io();
      assert.equal(await main(["--company", "no-such-company", root], unknown), 1);
      assert.match(unknown.err, /^ingest: unknown company: no-such-company$/m);
    } finally {
      await db.end();
      await tenant.drop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "ingest CLI: a PDF and a DOCX are extracted, ingested with their headings, and search finds their text",
  ignore: !stack.available,
  async fn() {
    const tenant = await createTestTenant(stack.dbUrl, "test-kb-files");
    const root = await folder({
      "conditions.pdf": await textPdf(2, {
        headings: ["Retours et échanges", "Paiement"],
        body: (page) =>
          page === 1
            ? ["Un article peut être échangé sous sept jours, étiquette attachée."]
            : ["Le paiement se fait par Wave ou Orange Money à la livraison."],
      }),
      "guide.docx": await structuredDocx(),
      "scan-notes.txt": "Notes de l'équipe.",
    });
    try {
      const out = io();
      assert.equal(await main(["--company", tenant.slug, root], out), 0, out.err);
      assert.match(out.out, /^ingested 3 files into test-kb-files-\S+ in [\d.]+ s: chunks \d+ new/);
      const search = async (query: string) => {
        const client = createClient(stack.apiUrl, stack.publishableKey, { auth: { persistSession: false } });
        const { data, error } = await client.functions.invoke("search", {
          body: { company_id: tenant.slug, query },
          headers: asServer(),
        });
        assert.equal(error, null, String(error));
        return SearchResponse.parse(data).passages;
      };
      const returns = await search("Sous combien de jours un article peut-il être échangé ?");
      assert.equal(returns[0].source, "conditions.pdf");
      assert.equal(
        returns[0].content,
        "Retours et échanges\n\nUn article peut être échangé sous sept jours, étiquette attachée.",
      );
      assert.deepEqual(returns[0].metadata.headings, ["Retours et échanges"]);
      const fees = await search("Frais de livraison à Guédiawaye");
      assert.equal(fees[0].source, "guide.docx");
      assert.match(fees[0].content, /^Livraison à Dakar > Délais et frais\n\n/);
      assert.match(fees[0].content, /\| Guédiawaye \| 2 500 FCFA \|/);
    } finally {
      await tenant.drop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
