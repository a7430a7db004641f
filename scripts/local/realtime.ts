/**
 * A stand-in for Supabase Realtime's `postgres_changes`, at /realtime/v1/websocket, that
 * realtime-js (through supabase-js) cannot tell from the real server: Phoenix v2 frames
 * (`[join_ref, ref, topic, event, payload]`), joins answered with the bindings' ids and a
 * `system` "Subscribed to PostgreSQL" message, heartbeats, `access_token` refresh and expiry,
 * `phx_leave`. Changes come from a temporary wal2json slot polled about every 100 ms, limited to
 * the tables of the `supabase_realtime` publication; each one reaches a subscriber only if the
 * subscriber's filters match and, on a table with RLS, a select of the row as the subscriber's
 * role with its claims finds it (realtime.sql), as the real server checks. Columns the role may
 * not select are left out. DELETE cannot be checked against a gone row: it goes to the
 * subscribers whose filters match, with the old record cut to the primary key.
 *
 * Broadcast from the database: rows inserted into realtime.messages (realtime.send,
 * realtime.broadcast_changes; the platform shim) reach the channels joined on their topic, private
 * ones for private messages, as the real server's user-broadcast frames. A private channel
 * (`config.private`) is joined as the real server authorises it: in a transaction rolled back, a
 * probe row for the topic is inserted, then selected as the joining user (role, claims and
 * `realtime.topic` set locally); visible → joined, else « Unauthorized: You do not have
 * permissions to read from this Channel topic: … ». A refreshed access token is authorised again.
 *
 * Not served: client-sent broadcasts and presence (acknowledged, not relayed).
 * Local only: nothing here is deployed.
 */
import postgres from "postgres";
import type { Sql } from "../../functions/_shared/db.ts";
import type { PlatformKeys } from "./platform_keys.ts";

export interface RealtimeOptions {
  dbUrl: string;
  keys: PlatformKeys;
  /** How often the slot is read (the real server polls about every 100 ms). */
  pollMs?: number;
  /** A socket that sends nothing for this long is closed (Phoenix's default: 60 s). */
  idleMs?: number;
  quiet?: boolean;
}

type Frame = [string | null, string | null, string, string, unknown];
type ChangeType = "INSERT" | "UPDATE" | "DELETE";
type Claims = Record<string, unknown> & { role: string; exp?: number };

interface Column {
  name: string;
  type: string;
}

/** A table of the publication, as the subscribers need it. */
interface Relation {
  schema: string;
  table: string;
  oid: number;
  columns: Column[];
  primaryKey: string[];
  rls: boolean;
  /** Per role: the columns it may select (none: the role may not read the table). */
  selectable: Map<string, Set<string>>;
}

interface Condition {
  column: string;
  op: "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | "in" | "is";
  negate: boolean;
  values: string[];
}

interface Binding {
  id: number;
  event: "*" | ChangeType;
  schema: string;
  table?: string;
  conditions: Condition[];
  select?: string[];
  /** The publication's tables it names ("schema.table"), filled once checked. */
  tables: Set<string>;
}

interface Channel {
  topic: string;
  /** The topic without Phoenix's `realtime:` prefix, as realtime.messages names it. */
  subtopic: string;
  private: boolean;
  joinRef: string;
  claims: Claims;
  bindings: Binding[];
  expiry?: number;
}

interface Client {
  socket: WebSocket;
  vsn: "1.0.0" | "2.0.0";
  channels: Map<string, Channel>;
  lastSeen: number;
}

/** One decoded change from the slot (wal2json format 2). */
interface Change {
  action: "I" | "U" | "D";
  timestamp: string;
  schema: string;
  table: string;
  columns?: { name: string; type: string; value: unknown }[];
  identity?: { name: string; type: string; value: unknown }[];
}

const CHANGE_TYPES: Record<Change["action"], ChangeType> = { I: "INSERT", U: "UPDATE", D: "DELETE" };
const NUMERIC = new Set(["int2", "int4", "int8", "float4", "float8", "numeric", "oid"]);
const TIMES = new Set(["timestamptz", "timestamp", "date"]);

/** wal2json's timestamps ("2026-12-02 00:56:25.99+00") as Postgres's JSON shows them ("…T…+00:00"). */
function isoTimestamp(text: string): string {
  return text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
}

