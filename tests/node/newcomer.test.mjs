// What a newcomer meets first (issue 17, "For the newcomer"): the contract compiles in a Vite app,
// every variable the scripts read is in the README, the scripts talk to the stack `npm start`
// runs in this checkout (or refuse, saying so) and print where they write, and they end when done.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { readStackFile, stackFile } from "../../scripts/stack.mjs";
import { EXIT_BOUND_MS, root, runScript, withoutTarget } from "./run_script.mjs";
import { skip, sql, url } from "./support.mjs";

const run = promisify(execFile);
const readme = readFileSync(join(root, "README.md"), "utf8");

test("types/api.ts and the README's quick start compile as a Vite app compiles them (ES2020 lib, bundler resolution, strict, package.json's zod)", async () => {
  const declared = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.zod;
  const installed = JSON.parse(readFileSync(join(root, "node_modules/zod/package.json"), "utf8")).version;
  assert.equal(installed, declared, "the zod tsc resolves is the one package.json declares");
  assert.match(
    readFileSync(join(root, "types/api.ts"), "utf8"),
    /zod >= 3\.25/,
    "its header says what it needs",
  );
  const [, code] = /^```ts\n([\s\S]*?)^```$/m.exec(readme) ?? [];
  assert.ok(code?.includes("createClient<Database>"), "the quick start's ts block");
  // The quick start as an app file beside a copy of types/ (the repository's), with what
  // vite/client declares for import.meta.env.
  const file = join(root, "tests/node", `.quickstart-${process.pid}.ts`);
  writeFileSync(
    file,
    `${
      code.replaceAll("./types/", "../../types/")
    }\ndeclare global {\n  interface ImportMeta { readonly env: Record<string, string> }\n}\n`,
  );
  try {
    // A Vite app's tsconfig: ES2020 target and lib (+ DOM), bundler resolution, strict, skipLibCheck.
    const result = await run(join(root, "node_modules/.bin/tsc"), [
      "--lib",
      "es2020,dom,dom.iterable",
      "--target",
      "es2020",
      "--module",
      "esnext",
      "--moduleResolution",
      "bundler",
      "--strict",
      "--noEmit",
      "--skipLibCheck",
      "types/api.ts",
      file,
    ], { cwd: root }).catch((error) => error);
    assert.equal(result.stdout, "", "tsc reports nothing");
    assert.equal(result.code ?? 0, 0);
  } finally {
    rmSync(file, { force: true });
  }
});

test("the README is a guide: a quick start first, the rest in docs/ pages that exist", () => {
  const lines = readme.split("\n");
  // 878 lines when it was the lab notebook; room left for each product's calls.
  assert.ok(lines.length <= 450, `README.md has ${lines.length} lines (a guide, not a notebook)`);
  const sections = lines.filter((line) => line.startsWith("## ")).map((line) => line.slice(3));
  assert.match(sections[0], /^Quick start/, `first section: ${sections[0]}`);
  for (
    const section of [/^Deploy/, /^Environment variables/, /^Botlive/, /^Business assistant/, /^Expert chat/]
  ) {
    assert.ok(sections.some((s) => section.test(s)), `a section ${section}`);
  }
  assert.match(readme, /createClient<Database>/);
  assert.match(readme, /supabase functions deploy/);
  const links = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
  for (const page of ["docs/BENCHMARKS.md", "docs/LOCAL_STACK.md", "docs/TESTING.md", "docs/KNOWN_GAPS.md"]) {
    assert.ok(links.includes(page), `README links ${page}`);
  }
  for (const link of links) assert.ok(existsSync(join(root, link)), `${link} exists`);
});

