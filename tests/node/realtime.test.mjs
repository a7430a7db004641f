// The dashboard's live feed through supabase-js's own realtime client → the gateway's
// /realtime/v1/websocket → the Realtime stand-in → a wal2json slot: what reaches whom (RLS, as
// the subscriber), the event kinds, the typed row, a table outside the publication, token
// expiry, heartbeats over a minute. Fixtures are written with psql; every wait is for an event.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  browser,
  createTenant,
  eventually,
  mintJwt,
  publishableKey,
  signedIn,
  skip,
  sql,
  url,
} from "./support.mjs";

/** Subscribes a channel and resolves once the server said what became of its bindings. */
async function listen(client, name, bindings) {
  const seen = { events: [], statuses: [], system: [] };
  const channel = client.channel(name);
  bindings.forEach((binding, index) => {
    channel.on(
      "postgres_changes",
      binding,
      (payload) => seen.events.push({ ...payload, binding: index, at: Date.now() }),
    );
  });
  channel.on("system", {}, (payload) => seen.system.push(payload));
  channel.subscribe((status, error) => seen.statuses.push(error ? `${status}: ${error.message}` : status));
  await eventually(
    () => (seen.system.length > 0 || seen.statuses.some((s) => s !== "SUBSCRIBED") ? true : undefined),
    15_000,
    `${name}'s subscription`,
  );
  return { ...seen, channel };
}

/** The minute-long checks run once per `npm test` (scripts/test.sh sets this on the first profile). */
const long = process.env.COMPTOIR_LONG_TESTS === "0" &&
  "the 60 s checks ran on the first profile (they do not depend on the keys)";

const logActivity = (slug, title) =>
  sql(
    `select public.log_activity('${slug}', 'order.created', '${title}', null, 'success', '{"total": 12500, "items": ["robe"]}')`,
  )[0];

