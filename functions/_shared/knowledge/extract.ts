/**
 * Text of a knowledge file: PDF (unpdf), DOCX (mammoth, then HTML to markdown), HTML (turndown),
 * Markdown, plain text and CSV, as markdown-ish text for the chunker (headings kept where the
 * format has them). Used by the ingest path and `npm run ingest`. The PDF, DOCX and HTML
 * libraries load on first use, so a caller that never sees a PDF never loads pdf.js.
 *
 * Every refusal is an {@link ExtractError} whose code says what happened and whose message names
 * the file and the limit. The limits come from what one edge function request may spend (256 MB,
 * 2 s of CPU), measured by `npm run bench -- extract`.
 */
import { INGEST_MAX_DOCUMENT_CHARS } from "../../../types/api.ts";

/** The formats {@link extractText} reads. */
export type ExtractFormat = "pdf" | "docx" | "html" | "md" | "txt" | "csv";

/** A file to read: its name (for the format and the messages), bytes and, when known, MIME type. */
export interface ExtractFile {
  name: string;
  bytes: Uint8Array;
  mimeType?: string;
}

/** What {@link extractText} returns. */
export interface Extracted {
  format: ExtractFormat;
  /** Markdown-ish text: `#` headings where the format has them, blank lines between paragraphs. */
  text: string;
  /** A PDF's page count. */
  pages?: number;
  /** What was left out or guessed (pages without text, images skipped): ids and counts, no content. */
  warnings: string[];
}

/** Why a file gives no text. */
export type ExtractErrorCode =
  | "unsupported_format"
  | "no_text_layer"
  | "too_many_pages"
  | "too_large"
  | "corrupt";

/** A file refused, with a code to branch on and a message for the person who uploaded it. */
export class ExtractError extends Error {
  constructor(readonly code: ExtractErrorCode, message: string) {
    super(message);
    this.name = "ExtractError";
  }
}

/** What one file may cost. */
export interface ExtractLimits {
  /** The largest PDF or DOCX, in bytes (they carry images, which are never read). */
  maxBytes: number;
  /** The largest HTML, Markdown, text or CSV file, in bytes: these are parsed whole. */
  maxTextBytes: number;
  /** The most XML a DOCX may unzip to, in bytes (what mammoth parses into memory). */
  maxUnzippedBytes: number;
  /** The most pages a PDF may have. */
  maxPages: number;
  /** The most characters of text a file may give: what one document may hold. */
  maxChars: number;
}

/**
 * The defaults, from `npm run bench -- extract` (bench/results/extract.json), so that a cold
 * worker's extraction stays near 1.5 s of CPU and 130 MB, leaving room in the 2 s and 256 MB of a
 * request for chunking and the write. pdf.js costs about 0.4 s to load, then 2 to 4 ms a page;
 * mammoth about 0.7 s and 65 MB per MB of XML; turndown's DOM about 1 s per MB of HTML.
 */
export const EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxTextBytes: 1024 * 1024,
  maxUnzippedBytes: 1024 * 1024,
  maxPages: 200,
  maxChars: INGEST_MAX_DOCUMENT_CHARS,
});

const EXTENSIONS: Record<string, ExtractFormat> = {
  ".pdf": "pdf",
  ".docx": "docx",
  ".html": "html",
  ".htm": "html",
  ".md": "md",
  ".markdown": "md",
  ".txt": "txt",
  ".csv": "csv",
};

const MIME_TYPES: Record<string, ExtractFormat> = {
  "application/pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "text/html": "html",
  "text/markdown": "md",
  "text/x-markdown": "md",
  "text/plain": "txt",
  "text/csv": "csv",
};

/** The extensions {@link extractText} reads, for help texts and file filters. */
export const EXTRACT_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS);

/**
 * The format of a file: from its extension, else from its MIME type (parameters ignored); null
 * when neither is one {@link extractText} reads.
 */
export function formatOf(name: string, mimeType?: string): ExtractFormat | null {
  const dot = name.lastIndexOf(".");
  const extension = dot > name.lastIndexOf("/") && dot >= 0 ? name.slice(dot).toLowerCase() : "";
  if (extension in EXTENSIONS) return EXTENSIONS[extension];
  const mime = mimeType?.split(";")[0].trim().toLowerCase();
  return mime && mime in MIME_TYPES ? MIME_TYPES[mime] : null;
}

/**
 * The text of `file`, checked against `limits` (each missing one is {@link EXTRACT_LIMITS}'s).
 * Throws {@link ExtractError}: `unsupported_format` (not one of the six formats, a password-protected
 * PDF), `too_large` (bytes, unzipped XML or characters past the limit), `too_many_pages`,
 * `no_text_layer` (a scanned PDF, a DOCX of images only) or `corrupt` (bytes that are not what the
 * name says, text that is not UTF-8). Empty text is returned as such: the caller refuses it.
 */