test("every environment variable the scripts read is in the README's table", () => {
  const files = [
    "scripts/demo.mjs",
    "scripts/demo_assistant.mjs",
    "scripts/demo_botlive.mjs",
    "scripts/demo_whatsapp.mjs",
    "scripts/tenant.mjs",
    "scripts/catalog.mjs",
    "scripts/ingest.ts",
    "scripts/stack.mjs",
    "examples/frontend.mjs",
    "scripts/start.sh",
    "scripts/local/common.sh",
  ];
  const read = new Set();
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (
      const m of text.matchAll(
        /(?:process\.env|\benv)\.([A-Z][A-Z0-9_]+)|env\.get\("([A-Z][A-Z0-9_]+)"\)|"([A-Z][A-Z0-9_]+)" in env|\$\{([A-Z][A-Z0-9_]+):[=-]/g,
      )
    ) read.add(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  for (
    const name of [
      "COMPTOIR_API_PORT",
      "COMPTOIR_DB_PORT",
      "COMPTOIR_DATA_DIR",
      "SUPABASE_URL",
      "SUPABASE_DB_URL",
    ]
  ) {
    assert.ok(read.has(name), `the scan finds ${name}`);
  }
  const table = readme.slice(readme.indexOf("## Environment variables"));
  const documented = new Set(
    [...table.matchAll(/^\| (`[^|]+)\|/gm)].flatMap((m) =>
      [...m[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((n) => n[1])
    ),
  );
  const missing = [...read].filter((name) => !documented.has(name));
  assert.deepEqual(missing, [], "read by a script but not in the README's table");
});

const SCRIPTS = [
  ["demo", process.execPath, ["scripts/demo.mjs"]],
  ["demo:assistant", process.execPath, ["scripts/demo_assistant.mjs"]],
  ["demo:botlive", process.execPath, ["scripts/demo_botlive.mjs"]],
  ["tenant", process.execPath, [
    "scripts/tenant.mjs",
    "--slug",
    "nobody",
    "--name",
    "N",
    "--owner",
    "n@x.test",
  ]],
  ["catalog", process.execPath, [
    "scripts/catalog.mjs",
    "--company",
    "nobody",
    "--owner",
    "n@x.test",
    "--password",
    "x",
    "--file",
    "examples/catalog/products.csv",
  ]],
  ["frontend", process.execPath, ["examples/frontend.mjs"]],
  ["ingest", "npm", ["run", "-s", "ingest", "--", "--company", "agence-des-copines", "knowledge/demo"]],
];

test("with no npm start in this checkout, demos, tenant, catalog, ingest and the example refuse before any request", async () => {
  const dir = mkdtempSync(join(tmpdir(), "comptoir-nostack-"));
  try {
    const env = withoutTarget({ COMPTOIR_DATA_DIR: join(dir, "db") });
    for (const [name, command, args] of SCRIPTS) {
      const result = await runScript(command, args, { env });
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      assert.equal(result.stdout, "", `${name} did nothing`);
      assert.match(
        result.stderr,
        /no local stack of this checkout is running \(.*stack\.json not found\): start it with `npm start`/,
        name,
      );
    }
    // A stack file whose npm start is gone is refused too.
    writeFileSync(join(dir, "stack.json"), JSON.stringify({ url: "http://127.0.0.1:9", pid: 2 ** 22 + 1 }));
    const stale = await runScript(process.execPath, ["scripts/demo.mjs"], { env });
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /^demo: the `npm start` that wrote .*stack\.json is no longer running/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm start's stack file: written with the stack's address, removed only by the stack that wrote it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "comptoir-stackfile-"));
  const env = {
    ...withoutTarget(),
    COMPTOIR_DATA_DIR: join(dir, "db"),
    COMPTOIR_PUBLISHABLE_KEY: "sb_publishable_x",
  };
  const stackCli = (...args) => run(process.execPath, ["scripts/stack.mjs", ...args], { cwd: root, env });
  try {
    assert.equal(stackFile(env), join(dir, "stack.json"));
    await stackCli(
      "write",
      "http://127.0.0.1:6001",
      "postgresql://postgres:postgres@127.0.0.1:6002/postgres",
      String(process.pid),
    );
    const stack = readStackFile(env);
    assert.deepEqual(
      [stack.url, stack.dbUrl, stack.publishableKey],
      ["http://127.0.0.1:6001", "postgresql://postgres:postgres@127.0.0.1:6002/postgres", "sb_publishable_x"],
    );
    await stackCli("remove", String(process.pid + 1));
    assert.ok(existsSync(join(dir, "stack.json")), "another stack's exit leaves it");
    await stackCli("remove", String(process.pid));
    assert.ok(!existsSync(join(dir, "stack.json")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "with npm start's stack file, the scripts use it, print where they write and exit when done",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "comptoir-stack-"));
    const env = withoutTarget({ COMPTOIR_DATA_DIR: join(dir, "db") });
    const suffix = randomUUID().slice(0, 8);
    try {
      // What scripts/start.sh writes once it serves (this test's process stands in for its pid).
      await run(process.execPath, [
        "scripts/stack.mjs",
        "write",
        url,
        process.env.SUPABASE_DB_URL,
        String(process.pid),
      ], { cwd: root, env: { ...env, COMPTOIR_PUBLISHABLE_KEY: process.env.COMPTOIR_PUBLISHABLE_KEY } });
      const where = `(npm start of this checkout, ${join(dir, "stack.json")})`;

      const demo = await runScript(process.execPath, ["scripts/demo.mjs"], { env });
      assert.equal(demo.code, 0, demo.stderr);
      assert.equal(demo.stdout.split("\n")[0], `stack: ${url} ${where}`);
      assert.match(demo.stdout, /^message 11: 429 /m);
      assert.ok(demo.lingered < EXIT_BOUND_MS, `demo exited ${demo.lingered} ms after its last line`);

      const tenant = await runScript(process.execPath, [
        "scripts/tenant.mjs",
        "--slug",
        `exit-${suffix}`,
        "--name",
        "Exit",
        "--owner",
        `exit-${suffix}@tenant.test`,
        "--password",
        "un-mot-de-passe",
      ], { env });
      assert.equal(tenant.code, 0, tenant.stderr);
      assert.equal(tenant.stdout.split("\n")[0], `stack: ${url} ${where}`);
      assert.ok(tenant.lingered < EXIT_BOUND_MS, `tenant exited ${tenant.lingered} ms after its last line`);

      writeFileSync(join(dir, "horaires.md"), "# Horaires\n\nDu lundi au vendredi, de 9 h à 18 h.");
      const ingest = await runScript("npm", [
        "run",
        "-s",
        "ingest",
        "--",
        "--company",
        `exit-${suffix}`,
        join(dir, "horaires.md"),
      ], { env });
      const db = new URL(process.env.SUPABASE_DB_URL);
      assert.match(
        ingest.stderr,
        new RegExp(`^ingest: writing to postgresql://postgres:\\*\\*\\*@${db.host}/postgres `, "m"),
      );
      assert.equal(ingest.code, 0, ingest.stderr);
      assert.match(ingest.stdout, new RegExp(`^ingested 1 file into exit-${suffix} `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      sql(
        `delete from public.companies where slug = 'exit-${suffix}'; delete from auth.users where email = 'exit-${suffix}@tenant.test'`,
      );
    }
  },
);
