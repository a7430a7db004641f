/**
 * Lexical text features shared by the offline providers: accent folding, French-aware word
 * tokens, and feature-hashed vectors (word unigrams + character trigrams), L2-normalised.
 */

const STOPWORDS = new Set(
  (
    "a ai au aux avec avez avons c ca ce ces cet cette comme comment d dans de des du elle elles en est et " +
    "etre eu il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne nos notre nous on ou " +
    "par pas peut plus pour qu quand que quel quelle quels quelles qui quoi s sa sans se ses si son sont " +
    "sur t ta te tes toi ton tu un une vos votre vous y est-ce " +
    "an and are be do does for how i in is it my of on or the to what which with you your"
  ).split(" "),
);

/** Lowercases, folds accents and ligatures (`Élève œuvre` → `eleve oeuvre`). */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase().replace(/œ/g, "oe").replace(
    /æ/g,
    "ae",
  );
}

/** Content words of `text`: folded, stopwords and one-letter words dropped, plural `s`/`x` trimmed. */
export function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const raw of foldText(text).split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || STOPWORDS.has(raw)) continue;
    words.push(raw.length > 3 && /[sx]$/.test(raw) ? raw.slice(0, -1) : raw);
  }
  return words;
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function addFeature(vector: number[], feature: string, weight: number): void {
  const h = hash32(feature);
  const sign = (Math.imul(h, 0x9e3779b1) >>> 31) === 1 ? -1 : 1;
  vector[h % vector.length] += sign * weight;
}

const TRIGRAM_WEIGHT = 0.35;

/**
 * A deterministic unit vector of `dimensions` floats for `text`. Texts sharing words (or word
 * stems, through trigrams) get a high cosine. Text without content words maps to a fixed unit
 * vector, never to zeros (a zero vector has no cosine distance in pgvector).
 */
export function hashedVector(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of contentWords(text)) {
    addFeature(vector, `w:${word}`, 1);
    const padded = `#${word}#`;
    for (let i = 0; i + 3 <= padded.length; i++) {
      addFeature(vector, `t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
    }
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** How many distinct content words of `query` appear in `text`. */
export function sharedWords(query: string, text: string): number {
  const inText = new Set(contentWords(text));
  return new Set(contentWords(query).filter((word) => inText.has(word))).size;
}
