/**
 * What customers write during a live, read as data: amounts in XOF as people write them
 * (« 15 000 F », « 15000fcfa », « 15.000 », « 15k », « quinze mille »), Senegalese phone
 * numbers (`77 123 45 67`, `+221771234567`, `00221 77…`), mobile-money methods and transaction
 * references, small quantities (« 2 », « deux »). XOF has no minor unit: amounts are integers.
 */
import { foldText } from "../providers/lexical.ts";

/** Lower case, no accents, typographic apostrophes and spaces made plain. */
export function fold(text: string): string {
  return foldText(text).replace(/[’‘`]/g, "'").replace(/[\u00a0\u202f]/g, " ");
}

/** `15 000 FCFA`: the shop's way of writing an amount (the same as the database's private.xof). */
export function xof(amount: number): string {
  const digits = String(Math.abs(Math.trunc(amount)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${amount < 0 ? "-" : ""}${grouped} FCFA`;
}

const UNITS: Record<string, number> = {
  zero: 0,
  un: 1,
  une: 1,
  deux: 2,
  trois: 3,
  quatre: 4,
  cinq: 5,
  six: 6,
  sept: 7,
  huit: 8,
  neuf: 9,
  dix: 10,
  onze: 11,
  douze: 12,
  treize: 13,
  quatorze: 14,
  quinze: 15,
  seize: 16,
  vingt: 20,
  trente: 30,
  quarante: 40,
  cinquante: 50,
  soixante: 60,
};

/**
 * A number written in French words (« quinze mille », « vingt-cinq mille cinq cents »,
 * « cent cinquante mille »), or undefined. Covers what amounts in a live need (up to millions).
 */
export function frenchNumber(words: string): number | undefined {
  const tokens = fold(words).replace(/-/g, " ").replace(/\bet\b/g, " ").split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  let total = 0;
  let current = 0;
  let previous = "";
  for (const raw of tokens) {
    const token = raw === "cents" ? "cent" : raw === "vingts" ? "vingt" : raw;
    if (token === "vingt" && previous === "quatre") {
      current += 76; // quatre-vingt(s): 4 + 76 = 80
    } else if (token in UNITS) {
      current += UNITS[token];
    } else if (token === "cent") {
      current = (current || 1) * 100;
    } else if (token === "mille") {
      total += (current || 1) * 1000;
      current = 0;
    } else if (token === "million" || token === "millions") {
      total += (current || 1) * 1_000_000;
      current = 0;
    } else {
      return undefined;
    }
    previous = token;
  }
  return total + current;
}

/** The number words that may start a written amount (for finding one inside a sentence). */
const NUMBER_WORD = `(?:${[...Object.keys(UNITS), "cents?", "mille", "millions?", "et"].join("|")})`;

/** Amounts found in `text`, in the order they appear (digits with separators, `k`, `mille`, words). */
export function findAmounts(text: string): { value: number; raw: string; currency: boolean }[] {
  const folded = fold(text);
  const found: { value: number; raw: string; currency: boolean; at: number }[] = [];
  // 15 000 / 15.000 / 15000 / 15k / 15 mille, followed or not by a currency.
  const digits =
    /(?<![\w+])(\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](\d{1,2}))?\s*(k\b|mille\b|millions?\b|m\b(?=\s*(?:f|fcfa|cfa)\b))?\s*(fcfa|f\s?cfa|cfa|francs?|xof|f)?(?![\w])/g;
  for (const match of folded.matchAll(digits)) {
    const [raw, whole, , multiplier, currency] = match;
    let value = Number(whole.replace(/[ .]/g, ""));
    if (multiplier === "k" || multiplier === "mille") value *= 1000;
    if (multiplier === "m" || multiplier?.startsWith("million")) value *= 1_000_000;
    found.push({ value, raw: raw.trim(), currency: Boolean(currency || multiplier), at: match.index ?? 0 });
  }
  const words = new RegExp(`\\b${NUMBER_WORD}(?:[\\s-]+${NUMBER_WORD})*\\b`, "g");
  for (const match of folded.matchAll(words)) {
    const raw = match[0];
    if (!/mille|cent|million/.test(raw)) continue; // « deux » alone is a quantity, not an amount
    const value = frenchNumber(raw);
    if (value !== undefined && value > 0) found.push({ value, raw, currency: true, at: match.index ?? 0 });
  }
  return found.sort((a, b) => a.at - b.at).map(({ value, raw, currency }) => ({ value, raw, currency }));
}

/** `text` with its phone-number-like digit runs blanked (so that « 77 123 45 67 » is no amount). */
export function withoutPhones(text: string): string {
  return text.replace(PHONE_LIKE, (raw) => {
    const digits = raw.replace(/\D/g, "");
    return digits.length >= 9 ? " ".repeat(raw.length) : raw;
  });
}

const PHONE_LIKE = /(?<![\d])(?:\+|00)?(?:221[\s.-]*)?\d(?:[\s.-]?\d){6,11}(?![\d])/g;

/** Senegalese mobile prefixes (Orange, Free, Expresso, Promobile…). */
const MOBILE_PREFIXES = new Set(["70", "75", "76", "77", "78"]);

/**
 * Phone numbers in `text`: `valid` in E.164 (`+221771234567`) for Senegalese mobiles; `invalid`
 * for digit runs written as a phone that are not one (so the bot can say why).
 */
export function findPhones(text: string): { valid: string[]; invalid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const match of text.matchAll(PHONE_LIKE)) {
    const raw = match[0];
    const digits = raw.replace(/\D/g, "");
    const local = digits.startsWith("00221")
      ? digits.slice(5)
      : digits.startsWith("221") && digits.length === 12
      ? digits.slice(3)
      : digits;
    // A grouped amount (15 000, 125 000) is not a phone.
    if (/^\d{1,3}([ .]\d{3})+$/.test(raw.trim()) && !/^7[05-8]/.test(local)) continue;
    if (local.length === 9 && MOBILE_PREFIXES.has(local.slice(0, 2))) valid.push(`+221${local}`);
    else if (local.length >= 7) invalid.push(raw.trim());
  }
  return { valid, invalid };
}

