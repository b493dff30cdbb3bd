/**
 * What a user would see printed: the console output of some code, and every
 * way an error might end up in a log. Secrets tests search both.
 */
import { format, inspect } from "node:util";

const CONSOLE_METHODS = ["info", "log", "debug", "warn", "error", "trace"] as const;

/** Replaces the console methods while `fn` runs; returns the lines printed with console.info, and all of them. */
export async function captureConsole(fn: () => Promise<void>): Promise<{ info: string[]; all: string[] }> {
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  const info: string[] = [];
  const all: string[] = [];
  for (const m of CONSOLE_METHODS) {
    console[m] = (...args: unknown[]) => {
      const line = format(...args);
      all.push(line);
      if (m === "info") info.push(line);
    };
  }
  try {
    await fn();
  } finally {
    CONSOLE_METHODS.forEach((m, i) => {
      console[m] = saved[i];
    });
  }
  return { info, all };
}

/** Every rendering of an error a user might log. */
export function renderings(err: unknown): string[] {
  return [
    String(err),
    (err as Error)?.message ?? "",
    (err as Error)?.stack ?? "",
    JSON.stringify(err) ?? "",
    inspect(err, { depth: 5 }),
    inspect(err, { depth: 5, showHidden: true }),
  ];
}
