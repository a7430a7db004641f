/**
 * Payment screenshots in Storage: each image proof the bot receives is kept once in the private
 * `proofs` bucket, named by its sha256 (`<company id>/<conversation id>/<sha256>.<ext>`), through
 * Storage's REST API with the project's secret key; members are given short-lived signed URLs to
 * see them. What is not an image (its first bytes say, not its name) or is over 5 MB is refused
 * with the reason the customer is told, and nothing is stored.
 */
import type { Db, Tx } from "../db.ts";
import { type Env, platformKey } from "../env.ts";
import { readUpTo } from "../http.ts";
import type { Attachment, OrderProof } from "../../../types/api.ts";

/** The bucket's own limit (migration storage-buckets). */
export const PROOF_MAX_BYTES = 5 * 1024 * 1024;

export type KeptProof = { path: string; sha256: string } | {
  refused: "not_image" | "too_large" | "unreachable";
};

export interface ProofFiles {
  keep(company: string, conversationId: string, attachment: Attachment): Promise<KeptProof>;
  /** Signed URLs valid `seconds` for stored proofs, in one call (null for a path Storage refuses). */
  signedUrls(paths: string[], seconds?: number): Promise<Map<string, string | null>>;
}

/** JPEG, PNG or WebP by their magic bytes; null for anything else. */
export function imageType(bytes: Uint8Array): { ext: "jpg" | "png" | "webp"; mime: string } | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ext: "jpg", mime: "image/jpeg" };
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) {
    return { ext: "png", mime: "image/png" };
  }
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") {
    return { ext: "webp", mime: "image/webp" };
  }
  return null;
}

export function createProofFiles(config: {
  db: Db;
  supabaseUrl: string;
  secretKey: string;
  fetch?: typeof fetch;
}): ProofFiles {
  const doFetch = config.fetch ?? fetch;
  const storage = `${config.supabaseUrl}/storage/v1`;
  const headers = { apikey: config.secretKey };

  /** The attachment's bytes: a data: URL (what the channels hand over) or the integration's URL. */
  async function bytesOf(attachment: Attachment): Promise<Uint8Array | "too_large" | null> {
    const url = attachment.url;
    if (!url) return null;
    if (url.startsWith("data:")) {
      const base64 = url.slice(url.indexOf(",") + 1);
      if (base64.length * 0.75 > PROOF_MAX_BYTES + 4) return "too_large";
      return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    }
    const res = await doFetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return await readUpTo(res, PROOF_MAX_BYTES) ?? "too_large";
  }

  return {
    async keep(company, conversationId, attachment) {
      const bytes = await bytesOf(attachment).catch(() => null);
      if (bytes === null) return { refused: "unreachable" };
      if (bytes === "too_large" || bytes.length > PROOF_MAX_BYTES) return { refused: "too_large" };
      const type = imageType(bytes);
      if (!type) return { refused: "not_image" };
      const sha256 = Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      const [row] = await config.db.asService((tx) =>
        tx<
          { id: string }[]
        >`select c.id::text from public.companies c where c.id::text = ${company} or c.slug = ${company}`
      );
      const path = `${row.id}/${conversationId}/${sha256}.${type.ext}`;
      // The same screenshot lands on the same name: stored once, whatever the retries.
      const res = await doFetch(`${storage}/object/proofs/${path}`, {
        method: "POST",
        headers: { ...headers, "content-type": type.mime, "x-upsert": "true" },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`storage: proof upload HTTP ${res.status}`);
      return { path, sha256 };
    },

    async signedUrls(paths, seconds = 600) {
      const urls = new Map<string, string | null>(paths.map((path) => [path, null]));
      if (paths.length === 0) return urls;
      const res = await doFetch(`${storage}/object/sign/proofs`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ expiresIn: seconds, paths }),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return urls;
      }
      for (const { path, signedURL } of await res.json() as { path: string; signedURL: string | null }[]) {
        if (signedURL) urls.set(path, `${storage}${signedURL}`);
      }
      return urls;
    },
  };
}

/**
 * The screenshots behind the orders' claims, read as the caller (RLS: a member's own company's
 * payments), each with a signed URL valid 10 minutes; by order id.
 */
export async function orderProofs(
  run: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  files: ProofFiles | undefined,
  orderIds: string[],
): Promise<Map<string, OrderProof[]>> {
  const byOrder = new Map<string, OrderProof[]>();
  if (!files || orderIds.length === 0) return byOrder;
  const rows = await run((tx) =>
    tx<
      {
        order_id: string;
        reference: string | null;
        amount: number;
        status: string;
        proof_path: string;
        proof_reused: boolean;
      }[]
    >`
      select p.order_id::text, p.reference, p.amount, p.status, p.proof_path, p.proof_reused
        from public.payments p
       where p.order_id = any(${orderIds}::uuid[]) and p.proof_path is not null
       order by p.created_at`
  );
  // Every proof of the page signed in one call to Storage, not one per proof.
  const urls = await files.signedUrls(rows.map((row) => row.proof_path)).catch(() =>
    new Map<string, string | null>()
  );
  for (const row of rows) {
    const list = byOrder.get(row.order_id) ?? [];
    list.push({
      reference: row.reference,
      amount: row.amount,
      status: row.status,
      reused: row.proof_reused,
      url: urls.get(row.proof_path) ?? null,
    });
    byOrder.set(row.order_id, list);
  }
  return byOrder;
}

/** The proof files of a deployed function: Storage at SUPABASE_URL with the project's secret key. */
export function proofFilesFromEnv(env: Env, db: Db): ProofFiles | undefined {
  const secretKey = platformKey(env);
  return secretKey ? createProofFiles({ db, supabaseUrl: env.supabaseUrl, secretKey }) : undefined;
}