describe("Realtime postgres_changes through supabase-js", { skip }, () => {
  let a, b, owner, stranger, anon, heartbeatFeed, startedAt;
  const clients = [];

  before(async () => {
    startedAt = Date.now();
    a = createTenant("live");
    b = createTenant("live");
    [owner, stranger] = await Promise.all([signedIn(a.people.owner.email), signedIn(b.people.member.email)]);
    anon = browser();
    clients.push(owner, stranger, anon);
    // Opened first, checked last: a channel left alone for 60 s, kept open by the client's heartbeats.
    const patient = await signedIn(a.people.member.email);
    clients.push(patient);
    heartbeatFeed = await listen(patient, "patient", [{
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${a.id}`,
    }]);
  });
  after(async () => {
    // Channels left, then the sockets closed: realtime-js would otherwise keep them (and rejoin
    // the refused channel) for a long while, and the file's process with them.
    await Promise.all(clients.map(async (client) => {
      await client.removeAllChannels();
      client.realtime.disconnect();
    }));
    a?.drop();
    b?.drop();
  });

  test("an owner's filtered INSERT feed gets the company's new activity, typed (its latency is the benchmark's); another company's member and anon get nothing", async () => {
    const filter = `company_id=eq.${a.id}`;
    const binding = { event: "INSERT", schema: "public", table: "activities", filter };
    const [mine, theirs, nobody, own] = await Promise.all([
      listen(owner, "acts-owner", [binding]),
      listen(stranger, "acts-stranger", [binding]),
      listen(anon, "acts-anon", [binding]),
      listen(stranger, "acts-b", [{ ...binding, filter: `company_id=eq.${b.id}` }]),
    ]);
    for (const feed of [mine, theirs, nobody, own]) {
      assert.deepEqual(feed.statuses, ["SUBSCRIBED"]);
      assert.deepEqual(feed.system.map((s) => [s.status, s.message]), [["ok", "Subscribed to PostgreSQL"]]);
    }

    // How fast is the benchmark's business (npm run bench -- platform), not a test's: a loaded CI
    // machine only has to deliver it, within a generous bound.
    const id = logActivity(a.slug, "Commande 1042");
    const event = await eventually(
      () => mine.events.find((e) => e.new.id === id),
      15_000,
      "the owner's INSERT",
    );
    assert.equal(event.eventType, "INSERT");
    assert.deepEqual([event.schema, event.table, event.errors], ["public", "activities", null]);
    assert.match(event.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(event.old, {});
    // The typed row: uuids and text as strings, jsonb as an object, the timestamp as Postgres writes it in JSON.
    const { created_at: createdAt, ...row } = event.new;
    assert.deepEqual(row, {
      id,
      company_id: a.id,
      conversation_id: null,
      type: "order.created",
      title: "Commande 1042",
      description: null,
      status: "success",
      metadata: { total: 12500, items: ["robe"] },
    });
    assert.match(createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    assert.equal(
      new Date(createdAt).getTime(),
      new Date(
        sql(`select created_at from public.activities where id = '${id}'`)[0].replace(" ", "T").replace(
          /\+00$/,
          "Z",
        ),
      ).getTime(),
    );

    // B's own activity reaches B's member, proving its feed works while it saw nothing of A's.
    const theirId = logActivity(b.slug, "Commande de B");
    await eventually(() => own.events.find((e) => e.new.id === theirId), 15_000, "B's own INSERT");
    assert.deepEqual([theirs.events, nobody.events], [[], []]);
    assert.deepEqual(mine.events.map((e) => e.new.id), [id]);
  });

  test("UPDATE brings the new row and the old key, DELETE the old key, '*' both; a filter on the key follows one row", async () => {
    const id = logActivity(a.slug, "Commande 7");
    const feed = await listen(owner, "acts-star", [
      { event: "*", schema: "public", table: "activities", filter: `id=eq.${id}` },
      { event: "UPDATE", schema: "public", table: "activities", filter: `company_id=eq.${a.id}` },
    ]);
    assert.deepEqual(feed.statuses, ["SUBSCRIBED"]);
    sql(`update public.activities set status = 'warning', title = 'Commande 7 (annulée)' where id = '${id}'`);
    const updates = await eventually(
      () => {
        const seen = feed.events.filter((e) => e.eventType === "UPDATE");
        return seen.length === 2 ? seen : undefined;
      },
      15_000,
      "both bindings' UPDATE",
    );
    for (const update of updates) {
      assert.deepEqual(update.old, { id });
      assert.deepEqual([update.new.id, update.new.status, update.new.title], [
        id,
        "warning",
        "Commande 7 (annulée)",
      ]);
    }
    sql(`delete from public.activities where id = '${id}'`);
    const deleted = await eventually(
      () => feed.events.find((e) => e.eventType === "DELETE"),
      10_000,
      "the DELETE",
    );
    assert.deepEqual([deleted.old, deleted.new], [{ id }, {}]);
    // The UPDATE-only binding filtered on company_id does not see the DELETE: its old record is the key only.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(feed.events.filter((e) => e.eventType === "DELETE").length, 1);
  });

  test("filters compare as the column's type: eq/neq/lt/lte/gt/gte/in, conditions joined by commas; columns the role may not select are left out", async () => {
    // A table of the test's own in the publication, without RLS, its `label` not granted to members.
    sql(`create table public.realtime_probe (id int primary key, n int not null, label text);
      grant select (id, n) on public.realtime_probe to authenticated;
      alter publication supabase_realtime add table public.realtime_probe;`);
    try {
      const on = (filter) => ({ event: "INSERT", schema: "public", table: "realtime_probe", filter });
      const filters = [
        "n=lt.5",
        "n=lte.5",
        "n=gt.5",
        "n=gte.5",
        "n=neq.5",
        "n=in.(1,10)",
        "n=eq.5",
        "n=gt.1,n=lt.10",
      ];
      const feed = await listen(owner, "probe", filters.map(on));
      assert.deepEqual(feed.system.map((s) => s.status), ["ok"]);
      sql(`insert into public.realtime_probe values (1, 1, 'un'), (2, 5, 'cinq'), (3, 10, 'dix')`);
      const expected = [[1], [1, 5], [10], [5, 10], [1, 10], [1, 10], [5], [5]];
      const total = expected.flat().length;
      await eventually(() => (feed.events.length >= total ? true : undefined), 15_000, `${total} deliveries`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const got = filters.map((_, i) =>
        feed.events.filter((e) => e.binding === i).map((e) => e.new.n).sort((x, y) => x - y)
      );
      assert.deepEqual(
        Object.fromEntries(filters.map((f, i) => [f, got[i]])),
        Object.fromEntries(filters.map((f, i) => [f, expected[i]])),
      );
      // 10 > 5 as integers (as text it would sort first): the column's type decides.
      assert.deepEqual(feed.events[0].new.label, undefined);
      assert.deepEqual(Object.keys(feed.events[0].new).sort(), ["id", "n"]);
    } finally {
      sql(
        `alter publication supabase_realtime drop table public.realtime_probe; drop table public.realtime_probe;`,
      );
    }
  });

  test("the feed survives its database connection being terminated (a new slot; later changes arrive)", async () => {
    const feed = await listen(owner, "survivor", [{
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${a.id}`,
    }]);
    const [killed] = sql(
      `select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'comptoir-realtime'`,
    );
    assert.ok(Number(killed) >= 1, "the stand-in's connections were terminated");
    // Changes committed while it reconnects are not sent (as with the real server); later ones are.
    const id = await eventually(
      async () => {
        const candidate = logActivity(a.slug, "Après la coupure");
        await new Promise((resolve) => setTimeout(resolve, 300));
        return feed.events.some((e) => e.new.id === candidate) ? candidate : undefined;
      },
      30_000,
      "an INSERT after the reconnection",
    );
    assert.ok(id);
  });

  test("a table outside the supabase_realtime publication: SUBSCRIBED, then the real server's system error", async () => {
    const feed = await listen(owner, "agents", [{ event: "*", schema: "public", table: "agents" }]);
    assert.deepEqual(feed.statuses, ["SUBSCRIBED"]);
    assert.equal(feed.system[0].status, "error");
    assert.match(
      feed.system[0].message,
      /^Unable to subscribe to changes with given parameters\. Please check Realtime is enabled for the given connect parameters: \[event: \*, schema: public, table: agents, filters: \[\]\]$/,
    );
  });

  test("an access token that expires closes the channel; an expired one sent with setAuth too", async () => {
    const token = mintJwt({ sub: a.people.owner.id, email: a.people.owner.email }, 2);
    const client = browser(publishableKey, { accessToken: () => Promise.resolve(token) });
    clients.push(client);
    await client.realtime.setAuth(); // with `accessToken`, before subscribing (PLATFORM.md)
    const feed = await listen(client, "short-lived", [{
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${a.id}`,
    }]);
    assert.deepEqual(feed.statuses, ["SUBSCRIBED"]);
    await eventually(
      () => feed.statuses.includes("CLOSED") ? true : undefined,
      15_000,
      "the channel's close at expiry",
    );
    assert.deepEqual(feed.system.map((s) => s.status).slice(-1), ["error"]);
    // « 0 seconds ago » on time; a loaded machine may close it a second or two late.
    assert.match(feed.system.at(-1).message, /^Token has expired \d+ seconds ago$/);

    const other = await signedIn(a.people.admin.email);
    clients.push(other);
    const second = await listen(other, "refreshed", [{
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${a.id}`,
    }]);
    await other.realtime.setAuth(mintJwt({ sub: a.people.admin.id }, -60));
    await eventually(
      () => second.statuses.includes("CLOSED") ? true : undefined,
      10_000,
      "the close after an expired token",
    );
    assert.match(second.system.at(-1).message, /^Token has expired \d+ seconds ago$/);
    // A join with an expired token is refused outright.
    const refused = browser(publishableKey, {
      accessToken: () => Promise.resolve(mintJwt({ sub: a.people.owner.id }, -5)),
    });
    clients.push(refused);
    await refused.realtime.setAuth();
    const join = await listen(refused, "late", [{ event: "INSERT", schema: "public", table: "activities" }]);
    assert.match(join.statuses[0], /^CHANNEL_ERROR: Token has expired \d+ seconds ago$/);
    // A session that never expires is no session to hosted Realtime: refused, as the functions do.
    const endless = browser(publishableKey, {
      accessToken: () => Promise.resolve(mintJwt({ sub: a.people.owner.id }, null)),
    });
    clients.push(endless);
    await endless.realtime.setAuth();
    const never = await listen(endless, "endless", [{ event: "INSERT", schema: "public", table: "activities" }]);
    assert.equal(never.statuses[0], "CHANNEL_ERROR: Fields `role` and `exp` are required in JWT");
  });

  test("the websocket without a known key is refused (403)", async () => {
    const wsUrl = `${url.replace(/^http/, "ws")}/realtime/v1/websocket?vsn=2.0.0`;
    const status = await new Promise((resolve) => {
      const socket = new WebSocket(`${wsUrl}&apikey=sb_publishable_not_ours`);
      socket.on("unexpected-response", (req, res) => {
        resolve(res.statusCode);
        req.destroy(); // ws leaves a refused upgrade's request open
      });
      socket.on("open", () => resolve("open"));
    });
    assert.equal(status, 403);
  });

  test("a socket that never heartbeats is closed after 60 s of silence", { skip: long }, async () => {
    const wsUrl = `${url.replace(/^http/, "ws")}/realtime/v1/websocket?vsn=2.0.0`;
    const silent = new WebSocket(`${wsUrl}&apikey=${publishableKey}`);
    const opened = Date.now();
    const closedAfter = await new Promise((resolve) =>
      silent.on("close", () => resolve(Date.now() - opened))
    );
    // Not before the 60 s of silence; after them, as soon as the server's check runs (a loaded machine may be late).
    assert.ok(closedAfter >= 59_000 && closedAfter < 90_000, `closed after ${closedAfter} ms`);
  });

  test("heartbeats keep a channel open for 60 s: it still gets its events", { skip: long }, async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 61_000 - Date.now())));
    assert.deepEqual(heartbeatFeed.statuses, ["SUBSCRIBED"]);
    const id = logActivity(a.slug, "Commande tardive");
    // What this checks is that the channel is still open, not how fast (the first test measures
    // that): a loaded machine may take more than a second to deliver.
    await eventually(() => heartbeatFeed.events.find((e) => e.new.id === id), 15_000, "the late INSERT");
  });
});

