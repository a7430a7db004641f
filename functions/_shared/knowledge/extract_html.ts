/**
 * HTML to markdown with turndown over its own server-side DOM (@mixmark-io/domino): no browser
 * DOM needed, linear in the page's size. Scripts, styles, navigation, forms and images go; headings,
 * lists, tables, code and link targets stay. Used for `.html` files and for mammoth's DOCX output.
 */
import domino from "@mixmark-io/domino";
import TurndownService from "turndown";

/** Elements whose content is never text a customer asks about. */
const DROPPED = [
  "head",
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "nav",
  "button",
  "select",
  "input",
  "textarea",
  "img",
  "picture",
  "video",
  "audio",
].join(",");

// deno-lint-ignore no-explicit-any
type Node = any;

const turndown = createTurndown();

/** Markdown of `html`; `images` counts the images left out (a DOCX of images only has no text). */
export function htmlToMarkdown(html: string): { text: string; images: number } {
  const document = domino.createDocument(html);
  const title = document.querySelector("title")?.textContent?.replace(/\s+/g, " ").trim();
  const images = document.querySelectorAll("img, picture, svg").length;
  for (const element of Array.from(document.querySelectorAll(DROPPED)) as Node[]) element.remove();
  let text = turndown.turndown(document.body ?? document.documentElement);
  // A page without a first-level heading is named by its <title>.
  if (title && !document.querySelector("h1")) text = `# ${title}\n\n${text}`;
  return { text, images };
}

/**
 * The charset an HTML file declares in its first 1,024 bytes (`<meta charset>` or the
 * `http-equiv` content type), else UTF-8.
 */
export function sniffCharset(bytes: Uint8Array): string {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const declared = /<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)/i.exec(head)?.[1];
  return declared?.toLowerCase() ?? "utf-8";
}

function createTurndown(): TurndownService {
  const service = new TurndownService({
    headingStyle: "atx",
    bulletListMarker: "-",
    codeBlockStyle: "fenced",
    emDelimiter: "_",
  });
  // Text is read, not rendered: `1.` or `*` in a sentence stays as written, without backslashes.
  service.escape = (text: string) => text;
  service.addRule("links", {
    filter: "a",
    replacement(content: string, node: Node) {
      const href = String(node.getAttribute("href") ?? "");
      const label = content.trim();
      // A target worth keeping is one a customer can use: a web page, an address, a number.
      if (!/^(https?:|mailto:|tel:)/i.test(href) || href === label || !label) return content;
      return `${content} (${href.replace(/^(mailto|tel):/i, "")})`;
    },
  });
  // Tables as markdown tables, built as turndown walks them (cells, then rows): linear in the
  // table's size. The first row is the header, as a spreadsheet export has it.
  const oneLine = (text: string) => text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  service.addRule("tableCells", {
    filter: ["th", "td"],
    replacement: (content: string) => ` ${oneLine(content)} |`,
  });
  service.addRule("tableRows", {
    filter: "tr",
    replacement(content: string, node: Node) {
      const first = node.closest("table")?.querySelector("tr") === node;
      const cells = (Array.from(node.children) as Node[]).filter((cell) =>
        /^T[DH]$/.test(cell.nodeName)
      ).length;
      return `|${content}\n${first ? `|${" --- |".repeat(cells)}\n` : ""}`;
    },
  });
  service.addRule("tableSections", {
    filter: ["thead", "tbody", "tfoot"],
    replacement: (content: string) => content,
  });
  service.addRule("tables", {
    filter: "table",
    replacement: (content: string) => `\n\n${content.trim()}\n\n`,
  });
  return service;
}
