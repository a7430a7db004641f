/**
 * Generated knowledge-base data for the retrieval benchmark: unit vectors in topic clusters,
 * tenants of very different sizes, each with its own handful of topics. Deterministic (seeded).
 */

export const DIMS = 1536;

/** A small, fast, seeded PRNG (mulberry32) with a Gaussian draw (Box-Muller). */
export class Rng {
  #state: number;
  #spare: number | null = null;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  gaussian(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

export function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

export function randomUnit(rng: Rng): Float32Array {
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = rng.gaussian();
  return normalise(v);
}

/**
 * Topics shaped like text embeddings rather than isotropic noise: every centroid shares a common
 * direction (random pairs of passages sit at cosine ≈ 0.1-0.2, as with OpenAI's models); a topic
 * has sub-topics (12 sub-centroids), and a passage varies from its sub-centroid inside a small
 * subspace plus a little isotropic noise. A passage sits at cosine ≈ 0.6-0.7 from its topic's
 * centroid and its nearest neighbours stand out from the rest of the topic, as the low intrinsic
 * dimension of real embeddings makes them. `isotropic: true` gives the harder, less realistic
 * model: centroid + plain isotropic noise (cosine ≈ 0.7 to the centroid).
 */
export class TopicModel {
  readonly centroids: Float32Array[];
  readonly subtopics: Float32Array[][];
  readonly bases: Float32Array[][];

  constructor(rng: Rng, readonly topics: number, readonly options: { isotropic?: boolean } = {}) {
    const common = randomUnit(rng);
    this.centroids = Array.from({ length: topics }, () => {
      const g = randomUnit(rng);
      for (let i = 0; i < DIMS; i++) g[i] += 0.4 * common[i];
      return normalise(g);
    });
    const iso = options.isotropic ?? false;
    this.subtopics = this.centroids.map((c) =>
      iso ? [c] : Array.from({ length: 12 }, () => {
        const s = randomUnit(rng);
        for (let i = 0; i < DIMS; i++) s[i] = c[i] + 0.6 * s[i];
        return normalise(s);
      })
    );
    this.bases = this.centroids.map(() => iso ? [] : Array.from({ length: 8 }, () => randomUnit(rng)));
  }

  /** A passage (or a question) about topic t. */
  point(rng: Rng, t: number): Float32Array {
    const subs = this.subtopics[t];
    const v = Float32Array.from(subs[rng.int(subs.length)]);
    const basis = this.bases[t];
    for (const b of basis) {
      const z = (0.5 * rng.gaussian()) / Math.sqrt(basis.length);
      for (let i = 0; i < DIMS; i++) v[i] += z * b[i];
    }
    const scale = (this.options.isotropic ? 1 : 0.25) / Math.sqrt(DIMS);
    for (let i = 0; i < DIMS; i++) v[i] += scale * rng.gaussian();
    return normalise(v);
  }
}

/** pgvector's text form, six decimals (the vectors are unit, components ~ ±0.03). */
export function toVectorText(v: Float32Array): string {
  const parts = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) parts[i] = (Math.round(v[i] * 1e6) / 1e6).toString();
  return `[${parts.join(",")}]`;
}

export interface Tenant {
  slug: string;
  size: number;
  topics: number[];
}

/**
 * Tenant sizes: a few hundred chunks up to a fifth of the table, the rest spread between.
 * Scaled to `total` (100,000 by default).
 */
export function tenantPlan(total: number, topicCount: number, rng: Rng): Tenant[] {
  const base = [300, 600, 1000, 2000, 3000, 5000, 5000, 8000, 10000, 12000, 13100, 20000, 20000];
  const sum = base.reduce((a, b) => a + b, 0);
  const sizes = base.map((s) => Math.max(50, Math.round((s * total) / sum)));
  sizes[sizes.length - 1] += total - sizes.reduce((a, b) => a + b, 0);
  return sizes.map((size, i) => {
    // Each tenant writes about a handful of subjects (more for larger ones), shared at random.
    const n = Math.min(topicCount, 5 + Math.round(Math.sqrt(size) / 3));
    const topics = new Set<number>();
    while (topics.size < n) topics.add(rng.int(topicCount));
    return { slug: `bench-t${String(i + 1).padStart(2, "0")}`, size, topics: [...topics] };
  });
}

const WORDS = [
  "tunnel",
  "vente",
  "email",
  "automatisation",
  "kajabi",
  "zapier",
  "instagram",
  "reel",
  "story",
  "contenu",
  "création",
  "design",
  "client",
  "offre",
  "prix",
  "livraison",
  "paiement",
  "commande",
  "formation",
  "webinar",
  "newsletter",
  "séquence",
  "lead",
  "audience",
  "marque",
  "visuel",
];

/** A short bilingual-looking passage about a topic (for full text and realistic row sizes). */
export function passage(rng: Rng, topic: number, index: number): string {
  const words: string[] = [];
  const len = 40 + rng.int(60);
  for (let i = 0; i < len; i++) words.push(WORDS[(topic * 7 + rng.int(6)) % WORDS.length]);
  return `Sujet ${topic}, passage ${index}. ${words.join(" ")}.`;
}
