/**
 * The local stack's front door: a small HTTP/1.1 proxy on the public port, in front of the stack's
 * Deno.serve on a private Unix socket. Deno's server answers a request line over ~64 KiB (or a
 * longer head) with an empty 400 before any of our code runs; hosted Supabase's edge refuses long
 * URLs itself. The front refuses them first, in the error contract (414 / 431), and puts the
 * client's address in `cf-connecting-ip` (the gateway trusts it from the socket only). It frames
 * every request of a keep-alive connection (Content-Length, chunked or no body) so that each one is
 * checked, and follows the responses' framing so that a refusal comes after the answers before it.
 * A websocket upgrade turns the connection into a plain two-way pipe.
 */
import { Body, copy, frameResponse, Refusal, RequestHead, responseHeadEnd, responseStatus } from "./http1.ts";

export { MAX_HEAD, MAX_HEADER_FIELDS, MAX_REQUEST_LINE } from "./http1.ts";

/** The request side's read buffer: it holds a whole head (MAX_HEAD) and then some. */
const REQUEST_BUFFER = 65_536;
/** The response side's: a response head must fit in half of it. */
const RESPONSE_BUFFER = 32_768;
/** A head and the first body bytes go upstream in one write when they fit in this. */
const OUT_BUFFER = 16_384;
/** How long a refused client may go on sending before the connection is closed under it. */
const LINGER_MS = 2_000;

const encoder = new TextEncoder();

export interface FrontOptions {
  hostname: string;
  port: number;
  /** The Unix socket the stack's Deno.serve listens on. */
  socketPath: string;
}

