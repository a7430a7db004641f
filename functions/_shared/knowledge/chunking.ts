/**
 * Splits markdown (or plain text) into retrieval chunks that respect headings and paragraphs.
 * Each chunk carries its heading path (in `headings`, and prefixed to its text so that a
 * passage read alone still says what it is about) and the sha256 of its text, which makes
 * ingestion idempotent. Deterministic: the same input always gives the same chunks.
 */

/** Body size a chunk aims for (characters, heading prefix excluded). */
export const CHUNK_TARGET_CHARS = 800;
/** Body size no chunk exceeds (a paragraph longer than this is split at sentences, then words). */
export const CHUNK_MAX_CHARS = 1200;
/** Overlap between consecutive chunks of one section: whole trailing sentences, at most this long. */
export const CHUNK_OVERLAP_CHARS = 150;

/** One chunk of a document. */
export interface Chunk {
  /** Position in the document, from 0. */
  index: number;
  /** The text stored and embedded: `Title > Heading > Sub-heading` then a blank line, then the body. */
  content: string;
  /** Heading path of the section the chunk comes from (document title first when given). */
  headings: string[];
  /** sha256 of `content` (UTF-8), lowercase hex: what the database's content_hash holds. */
  hash: string;
}

/** Options of {@link chunkDocument}. */
export interface ChunkOptions {
  /** The document's title, first in every heading path (skipped when the first heading repeats it). */
  title?: string;
  /** `text` ignores markdown headings and code fences (a `.txt` file). Default `markdown`. */
  format?: "markdown" | "text";
  targetChars?: number;
  maxChars?: number;
  overlapChars?: number;
}

interface Section {
  headings: string[];
  blocks: string[];
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^[ \t]*(```|~~~)/;

/** Chunks `text` and hashes every chunk. */
export async function chunkDocument(text: string, options: ChunkOptions = {}): Promise<Chunk[]> {
  const pieces = splitText(text, options);
  const hashes = await Promise.all(pieces.map((piece) => sha256Hex(piece.content)));
  return pieces.map((piece, index) => ({ index, ...piece, hash: hashes[index] }));
}

/** The chunks of `text` without their hashes (synchronous; what {@link chunkDocument} hashes). */
export function splitText(
  text: string,
  options: ChunkOptions = {},
): { content: string; headings: string[] }[] {
  const target = options.targetChars ?? CHUNK_TARGET_CHARS;
  const max = options.maxChars ?? CHUNK_MAX_CHARS;
  const overlap = options.overlapChars ?? CHUNK_OVERLAP_CHARS;
  if (!(target > 0 && max >= target && overlap >= 0 && overlap < target)) {
    throw new Error(
      `chunking: need 0 < target <= max and 0 <= overlap < target, got ${target}/${max}/${overlap}`,
    );
  }
  const title = options.title?.trim() || undefined;
  const chunks: { content: string; headings: string[] }[] = [];
  for (const section of readSections(text, options.format ?? "markdown")) {
    const headings = title && section.headings[0] !== title ? [title, ...section.headings] : section.headings;
    const prefix = headings.length ? `${headings.join(" > ")}\n\n` : "";
    for (const body of packBlocks(section.blocks, { target, max, overlap })) {
      chunks.push({ content: prefix + body, headings });
    }
  }
  return chunks;
}

/** sha256 of `text`'s UTF-8 bytes, lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Sections at each heading; blocks are paragraphs (blank-line separated) and whole code fences. */
function readSections(text: string, format: "markdown" | "text"): Section[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n").map((line) => line.replace(/[ \t]+$/, ""));
  const sections: Section[] = [];
  const path: { level: number; text: string }[] = [];
  let current: Section = { headings: [], blocks: [] };
  let paragraph: string[] = [];
  let fence: { marker: string; lines: string[] } | undefined;

  const endParagraph = () => {
    const block = paragraph.join("\n").trim();
    if (block) current.blocks.push(block);
    paragraph = [];
  };

  for (const line of lines) {
    if (fence) {
      fence.lines.push(line);
      if (line.trim().startsWith(fence.marker)) {
        current.blocks.push(fence.lines.join("\n"));
        fence = undefined;
      }
      continue;
    }
    const opening = format === "markdown" ? FENCE.exec(line) : null;
    if (opening) {
      endParagraph();
      fence = { marker: opening[1], lines: [line] };
      continue;
    }
    const heading = format === "markdown" ? HEADING.exec(line) : null;
    if (heading) {
      endParagraph();
      if (current.blocks.length) sections.push(current);
      const level = heading[1].length;
      while (path.length && path[path.length - 1].level >= level) path.pop();
      path.push({ level, text: cleanHeading(heading[2]) });
      current = { headings: path.map((entry) => entry.text), blocks: [] };
      continue;
    }
    if (line.trim() === "") endParagraph();
    else paragraph.push(line);
  }
  // An unclosed fence runs to the end of the document, as markdown renders it.
  if (fence) current.blocks.push(fence.lines.join("\n"));
  endParagraph();
  if (current.blocks.length) sections.push(current);
  return sections;
}

/** Heading text without inline markup (`**Kajabi**` → `Kajabi`). */
function cleanHeading(text: string): string {
  return text.replace(/[*_`]+/g, "").replace(/\s+/g, " ").trim();
}

