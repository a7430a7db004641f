/**
 * The check on a model's answer: `unsupportedNumbers` gives the numbers of a reply that the
 * context (or the question) does not hold; a model's reply with any is replaced by the offline
 * answer.
 */

/** The numbers written in a text: « 15 860,50 € » → 15860.5, « 02/12/2026 » → 2, 12, 2026. */
export function numbersIn(text: string): number[] {
  const found: number[] = [];
  for (const match of text.matchAll(/\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?/g)) {
    const raw = match[0].replace(/[ \u00a0\u202f]/g, "");
    // « 02/12 » and « 2026-12-02 » split on their separators; « 15,50 » is a decimal.
    found.push(Number(raw.replace(",", ".")));
  }
  return found;
}

const DATE = /\b(\d{1,2})\/(\d{1,2})(?:\/(\d{4}))?\b/g;
const ISO_DATE = /(\d{4})-(\d{2})-(\d{2})/g;
const TIME = /\b(\d{1,2})[:h](\d{2})\b/g;
const PHONE = /\b0\d(?:[ .]?\d{2}){4}\b/g;

/** What the context holds: its numeric values and list lengths, its strings, dates, times and phone numbers. */
export function contextFacts(value: unknown) {
  const numbers = new Set<number>();
  const strings = new Set<string>();
  const dates = new Set<string>();
  const times = new Set<string>();
  const phones = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "number") numbers.add(Math.round(v * 100) / 100);
    else if (typeof v === "string") {
      if (v.length >= 3 && /\p{L}/u.test(v)) strings.add(v);
      let rest = v;
      for (const m of v.matchAll(ISO_DATE)) {
        dates.add(`${Number(m[3])}/${Number(m[2])}/${m[1]}`);
        dates.add(`${Number(m[3])}/${Number(m[2])}`);
      }
      rest = rest.replace(/(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/g, (_m, _y, _mo, _d, h, mi) => {
        if (h) times.add(`${Number(h)}:${mi}`);
        return " ";
      });
      for (const m of rest.matchAll(PHONE)) phones.add(m[0].replace(/\D/g, ""));
      // The other numbers inside strings (« Tâche 3 », « FAC-2026-019 ») are not values: a reply may
      // only quote them inside the same string.
    } else if (Array.isArray(v)) {
      numbers.add(v.length);
      v.forEach(walk);
    } else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return { numbers, strings: [...strings].sort((a, b) => b.length - a.length), dates, times, phones };
}

/**
 * The figures of `reply` the context (or the question) does not hold: each amount or count must
 * be one of its values, each date one of its dates, each time and phone number one of its own;
 * a numbered list's markers (« 1. ») are not figures.
 */
export function unsupportedNumbers(reply: string, context: unknown, question: string): number[] {
  const facts = contextFacts(context);
  for (const n of numbersIn(question)) facts.numbers.add(n);
  const wrong: number[] = [];
  let text = reply.replace(/^\s*\d{1,2}[.)]\s/gm, " ");
  // The context's own strings quoted as they are (names, titles, invoice numbers) are not figures.
  for (const quoted of facts.strings) if (text.includes(quoted)) text = text.split(quoted).join(" ");
  text = text.replace(PHONE, (m) => {
    if (!facts.phones.has(m.replace(/\D/g, ""))) wrong.push(Number(m.replace(/\D/g, "")));
    return " ";
  });
  text = text.replace(DATE, (_m, d, mo, y) => {
    if (!facts.dates.has(y ? `${Number(d)}/${Number(mo)}/${y}` : `${Number(d)}/${Number(mo)}`)) {
      wrong.push(Number(`${d}${mo}${y ?? ""}`));
    }
    return " ";
  });
  text = text.replace(TIME, (_m, h, mi) => {
    if (!facts.times.has(`${Number(h)}:${mi}`)) wrong.push(Number(`${h}${mi}`));
    return " ";
  });
  text = text.replace(/[-/]/g, "|");
  for (const n of numbersIn(text)) if (!facts.numbers.has(Math.round(n * 100) / 100)) wrong.push(n);
  return wrong;
}
