/**
 * Bounded waits for tests. Every wait here ends: a hang fails the test at
 * once with a message naming what did not happen, instead of running into the
 * runner's 60 s per-file timeout (scripts/run-tests.mjs) with no clue.
 */
import assert from "node:assert/strict";

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How `within` gives up; `rejection` tells it from the promise's own rejection. */
class NotSettledError extends Error {
  override name = "NotSettledError";
}

/** `p`, or a rejection naming `what` if `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotSettledError(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` every `every` ms until it returns true; fails after `ms`,
 * naming `what` (a function is called then, so it can describe the state at
 * the end). Polling sooner only notices sooner, so the 10 ms default suits
 * almost every check; one that asks the server over HTTP may ask less often.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string | (() => string),
  every = 10,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`${typeof what === "function" ? what() : what}: not true within ${ms} ms`);
    await sleep(every);
  }
}

/**
 * The rejection reason of `p`; fails if `p` resolves or has not settled within
 * `ms`. A connection it resolves to instead is closed first, so the failure
 * leaves nothing open.
 */
// `any`: callers read the fields of the error class they expect (code, operation...)
export async function rejection(p: Promise<unknown>, ms = 5000): Promise<any> {
  let value: unknown;
  try {
    value = await within(p, ms, "promise");
  } catch (err) {
    if (err instanceof NotSettledError) throw err;
    return err;
  }
  const nc = value as { close?: () => Promise<void> } | null | undefined;
  if (typeof nc?.close === "function") await nc.close();
  assert.fail(`expected a rejection, got ${String(value)}`);
}
