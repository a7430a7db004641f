import assert from "node:assert/strict";
import {
  COUNTRIES,
  countryOf,
  invalidPhoneMessage,
  methodLabel,
  methodNames,
  PAYMENT_METHODS,
} from "./country.ts";
import { EMPTY_DRAFT, nextQuestion, orderState } from "./dialog.ts";
import { extractOffline } from "./extract.ts";
import { normaliseModelExtraction } from "./llm.ts";
import { findMethod, findPhones, formatPhone, withoutPhones } from "./parse.ts";
import type { Product, Zone } from "./catalog.ts";

// BOTLIVE.md's checked numbers: a valid mobile of each of the eight countries, written as people
// of that country write it, read with the shop's country as the default region.
const MOBILES: [country: string, written: string, e164: string][] = [
  ["SN", "77 123 45 67", "+221771234567"],
  ["CI", "07 07 12 34 56", "+2250707123456"],
  ["ML", "76 12 34 56", "+22376123456"],
  ["BF", "70 12 34 56", "+22670123456"],
  ["BJ", "01 97 12 34 56", "+2290197123456"],
  ["TG", "90 12 34 56", "+22890123456"],
  ["NE", "96 12 34 56", "+22796123456"],
  ["GW", "955 123 456", "+245955123456"],
];

/** The SQL CHECK on orders.customer_phone and botlive_drafts.phone (migration botlive-countries). */
const SQL_PHONE =
  /^\+(221[0-9]{9}|225[0-9]{10}|223[0-9]{8}|226[0-9]{8}|229[0-9]{10}|228[0-9]{8}|227[0-9]{8}|245[0-9]{9})$/;

Deno.test("botlive countries: a mobile of each of the eight XOF countries, in the shop's country", () => {
  assert.deepEqual(Object.keys(COUNTRIES).sort(), ["BF", "BJ", "CI", "GW", "ML", "NE", "SN", "TG"]);
  for (const [country, written, e164] of MOBILES) {
    assert.deepEqual(findPhones(written, country), { valid: [e164], invalid: [] }, `${written}/${country}`);
    assert.deepEqual(
      findPhones(`mon numéro : ${e164}`, "SN").valid,
      [e164],
      `${e164} from a Senegalese shop`,
    );
    assert.equal(formatPhone(e164), written, `${e164} as people of ${country} read it`);
    assert.match(e164, SQL_PHONE, `${e164} passes the database's CHECK`);
    assert.equal(`+${countryOf(country).dialCode}`, e164.slice(0, countryOf(country).dialCode.length + 1));
  }
});

Deno.test("botlive countries: numbering plans that moved, and numbers of another country, are refused", () => {
  // Bénin went to 10 digits on 30 November 2024: the old 8 digits are no longer a number.
  assert.deepEqual(findPhones("97 12 34 56", "BJ"), { valid: [], invalid: ["97 12 34 56"] });
  // Côte d'Ivoire went to 10 digits in 2021.
  assert.deepEqual(findPhones("07 12 34 56", "CI").valid, []);
  assert.deepEqual(findPhones("77 12", "SN").valid, []);
  // A Senegalese mobile is not an Ivorian one without its +221…
  assert.deepEqual(findPhones("77 123 45 67", "CI").valid, []);
  // …and with it, or with 00221, it is read in any shop.
  assert.deepEqual(findPhones("00221 77 123 45 67", "CI").valid, ["+221771234567"]);
  assert.deepEqual(findPhones("+225 07 07 12 34 56", "SN").valid, ["+2250707123456"]);
  // Outside the eight countries: not a delivery phone.
  assert.deepEqual(findPhones("+33 6 12 34 56 78", "SN").valid, []);
  // Grouped amounts are not phones, in a country of 8-digit numbers either.
  assert.deepEqual(findPhones("j'ai payé 1 500 000 F", "ML"), { valid: [], invalid: [] });
  // No country: Sénégal.
  assert.deepEqual(findPhones("77 123 45 67").valid, ["+221771234567"]);
  assert.deepEqual(findPhones("77 123 45 67", null).valid, ["+221771234567"]);
});

Deno.test("botlive countries: an 8-digit mobile is no amount", () => {
  assert.equal(
    withoutPhones("payé par orange money, mon numéro 76123456", "ML").trim(),
    "payé par orange money, mon numéro",
  );
  const e = extractOffline("j'ai payé par orange money, mon numéro 76123456", {
    catalog: [],
    zones: [],
    country: "ML",
  });
  assert.equal(e.phone, "+22376123456");
  assert.equal(e.payment?.amount, undefined, "76 123 456 FCFA is the phone, not an amount");
});

Deno.test("botlive countries: the invalid-phone message names the country and an example", () => {
  assert.equal(
    invalidPhoneMessage("66 123 45 67", "SN"),
    "« 66 123 45 67 » n'est pas un numéro de portable sénégalais valide (9 chiffres commençant par 70, 75, 76, 77 ou 78, par exemple 77 123 45 67).",
  );
  assert.match(invalidPhoneMessage("07 12 34 56", "CI"), /ivoirien valide \(10 chiffres.*07 07 12 34 56\)/);
  assert.match(invalidPhoneMessage("97 12 34 56", "BJ"), /béninois.*01 97 12 34 56/);
  assert.match(invalidPhoneMessage("12", null), /sénégalais/);
});

