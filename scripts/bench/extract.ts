/**
 * Text extraction of knowledge files (functions/_shared/knowledge/extract.ts) against what one
 * Edge Function request may spend: 2 s of CPU, 256 MB. The headline files are a 50-page text PDF
 * and a 30-page DOCX (made with pdf-lib and docx, about 3,000 characters a page); then files at
 * the limits EXTRACT_LIMITS sets (the most pages, the most characters, the largest HTML, the
 * largest PDF). Each run is a fresh process, as a cold worker: its first extraction includes
 * loading the library (pdf.js is 1.7 MB of JavaScript), then `--warm` more extractions in the
 * same process, as a warm worker serves them. CPU is the process's user + system time (V8's
 * helper threads included, so an upper bound), peak memory the growth of VmHWM (/proc/self/status)
 * over the process before the first extraction, and the V8 heap after it.
 *
 *   deno run -A scripts/bench/extract.ts --out bench/results/extract.json [--runs 10] [--warm 5]
 * (`--db` is accepted and unused: `npm run bench` passes it to every benchmark.)
 */
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";
import process from "node:process";
import { Document, Packer, Paragraph, TextRun } from "docx";
import { PDFDocument, PDFName } from "pdf-lib";
import { chunkDocument } from "../../functions/_shared/knowledge/chunking.ts";
import { EXTRACT_LIMITS, extractText } from "../../functions/_shared/knowledge/extract.ts";
import { sentence, textDocx, textPdf } from "../../tests/fixtures/knowledge/files.ts";
import { round, summary } from "./processes.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    db: { type: "string" },
    out: { type: "string", default: "bench/results/extract.json" },
    runs: { type: "string", default: "10" },
    warm: { type: "string", default: "5" },
    child: { type: "string" },
  },
});
const BUDGET = { cpu_ms: 2000, memory_mb: 256 };

interface Run {
  cold_cpu_ms: number;
  cold_wall_ms: number;
  warm_cpu_ms: number[];
  warm_wall_ms: number[];
  chunk_cpu_ms: number;
  peak_rss_growth_mb: number;
  heap_used_mb: number;
  base_rss_mb: number;
  pages?: number;
  chars: number;
  chunks: number;
}

if (args.child) {
  console.log(JSON.stringify(await child(args.child, Number(args.warm))));
  Deno.exit(0);
}

/** Child: one cold extraction (library loaded on first use), then `warm` more, of one file. */
async function child(path: string, warm: number): Promise<Run> {
  const bytes = await Deno.readFile(path);
  const file = { name: path, bytes };
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  const baseRss = vmKb("VmHWM");
  let cpu = process.cpuUsage();
  let started = performance.now();
  const first = await extractText(file);
  const cold = { cpu: cpuMs(cpu), wall: performance.now() - started };
  const peak = vmKb("VmHWM");
  const heap = Deno.memoryUsage().heapUsed;
  cpu = process.cpuUsage();
  const chunks = await chunkDocument(first.text);
  const chunkCpu = cpuMs(cpu);
  const warmCpu: number[] = [];
  const warmWall: number[] = [];
  for (let i = 0; i < warm; i++) {
    cpu = process.cpuUsage();
    started = performance.now();
    await extractText(file);
    warmCpu.push(cpuMs(cpu));
    warmWall.push(performance.now() - started);
  }
  return {
    cold_cpu_ms: round(cold.cpu),
    cold_wall_ms: round(cold.wall),
    warm_cpu_ms: warmCpu.map(round),
    warm_wall_ms: warmWall.map(round),
    chunk_cpu_ms: round(chunkCpu),
    peak_rss_growth_mb: round((peak - baseRss) / 1024),
    heap_used_mb: round(heap / 1048576),
    base_rss_mb: round(baseRss / 1024),
    pages: first.pages,
    chars: first.text.length,
    chunks: chunks.length,
  };
}

function vmKb(field: string): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)![1]);
}

/** A PDF of `pages` text pages and one image of `imageBytes` raw bytes (never decoded for text). */
async function pdfWithImage(pages: number, imageBytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await textPdf(pages));
  const side = Math.floor(Math.sqrt(imageBytes / 3));
  const pixels = new Uint8Array(side * side * 3);
  for (let i = 0; i < pixels.length; i += 65536) crypto.getRandomValues(pixels.subarray(i, i + 65536));
  const image = doc.context.register(doc.context.stream(pixels, {
    Type: "XObject",
    Subtype: "Image",
    Width: side,
    Height: side,
    ColorSpace: "DeviceRGB",
    BitsPerComponent: 8,
  }));
  const page = doc.getPage(0);
  page.node.setXObject(PDFName.of("Photo"), image);
  return await doc.save({ useObjectStreams: false });
}