export async function extractText(
  file: ExtractFile,
  limits: Partial<ExtractLimits> = {},
): Promise<Extracted> {
  const limit: ExtractLimits = { ...EXTRACT_LIMITS, ...definedOnly(limits) };
  const format = formatOf(file.name, file.mimeType);
  if (!format) {
    throw new ExtractError(
      "unsupported_format",
      `${file.name}: unsupported file type (expected ${EXTRACT_EXTENSIONS.join(", ")})` +
        (/\.(doc|rtf|odt)$/i.test(file.name) ? "; save it as .docx" : ""),
    );
  }
  const binary = format === "pdf" || format === "docx";
  const maxBytes = binary ? limit.maxBytes : limit.maxTextBytes;
  if (file.bytes.length > maxBytes) {
    throw new ExtractError(
      "too_large",
      `${file.name}: ${size(file.bytes.length)} is more than the ${size(maxBytes)} ` +
        `a ${binary ? format.toUpperCase() : "text"} file may have`,
    );
  }
  let extracted: Omit<Extracted, "format">;
  switch (format) {
    case "pdf":
      extracted = await (await import("./extract_pdf.ts")).extractPdf(file, limit);
      break;
    case "docx":
      extracted = await (await import("./extract_docx.ts")).extractDocx(file, limit);
      break;
    case "html": {
      const { htmlToMarkdown, sniffCharset } = await import("./extract_html.ts");
      const html = decodeText(file, sniffCharset(file.bytes));
      extracted = { text: htmlToMarkdown(html).text, warnings: [] };
      break;
    }
    case "md":
    case "txt":
      extracted = { text: decodeText(file), warnings: [] };
      break;
    case "csv":
      extracted = csvToText(file, decodeText(file));
      break;
  }
  const text = cleanText(extracted.text);
  if (text.length > limit.maxChars) throw tooManyChars(file.name, limit.maxChars);
  return { format, ...extracted, text };
}

/** The `too_large` error for a file whose text passes `maxChars`. */
export function tooManyChars(name: string, maxChars: number): ExtractError {
  return new ExtractError(
    "too_large",
    `${name}: its text is longer than the ${maxChars.toLocaleString("en-US")} characters ` +
      "a document may hold; split it into several files",
  );
}

/**
 * Bytes as text: a UTF-16 byte order mark decodes UTF-16, else `charset` (UTF-8 by default); a
 * UTF-8 BOM is dropped. Invalid UTF-8 is refused (`corrupt`, with the line), never replaced: a
 * « caf� » in the knowledge base would never match « café ».
 */
export function decodeText(file: ExtractFile, charset = "utf-8"): string {
  const { bytes } = file;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    decoder = new TextDecoder("utf-8", { fatal: true });
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const loose = new TextDecoder(decoder.encoding).decode(bytes);
    const at = loose.indexOf("\uFFFD");
    const line = at < 0 ? 1 : loose.slice(0, at).split("\n").length;
    throw new ExtractError(
      "corrupt",
      `${file.name}: not valid ${decoder.encoding.toUpperCase()} text (line ${line}); save it as UTF-8` +
        (formatOf(file.name, file.mimeType) === "csv" ? ' (in Excel: "CSV UTF-8")' : ""),
    );
  }
  if (text.includes("\u0000")) {
    throw new ExtractError("corrupt", `${file.name}: contains NUL bytes, so it is not a text file`);
  }
  return text;
}

/**
 * A CSV as one paragraph per row, `column: value; column: value` (empty cells left out). Rows,
 * not a markdown table: the chunker cuts long tables, and a chunk holding row 57 would lose the
 * header; a row that names its columns is understood alone, and embeds its values beside their
 * names. The separator is the header line's: comma, semicolon (French Excel) or tab.
 */
function csvToText(file: ExtractFile, text: string): Omit<Extracted, "format"> {
  const rows = parseCsv(file.name, text);
  if (rows.length === 0) return { text: "", warnings: [] };
  const header = rows[0].map((name, i) => oneLine(name) || `column ${i + 1}`);
  const lines = rows.slice(1).map((row) =>
    row.map((value, i) => [header[i] ?? `column ${i + 1}`, oneLine(value)])
      .filter(([, value]) => value !== "")
      .map(([name, value]) => `${name}: ${value}`)
      .join("; ")
  ).filter(Boolean);
  return { text: lines.join("\n\n"), warnings: lines.length === 0 ? ["csv: a header and no rows"] : [] };
}

function parseCsv(name: string, text: string): string[][] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/)).replace(/"[^"]*"/g, "");
  const delimiter = [",", ";", "\t"].reduce((best, s) =>
    firstLine.split(s).length > firstLine.split(best).length ? s : best
  );
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') cell += text[++i];
      else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"' && cell.trim() === "") {
      quoted = true;
      quoteLine = line;
      cell = "";
    } else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      if (row.some((value) => value.trim() !== "")) rows.push(row);
      row = [];
      cell = "";
      line++;
    } else cell += c;
  }
  if (quoted) {
    throw new ExtractError("corrupt", `${name}: a quote opened on line ${quoteLine} is never closed`);
  }
  row.push(cell);
  if (row.some((value) => value.trim() !== "")) rows.push(row);
  return rows;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * What every format's text goes through: NFC (a PDF's « e + ◌́ » matches a typed « é »), one
 * kind of line break, no-break spaces as spaces (« 1 500 FCFA » typed with a plain space must
 * match), no control characters or lone surrogates, at most one blank line in a row.
 */
function cleanText(text: string): string {
  return text.normalize("NFC")
    .toWellFormed()
    .replace(/\r\n?/g, "\n")
    .replace(/[\u00A0\u2007\u202F]/g, " ")
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A size for a message: « 20 MB », « 2.5 MB », « 800 KB », « 12 bytes ». */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.round(kb)} KB`;
  const mb = kb / 1024;
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

function definedOnly(limits: Partial<ExtractLimits>): Partial<ExtractLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
