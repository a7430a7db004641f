/**
 * What customers write during a live, read as data: amounts in XOF as people write them
 * (« 15 000 F », « 15000fcfa », « 15.000 », « 15k », « quinze mille »), mobile numbers of the
 * eight XOF countries read in the shop's country (`77 123 45 67`, `+221771234567`, `00225 07 07…`),
 * mobile-money methods (country.ts) and transaction references, small quantities (« 2 »,
 * « deux »). XOF has no minor unit: amounts are integers.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { foldText } from "../providers/lexical.ts";
import {
  COUNTRIES,
  countryOf,
  countryOfDialCode,
  MOBILE_MONEY,
  type MobileMoney,
  type MobileMoneyMethod,
  type PaymentMethod,
} from "./country.ts";

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

/** An amount found in a message: `negative` when written with a minus, `foreign` the other currency it names. */
export interface FoundAmount {
  value: number;
  raw: string;
  currency: boolean;
  negative?: boolean;
  foreign?: string;
}

/** Currencies that are not francs CFA, written after (« 9000 EUR », « 50 dollars ») or before (« $9000 »). */
const FOREIGN_AFTER =
  /^\s*(eur(?:os?)?|€|usd|us\s?\$|dollars?|\$|gbp|£|livres?|ngn|nairas?|ghs|cedis?|cad|chf)(?![a-z])/;
const FOREIGN_BEFORE = /(€|\$|£|usd|eur)\s*$/;
const FOREIGN_CODE: Record<string, string> = {
  "€": "EUR",
  "$": "USD",
  "£": "GBP",
  euro: "EUR",
  dollar: "USD",
};

function foreignCurrency(before: string, after: string): string | undefined {
  const named = FOREIGN_AFTER.exec(after)?.[1] ?? FOREIGN_BEFORE.exec(before)?.[1];
  if (!named) return undefined;
  const key = named.replace(/\s/g, "").replace(/s$/, "");
  return FOREIGN_CODE[key] ?? FOREIGN_CODE[key.replace(/^us/, "")] ??
    (key.startsWith("eur")
      ? "EUR"
      : key.startsWith("livre")
      ? "GBP"
      : key.startsWith("naira")
      ? "NGN"
      : key.startsWith("cedi")
      ? "GHS"
      : key.toUpperCase());
}

/**
 * Amounts found in `text`, in the order they appear (digits with separators, `k`, `mille`,
 * words). A minus in front (« -9000 F ») is kept as `negative`; another currency around it
 * (« 9000 EUR », « $9000 ») as `foreign`: neither is an amount of francs.
 */
export function findAmounts(text: string): FoundAmount[] {
  const folded = fold(text);
  const found: (FoundAmount & { at: number })[] = [];
  // 15 000 / 15.000 / 15000 / 15k / 15 mille, followed or not by a currency.
  const digits =
    /(?<![\w+])(\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](\d{1,2}))?\s*(k\b|mille\b|millions?\b|m\b(?=\s*(?:f|fcfa|cfa)\b))?\s*(fcfa|f\s?cfa|cfa|francs?|xof|f)?(?![\w])/g;
  for (const match of folded.matchAll(digits)) {
    const [raw, whole, , multiplier, currency] = match;
    const at = match.index ?? 0;
    let value = Number(whole.replace(/[ .]/g, ""));
    if (multiplier === "k" || multiplier === "mille") value *= 1000;
    if (multiplier === "m" || multiplier?.startsWith("million")) value *= 1_000_000;
    const before = folded.slice(Math.max(0, at - 6), at);
    const amount: FoundAmount & { at: number } = {
      value,
      raw: raw.trim(),
      currency: Boolean(currency || multiplier),
      at,
    };
    if (/(?:^|[\s(:])[-−–]\s?$/.test(before) || /^[-−–]$/.test(before)) amount.negative = true;
    const foreign = currency ? undefined : foreignCurrency(before, folded.slice(at + raw.length));
    if (foreign) amount.foreign = foreign;
    found.push(amount);
  }
  const words = new RegExp(`\\b${NUMBER_WORD}(?:[\\s-]+${NUMBER_WORD})*\\b`, "g");
  for (const match of folded.matchAll(words)) {
    const raw = match[0];
    if (!/mille|cent|million/.test(raw)) continue; // « deux » alone is a quantity, not an amount
    const value = frenchNumber(raw);
    if (value !== undefined && value > 0) found.push({ value, raw, currency: true, at: match.index ?? 0 });
  }
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...amount }) => amount);
}

