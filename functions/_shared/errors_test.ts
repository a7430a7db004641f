import assert from "node:assert/strict";
import { createDb } from "./db.ts";
import { databaseError, dbStep, isConnectionError } from "./errors.ts";
import { HttpError } from "./http.ts";
import { stack } from "../../tests/support/stack.ts";

const pg = (code: string, message = "m") => Object.assign(new Error(message), { code });

Deno.test("errors: SQLSTATEs map to the contract; ours keep their message, the server's say what was refused", () => {
  const cases: [string, number, RegExp][] = [
    ["P0002", 404, /^chat: unknown company: x$/],
    ["PT404", 404, /^chat: unknown company: x$/],
    ["PT403", 403, /^chat: unknown company: x$/],
    ["22023", 400, /^chat: unknown company: x$/],
    ["22021", 400, /NUL character/],
    ["22P05", 400, /unpaired surrogate/],
    ["54001", 400, /nested too deeply/],
    ["42501", 403, /^chat: /],
    ["23505", 409, /already exists/],
    ["57014", 503, /took too long/],
    ["40P01", 503, /was busy, retry/],
    ["40001", 503, /was busy, retry/],
    ["57P01", 503, /database unavailable/],
  ];
  for (const [code, status, message] of cases) {
    const mapped = databaseError(pg(code, "unknown company: x"), "chat");
    assert.ok(mapped instanceof HttpError, code);
    assert.equal(mapped.status, status, code);
    assert.match(mapped.message, message, code);
    assert.doesNotMatch(JSON.stringify(mapped.details ?? {}), /unknown company/, "no server text in details");
  }
  const unknown = pg("XX000");
  assert.equal(databaseError(unknown, "chat"), unknown, "anything else stays a 500 that reveals nothing");
  assert.ok(isConnectionError(Object.assign(new Error(), { code: "CONNECTION_CLOSED" })));
});

Deno.test("errors: a message carries its context once — the function's name replaces the SQL function's", () => {
  const cases: [string, string, string, string][] = [
    [
      "toggle-live-mode",
      "42501",
      "toggle_live_mode: requires an admin of company x",
      "toggle-live-mode: requires an admin of company x",
    ],
    ["assistant", "P0002", "assistant: no conversation 1", "assistant: no conversation 1"],
    [
      "chat",
      "22023",
      "chat_begin_turn: a message and its idempotency key are required",
      "chat: a message and its idempotency key are required",
    ],
    [
      "orders",
      "55000",
      "order 12: delivered → pending is not allowed",
      "orders: order 12: delivered → pending is not allowed",
    ],
    ["chat", "P0002", "unknown company: x", "chat: unknown company: x"],
  ];
  for (const [what, code, message, expected] of cases) {
    const mapped = databaseError(pg(code, message), what);
    assert.ok(mapped instanceof HttpError, message);
    assert.equal(mapped.message, expected);
  }
});

Deno.test("errors: dbStep retries a lost connection, then gives up with a 503", async () => {
  let calls = 0;
  assert.equal(
    await dbStep("x", () => ++calls < 3 ? Promise.reject(pg("ECONNRESET")) : Promise.resolve("ok")),
    "ok",
  );
  assert.equal(calls, 3);
  await assert.rejects(
    dbStep("x", () => Promise.reject(pg("57P01"))),
    (e: unknown) => e instanceof HttpError && e.status === 503,
  );
});

Deno.test({
  name: "errors: what Postgres itself refuses (a NUL in text, jsonb nested past its stack) is a 400 backstop",
  ignore: !stack.available,
  async fn() {
    const db = createDb(stack.dbUrl, { max: 1 });
    try {
      for (
        const [sql, code] of [["select $1::text", "22021"], [
          "select (repeat('[', 100000) || repeat(']', 100000))::jsonb",
          "54001",
        ]] as const
      ) {
        const error = await db.asService((tx) => tx.unsafe(sql, sql.includes("$1") ? ["a\u0000b"] : [])).then(
          () => undefined,
          (e) => e,
        );
        assert.equal(error?.code, code);
        const mapped = databaseError(error, "test");
        assert.ok(mapped instanceof HttpError && mapped.status === 400, code);
      }
    } finally {
      await db.end();
    }
  },
});
