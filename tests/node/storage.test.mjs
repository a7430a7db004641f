// Storage as a frontend uses it (supabase.storage, storage-js unchanged) against the local
// stand-in at /storage/v1: buckets and policies made here with SQL, as a project's migrations
// make them; every refusal checked in the answer (the real server's HTTP 400 with the status as
// a string in the body), in storage.objects and in the data folder.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { browser, createTenant, publishableKey, secretKey, signedIn, skip, sql, url } from "./support.mjs";

const suffix = randomUUID().slice(0, 8);
const PRIVATE = `node-private-${suffix}`;
const PUBLIC = `node-public-${suffix}`;
const LIMITED = `node-limited-${suffix}`;
const BUCKETS = [PRIVATE, PUBLIC, LIMITED];
const dataDir = process.env.COMPTOIR_STORAGE_DIR;

/** The stored versions of an object in the data folder (one after a write, none after a removal). */
function versions(bucket, name) {
  const dir = join(dataDir, bucket, name);
  return existsSync(dir) ? readdirSync(dir).filter((entry) => entry.startsWith("#")) : [];
}

function rows(bucket, name) {
  return Number(
    sql(`select count(*) from storage.objects where bucket_id = '${bucket}' and name = '${name}'`)[0],
  );
}

/** The error storage-js returns, as the fields a test compares. */
function refusal(result) {
  assert.equal(result.data, null, "refused");
  const { status, statusCode, code, message } = result.error;
  return { status, statusCode, code, message };
}

const rlsDenied = {
  status: 400,
  statusCode: "403",
  code: "AccessDenied",
  message: "new row violates row-level security policy",
};
const notFound = { status: 400, statusCode: "404", code: "NoSuchKey", message: "Object not found" };