/**
 * An HTML page of `bytes` bytes as a site builder writes one: most of it markup (wrappers with
 * classes, inline spans, a menu, a script), a fifth of it text, a fee table every tenth section.
 */
function htmlPage(bytes: number): Uint8Array {
  const encoder = new TextEncoder();
  const menu = `<nav class="menu">${
    Array.from({ length: 20 }, (_, i) => `<a class="menu-link" href="/p/${i}">Page ${i}</a>`).join("")
  }</nav><script>window.dataLayer = window.dataLayer || [];</script>`;
  const parts = [`<!doctype html><html><head><meta charset="utf-8"><title>FAQ</title></head><body>${menu}`];
  let size = encoder.encode(parts[0]).length;
  for (let i = 0; size < bytes - 200; i++) {
    const wrap = (tag: string, text: string) =>
      `<div class="elementor-widget-container css-${i}" data-element-type="widget" data-id="${
        (i * 7919).toString(16)
      }"><div class="wrapper flex flex-col items-start gap-2"><${tag} class="text-base leading-7 text-gray-700">` +
      `<span style="font-weight: 400; color: #333333;">${text}</span></${tag}></div></div>`;
    const section = wrap("h2", `Question ${i}`) + wrap("p", sentence(i)) +
      (i % 10 === 0
        ? `<table class="table"><tr><th>Zone</th><th>Frais</th></tr><tr><td>Plateau ${i}</td><td>1 000</td></tr></table>`
        : "");
    parts.push(section);
    size += encoder.encode(section).length;
  }
  parts.push("</body></html>");
  return encoder.encode(parts.join(""));
}

/**
 * A DOCX whose XML is as heavy as a much-edited Word file's: paragraphs of 40 one-word runs, each
 * with its own formatting (Word splits runs at every revision and format change), until
 * word/document.xml reaches about `xmlBytes`.
 */
async function formattedDocx(xmlBytes: number): Promise<Uint8Array> {
  const children: Paragraph[] = [];
  // About 280 bytes of XML per word, measured on this generator's output.
  for (let n = 0; n < xmlBytes / 280; n += 40) {
    children.push(
      new Paragraph({
        children: Array.from({ length: 40 }, (_, i) =>
          new TextRun({
            text: `mot${n + i} `,
            bold: i % 3 === 0,
            italics: i % 5 === 0,
            font: "Calibri",
            size: 22,
            color: "333333",
          })),
      }),
    );
  }
  return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children }] })));
}

/** The files measured: the two headline ones, then one at each limit. */
async function files(): Promise<
  { name: string; file: string; pages: number; runs: number; bytes: Uint8Array }[]
> {
  const runs = Number(args.runs);
  const few = Math.min(runs, 3);
  // A 300-page PDF under the character limit: half-filled pages (about 1,500 characters each).
  const sparse = (page: number) =>
    Array.from({ length: 6 }, (_, i) => sentence(page * 6 + i)).flatMap((s) => [s.slice(0, 70), s.slice(70)]);
  return [
    { name: "text PDF, 50 pages", file: "text-50.pdf", pages: 50, runs, bytes: await textPdf(50) },
    { name: "DOCX, 30 pages", file: "text-30.docx", pages: 30, runs, bytes: await textDocx(30) },
    {
      name: `text PDF at the page limit (${EXTRACT_LIMITS.maxPages} half-filled pages)`,
      file: "pages-limit.pdf",
      pages: EXTRACT_LIMITS.maxPages,
      runs: few,
      bytes: await textPdf(EXTRACT_LIMITS.maxPages, { body: sparse }),
    },
    {
      name: "DOCX near the character limit (165 pages)",
      file: "chars-limit.docx",
      pages: 165,
      runs: few,
      bytes: await textDocx(165),
    },
    {
      name: "DOCX near the unzipped XML limit (heavily formatted runs)",
      file: "xml-limit.docx",
      pages: 0,
      runs: few,
      bytes: await formattedDocx(EXTRACT_LIMITS.maxUnzippedBytes - 64 * 1024),
    },
    {
      name: "HTML near the byte limit for text formats (a site builder's markup)",
      file: "bytes-limit.html",
      pages: 0,
      runs: few,
      bytes: htmlPage(EXTRACT_LIMITS.maxTextBytes - 1024),
    },
    {
      name: "PDF near the byte limit (10 text pages and a 19 MB image)",
      file: "bytes-limit.pdf",
      pages: 10,
      runs: few,
      bytes: await pdfWithImage(10, EXTRACT_LIMITS.maxBytes - 1024 * 1024),
    },
    // A real PDF, when the machine has it (Debian's libtasn1-doc): TeX's fonts and layout cost
    // more per page than the generated files.
    ...(await Deno.stat(REAL_PDF).then(() => true, () => false)
      ? [{
        name: "a real PDF (GNU Libtasn1 manual, TeX)",
        file: "libtasn1.pdf",
        pages: 36,
        runs: few,
        bytes: await Deno.readFile(REAL_PDF),
      }]
      : []),
  ];
}

