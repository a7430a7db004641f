// The frontend's own reads and writes through supabase-js → the gateway → the real PostgREST
// 12 → Postgres under RLS, as an owner, an admin, a member, another company's member and anon;
// then PostgREST's behaviours a frontend relies on (PLATFORM.md's conformance list).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  browser,
  createTenant,
  mintJwt,
  publishableKey,
  secretKey,
  signedIn,
  skip,
  sql,
  url,
} from "./support.mjs";

const vector = (axis) => `[${Array.from({ length: 1536 }, (_, i) => (i === axis ? 1 : 0)).join(",")}]`;

describe("PostgREST through the gateway, as the frontend calls it", { skip }, () => {
  let a, b, owner, admin, member, stranger, anon, conversation, escalation;

  before(async () => {
    a = createTenant("rest");
    b = createTenant("rest");
    sql(`
      insert into public.agents (company_id, slug, name, system_prompt, keywords) values
        ('${a.id}', 'audrey', 'Audrey', 'Tu es Audrey.', '{kajabi}'),
        ('${a.id}', 'carole', 'Carole', 'Tu es Carole.', '{}');
      insert into public.documents (company_id, source, content, embedding, agent_owner) values
        ('${a.slug}', 'kajabi.md', 'Kajabi envoie les e-mails.', '${vector(0)}', 'audrey'),
        ('${a.slug}', 'reels.md', 'Un reel dure 15 secondes.', '${vector(1)}', 'shared'),
        ('${b.slug}', 'secret.md', 'Le secret de B.', '${vector(0)}', 'shared');
      select public.log_activity('${a.slug}', 'order.created', 'Commande ' || g) from generate_series(1, 3) g;
      select public.log_activity('${b.slug}', 'order.created', 'Commande de B');`);
    [conversation] = sql(
      `select public.ensure_conversation('${a.slug}', 'widget', 'conv-rest', 'visiteur-1')`,
    );
    sql(`select public.append_message('${a.slug}', '${conversation}', 'user', 'Bonjour Kajabi');
      select public.append_message('${a.slug}', '${conversation}', 'assistant', 'Bonjour !');`);
    [escalation] = sql(`select public.open_escalation('${a.slug}', '${conversation}', 'visitor_request')`);
    [owner, admin, member, stranger] = await Promise.all([
      signedIn(a.people.owner.email),
      signedIn(a.people.admin.email),
      signedIn(a.people.member.email),
      signedIn(b.people.member.email),
    ]);
    anon = browser();
  });
  after(() => {
    a?.drop();
    b?.drop();
  });

  test("company_mapping by user_id: each user finds its own company, by uuid and text id", async () => {
    const { data, error } = await owner.from("company_mapping").select("uuid, company_id").eq(
      "user_id",
      a.people.owner.id,
    );
    assert.equal(error, null);
    assert.deepEqual(data, [{ uuid: a.id, company_id: a.slug }]);
    const theirs = await stranger.from("company_mapping").select("uuid").eq("company_id", a.slug);
    assert.deepEqual(theirs.data, []);
  });

  test("company_rag_configs by user_id: members read, admins edit the prompts, others and anon get nothing", async () => {
    const { data } = await member.from("company_rag_configs").select("company_id, prompt_botlive_groq_70b")
      .eq("user_id", a.people.owner.id).single();
    assert.deepEqual(data, { company_id: a.slug, prompt_botlive_groq_70b: "Prompt initial" });

    const edited = await admin.from("company_rag_configs").update({
      prompt_botlive_groq_70b: "Nouveau prompt",
    })
      .eq("company_id", a.slug).select("prompt_botlive_groq_70b").single();
    assert.equal(edited.error, null);
    assert.equal(edited.data.prompt_botlive_groq_70b, "Nouveau prompt");
    // A member's update matches no row it may update (RLS): nothing changes.
    const refused = await member.from("company_rag_configs").update({ prompt_botlive_groq_70b: "Pirate" })
      .eq("company_id", a.slug).select();
    assert.deepEqual(refused.data, []);
    // A column no one may write through the API (the owner's user id) is a 401/403 42501.
    const column = await admin.from("company_rag_configs").update({ user_id: a.people.admin.id }).eq(
      "company_id",
      a.slug,
    );
    assert.equal(column.error?.code, "42501");

    const other = await stranger.from("company_rag_configs").select("*").eq("company_id", a.slug)
      .maybeSingle();
    assert.deepEqual([other.data, other.error], [null, null]);
    const outsider = await anon.from("company_rag_configs").select("*");
    assert.deepEqual([outsider.status, outsider.error?.code], [401, "42501"]);
  });

  test("conversation_memory by company and user: the team reads its visitors' messages, nobody else", async () => {
    const { data } = await member.from("conversation_memory").select("role, content")
      .eq("company_id", a.slug).eq("user_id", "visiteur-1").order("timestamp");
    assert.deepEqual(data, [{ role: "user", content: "Bonjour Kajabi" }, {
      role: "assistant",
      content: "Bonjour !",
    }]);
    assert.deepEqual(
      (await stranger.from("conversation_memory").select("content").eq("company_id", a.slug)).data,
      [],
    );
    assert.equal((await anon.from("conversation_memory").select("content")).error?.code, "42501");
  });

  test("documents are read-only to members and invisible to other companies and anon", async () => {
    const { data } = await member.from("documents").select("source").order("source");
    assert.deepEqual(data, [{ source: "kajabi.md" }, { source: "reels.md" }]);
    const insert = await admin.from("documents").insert({ company_id: a.slug, source: "x.md", content: "x" });
    assert.deepEqual([insert.status, insert.error?.code], [403, "42501"]);
    assert.deepEqual((await stranger.from("documents").select("source")).data, [{ source: "secret.md" }]);
    assert.equal((await anon.from("documents").select("source")).status, 401);
  });

  test("the activity feed: a company's last activities, newest first, its own only", async () => {
    const { data } = await owner.from("activities").select("title").eq("company_id", a.id)
      .order("created_at", { ascending: false }).limit(20);
    assert.deepEqual(
      data.map((r) => r.title).sort(),
      ["Commande 1", "Commande 2", "Commande 3", "Conversation transmise à un humain"].sort(),
    );
    assert.deepEqual((await stranger.from("activities").select("title").eq("company_id", a.id)).data, []);
    const team = await member.from("activities").select("title", { count: "exact", head: true }).eq(
      "company_id",
      a.id,
    );
    assert.equal(team.count, 4);
    const outsider = await anon.from("activities").select("title");
    assert.deepEqual([outsider.status, outsider.error?.code], [401, "42501"]);
  });

  test("rpc resolve_escalation: a member resumes the bot; another company's member cannot", async () => {
    const intruder = await stranger.rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([intruder.status, intruder.error?.code], [404, "PT404"]);
    const first = await member.rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([first.error, first.data], [null, true]);
    assert.equal((await member.rpc("resolve_escalation", { p_escalation: escalation })).data, false);
    assert.deepEqual(sql(`select status from public.conversations where id = '${conversation}'`), ["active"]);
  });

  test("select, order, single, maybeSingle, counts and ranges answer as PostgREST 12 does", async () => {
    const res = await fetch(`${url}/rest/v1/agents?select=slug,name&order=slug`, {
      headers: {
        apikey: publishableKey,
        authorization: `Bearer ${(await owner.auth.getSession()).data.session.access_token}`,
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-range"), "0-1/*");
    assert.deepEqual(await res.json(), [{ slug: "audrey", name: "Audrey" }, {
      slug: "carole",
      name: "Carole",
    }]);

    assert.deepEqual((await owner.from("agents").select("slug").eq("slug", "audrey").single()).data, {
      slug: "audrey",
    });
    const none = await owner.from("agents").select("slug").eq("slug", "nobody").single();
    assert.deepEqual([none.status, none.error?.code], [406, "PGRST116"]);
    const maybe = await owner.from("agents").select("slug").eq("slug", "nobody").maybeSingle();
    assert.deepEqual([maybe.data, maybe.error], [null, null]);

    const counted = await owner.from("agents").select("id", { count: "exact" }).range(0, 0);
    assert.deepEqual([counted.status, counted.count, counted.data.length], [206, 2, 1]);
    const past = await owner.from("agents").select("id", { count: "exact" }).range(5, 6);
    assert.deepEqual([past.status, past.error?.code], [416, "PGRST103"]);
    const head = await owner.from("agents").select("*", { count: "exact", head: true });
    assert.deepEqual([head.data, head.count], [null, 2]);
  });

  test("filters: in, is, ilike, or, not is null", async () => {
    const slugs = async (query) => (await query).data.map((r) => r.slug).sort();
    assert.deepEqual(await slugs(owner.from("agents").select("slug").in("slug", ["audrey", "x"])), [
      "audrey",
    ]);
    assert.deepEqual(await slugs(owner.from("agents").select("slug").is("model", null)), [
      "audrey",
      "carole",
    ]);
    assert.deepEqual(await slugs(owner.from("agents").select("slug").ilike("name", "car%")), ["carole"]);
    assert.deepEqual(await slugs(owner.from("agents").select("slug").or("slug.eq.audrey,temperature.gt.1")), [
      "audrey",
    ]);
    assert.deepEqual(await slugs(owner.from("agents").select("slug").not("greeting", "is", null)), []);
  });

  test("embedded selects: nested arrays, and !inner filtering the parents", async () => {
    const { data } = await owner.from("companies").select("slug, agents(slug)").eq("id", a.id).single();
    assert.deepEqual(data.agents.map((x) => x.slug).sort(), ["audrey", "carole"]);
    const inner = await owner.from("companies").select("slug, agents!inner(slug)").eq(
      "agents.slug",
      "carole",
    );
    assert.deepEqual(inner.data, [{ slug: a.slug, agents: [{ slug: "carole" }] }]);
  });

  test("writes: insert (201, with select), update returning, delete returning, upsert on a conflict", async () => {
    const created = await admin.from("agents").insert({
      company_id: a.id,
      slug: "temp",
      name: "Temp",
      system_prompt: "x",
    });
    assert.deepEqual([created.status, created.data], [201, null]);
    const updated = await admin.from("agents").update({ name: "Temporaire" }).eq("slug", "temp").select(
      "name",
    ).single();
    assert.deepEqual(updated.data, { name: "Temporaire" });
    const hidden = await stranger.from("agents").update({ name: "x" }).eq("slug", "temp").select();
    assert.deepEqual(hidden.data, []);
    const deleted = await admin.from("agents").delete().eq("slug", "temp").select("slug");
    assert.deepEqual(deleted.data, [{ slug: "temp" }]);
    // An insert whose row the SELECT policy hides must not be returned: a member cannot insert at all.
    const refused = await member.from("agents").insert({
      company_id: a.id,
      slug: "m",
      name: "M",
      system_prompt: "x",
    }).select();
    assert.deepEqual([refused.status, refused.error?.code], [403, "42501"]);

    const server = browser(secretKey);
    const upsert = (content) =>
      server.from("documents").upsert({ company_id: a.slug, source: "faq.md", chunk_index: 0, content }, {
        onConflict: "company_id,source,chunk_index",
      }).select("content");
    assert.deepEqual((await upsert("Première version")).data, [{ content: "Première version" }]);
    assert.deepEqual((await upsert("Seconde version")).data, [{ content: "Seconde version" }]);
    assert.deepEqual(
      sql(`select count(*) from public.documents where company_id = '${a.slug}' and source = 'faq.md'`),
      ["1"],
    );
  });

  test("rpc: POST and GET calls, with the function's own errors", async () => {
    const slug = `node-created-${Date.now()}`;
    const made = await owner.rpc("create_company", { p_slug: slug, p_name: "Créée par rpc" });
    assert.match(made.data, /^[0-9a-f-]{36}$/);
    const taken = await owner.rpc("create_company", { p_slug: slug, p_name: "Encore" });
    assert.deepEqual([taken.status, taken.error?.code], [409, "23505"]);
    sql(`delete from public.companies where slug = '${slug}'`);

    const found = await member.rpc("match_documents", {
      p_company: a.slug,
      p_query_embedding: vector(0),
      p_match_count: 1,
    }, { get: true });
    assert.equal(found.error, null);
    assert.deepEqual(found.data.map((d) => d.source), ["kajabi.md"]);
    const unknown = await member.rpc("no_such_function", {});
    assert.deepEqual([unknown.status, unknown.error?.code], [404, "PGRST202"]);
  });

  test("errors: unknown table and column, bad and expired tokens, a missing or unknown apikey", async () => {
    const table = await owner.from("no_such_table").select("*");
    assert.equal(table.status, 404);
    const column = await owner.from("agents").select("no_such_column");
    assert.deepEqual([column.status, column.error?.code], [400, "42703"]);

    const bad = browser(publishableKey, { global: { headers: { Authorization: "Bearer not.a.jwt" } } });
    const badRes = await bad.from("agents").select("slug");
    assert.deepEqual([badRes.status, badRes.error?.code], [401, "PGRST301"]);

    const expired = browser(publishableKey, {
      global: {
        headers: {
          Authorization: `Bearer ${mintJwt({ sub: a.people.owner.id, email: a.people.owner.email }, -60)}`,
        },
      },
    });
    const expiredRes = await expired.from("agents").select("slug");
    assert.deepEqual([expiredRes.status, expiredRes.error?.code, expiredRes.error?.message], [
      401,
      "PGRST301",
      "JWT expired",
    ]);
    // The same token, still valid, reads the company's agents: only the expiry was refused.
    const fresh = browser(publishableKey, {
      global: {
        headers: {
          Authorization: `Bearer ${mintJwt({ sub: a.people.owner.id, email: a.people.owner.email }, 60)}`,
        },
      },
    });
    assert.equal((await fresh.from("agents").select("slug")).data.length, 2);

    const noKey = await fetch(`${url}/rest/v1/agents?select=slug`);
    assert.equal(noKey.status, 401);
    assert.match((await noKey.json()).message, /No API key found/);
    const wrongKey = await fetch(`${url}/rest/v1/agents?select=slug`, {
      headers: { apikey: "sb_publishable_wrongwrongwrong" },
    });
    assert.equal(wrongKey.status, 401);
    await wrongKey.body?.cancel();
    // The key in the query, as some PostgREST clients send it, is accepted and not taken for a filter.
    const inQuery = await fetch(`${url}/rest/v1/agents?select=slug&apikey=${publishableKey}`);
    assert.deepEqual([inQuery.status, (await inQuery.json()).code], [401, "42501"]);
  });
});
