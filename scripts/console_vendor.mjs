// The operator console's two libraries, copied from node_modules into console/vendor/ so that the
// console/ folder is a static site as it stands (no build step, no CDN): supabase-js's browser
// build and Chart.js's UMD build, both pinned in package.json. scripts/local/install.sh runs it
// on every `npm start` and `npm test`; run it by hand before copying console/ to a static host.
//
//   node scripts/console_vendor.mjs
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** What the page loads (console/index.html) ← where npm puts it. */
const FILES = {
  "supabase.js": "node_modules/@supabase/supabase-js/dist/umd/supabase.js",
  "chart.umd.min.js": "node_modules/chart.js/dist/chart.umd.min.js",
};

const vendor = join(ROOT, "console/vendor");
mkdirSync(vendor, { recursive: true });
for (const [name, from] of Object.entries(FILES)) {
  try {
    copyFileSync(join(ROOT, from), join(vendor, name));
  } catch (error) {
    throw new Error(`console_vendor: ${from} is missing (run npm ci first): ${error.message}`);
  }
}
