// The platform shim is a project created today, nothing more: on a scratch database it provides
// the two extensions a new project has, grants the API roles nothing on new objects in public,
// sets no database-wide search_path, and marks the database as the local stack — the marker
// without which supabase/seed.sql refuses to run (a real project never gets the demo owners).
// (npm test's own cluster is the same shim plus the migrations; sql/tests/schema/baseline checks it.)
import assert from "node:assert/strict";
import postgres from "postgres";
import { stack } from "../support/stack.ts";

const root = new URL("../../", import.meta.url).pathname;

async function psql(database: string, args: string[]) {
  const url = new URL(stack.dbUrl);
  const out = await new Deno.Command("/usr/lib/postgresql/15/bin/psql", {
    args: [
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      url.hostname,
      "-p",
      url.port,
      "-U",
      "postgres",
      "-d",
      database,
      ...args,
    ],
    env: { PGPASSWORD: "postgres", PGOPTIONS: "-c client_min_messages=warning" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function withScratch(fn: (database: string, sql: postgres.Sql) => Promise<void>) {
  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  const database = `baseline_${crypto.randomUUID().slice(0, 8)}`;
  await admin.unsafe(`create database ${database}`);
  const sql = postgres(stack.dbUrl.replace(/\/postgres$/, `/${database}`), { max: 1, onnotice: () => {} });
  try {
    const shim = await psql(database, ["-f", `${root}scripts/local/platform_shim.sql`]);
    assert.equal(shim.code, 0, shim.stderr);
    await fn(database, sql);
  } finally {
    await sql.end();
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

Deno.test({
  name:
    "the shim is a new project: uuid-ossp and pgcrypto only, new tables granted to no API role, no database search_path",
  ignore: !stack.available,
  async fn() {
    await withScratch(async (database, sql) => {
      const extensions = await sql`select extname::text from pg_extension order by 1`;
      assert.deepEqual(extensions.map((e) => e.extname), ["pgcrypto", "plpgsql", "uuid-ossp"]);
      // A new database session, as a client would open: the settings the shim put on the database.
      const fresh = postgres(stack.dbUrl.replace(/\/postgres$/, `/${database}`), {
        max: 1,
        onnotice: () => {},
      });
      try {
        await fresh`create table public.probe (id int)`;
        await fresh`create function public.probe_fn() returns int language sql as 'select 1'`;
        const [row] = await fresh`select
            (select array_agg(r order by r) from unnest(array['anon', 'authenticated', 'service_role']) r
              where has_table_privilege(r, 'public.probe', 'select') or has_table_privilege(r, 'public.probe', 'insert')) as readers,
            (select array_agg(a.grantee::regrole::text) from pg_proc p, aclexplode(p.proacl) a
              where p.oid = 'public.probe_fn()'::regprocedure
                and a.grantee::regrole::text in ('anon', 'authenticated', 'service_role')) as executors,
            current_setting('comptoir.local_stack', true) as marker,
            (select count(*)::int from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase
              where d.datname = current_database() and s.setrole = 0
                and exists (select 1 from unnest(s.setconfig) c where c like 'search\\_path=%')) as db_search_path`;
        assert.deepEqual({ ...row }, { readers: null, executors: null, marker: "on", db_search_path: 0 });
      } finally {
        await fresh.end();
      }
    });
  },
});

Deno.test({
  name: "seed.sql refuses a database that is not the local stack, with its reason, and creates nothing",
  ignore: !stack.available,
  async fn() {
    await withScratch(async (database, sql) => {
      await sql.unsafe(`alter database ${database} reset comptoir.local_stack`);
      const seed = await psql(database, ["-1", "-f", `${root}supabase/seed.sql`]);
      assert.notEqual(seed.code, 0);
      assert.match(seed.stderr, /seed\.sql: refusing to run: this database is not the Comptoir local stack/);
      assert.match(seed.stderr, /public password comptoir-demo/);
      const [{ users }] = await sql`select count(*)::int as users from auth.users`;
      assert.equal(users, 0);
    });
  },
});
