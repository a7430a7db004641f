import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import { type Front, MAX_HEAD, MAX_REQUEST_LINE, startFront } from "./front.ts";

interface Seen {
  method: string;
  path: string;
  ip: string | null;
  host: string | null;
  body: Uint8Array;
}

/**
 * A front on a free port over a tiny server on a temporary Unix socket, which records what reaches
 * it (/slow answers after 100 ms; /ws echoes websocket messages).
 */
async function withFront(test: (front: Front, seen: Seen[]) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const socketPath = join(dir, "api.sock");
  const seen: Seen[] = [];
  const server = Deno.serve({ path: socketPath, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/ws") {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (event) => socket.send(event.data);
      return response;
    }
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      ip: req.headers.get("cf-connecting-ip"),
      host: req.headers.get("host"),
      body: new Uint8Array(await req.arrayBuffer().catch(() => new ArrayBuffer(0))), // a client may leave mid-body
    });
    if (url.pathname === "/slow") await new Promise((resolve) => setTimeout(resolve, 100));
    if (url.pathname === "/empty") return new Response(null, { status: 204 });
    if (url.pathname === "/stream") {
      // A streamed (chunked) answer, as the functions' server-sent events are.
      const parts = ["one ", "two ", "three"];
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            const part = parts.shift();
            if (part) controller.enqueue(encoder.encode(part));
            else controller.close();
          },
        }),
      );
    }
    return new Response(`ok ${url.pathname}`);
  });
  const front = startFront({ hostname: "127.0.0.1", port: 0, socketPath });
  try {
    await test(front, seen);
  } finally {
    await front.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const encoder = new TextEncoder();

/** Writes each piece (with a pause between, so they arrive as separate reads), then reads to the end. */
async function exchange(front: Front, pieces: (string | Uint8Array)[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
  try {
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const bytes = typeof piece === "string" ? encoder.encode(piece) : piece;
      for (let written = 0; written < bytes.length;) written += await conn.write(bytes.subarray(written));
    }
    return await new Response(conn.readable).text();
  } finally {
    try {
      conn.close();
    } catch { /* closed by reading to the end */ }
  }
}

/**
 * A GET through node:http: Deno's fetch refuses a URL over 65,534 bytes before sending it (the
 * limit of the `http` crate's Uri).
 */
function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => body += chunk);
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on("error", reject);
  });
}

Deno.test("front: a 100,000-character query is a 414 in the error contract, readable cross-origin", async () => {
  await withFront(async (front, seen) => {
    const res = await get(`http://127.0.0.1:${front.addr.port}/functions/v1/health?q=${"a".repeat(100_000)}`);
    assert.equal(res.status, 414);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(res.headers["access-control-allow-origin"], "*");
    assert.equal(res.headers.connection, "close");
    assert.deepEqual(JSON.parse(res.body), {
      error: { code: "uri_too_long", message: `Request URI too long: at most ${MAX_REQUEST_LINE} bytes` },
    });
    // Refused as soon as the line is too long, before its end arrives.
    const early = await exchange(front, [`GET /?q=${"b".repeat(MAX_REQUEST_LINE + 10)}`]);
    assert.match(early, /^HTTP\/1\.1 414 /);
    assert.equal(seen.length, 0);
  });
});

Deno.test("front: a head over the limit (a 60 KiB header) is a 431 in the error contract", async () => {
  await withFront(async (front, seen) => {
    const res = await fetch(`http://127.0.0.1:${front.addr.port}/`, {
      headers: { "x-big": "b".repeat(60 * 1024) },
    });
    assert.equal(res.status, 431);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(await res.json(), {
      error: { code: "headers_too_large", message: `Request headers too large: at most ${MAX_HEAD} bytes` },
    });
    assert.equal(seen.length, 0);
  });
});

