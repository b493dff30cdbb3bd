/**
 * The raw-socket rows: what the machine allows with no client logic. The
 * publisher writes prebuilt PUB frames (one 64 KiB buffer holding as many
 * copies of the frame as fit, built once per subject/payload) and honours
 * backpressure: once write() returns false, publish() returns false until
 * 'drain'. The reader (lib/raw-proto.ts) finds control lines and skips
 * payloads. Requests
 * are matched to replies in order (one responder answers in order), with no
 * timers; the async iterator is the least one can write (a queue of sizes).
 * Messages handed to scenarios are just their payload sizes.
 */
import net from "node:net";
import { randomBytes } from "node:crypto";
import { CONNECT, CRLF, FrameScanner, PING, PONG, pubFrame, type FrameSink } from "../lib/raw-proto.js";
import { TimedOut } from "../lib/ipc.js";
import type { BenchConn } from "./types.js";

const BATCH_BYTES = 64 * 1024;
const HANDSHAKE_TIMEOUT_MS = 5_000;

type MsgHandler = (size: number, payload: Uint8Array | undefined, reply: string | undefined) => void;

class RawConn implements BenchConn, FrameSink {
  private readonly scanner: FrameScanner;
  private error: Error | undefined;
  private infoSeen: (() => void) | undefined;
  private handshakeFailed: ((err: Error) => void) | undefined;
  private readonly pongs: ((err?: Error) => void)[] = [];
  // publishing: the current prebuilt frame, a batch of copies, how many are due
  private fSubject = "";
  private fReply: string | undefined;
  private fData: Uint8Array | undefined;
  private frameLen = 0;
  private perBatch = 0;
  private batch = Buffer.alloc(0);
  private pending = 0;
  private flushScheduled = false;
  private blocked = false;
  private drainWaiters: (() => void)[] = [];
  // receiving
  private readonly subs = new Map<number, MsgHandler>();
  private nextSid = 1;
  private inbox: string | undefined;
  private requests: ((size: number) => void)[] = [];
  private reqHead = 0;
  private replies: Buffer[] = [];

  constructor(private readonly sock: net.Socket) {
    this.scanner = new FrameScanner(this, false);
    sock.on("data", (chunk: Buffer) => this.scanner.feed(chunk));
    sock.on("drain", () => {
      this.blocked = false;
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    });
    sock.on("error", (err) => this.fail(err));
    sock.on("close", () => this.fail(new Error("raw socket closed")));
  }

