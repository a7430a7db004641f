import assert from "node:assert/strict";
import { chunkDocument } from "./chunking.ts";
import { EXTRACT_LIMITS, ExtractError, type ExtractErrorCode, extractText, formatOf } from "./extract.ts";
import {
  imageOnlyDocx,
  scannedPdf,
  structuredDocx,
  textDocx,
  textPdf,
} from "../../../tests/fixtures/knowledge/files.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The ExtractError `call` throws, checked for its code and message. */
async function refused(call: Promise<unknown>, code: ExtractErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof ExtractError, `expected an ExtractError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("extract: the format comes from the extension, else from the MIME type", () => {
  assert.equal(formatOf("guides/Livraison.PDF"), "pdf");
  assert.equal(formatOf("a.docx"), "docx");
  assert.equal(formatOf("page.htm"), "html");
  assert.equal(formatOf("notes.markdown"), "md");
  assert.equal(formatOf("tarifs.csv", "application/octet-stream"), "csv");
  assert.equal(formatOf("upload", "text/csv; charset=utf-8"), "csv");
  assert.equal(formatOf("dossier.v2/upload", "application/pdf"), "pdf");
  assert.equal(formatOf("photo.jpg", "image/jpeg"), null);
});

Deno.test("extract: a PDF's text, accents intact, its larger lines as headings, one warning-free result", async () => {
  const bytes = await textPdf(3, { headings: ["Livraison à Dakar", "Paiement à la réception", "Retours"] });
  const result = await extractText({ name: "conditions.pdf", bytes });
  assert.equal(result.format, "pdf");
  assert.equal(result.pages, 3);
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.text.split("\n").filter((line) => line.startsWith("#")), [
    "# Livraison à Dakar",
    "# Paiement à la réception",
    "# Retours",
  ]);
  assert.match(
    result.text,
    /Phrase 0 : la livraison à Dakar coûte 1 500 FCFA, le délai est de deux\njours ouvrés/,
  );
  // The caller's bytes are untouched (pdf.js takes over the buffer it is given).
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 5)), "%PDF-");
  const chunks = await chunkDocument(result.text);
  assert.deepEqual(chunks[0].headings, ["Livraison à Dakar"]);
});

Deno.test("extract: a scanned PDF is no_text_layer, never an empty document", async () => {
  await refused(
    extractText({ name: "scan.pdf", bytes: await scannedPdf(2) }),
    "no_text_layer",
    /^scan\.pdf: no text layer on any of its 2 pages \(a scan\?\)/,
  );
});

Deno.test("extract: a PDF with some scanned pages keeps the text and names the pages skipped", async () => {
  const result = await extractText({ name: "mixte.pdf", bytes: await textPdf(3, { scanned: [2] }) });
  assert.equal(result.pages, 3);
  assert.deepEqual(result.warnings, ["pdf: 1 of 3 pages have no text layer and were skipped (page 2)"]);
  assert.match(result.text, /# Chapitre 3 : conditions générales/);
});

Deno.test("extract: more pages than the limit is too_many_pages, naming the limit", async () => {
  await refused(
    extractText({ name: "long.pdf", bytes: await textPdf(4) }, { maxPages: 3 }),
    "too_many_pages",
    /^long\.pdf: 4 pages, more than the 3 a PDF may have/,
  );
  const blank = await (await import("pdf-lib")).PDFDocument.create();
  for (let i = 0; i <= EXTRACT_LIMITS.maxPages; i++) blank.addPage();
  await refused(
    extractText({ name: "annuaire.pdf", bytes: await blank.save() }),
    "too_many_pages",
    new RegExp(
      `${EXTRACT_LIMITS.maxPages + 1} pages, more than the ${EXTRACT_LIMITS.maxPages} a PDF may have`,
    ),
  );
});

Deno.test("extract: a file over the byte limit or text over the character limit is too_large, naming it", async () => {
  await refused(
    extractText({ name: "gros.pdf", bytes: new Uint8Array(EXTRACT_LIMITS.maxBytes + 1) }),
    "too_large",
    /^gros\.pdf: 20 MB is more than the 20 MB a PDF file may have/,
  );
  await refused(
    extractText({ name: "page.html", bytes: new Uint8Array(3 * 1024 * 1024) }),
    "too_large",
    /^page\.html: 3 MB is more than the 1 MB a text file may have/,
  );
  await refused(
    extractText({ name: "faq.txt", bytes: utf8("é".repeat(2000)) }, { maxChars: 1000 }),
    "too_large",
    /^faq\.txt: its text is longer than the 1,000 characters a document may hold/,
  );
  await refused(
    extractText({ name: "long.pdf", bytes: await textPdf(3) }, { maxChars: 4000 }),
    "too_large",
    /4,000 characters/,
  );
  await refused(
    extractText({ name: "long.docx", bytes: await textDocx(2) }, { maxUnzippedBytes: 10_000 }),
    "too_large",
    /^long\.docx: its text unzips to \d+ KB of XML, more than the 10 KB a DOCX may have/,
  );
});

Deno.test("extract: bytes that are not what the name says are corrupt", async () => {
  const noise = crypto.getRandomValues(new Uint8Array(4096));
  await refused(extractText({ name: "x.pdf", bytes: noise }), "corrupt", /^x\.pdf: not a PDF/);
  await refused(
    extractText({ name: "x.pdf", bytes: utf8(`%PDF-1.7\n${"garbage ".repeat(100)}`) }),
    "corrupt",
    /^x\.pdf: not a readable PDF/,
  );
  await refused(
    extractText({ name: "x.docx", bytes: noise }),
    "corrupt",
    /^x\.docx: not a DOCX \(not a zip archive\)/,
  );
  const docx = await structuredDocx();
  await refused(
    extractText({ name: "cut.docx", bytes: docx.subarray(0, docx.length / 2) }),
    "corrupt",
    /^cut\.docx: not a DOCX \(no zip directory/,
  );
  await refused(
    extractText({ name: "latin1.txt", bytes: Uint8Array.from([0x6f, 0x6b, 0x0a, 0x63, 0x61, 0x66, 0xe9]) }),
    "corrupt",
    /^latin1\.txt: not valid UTF-8 text \(line 2\); save it as UTF-8/,
  );
  await refused(
    extractText({
      name: "excel.csv",
      bytes: Uint8Array.from([0x5a, 0x6f, 0x6e, 0x65, 0x0a, 0x54, 0x68, 0x69, 0xe8, 0x73]),
    }),
    "corrupt",
    /^excel\.csv: not valid UTF-8 text \(line 2\); save it as UTF-8 \(in Excel: "CSV UTF-8"\)$/,
  );
  await refused(extractText({ name: "bin.txt", bytes: Uint8Array.from([0x61, 0, 0x62]) }), "corrupt", /NUL/);
});

Deno.test("extract: other file types are unsupported_format, with the list and a hint for .doc", async () => {
  await refused(
    extractText({ name: "photo.jpg", bytes: utf8("x"), mimeType: "image/jpeg" }),
    "unsupported_format",
    /^photo\.jpg: unsupported file type \(expected \.pdf, \.docx, \.html, \.htm, \.md, \.markdown, \.txt, \.csv\)$/,
  );
  await refused(
    extractText({ name: "vieux.doc", bytes: utf8("x") }),
    "unsupported_format",
    /save it as \.docx$/,
  );
});

Deno.test("extract: a DOCX's headings, lists and tables as markdown, accents intact", async () => {
  const result = await extractText({ name: "guide.docx", bytes: await structuredDocx() });
  assert.equal(result.format, "docx");
  assert.equal(result.pages, undefined);
  assert.deepEqual(result.warnings, []);
  assert.equal(
    result.text,
    [
      "# Guide de la boutique",
      "# Livraison à Dakar",
      "Les commandes passées avant midi sont livrées le jour même, même le week-end.",
      "## Délais et frais",
      "-   Plateau : deux heures\n-   Pikine : une journée",
      "| Zone | Frais |\n| --- | --- |\n| Plateau | 1 000 FCFA |\n| Guédiawaye | 2 500 FCFA |",
    ].join("\n\n"),
  );
  const chunks = await chunkDocument(result.text);
  assert.deepEqual(chunks.at(-1)!.headings, ["Livraison à Dakar", "Délais et frais"]);
});

Deno.test("extract: a DOCX of images only is no_text_layer", async () => {
  await refused(
    extractText({ name: "scan.docx", bytes: await imageOnlyDocx() }),
    "no_text_layer",
    /^scan\.docx: only images, no text \(1 image\)/,
  );
});

Deno.test("extract: HTML as markdown, without scripts, styles or navigation; its title when it has no h1", async () => {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>FAQ — Boutique Awa</title>
    <style>p { color: red }</style><script>alert("x")</script></head>
    <body><nav><a href="/">Accueil</a></nav>
    <h2>Livraison</h2><p>Livrée en 24&nbsp;h à Dakar, 1. par moto *express*.</p>
    <p>Écrivez-nous sur <a href="https://wa.me/221770000000">WhatsApp</a> ou <a href="/contact">ici</a>.</p>
    <table><thead><tr><th>Zone</th><th>Frais</th></tr></thead><tbody><tr><td>Plateau</td><td>1 000</td></tr></tbody></table>
    <img src="logo.png" alt="logo"></body></html>`;
  const result = await extractText({ name: "faq.html", bytes: utf8(html) });
  assert.equal(result.format, "html");
  assert.equal(
    result.text,
    [
      "# FAQ — Boutique Awa",
      "## Livraison",
      "Livrée en 24 h à Dakar, 1. par moto *express*.",
      "Écrivez-nous sur WhatsApp (https://wa.me/221770000000) ou ici.",
      "| Zone | Frais |\n| --- | --- |\n| Plateau | 1 000 |",
    ].join("\n\n"),
  );
});