Deno.test("front: GET and a Content-Length POST arrive intact, with the peer's address, not a forged one", async () => {
  await withFront(async (front, seen) => {
    const base = `http://127.0.0.1:${front.addr.port}`;
    const get = await fetch(`${base}/functions/v1/health?x=1`, {
      headers: { "cf-connecting-ip": "6.6.6.6" },
    });
    assert.equal(await get.text(), "ok /functions/v1/health");
    const body = encoder.encode(`{"text":"${"é".repeat(3000)}"}`);
    const post = await fetch(`${base}/post`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    assert.equal(await post.text(), "ok /post");
    assert.deepEqual(seen.map(({ method, path, ip }) => [method, path, ip]), [
      ["GET", "/functions/v1/health?x=1", "127.0.0.1"],
      ["POST", "/post", "127.0.0.1"],
    ]);
    assert.deepEqual(seen[1].body, body);
    assert.equal(seen[0].host, `127.0.0.1:${front.addr.port}`);
  });
});

Deno.test("front: a chunked POST (extensions, a trailer, a character split across writes) then a GET on one connection", async () => {
  await withFront(async (front, seen) => {
    const euro = encoder.encode("€"); // three bytes, sent in two writes
    const answer = await exchange(front, [
      "POST /chunked HTTP/1.1\r\nHost: x\r\nCF-Connecting-IP: 6.6.6.6\r\nTransfer-Encoding: chunked\r\n\r\n",
      "6;name=value\r\nab",
      new Uint8Array([...encoder.encode("c"), euro[0], euro[1]]),
      new Uint8Array([euro[2], ...encoder.encode("\r\n0\r\nx-trailer: 1\r\n\r\n")]),
      "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]);
    assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2, answer);
    assert.deepEqual(seen.map(({ path, ip }) => [path, ip]), [["/chunked", "127.0.0.1"], [
      "/after",
      "127.0.0.1",
    ]]);
    assert.deepEqual(seen[0].body, encoder.encode("abc€"));
  });
});

Deno.test("front: the second of two pipelined requests is too long: the first is answered, then a 414", async () => {
  await withFront(async (front, seen) => {
    const answer = await exchange(front, [
      `GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /?q=${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    const first = answer.indexOf("HTTP/1.1 200 OK");
    const second = answer.indexOf("HTTP/1.1 414 URI Too Long");
    assert.ok(first === 0 && second > first, answer);
    assert.ok(
      answer.endsWith(
        '{"error":{"code":"uri_too_long","message":"Request URI too long: at most 16384 bytes"}}',
      ),
    );
    assert.deepEqual(seen.map(({ path }) => path), ["/slow"]);
  });
});

Deno.test("front: answers of every framing (HEAD, streamed, 204) pass on one connection before a 414", async () => {
  await withFront(async (front, seen) => {
    const answer = await exchange(front, [
      "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /empty HTTP/1.1\r\nHost: x\r\n\r\nPOST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
      `GET /${"a".repeat(MAX_REQUEST_LINE)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d+)/g)].map((match) => match[1]);
    assert.deepEqual(statuses, ["200", "200", "204", "200", "414"], answer);
    assert.match(answer, /\r\n\r\n[^]*one [^]*two [^]*three\r\n0\r\n\r\n/);
    assert.deepEqual(seen.map(({ method, path }) => `${method} ${path}`), [
      "HEAD /head",
      "GET /stream",
      "GET /empty",
      "POST /post",
    ]);
  });
});

Deno.test("front: clients leaving mid-request or mid-answer do not disturb it", async () => {
  await withFront(async (front) => {
    for (
      const head of [
        "POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nten bytes.",
        "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
        `GET /${"a".repeat(30_000)}`,
      ]
    ) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
      await conn.write(encoder.encode(head));
      await new Promise((resolve) => setTimeout(resolve, 15));
      conn.close();
    }
    const res = await fetch(`http://127.0.0.1:${front.addr.port}/after`);
    assert.equal(await res.text(), "ok /after");
  });
});

Deno.test("front: framing it cannot follow is a 400 in the error contract", async () => {
  await withFront(async (front, seen) => {
    for (
      const head of [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\ncf-connecting-ip : 6.6.6.6\r\n\r\n",
      ]
    ) {
      const answer = await exchange(front, [head]);
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n[^]*"code":"invalid_request"/);
    }
    assert.equal(seen.length, 0);
  });
});

Deno.test("front: after an upgrade the server declines, the connection's requests are still checked", async () => {
  await withFront(async (front, seen) => {
    const answer = await exchange(front, [
      "GET /declined HTTP/1.1\r\nHost: x\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\n" +
      "GET /next HTTP/1.1\r\nHost: x\r\ncf-connecting-ip: 6.6.6.6\r\nConnection: close\r\n\r\n",
    ]);
    assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2, answer);
    assert.deepEqual(seen.map(({ path, ip }) => [path, ip]), [["/declined", "127.0.0.1"], [
      "/next",
      "127.0.0.1",
    ]]);
  });
});

Deno.test("front: a websocket upgrade passes through and echoes", async () => {
  await withFront(async (front) => {
    const socket = new WebSocket(`ws://127.0.0.1:${front.addr.port}/ws`);
    const messages: unknown[] = [];
    const closed = new Promise((resolve) => socket.onclose = resolve);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const echoed = new Promise<void>((resolve) => {
      socket.onmessage = (event) => {
        messages.push(event.data);
        if (messages.length === 2) resolve();
      };
    });
    socket.send("héllo");
    socket.send("x".repeat(100_000));
    await echoed;
    socket.close();
    await closed;
    assert.deepEqual(messages, ["héllo", "x".repeat(100_000)]);
  });
});
