// Reading a shop's catalog files for `npm run catalog` (scripts/catalog.mjs): CSV (a header line,
// comma, semicolon or tab separated, French column names accepted) or JSON (an array, or
// {"products": [...], "zones": [...]}); every value checked as the database would take it (XOF in
// whole francs), every error reported with where it is (« line 4 », « products[2] (line 7) »).
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";

/** A file's errors, each with where it is (« line 4 », « products[2] (line 7) »). */
export class FileErrors extends Error {
  constructor(file, errors) {
    super(
      `${file}: ${errors.length} error${errors.length > 1 ? "s" : ""}, nothing written\n` +
        errors.map((e) => `  ${e}`).join("\n"),
    );
  }
}

const HINT_XOF = "(XOF has no cents: write 15000 or 15 000)";
export const KINDS = {
  products: {
    table: "products",
    columns: {
      name: ["name", "nom", "produit", "product"],
      price: ["price", "prix"],
      variants: ["variants", "variantes"],
      stock: ["stock"],
      aliases: ["aliases", "alias"],
      is_active: ["active", "actif", "is_active"],
      description: ["description"],
    },
    required: ["name", "price"],
  },
  zones: {
    table: "delivery_zones",
    columns: {
      name: ["name", "nom", "zone"],
      fee: ["fee", "frais", "tarif"],
      aliases: ["aliases", "alias"],
      is_active: ["active", "actif", "is_active"],
    },
    required: ["name", "fee"],
  },
};

const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").trim().toLowerCase();

/** CSV records `{ line, cells }` (RFC 4180 quoting; the header's separator: comma, semicolon or tab). */
function parseCsv(text) {
  text = text.replace(/^\uFEFF/, "");
  const header = text.slice(0, text.search(/\r?\n|$/)).replace(/"[^"]*"/g, "");
  const separator = [",", ";", "\t"].reduce((best, s) =>
    header.split(s).length > header.split(best).length ? s : best
  );
  const records = [];
  let cells = [""], quoted = false, line = 1, start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') cells[cells.length - 1] += text[++i];
      else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cells[cells.length - 1] += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === separator) cells.push("");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      records.push({ line: start, cells });
      cells = [""];
      start = ++line;
    } else cells[cells.length - 1] += c;
  }
  records.push({ line: start, cells });
  return records.filter((r) => r.cells.some((cell) => cell.trim() !== ""));
}

/** The line where each item of the JSON's arrays starts: the top-level array, "products", "zones". */
function jsonItemLines(text) {
  const lines = { top: [], products: [], zones: [] };
  const stack = [];
  let line = 1, key = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (/\s/.test(c)) continue;
    const top = stack.at(-1);
    if (top?.kind === "[" && top.expect && c !== "]") {
      top.target?.push(line);
      top.expect = false;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (stack.length === 1 && top.kind === "{") key = text.slice(i + 1, j);
      i = j;
    } else if (c === "[") {
      const target = stack.length === 0
        ? lines.top
        : stack.length === 1 && top.kind === "{" && (key === "products" || key === "zones")
        ? lines[key]
        : null;
      stack.push({ kind: "[", target: target ?? null, expect: true });
    } else if (c === "{") stack.push({ kind: "{" });
    else if (c === "]" || c === "}") stack.pop();
    else if (c === "," && top?.kind === "[") top.expect = true;
  }
  return lines;
}

/**
 * The records of one file, by kind: `{ products?: [...], zones?: [...] }`, each record
 * `{ where, fields }` with fields under their canonical names (a CSV cell is a string).
 */
function readRecords(path, kind) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  }
  return recordsOf(text, basename(path), kind);
}

