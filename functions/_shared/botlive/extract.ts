/**
 * What one customer message says for the order being filled, as slots: a product (from the
 * catalog, with variant values and a quantity), a delivery zone, a phone number, a payment
 * proof (amount, method, reference), a name, and what the customer wants (to order, to cancel,
 * to ask something, a human). `extractOffline` is the deterministic extractor the demo and the
 * tests take real orders with when no model is configured; the model's extraction (llm.ts) is
 * normalised into the same shape, through the same catalog matching.
 */
import { asksForHuman } from "../chat/router.ts";
import { matchProducts, matchVariant, matchZone, type Product, type Zone } from "./catalog.ts";
import {
  findAmounts,
  findMethod,
  findPhones,
  findQuantity,
  findReference,
  fold,
  type PaymentMethod,
  withoutPhones,
} from "./parse.ts";

export type Intent = "order" | "cancel" | "human" | "question" | "greeting" | "paid_claim" | "other";

export interface Extraction {
  intent: Intent;
  /** The products the message names (several: ambiguous). */
  products: Product[];
  /** Variant values given (for the product named, or the draft's). */
  variantText: string;
  quantity?: number;
  zone?: Zone;
  /** E.164 (+221…, +225…) when the message gives a mobile (read in the shop's country). */
  phone?: string;
  /** Digits written as a phone that are not a mobile of the shop's country (nor another XOF one with its code). */
  invalidPhone?: string;
  payment?: { amount?: number; method?: PaymentMethod; reference?: string };
  /** An amount that cannot be one (negative, 0, or above 100 000 000 FCFA). */
  invalidAmount?: string;
  /** An amount in another currency (« 9000 EUR », « $9000 »): asked about, never counted as francs. */
  foreignAmount?: string;
  customerName?: string;
  /** The message wants something from the catalog the catalog does not have (« je veux un vélo »). */
  unknownProduct?: string;
  /** A delivery place the shop does not serve (« livraison Thiès »), as the customer wrote it. */
  unknownZone?: string;
}

export interface ExtractionContext {
  catalog: Product[];
  zones: Zone[];
  /** The product already in the draft, for variant answers (« en M »). */
  current?: Product;
  /** The shop's country (ISO alpha-2 among the eight XOF countries; Sénégal when absent): phones and methods. */
  country?: string;
}

const PHONE_CONTEXT = /\b(numero|num|tel|telephone|phone|portable|joindre|appel\w*|contact)\b/;
/** « on en était où ? », « où en est ma commande ? », « c'est quoi le total ? »: the order's state, not the knowledge base. */
const STATE =
  /\b(on en (?:etait|est) ou|ou en (?:est|etait|sommes|suis)(?: ma commande| on)?|ou ca en est|(?:c ?est )?quoi le total|quel (?:est le )?total|le total (?:c ?est|fait) combien|je (?:vous )?dois combien|combien je (?:vous )?dois|recap(?:itulatif)?|resume de ma commande)\b/;
/** Words after « livraison » that are not a place. */
const NOT_A_PLACE = new Set([
  "a",
  "domicile",
  "gratuite",
  "gratuit",
  "quand",
  "combien",
  "demain",
  "aujourd",
  "ce",
  "cette",
  "le",
  "la",
  "les",
  "svp",
  "possible",
  "rapide",
  "express",
  "sur",
  "pour",
  "prix",
  "frais",
  "delai",
  "dans",
  "chez",
  "moi",
  "en",
  "au",
  "aux",
  "samedi",
  "dimanche",
  "lundi",
  "mardi",
  "mercredi",
  "jeudi",
  "vendredi",
  "soir",
  "matin",
  "ok",
  "oui",
  "non",
  "temps",
  "quelle",
  "quel",
  "vite",
  "comment",
  "par",
  "avec",
  "des",
  "du",
  "un",
  "une",
  "mon",
  "ma",
  "mes",
  "votre",
  "vos",
  "tout",
  "partout",
  "bien",
  "pas",
  "moins",
  "plus",
  "heure",
  "heures",
  "semaine",
  "midi",
]);