/** A record value as the real server sends it: JSON parsed, timestamps in ISO form. */
function jsonValue(type: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (type === "json" || type === "jsonb") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (type === "timestamptz" || type === "timestamp") return isoTimestamp(value);
  return value;
}

/** Splits `a,b,"c,d"` on the commas outside quotes and parentheses (the filter grammar). */
function splitOutside(text: string): string[] {
  const parts: string[] = [];
  let depth = 0, quoted = false, current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && quoted && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === "(") depth++;
    else if (!quoted && ch === ")") depth--;
    if (ch === "," && !quoted && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const unquote = (value: string) =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, "$1")
    : value;

/** Parses a binding's `filter` (`company_id=eq.<uuid>`, several joined by commas: AND). */
export function parseFilter(filter: string | undefined): Condition[] {
  if (!filter) return [];
  return splitOutside(filter).map((part) => {
    const match = /^([^=]+)=(not\.)?(eq|neq|lt|lte|gt|gte|in|is)\.(.*)$/s.exec(part.trim());
    if (!match) throw new Error(`unsupported filter "${part}"`);
    const [, column, not, op, raw] = match;
    let values = [raw];
    if (op === "in") {
      if (!raw.startsWith("(") || !raw.endsWith(")")) throw new Error(`"in" needs a list: ${part}`);
      values = splitOutside(raw.slice(1, -1)).map((v) => unquote(v.trim()));
    } else values = [unquote(raw)];
    return { column, op: op as Condition["op"], negate: Boolean(not), values };
  });
}

function compare(type: string, left: unknown, right: string): number {
  if (NUMERIC.has(type)) return Number(left) - Number(right);
  if (TIMES.has(type)) return Date.parse(isoTimestamp(String(left))) - Date.parse(isoTimestamp(right));
  const a = type === "uuid" ? String(left).toLowerCase() : String(left);
  const b = type === "uuid" ? right.toLowerCase() : right;
  return a < b ? -1 : a > b ? 1 : 0;
}

function conditionHolds(condition: Condition, type: string, value: unknown): boolean {
  let holds: boolean;
  if (condition.op === "is") {
    const want = condition.values[0].toLowerCase();
    holds = want === "null"
      ? value === null
      : want === "true" || want === "false"
      ? value !== null && String(value) === want
      : value === null; // "unknown" is null for booleans
  } else if (value === null || value === undefined) {
    holds = false; // SQL: a comparison with null is not true
  } else if (condition.op === "in") {
    holds = condition.values.some((v) => compare(type, value, v) === 0);
  } else {
    const c = type === "bool"
      ? (String(value) === condition.values[0] ? 0 : 1)
      : compare(type, value, condition.values[0]);
    holds = { eq: c === 0, neq: c !== 0, lt: c < 0, lte: c <= 0, gt: c > 0, gte: c >= 0 }[condition.op];
  }
  return condition.negate ? !holds : holds;
}

/** Whether every condition holds on a record (a missing column never matches). */
function matches(conditions: Condition[], relation: Relation, record: Record<string, unknown>): boolean {
  return conditions.every((condition) => {
    if (!(condition.column in record)) return false;
    const type = relation.columns.find((c) => c.name === condition.column)?.type ?? "text";
    return conditionHolds(condition, type, record[condition.column]);
  });
}

const ROLLBACK = Symbol("rollback");

/** The refusal of a private channel's join, worded as the real server's. */
function unauthorized(subtopic: string) {
  return `Unauthorized: You do not have permissions to read from this Channel topic: ${subtopic}`;
}

/**
 * The vsn 2.0.0 user-broadcast frame (binary): kind 4, the sizes of topic, event and metadata,
 * the payload's encoding (1: JSON), then the four parts; realtime-js decodes it into a
 * `broadcast` message `{ type, event, payload, meta }`.
 */
function userBroadcastFrame(topic: string, event: string, metadata: unknown, payloadJson: string): Uint8Array {
  const encoder = new TextEncoder();
  const parts = [topic, event, JSON.stringify(metadata), payloadJson].map((part) => encoder.encode(part));
  const frame = new Uint8Array(5 + parts.reduce((sum, part) => sum + part.length, 0));
  frame.set([4, parts[0].length, parts[1].length, parts[2].length, 1]);
  let offset = 5;
  for (const part of parts) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}

