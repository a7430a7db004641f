// The migrate step behaves like `supabase db push`: ordered, recorded, re-runnable, atomic per file.
import assert from "node:assert/strict";
import postgres from "postgres";
import { stack } from "../support/stack.ts";

const root = new URL("../../", import.meta.url).pathname;

async function migrate(database: string, migrationsDir: string) {
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/local/migrate.sh`],
    env: { COMPTOIR_DB_NAME: database, COMPTOIR_MIGRATIONS_DIR: migrationsDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name:
    "migrate applies new files in order, skips applied ones, and stops a failing file with its name and error, leaving nothing of it",
  ignore: !stack.available,
  async fn() {
    const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
    const database = `migrate_test_${Date.now()}`;
    const dir = await Deno.makeTempDir();
    await admin.unsafe(`create database ${database}`);
    const scratch = postgres(stack.dbUrl.replace(/\/postgres$/, `/${database}`), {
      max: 1,
      onnotice: () => {},
    });
    try {
      await Deno.writeTextFile(`${dir}/20260101000000_first.sql`, "create table public.t1 (id int);");
      await Deno.writeTextFile(`${dir}/20260101000100_second.sql`, "insert into public.t1 values (1);");
      const first = await migrate(database, dir);
      assert.equal(first.code, 0, first.stderr);
      assert.match(
        first.stderr,
        /applied migration 20260101000000_first[\s\S]*applied migration 20260101000100_second/,
      );

      const again = await migrate(database, dir);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /migrations up to date/);

      await Deno.writeTextFile(
        `${dir}/20260101000200_broken.sql`,
        "create table public.t2 (id int);\ninsert into public.t1 values ('not a number');",
      );
      const broken = await migrate(database, dir);
      assert.notEqual(broken.code, 0);
      assert.match(broken.stderr, /migration failed: 20260101000200_broken\.sql/);
      assert.match(broken.stderr, /invalid input syntax for type integer/);

      const [state] = await scratch`select
          to_regclass('public.t2') is null as t2_absent,
          (select count(*)::int from public.t1) as t1_rows,
          (select array_agg(version order by version) from supabase_migrations.schema_migrations) as versions`;
      assert.deepEqual({ ...state }, {
        t2_absent: true,
        t1_rows: 1,
        versions: ["20260101000000", "20260101000100"],
      });
    } finally {
      await scratch.end();
      await admin.unsafe(`drop database if exists ${database} with (force)`);
      await admin.end();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
