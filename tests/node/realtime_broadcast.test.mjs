// Botlive's drafts through Realtime, as a shop's dashboard hears them: a private Broadcast topic
// per company (`company:<id>:botlive`, migration botlive-drafts-private-broadcast), joined only by
// the company's members (the policy on realtime.messages, probed at the join as the real server
// does); and what a stranger who signed up can learn through postgres_changes: nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browser, createTenant, eventually, signedIn, skip, sql } from "./support.mjs";

/** Joins a broadcast channel; resolves once the join is answered (SUBSCRIBED or an error). */
async function join(client, topic, config = { private: true }) {
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
      join(member, topic),
      join(stranger, topic),
      join(anon, topic),
      // The same name as a public channel (anyone may join one): private messages never reach it.
      join(listener, topic, { private: false }),
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
