/**
 * The length limit nats-server puts on the control lines a client sends.
 *
 * The server measures the arguments of a line: the bytes after `PUB `,
 * `HPUB ` or `SUB ` and before CRLF (subject, reply or queue, the sizes or
 * the sid, and the spaces between them). Past its `max_control_line` (4096
 * bytes unless configured; INFO does not announce it) it answers
 * `-ERR 'maximum control line exceeded'` and closes the connection, taking
 * everything queued behind the line with it (server/parser.go
 * `overMaxControlLineLimit`). So the client refuses such a line instead.
 */

/** nats-server's default `max_control_line`, in bytes. */
export const DEFAULT_MAX_CONTROL_LINE = 4096;

/** Decimal digits of a payload size or sid: at most 16 for any integer a Uint8Array length can be. */
const MAX_DIGITS = 16;

/**
 * How many UTF-16 units of subject and reply (or queue) always fit in a line
 * of `max` bytes, whatever the characters and numbers: up to 3 bytes a unit,
 * 3 spaces, 2 numbers. Below it, a publish needs no exact count: one comparison.
 */
export function unitsThatAlwaysFit(max: number): number {
  return Math.floor((max - 3 - 2 * MAX_DIGITS) / 3);
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/**
 * The UTF-8 length of `s`, without encoding it. A lone surrogate counts as
 * the 3 bytes of the U+FFFD that TextEncoder writes for it.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    } else n += 3;
  }
  return n;
}

/** Bytes of the arguments of `PUB subject [reply] size` or `HPUB subject [reply] hdrLen size`. */
export function pubArgsLength(
  subject: string,
  reply: string | undefined,
  hdrLen: number | undefined,
  size: number,
): number {
  let n = utf8Length(subject) + 1 + digits(size);
  if (reply) n += utf8Length(reply) + 1;
  if (hdrLen !== undefined) n += digits(hdrLen) + 1;
  return n;
}

/** Bytes of the arguments of `SUB subject [queue] sid`. */
export function subArgsLength(subject: string, queue: string | undefined, sid: number): number {
  let n = utf8Length(subject) + 1 + digits(sid);
  if (queue) n += utf8Length(queue) + 1;
  return n;
}
