import assert from "node:assert/strict";
import { join } from "node:path";
import { createDb } from "../functions/_shared/db.ts";
import { createOfflineEmbedder } from "../functions/_shared/providers/offline.ts";
import { INGEST_MAX_DOCUMENT_CHARS } from "../types/api.ts";
import { stack } from "../tests/support/stack.ts";
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

async function folder(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "comptoir-ingest-" });
  for (const [name, content] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), content);
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

Deno.test("ingest CLI: unsupported, empty and oversize files are named, with the limit, and nothing is written", async () => {
  const root = await folder({
    "ok.md": "# Titre\n\nDu texte.",
    "vide.md": "  \n",
    "notes.pdf": "%PDF",
    "gros.txt": "x".repeat(INGEST_MAX_DOCUMENT_CHARS + 1),
  });
  try {
    const cases: [string[], RegExp][] = [
      [
        [join(root, "notes.pdf")],
        /unsupported file type: .*notes\.pdf \(expected \.md, \.markdown or \.txt\)/,
      ],
      [[join(root, "ok.md"), join(root, "vide.md")], /empty file: .*vide\.md/],
      [
        [join(root, "gros.txt")],
        new RegExp(
          `file too large: .*gros\\.txt \\(${
            INGEST_MAX_DOCUMENT_CHARS + 1
          } bytes; the limit is ${INGEST_MAX_DOCUMENT_CHARS} bytes\\)`,
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
