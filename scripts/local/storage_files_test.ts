import assert from "node:assert/strict";
import { join } from "node:path";
import { createFileStore, mustBeValidBucketName, mustBeValidKey } from "./storage_files.ts";
import { StorageError } from "./storage_http.ts";

function stream(...chunks: string[]) {
  return new Blob(chunks).stream();
}

function refusedAs(code: string, message?: string) {
  return (error: unknown) =>
    error instanceof StorageError && error.code === code &&
    (message === undefined || error.message === message);
}

Deno.test("keys as the Storage server accepts them: its character set, no `.` or `..` segment", () => {
  for (const key of ["a.png", "folder/sub/file name (1).txt", "a//b", "x/.hidden", "...", "a/b/"]) {
    mustBeValidKey(key);
  }
  assert.throws(
    () => mustBeValidKey("a/../b"),
    refusedAs("InvalidKey", "Invalid key: a/../b contains dot path segment"),
  );
  assert.throws(() => mustBeValidKey("./a"), refusedAs("InvalidKey"));
  assert.throws(() => mustBeValidKey(".."), refusedAs("InvalidKey"));
  for (const key of ["", "é.txt", "a#b", "a\\b", "a\0b", "%2e%2e/x"]) {
    assert.throws(
      () => mustBeValidKey(key),
      refusedAs("InvalidKey", `Invalid key: ${key}`),
      JSON.stringify(key),
    );
  }
  mustBeValidBucketName("avatars");
  for (const name of ["", "a/b", "..", ".", "x".repeat(101)]) {
    assert.throws(() => mustBeValidBucketName(name), refusedAs("InvalidBucketName"), name);
  }
});

Deno.test("a write lands under its version only once committed; over the limit nothing stays", async () => {
  const root = await Deno.makeTempDir();
  try {
    const files = createFileStore(root);
    const written = await files.write(stream("hello ", "world"), 11);
    assert.equal(written.size, 11);
    assert.equal(written.eTag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    await files.commit(written, "b", "a/b.txt", "v1");
    const stored = await files.open("b", "a/b.txt", "v1");
    assert.equal(await new Response(stored!.file.readable).text(), "hello world");
    assert.equal(await files.open("b", "a/b.txt", "v2"), null);
    // A name can be a file and a folder at once.
    await files.commit(await files.write(stream("inner"), 100), "b", "a/b.txt/c", "v1");

    await assert.rejects(files.write(stream("x".repeat(10), "y"), 10), refusedAs("EntityTooLarge"));
    assert.deepEqual([...Deno.readDirSync(join(root, ".tmp"))], []);

    await files.copy({ bucket: "b", name: "a/b.txt", version: "v1" }, {
      bucket: "c",
      name: "copy",
      version: "v9",
    });
    assert.equal(await Deno.readTextFile(join(root, "c", "copy", "#v9")), "hello world");
    await files.remove("b", "a/b.txt/c", "v1");
    await files.remove("b", "a/b.txt", "v1");
    assert.deepEqual([...Deno.readDirSync(join(root, "b"))], []);
    // A row written from SQL with a name no upload could have: nothing to remove, nothing thrown.
    await files.remove("b", "../../etc", "v1");
    await assert.rejects(files.commit(written, "b", "../x", "v1"), refusedAs("InvalidKey"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
