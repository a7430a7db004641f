/**
 * A PDF's text layer with unpdf (pdf.js built for serverless runtimes), page by page, as
 * markdown-ish text: lines kept, a blank line where the vertical gap says a paragraph ends, and
 * `#` headings for lines set clearly larger than the body text (PDFs have no headings, only sizes).
 * A PDF whose pages carry no text (a scan) is refused, never returned empty.
 */
import {
  type Extracted,
  ExtractError,
  type ExtractFile,
  type ExtractLimits,
  tooManyChars,
} from "./extract.ts";

/** Letters and digits a page needs to count as having a text layer (a scanner's stamp has fewer). */
export const MIN_PAGE_TEXT = 20;

interface TextItem {
  str: string;
  transform: number[];
  hasEOL: boolean;
}

interface Line {
  text: string;
  size: number;
  y: number;
  /** A blank line before it: a new page or a gap wider than a line. */
  breakBefore: boolean;
}

/** Text of a PDF, or an ExtractError (`too_many_pages`, `no_text_layer`, `too_large`, `corrupt`). */
export async function extractPdf(
  file: ExtractFile,
  limits: ExtractLimits,
): Promise<Omit<Extracted, "format">> {
  const head = new TextDecoder("latin1").decode(file.bytes.subarray(0, 1024));
  if (!head.includes("%PDF-")) {
    throw new ExtractError("corrupt", `${file.name}: not a PDF (no %PDF- header)`);
  }
  const { getDocumentProxy } = await import("unpdf");
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes the buffer over (it is detached after this), hence the copy. This build of
    // pdf.js has no eval path: fonts and functions are interpreted, never compiled from the file.
    pdf = await getDocumentProxy(file.bytes.slice(), { disableFontFace: true, verbosity: 0 });
  } catch (error) {
    throw pdfError(file.name, error);
  }
  try {
    const pages = pdf.numPages;
    if (pages > limits.maxPages) {
      throw new ExtractError(
        "too_many_pages",
        `${file.name}: ${pages} pages, more than the ${limits.maxPages} a PDF may have; split it into several files`,
      );
    }
    const lines: Line[] = [];
    const withoutText: number[] = [];
    let chars = 0;
    for (let number = 1; number <= pages; number++) {
      let items: TextItem[];
      try {
        const page = await pdf.getPage(number);
        items = (await page.getTextContent()).items.filter((item) => "str" in item) as TextItem[];
        page.cleanup();
      } catch (error) {
        throw pdfError(file.name, error);
      }
      const pageLines = toLines(items);
      const letters = pageLines.reduce((sum, line) => sum + countLetters(line.text), 0);
      if (letters < MIN_PAGE_TEXT) withoutText.push(number);
      if (pageLines.length) pageLines[0].breakBefore = true;
      lines.push(...pageLines);
      chars += pageLines.reduce((sum, line) => sum + line.text.length + 1, 0);
      if (chars > limits.maxChars) throw tooManyChars(file.name, limits.maxChars);
    }
    if (withoutText.length === pages) {
      throw new ExtractError(
        "no_text_layer",
        `${file.name}: no text layer on any of its ${pages} page${pages === 1 ? "" : "s"} ` +
          "(a scan?); export it with its text, or run it through OCR first",
      );
    }
    const warnings = withoutText.length
      ? [
        `pdf: ${withoutText.length} of ${pages} pages have no text layer and were skipped (${
          listPages(withoutText)
        })`,
      ]
      : [];
    return { text: toMarkdown(lines), pages, warnings };
  } finally {
    await pdf.loadingTask.destroy();
  }
}

/** A page's items as lines: a new line at each end-of-line mark or change of baseline. */
function toLines(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  let previousY: number | undefined;
  for (const item of items) {
    const size = Math.hypot(item.transform[2], item.transform[3]);
    const y = item.transform[5];
    if (current && item.str && Math.abs(y - current.y) > Math.max(size, current.size) * 0.5) {
      end();
    }
    if (item.str) {
      if (!current) {
        const gap = previousY === undefined ? 0 : Math.abs(previousY - y);
        current = { text: "", size: 0, y, breakBefore: previousY !== undefined && gap > size * 1.6 };
      }
      current.text += item.str;
      if (item.str.trim()) current.size = Math.max(current.size, size);
    }
    if (item.hasEOL) end();
  }
  end();
  return lines;

  function end() {
    if (current && current.text.trim() && !/^\s*\d{1,4}\s*$/.test(current.text)) {
      current.text = current.text.replace(/\s+/g, " ").trim();
      lines.push(current);
    }
    if (current) previousY = current.y;
    current = undefined;
  }
}

/**
 * Lines as markdown: the body size is the one most characters are set in; short lines at least
 * 15 % larger become headings, the largest size `#`, the next `##`, the rest `###` (a heading
 * wrapped over two lines stays one heading).
 */
function toMarkdown(lines: Line[]): string {
  const charsBySize = new Map<number, number>();
  for (const line of lines) {
    const size = Math.round(line.size * 2) / 2;
    charsBySize.set(size, (charsBySize.get(size) ?? 0) + line.text.length);
  }
  const total = lines.reduce((sum, line) => sum + line.text.length, 0);
  const body = [...charsBySize].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  // A size that sets a fifth of the text is body text too (a two-size layout), not headings.
  const headingSizes = [...charsBySize]
    .filter(([size, chars]) => size >= body * 1.15 && chars < total / 5)
    .map(([size]) => size)
    .sort((a, b) => b - a);
  const level = (line: Line) => {
    if (line.text.length > 150 || !/\p{L}/u.test(line.text)) return 0;
    const index = headingSizes.indexOf(Math.round(line.size * 2) / 2);
    return index < 0 ? 0 : Math.min(index + 1, 3);
  };
  // Blocks joined by blank lines; a block is a heading or the lines of one paragraph.
  const blocks: string[] = [];
  let previousLevel = 0;
  for (const line of lines) {
    const heading = level(line);
    if (heading && heading === previousLevel && !line.breakBefore) {
      blocks[blocks.length - 1] += ` ${line.text}`;
    } else if (heading) {
      blocks.push(`${"#".repeat(heading)} ${line.text}`);
    } else if (line.breakBefore || previousLevel || blocks.length === 0) {
      blocks.push(line.text);
    } else {
      blocks[blocks.length - 1] += `\n${line.text}`;
    }
    previousLevel = heading;
  }
  return blocks.join("\n\n");
}

function countLetters(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}

function listPages(pages: number[]): string {
  const shown = pages.slice(0, 10).join(", ");
  return pages.length > 10
    ? `pages ${shown} and ${pages.length - 10} more`
    : `page${pages.length > 1 ? "s" : ""} ${shown}`;
}

function pdfError(name: string, error: unknown): ExtractError {
  if (error instanceof ExtractError) return error;
  const e = error as { name?: string; message?: string };
  if (e?.name === "PasswordException") {
    return new ExtractError(
      "unsupported_format",
      `${name}: the PDF is password-protected; remove the password and upload it again`,
    );
  }
  return new ExtractError("corrupt", `${name}: not a readable PDF (${e?.message ?? String(error)})`);
}