// Botlive's drafts through Realtime, as a shop's dashboard hears them: a private Broadcast topic
// per company (`company:<id>:botlive`, migration botlive-drafts-private-broadcast), joined only by
// the company's members (the policy on realtime.messages, probed at the join as the real server
// does); and what a stranger who signed up can learn through postgres_changes: nothing. In this
// file (not one of its own) because the test above terminates the stand-in's connections, which
// a file running beside it would feel.
/** Joins a broadcast channel; resolves once the join is answered (SUBSCRIBED or an error). */
async function joinBroadcast(client, topic, config = { private: true }) {
  const seen = { events: [], statuses: [] };
  const channel = client.channel(topic, { config });
  channel.on("broadcast", { event: "*" }, (message) => seen.events.push(message));
  channel.subscribe((status, error) => seen.statuses.push(error ? `${status}: ${error.message}` : status));
  await eventually(() => (seen.statuses.length > 0 ? true : undefined), 15_000, `${topic}'s join`);
  return seen;
}

/** A conversation and its draft, written, changed and deleted as Botlive's steps do. */
function draftLifecycle(company) {
  const [conversation] = sql(`
    insert into public.conversations (company_id, channel, external_id) values ('${company.id}', 'botlive', gen_random_uuid()::text) returning id`);
  sql(`insert into public.botlive_drafts (conversation_id, company_id, customer_name)
         values ('${conversation}', '${company.id}', 'Awa');
       update public.botlive_drafts set quantity = 2 where conversation_id = '${conversation}';
       delete from public.botlive_drafts where conversation_id = '${conversation}';`);
  return conversation;
}