/**
 * `text` with its phone numbers blanked (so that « 77 123 45 67 » is no amount): the runs that are
 * a mobile of the eight countries, and the long digit runs written as a phone (9 digits or more,
 * 8 where the shop's country numbers have 8); a run grouped by thousands (« 1 500 000 ») stays
 * unless it is a mobile.
 */
export function withoutPhones(text: string, country?: string | null): string {
  const shortest = Math.min(9, countryOf(country).groups.reduce((a, b) => a + b, 0));
  return text.replace(PHONE_LIKE, (raw) => {
    if (readPhone(raw, country) !== undefined) return " ".repeat(raw.length);
    if (GROUPED_AMOUNT.test(raw.trim())) return raw;
    return raw.replace(/\D/g, "").length >= shortest ? " ".repeat(raw.length) : raw;
  });
}

/**
 * A digit run written as a phone, with or without one of the eight dial codes (`+225`, `00225`,
 * `225`); not inside a token (« MP240101.1200 » is a reference).
 */
const PHONE_LIKE = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:\\+|00)?(?:(?:${
    Object.values(COUNTRIES).map((c) => c.dialCode).join("|")
  })[\\s.-]*)?\\d(?:[\\s.-]?\\d){6,11}(?![\\p{L}\\p{N}])`,
  "gu",
);
const GROUPED_AMOUNT = /^\d{1,3}([ .]\d{3})+$/;
const MOBILE_TYPES = new Set(["MOBILE", "FIXED_LINE_OR_MOBILE"]);

/**
 * One phone-like run as E.164 when it is a mobile number of one of the eight XOF countries, read
 * by libphonenumber-js with the shop's country as the default region (`07 07 12 34 56` is
 * Ivorian in an Ivorian shop); `+221…`, `00221…` or `221…` in front names another of the eight.
 */
function readPhone(raw: string, country?: string | null): string | undefined {
  const digits = raw.replace(/\D/g, "");
  const written = raw.trim();
  const candidates = written.startsWith("+")
    ? [`+${digits}`]
    : digits.startsWith("00")
    ? [`+${digits.slice(2)}`]
    : [digits, `+${digits}`];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, countryOf(country).code);
    if (
      parsed?.isValid() && MOBILE_TYPES.has(parsed.getType() ?? "") &&
      countryOfDialCode(parsed.countryCallingCode) !== undefined
    ) {
      return parsed.number;
    }
  }
  return undefined;
}

/**
 * Phone numbers in `text`, read in the shop's `country` (ISO alpha-2 among the eight XOF
 * countries; Sénégal by default): `valid` the mobiles, in E.164 (`+221771234567`,
 * `+2250707123456`); `invalid` the digit runs written as a phone that are not one (so the bot
 * can say why). Validity is libphonenumber-js's (numbering plans move: Bénin's 10 digits, 2024).
 */
export function findPhones(text: string, country?: string | null): { valid: string[]; invalid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const match of text.matchAll(PHONE_LIKE)) {
    const raw = match[0].trim();
    const phone = readPhone(raw, country);
    if (phone) valid.push(phone);
    // A grouped amount (15 000, 1 500 000) is not a phone.
    else if (!GROUPED_AMOUNT.test(raw) && raw.replace(/\D/g, "").length >= 7) invalid.push(raw);
  }
  return { valid, invalid };
}

/** An E.164 number as people of its country read it: `77 123 45 67`, `07 07 12 34 56`, `955 123 456`. */
export function formatPhone(e164: string): string {
  const country = Object.values(COUNTRIES).find((c) => e164.startsWith(`+${c.dialCode}`));
  if (!country) return e164;
  const national = e164.slice(country.dialCode.length + 1);
  if (national.length !== country.groups.reduce((a, b) => a + b, 0)) return national;
  let at = 0;
  return country.groups.map((size) => national.slice(at, at += size)).join(" ");
}

export type { PaymentMethod };

/** `words` as one pattern on folded text: whole words, a space matching spaces or a hyphen. */
function wordsPattern(words: readonly string[]): RegExp {
  const alternatives = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/[ -]/g, "[\\s-]*"));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}])`, "u");
}

