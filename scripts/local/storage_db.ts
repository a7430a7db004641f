/**
 * The Storage stand-in's database side, as the Storage server does it: every query in a
 * transaction that first sets, locally, the caller's `role` (the JWT's, anon without one),
 * `request.jwt.claims`, `request.jwt.claim.sub` / `.role`, `request.jwt`, `request.headers`,
 * `request.method`, `request.path`, `storage.operation` and `storage.allow_delete_query`, so
 * that RLS on storage.buckets / storage.objects decides and nothing else. A permission is probed
 * by running the write as the caller and rolling it back; the real write is then made as
 * service_role (the server's "super user"). Local only: nothing here is deployed.
 */
import postgres from "postgres";
import { ERRORS, fromDatabaseError, StorageError } from "./storage_http.ts";

export type Tx = postgres.TransactionSql;
/** A transaction, or the pool itself for a service read (`read`: the same calls, no transaction). */
export type Queryable = Tx;

/** Who is calling, from the JWT (or its absence). */
export interface Caller {
  role: "anon" | "authenticated" | "service_role";
  claims: Record<string, unknown>;
  /** The bearer token as sent ("" without one). */
  jwt: string;
  /** The token verified (false: anon without one, or with an invalid one where allowed). */
  authenticated: boolean;
  /** The JWT's `sub`: the object's owner. */
  owner?: string;
}

/** What a transaction tells the policies besides the caller. */
export interface Scope {
  caller: Caller;
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** The service_role caller the server acts as once a permission is proven. */
export const SERVICE: Caller = {
  role: "service_role",
  claims: { role: "service_role" },
  jwt: "",
  authenticated: true,
};

/** storage.objects columns a write may set (undefined values are left out, as the server does). */
export interface ObjectRow {
  bucket_id: string;
  name: string;
  owner?: string;
  version?: string;
  metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ROLLBACK = Symbol("probe rolled back");

export function createStorageDb(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 20,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "comptoir-storage" },
    // int8 (file_size_limit) as a number, as the server's pg type parser does.
    types: {
      int8: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });

  function setScope(tx: Tx, scope: Scope) {
    const { caller } = scope;
    return tx`select set_config('role', ${caller.role}, true),
      set_config('request.jwt.claim.role', ${caller.role}, true),
      set_config('request.jwt', ${caller.jwt}, true),
      set_config('request.jwt.claim.sub', ${String(caller.claims.sub ?? "")}, true),
      set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
      set_config('request.headers', ${JSON.stringify(scope.headers)}, true),
      set_config('request.method', ${scope.method}, true),
      set_config('request.path', ${scope.path}, true),
      set_config('storage.operation', ${scope.operation}, true),
      set_config('storage.allow_delete_query', 'true', true)`.execute();
  }

  /** Runs `fn` in a transaction as the scope's caller; database errors become the server's. */
  async function inScope<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await sql.begin(async (tx) => {
        // Sent now, not awaited: `fn`'s first query follows it on the same connection (one round
        // trip less), and a failure aborts the transaction before `fn`'s queries run.
        const [, result] = await Promise.all([setScope(tx, scope), fn(tx)]);
        return result;
      }) as T;
    } catch (error) {
      throw asStorageError(error);
    }
  }

  return {
    sql,
    inScope,

    /**
     * A read as service_role, which RLS does not restrict: a single statement on the pool (the
     * database owner), without a transaction or a scope to set.
     */
    async read<T>(fn: (sql: Queryable) => Promise<T>): Promise<T> {
      try {
        return await fn(sql as unknown as Queryable);
      } catch (error) {
        throw asStorageError(error);
      }
    },

    /** Runs `fn` as the caller and rolls it back: it throws when a policy (or a constraint) refuses. */
    async probe(scope: Scope, fn: (tx: Tx) => Promise<unknown>): Promise<void> {
      try {
        await inScope(scope, async (tx) => {
          await fn(tx);
          throw ROLLBACK;
        });
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
    },

    end() {
      return sql.end({ timeout: 5 });
    },
  };
}

export type StorageDb = ReturnType<typeof createStorageDb>;