Deno.test("botlive countries: the mobile-money methods of each country, as BOTLIVE.md lists them", () => {
  const has = (method: string) =>
    Object.values(COUNTRIES).filter((c) => (c.methods as string[]).includes(method)).map((c) => c.code)
      .sort();
  assert.deepEqual(has("wave"), ["BF", "CI", "ML", "SN"]);
  assert.deepEqual(has("orange_money"), ["BF", "CI", "GW", "ML", "SN"]);
  assert.deepEqual(has("free_money"), ["SN"]);
  assert.deepEqual(has("mtn_momo"), ["BJ", "CI"]);
  assert.deepEqual(has("moov_money"), ["BF", "BJ", "CI", "NE", "TG"]);
  assert.deepEqual(has("t_money"), ["TG"]);
  assert.deepEqual(has("airtel_money"), ["NE"]);
  assert.equal(methodNames("SN"), "Wave, Orange Money ou Free Money");
  for (const label of ["MTN MoMo", "Moov Money", "Wave", "Orange Money"]) {
    assert.ok(methodNames("CI").includes(label), `${label} in ${methodNames("CI")}`);
  }
  assert.doesNotMatch(methodNames("CI"), /Free Money/);
  assert.equal(methodNames("GW"), "Orange Money");
  assert.equal(methodNames(null), methodNames("SN"));
  assert.equal(methodLabel("mtn_momo"), "MTN MoMo");
  assert.equal(methodLabel("cash"), "espèces");
  assert.ok(PAYMENT_METHODS.includes("airtel_money"));
});

Deno.test("botlive countries: a method is read by its name anywhere, by its short name where the country has it", () => {
  for (
    const [text, country, method] of [
      ["j'ai payé 21500 par MTN MoMo", "CI", "mtn_momo"],
      ["envoyé par momo", "CI", "mtn_momo"],
      ["envoyé par momo", "BJ", "mtn_momo"],
      ["envoyé par momo", "SN", undefined],
      ["paiement Flooz", "TG", "moov_money"],
      ["par Moov Money", "BJ", "moov_money"],
      ["j'ai fait un T-Money", "TG", "t_money"],
      ["tmoney 5000", "TG", "t_money"],
      ["via Airtel Money", "NE", "airtel_money"],
      ["par wave", "CI", "wave"],
      ["par OM", "SN", "orange_money"],
      ["par OM", "ML", "orange_money"],
      ["par OM", "BJ", undefined],
      ["par orange money", "BJ", "orange_money"],
      ["free money", "SN", "free_money"],
      ["payé par free", "SN", "free_money"],
      ["payé par free", "CI", undefined],
      ["à la livraison", "CI", "cash"],
    ] as [string, string, string | undefined][]
  ) {
    assert.equal(findMethod(text, country), method, `${text} (${country})`);
  }
  assert.equal(findMethod("par OM"), "orange_money", "Sénégal by default");
});

const catalog: Product[] = [
  { id: "p1", name: "Robe wax", variants: {}, price: 15000, stock: 3, aliases: ["robe"] },
];
const zones: Zone[] = [{ id: "z1", name: "Cocody", aliases: [], fee: 1500 }];

Deno.test("botlive countries: the offline extractor reads the shop's phones and methods", () => {
  const e = extractOffline("la robe wax, livraison Cocody, mon numéro 07 07 12 34 56", {
    catalog,
    zones,
    country: "CI",
  });
  assert.equal(e.phone, "+2250707123456");
  const sn = extractOffline("mon numéro 07 07 12 34 56", { catalog, zones });
  assert.equal(sn.phone, undefined, "not a Senegalese number");
  assert.equal(sn.invalidPhone, "07 07 12 34 56");
  const paid = extractOffline("j'ai payé 16500 par MTN MoMo ref MP240101.1200.A12345", {
    catalog,
    zones,
    country: "CI",
    current: catalog[0],
  });
  assert.deepEqual(paid.payment, { amount: 16500, method: "mtn_momo", reference: "MP240101.1200.A12345" });
  const flooz = extractOffline("flooz 16500", { catalog, zones, country: "TG", current: catalog[0] });
  assert.deepEqual(flooz.payment, { amount: 16500, method: "moov_money", reference: undefined });
});

Deno.test("botlive countries: the models' extraction is read in the shop's country, with every method", () => {
  const raw = {
    intent: "order",
    product: null,
    variant: {},
    quantity: null,
    zone: null,
    phone: "07 07 12 34 56",
    payment: { amount: 16500, method: "moov_money", reference: null },
    customer_name: null,
  };
  const ci = normaliseModelExtraction(raw, "07 07 12 34 56, 16500 par Moov", {
    catalog,
    zones,
    country: "CI",
  });
  assert.equal(ci?.phone, "+2250707123456");
  assert.equal(ci?.payment?.method, "moov_money");
  const sn = normaliseModelExtraction(raw, "07 07 12 34 56, 16500 par Moov", { catalog, zones });
  assert.equal(sn?.phone, undefined);
  assert.equal(sn?.invalidPhone, "07 07 12 34 56");
});

Deno.test("botlive countries: the bot asks to pay by the shop's country's methods", () => {
  const draft = { ...EMPTY_DRAFT, productId: "p1", zoneId: "z1", phone: "+2250707123456" };
  const state = orderState(draft, { products: catalog, zones }, 0);
  const ci = nextQuestion(state, { products: catalog, zones }, catalog[0], "CI");
  assert.match(ci ?? "", /16 500 FCFA/);
  for (const label of ["Orange Money", "MTN MoMo", "Moov Money", "Wave"]) {
    assert.ok(ci?.includes(label), ci ?? "");
  }
  assert.doesNotMatch(ci ?? "", /Free Money/);
  const bj = nextQuestion(
    orderState(draft, { products: catalog, zones }, 5000),
    { products: catalog, zones },
    catalog[0],
    "BJ",
  );
  assert.match(bj ?? "", /il manque 11 500 FCFA.*MTN MoMo ou Moov Money/);
  const sn = nextQuestion(state, { products: catalog, zones }, catalog[0]);
  assert.match(sn ?? "", /Wave, Orange Money ou Free Money/);
});
