// The supabase-js snippets of the README and of docs/ run as written against the stack (only the
// address changes: npm test's stack is on a free port, not 54321), and examples/frontend.mjs, the
// seeds' frontend calls with a realtime subscription, prints what docs/LOCAL_STACK.md says it
// prints, leaves the seed as it found it and ends once it is done.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { skip, sql, url } from "./support.mjs";
import { EXIT_BOUND_MS, runScript } from "./run_script.mjs";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);
const NODE_20_NOTICE = /^⚠️ {2}Node\.js 20 and below are deprecated[^\n]*\n?/m;

const pages = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];
const blocks = pages.flatMap((page) =>
  [...readFileSync(join(root, page), "utf8").matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1])
);

test("the README has its supabase-js snippets", () => {
  assert.ok(blocks.length >= 4, `${blocks.length} js blocks`);
});

for (const [i, block] of blocks.entries()) {
  const first = block.split("\n").find((line) => line.startsWith("//") || line.includes("createClient")) ??
    "";
  test(`README snippet ${i + 1} runs as written (${first.slice(0, 60)})`, { skip }, async () => {
    const file = join(root, "tests/node", `.readme-${process.pid}-${i}.mjs`);
    writeFileSync(file, block.replaceAll("http://127.0.0.1:54321", url));
    try {
      const { stderr } = await run(process.execPath, [file], { cwd: root, timeout: 30_000 });
      assert.equal(stderr.replace(NODE_20_NOTICE, ""), "");
    } finally {
      rmSync(file, { force: true });
    }
  });
}

test(
  "examples/frontend.mjs: the seeds' frontend calls and the live feed, with supabase-js only",
  { skip },
  async () => {
    // The seed's rows the example reads or edits, as they are before it runs.
    const seeded = () =>
      sql(`select (to_jsonb(c) - 'updated_at')::text from public.company_rag_configs c
        where company_id = 'agence-des-copines'`);
    const before = seeded();
    const { code, stdout, stderr, lingered } = await runScript(process.execPath, [
      join(root, "examples/frontend.mjs"),
    ], {
      timeout: 60_000,
      env: { ...process.env, SUPABASE_URL: url },
    });
    assert.equal(code, 0, stderr);
    assert.ok(lingered < EXIT_BOUND_MS, `it ended ${lingered} ms after its last line`);
    assert.deepEqual(seeded(), before, "the seed as it found it");
    const lines = stdout.trim().split("\n").map((line) => line.slice(0, line.indexOf(":")));
    assert.deepEqual(lines, [
      "stack",
      "company_mapping",
      "company_rag_configs",
      "settings edited",
      "settings restored",
      "documents (chunks readable)",
      "documents insert refused",
      "realtime",
      "chat",
      "realtime event",
      "conversation_memory",
      "open escalation",
      "resolve_escalation",
      "realtime event",
      "activities (latest first)",
    ]);
    assert.match(stdout, /^documents insert refused: \{"status":403,"code":"42501"\}$/m);
    assert.match(
      stdout,
      /^realtime event: \{"type":"escalation","title":"Conversation transmise à un humain","status":"warning"/m,
    );
    assert.match(stdout, /^resolve_escalation: true$/m);
    assert.match(
      stdout,
      /^realtime event: \{"type":"escalation","title":"Escalade résolue","status":"success"\}$/m,
    );
  },
);