/** True when the message asks where the order stands (« on en était où ? ») rather than a question for the knowledge base. */
export function asksForState(text: string): boolean {
  return STATE.test(fold(text).replace(/['’]/g, " "));
}

/** The place a customer asks delivery to that is none of the shop's zones (« livraison Thiès » → « Thiès »). */
export function findUnknownZone(text: string): string | undefined {
  const match = new RegExp(
    String
      .raw`(?:\b(?:livr(?:aison|er|ez|e)|envoy(?:er|ez))\s+(?:moi\s+)?(?:(?:a|à|sur|vers|au|aux|en|dans|chez)\s+)?` +
      String.raw`|\b(?:j'?habite|je suis|je vis)\s+(?:a|à)\s+)` +
      String.raw`(\p{L}[\p{L}'-]{2,}(?:[ -]\p{Lu}[\p{L}'-]+)?)`,
    "iu",
  ).exec(text.replace(/’/g, "'"));
  if (!match) return undefined;
  const place = match[1];
  if (NOT_A_PLACE.has(fold(place).split(/[\s'-]/)[0])) return undefined;
  return place;
}

const CANCEL =
  /\b(j ?annule|annuler|annulez|annulation|laisse[rz]? tomber|je ne (?:la |le |les )?veux plus|je n ?en veux plus|plus besoin|stop la commande)\b/;
const PAID_CLAIM =
  /\b(j ?ai (?:deja )?(?:paye|envoye|fait le (?:paiement|transfert|depot|versement)|transfere|regle|verse)|c ?est paye|paiement (?:fait|effectue|envoye)|deja paye)\b/;
const PAYMENT_CONTEXT =
  /\b(paye|payer|paiement|envoye|envoyer|verse|versement|transfert|transfere|depot|recu|regle|wave|orange|om|free|ref|reference|txn|transaction)\b/;
const QUESTION_START =
  /^(combien|est ce|est-ce|quel|quelle|quels|quelles|quand|ou |comment|pourquoi|c ?est quoi|vous (?:avez|faites|livrez|acceptez)|y a t il|avez vous|faites vous|livrez vous|acceptez vous|peut on|on peut|je peux|puis je)/;
const GREETING = /^(bonjour|bonsoir|salut|slt|hello|coucou|salam|assalamou? ?aleykoum|bjr|bsr)\b[\s!.,]*$/;
const ORDER_WORDS =
  /\b(je (?:veux|voudrais|prends|commande)|j ?aimerais|commander|acheter|prendre|reserver|mettez moi|donnez moi)\b/;
const NAME =
  /\b(?:je m ?appelle|mon nom(?: est| c ?est)?|au nom de|c ?est de la part de|moi c ?est)\s*:?\s*([a-zà-ÿ][a-zà-ÿ'-]+(?:\s+[a-zà-ÿ][a-zà-ÿ'-]+)?)/i;

/**
 * What a model read as the amount is checked against the message itself: a negative amount or
 * one in another currency is never a payment of francs, whatever the model made of it.
 */
export function screenAmounts(extraction: Extraction, text: string, country?: string): Extraction {
  const odd = findAmounts(withoutPhones(text, country)).find((a) => a.negative || a.foreign);
  if (!odd) return extraction;
  if (extraction.payment) {
    const { amount: _dropped, ...rest } = extraction.payment;
    extraction.payment = rest;
    if (Object.keys(rest).length === 0) delete extraction.payment;
  }
  if (odd.foreign) extraction.foreignAmount = `${odd.raw} ${odd.foreign}`;
  else extraction.invalidAmount = `-${odd.raw}`;
  return extraction;
}

/** Reads a message with the catalog, deterministically. */
export function extractOffline(text: string, context: ExtractionContext): Extraction {
  const folded = fold(text).replace(/['’]/g, " ").trim();
  // « orange money » pays; it is not the colour orange.
  const variantText = text.replace(/\b(orange|free)[\s-]*money\b|\bOM\b/gi, " ");
  const extraction: Extraction = { intent: "other", products: [], variantText };

  if (asksForHuman(text)) extraction.intent = "human";
  else if (CANCEL.test(folded)) extraction.intent = "cancel";

  const phones = findPhones(text, context.country);
  if (phones.valid.length > 0) extraction.phone = phones.valid.at(-1);
  else if (
    phones.invalid.length > 0 &&
    (PHONE_CONTEXT.test(folded) || /^\+?[\d\s.-]+$/.test(folded))
  ) {
    extraction.invalidPhone = phones.invalid[0];
  } else if (PHONE_CONTEXT.test(folded)) {
    // « tel: 77 12 34 », « appelez-moi au 123456789 »: digits given as a phone that are none.
    const digits = /(?:\+|00)?\d(?:[\s.-]?\d){3,14}/.exec(
      text.replace(/\b\d+\s*(?:f|fcfa|cfa|francs?|k)\b/gi, " "),
    );
    if (digits) extraction.invalidPhone = digits[0].trim();
  }

  // Amounts: not the phone's digits; a payment needs a currency or a payment word around it.
  const withoutPhone = withoutPhones(text, context.country);
  const reference = findReference(withoutPhone);
  const method = findMethod(text, context.country);
  // A mobile-money method named (« MTN MoMo », « Flooz ») says payment as « wave » does.
  const paymentContext = PAYMENT_CONTEXT.test(folded) || reference !== undefined ||
    (method !== undefined && method !== "cash" && method !== "card");
  const amounts = findAmounts(reference ? withoutPhone.replace(reference, " ") : withoutPhone)
    .filter((a) => a.currency || a.foreign || (paymentContext && a.value >= 100));
  if (amounts.length > 0 && (paymentContext || amounts.some((a) => a.currency || a.foreign))) {
    const amount = amounts.find((a) => a.currency || a.foreign) ?? amounts[0];
    if (amount.foreign) extraction.foreignAmount = `${amount.raw} ${amount.foreign}`;
    else if (amount.negative || amount.value <= 0 || amount.value > 100_000_000) {
      extraction.invalidAmount = `${amount.negative ? "-" : ""}${amount.raw}`;
    } else if (paymentContext || method || reference) {
      extraction.payment = { amount: amount.value, method, reference };
    }
  }
  if (!extraction.payment && (reference || (method && paymentContext && method !== "cash"))) {
    extraction.payment = { method, reference };
  }
  if (!extraction.payment && PAID_CLAIM.test(folded)) extraction.intent = "paid_claim";

  extraction.products = matchProducts(text, context.catalog);
  const zone = matchZone(text, context.zones);
  if (zone) extraction.zone = zone;
  else extraction.unknownZone = findUnknownZone(text);
  // A quantity is read only around an item or an order verb, never from an amount or a phone.
  let quantityText = fold(withoutPhone).replace(/\d{1,3}(?:[ .]\d{3})+/g, " ");
  for (const amount of findAmounts(withoutPhone)) {
    if (amount.currency || amount.foreign || amount.value >= 100) {
      quantityText = quantityText.replace(amount.raw, " ");
    }
  }
  const quantity = findQuantity(quantityText);
  if (
    quantity !== undefined && (extraction.products.length > 0 || context.current || ORDER_WORDS.test(folded))
  ) {
    extraction.quantity = quantity;
  }
  const name = NAME.exec(text);
  if (name) extraction.customerName = name[1].replace(/\b\p{L}/gu, (c) => c.toUpperCase());

  const hasSlot = extraction.products.length > 0 || extraction.zone !== undefined ||
    extraction.phone !== undefined ||
    extraction.payment !== undefined || extraction.quantity !== undefined ||
    (context.current !== undefined && Object.keys(matchVariant(text, context.current)).length > 0);
  if (extraction.intent === "other") {
    const asks = /\?\s*$/.test(text.trim()) || QUESTION_START.test(folded);
    // « Vous livrez à Pikine ? », « Quels sont vos frais pour Parcelles ? »: a question, even naming a zone.
    const ordering = extraction.products.length > 0 || extraction.phone !== undefined ||
      extraction.payment !== undefined;
    if (asks && (!hasSlot || (!ordering && QUESTION_START.test(folded)))) extraction.intent = "question";
    else if (GREETING.test(folded)) extraction.intent = "greeting";
    else if (hasSlot || ORDER_WORDS.test(folded) || extraction.customerName) extraction.intent = "order";
    else if (asks) extraction.intent = "question";
  }
  if (
    extraction.intent === "order" && extraction.products.length === 0 && !context.current &&
    ORDER_WORDS.test(folded)
  ) {
    const wanted =
      /\b(?:je (?:veux|voudrais|prends|commande)|j ?aimerais|commander|acheter)\s+(?:un |une |des |le |la |les |l )?([a-z0-9][a-z0-9 -]{1,40})/
        .exec(folded);
    if (wanted && !extraction.zone && !extraction.phone) extraction.unknownProduct = wanted[1].trim();
  }
  return extraction;
}

/** « Et aussi un sac », « je prends aussi … », « en plus … », « ajoutez … »: another article, not a correction. */
const ADDS = /\b(et aussi|aussi|en plus|egalement|ajout(?:e|ez|er)|rajout(?:e|ez|er))\b/;

/** Whether a message adds an article to the cart rather than changing the one being filled. */
export function addsArticle(text: string): boolean {
  return ADDS.test(fold(text).replace(/['’]/g, " "));
}

/** « la robe en M et aussi un sac noir » → the parts that name one article each, in order. */
export function splitArticles(text: string): string[] {
  return text.split(/\b(?:et aussi|et puis|en plus|et également|et egalement|et)\b/i).map((p) => p.trim())
    .filter(Boolean);
}
