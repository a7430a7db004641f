/** French formats for the assistant's answers: « 15 860,50 € », « 02/12/2026 », « lundi 30/11 à 09:00 ». */

/** An amount in euros, as a French invoice writes it (spaces between thousands, two decimals). */
export function eur(amount: number | string): string {
  const value = typeof amount === "string" ? Number(amount) : amount;
  const [whole, cents] = Math.abs(value).toFixed(2).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${value < 0 ? "-" : ""}${grouped},${cents} €`;
}

/** `2026-12-02` → `02/12/2026`. */
export function frDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

const WEEKDAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];

/** `2026-11-30T09:00` (Paris time, as the context gives it) → `lundi 30/11 à 09:00`. */
export function frDateTime(local: string): string {
  const [date, time] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${weekday} ${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}${time ? ` à ${time}` : ""}`;
}

/** « 1 facture », « 2 factures ». */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A list in French: « a, b et c ». */
export function frList(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} et ${items.at(-1)}`;
}
