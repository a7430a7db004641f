/** The console's small DOM and formatting helpers (French formats; text only, never HTML). */

/** An element with properties (dataset merged) and children (strings become text). */
export function el(tag, props = {}, children = []) {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset ?? {});
  node.append(...[children].flat(Infinity).filter((child) => child !== "" && child != null));
  return node;
}

const TIME = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" });
/** An ISO timestamp as the operator reads it (their browser's time zone). */
export function formatTime(iso) {
  return iso ? TIME.format(new Date(iso)) : "";
}

/** An amount in a currency (USD, XOF, EUR), French style. */
export function formatMoney(amount, currency) {
  return new Intl.NumberFormat("fr-FR", { style: "currency", currency, maximumFractionDigits: 2 }).format(
    amount,
  );
}

/** A share (0..1) as a percentage. */
export function formatRate(rate) {
  return new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 1 }).format(rate);
}
