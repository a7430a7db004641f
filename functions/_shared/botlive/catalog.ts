/**
 * The shop's catalog and delivery zones as the bot matches them against what customers write:
 * names and aliases compared accent- and case-insensitively, word by word, forgiving one typo
 * in a long word (« robbe », « pikin »). Matching never invents: it returns catalog rows or
 * nothing (or, when a word fits several products, all of them, so that the bot can ask).
 */
import { fold } from "./parse.ts";

export interface Product {
  id: string;
  name: string;
  variants: Record<string, string[]>;
  price: number;
  stock: number | null;
  aliases: string[];
}

export interface Zone {
  id: string;
  name: string;
  aliases: string[];
  fee: number;
}

const STOP = new Set([
  "le",
  "la",
  "les",
  "un",
  "une",
  "des",
  "du",
  "de",
  "d",
  "l",
  "en",
  "et",
  "a",
  "au",
  "aux",
  "pour",
  "avec",
  "je",
  "j",
  "veux",
  "voudrais",
  "prends",
  "prendre",
  "svp",
  "stp",
  "merci",
  "mon",
  "ma",
  "mes",
  "votre",
]);

/** The words of a text, folded; apostrophes and punctuation separate words. */
export function words(text: string): string[] {
  return fold(text).split(/[^a-z0-9]+/).filter(Boolean);
}

/** Levenshtein distance, bounded: stops counting past `max`. */
function distance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      best = Math.min(best, current[j]);
    }
    if (best > max) return max + 1;
    previous = current;
  }
  return previous[b.length];
}

/** Whether a word of the message is `target` (one typo allowed in words of 5 letters or more). */
function sameWord(word: string, target: string): boolean {
  if (word === target) return true;
  const stemmed = (w: string) => (w.length > 3 && /[sx]$/.test(w) ? w.slice(0, -1) : w);
  if (stemmed(word) === stemmed(target)) return true;
  return target.length >= 5 && word.length >= 4 && distance(word, target, 1) <= 1;
}

/** How well a phrase (a name or an alias) is found in the message: all its words in order, or a share of them. */
function phraseScore(message: string[], phrase: string): number {
  const target = words(phrase).filter((w) => !STOP.has(w));
  if (target.length === 0) return 0;
  // The whole phrase, its words consecutive in the message.
  for (let i = 0; i + target.length <= message.length; i++) {
    if (target.every((t, k) => sameWord(message[i + k], t))) return 10 + target.length;
  }
  // Otherwise the share of its significant words (3 letters or more) that appear anywhere.
  const significant = target.filter((t) => t.length >= 3 && !/^\d+$/.test(t));
  if (significant.length === 0) return 0;
  const hits = significant.filter((t) => message.some((w) => sameWord(w, t))).length;
  return hits === 0 ? 0 : (hits / significant.length) * 5;
}

/**
 * The products a message names: the best-scoring one, or every product tied with it (an
 * ambiguous « la robe » when the catalog has two robes). Empty when none is named.
 */
export function matchProducts(text: string, catalog: Product[]): Product[] {
  const message = words(text);
  const scored = catalog.map((product) => ({
    product,
    score: Math.max(...[product.name, ...product.aliases].map((phrase) => phraseScore(message, phrase))),
  })).filter((s) => s.score >= 2.5);
  if (scored.length === 0) return [];
  const best = Math.max(...scored.map((s) => s.score));
  return scored.filter((s) => s.score === best).map((s) => s.product);
}

/** The zone a message names (its name or an alias), the longest match winning. */
export function matchZone(text: string, zones: Zone[]): Zone | undefined {
  const message = words(text);
  let best: { zone: Zone; score: number } | undefined;
  for (const zone of zones) {
    for (const phrase of [zone.name, ...zone.aliases]) {
      const target = words(phrase);
      if (target.length === 0) continue;
      for (let i = 0; i + target.length <= message.length; i++) {
        if (target.every((t, k) => sameWord(message[i + k], t))) {
          const score = target.join(" ").length;
          if (!best || score > best.score) best = { zone, score };
        }
      }
    }
  }
  return best?.zone;
}

/** Sizes written as one letter need a cue (« en M », « taille L »), else « m'appelle » would be size M. */
const LETTER_SIZE = /^(xs|s|m|l|xl|xxl|xxxl)$/;

/**
 * The variant values a message gives for a product (« la rouge en M » → { couleur: "rouge",
 * taille: "M" }), each option at most once, values written as the catalog has them.
 */
export function matchVariant(text: string, product: Product): Record<string, string> {
  const message = words(text);
  // A size written as a capital on its own (« chemise wax M », « 2 robes bleues L ») needs no cue.
  const capitals = new Set(
    [...text.matchAll(/(?<![\p{L}'’])(XXXL|XXL|XL|XS|S|M|L)(?![\p{L}'’])/gu)].map((m) => m[1].toLowerCase()),
  );
  const chosen: Record<string, string> = {};
  for (const [option, values] of Object.entries(product.variants)) {
    for (const value of values) {
      const target = words(value);
      if (target.length === 0) continue;
      let found = false;
      for (let i = 0; i + target.length <= message.length && !found; i++) {
        const same = (w: string | undefined, t: string) =>
          w === t || w === `${t}s` || w === `${t}es` || (t.length >= 5 && w !== undefined && sameWord(w, t));
        if (!target.every((t, k) => same(message[i + k], t))) continue;
        if (target.length === 1 && LETTER_SIZE.test(target[0]) && target[0].length <= 2) {
          const before = message[i - 1];
          const alone = message.length <= 2;
          if (
            !alone && !capitals.has(target[0]) &&
            !["en", "taille", "size", "t", "du", "le", "la"].includes(before ?? "")
          ) continue;
        }
        if (target.length === 1 && /^\d+$/.test(target[0])) {
          const before = message[i - 1];
          if (
            !["en", "pointure", "taille", "du", "le", "la", "p"].includes(before ?? "") && message.length > 2
          ) continue;
        }
        found = true;
      }
      if (found) {
        chosen[option] = value;
        break;
      }
    }
  }
  return chosen;
}

/** The options of a product the customer has not chosen yet. */
export function missingOptions(product: Product, variant: Record<string, string>): string[] {
  return Object.entries(product.variants)
    .filter(([option, values]) => values.length > 1 && !variant[option])
    .map(([option]) => option);
}
