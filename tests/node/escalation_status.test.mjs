// resolve_escalation through supabase-js → the gateway → PostgREST 12, as a dashboard calls it:
// another company's escalation, or one that does not exist, is a 404 (PT404) that says so, never
// a 500; anon is refused with PostgREST's 401; the company's member resolves it (issue 17).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { browser, createTenant, signedIn, skip, sql } from "./support.mjs";

describe("resolve_escalation's statuses through PostgREST", { skip }, () => {
  let a, b, escalation, member, stranger;

  before(async () => {
    a = createTenant("esc");
    b = createTenant("esc");
    const [conversation] = sql(`select public.ensure_conversation('${a.slug}', 'widget', 'esc-1', 'visiteur')`);
    [escalation] = sql(`select public.open_escalation('${a.slug}', '${conversation}', 'visitor_request')`);
    [member, stranger] = await Promise.all([signedIn(a.people.member.email), signedIn(b.people.owner.email)]);
  });
  after(() => {
    a?.drop();
    b?.drop();
  });

  test("another company's owner: 404 PT404 naming the escalation, and it stays open", async () => {
    const res = await stranger.rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([res.status, res.error?.code], [404, "PT404"]);
    assert.equal(res.error.message, `resolve_escalation: unknown escalation ${escalation}`);
    assert.deepEqual(sql(`select status from public.escalations where id = '${escalation}'`), ["open"]);
  });

  test("an escalation that does not exist: the same 404; anon: 401", async () => {
    const missing = await member.rpc("resolve_escalation", { p_escalation: crypto.randomUUID() });
    assert.deepEqual([missing.status, missing.error?.code], [404, "PT404"]);
    const anon = await browser().rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([anon.status, anon.error?.code], [401, "42501"]);
  });

  test("the company's member resolves it: 200 true, then false", async () => {
    const first = await member.rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([first.status, first.data], [200, true]);
    const again = await member.rpc("resolve_escalation", { p_escalation: escalation });
    assert.deepEqual([again.status, again.data], [200, false]);
  });
});