function asStorageError(error: unknown): unknown {
  if (error === ROLLBACK || error instanceof StorageError) return error;
  const known = error as { code?: unknown; severity?: unknown };
  if (typeof known?.code === "string" && known.severity !== undefined) {
    return fromDatabaseError(error as { code: string; message: string });
  }
  return error;
}

/** The owner columns the server writes: `owner` only when the subject is a uuid. */
export function ownerColumns(owner: string | undefined) {
  return { owner: owner && UUID.test(owner) ? owner : undefined, owner_id: owner };
}

function defined(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}

function values(tx: Queryable, row: ObjectRow) {
  return defined({
    bucket_id: row.bucket_id,
    name: row.name,
    ...ownerColumns(row.owner),
    metadata: row.metadata === undefined ? undefined : tx.json(row.metadata as postgres.JSONValue),
    user_metadata: row.user_metadata === undefined
      ? undefined
      : tx.json(row.user_metadata as postgres.JSONValue),
    version: row.version,
  });
}

/** INSERT a new object row (a name already taken → KeyAlreadyExists). */
export async function insertObject(tx: Queryable, row: ObjectRow): Promise<void> {
  try {
    await tx`insert into storage.objects ${tx(values(tx, row))}`;
  } catch (error) {
    const mapped = asStorageError(error);
    throw mapped instanceof StorageError && mapped.code === "ResourceAlreadyExists"
      ? ERRORS.keyAlreadyExists()
      : mapped;
  }
}

/** INSERT … ON CONFLICT DO UPDATE … RETURNING *: the policies for insert, update and select all apply. */
export async function upsertObject(tx: Queryable, row: ObjectRow): Promise<Record<string, unknown>> {
  const inserted = values(tx, row);
  const updated = Object.keys(inserted).filter((column) => column !== "bucket_id" && column !== "name");
  const assignments = updated.map((column) => `${column} = excluded.${column}`).join(", ");
  const [object] = await tx`insert into storage.objects ${tx(inserted)}
    on conflict (name, bucket_id) do update set ${tx.unsafe(assignments)}
    returning *`;
  return object;
}

/** The object's row as the scope's caller sees it (NoSuchKey when hidden or missing). */
export async function findObject(
  tx: Queryable,
  bucket: string,
  name: string,
  options: { forUpdate?: boolean; orNull?: boolean } = {},
): Promise<Record<string, unknown>> {
  const [object] = options.forUpdate
    ? await tx`select * from storage.objects where name = ${name} and bucket_id = ${bucket} limit 1 for update`
    : await tx`select * from storage.objects where name = ${name} and bucket_id = ${bucket} limit 1`;
  if (!object && !options.orNull) throw ERRORS.noSuchKey();
  return object;
}

/** A bucket's row as the scope's caller sees it (NoSuchBucket when hidden or missing, unless orNull). */
export async function findBucket(
  tx: Queryable,
  id: string,
  options: { orNull?: boolean } = {},
): Promise<Record<string, unknown> & { public: boolean; file_size_limit: number | null }> {
  const [bucket] = await tx`select * from storage.buckets where id = ${id} limit 1`;
  if (!bucket && !options.orNull) throw ERRORS.noSuchBucket();
  return bucket as Record<string, unknown> & { public: boolean; file_size_limit: number | null };
}

/** Serialises writers of one object name (the server's object lock). */
export async function lockObject(tx: Queryable, bucket: string, name: string) {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`storage:${bucket}/${name}`}, 0))`;
}

/** The row fields the server's responses show for an object (its objectSchema). */
export function objectJson(row: Record<string, unknown>) {
  const picked: Record<string, unknown> = {};
  for (
    const key of [
      "name",
      "bucket_id",
      "owner",
      "owner_id",
      "version",
      "id",
      "updated_at",
      "created_at",
      "last_accessed_at",
      "metadata",
      "user_metadata",
    ]
  ) {
    if (!(key in row)) continue;
    // Fastify's serializer writes "" for a null in a string-only field.
    picked[key] = row[key] === null && ["owner", "owner_id", "version", "bucket_id"].includes(key)
      ? ""
      : row[key];
  }
  return picked;
}
