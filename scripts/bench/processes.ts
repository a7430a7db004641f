/** Child processes of the benchmarks: the first line a child prints (its address, its environment). */
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