/** The records of one file's text (see readRecords); `file` is its name (.csv, else JSON). */
function recordsOf(text, file, kind) {
  if (extname(file).toLowerCase() === ".csv") {
    const [head, ...rows] = parseCsv(text);
    if (!head) throw new FileErrors(file, ["the file is empty"]);
    const names = head.cells.map((cell) => fold(cell));
    const known = Object.values(KINDS[kind].columns).map((a) => a[0]).join(", ");
    const columns = [];
    const errors = [];
    for (const name of names) {
      const column = Object.keys(KINDS[kind].columns).find((c) => KINDS[kind].columns[c].includes(name));
      if (!column) {
        errors.push(`line ${head.line}: unknown column « ${name} » (${kind}: ${known})`);
      } else if (columns.includes(column)) {
        errors.push(`line ${head.line}: column « ${name} » is given twice`);
      }
      columns.push(column);
    }
    for (const required of KINDS[kind].required) {
      if (!columns.includes(required)) {
        errors.push(`line ${head.line}: no « ${KINDS[kind].columns[required][0]} » column`);
      }
    }
    if (errors.length) throw new FileErrors(file, errors);
    return {
      [kind]: rows.map(({ line, cells }) => ({
        where: `line ${line}`,
        fields: Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""])),
        error: cells.length !== columns.length
          ? `${cells.length} fields, the header has ${columns.length}`
          : null,
      })),
    };
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FileErrors(file, [`not valid JSON: ${error.message}`]);
  }
  const lines = jsonItemLines(text);
  const lists = Array.isArray(data)
    ? { [kind]: [data, lines.top] }
    : data && typeof data === "object"
    ? Object.fromEntries(Object.keys(data).map((k) => [k, [data[k], lines[k] ?? []]]))
    : {};
  const unknown = Object.keys(lists).filter((k) => !(k in KINDS) || (kind === "zones" && k === "products"));
  if (unknown.length || !Object.keys(lists).length) {
    throw new FileErrors(file, [
      `expected ${
        kind === "zones"
          ? 'an array of zones or {"zones": [...]}'
          : 'an array of products or {"products": [...], "zones": [...]}'
      }${unknown.length ? `, found « ${unknown.join(", ")} »` : ""}`,
    ]);
  }
  const out = {};
  for (const [k, [items, itemLines]] of Object.entries(lists)) {
    if (!Array.isArray(items)) throw new FileErrors(file, [`« ${k} » must be an array`]);
    out[k] = items.map((item, i) => {
      const where = `${k}[${i + 1}]${itemLines[i] ? ` (line ${itemLines[i]})` : ""}`;
      if (!item || typeof item !== "object" || Array.isArray(item)) {
        return { where, fields: {}, error: "must be an object" };
      }
      const fields = {};
      let error = null;
      const known = Object.values(KINDS[k].columns).map((a) => a[0]).join(", ");
      for (const [name, value] of Object.entries(item)) {
        const column = Object.keys(KINDS[k].columns).find((c) => KINDS[k].columns[c].includes(fold(name)));
        if (column) fields[column] = value;
        else error ??= `unknown field « ${name} » (${known})`;
      }
      for (const required of KINDS[k].required) if (!(required in fields)) error ??= `no « ${required} »`;
      return { where, fields, error };
    });
  }
  return out;
}

/** Whole francs: 15000, « 15 000 », « 15 000 FCFA »; decimals, negatives and other forms refused. */
function francs(raw, field, { min, max }) {
  const shown = `${field} « ${String(raw).trim()} »`;
  let value;
  if (typeof raw === "number") {
    if (!Number.isInteger(raw) && !(raw < 0)) {
      throw new Error(`${shown} is not a whole number of francs ${HINT_XOF}`);
    }
    value = raw;
  } else if (typeof raw === "string") {
    const text = raw.trim().replace(/\s*(f\s*cfa|fcfa|cfa|xof|f)$/i, "");
    if (raw.trim() === "") {
      throw new Error(`${field} is empty${field === "fee" ? " (0 for free delivery)" : ""}`);
    }
    if (/^[-−]/.test(text)) throw new Error(`${shown} is negative`);
    if (/^\d{1,3}(?:[ \u00a0\u202f]\d{3})+$|^\d+$/.test(text)) value = Number(text.replace(/\D/g, ""));
    else if (/^[\d \u00a0\u202f.,]+$/.test(text)) {
      throw new Error(`${shown} is not a whole number of francs ${HINT_XOF}`);
    } else throw new Error(`${shown} is not an amount in francs (15000, 15 000 or 15 000 FCFA)`);
  } else throw new Error(`${field} must be a whole number of francs`);
  if (value < 0) throw new Error(`${shown} is negative`);
  if (value < min) throw new Error(`${shown} must be at least ${min} franc`);
  if (value > max) throw new Error(`${shown} is more than ${max} francs`);
  return value;
}

function stock(raw) {
  if (raw === null || raw === "" || (typeof raw === "string" && raw.trim() === "")) return null;
  const text = String(raw).trim();
  const value = typeof raw === "number" ? raw : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) {
    throw new Error(`stock « ${text} » is not a whole number ≥ 0 (empty: unlimited)`);
  }
  return value;
}

function variants(raw) {
  const format = (shown) =>
    `variants « ${shown} »: write option=value|value;option=value (taille=S|M|L;couleur=rouge|bleu)`;
  const entries = [];
  if (raw === null || raw === "") return {};
  if (typeof raw === "string") {
    for (const part of raw.split(";").map((p) => p.trim()).filter(Boolean)) {
      const at = part.indexOf("=");
      if (at <= 0) throw new Error(format(raw.trim()));
      entries.push([part.slice(0, at).trim(), part.slice(at + 1)]);
    }
  } else if (typeof raw === "object" && !Array.isArray(raw)) entries.push(...Object.entries(raw));
  else throw new Error(format(JSON.stringify(raw)));
  const out = {};
  for (const [option, values] of entries) {
    if (!option) throw new Error(format(String(raw).trim()));
    if (option in out) throw new Error(`variants: option « ${option} » is given twice`);
    out[option] = list(values, `variants: option « ${option} »`);
    if (!out[option].length) throw new Error(`variants: option « ${option} » has no value`);
  }
  return out;
}

