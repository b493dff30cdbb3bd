/** Standard streams and signals, shared by the commands. */

export function out(data: string | Uint8Array): void {
  process.stdout.write(data);
}

/** Progress and log lines go to stderr, so stdout holds only the data. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Everything on stdin, as bytes. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/**
 * A message body: the argument if given, else stdin when it is not a
 * terminal (a pipe or a file), else empty.
 */
export async function bodyFrom(arg: string | undefined): Promise<Buffer> {
  if (arg !== undefined) return Buffer.from(arg, "utf8");
  if (process.stdin.isTTY) return Buffer.alloc(0);
  return readStdin();
}

/**
 * Calls `fn` on the first SIGINT or SIGTERM (Ctrl-C: drain and exit 0); a
 * second signal exits at once with 130. Returns the function that removes the
 * handlers.
 */
export function onInterrupt(fn: () => void): () => void {
  let seen = 0;
  const handler = (): void => {
    seen++;
    if (seen > 1) process.exit(130);
    fn();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