/**
 * Packs blocks into bodies of about `target` characters (at most `max`). A block is never cut
 * unless it alone exceeds `max`. Each body after the first starts with the previous body's
 * trailing sentences (at most `overlap` characters), so a fact cut at a boundary stays whole.
 */
function packBlocks(blocks: string[], size: { target: number; max: number; overlap: number }): string[] {
  const units = blocks.flatMap((block) => block.length > size.max ? splitBlock(block, size.max) : [block]);
  const bodies: string[] = [];
  let current = "";
  for (const unit of units) {
    const joined = current ? `${current}\n\n${unit}` : unit;
    // The target is soft: a body still under half of it may grow up to max rather than end tiny.
    if (
      !current || joined.length <= size.target ||
      (current.length < size.target / 2 && joined.length <= size.max)
    ) {
      current = joined;
      continue;
    }
    bodies.push(current);
    const carried = tail(current, size.overlap);
    current = carried && carried.length + 2 + unit.length <= size.max ? `${carried}\n\n${unit}` : unit;
  }
  if (current) bodies.push(current);
  return bodies;
}

/** Splits an oversize block at lines, then sentences, then words, into pieces of at most `max`. */
function splitBlock(block: string, max: number): string[] {
  // Each piece remembers what joined it to the previous one: a line break or a space.
  const pieces: { text: string; separator: string }[] = [];
  for (const line of block.split("\n")) {
    const parts = line.length <= max
      ? [line]
      : sentences(line).flatMap((s) => s.length <= max ? [s] : splitWords(s, max));
    parts.forEach((text, i) => pieces.push({ text, separator: i === 0 ? "\n" : " " }));
  }
  // Small pieces are joined again greedily, so that a long list does not become one chunk per line.
  const packed: string[] = [];
  for (const { text, separator } of pieces) {
    const last = packed.length ? packed[packed.length - 1] : undefined;
    if (last !== undefined && last.length + separator.length + text.length <= max) {
      packed[packed.length - 1] = last + separator + text;
    } else packed.push(text);
  }
  return packed;
}

function splitWords(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/)) {
    // A single "word" longer than max (a URL, base64) is cut where it must be.
    for (let start = 0; start < word.length; start += max) {
      const part = word.slice(start, start + max);
      if (current && current.length + 1 + part.length > max) {
        pieces.push(current);
        current = part;
      } else current = current ? `${current} ${part}` : part;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Sentences of a line: split after . ! ? … followed by white space. */
function sentences(text: string): string[] {
  return text.split(/(?<=[.!?…])\s+/).map((s) => s.trim()).filter(Boolean);
}

/** The trailing whole sentences of `text`'s last paragraph that fit in `limit` characters, or "". */
function tail(text: string, limit: number): string {
  const last = text.slice(text.lastIndexOf("\n\n") + 1).trim();
  // Code and list items are not prose: nothing is carried after them.
  if (FENCE.test(last) || /^([-*+]|\d+[.)])\s/m.test(last)) return "";
  const parts = sentences(last);
  let carried = "";
  for (let i = parts.length - 1; i >= 0; i--) {
    const next = carried ? `${parts[i]} ${carried}` : parts[i];
    if (next.length > limit) break;
    carried = next;
  }
  return carried;
}
