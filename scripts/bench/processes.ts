/**
 * What the benchmarks share about processes: the first line a child prints (its address, its
 * environment), the CPU a process or the Postgres cluster used (from /proc), latency summaries.
 */

/** The first line a child prints (its address, its environment). */
export async function readFirstLine(
  stream: ReadableStream<Uint8Array>,
  what = "a child process",
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`bench: ${what} exited before answering`);
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

/** utime + stime of a process (all its threads), in ms, from its own accounting (/proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (CLK_TCK 100)
  } catch {
    return 0; // exited
  }
}

/** The pids of `parent`'s children whose command line contains `needle`. */
export function childPids(parent: number, needle: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`).split(") ")[1].split(" ");
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (Number(stat[1]) === parent && cmdline.includes(needle)) pids.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * A function giving the CPU (ms) of every process of the cluster whose postmaster is `postmaster`:
 * the live ones, and those that exited (the postmaster's reaped children: cutime + cstime), so
 * that a backend ending inside a window (a pool's connection idle for 20 s) does not take what it
 * ever used out of that window's figure.
 */
export function postgresCpu(postmaster: number): () => number {
  return () => {
    let total = 0;
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`).split(") ")[1].split(" ");
        if (Number(entry.name) === postmaster) {
          total += (Number(stat[11]) + Number(stat[12]) + Number(stat[13]) + Number(stat[14])) * 10;
        } else if (Number(stat[1]) === postmaster) {
          total += (Number(stat[11]) + Number(stat[12])) * 10;
        }
      } catch { /* gone */ }
    }
    return total;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** One decimal. */
export const round = (x: number) => Math.round(x * 10) / 10;

/** p50 / p95 / p99 / max of latencies in ms. */
export function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1)!),
  };
}