/**
 * The payment method a message names, if any: a mobile-money method by its name wherever it is
 * used (« MTN MoMo », « Flooz », « Wave »), by its short name (« OM », « momo », « free ») only
 * where the shop's `country` has it (country.ts); then cash or card.
 */
export function findMethod(text: string, country?: string | null): PaymentMethod | undefined {
  const folded = fold(text);
  const local = countryOf(country).methods;
  const all = Object.keys(MOBILE_MONEY) as MobileMoneyMethod[];
  for (const method of [...local, ...all.filter((m) => !local.includes(m))]) {
    if (wordsPattern(MOBILE_MONEY[method].names).test(folded)) return method;
  }
  for (const method of local) {
    const short = (MOBILE_MONEY[method] as MobileMoney).short;
    if (short && wordsPattern(short).test(folded)) return method;
  }
  if (/\b(especes|cash|liquide|a la livraison)\b/.test(folded)) return "cash";
  if (/\b(carte|visa|mastercard)\b/.test(folded)) return "card";
  return undefined;
}

/**
 * Words that may follow a label without being a reference (« réf. envoyée », « ID de la
 * transaction suivante »): a labelled token is a reference whatever its characters, but not a
 * French word of the sentence around it.
 */
const NOT_A_REFERENCE = new Set([
  "suivante",
  "suivant",
  "ci",
  "jointe",
  "joint",
  "dessous",
  "dessus",
  "svp",
  "merci",
  "est",
  "sur",
  "dans",
  "pour",
  "par",
  "avec",
  "voici",
  "reussie",
  "effectuee",
  "envoyee",
  "envoye",
  "paiement",
  "transfert",
  "numero",
  "wave",
  "orange",
  "money",
  "free",
  "mobile",
  "momo",
]);

/**
 * A mobile-money transaction reference (« réf. TXN123 », « ID transaction : CI230512.1234.A56789 »,
 * « ref NEG00001 », « réf. TXNMXACKEGKA »), upper-cased as the customer wrote it. A labelled
 * token is a reference whatever its characters (letters only included); without a label, a bare
 * token mixing capitals and digits as SMS receipts print them (TXN4821, PP230512ABC).
 */
export function findReference(text: string): string | undefined {
  // The label, then « de (la) transaction », then a number sign (« n° », « no », « # », « : »).
  const labels =
    /(?<![\p{L}\p{N}])(?:r[ée]f(?:[ée]rence)?|id(?:entifiant)?|(?:n[°o]|num[ée]ro)\s*(?:de\s+)?(?:transaction|trans|txn)|transaction\s*(?:id|n[°o])?|txn)(?![\p{L}\p{N}])(?:\s*de\s+(?:la\s+)?(?:transaction|trans|txn)(?![\p{L}\p{N}])|\s+(?:de\s+)?(?:transaction|trans)(?![\p{L}\p{N}]))?(?:\s*(?:n[°o](?![\p{L}\p{N}])|num[ée]ro|[.:#°-]))*\s*([A-Za-z0-9][A-Za-z0-9._-]{3,40})(?![\p{L}\p{N}])/giu;
  for (const labelled of text.matchAll(labels)) {
    const token = labelled[1].replace(/[._-]+$/, "");
    if (token.length >= 4 && !NOT_A_REFERENCE.has(fold(token))) return token.toUpperCase();
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
    // A quantity changed once the product is chosen: « finalement j'en veux 3 », « mettez-en quatre », « plutôt 2 ».
    /\b(?:j\s?'?\s?en (?:veux|prends|voudrais|mets)|(?:mettez|donnez|mets|donne)[- ]?(?:en|m'en|moi)|plutot|finalement|en fait|changez? pour|passez? a)\s+(?:en\s+)?(\d{1,3}|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b(?!\s*(?:000|mille|k\b|f\b|fcfa|cfa|francs?))/,
    /(?:^|\s)x\s?(\d{1,2})\b/,
    /\b(\d{1,2})\s*(?:x\b|fois\b|pieces?\b|exemplaires?\b|articles?\b(?!\s*\d))/,
    /\b(\d{1,2}|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\s+(?!000|mille|k\b|f\b|fcfa|cfa|francs?|min|h\b|eur|euros?\b|usd|dollars?\b|livres?\b)[a-z]{3,}/,
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
