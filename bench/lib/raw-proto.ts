/**
 * The least protocol handling a NATS reader can do, for the raw-socket rows:
 * find each control line with indexOf(LF), read a MSG line's sid, reply and
 * size, and skip over the payload. Payload bytes are only looked at (and, when
 * a frame spans chunks, gathered) if the sink asks for them. No validation,
 * no headers: the benchmark server never sends HMSG to a raw connection.
 */

const LF = 0x0a;
const SPACE = 0x20;

export interface FrameSink {
  /** One MSG frame; `payload` is undefined unless the scanner was built with wantPayload. */
  onMsg(sid: number, reply: string | undefined, size: number, payload: Uint8Array | undefined): void;
  onPing(): void;
  onPong(): void;
  onInfo(): void;
  onErr(line: string): void;
}

export class FrameScanner {
  /** An unfinished control line, copied out of its chunk. */
  private line: Buffer | undefined;
  /** Payload bytes plus CRLF still to come for the current frame. */
  private need = 0;
  private pieces: Buffer[] = [];
  private sid = 0;
  private reply: string | undefined;
  private size = 0;

  /** Set once a sink needs payload bytes (a responder); counting readers leave it off. */
  constructor(private readonly sink: FrameSink, public wantPayload: boolean) {}

  feed(chunk: Buffer): void {
    const len = chunk.length;
    let i = 0;
    if (this.line) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.line = Buffer.concat([this.line, chunk]);
        return;
      }
      const whole = Buffer.concat([this.line, chunk.subarray(0, lf + 1)]);
      this.line = undefined;
      this.control(whole, 0, whole.length - 2);
      i = lf + 1;
    }
    while (i < len) {
      if (this.need > 0) {
        const take = Math.min(this.need, len - i);
        if (this.wantPayload) this.pieces.push(chunk.subarray(i, i + take));
        this.need -= take;
        i += take;
        if (this.need === 0) this.deliverPieces();
        continue;
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        this.line = Buffer.from(chunk.subarray(i));
        return;
      }
      const isMsg = this.control(chunk, i, lf - 1);
      i = lf + 1;
      // fast path: the whole payload is in this chunk
      if (isMsg && i + this.need <= len) {
        const payload = this.wantPayload ? chunk.subarray(i, i + this.size) : undefined;
        i += this.need;
        this.need = 0;
        this.sink.onMsg(this.sid, this.reply, this.size, payload);
      }
    }
  }

  private deliverPieces(): void {
    let payload: Uint8Array | undefined;
    if (this.wantPayload) {
      payload = Buffer.concat(this.pieces).subarray(0, this.size);
      this.pieces = [];
    }
    this.sink.onMsg(this.sid, this.reply, this.size, payload);
  }

  /** Handles the control line `b[s..e)` (CR excluded); returns true for MSG. */
  private control(b: Buffer, s: number, e: number): boolean {
    switch (b[s]) {
      case 0x4d: // MSG <subject> <sid> [reply] <size>
        this.msgArgs(b, s + 4, e);
        this.need = this.size + 2;
        return true;
      case 0x50: // PING / PONG
        if (b[s + 1] === 0x49) this.sink.onPing();
        else this.sink.onPong();
        return false;
      case 0x49: // INFO
        this.sink.onInfo();
        return false;
      case 0x2b: // +OK
        return false;
      default:
        this.sink.onErr(b.toString("latin1", s, e));
        return false;
    }
  }

  private msgArgs(b: Buffer, s: number, e: number): void {
    // token boundaries: subject, sid, then reply and size or just size
    const starts: number[] = [];
    const ends: number[] = [];
    let k = s;
    while (k < e && starts.length < 4) {
      while (k < e && b[k] === SPACE) k++;
      if (k >= e) break;
      starts.push(k);
      while (k < e && b[k] !== SPACE) k++;
      ends.push(k);
    }
    this.sid = digits(b, starts[1], ends[1]);
    const last = starts.length - 1;
    this.size = digits(b, starts[last], ends[last]);
    this.reply = last === 3 && this.wantPayload ? b.toString("latin1", starts[2], ends[2]) : undefined;
  }
}

function digits(b: Buffer, s: number, e: number): number {
  let v = 0;
  for (let k = s; k < e; k++) v = v * 10 + (b[k] - 0x30);
  return v;
}

/** `PUB subject [reply] size\r\n<payload>\r\n` as one buffer. */
export function pubFrame(subject: string, reply: string | undefined, payload: Uint8Array): Buffer {
  const head = `PUB ${subject} ${reply ? reply + " " : ""}${payload.length}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload, CRLF]);
}

export const CRLF = Buffer.from("\r\n");
export const PING = Buffer.from("PING\r\n");
export const PONG = Buffer.from("PONG\r\n");
export const CONNECT = Buffer.from(
  `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, headers: false, name: "bench-raw", lang: "raw", version: "0" })}\r\n`,
);
