/**
 * The order being filled, as a form: what a message changes in the draft (corrections replace,
 * a new product resets its variant), what is still missing, and the one French question that
 * asks for it. Pure: the turn (turn.ts) reads and writes the database around it. Amounts in
 * replies are computed from the catalog rows the database returned, never from a model's text.
 */
import { matchVariant, missingOptions, type Product, type Zone } from "./catalog.ts";
import type { Extraction } from "./extract.ts";
import { methodNames } from "./country.ts";
import { formatPhone, xof } from "./parse.ts";

/** An article of the cart before the one being filled (« et aussi un sac » moved it there). */
export interface Line {
  productId: string;
  variant: Record<string, string>;
  quantity: number;
}

export interface Draft {
  /** The line being filled: corrections change it. */
  productId: string | null;
  variant: Record<string, string>;
  quantity: number;
  /** The cart's earlier articles, in order (absent: none). */
  lines?: Line[];
  zoneId: string | null;
  phone: string | null;
  customerName: string | null;
}

export const EMPTY_DRAFT: Draft = {
  productId: null,
  variant: {},
  quantity: 1,
  zoneId: null,
  phone: null,
  customerName: null,
};

/** The slots of the older dashboard's active orders. */
export type Slot = "produit" | "paiement" | "zone" | "numero";

export interface OrderState {
  status: "empty" | "collecting" | "awaiting_payment" | "placed" | "cancelled" | "out_of_stock";
  product:
    | { id: string; name: string; variant: Record<string, string>; quantity: number; unit_price: number }
    | null;
  zone: { id: string; name: string; fee: number } | null;
  phone: string | null;
  payment: { paid: number; required: number | null; missing: number | null };
  /** Slots still missing, in the order the bot asks for them. */
  missing: Slot[];
  /** Options of the product still to choose (taille, couleur…). */
  missing_options: string[];
  completion_rate: number;
  /** Every article of the cart, the one being filled last. */
  items: {
    product_id: string;
    name: string;
    variant: Record<string, string>;
    quantity: number;
    unit_price: number;
    line_total: number;
  }[];
  /** Until when the cart's stock is held for the customer to pay, if it is. */
  hold_expires_at?: string | null;
}

export interface Catalog {
  products: Product[];
  zones: Zone[];
}

/** The draft after one message, what changed (for the database), and what to acknowledge. */
export interface Merged {
  draft: Draft;
  changed: boolean;
  /** Several products fit what the customer wrote: ask which. */
  ambiguous: Product[];
  /** Facts to confirm back, in French (« Robe wax (M) × 2 », « livraison à Pikine : 2 500 FCFA »). */
  acknowledged: string[];
  /** « Et aussi … »: the line being filled joined the cart's lines before this article. */
  pushed: boolean;
}

const productOf = (catalog: Catalog, id: string | null) => catalog.products.find((p) => p.id === id);
const zoneOf = (catalog: Catalog, id: string | null) => catalog.zones.find((z) => z.id === id);

/** A product line as the customer reads it: « Robe wax (M, rouge) × 2 ». */
export function describeItem(product: Product, variant: Record<string, string>, quantity: number): string {
  const values = Object.keys(product.variants).map((option) => variant[option]).filter(Boolean);
  return `${product.name}${values.length ? ` (${values.join(", ")})` : ""}${
    quantity > 1 ? ` × ${quantity}` : ""
  }`;
}

/** Options with a single value are chosen by themselves. */
function withSingleOptions(product: Product, variant: Record<string, string>): Record<string, string> {
  const filled = { ...variant };
  for (const [option, values] of Object.entries(product.variants)) {
    if (values.length === 1 && !filled[option]) filled[option] = values[0];
  }
  return filled;
}

