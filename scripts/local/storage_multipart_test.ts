import assert from "node:assert/strict";
import { multipartBoundary, MultipartError, readMultipartFile } from "./storage_multipart.ts";

/** A FormData serialised as fetch sends it, re-chunked into pieces of `size` bytes. */
async function encoded(form: FormData, size: number) {
  const response = new Response(form);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const boundary = multipartBoundary(response.headers.get("content-type"))!;
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  return { body, boundary, bytes };
}

async function all(stream: ReadableStream<Uint8Array>) {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("the fields before the file and the file's bytes, whatever the chunking, boundary-like bytes included", async () => {
  const content = new TextEncoder().encode(`a\r\n--not the boundary\r\n${"é".repeat(3000)}\r\n-`);
  for (const size of [1, 7, 64, 1 << 16]) {
    const form = new FormData();
    form.append("cacheControl", "3600");
    form.append("metadata", JSON.stringify({ who: "Awa" }));
    form.append("", new Blob([content], { type: "image/png" }), "blob");
    form.append("after", "ignored");
    const { body, boundary } = await encoded(form, size);
    const file = await readMultipartFile(body, boundary);
    assert.ok(file, `chunks of ${size}`);
    assert.deepEqual([...file.fields], [["cacheControl", "3600"], ["metadata", '{"who":"Awa"}']]);
    assert.equal(file.contentType, "image/png");
    assert.equal(file.filename, "blob");
    assert.deepEqual(await all(file.body), content);
  }
});

Deno.test("a form without a file is null; a truncated file, too many fields or an oversized field are refused", async () => {
  const fieldsOnly = new FormData();
  fieldsOnly.append("cacheControl", "3600");
  const none = await encoded(fieldsOnly, 5);
  assert.equal(await readMultipartFile(none.body, none.boundary), null);

  const withFile = new FormData();
  withFile.append("", new Blob(["0123456789"]), "blob");
  const whole = await encoded(withFile, 1 << 16);
  const cut = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(whole.bytes.slice(0, whole.bytes.length - 20));
      controller.close();
    },
  });
  const truncated = await readMultipartFile(cut, whole.boundary);
  await assert.rejects(all(truncated!.body), MultipartError);

  const many = new FormData();
  for (let i = 0; i < 11; i++) many.append(`f${i}`, "x");
  many.append("", new Blob(["x"]), "blob");
  const crowded = await encoded(many, 1 << 16);
  await assert.rejects(readMultipartFile(crowded.body, crowded.boundary), /too many fields/);

  const big = new FormData();
  big.append("metadata", "x".repeat(2000));
  big.append("", new Blob(["x"]), "blob");
  const large = await encoded(big, 100);
  await assert.rejects(
    readMultipartFile(large.body, large.boundary, { fields: 10, fieldBytes: 1000, headerBytes: 1000 }),
    /too large/,
  );
});

Deno.test("the boundary is read from the content type, quoted or not; other types have none", () => {
  assert.equal(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), "a b");
  assert.equal(multipartBoundary("text/plain"), null);
  assert.equal(multipartBoundary(null), null);
});
