// A peer's client, unchanged: LangChain.js's SupabaseVectorStore searching a company's knowledge
// base through supabase.rpc('match_documents', { query_embedding, match_count, filter }) as a
// signed-in member, through the gateway and the real PostgREST. RLS decides what it finds.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SupabaseVectorStore } from "@langchain/community/vectorstores/supabase";
import { Embeddings } from "@langchain/core/embeddings";
import { browser, createTenant, signedIn, skip, sql } from "./support.mjs";

const axis = (n) => Array.from({ length: 1536 }, (_, i) => (i === n ? 1 : 0));

/** Embeds a question onto the axis of the topic it names (the fixture's own tiny model). */
class TopicEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  embedQuery(text) {
    return Promise.resolve(axis(/reel|vidéo/i.test(text) ? 1 : 0));
  }
  embedDocuments(texts) {
    return Promise.all(texts.map((t) => this.embedQuery(t)));
  }
}

describe("LangChain.js SupabaseVectorStore against match_documents", { skip }, () => {
  let a, b;
  before(() => {
    a = createTenant("lc");
    b = createTenant("lc");
    sql(`insert into public.documents (company_id, source, content, embedding, agent_owner) values
      ('${a.slug}', 'kajabi.md', 'Kajabi envoie les e-mails de bienvenue.', '[${axis(0)}]', 'audrey'),
      ('${a.slug}', 'reels.md', 'Un reel dure 15 à 30 secondes.', '[${axis(1)}]', 'shared'),
      ('${b.slug}', 'secret.md', 'Le tarif secret de B.', '[${axis(0)}]', 'shared');`);
  });
  after(() => {
    a?.drop();
    b?.drop();
  });

  const store = (client) =>
    new SupabaseVectorStore(new TopicEmbeddings(), {
      client,
      tableName: "documents",
      queryName: "match_documents",
    });

  test("a member finds its company's chunks, nearest first, with LangChain's Document shape", async () => {
    const member = await signedIn(a.people.member.email);
    const found = await store(member).similaritySearchWithScore("Comment Kajabi envoie les e-mails ?", 2);
    assert.deepEqual(
      found.map((
        [doc, score],
      ) => [doc.pageContent, doc.metadata.source, doc.metadata.company_id, Math.round(score * 1000) / 1000]),
      [
        ["Kajabi envoie les e-mails de bienvenue.", "kajabi.md", a.slug, 1],
        ["Un reel dure 15 à 30 secondes.", "reels.md", a.slug, 0],
      ],
    );
    const filtered = await store(member).similaritySearch("Kajabi", 5, { agent_owner: "shared" });
    assert.deepEqual(filtered.map((doc) => doc.metadata.source), ["reels.md"]);
  });

  test("another company's member gets only its own chunks, even asking for company A by filter", async () => {
    const stranger = await signedIn(b.people.member.email);
    const found = await store(stranger).similaritySearch("Kajabi", 5);
    assert.deepEqual(found.map((doc) => doc.metadata.source), ["secret.md"]);
    assert.deepEqual(await store(stranger).similaritySearch("Kajabi", 5, { company_id: a.slug }), []);
  });

  test("anon is refused (no grant): LangChain surfaces PostgREST's 42501", async () => {
    await assert.rejects(
      store(browser()).similaritySearch("Kajabi", 5),
      /permission denied for function match_documents/,
    );
  });
});