/** Values separated by `|` (or a JSON array of strings), trimmed, without empties or repeats (any case). */
function list(raw, field) {
  if (raw === null || raw === undefined) return [];
  const items = typeof raw === "string"
    ? raw.split("|")
    : Array.isArray(raw) && raw.every((v) => typeof v === "string")
    ? raw
    : null;
  if (!items) throw new Error(`${field} must be values separated by | or a list of texts`);
  const seen = new Set();
  return items.map((v) => v.trim()).filter((v) => v && !seen.has(fold(v)) && seen.add(fold(v)));
}

function active(raw) {
  if (typeof raw === "boolean") return raw;
  const text = fold(String(raw ?? ""));
  if (["", "yes", "oui", "true", "vrai", "1", "y", "o", "x"].includes(text)) return true;
  if (["no", "non", "false", "faux", "0", "n"].includes(text)) return false;
  throw new Error(`active « ${String(raw).trim()} » is not yes/no (oui/non, true/false, 1/0)`);
}

const PARSE = {
  name: (raw) => {
    if (typeof raw !== "string") throw new Error("name must be a text");
    if (raw.trim() === "") throw new Error("name is empty");
    if (raw.trim().length > 200) throw new Error("name is longer than 200 characters");
    return raw.trim().normalize("NFC");
  },
  price: (raw) => francs(raw, "price", { min: 1, max: 100_000_000 }),
  fee: (raw) => francs(raw, "fee", { min: 0, max: 1_000_000 }),
  stock,
  variants,
  aliases: (raw) => list(raw, "aliases"),
  is_active: active,
  description: (raw) => (raw === null || String(raw).trim() === "" ? null : String(raw).trim()),
};

/** Checked rows `{ where, row }` of one kind, and every error found (by where it is). */
function checkRows(kind, records) {
  const errors = [];
  const rows = [];
  const seen = new Map();
  for (const { where, fields, error } of records) {
    if (error) {
      errors.push(`${where}: ${error}`);
      continue;
    }
    const row = {};
    for (const [column, raw] of Object.entries(fields)) {
      try {
        row[column] = PARSE[column](raw);
      } catch (problem) {
        errors.push(`${where}: ${problem.message}`);
      }
    }
    if (row.name === undefined) continue;
    const key = fold(row.name);
    if (seen.has(key)) errors.push(`${where}: « ${row.name} » is already on ${seen.get(key)}`);
    else seen.set(key, where);
    rows.push({ where, row });
  }
  if (!records.length) errors.push(`no ${kind}`);
  return { rows, errors };
}

/**
 * The checked rows of `--file` (products, and zones when it holds both) and `--zones`:
 * `[{ kind, file, rows }]`. Every file's errors at once, thrown as one Error (nothing written).
 */
export function readCatalog({ file, zones }) {
  const fromFile = file ? readRecords(file, "products") : {};
  const fromZones = zones ? readRecords(zones, "zones") : {};
  if (fromFile.zones && fromZones.zones) {
    throw new Error(`zones are in ${basename(file)} and in --zones ${basename(zones)}: give them once`);
  }
  const sources = [];
  const errors = new Map();
  for (
    const [kind, path, records] of [
      ["products", file, fromFile.products],
      ["zones", fromFile.zones ? file : zones, fromFile.zones ?? fromZones.zones],
    ]
  ) {
    if (!records) continue;
    const checked = checkRows(kind, records);
    sources.push({ kind, file: basename(path), rows: checked.rows });
    errors.set(path, [...errors.get(path) ?? [], ...checked.errors]);
  }
  const problems = [...errors].filter(([, list]) => list.length)
    .map(([path, list]) => new FileErrors(basename(path), list).message);
  if (problems.length) throw new Error(problems.join("\ncatalog: "));
  return sources;
}

/**
 * The same checks on a file's text (the `catalogs` bucket's upload, read by the `orders`
 * function): `{ sources, errors }`, the checked rows by kind and every error with where it is,
 * never throwing for the file's content.
 */
export function checkCatalogText({ file, text }) {
  let records;
  try {
    records = recordsOf(text, file, "products");
  } catch (error) {
    return { sources: [], errors: [error.message] };
  }
  const sources = [];
  const errors = [];
  for (const kind of ["products", "zones"]) {
    if (!records[kind]) continue;
    const checked = checkRows(kind, records[kind]);
    sources.push({ kind, file, rows: checked.rows });
    errors.push(...checked.errors);
  }
  return { sources, errors };
}