/** `+221771234567` as people read it: `77 123 45 67`. */
export function formatPhone(e164: string): string {
  const local = e164.replace(/^\+221/, "");
  return `${local.slice(0, 2)} ${local.slice(2, 5)} ${local.slice(5, 7)} ${local.slice(7)}`;
}

export type PaymentMethod = "wave" | "orange_money" | "free_money" | "cash" | "card" | "other";

/** The mobile-money method a message names, if any. */
export function findMethod(text: string): PaymentMethod | undefined {
  const folded = fold(text);
  if (/\bwave\b/.test(folded)) return "wave";
  if (/\borange\s*money\b|\b(om|orange)\b/.test(folded)) return "orange_money";
  if (/\bfree\s*money\b|\bfree\b/.test(folded)) return "free_money";
  if (/\b(especes|cash|liquide|a la livraison)\b/.test(folded)) return "cash";
  if (/\b(carte|visa|mastercard)\b/.test(folded)) return "card";
  return undefined;
}

/** A mobile-money transaction reference (« réf. TXN123 », « ID: CI230512.1234.A56789 »), upper-cased. */
export function findReference(text: string): string | undefined {
  const labels =
    /\b(?:r[ée]f(?:[ée]rence)?|ref|id|transaction|txn|trans)\s*(?:de\s+(?:la\s+)?transaction\s*)?[.:#°n-]*\s*(?!(?:transaction|trans|txn|r[ée]f[ée]rence|ref|id)\b)([A-Za-z0-9][A-Za-z0-9._-]{3,40})/gi;
  // « ID transaction : CI230512… »: the first labelled token with a digit in it.
  for (const labelled of text.matchAll(labels)) {
    if (/\d/.test(labelled[1])) return labelled[1].replace(/[.]+$/, "").toUpperCase();
  }
  // A bare token mixing letters and digits, as SMS receipts print them (TXN4821, PP230512ABC).
  const bare = /\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,30}\b/.exec(text);
  return bare ? bare[0] : undefined;
}

const QUANTITY_WORDS: Record<string, number> = {
  un: 1,
  une: 1,
  deux: 2,
  trois: 3,
  quatre: 4,
  cinq: 5,
  six: 6,
  sept: 7,
  huit: 8,
  neuf: 9,
  dix: 10,
};

/** A small quantity written next to an item (« 2 robes », « je prends deux », « x3 »), 1 to 100. */
export function findQuantity(text: string): number | undefined {
  const folded = fold(text);
  const patterns = [
    /\b(?:je (?:prends|veux|voudrais|commande)|prendre|mettez(?:-moi)?|donnez(?:-moi)?)\s+(\d{1,3}|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b(?!\s*(?:000|mille|k\b|f\b|fcfa))/,
    /(?:^|\s)x\s?(\d{1,2})\b/,
    /\b(\d{1,2})\s*(?:x\b|fois\b|pieces?\b|exemplaires?\b|articles?\b(?!\s*\d))/,
    /\b(\d{1,2}|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\s+(?!000|mille|k\b|f\b|fcfa|cfa|francs?|min|h\b)[a-z]{3,}/,
    /\bquantite\s*:?\s*(\d{1,3})\b/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(folded);
    if (!match) continue;
    const value = /^\d+$/.test(match[1]) ? Number(match[1]) : QUANTITY_WORDS[match[1]];
    if (value >= 1 && value <= 100) return value;
  }
  return undefined;
}