Deno.test("extract: HTML in the charset it declares", async () => {
  const bytes = Uint8Array.from([
    ...utf8(
      '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body><h1>',
    ),
    0x44,
    0xe9,
    0x6c,
    0x61,
    0x69,
    0x73, // « Délais » in Windows-1252
    ...utf8("</h1></body></html>"),
  ]);
  assert.equal((await extractText({ name: "vieux.html", bytes })).text, "# Délais");
});

Deno.test("extract: Markdown and text as UTF-8, BOM dropped, CRLF and decomposed accents normalised", async () => {
  const md = await extractText({
    name: "faq.md",
    bytes: utf8("\uFEFF# Été\r\n\r\nLe cafe\u0301 est offert.\r\n"),
  });
  assert.deepEqual(md, { format: "md", text: "# Été\n\nLe café est offert.", warnings: [] });
  const utf16 = Uint8Array.from([0xff, 0xfe, ...[..."Noël"].flatMap((c) => [c.charCodeAt(0), 0])]);
  assert.equal((await extractText({ name: "notes.txt", bytes: utf16 })).text, "Noël");
  assert.equal((await extractText({ name: "vide.txt", bytes: new Uint8Array() })).text, "");
});

Deno.test("extract: a CSV as one line per row naming its columns, separator from the header", async () => {
  const csv =
    '\uFEFFZone;Frais;Délai\r\nPlateau;1 000;"2 h, à moto"\r\nGuédiawaye;2 500;\r\n;;\r\n"Rufisque\nest";5 000;"le ""lendemain"""\r\n';
  const result = await extractText({ name: "zones.csv", bytes: utf8(csv) });
  assert.equal(result.format, "csv");
  assert.equal(
    result.text,
    [
      "Zone: Plateau; Frais: 1 000; Délai: 2 h, à moto",
      "Zone: Guédiawaye; Frais: 2 500",
      'Zone: Rufisque est; Frais: 5 000; Délai: le "lendemain"',
    ].join("\n\n"),
  );
  const commas = await extractText({ name: "p.csv", bytes: utf8("nom,prix\nRobe wax,15000\n") });
  assert.equal(commas.text, "nom: Robe wax; prix: 15000");
  await refused(
    extractText({ name: "cassé.csv", bytes: utf8('a,b\n1,"2\n3,4\n') }),
    "corrupt",
    /^cassé\.csv: a quote opened on line 2 is never closed$/,
  );
});