describe("Botlive drafts on a private Broadcast topic; nothing for non-members", { skip }, () => {
  let a, b, member, stranger, anon, listener;
  const clients = [];

  before(async () => {
    a = createTenant("bcast");
    b = createTenant("bcast");
    [member, stranger] = await Promise.all([signedIn(a.people.member.email), signedIn(b.people.owner.email)]);
    anon = browser();
    listener = browser();
    clients.push(member, stranger, anon, listener);
    await Promise.all(clients.map((client) => client.realtime.setAuth()));
  });
  after(async () => {
    await Promise.all(clients.map(async (client) => {
      await client.removeAllChannels();
      client.realtime.disconnect();
    }));
    a?.drop();
    b?.drop();
  });

  test("a member hears each change of the company's drafts, in order, with the rows; other companies' members and anon cannot join", async () => {
    const topic = `company:${a.id}:botlive`;
    const [mine, theirs, nobody, publicTwin] = await Promise.all([
      joinBroadcast(member, topic),
      joinBroadcast(stranger, topic),
      joinBroadcast(anon, topic),
      // The same name as a public channel (anyone may join one): private messages never reach it.
      joinBroadcast(listener, topic, { private: false }),
    ]);
    assert.deepEqual(mine.statuses, ["SUBSCRIBED"]);
    const refusal = `CHANNEL_ERROR: Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`;
    assert.deepEqual(theirs.statuses, [refusal]);
    assert.deepEqual(nobody.statuses, [refusal]);
    assert.deepEqual(publicTwin.statuses, ["SUBSCRIBED"]);

    const conversation = draftLifecycle(a);
    await eventually(() => (mine.events.length >= 3 ? true : undefined), 15_000, "the three draft changes");
    assert.deepEqual(mine.events.map((m) => [m.type, m.event]), [
      ["broadcast", "INSERT"],
      ["broadcast", "UPDATE"],
      ["broadcast", "DELETE"],
    ]);
    const [inserted, updated, deleted] = mine.events.map((m) => m.payload);
    assert.deepEqual(
      [inserted.operation, inserted.schema, inserted.table, inserted.old_record],
      ["INSERT", "public", "botlive_drafts", null],
    );
    assert.deepEqual(
      [inserted.record.conversation_id, inserted.record.customer_name, inserted.record.quantity],
      [conversation, "Awa", 1],
    );
    assert.deepEqual([updated.old_record.quantity, updated.record.quantity], [1, 2]);
    assert.deepEqual([deleted.record, deleted.old_record.conversation_id], [null, conversation]);
    assert.ok(mine.events.every((m) => typeof m.meta?.id === "string"), "each message carries its id");

    // B's own drafts reach nobody on A's topic; the public twin heard nothing at all.
    draftLifecycle(b);
    const mark = draftLifecycle(a);
    await eventually(
      () => (mine.events.some((m) => m.payload.record?.conversation_id === mark) ? true : undefined),
      15_000,
      "A's next draft",
    );
    assert.equal(mine.events.filter((m) => m.payload.old_record?.company_id === b.id).length, 0);
    assert.deepEqual(publicTwin.events, []);
  });

  test("a stranger subscribed to botlive_drafts without a filter learns nothing of another shop's drafts (not even a DELETE's key)", async () => {
    const seen = { events: [], statuses: [], system: [] };
    const channel = stranger.channel("drafts-everyone");
    channel.on("postgres_changes", { event: "*", schema: "public", table: "botlive_drafts" }, (e) => seen.events.push(e));
    channel.on("system", {}, (payload) => seen.system.push(payload));
    channel.subscribe((status) => seen.statuses.push(status));
    await eventually(() => (seen.system.length > 0 ? true : undefined), 15_000, "the subscription's answer");

    // A's drafts come and go, and an activity of A is written after them: once the member's
    // feed of A (postgres_changes on activities, under RLS) has it, the drafts' changes are past.
    const feed = { events: [] };
    const acts = member.channel("acts-a");
    acts.on("postgres_changes", {
      event: "INSERT",
      schema: "public",
      table: "activities",
      filter: `company_id=eq.${a.id}`,
    }, (e) => feed.events.push(e));
    await new Promise((resolve) => acts.subscribe((status) => status === "SUBSCRIBED" && resolve()));
    draftLifecycle(a);
    const [marker] = sql(`select public.log_activity('${a.slug}', 'order.created', 'après les brouillons')`);
    await eventually(() => feed.events.find((e) => e.new.id === marker), 15_000, "A's marker activity");
    assert.deepEqual(seen.events, []);
    // The table is out of the publication: the real server's own answer for that.
    assert.match(seen.system[0].message, /^Unable to subscribe to changes with given parameters/);
  });
});
