/**
 * The eight XOF countries (UEMOA) a shop can sell in, as data: dial code, how a mobile number is
 * written and grouped, and the mobile-money methods people there pay with (BOTLIVE.md). The
 * shop's country (`companies.country`, null = Sénégal) picks the default region for phone numbers
 * and the methods the bot names; a method is recognised wherever the customer names it.
 */

/** A mobile-money method: its label in replies, the names that identify it in a message (folded, lower
 * case), and short names that identify it only where the shop's country has it (« om », « momo »). */
export interface MobileMoney {
  label: string;
  names: string[];
  short?: string[];
}

export const MOBILE_MONEY = {
  wave: { label: "Wave", names: ["wave"] },
  orange_money: {
    label: "Orange Money",
    names: ["orange money", "orange-money", "orangemoney"],
    short: ["om", "orange"],
  },
  free_money: { label: "Free Money", names: ["free money", "free-money"], short: ["free"] },
  mtn_momo: {
    label: "MTN MoMo",
    names: ["mtn momo", "mtn mobile money", "mtn money", "mtn"],
    short: ["momo"],
  },
  moov_money: { label: "Moov Money", names: ["moov money", "moov africa money", "moov", "flooz"] },
  t_money: { label: "T-Money", names: ["t-money", "t money", "tmoney"] },
  airtel_money: { label: "Airtel Money", names: ["airtel money", "airtel"] },
} as const satisfies Record<string, MobileMoney>;

export type MobileMoneyMethod = keyof typeof MOBILE_MONEY;

/** Every method a payment row may carry (payments.method's CHECK lists the same). */
export const PAYMENT_METHODS = [
  ...(Object.keys(MOBILE_MONEY) as MobileMoneyMethod[]),
  "cash",
  "card",
  "other",
] as const;

export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Country {
  /** ISO 3166-1 alpha-2, as companies.country stores it. */
  code: CountryCode;
  name: string;
  /** « un numéro de portable <adjective> ». */
  adjective: string;
  dialCode: string;
  /** National significant number length of a mobile, and how people group its digits. */
  groups: number[];
  /** How to write a valid mobile, for the bot's hint. */
  rule: string;
  example: string;
  /** The mobile-money methods named in replies, most used first. */
  methods: MobileMoneyMethod[];
}

export type CountryCode = "SN" | "CI" | "ML" | "BF" | "BJ" | "TG" | "NE" | "GW";

export const COUNTRIES: Record<CountryCode, Country> = {
  SN: {
    code: "SN",
    name: "Sénégal",
    adjective: "sénégalais",
    dialCode: "221",
    groups: [2, 3, 2, 2],
    rule: "9 chiffres commençant par 70, 75, 76, 77 ou 78",
    example: "77 123 45 67",
    methods: ["wave", "orange_money", "free_money"],
  },
  CI: {
    code: "CI",
    name: "Côte d'Ivoire",
    adjective: "ivoirien",
    dialCode: "225",
    groups: [2, 2, 2, 2, 2],
    rule: "10 chiffres commençant par 01, 05 ou 07",
    example: "07 07 12 34 56",
    methods: ["orange_money", "mtn_momo", "moov_money", "wave"],
  },
  ML: {
    code: "ML",
    name: "Mali",
    adjective: "malien",
    dialCode: "223",
    groups: [2, 2, 2, 2],
    rule: "8 chiffres",
    example: "76 12 34 56",
    methods: ["orange_money", "wave"],
  },
  BF: {
    code: "BF",
    name: "Burkina Faso",
    adjective: "burkinabè",
    dialCode: "226",
    groups: [2, 2, 2, 2],
    rule: "8 chiffres",
    example: "70 12 34 56",
    methods: ["orange_money", "moov_money", "wave"],
  },
  BJ: {
    code: "BJ",
    name: "Bénin",
    adjective: "béninois",
    dialCode: "229",
    groups: [2, 2, 2, 2, 2],
    rule: "10 chiffres commençant par 01",
    example: "01 97 12 34 56",
    methods: ["mtn_momo", "moov_money"],
  },
  TG: {
    code: "TG",
    name: "Togo",
    adjective: "togolais",
    dialCode: "228",
    groups: [2, 2, 2, 2],
    rule: "8 chiffres",
    example: "90 12 34 56",
    methods: ["t_money", "moov_money"],
  },
  NE: {
    code: "NE",
    name: "Niger",
    adjective: "nigérien",
    dialCode: "227",
    groups: [2, 2, 2, 2],
    rule: "8 chiffres",
    example: "96 12 34 56",
    methods: ["airtel_money", "moov_money"],
  },
  GW: {
    code: "GW",
    name: "Guinée-Bissau",
    adjective: "bissau-guinéen",
    dialCode: "245",
    groups: [3, 3, 3],
    rule: "9 chiffres",
    example: "955 123 456",
    methods: ["orange_money"],
  },
};

/** The shop's country; Sénégal when none is set (companies.country null) or the code is not one of the eight. */
export function countryOf(code?: string | null): Country {
  return COUNTRIES[(code ?? "SN").toUpperCase() as CountryCode] ?? COUNTRIES.SN;
}

/** The country a dial code belongs to (`221` → Sénégal), among the eight. */
export function countryOfDialCode(dialCode: string): Country | undefined {
  return Object.values(COUNTRIES).find((c) => c.dialCode === dialCode);
}

/** A method's label in replies (« MTN MoMo »); `cash`, `card` and `other` in French. */
export function methodLabel(method: PaymentMethod): string {
  if (method === "cash") return "espèces";
  if (method === "card") return "carte";
  if (method === "other") return "autre moyen";
  return MOBILE_MONEY[method].label;
}

/** The country's mobile-money methods as a French list: « Wave, Orange Money ou Free Money ». */
export function methodNames(code?: string | null): string {
  const labels = countryOf(code).methods.map((m) => MOBILE_MONEY[m].label);
  return labels.length > 1 ? `${labels.slice(0, -1).join(", ")} ou ${labels.at(-1)}` : labels[0];
}

/** Why a number is refused, in the shop's country: « « 66 12 » n'est pas un numéro de portable sénégalais valide (…) ». */
export function invalidPhoneMessage(raw: string, code?: string | null): string {
  const country = countryOf(code);
  return `« ${raw} » n'est pas un numéro de portable ${country.adjective} valide (${country.rule}, par exemple ${country.example}).`;
}

/** A shop's clock by its country (as SQL's private.botlive_time_zone): every XOF country is UTC or UTC+1. */
const TIME_ZONES: Record<string, string> = {
  SN: "Africa/Dakar",
  CI: "Africa/Abidjan",
  ML: "Africa/Bamako",
  BF: "Africa/Ouagadougou",
  BJ: "Africa/Porto-Novo",
  TG: "Africa/Lome",
  NE: "Africa/Niamey",
  GW: "Africa/Bissau",
};

export function timeZoneOf(code?: string | null): string {
  return TIME_ZONES[code ?? "SN"] ?? TIME_ZONES.SN;
}