  handshake(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimedOut("raw handshake timed out")), HANDSHAKE_TIMEOUT_MS);
      this.handshakeFailed = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      this.infoSeen = () => {
        this.handshakeFailed = undefined;
        this.sock.write(CONNECT);
        this.flush().then(resolve, reject).finally(() => clearTimeout(timer));
      };
    });
  }

  // ---- FrameSink ----
  onMsg(sid: number, reply: string | undefined, size: number, payload: Uint8Array | undefined): void {
    this.subs.get(sid)?.(size, payload, reply);
  }
  onPing(): void {
    this.sock.write(PONG);
  }
  onPong(): void {
    this.pongs.shift()?.();
  }
  onInfo(): void {
    const seen = this.infoSeen;
    this.infoSeen = undefined;
    seen?.();
  }
  onErr(line: string): void {
    this.fail(new Error(`server: ${line}`));
    this.sock.destroy();
  }

  // ---- BenchConn ----
  publish(subject: string, data: Uint8Array): boolean {
    this.queue(subject, undefined, data);
    return !this.blocked;
  }
  ready(): Promise<void> {
    if (!this.blocked) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
  flush(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    this.writePending();
    return new Promise((resolve, reject) => {
      this.pongs.push((err) => (err ? reject(err) : resolve()));
      this.write(PING);
    });
  }
  subscribe(subject: string, onMsg: (msg: unknown) => void): void {
    this.sub(subject, (size) => onMsg(size));
  }
  subscribeIdle(): void {
    throw new Error("raw: no idle subscriptions (nothing to measure without a client)");
  }
  iterate(subject: string): AsyncIterable<unknown> {
    const it = new SizeIterator(() => this.write(Buffer.from(`UNSUB ${sid}\r\n`)));
    const sid = this.sub(subject, (size) => it.push(size));
    return it;
  }
  sizeOf(msg: unknown): number {
    return msg as number;
  }
  request(subject: string, data: Uint8Array): Promise<unknown> {
    if (!this.inbox) {
      this.inbox = `_INBOX.raw.${randomBytes(6).toString("hex")}`;
      this.sub(this.inbox, (size) => this.onReply(size));
    }
    return new Promise((resolve) => {
      this.requests.push(resolve);
      this.queue(subject, this.inbox, data);
    });
  }
  serveEcho(subject: string): void {
    this.scanner.wantPayload = true;
    this.sub(subject, (size, payload, reply) => {
      if (!reply || !payload) return;
      if (this.replies.length === 0) queueMicrotask(() => this.writeReplies());
      this.replies.push(Buffer.from(`PUB ${reply} ${size}\r\n`, "latin1"), Buffer.from(payload), CRLF);
    });
  }
  async close(): Promise<void> {
    this.writePending();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      this.sock.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.sock.end();
    });
    this.sock.destroy();
  }

  // ---- internals ----
  private sub(subject: string, handler: MsgHandler): number {
    const sid = this.nextSid++;
    this.subs.set(sid, handler);
    this.writePending();
    this.write(Buffer.from(`SUB ${subject} ${sid}\r\n`));
    return sid;
  }

  private onReply(size: number): void {
    if (this.reqHead === this.requests.length) return; // nothing outstanding (a second responder?)
    const resolve = this.requests[this.reqHead++];
    if (this.reqHead === this.requests.length) {
      this.requests = [];
      this.reqHead = 0;
    }
    resolve(size);
  }

  /** Counts one more copy of the frame for (subject, reply, data); writes a batch once full. */
  private queue(subject: string, reply: string | undefined, data: Uint8Array): void {
    if (data !== this.fData || subject !== this.fSubject || reply !== this.fReply) this.prebuild(subject, reply, data);
    if (++this.pending === this.perBatch) {
      this.writePending();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.writePending();
      });
    }
  }

  private prebuild(subject: string, reply: string | undefined, data: Uint8Array): void {
    this.writePending();
    const frame = pubFrame(subject, reply, data);
    this.fSubject = subject;
    this.fReply = reply;
    this.fData = data;
    this.frameLen = frame.length;
    this.perBatch = Math.max(1, Math.floor(BATCH_BYTES / frame.length));
    this.batch = Buffer.concat(new Array<Buffer>(this.perBatch).fill(frame));
  }

  private writePending(): void {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    // the batch is never modified, so the socket may hold on to it (or a view of it)
    this.write(n === this.perBatch ? this.batch : this.batch.subarray(0, n * this.frameLen));
  }

  private writeReplies(): void {
    const out = Buffer.concat(this.replies);
    this.replies = [];
    this.write(out);
  }

  private write(buf: Uint8Array): void {
    if (!this.sock.write(buf)) this.blocked = true;
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.handshakeFailed?.(this.error);
    this.handshakeFailed = undefined;
    for (const p of this.pongs.splice(0)) p(this.error);
  }
}

/** The least an async iterator of messages can do: a queue of payload sizes. */
class SizeIterator implements AsyncIterableIterator<number> {
  private queue: number[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<number>) => void) | undefined;
  private done = false;

  constructor(private readonly onReturn: () => void) {}

  push(size: number): void {
    if (this.done) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value: size, done: false });
    } else {
      this.queue.push(size);
    }
  }
  next(): Promise<IteratorResult<number>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }
  return(): Promise<IteratorResult<number>> {
    this.done = true;
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<number> {
    return this;
  }
}

export async function connectRaw(url: string): Promise<BenchConn> {
  const u = new URL(url);
  const sock = net.connect({ host: u.hostname, port: Number(u.port) });
  sock.setNoDelay(true);
  const conn = new RawConn(sock);
  await conn.handshake();
  return conn;
}