export function merge(draft: Draft, extraction: Extraction, catalog: Catalog, adds = false): Merged {
  const next: Draft = { ...draft, variant: { ...draft.variant }, lines: [...(draft.lines ?? [])] };
  const acknowledged: string[] = [];
  let ambiguous: Product[] = [];
  let pushed = false;

  // « Et aussi un sac »: the article being filled is kept, the new one starts a line.
  if (adds && extraction.products.length === 1 && next.productId) {
    const same = next.lines!.find((l) =>
      l.productId === next.productId && sameVariant(l.variant, next.variant)
    );
    if (same) same.quantity = Math.min(same.quantity + next.quantity, 100);
    else next.lines!.push({ productId: next.productId, variant: next.variant, quantity: next.quantity });
    next.productId = null;
    next.variant = {};
    next.quantity = 1;
    pushed = true;
  }
  if (extraction.products.length === 1) {
    const product = extraction.products[0];
    if (product.id !== next.productId) {
      next.productId = product.id;
      next.variant = {};
      if (extraction.quantity === undefined) next.quantity = 1;
    }
  } else if (extraction.products.length > 1) {
    // « la robe » when there are two: keep the current one if it is among them, else ask.
    if (!extraction.products.some((p) => p.id === next.productId)) ambiguous = extraction.products;
  }
  const product = productOf(catalog, next.productId);
  if (product) {
    const given = matchVariant(extraction.variantText, product);
    next.variant = withSingleOptions(product, { ...next.variant, ...given });
    if (extraction.quantity !== undefined) next.quantity = Math.min(Math.max(extraction.quantity, 1), 100);
    const touched = extraction.products.length === 1 || Object.keys(given).length > 0 ||
      extraction.quantity !== undefined;
    if (touched) {
      acknowledged.push(
        `${describeItem(product, next.variant, next.quantity)} à ${xof(product.price)}${
          next.quantity > 1 ? ` l'unité, soit ${xof(product.price * next.quantity)}` : ""
        }`,
      );
    }
  }
  if (extraction.zone && extraction.zone.id !== next.zoneId) {
    next.zoneId = extraction.zone.id;
    acknowledged.push(
      `livraison à ${extraction.zone.name} : ${extraction.zone.fee ? xof(extraction.zone.fee) : "gratuite"}`,
    );
  } else if (extraction.zone) {
    acknowledged.push(
      `livraison à ${extraction.zone.name} : ${extraction.zone.fee ? xof(extraction.zone.fee) : "gratuite"}`,
    );
  }
  if (extraction.phone && extraction.phone !== next.phone) {
    next.phone = extraction.phone;
    acknowledged.push(`numéro ${formatPhone(extraction.phone)}`);
  }
  if (extraction.customerName && extraction.customerName !== next.customerName) {
    next.customerName = extraction.customerName;
  }
  const changed = pushed || JSON.stringify(next) !== JSON.stringify({ ...draft, lines: draft.lines ?? [] });
  return { draft: next, changed, ambiguous, acknowledged, pushed };
}

function sameVariant(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys({ ...a, ...b });
  return keys.every((k) => a[k] === b[k]);
}

/** The cart's articles with today's prices, the one being filled last (unknown products left out). */
export function cartItems(draft: Draft, catalog: Catalog): OrderState["items"] {
  const lines = [...(draft.lines ?? [])];
  if (draft.productId) {
    lines.push({ productId: draft.productId, variant: draft.variant, quantity: draft.quantity });
  }
  return lines.flatMap((line) => {
    const product = productOf(catalog, line.productId);
    return product
      ? [{
        product_id: product.id,
        name: product.name,
        variant: line.variant,
        quantity: line.quantity,
        unit_price: product.price,
        line_total: product.price * line.quantity,
      }]
      : [];
  });
}

/** What the cart costs from the catalog: Σ price × quantity + the zone's fee (null while unknown). */
export function required(draft: Draft, catalog: Catalog): number | null {
  const items = cartItems(draft, catalog);
  const zone = zoneOf(catalog, draft.zoneId);
  return items.length > 0 && zone ? items.reduce((sum, i) => sum + i.line_total, 0) + zone.fee : null;
}

/** The cart in one line: « Robe wax (M) × 2, Sac cuir ». */
export function describeCart(items: OrderState["items"], catalog: Catalog): string {
  return items.map((i) => {
    const product = productOf(catalog, i.product_id);
    return product ? describeItem(product, i.variant, i.quantity) : i.name;
  }).join(", ");
}

/** The order's state for the response and the dashboard: slots done and missing. */
export function orderState(
  draft: Draft | null,
  catalog: Catalog,
  paid: number,
  status?: OrderState["status"],
): OrderState {
  const d = draft ?? EMPTY_DRAFT;
  const product = productOf(catalog, d.productId);
  const zone = zoneOf(catalog, d.zoneId);
  const due = required(d, catalog);
  const options = product ? missingOptions(product, d.variant) : [];
  const items = cartItems(d, catalog);
  const missing: Slot[] = [];
  if (items.length === 0 || options.length > 0) missing.push("produit");
  if (!zone) missing.push("zone");
  if (!d.phone) missing.push("numero");
  if (due === null || paid < due) missing.push("paiement");
  const empty = !draft || (items.length === 0 && !zone && !d.phone && paid === 0);
  return {
    status: status ??
      (empty
        ? "empty"
        : missing.length === 1 && missing[0] === "paiement"
        ? "awaiting_payment"
        : "collecting"),
    product: product
      ? {
        id: product.id,
        name: product.name,
        variant: d.variant,
        quantity: d.quantity,
        unit_price: product.price,
      }
      : null,
    zone: zone ? { id: zone.id, name: zone.name, fee: zone.fee } : null,
    phone: d.phone,
    payment: { paid, required: due, missing: due === null ? null : Math.max(due - paid, 0) },
    missing,
    missing_options: options,
    completion_rate: Math.round(((4 - missing.length) / 4) * 100),
    items,
  };
}

/** Where the order stands, from the catalog rows: « Votre commande : … livraison Pikine (2 500 FCFA) : total 20 500 FCFA. » */
export function recap(state: OrderState, product?: Product): string {
  const items = state.items ?? [];
  if (items.length > 1) {
    const list = items.map((i) =>
      `${i.name}${Object.values(i.variant).length ? ` (${Object.values(i.variant).join(", ")})` : ""}${
        i.quantity > 1 ? ` × ${i.quantity}` : ""
      } ${xof(i.line_total)}`
    ).join(", ");
    const zone = state.zone
      ? `, livraison ${state.zone.name} (${state.zone.fee ? xof(state.zone.fee) : "gratuite"})`
      : "";
    const total = state.payment.required !== null ? ` : total ${xof(state.payment.required)}` : "";
    const paid = state.payment.paid > 0 ? ` Paiement déclaré : ${xof(state.payment.paid)}.` : "";
    const phone = state.phone ? ` Numéro : ${formatPhone(state.phone)}.` : "";
    return `Votre commande : ${list}${zone}${total}.${paid}${phone}`;
  }
  if (!state.product || !product) return "Vous n'avez pas encore choisi d'article.";
  const item = `${describeItem(product, state.product.variant, state.product.quantity)} à ${
    xof(state.product.unit_price)
  }${
    state.product.quantity > 1 ? ` l'unité (${xof(state.product.unit_price * state.product.quantity)})` : ""
  }`;
  const zone = state.zone
    ? `, livraison ${state.zone.name} (${state.zone.fee ? xof(state.zone.fee) : "gratuite"})`
    : "";
  const total = state.payment.required !== null ? ` : total ${xof(state.payment.required)}` : "";
  const paid = state.payment.paid > 0 ? ` Paiement déclaré : ${xof(state.payment.paid)}.` : "";
  const phone = state.phone ? ` Numéro : ${formatPhone(state.phone)}.` : "";
  return `Votre commande : ${item}${zone}${total}.${paid}${phone}`;
}

const OPTION_LABEL: Record<string, string> = { taille: "taille", couleur: "couleur", pointure: "pointure" };

/**
 * The one question for the first thing still missing (none when only the payment's confirmation is
 * awaited); the payment is asked by the mobile-money methods of the shop's `country` (country.ts).
 */
export function nextQuestion(
  state: OrderState,
  catalog: Catalog,
  product?: Product,
  country?: string | null,
): string | null {
  const items = state.items ?? [];
  if (!state.product && items.length === 0) {
    const names = catalog.products.slice(0, 6).map((p) => p.name).join(", ");
    return `Quel article voulez-vous ? Par exemple : ${names}.`;
  }
  if (state.product && state.missing_options.length > 0 && product) {
    const option = state.missing_options[0];
    return `Quelle ${OPTION_LABEL[option] ?? option} voulez-vous pour ${product.name} ? (${
      product.variants[option].join(", ")
    })`;
  }
  if (!state.zone) {
    const zones = catalog.zones.slice(0, 5).map((z) => z.name).join(", ");
    return `Dans quelle zone faut-il vous livrer ? (${zones}…)`;
  }
  if (!state.phone) return "Quel numéro de téléphone pour la livraison ?";
  if (state.payment.required !== null && state.payment.paid < state.payment.required) {
    const { required: due, paid } = state.payment;
    const detail = `${
      items.map((i) => {
        const p = catalog.products.find((c) => c.id === i.product_id);
        return `${p ? describeItem(p, i.variant, i.quantity) : i.name} ${xof(i.line_total)}`;
      }).join(" + ")
    } + livraison ${state.zone.name} ${xof(state.zone.fee)}`;
    if (paid > 0) {
      return `Vous avez déclaré ${xof(paid)} : il manque ${xof(due - paid)} (total ${xof(due)}). ` +
        `Envoyez le complément par ${
          methodNames(country)
        }, avec le montant et la référence de la transaction.`;
    }
    return `Le total est de ${xof(due)} (${detail}). Payez par ${
      methodNames(country)
    }, puis envoyez-moi le montant et la référence de la transaction.`;
  }
  return null;
}
