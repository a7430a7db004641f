/** The context's size: a rough token count, the budget's trimming, and the snapshot's hash. */

// deno-lint-ignore no-explicit-any
type Json = any;

/** Rough token count of a JSON value (four characters a token). */
export const tokensOf = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

const utf8 = new TextEncoder();

/** A JSON value's size in UTF-8 bytes (what bounds its tokens). */
export const bytesOf = (value: unknown) => utf8.encode(JSON.stringify(value)).length;

/**
 * Shortens the context's longest lists, one item at a time, until it fits `budget` tokens
 * (or `budget` of another `measure`, bytes say); totals are never cut.
 */
export function fitBudget(
  context: Json,
  budget: number,
  measure: (value: unknown) => number = tokensOf,
): { context: Json; trimmed: boolean } {
  const copy = structuredClone(context);
  let trimmed = false;
  const lists = () => {
    const found: Json[][] = [];
    const walk = (v: Json) => {
      if (Array.isArray(v)) {
        if (v.length > 1) found.push(v);
        v.forEach(walk);
      } else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(copy);
    return found.sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length);
  };
  while (measure(copy) > budget) {
    const longest = lists()[0];
    if (!longest) break;
    longest.pop();
    trimmed = true;
  }
  return { context: copy, trimmed };
}

/** The hex SHA-256 of `text` (the stored snapshot's hash). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
