import assert from "node:assert/strict";
import { cleanText, cutText, MAX_TEXT, splitText } from "./text.ts";

Deno.test("channels text: cuts count code points, so an emoji is never halved", () => {
  assert.equal(cutText("abc", 5), "abc");
  assert.equal(cutText("👋👋👋", 2), "👋👋");
  assert.equal(cleanText("ok\u0000\udc00", 10), "ok\uFFFD");
});

Deno.test("channels text: splitText keeps each part within the limit, breaking at paragraphs, sentences, then spaces", () => {
  const reply =
    "Bonjour Awa !\n\nLa robe wax coûte 15 000 FCFA. Elle existe en S, M et L. Livraison à Dakar demain.";
  const parts = splitText(reply, 40);
  assert.ok(parts.every((part) => Array.from(part).length <= 40), JSON.stringify(parts));
  assert.equal(parts[0], "Bonjour Awa !");
  assert.equal(parts.join(" ").replace(/\s+/g, " "), reply.replace(/\s+/g, " "));
  assert.deepEqual(splitText("   ", 10), [], "blank text is no message");
  assert.deepEqual(splitText("x".repeat(25), 10), ["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  assert.deepEqual(splitText("😀".repeat(5), 2), ["😀😀", "😀😀", "😀"]);
  assert.deepEqual(MAX_TEXT, { whatsapp: 4096, messenger: 2000, instagram: 1000 });
});
