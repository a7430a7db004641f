// Runs a script as a user would (`node <file>` or an npm script) and records when its last
// output line came and when it exited, so a test can check that it ends once it is done.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const root = join(import.meta.dirname, "../..");
const NODE_20_NOTICE = /^⚠️ {2}Node\.js 20 and below are deprecated[^\n]*\n?/m;

/**
 * Resolves `{ code, stdout, stderr, lingered }` (`lingered`: ms between the last output and the
 * exit). `env` replaces the environment; `timeout` kills the script (code null) after that long.
 */
export function runScript(command, args, { env, timeout = 90_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let last = Date.now();
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      last = Date.now();
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      last = Date.now();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr.replace(NODE_20_NOTICE, ""), lingered: Date.now() - last });
    });
  });
}

/** The environment without the variables that would point a script at a stack. */
export function withoutTarget(extra = {}) {
  const env = { ...process.env };
  for (const name of ["SUPABASE_URL", "SUPABASE_DB_URL", "COMPTOIR_DATA_DIR", "COMPTOIR_INGEST_DB_URL"]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** How long a script may stay alive after its last line: generous, well under realtime-js's 10 s. */
export const EXIT_BOUND_MS = 5_000;
