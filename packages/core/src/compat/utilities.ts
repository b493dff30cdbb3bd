/**
 * The small helpers @nats-io/transport-node exports beside the client (it
 * re-exports all of nats-core's `internal` entry), so a program that imports
 * one of them from there still loads after switching its import line. Same
 * names and behaviour, our own code; the official ones are the reference in
 * packages/core/test/compat.test.ts.
 */
import type { QueuedIterator } from "../types.js";

export { DEFAULT_MAX_RECONNECT_ATTEMPTS } from "../connection/options.js";
export { timeout } from "../timers.js";

/** A shared UTF-8 decoder, as nats-core's `TD`. */
export const TD: TextDecoder = new TextDecoder();
/** A shared UTF-8 encoder, as nats-core's `TE`. */
export const TE: TextEncoder = new TextEncoder();

/** An INFO line, with its JSON in the first group. */
export const INFO = /^INFO\s+([^\r\n]+)\r\n/i;

/** Copies the own enumerable properties of each of `sources` onto `target`, in order; returns `target`. */
export function extend<T extends object>(target: T, ...sources: object[]): T {
  return Object.assign(target, ...sources);
}

/** `frame` as text with CR and LF shown as ␍ and ␊, for logs. */
export function render(frame: Uint8Array): string {
  return TD.decode(frame).replaceAll("\n", "␊").replaceAll("\r", "␍");
}

/** Every value `iter` yields, once it ends. */
export async function collect<T>(iter: QueuedIterator<T> | AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const v of iter as AsyncIterable<T>) all.push(v);
  return all;
}

/** At most `max` holders at a time; `lock()` resolves when it is the caller's turn, `unlock()` lets the next in. */
export class SimpleMutex {
  max: number;
  current = 0;
  waiting: Array<() => void> = [];

  constructor(max = 1) {
    this.max = max;
  }

  lock(): Promise<void> {
    this.current++;
    if (this.current <= this.max) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Waiters are let in first come, first served (nats-core's lets the latest in first). */
  unlock(): void {
    this.current--;
    this.waiting.shift()?.();
  }
}

/** The length of the first protocol line of `bytes`, CRLF included, or 0 when it has no CRLF. */
export function protoLen(bytes: Uint8Array): number {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) return i + 2;
  }
  return 0;
}

/** The first protocol line of `bytes`, CRLF included, or "" when it has no CRLF. */
export function extractProtocolMessage(bytes: Uint8Array): string {
  const n = protoLen(bytes);
  return n > 0 ? TD.decode(bytes.subarray(0, n)) : "";
}
