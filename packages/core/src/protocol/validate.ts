/**
 * Validation of what application code puts into protocol lines. Anything that
 * passes can be written as one token of one line: no whitespace, CR, LF or
 * other control characters, so no input can inject a protocol line.
 */

import { InvalidArgumentError } from "../errors.js";

const DOT = 0x2e;
const STAR = 0x2a;
const GT = 0x3e;

/**
 * A UTF-16 unit that is half of a surrogate pair with its other half missing:
 * it would be sent as U+FFFD, a different subject than the one given.
 */
function isLoneSurrogate(s: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdfff) return false;
  if (c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
  return !(prev >= 0xd800 && prev <= 0xdbff);
}

function isControlOrSpace(c: number): boolean {
  // C0 controls and space (CR, LF, tab among them), and DEL
  return c <= 0x20 || c === 0x7f;
}

/**
 * Checks a subject. `wildcards` allows `*` tokens and a final `>` token
 * (subscriptions; publishes too, where they are literal tokens).
 * Returns why the subject is invalid, or null when it is valid.
 */
export function validateSubject(subject: string, wildcards: boolean): string | null {
  if (typeof subject !== "string") return "subject must be a string";
  const n = subject.length;
  if (n === 0) return "subject is empty";
  let tokenStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? subject.charCodeAt(i) : DOT;
    if (c === DOT) {
      const len = i - tokenStart;
      if (len === 0) return "subject has an empty token";
      if (len === 1) {
        const t = subject.charCodeAt(tokenStart);
        if (t === STAR || t === GT) {
          if (!wildcards) return "wildcards are not allowed here";
          if (t === GT && i !== n) return "'>' must be the last token";
        }
      }
      tokenStart = i + 1;
    } else if (isControlOrSpace(c)) {
      return "subject contains whitespace or a control character";
    } else if (c >= 0xd800 && c <= 0xdfff && isLoneSurrogate(subject, i, c)) {
      return "subject contains a lone UTF-16 surrogate";
    }
  }
  return null;
}

/** Checks a queue group name: non-empty, no whitespace or control characters. */
export function validateQueue(queue: string): string | null {
  if (typeof queue !== "string") return "queue must be a string";
  if (queue.length === 0) return "queue is empty";
  for (let i = 0; i < queue.length; i++) {
    const c = queue.charCodeAt(i);
    if (isControlOrSpace(c)) {
      return "queue contains whitespace or a control character";
    }
    if (c >= 0xd800 && c <= 0xdfff && isLoneSurrogate(queue, i, c)) {
      return "queue contains a lone UTF-16 surrogate";
    }
  }
  return null;
}

/**
 * The largest message count nats-server reads in `UNSUB <sid> <max>`: it
 * parses at most 9 digits, and a longer number unsubscribes at once
 * (server/util.go `parseSize`), which would end the subscription silently.
 */
export const MAX_UNSUB_COUNT = 999_999_999;

/** Checks an auto-unsubscribe count: an integer from 0 to MAX_UNSUB_COUNT. Returns why not, or null. */
export function validateMaxMessages(max: unknown): string | null {
  if (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > MAX_UNSUB_COUNT) {
    return `must be an integer from 0 to ${MAX_UNSUB_COUNT}`;
  }
  return null;
}

/** Throws unless `prefix` can start an inbox subject: a subject without wildcards. */
export function checkInboxPrefix(prefix: string): void {
  if (typeof prefix !== "string") throw InvalidArgumentError.format("inboxPrefix", "must be a string");
  if (validateSubject(prefix, false) !== null) {
    throw InvalidArgumentError.format("prefix", `'${prefix}' is not a valid inbox prefix: it must be a subject without wildcards`);
  }
}
