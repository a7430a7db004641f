import assert from "node:assert/strict";
import {
  CHUNK_MAX_CHARS,
  CHUNK_OVERLAP_CHARS,
  CHUNK_TARGET_CHARS,
  chunkDocument,
  sha256Hex,
  splitText,
} from "./chunking.ts";

function sentence(i: number): string {
  return `Phrase numéro ${i} sur les séquences e-mail automatisées dans Kajabi et leurs déclencheurs.`;
}

function paragraph(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => sentence(from + i)).join(" ");
}

Deno.test("chunking: each section becomes its own chunk, prefixed with its heading path", () => {
  const text = [
    "# Guide Kajabi",
    "Kajabi héberge vos formations.",
    "## Créer une offre",
    "Allez dans Ventes puis Offres.",
    "### Prix",
    "Choisissez un paiement unique ou un abonnement.",
    "## Tunnels",
    "Un tunnel enchaîne page de capture, e-mails et page de vente.",
  ].join("\n");
  const chunks = splitText(text);
  assert.deepEqual(chunks.map((c) => c.headings), [
    ["Guide Kajabi"],
    ["Guide Kajabi", "Créer une offre"],
    ["Guide Kajabi", "Créer une offre", "Prix"],
    ["Guide Kajabi", "Tunnels"],
  ]);
  assert.equal(
    chunks[2].content,
    "Guide Kajabi > Créer une offre > Prix\n\nChoisissez un paiement unique ou un abonnement.",
  );
});

Deno.test("chunking: the title leads the path unless the first heading repeats it", () => {
  assert.deepEqual(splitText("# FAQ\nRéponse.", { title: "FAQ" })[0].headings, ["FAQ"]);
  assert.deepEqual(splitText("## Horaires\nDe 9 h à 18 h.", { title: "Contact" })[0].headings, [
    "Contact",
    "Horaires",
  ]);
  assert.equal(splitText("Sans titre ni intertitre.")[0].content, "Sans titre ni intertitre.");
});

Deno.test("chunking: paragraphs are packed up to the target and never cut when they fit", () => {
  const paragraphs = Array.from({ length: 12 }, (_, i) => paragraph(i * 3, 3));
  const chunks = splitText(paragraphs.join("\n\n"), { overlapChars: 0 });
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) {
    assert.ok(chunk.content.length <= CHUNK_MAX_CHARS, `chunk of ${chunk.content.length} chars`);
    for (const piece of chunk.content.split("\n\n")) {
      assert.ok(paragraphs.includes(piece), "a paragraph was cut");
    }
  }
  // Every paragraph appears, in order.
  assert.deepEqual(chunks.flatMap((c) => c.content.split("\n\n")), paragraphs);
});

Deno.test("chunking: consecutive chunks of a section overlap by whole trailing sentences", () => {
  const paragraphs = Array.from({ length: 8 }, (_, i) => paragraph(i * 4, 4));
  const chunks = splitText(`## Séquences\n\n${paragraphs.join("\n\n")}`);
  assert.ok(chunks.length >= 2);
  for (let i = 1; i < chunks.length; i++) {
    const previousBody = chunks[i - 1].content.split("\n\n").at(-1)!;
    const body = chunks[i].content.slice("Séquences\n\n".length);
    const carried = body.split("\n\n")[0];
    assert.ok(previousBody.endsWith(carried), "the overlap is the previous chunk's ending");
    assert.ok(carried.length <= CHUNK_OVERLAP_CHARS);
    assert.match(carried, /^Phrase numéro \d+ .*\.$/, "whole sentences only");
  }
});

Deno.test("chunking: an oversize paragraph is split at sentences, an oversize sentence at words", () => {
  const long = paragraph(0, 40);
  assert.ok(long.length > CHUNK_MAX_CHARS);
  const chunks = splitText(long, { overlapChars: 0 });
  assert.ok(chunks.length >= 3);
  for (const chunk of chunks) {
    assert.ok(chunk.content.length <= CHUNK_MAX_CHARS);
    assert.match(chunk.content, /^Phrase numéro \d+ .*\.$/s);
  }
  const words = Array.from({ length: 400 }, (_, i) => `mot${i}`).join(" ");
  const pieces = splitText(words, { overlapChars: 0 });
  assert.ok(pieces.every((c) => c.content.length <= CHUNK_MAX_CHARS));
  assert.equal(pieces.map((c) => c.content).join(" "), words);
});

Deno.test("chunking: code fences stay whole and a # inside them is not a heading", () => {
  const text =
    "# Zapier\n\nUn exemple :\n\n```bash\n# pas un titre\ncurl https://hooks.zapier.com\n```\n\nFin.";
  const chunks = splitText(text);
  assert.equal(chunks.length, 1);
  assert.match(chunks[0].content, /```bash\n# pas un titre\ncurl https:\/\/hooks\.zapier\.com\n```/);
  assert.deepEqual(chunks[0].headings, ["Zapier"]);
});

Deno.test("chunking: plain text ignores markdown headings; CRLF and trailing spaces are normalised", () => {
  assert.deepEqual(splitText("# pas un titre\r\nligne  \r\n", { format: "text" })[0].headings, []);
  assert.equal(splitText("a  \r\nb\r\n\r\n\r\nc").map((c) => c.content).join("|"), "a\nb\n\nc");
  assert.deepEqual(splitText("# Titre seul\n\n## Vide\n"), []);
  assert.deepEqual(splitText("   \n\n"), []);
});

Deno.test("chunking: deterministic, with the sha256 of each chunk's text", async () => {
  const text = `# Reels\n\n${paragraph(0, 30)}\n\n## Stories\n\n${paragraph(100, 5)}`;
  const first = await chunkDocument(text, { title: "Instagram" });
  const second = await chunkDocument(text, { title: "Instagram" });
  assert.deepEqual(first, second);
  assert.deepEqual(first.map((c) => c.index), first.map((_, i) => i));
  assert.equal(first[0].hash, await sha256Hex(first[0].content));
  // UTF-8 bytes, as the database hashes convert_to(content, 'UTF8').
  assert.equal(await sha256Hex("é"), "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  // A known vector: sha256("abc").
  assert.equal(await sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("chunking: the stated sizes are consistent", () => {
  assert.ok(CHUNK_OVERLAP_CHARS < CHUNK_TARGET_CHARS && CHUNK_TARGET_CHARS <= CHUNK_MAX_CHARS);
  assert.throws(() => splitText("x", { targetChars: 100, maxChars: 50 }), /chunking: need/);
});
