/**
 * NUID: 22-character unique ids (12 random characters, then a 10-character
 * sequence that advances by a random step), as used by every NATS client for
 * inboxes. Each instance owns its state; `nuid` is the shared instance the
 * official API exports.
 */

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = 62;
const PREFIX_LEN = 12;
const SEQ_LEN = 10;
const MAX_SEQ = 839299365868340224; // 62^10
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
    let s = "";
    let n = this.seq;
    for (let i = 0; i < SEQ_LEN; i++) {
      s = DIGITS[n % BASE] + s;
      n = Math.floor(n / BASE);
    }
    return this.prefix + s;
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
