/**
 * A Word document's text with mammoth (DOCX to semantic HTML: Heading 1–6 and Title styles become
 * headings, lists and tables kept), then the HTML to markdown. Images are never read. The zip's
 * directory is checked first, so an archive that would unzip to more XML than a request can parse
 * is refused before mammoth inflates it.
 */
import { Buffer } from "node:buffer";
import { type Extracted, ExtractError, type ExtractFile, type ExtractLimits, size } from "./extract.ts";
import { htmlToMarkdown } from "./extract_html.ts";

/** Styles Word users give their titles, as headings too (mammoth's defaults cover Heading 1–6). */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

/** Text of a DOCX, or an ExtractError (`too_large`, `no_text_layer`, `corrupt`). */
export async function extractDocx(
  file: ExtractFile,
  limits: ExtractLimits,
): Promise<Omit<Extracted, "format">> {
  const unzipped = xmlSize(file);
  if (unzipped > limits.maxUnzippedBytes) {
    throw new ExtractError(
      "too_large",
      `${file.name}: its text unzips to ${
        Number.isFinite(unzipped) ? size(unzipped) : "over 4 GB"
      } of XML, ` +
        `more than the ${size(limits.maxUnzippedBytes)} a DOCX may have; split it into several files`,
    );
  }
  const { default: mammoth } = await import("mammoth");
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        ignoreEmptyParagraphs: true,
        // An <img> without its bytes: counted, then dropped with the other images.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: "" })),
      },
    );
    html = result.value;
  } catch (error) {
    throw new ExtractError(
      "corrupt",
      `${file.name}: not a readable DOCX (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const { text, images } = htmlToMarkdown(html);
  if (!text.trim() && images > 0) {
    throw new ExtractError(
      "no_text_layer",
      `${file.name}: only images, no text (${images} image${images === 1 ? "" : "s"}); ` +
        "type the text or run the images through OCR first",
    );
  }
  return { text, warnings: images > 0 ? [`docx: ${images} image${images === 1 ? "" : "s"} skipped`] : [] };
}

/**
 * The bytes the archive's XML parts declare once unzipped, read from the zip's central
 * directory (a ZIP64 size counts as too large). Refuses what is not a zip, or a zip without
 * word/document.xml (a spreadsheet or a presentation renamed .docx).
 */
function xmlSize(file: ExtractFile): number {
  const { bytes } = file;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notDocx = (why: string) => new ExtractError("corrupt", `${file.name}: not a DOCX (${why})`);
  if (bytes.length < 22 || view.getUint32(0, true) !== 0x04034b50) throw notDocx("not a zip archive");
  // The end-of-central-directory record: 22 bytes, then a comment of up to 65,535.
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw notDocx("no zip directory: truncated?");
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  let total = 0;
  let document = false;
  const decoder = new TextDecoder();
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) {
      throw notDocx("damaged zip directory");
    }
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (name === "word/document.xml") document = true;
    if (/\.(xml|rels)$/i.test(name)) total += size === 0xffffffff ? Infinity : size;
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  if (!document) throw notDocx("no word/document.xml");
  return total;
}