describe("Storage through supabase-js: objects, signed URLs, limits and refusals", { skip }, () => {
  let tenant, alice, bob, anon, admin, aliceId, bobId;

  before(async () => {
    tenant = createTenant("storage");
    aliceId = tenant.people.owner.id;
    bobId = tenant.people.member.id;
    [alice, bob] = await Promise.all([
      signedIn(tenant.people.owner.email),
      signedIn(tenant.people.member.email),
    ]);
    anon = browser();
    admin = browser(secretKey);
    // A private bucket where a signed-in user writes, reads and deletes only under a folder named by
    // their own id; a public bucket with the same write rule; a bucket with limits (no policy:
    // service_role writes).
    const own = (bucket) =>
      `bucket_id = '${bucket}' and (storage.foldername(name))[1] = (select auth.uid()::text)`;
    sql(`
      insert into storage.buckets (id, name, public) values ('${PRIVATE}', '${PRIVATE}', false), ('${PUBLIC}', '${PUBLIC}', true);
      insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
        values ('${LIMITED}', '${LIMITED}', false, 1024, array['image/*', 'text/plain']);
      ${
      [PRIVATE, PUBLIC].map((bucket) => `
      create policy "${bucket}_insert" on storage.objects for insert to authenticated with check (${
        own(bucket)
      });
      create policy "${bucket}_select" on storage.objects for select to authenticated using (${own(bucket)});
      create policy "${bucket}_update" on storage.objects for update to authenticated using (${
        own(bucket)
      }) with check (${own(bucket)});
      create policy "${bucket}_delete" on storage.objects for delete to authenticated using (${
        own(bucket)
      });`).join("")
    }`);
  });

  after(async () => {
    for (const bucket of BUCKETS) {
      await admin?.storage.emptyBucket(bucket);
      await admin?.storage.deleteBucket(bucket);
      sql(
        `${
          ["insert", "select", "update", "delete"].map((command) =>
            `drop policy if exists "${bucket}_${command}" on storage.objects;`
          ).join(" ")
        }`,
      );
    }
    tenant?.drop();
  });

  test("a user uploads into their own folder (multipart and raw), reads it back, its info and the listing", async () => {
    const files = alice.storage.from(PRIVATE);
    const uploaded = await files.upload(
      `${aliceId}/notes/hello.txt`,
      new Blob(["bonjour"], { type: "text/plain" }),
      {
        metadata: { origin: "test" },
      },
    );
    assert.equal(uploaded.error, null);
    assert.equal(uploaded.data.fullPath, `${PRIVATE}/${aliceId}/notes/hello.txt`);
    const raw = await files.upload(`${aliceId}/notes/raw.json`, JSON.stringify({ a: 1 }), {
      contentType: "application/json",
    });
    assert.equal(raw.error, null);

    const downloaded = await files.download(`${aliceId}/notes/hello.txt`);
    assert.equal(await downloaded.data.text(), "bonjour");
    assert.equal(downloaded.data.type, "text/plain");
    assert.equal(await (await files.download(`${aliceId}/notes/raw.json`)).data.text(), '{"a":1}');

    const info = await files.info(`${aliceId}/notes/hello.txt`);
    assert.equal(info.error, null);
    assert.deepEqual(
      [info.data.name, info.data.bucketId, info.data.size, info.data.contentType, info.data.cacheControl],
      [`${aliceId}/notes/hello.txt`, PRIVATE, 7, "text/plain", "max-age=3600"],
    );
    assert.deepEqual(info.data.metadata, { origin: "test" });
    assert.deepEqual(await files.exists(`${aliceId}/notes/hello.txt`), { data: true, error: null });

    const top = await files.list(aliceId);
    assert.deepEqual(top.data.map((entry) => [entry.name, entry.id === null]), [["notes", true]]);
    const listed = await files.list(`${aliceId}/notes`, { sortBy: { column: "name", order: "desc" } });
    assert.deepEqual(listed.data.map((entry) => entry.name), ["raw.json", "hello.txt"]);
    assert.equal(listed.data[1].metadata.size, 7);
    const searched = await files.list(`${aliceId}/notes`, { search: "HEL" });
    assert.deepEqual(searched.data.map((entry) => entry.name), ["hello.txt"]);
    // Another user sees nothing of it: RLS on storage.objects decides the listing too.
    assert.deepEqual((await bob.storage.from(PRIVATE).list(aliceId)).data, []);
    assert.deepEqual(versions(PRIVATE, `${aliceId}/notes/hello.txt`).length, 1);
  });

  test("a second upload is a 409 unless upsert; upsert and update replace the bytes, the old version is gone", async () => {
    const files = alice.storage.from(PRIVATE);
    const name = `${aliceId}/twice.txt`;
    assert.equal((await files.upload(name, new Blob(["one"]))).error, null);
    const first = versions(PRIVATE, name);
    assert.deepEqual(refusal(await files.upload(name, new Blob(["two"]))), {
      status: 400,
      statusCode: "409",
      code: "KeyAlreadyExists",
      message: "The resource already exists",
    });
    assert.equal(await (await files.download(name)).data.text(), "one");
    assert.equal((await files.upload(name, new Blob(["two"]), { upsert: true })).error, null);
    assert.equal(await (await files.download(name)).data.text(), "two");
    assert.equal((await files.update(name, "three", { contentType: "text/plain" })).error, null);
    assert.equal(await (await files.download(name)).data.text(), "three");
    const last = versions(PRIVATE, name);
    assert.equal(last.length, 1);
    assert.notEqual(last[0], first[0]);
    // Another user's upsert on it: the update policy refuses (the row is not theirs).
    assert.deepEqual(
      refusal(await bob.storage.from(PRIVATE).upload(name, new Blob(["x"]), { upsert: true })),
      rlsDenied,
    );
    assert.equal(await (await files.download(name)).data.text(), "three");
  });

  test("refusals per actor: anon, another user, another user's folder; nothing is stored", async () => {
    const name = `${aliceId}/secret.txt`;
    assert.equal((await alice.storage.from(PRIVATE).upload(name, new Blob(["mine"]))).error, null);

    for (const [who, client] of [["anon", anon], ["bob", bob]]) {
      const target = `${aliceId}/by-${who}.txt`;
      assert.deepEqual(
        refusal(await client.storage.from(PRIVATE).upload(target, new Blob(["x"]))),
        rlsDenied,
        who,
      );
      assert.equal(rows(PRIVATE, target), 0, who);
      assert.deepEqual(versions(PRIVATE, target), [], who);
    }
    // A user's own folder, but a folder that is not their id.
    assert.deepEqual(
      refusal(await bob.storage.from(PRIVATE).upload("shared/x.txt", new Blob(["x"]))),
      rlsDenied,
    );
    // Reads of what a user may not see are « not found », never « forbidden ».
    assert.deepEqual(refusal(await bob.storage.from(PRIVATE).download(name)), notFound);
    assert.deepEqual(refusal(await bob.storage.from(PRIVATE).info(name)), notFound);
    assert.deepEqual(refusal(await bob.storage.from(PRIVATE).createSignedUrl(name, 60)), notFound);
    // The publishable key is anon's JWT: RLS hides the object. With no JWT at all, a private
    // bucket does not exist.
    assert.deepEqual(refusal(await anon.storage.from(PRIVATE).download(name)), notFound);
    const keyless = await fetch(`${url}/storage/v1/object/${PRIVATE}/${name}`);
    assert.equal(keyless.status, 400);
    assert.deepEqual(await keyless.json(), {
      statusCode: "404",
      error: "Bucket not found",
      message: "Bucket not found",
      code: "NoSuchBucket",
    });
    // A removal of what one may not delete removes nothing, silently (the real server's answer).
    assert.deepEqual(await bob.storage.from(PRIVATE).remove([name]), { data: [], error: null });
    assert.deepEqual(await anon.storage.from(PRIVATE).remove([name]), { data: [], error: null });
    assert.equal(rows(PRIVATE, name), 1);
    // Moving it into one's own folder: the source is not visible.
    assert.deepEqual(refusal(await bob.storage.from(PRIVATE).move(name, `${bobId}/stolen.txt`)), notFound);
    assert.deepEqual(refusal(await bob.storage.from(PRIVATE).copy(name, `${bobId}/stolen.txt`)), notFound);
    assert.equal(rows(PRIVATE, `${bobId}/stolen.txt`), 0);
    assert.equal(await (await alice.storage.from(PRIVATE).download(name)).data.text(), "mine");

    // The owner removes it: row and bytes gone.
    const removed = await alice.storage.from(PRIVATE).remove([name, `${aliceId}/never-was.txt`]);
    assert.deepEqual(removed.data.map((object) => object.name), [name]);
    assert.equal(rows(PRIVATE, name), 0);
    assert.deepEqual(versions(PRIVATE, name), []);
  });

  test("move and copy within the caller's rights; out of their folder is refused", async () => {
    const files = alice.storage.from(PRIVATE);
    assert.equal((await files.upload(`${aliceId}/a.txt`, new Blob(["moved"]))).error, null);
    const moved = await files.move(`${aliceId}/a.txt`, `${aliceId}/b/a.txt`);
    assert.equal(moved.error, null);
    assert.equal(moved.data.message, "Successfully moved");
    assert.equal(rows(PRIVATE, `${aliceId}/a.txt`), 0);
    assert.deepEqual(versions(PRIVATE, `${aliceId}/a.txt`), []);
    assert.equal(await (await files.download(`${aliceId}/b/a.txt`)).data.text(), "moved");

    const copied = await files.copy(`${aliceId}/b/a.txt`, `${aliceId}/c.txt`);
    assert.deepEqual(copied, { data: { path: `${PRIVATE}/${aliceId}/c.txt` }, error: null });
    assert.equal(await (await files.download(`${aliceId}/c.txt`)).data.text(), "moved");
    assert.equal(await (await files.download(`${aliceId}/b/a.txt`)).data.text(), "moved");

    // Into another user's folder: the update (move) or insert (copy) policy refuses.
    assert.deepEqual(refusal(await files.move(`${aliceId}/c.txt`, `${bobId}/c.txt`)), rlsDenied);
    assert.deepEqual(refusal(await files.copy(`${aliceId}/c.txt`, `${bobId}/c.txt`)), rlsDenied);
    assert.equal(rows(PRIVATE, `${bobId}/c.txt`), 0);
    assert.deepEqual(versions(PRIVATE, `${bobId}/c.txt`), []);
    // Onto an existing name without upsert.
    assert.equal(refusal(await files.copy(`${aliceId}/c.txt`, `${aliceId}/b/a.txt`)).statusCode, "409");
  });

  test("a public bucket: anyone downloads by its public URL or download(); writes still follow the policies", async () => {
    const name = `${aliceId}/avatar.png`;
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    assert.equal(
      (await alice.storage.from(PUBLIC).upload(name, new Blob([png], { type: "image/png" }))).error,
      null,
    );
    const { publicUrl } = anon.storage.from(PUBLIC).getPublicUrl(name).data;
    const res = await fetch(publicUrl); // no key, no session
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), png);
    assert.deepEqual(
      new Uint8Array(await (await anon.storage.from(PUBLIC).download(name)).data.arrayBuffer()),
      png,
    );
    assert.equal((await bob.storage.from(PUBLIC).info(name)).data.size, png.length);
    assert.deepEqual(
      refusal(await anon.storage.from(PUBLIC).upload(`${aliceId}/x.png`, new Blob([png]))),
      rlsDenied,
    );

    // A private bucket's object by a public URL: the bucket « does not exist ».
    await alice.storage.from(PRIVATE).upload(`${aliceId}/private.txt`, new Blob(["p"]));
    const hidden = await fetch(
      anon.storage.from(PRIVATE).getPublicUrl(`${aliceId}/private.txt`).data.publicUrl,
    );
    assert.equal(hidden.status, 400);
    assert.deepEqual(await hidden.json(), {
      statusCode: "404",
      error: "Bucket not found",
      message: "Bucket not found",
      code: "NoSuchBucket",
    });
  });

  test("signed URLs: one or many, fetched without a key; expired or for another object refused", async () => {
    const files = alice.storage.from(PRIVATE);
    const name = `${aliceId}/signed.txt`;
    await files.upload(name, new Blob(["signed content"], { type: "text/plain" }));
    const signed = await files.createSignedUrl(name, 60, { download: "mon fichier.txt" });
    assert.equal(signed.error, null);
    const res = await fetch(signed.data.signedUrl);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "signed content");
    assert.match(res.headers.get("content-disposition"), /^attachment; filename=mon%20fichier\.txt/);
    assert.ok(res.headers.get("expires"));

    const many = await files.createSignedUrls([name, `${bobId}/nothing.txt`], 60);
    assert.equal(many.data[0].error, null);
    assert.equal(await (await fetch(many.data[0].signedUrl)).text(), "signed content");
    assert.deepEqual(
      [many.data[1].signedUrl, many.data[1].error],
      [null, "Either the object does not exist or you do not have access to it"],
    );

    // A token is bound to its object: another path with it is refused.
    const token = new URL(signed.data.signedUrl).searchParams.get("token");
    const other = await fetch(`${url}/storage/v1/object/sign/${PRIVATE}/${aliceId}/other.txt?token=${token}`);
    assert.equal(other.status, 400);
    assert.deepEqual(
      await other.json(),
      {
        statusCode: "400",
        error: "InvalidSignature",
        message: "Invalid signature",
        code: "InvalidSignature",
      },
    );
    // A download token cannot upload.
    const upload = await fetch(`${url}/storage/v1/object/upload/sign/${PRIVATE}/${name}?token=${token}`, {
      method: "PUT",
      body: "overwritten",
    });
    assert.equal((await upload.json()).message, "Token is not scoped for upload");

    const short = await files.createSignedUrl(name, 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(short.data.signedUrl);
    assert.equal(expired.status, 400);
    assert.deepEqual(await expired.json(), {
      statusCode: "400",
      error: "InvalidJWT",
      message: '"exp" claim timestamp check failed',
      code: "InvalidJWT",
    });
    assert.equal(refusal(await files.createSignedUrl(name, 0)).statusCode, "400");
  });

  test("signed upload URLs: made by the owner, used without a session; once only unless upsert", async () => {
    const name = `${aliceId}/dropbox/report.txt`;
    const made = await alice.storage.from(PRIVATE).createSignedUploadUrl(name);
    assert.equal(made.error, null);
    // Anyone holding the token uploads (the policy was checked when it was made).
    const used = await anon.storage.from(PRIVATE).uploadToSignedUrl(
      name,
      made.data.token,
      new Blob(["report"]),
    );
    assert.deepEqual(used, { data: { path: name, fullPath: `${PRIVATE}/${name}` }, error: null });
    assert.equal(await (await alice.storage.from(PRIVATE).download(name)).data.text(), "report");
    assert.equal(
      sql(`select owner::text from storage.objects where bucket_id = '${PRIVATE}' and name = '${name}'`)[0],
      aliceId,
    );
    assert.equal(
      refusal(await anon.storage.from(PRIVATE).uploadToSignedUrl(name, made.data.token, new Blob(["again"])))
        .statusCode,
      "409",
    );
    // Nobody gets a signed upload URL for a place they may not write.
    assert.deepEqual(
      refusal(await bob.storage.from(PRIVATE).createSignedUploadUrl(`${aliceId}/dropbox/x.txt`)),
      rlsDenied,
    );
    const replace = await alice.storage.from(PRIVATE).createSignedUploadUrl(name, { upsert: true });
    assert.equal(
      (await anon.storage.from(PRIVATE).uploadToSignedUrl(name, replace.data.token, "v2")).error,
      null,
    );
    assert.equal(await (await alice.storage.from(PRIVATE).download(name)).data.text(), "v2");
  });

  test("bucket limits: over file_size_limit is 413, a type not allowed is 415 (type/* allowed); nothing stored", async () => {
    const files = admin.storage.from(LIMITED);
    const big = new Uint8Array(2000);
    assert.deepEqual(refusal(await files.upload("big.png", new Blob([big], { type: "image/png" }))), {
      status: 400,
      statusCode: "413",
      code: "EntityTooLarge",
      message: "The object exceeded the maximum allowed size",
    });
    assert.equal(
      refusal(await files.upload("big-raw.png", big, { contentType: "image/png" })).statusCode,
      "413",
    );
    assert.deepEqual(
      refusal(await files.upload("doc.pdf", new Blob(["%PDF"], { type: "application/pdf" }))),
      {
        status: 400,
        statusCode: "415",
        code: "InvalidMimeType",
        message: "mime type application/pdf is not supported",
      },
    );
    for (const name of ["big.png", "big-raw.png", "doc.pdf"]) {
      assert.equal(rows(LIMITED, name), 0, name);
      assert.deepEqual(versions(LIMITED, name), [], name);
    }
    assert.equal(
      (await files.upload("ok.webp", new Blob([new Uint8Array(1024)], { type: "image/webp" }))).error,
      null,
    );
    assert.equal((await files.upload("ok.txt", new Blob(["fine"], { type: "text/plain" }))).error, null);
  });

  test("`..` never leaves a folder: resolved in a URL (then the policies decide), refused in a name", async () => {
    // A URL's dot segments are resolved before routing, as hosted's gateway does: alice aiming at
    // bob's folder through `../` is refused by the insert policy. fetch would resolve them itself,
    // so the request is sent raw.
    const { access_token: token } = (await alice.auth.getSession()).data.session;
    const sent = await new Promise((resolve, reject) => {
      const target = new URL(url);
      const req = request({
        host: target.hostname,
        port: target.port,
        path: `/storage/v1/object/${PRIVATE}/${aliceId}/../${bobId}/x.txt`,
        method: "POST",
        headers: { apikey: publishableKey, authorization: `Bearer ${token}`, "content-type": "text/plain" },
      }, (res) => {
        let body = "";
        res.on("data", (chunk) => body += chunk);
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
      });
      req.on("error", reject);
      req.end("escape");
    });
    assert.deepEqual(sent, {
      status: 400,
      body: { statusCode: "403", error: "Unauthorized", message: rlsDenied.message, code: "AccessDenied" },
    });
    assert.equal(rows(PRIVATE, `${bobId}/x.txt`), 0);
    // Names in a body are names: a `..` segment is refused as the Storage server's file backend does.
    await alice.storage.from(PRIVATE).upload(`${aliceId}/dots.txt`, new Blob(["d"]));
    const moved = await alice.storage.from(PRIVATE).move(
      `${aliceId}/dots.txt`,
      `${aliceId}/../../../../etc/x`,
    );
    assert.deepEqual(refusal(moved), {
      status: 400,
      statusCode: "400",
      code: "InvalidKey",
      message: `Invalid key: ${aliceId}/../../../../etc/x contains dot path segment`,
    });
    assert.equal(
      refusal(await alice.storage.from(PRIVATE).copy(`${aliceId}/dots.txt`, "..")).code,
      "InvalidKey",
    );
    assert.equal(
      Number(
        sql(`select count(*) from storage.objects where bucket_id = '${PRIVATE}' and name like '%..%'`)[0],
      ),
      0,
    );
    assert.ok(!existsSync(join(dataDir, "..", "etc")));
    assert.equal(await (await alice.storage.from(PRIVATE).download(`${aliceId}/dots.txt`)).data.text(), "d");
  });

  test("keys through the gateway: publishable (anon) and secret (service_role); no or a wrong key refused", async () => {
    // The secret key acts as service_role: it sees and creates buckets; a signed-in user cannot.
    const listed = await admin.storage.listBuckets();
    assert.ok(listed.data.some((bucket) => bucket.id === PRIVATE));
    assert.deepEqual(
      (await alice.storage.listBuckets()).data.filter((bucket) => BUCKETS.includes(bucket.id)),
      [],
    );
    assert.deepEqual(refusal(await alice.storage.createBucket(`node-denied-${suffix}`)), rlsDenied);
    assert.deepEqual(
      refusal(await browser(publishableKey).storage.createBucket(`node-denied-${suffix}`)),
      rlsDenied,
    );
    assert.equal((await admin.storage.getBucket(LIMITED)).data.file_size_limit, 1024);

    const list = (headers) =>
      fetch(`${url}/storage/v1/object/list/${PRIVATE}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ prefix: "" }),
      });
    const bare = await list({});
    assert.equal(bare.status, 400);
    assert.deepEqual(await bare.json(), {
      statusCode: "400",
      error: "Bad Request",
      message: "headers must have required property 'authorization'",
      code: "InvalidRequest",
    });
    // A key the project does not have is not mapped: Storage sees no token.
    const wrong = await list({ apikey: "sb_publishable_not-this-project" });
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).message, "headers must have required property 'authorization'");
    const forged = await list({ authorization: "Bearer not-a-jwt" });
    assert.equal(forged.status, 400);
    const denied = await forged.json();
    assert.deepEqual([denied.statusCode, denied.error, denied.code], ["403", "Unauthorized", "AccessDenied"]);
    assert.equal((await list({ apikey: publishableKey })).status, 200);
    assert.equal((await list({ apikey: secretKey })).status, 200);
  });

  test("an unknown route is a 404 in the same shape", async () => {
    const res = await fetch(`${url}/storage/v1/object/nowhere`, { headers: { apikey: secretKey } });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      statusCode: "404",
      error: "Not Found",
      message: "Route GET:/object/nowhere not found",
      code: "InvalidRequest",
    });
  });
});
