/**
 * NUID: 22-character unique ids (12 random characters, then a 10-character
 * sequence that advances by a random step), as used by every NATS client for
 * inboxes. Each instance owns its state; `nuid` is the shared instance the
 * official API exports.
 */

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = 62;
const PREFIX_LEN = 12;
const MAX_SEQ = 839299365868340224; // 62^10
const HALF = 916132832; // 62^5
const CODES = Array.from(DIGITS, (c) => c.charCodeAt(0));
const MIN_INC = 33;
const MAX_INC = 333;

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

export class Nuid {
  private prefix = "";
  private seq = 0;
  private inc = 0;
  /** the sequence's character codes, reused */
  private readonly digits: number[] = new Array<number>(10).fill(0);

  constructor() {
    this.reset();
  }

  /** A new random prefix and sequence. */
  reset(): void {
    this.randomizePrefix();
    this.initSequence();
  }

  /** The next id. */
  next(): string {
    this.seq += this.inc;
    if (this.seq >= MAX_SEQ) {
      this.randomizePrefix();
      this.initSequence();
    }
    // the sequence is above 2^31, where `%` is a floating-point call: split it
    // into two 5-digit halves below 2^30, whose digits are integer arithmetic,
    // and make the string at once (prepending digit by digit builds a rope)
    const n = this.seq;
    let hi = Math.floor(n / HALF);
    let lo = n - hi * HALF;
    if (lo < 0) {
      hi--;
      lo += HALF;
    } else if (lo >= HALF) {
      hi++;
      lo -= HALF;
    }
    const d = this.digits;
    for (let i = 9; i > 4; i--) {
      const l = lo % BASE;
      const h = hi % BASE;
      d[i] = CODES[l];
      d[i - 5] = CODES[h];
      lo = (lo - l) / BASE;
      hi = (hi - h) / BASE;
    }
    return this.prefix + String.fromCharCode(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9]);
  }

  private randomizePrefix(): void {
    const b = randomBytes(PREFIX_LEN);
    let p = "";
    for (let i = 0; i < PREFIX_LEN; i++) p += DIGITS[b[i] % BASE];
    this.prefix = p;
  }

  private initSequence(): void {
    const b = randomBytes(8);
    // 48 random bits are plenty to start somewhere in [0, 62^10)
    let r = 0;
    for (let i = 0; i < 6; i++) r = r * 256 + b[i];
    this.seq = r % MAX_SEQ;
    this.inc = MIN_INC + ((b[6] * 256 + b[7]) % (MAX_INC - MIN_INC));
  }
}

/** The shared generator. */
export const nuid: Nuid = new Nuid();