export interface Front {
  addr: Deno.NetAddr;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Listens on hostname:port and passes each connection's checked requests to the socket. */
export function startFront(options: FrontOptions): Front {
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const addr = listener.addr as Deno.NetAddr;
  const hostLine = encoder.encode(`host: ${addr.hostname}:${addr.port}\r\n`);
  const connections = new Set<Connection>();
  let closing = false;
  const accepting = (async () => {
    while (!closing) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept() as Deno.TcpConn;
      } catch {
        if (closing) return;
        // Out of file descriptors, or a client gone before it was accepted: try again shortly.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const connection = new Connection(client, options.socketPath, hostLine);
      connections.add(connection);
      connection.done.then(() => connections.delete(connection));
    }
  })();
  return {
    addr,
    async close() {
      closing = true;
      listener.close();
      for (const connection of connections) connection.close();
      await accepting;
      await Promise.all([...connections].map((connection) => connection.done));
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  let written = await conn.write(bytes);
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/**
 * One client connection: its requests checked and forwarded one by one, the server's answers piped
 * back. Every error ends here (a reset client, a closed socket): none escapes to the process.
 */
class Connection {
  readonly done: Promise<void>;
  #client: Deno.TcpConn;
  #socketPath: string;
  #hostLine: Uint8Array;
  #ipLine: Uint8Array;
  #in = new Uint8Array(REQUEST_BUFFER);
  #out = new Uint8Array(OUT_BUFFER);
  #head = new RequestHead();
  #request = new Body();
  #response = new Body();
  /** Opened at the first request that passes, with the loop piping its answers back. */
  #upstream: Deno.UnixConn | null = null;
  #responses: Promise<void> = Promise.resolve();
  /** Requests forwarded whose answer has not wholly reached the client. */
  #inFlight = 0;
  /** For each forwarded request still without a response head: was it a HEAD? */
  #heads: boolean[] = [];
  /** A request's head went upstream and its body is not all there yet. */
  #midRequest = false;
  #upgraded = false;
  #upstreamEnded = false;
  #refusing = false;
  #closed = false;
  #waiter: (() => void) | null = null;

  constructor(client: Deno.TcpConn, socketPath: string, hostLine: Uint8Array) {
    this.#client = client;
    this.#socketPath = socketPath;
    this.#hostLine = hostLine;
    this.#ipLine = encoder.encode(`cf-connecting-ip: ${(client.remoteAddr as Deno.NetAddr).hostname}\r\n`);
    try {
      // Heads and answers are often written in two parts: Nagle's algorithm would hold the second.
      client.setNoDelay(true);
    } catch { /* already reset: its first read says so */ }
    this.done = this.#run();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#client.close();
    } catch { /* already closed */ }
    this.#closeUpstream();
    this.#wake();
  }

  async #run() {
    try {
      await this.#requests();
    } catch (error) {
      // Anything but a refusal is the client or the server going away: nothing left to answer.
      if (error instanceof Refusal) await this.#refuse(error).catch(() => {});
    } finally {
      this.close();
      await this.#responses;
    }
  }

  async #requests(): Promise<void> {
    const buf = this.#in, head = this.#head, body = this.#request;
    let start = 0, end = 0; // bytes read and not yet forwarded: buf[start, end)
    for (;;) {
      head.reset(start);
      while (!head.find(buf, end)) {
        if (end === buf.length) {
          buf.copyWithin(0, head.start, end);
          end -= head.start;
          head.shift(head.start);
        }
        const n = await this.#client.read(buf.subarray(end));
        // The client is done sending: the answers still coming reach it, then the connection closes.
        if (n === null) return await this.#until(() => this.#inFlight === 0);
        end += n;
      }
      const size = head.end - head.start + this.#ipLine.length + this.#hostLine.length;
      const out = size <= this.#out.length ? this.#out : new Uint8Array(size);
      const o = head.rewrite(buf, out, this.#ipLine, this.#hostLine);

      // The body, by its framing, forwarded as it comes (with the head when it is short).
      if (head.chunked) body.chunked();
      else body.length(Math.max(head.length, 0));
      let pos = body.feed(buf.subarray(0, end), head.end);
      if (out === this.#out && o + pos - head.end <= out.length) {
        await this.#forward(out.subarray(0, copy(out, o, buf, head.end, pos)), head.isHead);
      } else {
        await this.#forward(out.subarray(0, o), head.isHead);
        await writeAll(this.#upstream!, buf.subarray(head.end, pos));
      }
      start = pos;
      while (!body.done) {
        const n = await this.#client.read(buf);
        if (n === null) return; // the client left mid-body: no answer can follow
        const chunk = buf.subarray(0, n);
        pos = body.feed(chunk, 0);
        await writeAll(this.#upstream!, chunk.subarray(0, pos));
        start = pos;
        end = n;
      }
      this.#midRequest = false;

      if (head.upgrade) {
        // Until the server says whether it switches protocols, what follows may be either.
        await this.#until(() => this.#inFlight === 0 || this.#upgraded);
        if (this.#upgraded) return await this.#pipeUpgraded(start, end);
      }
    }
  }

  async #forward(bytes: Uint8Array, isHead: boolean) {
    if (!this.#upstream) {
      const upstream = await Deno.connect({ transport: "unix", path: this.#socketPath });
      if (this.#closed) {
        upstream.close();
        throw new Deno.errors.BadResource("front: connection closed");
      }
      this.#upstream = upstream;
      this.#responses = this.#pipeResponses(upstream);
    }
    this.#inFlight++;
    this.#heads.push(isHead);
    this.#midRequest = true;
    await writeAll(this.#upstream, bytes);
  }

  /** Answers a refused request once the answers before it are through, then closes. */
  async #refuse(refusal: Refusal) {
    this.#refusing = true;
    // Mid-body, the server waits for the rest: its answers to earlier requests are lost.
    if (!this.#midRequest) await this.#until(() => this.#inFlight === 0);
    this.#closeUpstream();
    await this.#responses;
    await writeAll(this.#client, refusal.bytes);
    await this.#client.closeWrite();
    // Read what the client still sends (the rest of a long URL): closing a socket with unread
    // bytes resets the connection, and the client could lose the answer.
    const timer = setTimeout(() => this.close(), LINGER_MS);
    try {
      while (await this.#client.read(this.#in) !== null) {
        // discarded
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** After a 101: the bytes of both sides pass as they come. */
  async #pipeUpgraded(start: number, end: number) {
    const upstream = this.#upstream!;
    if (end > start) await writeAll(upstream, this.#in.subarray(start, end));
    for (let n = await this.#client.read(this.#in); n !== null; n = await this.#client.read(this.#in)) {
      await writeAll(upstream, this.#in.subarray(0, n));
    }
    await upstream.closeWrite();
    await this.#responses;
  }

  /** Pipes the server's bytes to the client, following its responses to count the answers through. */
  async #pipeResponses(upstream: Deno.UnixConn) {
    const buf = new Uint8Array(RESPONSE_BUFFER);
    const body = this.#response;
    let kept = 0; // the start of a response head, already passed on, kept to read it whole
    let inHead = true;
    try {
      while (!this.#upgraded) {
        const n = await upstream.read(buf.subarray(kept));
        if (n === null) return;
        const view = buf.subarray(0, kept + n);
        let pos = 0, answered = 0;
        while (pos < view.length && !this.#upgraded) {
          if (inHead) {
            const end = responseHeadEnd(view, pos);
            if (end < 0) break;
            const status = responseStatus(view, pos);
            // 100 Continue and other interim answers: the final one follows.
            if (status < 200 && status !== 101) {
              pos = end;
              continue;
            }
            this.#upgraded = status === 101;
            frameResponse(view, pos, end, this.#heads.shift() ?? false, body);
            pos = end;
          } else pos = body.feed(view, pos);
          inHead = body.done;
          if (inHead) answered++;
        }
        await writeAll(this.#client, view.subarray(kept));
        kept = inHead && !this.#upgraded ? view.length - pos : 0;
        if (kept > buf.length / 2) throw new Error("front: a response head is too long");
        if (kept > 0) buf.copyWithin(0, pos, view.length);
        if (answered > 0) {
          this.#inFlight = Math.max(0, this.#inFlight - answered);
          this.#wake();
        }
      }
      for (let n = await upstream.read(buf); n !== null; n = await upstream.read(buf)) {
        await writeAll(this.#client, buf.subarray(0, n));
      }
    } catch (error) {
      if (error instanceof Refusal) console.error(`front: a response it cannot frame (${error.message})`);
    } finally {
      this.#upstreamEnded = true;
      this.#wake();
      // A refusal closes the connection itself, once its answer is written.
      if (!this.#refusing) this.close();
    }
  }

  /** Waits until `ready()`, or until the server or the connection is gone. */
  async #until(ready: () => boolean) {
    while (!ready() && !this.#upstreamEnded && !this.#closed) {
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
  }

  #wake() {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  #closeUpstream() {
    try {
      this.#upstream?.close();
    } catch { /* already closed */ }
  }
}