const REAL_PDF = "/usr/share/doc/libtasn1-doc/libtasn1.pdf";

const loadAtStart = Deno.loadavg().map(round);
const dir = await Deno.makeTempDir({ prefix: "comptoir-bench-extract-" });
const results = [];
try {
  for (const fixture of await files()) {
    const path = join(dir, fixture.file);
    await Deno.writeFile(path, fixture.bytes);
    const runs: Run[] = [];
    for (let i = 0; i < fixture.runs; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", import.meta.filename!, "--child", path, "--warm", args.warm!],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      if (!out.success) {
        throw new Error(`extract bench: ${fixture.file} failed: ${new TextDecoder().decode(out.stderr)}`);
      }
      runs.push(JSON.parse(stdout.trim().split("\n").at(-1)!));
    }
    const coldCpu = summary(runs.map((r) => r.cold_cpu_ms));
    const coldWall = summary(runs.map((r) => r.cold_wall_ms));
    const warmCpu = summary(runs.flatMap((r) => r.warm_cpu_ms));
    const warmWall = summary(runs.flatMap((r) => r.warm_wall_ms));
    const peak = Math.max(...runs.map((r) => r.peak_rss_growth_mb));
    const row = {
      case: fixture.name,
      bytes: fixture.bytes.length,
      pages: fixture.pages || undefined,
      chars: runs[0].chars,
      chunks: runs[0].chunks,
      processes: runs.length,
      cold_cpu_ms: coldCpu,
      cold_wall_ms: coldWall,
      warm_cpu_ms: warmCpu,
      warm_wall_ms: warmWall,
      pages_per_s: fixture.pages
        ? {
          cold: Math.round(fixture.pages / (coldWall.p50 / 1000)),
          warm: Math.round(fixture.pages / (warmWall.p50 / 1000)),
        }
        : undefined,
      chunk_cpu_ms: summary(runs.map((r) => r.chunk_cpu_ms)).p50,
      peak_rss_growth_mb: { p50: summary(runs.map((r) => r.peak_rss_growth_mb)).p50, max: peak },
      heap_used_mb: summary(runs.map((r) => r.heap_used_mb)).p50,
      base_rss_mb: summary(runs.map((r) => r.base_rss_mb)).p50,
      within_budget: coldCpu.max <= BUDGET.cpu_ms &&
        runs.every((r) => r.base_rss_mb + r.peak_rss_growth_mb <= BUDGET.memory_mb),
    };
    results.push(row);
    console.error(
      `[bench extract] ${row.case}: cold CPU p50 ${coldCpu.p50} / p95 ${coldCpu.p95} ms, warm CPU p50 ${warmCpu.p50} / ` +
        `p95 ${warmCpu.p95} ms, warm wall p50 ${warmWall.p50} ms` +
        (row.pages_per_s ? `, ${row.pages_per_s.warm} pages/s warm (${row.pages_per_s.cold} cold)` : "") +
        `, peak RSS +${peak} MB over ${row.base_rss_mb} MB`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

const report = {
  benchmark: "extract",
  date: new Date().toISOString(),
  setup: {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cores: navigator.hardwareConcurrency,
    processes_per_case: Number(args.runs),
    warm_extractions_per_process: Number(args.warm),
    budget: BUDGET,
    // Other work on the machine inflates CPU figures: the load when the bench started.
    load_average: loadAtStart,
    limits: EXTRACT_LIMITS,
    note:
      "one fresh process per run: its first extraction loads the library (cold), the next ones are warm. " +
      "CPU = process user + system time (V8 helper threads included). Peak RSS growth = VmHWM over the " +
      "process before the first extraction (the file already read). Generated files: about 3,000 characters a page.",
  },
  cases: results,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");
console.error(`[bench extract] written to ${args.out}`);
