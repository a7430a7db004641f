/**
 * The Storage stand-in's bytes, under one folder (the stack's data folder's sibling `storage/`):
 * `<bucket>/<object name>/#<version>`, one file per version the database row names, so a
 * re-upload never touches the bytes a reader is streaming and a name can be both a file and a
 * folder (`a` and `a/b`); `#` is not allowed in object keys, so a version file never collides
 * with a key. Writes go to a temporary file first (size counted, MD5 taken as the ETag), then
 * are renamed into place. Keys are checked as the Storage server checks them (its S3-safe
 * character set; its file backend's refusal of `.` and `..` segments).
 * Local only: nothing here is deployed.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { ERRORS, StorageError } from "./storage_http.ts";

// The Storage server's key and bucket name character sets (src/storage/limits.ts).
const VALID_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/;
const VALID_BUCKET = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]*$/;
const VERSION = /^[A-Za-z0-9-]{1,64}$/;

/** Throws InvalidKey unless `key` is a name the Storage server (file backend) accepts. */
export function mustBeValidKey(key: string): void {
  if (!key || !VALID_KEY.test(key)) throw ERRORS.invalidKey(key);
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    throw ERRORS.invalidKey(key, "contains dot path segment");
  }
}

/** Throws InvalidBucketName unless `name` is a bucket name the Storage server accepts. */
export function mustBeValidBucketName(name: string): void {
  if (!name || name.length > 100 || !VALID_BUCKET.test(name) || name === "." || name === "..") {
    throw ERRORS.invalidBucketName();
  }
}

/** What a finished temporary write holds. */
export interface Written {
  path: string;
  size: number;
  /** The MD5 of the bytes, quoted as an ETag. */
  eTag: string;
}

export interface StoredFile {
  file: Deno.FsFile;
  size: number;
  mtime: Date;
}

export function createFileStore(root: string) {
  const temporary = join(root, ".tmp");

  function versionPath(bucket: string, name: string, version: string): string {
    mustBeValidBucketName(bucket);
    mustBeValidKey(name);
    if (!VERSION.test(version)) throw ERRORS.internal(`storage: a stored version is malformed`);
    return join(root, bucket, name, `#${version}`);
  }

  /** Removes the empty folders above `path`, up to the bucket's own. */
  async function prune(path: string, bucket: string) {
    const stop = join(root, bucket);
    for (let dir = dirname(path); dir.startsWith(stop + "/"); dir = dirname(dir)) {
      try {
        await Deno.remove(dir);
      } catch {
        return; // not empty, or already gone
      }
    }
  }

  return {
    /**
     * Streams `body` to a temporary file; past `limit` bytes it stops and throws EntityTooLarge
     * (the file removed). The caller commits or discards the result.
     */
    async write(body: ReadableStream<Uint8Array>, limit: number): Promise<Written> {
      await Deno.mkdir(temporary, { recursive: true });
      const path = join(temporary, crypto.randomUUID());
      const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
      const md5 = createHash("md5");
      let size = 0;
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > limit) {
            await reader.cancel().catch(() => {});
            throw ERRORS.entityTooLarge();
          }
          md5.update(value);
          let written = 0;
          while (written < value.byteLength) written += await file.write(value.subarray(written));
        }
        file.close();
        return { path, size, eTag: `"${md5.digest("hex")}"` };
      } catch (error) {
        try {
          file.close();
        } catch { /* closed */ }
        await Deno.remove(path).catch(() => {});
        throw error instanceof StorageError ? error : ERRORS.noContent(error);
      }
    },

    /** Drops a temporary write that will not be committed. */
    async discard(written: Written) {
      await Deno.remove(written.path).catch(() => {});
    },

    /** Moves a temporary write into place as `version` of bucket/name. */
    async commit(written: Written, bucket: string, name: string, version: string) {
      const target = versionPath(bucket, name, version);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.rename(written.path, target);
    },

    /** Opens a stored version; null when its bytes are gone. */
    async open(bucket: string, name: string, version: string | null): Promise<StoredFile | null> {
      if (!version) return null;
      try {
        const file = await Deno.open(versionPath(bucket, name, version), { read: true });
        const info = await file.stat();
        return { file, size: info.size, mtime: info.mtime ?? new Date() };
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return null;
        throw error;
      }
    },

    /** Copies a stored version to another place, atomically (temporary copy, then rename). */
    async copy(
      from: { bucket: string; name: string; version: string },
      to: { bucket: string; name: string; version: string },
    ) {
      await Deno.mkdir(temporary, { recursive: true });
      const path = join(temporary, crypto.randomUUID());
      await Deno.copyFile(versionPath(from.bucket, from.name, from.version), path);
      const target = versionPath(to.bucket, to.name, to.version);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.rename(path, target);
    },

    /** Removes a deleted bucket's folder if nothing is left in it. */
    async removeBucket(bucket: string) {
      mustBeValidBucketName(bucket);
      await Deno.remove(join(root, bucket)).catch(() => {});
    },

    /** Deletes a stored version (gone already is fine) and the folders it leaves empty. */
    async remove(bucket: string, name: string, version: string | null) {
      let path: string;
      try {
        if (!version) return;
        path = versionPath(bucket, name, version);
      } catch {
        return; // a row written from SQL with a name or version no upload could have: no bytes
      }
      await Deno.remove(path).catch(() => {});
      await prune(path, bucket);
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