/** The message realtime-js shows when a binding names no table of the publication. */
function unableToSubscribe(
  binding: { event: string; schema: string; table?: string },
  conditions: Condition[],
) {
  const filters = JSON.stringify(conditions.map((c) => [c.column, c.op, c.values.join(",")]));
  return "Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the " +
    `given connect parameters: [event: ${binding.event}, schema: ${binding.schema}, ` +
    `table: ${binding.table ?? "*"}, filters: ${filters}]`;
}

export async function startRealtime(options: RealtimeOptions) {
  const { keys } = options;
  const pollMs = options.pollMs ?? 100;
  const idleMs = options.idleMs ?? 60_000;
  const connection = { application_name: "comptoir-realtime" };
  const sql: Sql = postgres(options.dbUrl, { prepare: false, max: 4, onnotice: () => {}, connection });
  // The slot is temporary: it lives as long as this connection (never a slot left behind holding WAL).
  const slotDb: Sql = postgres(options.dbUrl, {
    prepare: false,
    max: 1,
    idle_timeout: 0,
    onnotice: () => {},
    connection,
  });
  const slotBase = `comptoir_realtime_${Deno.pid}_${crypto.randomUUID().slice(0, 8)}`;
  await sql.unsafe(await Deno.readTextFile(new URL("./realtime.sql", import.meta.url)));

  const clients = new Set<Client>();
  let nextBindingId = 1000;
  let publication = new Map<string, Relation>();
  let publicationReadAt = 0;

  async function readPublication(): Promise<Map<string, Relation>> {
    const rows = await sql<
      { schema: string; table: string; oid: number; rls: boolean; columns: Column[]; pk: string[] }[]
    >`
      select n.nspname as schema, c.relname as table, c.oid::int as oid, c.relrowsecurity as rls,
        (select json_agg(json_build_object('name', a.attname, 'type', t.typname) order by a.attnum)
           from pg_attribute a join pg_type t on t.oid = a.atttypid
          where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
        coalesce((select array_agg(a.attname::text order by k.ord)
           from pg_index i, unnest(i.indkey) with ordinality k (attnum, ord)
           join pg_attribute a on a.attnum = k.attnum
          where i.indrelid = c.oid and i.indisprimary and a.attrelid = c.oid), '{}') as pk
      from pg_publication_tables p
      join pg_namespace n on n.nspname = p.schemaname
      join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
      where p.pubname = 'supabase_realtime'`;
    const next = new Map<string, Relation>();
    for (const row of rows) {
      const key = `${row.schema}.${row.table}`;
      next.set(key, {
        schema: row.schema,
        table: row.table,
        oid: row.oid,
        columns: row.columns,
        primaryKey: row.pk,
        rls: row.rls,
        // Column privileges are read again with the publication (every few seconds).
        selectable: new Map(),
      });
    }
    publication = next;
    publicationReadAt = Date.now();
    return next;
  }

  async function selectable(relation: Relation, role: string): Promise<Set<string>> {
    let columns = relation.selectable.get(role);
    if (!columns) {
      const rows = await sql<{ name: string }[]>`
        select a.attname as name from pg_attribute a
        where a.attrelid = ${relation.oid} and a.attnum > 0 and not a.attisdropped
          and has_column_privilege(${role}, a.attrelid, a.attnum, 'SELECT')`;
      columns = new Set(rows.map((r) => r.name));
      relation.selectable.set(role, columns);
    }
    return columns;
  }

  /** The claims an access token stands for: a session or legacy JWT, or one of the API keys. */
  async function claimsOf(token: string | undefined): Promise<Claims> {
    if (!token) throw new Error("No access token");
    if (token === keys.publishableKey || token === keys.legacy?.anonKey) return { role: "anon" };
    if (token === keys.secretKey || token === keys.legacy?.serviceRoleKey) return { role: "service_role" };
    if (token.startsWith("sb_")) throw new Error("Invalid API key");
    let claims: Claims;
    try {
      claims = await keys.verify(token) as Claims;
    } catch (error) {
      const exp = (() => {
        try {
          return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp;
        } catch {
          return undefined;
        }
      })();
      if (error instanceof Error && error.name === "JWTExpired" && typeof exp === "number") {
        throw new Error(`Token has expired ${Math.max(0, Math.floor(Date.now() / 1000) - exp)} seconds ago`);
      }
      throw new Error("Invalid JWT");
    }
    // As hosted Realtime: a token without a role or an expiry is refused, whatever its signature.
    if (typeof claims.role !== "string" || claims.exp === undefined) {
      throw new Error("Fields `role` and `exp` are required in JWT");
    }
    const role = claims.role;
    if (!["anon", "authenticated", "service_role"].includes(role)) throw new Error(`Invalid role ${role}`);
    return { ...claims, role };
  }

  function send(client: Client, frame: Frame) {
    if (client.socket.readyState === WebSocket.OPEN) client.socket.send(JSON.stringify(frame));
  }
  const reply = (client: Client, [joinRef, ref, topic]: Frame, status: "ok" | "error", response: unknown) =>
    send(client, [joinRef, ref, topic, "phx_reply", { status, response }]);
  const system = (client: Client, channel: Channel, extension: string, status: string, message: string) =>
    send(client, [channel.joinRef, null, channel.topic, "system", {
      extension,
      status,
      message,
      channel: channel.topic.replace(/^realtime:/, ""),
    }]);

  function closeChannel(client: Client, channel: Channel, message: string) {
    system(client, channel, "system", "error", message);
    send(client, [channel.joinRef, channel.joinRef, channel.topic, "phx_close", {}]);
    client.channels.delete(channel.topic);
    unwatch(channel);
  }

  async function join(client: Client, frame: Frame, apikeyClaims: Claims) {
    const [joinRef, , topic, , payload] = frame;
    const { config = {}, access_token: accessToken } = (payload ?? {}) as {
      config?: {
        private?: boolean;
        postgres_changes?: {
          event?: string;
          schema?: string;
          table?: string;
          filter?: string;
          select?: string[];
        }[];
      };
      access_token?: string;
    };
    let claims: Claims;
    try {
      claims = accessToken ? await claimsOf(accessToken) : apikeyClaims;
    } catch (error) {
      return reply(client, frame, "error", { reason: (error as Error).message });
    }
    const subtopic = topic.replace(/^realtime:/, "");
    const isPrivate = config.private === true;
    if (isPrivate && !await mayRead(subtopic, claims)) {
      return reply(client, frame, "error", { reason: unauthorized(subtopic) });
    }
    const requested = config.postgres_changes ?? [];
    const bindings: Binding[] = [];
    const problems: string[] = [];
    // As the real server does at each subscription: the publication as it is now.
    await readPublication();
    for (const wanted of requested) {
      const event = String(wanted.event ?? "*").toUpperCase() as Binding["event"];
      const binding: Binding = {
        id: nextBindingId++,
        event,
        schema: wanted.schema ?? "public",
        table: wanted.table,
        conditions: [],
        select: wanted.select,
        tables: new Set(),
      };
      bindings.push(binding);
      try {
        if (!["*", "INSERT", "UPDATE", "DELETE"].includes(event)) {
          throw new Error(`unknown event ${wanted.event}`);
        }
        binding.conditions = parseFilter(wanted.filter);
      } catch (error) {
        problems.push(`Error parsing \`filter\` params: ${(error as Error).message}`);
        continue;
      }
      const relations = [...publication.values()].filter((r) =>
        (binding.schema === "*" || r.schema === binding.schema) &&
        (binding.table === undefined || binding.table === "*" || r.table === binding.table)
      );
      const named = [...binding.conditions.map((c) => c.column), ...(binding.select ?? [])];
      const unknownColumn = named.length > 0 &&
        (relations.length !== 1 || named.some((name) => !relations[0].columns.some((c) => c.name === name)));
      if (relations.length === 0 || unknownColumn) {
        problems.push(unableToSubscribe(binding, binding.conditions));
        continue;
      }
      binding.tables = new Set(relations.map((r) => `${r.schema}.${r.table}`));
    }
    // A second join of a topic replaces the first, as Phoenix does.
    const channel: Channel = { topic, subtopic, private: isPrivate, joinRef: joinRef ?? "", claims, bindings };
    const previous = client.channels.get(topic);
    if (previous) unwatch(previous);
    client.channels.set(topic, channel);
    reply(client, frame, "ok", {
      postgres_changes: requested.map((wanted, i) => ({ ...wanted, id: bindings[i].id })),
    });
    if (requested.length > 0) {
      if (problems.length > 0) system(client, channel, "postgres_changes", "error", problems.join("; "));
      else system(client, channel, "postgres_changes", "ok", "Subscribed to PostgreSQL");
    }
    watchExpiry(client, channel);
  }

  const expiryTimers = new Map<Channel, ReturnType<typeof setTimeout>>();
  function unwatch(channel: Channel) {
    clearTimeout(expiryTimers.get(channel));
    expiryTimers.delete(channel);
  }
  function watchExpiry(client: Client, channel: Channel) {
    unwatch(channel);
    if (typeof channel.claims.exp !== "number") return;
    const ms = Math.max(0, channel.claims.exp * 1000 - Date.now());
    expiryTimers.set(
      channel,
      setTimeout(() => {
        expiryTimers.delete(channel);
        if (client.channels.get(channel.topic) === channel) {
          closeChannel(client, channel, "Token has expired 0 seconds ago");
        }
      }, ms),
    );
  }

  async function onFrame(client: Client, frame: Frame, apikeyClaims: Claims) {
    const [, ref, topic, event, payload] = frame;
    if (topic === "phoenix" && event === "heartbeat") return reply(client, frame, "ok", {});
    if (event === "phx_join") return await join(client, frame, apikeyClaims);
    const channel = client.channels.get(topic);
    if (!channel) return reply(client, frame, "error", { reason: "unmatched topic" });
    if (event === "phx_leave") {
      client.channels.delete(topic);
      unwatch(channel);
      return reply(client, frame, "ok", {});
    }
    if (event === "access_token") {
      const token = (payload as { access_token?: string })?.access_token;
      try {
        channel.claims = await claimsOf(token);
        if (channel.private && !await mayRead(channel.subtopic, channel.claims)) {
          throw new Error(unauthorized(channel.subtopic));
        }
        watchExpiry(client, channel);
      } catch (error) {
        closeChannel(client, channel, (error as Error).message);
      }
      return;
    }
    // Client-sent broadcast and presence are not relayed by the stand-in: acknowledged so clients carry on.
    if (ref !== null) reply(client, frame, "ok", {});
  }

  /** Upgrades /realtime/v1/websocket?apikey=…&vsn=2.0.0; any other path is a 404. */
  async function handler(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname !== "/realtime/v1/websocket") {
      return new Response(JSON.stringify({ message: "Not found" }), { status: 404 });
    }
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(JSON.stringify({ message: "Expected a websocket upgrade" }), { status: 400 });
    }
    let apikeyClaims: Claims;
    try {
      apikeyClaims = await claimsOf(url.searchParams.get("apikey") ?? req.headers.get("apikey") ?? undefined);
    } catch {
      return new Response(JSON.stringify({ message: "Unauthorized: a valid API key or JWT is needed" }), {
        status: 403,
      });
    }
    const vsn = (url.searchParams.get("vsn") ?? "1.0.0") as Client["vsn"];
    if (vsn !== "2.0.0" && vsn !== "1.0.0") {
      return new Response(JSON.stringify({ message: `Unsupported vsn ${vsn}` }), { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req);
    const client: Client = { socket, vsn, channels: new Map(), lastSeen: Date.now() };
    socket.onopen = () => clients.add(client);
    socket.onclose = () => {
      for (const channel of client.channels.values()) unwatch(channel);
      clients.delete(client);
    };
    socket.onmessage = (message) => {
      client.lastSeen = Date.now();
      if (typeof message.data !== "string") return; // binary frames carry broadcasts only
      let frame: Frame;
      try {
        const parsed = JSON.parse(message.data);
        // vsn 1.0.0 sends objects; 2.0.0 arrays.
        frame = Array.isArray(parsed)
          ? parsed as Frame
          : [parsed.join_ref ?? null, parsed.ref ?? null, parsed.topic, parsed.event, parsed.payload];
      } catch {
        return;
      }
      onFrame(client, frame, apikeyClaims).catch((error) => {
        if (!options.quiet) console.error(`realtime: ${(error as Error).message}`);
      });
    };
    return response;
  }

  /**
   * Whether the user of these claims may read a private topic: the real server's probe. As the
   * stand-in's own (superuser) role a row is inserted for the topic; then, as the user, it is
   * selected back; the transaction is rolled back either way.
   */
  async function mayRead(subtopic: string, claims: Claims): Promise<boolean> {
    const probe = crypto.randomUUID();
    let visible = false;
    await sql.begin(async (tx) => {
      await tx`insert into realtime.messages (id, topic, extension) values (${probe}, ${subtopic}, 'broadcast')`;
      await tx`select set_config('role', ${claims.role}, true),
        set_config('realtime.topic', ${subtopic}, true),
        set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
        set_config('request.jwt.claim.sub', ${String(claims.sub ?? "")}, true),
        set_config('request.jwt.claim.role', ${claims.role}, true)`;
      visible = (await tx`select 1 from realtime.messages where id = ${probe}`).length === 1;
      throw ROLLBACK;
    }).catch((error) => {
      if (error !== ROLLBACK) throw error;
    });
    return visible;
  }

  /** A row of realtime.messages, committed: to the channels joined on its topic (private to private). */
  function broadcastFromDatabase(change: Change) {
    const row = Object.fromEntries((change.columns ?? []).map((c) => [c.name, c.value]));
    if (row.extension !== "broadcast" || typeof row.topic !== "string") return;
    const isPrivate = row.private === true;
    const event = String(row.event ?? "");
    const payload = typeof row.payload === "string" ? row.payload : JSON.stringify(row.payload ?? {});
    for (const client of clients) {
      for (const channel of client.channels.values()) {
        if (channel.subtopic !== row.topic || channel.private !== isPrivate) continue;
        if (client.socket.readyState !== WebSocket.OPEN) continue;
        if (client.vsn === "2.0.0") {
          client.socket.send(userBroadcastFrame(channel.topic, event, { id: row.id }, payload));
        } else {
          send(client, [null, null, channel.topic, "broadcast", {
            type: "broadcast",
            event,
            payload: JSON.parse(payload),
            meta: { id: row.id },
          }]);
        }
      }
    }
  }

  /** Sends one change to every channel with a binding it matches and a subscriber allowed to see it. */
  async function dispatch(change: Change) {
    const table = `${change.schema}.${change.table}`;
    const relation = publication.get(table);
    if (!relation) return;
    const type = CHANGE_TYPES[change.action];
    const typeOf = (name: string) => relation.columns.find((c) => c.name === name)?.type ?? "text";
    const record = Object.fromEntries(
      (change.columns ?? []).map((c) => [c.name, jsonValue(typeOf(c.name), c.value)]),
    );
    const oldRecord = Object.fromEntries(
      (change.identity ?? []).map((c) => [c.name, jsonValue(typeOf(c.name), c.value)]),
    );
    const subject = type === "DELETE" ? oldRecord : record;

    const targets: { client: Client; channel: Channel; ids: number[] }[] = [];
    for (const client of clients) {
      for (const channel of client.channels.values()) {
        const ids = channel.bindings
          .filter((b) =>
            (b.event === "*" || b.event === type) && b.tables.has(table) &&
            matches(b.conditions, relation, subject)
          )
          .map((b) => b.id);
        if (ids.length > 0) targets.push({ client, channel, ids });
      }
    }
    if (targets.length === 0) return;

    // Who may read the table at all, then (INSERT/UPDATE on an RLS table) who may see this row.
    const readers: typeof targets = [];
    for (const target of targets) {
      if ((await selectable(relation, target.channel.claims.role)).size > 0) readers.push(target);
    }
    let allowed = readers;
    if (type !== "DELETE" && relation.rls) {
      const checked = readers.filter((t) => t.channel.claims.role !== "service_role");
      const key = Object.fromEntries(relation.primaryKey.map((name) => [name, record[name]]));
      const visible = checked.length === 0 ? new Set<(typeof targets)[number]>() : new Set(
        (await sql<{ id: number }[]>`
          select realtime.comptoir_visible_to(${relation.oid}::oid::regclass, ${
          sql.json(key as postgres.JSONValue)
        }, ${
          sql.json(
            checked.map((t, i) => ({
              id: i,
              role: t.channel.claims.role,
              claims: JSON.stringify(t.channel.claims),
            })),
          )
        }) as id`).map((row) => checked[row.id]),
      );
      allowed = readers.filter((t) => t.channel.claims.role === "service_role" || visible.has(t));
    }

    const commitTimestamp = new Date(isoTimestamp(change.timestamp)).toISOString();
    for (const { client, channel, ids } of allowed) {
      const columns = await selectable(relation, channel.claims.role);
      const wanted = channel.bindings.find((b) => ids.includes(b.id) && b.select)?.select;
      const keep = (name: string) => columns.has(name) && (!wanted || wanted.includes(name));
      const cut = (row: Record<string, unknown>, keyOnly = false) =>
        Object.fromEntries(
          Object.entries(row).filter(([name]) =>
            keep(name) && (!keyOnly || relation.primaryKey.includes(name))
          ),
        );
      const data: Record<string, unknown> = {
        schema: relation.schema,
        table: relation.table,
        commit_timestamp: commitTimestamp,
        type,
        columns: relation.columns.filter((c) => keep(c.name)),
        errors: null,
      };
      if (type !== "DELETE") data.record = cut(record);
      if (type !== "INSERT") data.old_record = cut(oldRecord, type === "DELETE" && relation.rls);
      send(client, [null, null, channel.topic, "postgres_changes", { ids, data }]);
    }
  }

  // The change feed: a temporary slot on a connection of its own, read until stopped. When that
  // connection is lost (the database restarted, the backend was terminated) the slot goes with
  // it: a new one is made on the next connection; what was committed in between is not sent
  // (as a subscriber of the real server misses changes while it reconnects).
  let slot = "";
  let slots = 0;
  async function openSlot() {
    slot = `${slotBase}_${++slots}`;
    await slotDb`select pg_create_logical_replication_slot(${slot}, 'wal2json', true)`;
  }
  await openSlot();
  let stopped = false;
  const feed = (async () => {
    let slotLost = false;
    while (!stopped) {
      const started = Date.now();
      try {
        if (slotLost) {
          await openSlot();
          slotLost = false;
          if (!options.quiet) {
            console.error("realtime: the change feed's connection was lost; reading again from now");
          }
        }
        if (started - publicationReadAt > 2000) await readPublication();
        const tables = [...publication.values()].map((r) => `${r.schema}.${r.table}`)
          .concat("realtime.messages").join(",");
        const rows = await slotDb<{ data: string }[]>`
          select data from pg_logical_slot_get_changes(${slot}, null, 2000,
            'format-version', '2', 'include-timestamp', '1', 'include-transaction', '0',
            'add-tables', ${tables})`;
        // Read changes are consumed: one that cannot be sent is logged, never retried or lost with the rest.
        for (const row of rows) {
          const change = JSON.parse(row.data) as Change;
          if (change.schema === "realtime" && change.table === "messages") {
            if (change.action === "I") broadcastFromDatabase(change);
            continue;
          }
          await dispatch(change).catch((error) => {
            if (!options.quiet) console.error(`realtime: a change was not sent: ${(error as Error).message}`);
          });
        }
        if (rows.length >= 2000) continue;
      } catch (error) {
        if (stopped) break;
        if (!options.quiet) console.error(`realtime: reading changes failed: ${(error as Error).message}`);
        // The slot goes with its connection (the database restarted, the backend was terminated).
        const [alive] = await slotDb<{ ok: boolean }[]>`
          select exists (select 1 from pg_replication_slots where slot_name = ${slot}) as ok`
          .catch(() => [{ ok: false }]);
        slotLost = !alive.ok;
      }
      const now = Date.now();
      for (const client of clients) {
        if (now - client.lastSeen > idleMs) client.socket.close(1000, "idle");
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pollMs - (Date.now() - started))));
    }
  })();

  return {
    handler,
    /** Closes every socket, drops the slot (with its connection) and stops reading. */
    async stop() {
      stopped = true;
      for (const client of clients) client.socket.close(1001, "server stopping");
      for (const timer of expiryTimers.values()) clearTimeout(timer);
      await feed.catch(() => {});
      await Promise.all([slotDb.end({ timeout: 1 }), sql.end({ timeout: 1 })]);
    },
  };
}
