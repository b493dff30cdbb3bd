// The outbound writer with a fake transport: batching, the queue of full
// buffers while the transport drains, PING waiters in order, batches a dead
// transport never sent going first on the next one (from a frame boundary),
// close; synchronous writes (tryWrite); write buffers on regions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClosedConnectionError } from "../src/errors.js";
import { FLUSH_THRESHOLD, WRITE_AHEAD, Writer, type WriterOwner } from "../src/connection/writer.js";
import type { DialTarget, Transport, TransportListener } from "../src/transport/transport.js";
import { BufferRegion, KEEP_BELOW, KeepBudget, REGION_SIZE } from "../src/transport/buffer-region.js";

const td = new TextDecoder();
const microtask = (): Promise<void> => new Promise((r) => queueMicrotask(r));

interface Write {
  /** the bytes as the transport will send them (copied when taken, as a kernel would) */
  bytes: Uint8Array | undefined;
  held: Uint8Array;
  written?: (unsent?: boolean) => void;
}

/**
 * A transport that either takes every write at once (an idle socket) or
 * holds writes until the test completes them; it copies bytes only when it
 * takes them, so a writer that reused a buffer the transport still holds
 * would be caught.
 */
class FakeTransport implements Transport {
  readonly lang = "fake";
  readonly version = "0";
  readonly reportsWritten: boolean;
  /** as Node's writableNeedDrain: set when a write() returned false, cleared once the held writes are done */
  needsDrain = false;
  takesAtOnce: boolean;
  /** writes held, oldest first */
  readonly held: Write[] = [];
  /** every byte taken, in order */
  readonly sent: Uint8Array[] = [];
  writeCalls = 0;
  /** `written` calls come a microtask after the bytes leave (as Node's do for a write the kernel took at once) */
  readonly lateWritten: boolean;

  constructor(opts: { takesAtOnce?: boolean; reportsWritten?: boolean; lateWritten?: boolean } = {}) {
    this.takesAtOnce = opts.takesAtOnce ?? true;
    this.reportsWritten = opts.reportsWritten ?? true;
    this.lateWritten = opts.lateWritten ?? false;
  }

  connect(_t: DialTarget, _l: TransportListener): Promise<void> {
    return Promise.resolve();
  }

  write(bytes: Uint8Array, written?: (unsent?: boolean) => void): boolean {
    this.writeCalls++;
    if (this.takesAtOnce) {
      this.sent.push(bytes.slice());
      if (written) queueMicrotask(() => written());
      return true;
    }
    this.held.push({ bytes: undefined, held: bytes, written });
    if (this.pendingBytes < 16 * 1024) return true;
    this.needsDrain = true;
    return false;
  }

  get pendingBytes(): number {
    let n = 0;
    for (const w of this.held) n += w.held.length;
    return n;
  }

  /** The oldest `n` held writes leave the process. */
  complete(n = this.held.length): void {
    for (const w of this.held.splice(0, n)) {
      this.sent.push(w.held.slice());
      const written = w.written;
      if (written && this.lateWritten) queueMicrotask(() => written());
      else written?.();
    }
    if (this.held.length === 0) this.needsDrain = false;
  }

  /** The connection dies: the first `sentFirst` held writes were sent, the rest never left. */
  die(sentFirst = 0): void {
    this.complete(sentFirst);
    for (const w of this.held.splice(0)) w.written?.(true);
  }

  isEncrypted(): boolean {
    return false;
  }
  close(): void {}
  destroy(): void {}

  text(): string {
    return this.sent.map((b) => td.decode(b)).join("");
  }
}

/**
 * A plain TCP socket as Node's transport drives it: write() holds (the
 * stream's queue) while tryWrite() hands the system what its buffer takes
 * at once, `room` bytes, which the test gives as a server reading in
 * parallel would. tryWrite with writes held would reorder the bytes.
 */
class SyncFakeTransport extends FakeTransport {
  room = 0;
  tryWrites = 0;

  constructor() {
    super({ takesAtOnce: false });
  }

  tryWrite(bytes: Uint8Array): number {
    assert.equal(this.pendingBytes, 0, "tryWrite() while write()s are held");
    this.tryWrites++;
    const n = Math.min(this.room, bytes.length);
    if (n > 0) this.sent.push(bytes.slice(0, n));
    this.room -= n;
    return n;
  }
}

const owner: WriterOwner = { onStall() {}, onStallTimeout() {} };

function connected(t: FakeTransport): Writer {
  const w = new Writer(owner, 20_000);
  w.attach(t);
  return w;
}

/** A writer on `t` whose buffers come from regions (as on Node), kept within `budget` (the process's by default). */
function onRegions(t: FakeTransport, budget?: KeepBudget): Writer {
  const w = new Writer(owner, 20_000, undefined, (n) => new BufferRegion(n, budget));
  w.attach(t);
  return w;
}

/** A payload whose bytes all equal `seq % 251` and whose first 4 bytes are `seq`. */
function numbered(seq: number, size: number): Uint8Array {
  const b = new Uint8Array(size).fill(seq % 251);
  new DataView(b.buffer).setUint32(0, seq);
  return b;
}

/** Publishes frames numbered 0 to `count` - 1 of `size` bytes on `subject`, each scheduled as publish() does. */
function publishNumbered(w: Writer, subject: string, count: number, size: number): void {
  for (let i = 0; i < count; i++) {
    w.out.pub(subject, undefined, undefined, numbered(i, size));
    w.schedule();
  }
}

/** Splits a client byte stream into PUB frames (strictly); returns their sequence numbers, PINGs as -1. */
function frames(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const lf = bytes.indexOf(10, i);
    assert.ok(lf > i && bytes[lf - 1] === 13, `a control line at ${i}`);
    const line = td.decode(bytes.subarray(i, lf - 1));
    i = lf + 1;
    if (line === "PING") {
      out.push(-1);
      continue;
    }
    const m = /^PUB (\S+) (\d+)$/.exec(line);
    assert.ok(m, `a PUB line at ${i}: ${JSON.stringify(line.slice(0, 60))}`);
    const size = Number(m[2]);
    const data = bytes.subarray(i, i + size);
    const seq = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
    for (let k = 4; k < size; k++) assert.equal(data[k], seq % 251, `payload of ${seq} intact`);
    assert.equal(bytes[i + size], 13);
    assert.equal(bytes[i + size + 1], 10);
    i += size + 2;
    out.push(seq);
  }
  return out;
}

function joined(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const all = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

/** Drain events until the writer has handed everything over, then the transport sends the rest. */
function drainAll(t: FakeTransport, w: Writer): void {
  for (let k = 0; k < 100 && w.outboundBytes() > 0; k++) {
    t.complete();
    w.checkReady(0);
  }
  t.complete();
}

/** Publishes `count` numbered 20 KB frames from `from`; returns the regions of the buffers handed over meanwhile (the first write, to an idle transport, aside). */
function burstRegions(t: FakeTransport, w: Writer, subject: string, from: number, count: number): ArrayBufferLike[] {
  const before = t.held.length;
  for (let i = from; i < from + count; i++) {
    w.out.pub(subject, undefined, undefined, numbered(i, 20_000));
    w.schedule();
  }
  return t.held.slice(Math.max(before, 1)).map((h) => h.held.buffer).filter((b) => b.byteLength === REGION_SIZE);
}

describe("Writer", () => {
  it("frames published in one turn go out in one write, at the end of the microtask", async () => {
    const t = new FakeTransport();
    const w = connected(t);
    publishNumbered(w, "a", 10, 8);
    assert.equal(t.writeCalls, 0);
    await microtask();
    assert.equal(t.writeCalls, 1);
    assert.deepEqual(frames(joined(t.sent)), range(0, 10));
  });

  it("a batch past FLUSH_THRESHOLD is written at once", () => {
    const t = new FakeTransport();
    const w = connected(t);
    w.out.pub("a", undefined, undefined, numbered(0, FLUSH_THRESHOLD));
    w.schedule();
    assert.equal(t.writeCalls, 1);
  });

  it("while the transport drains, full buffers wait here in order; a drain sends them; bytes are copied once", () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    const N = 400; // 400 × 20 KB: frames span the writer's buffers
    publishNumbered(w, "q", N, 20_000);
    assert.ok(t.pendingBytes >= WRITE_AHEAD && t.pendingBytes < 2 * WRITE_AHEAD, `wrote ahead ${t.pendingBytes}`);
    const waiting = w.outboundBytes() - t.pendingBytes;
    assert.ok(waiting > 6_000_000, `the rest waits here (${waiting})`);
    drainAll(t, w);
    assert.deepEqual(frames(joined(t.sent)), range(0, N));
  });

  it("PONG waiters run in the order of their PINGs, across a backlog", async () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    const order: number[] = [];
    w.ping(() => order.push(1));
    publishNumbered(w, "p", 40, 20_000);
    w.ping(() => order.push(2));
    for (let k = 0; k < 20 && w.outboundBytes() > 0; k++) {
      t.complete();
      w.checkReady(0);
    }
    t.complete();
    w.pong();
    w.pong();
    assert.deepEqual(order, [1, 2]);
    const seen = frames(joined(t.sent));
    assert.equal(seen[0], -1);
    assert.equal(seen[seen.length - 1], -1);
  });

  it("batches a dead transport never sent go first on the next one, from a frame boundary", async () => {
    const a = new FakeTransport({ takesAtOnce: false });
    const w = connected(a);
    const N = 60; // 60 × 100 KB frames (100,016 bytes on the wire): queued buffers start inside frames
    const FRAME = 100_016;
    publishNumbered(w, "r", N, 100_000);
    // two drains: what was held leaves, then the first queued buffers
    a.complete();
    w.checkReady(0);
    a.complete();
    w.checkReady(0);
    assert.ok(a.held.length >= 1, `writes held (${a.held.length})`);
    // one more write leaves; the connection dies with the rest
    a.die(1);
    w.dropped(new Error("gone"));
    const onA = joined(a.sent).length;
    assert.notEqual(onA % FRAME, 0, "A's last write ended inside a frame");
    const b = new FakeTransport();
    w.attach(b);
    w.flush();
    const onB = frames(joined(b.sent));
    // the frame cut on A is lost with A; B goes on with the next whole one
    const next = Math.ceil(onA / FRAME);
    assert.deepEqual(onB, range(next, N), `B starts at ${next} (A took ${onA} bytes)`);
  });

  it("what was published while disconnected goes out after what waited, with its PINGs", async () => {
    const a = new FakeTransport({ takesAtOnce: false });
    const w = connected(a);
    w.out.pub("d", undefined, undefined, numbered(0, 10));
    w.flush();
    a.die(0);
    w.dropped(new Error("gone"));
    let ponged = false;
    w.out.pub("d", undefined, undefined, numbered(1, 10));
    w.ping(() => (ponged = true));
    assert.equal(w.bufferedBytes() > 0, true);
    const b = new FakeTransport();
    w.attach(b);
    w.flush();
    assert.deepEqual(frames(joined(b.sent)), [0, 1, -1]);
    w.pong();
    assert.equal(ponged, true);
  });

  it("a PING still waiting here when a connection that took bytes drops fails at once; it goes out again, and its PONG changes nothing", () => {
    const a = new FakeTransport({ takesAtOnce: false });
    const w = connected(a);
    publishNumbered(w, "q", 40, 20_000);
    const results: Array<string | undefined> = [];
    w.ping((err) => results.push(err?.message));
    assert.ok(w.outboundBytes() > a.pendingBytes, "the PING waits here, behind a backlog");
    // the first write left (into the system, and is lost with it): the PING can confirm nothing
    a.die(1);
    w.dropped(new Error("gone"));
    assert.deepEqual(results, ["gone"]);
    const b = new FakeTransport();
    w.attach(b);
    w.flush();
    const onB = frames(joined(b.sent));
    assert.equal(onB[onB.length - 1], -1, "the PING still goes out, last");
    w.pong();
    assert.deepEqual(results, ["gone"], "the waiter ran once");
  });

  it("a PING waiting here when a connection that took nothing drops waits for the next one", () => {
    const a = new FakeTransport({ takesAtOnce: false });
    const w = connected(a);
    w.dropped(new Error("gone"));
    const results: Array<string | undefined> = [];
    w.out.pub("q", undefined, undefined, numbered(0, 10));
    w.ping((err) => results.push(err === undefined ? "pong" : err.message));
    // the next connection drops before anything was handed to it
    const b = new FakeTransport({ takesAtOnce: false });
    w.attach(b);
    w.dropped(new Error("gone again"));
    assert.deepEqual(results, []);
    const c = new FakeTransport();
    w.attach(c);
    w.flush();
    assert.deepEqual(frames(joined(c.sent)), [0, -1]);
    w.pong();
    assert.deepEqual(results, ["pong"]);
  });

  it("while the transport asks to drain, only full buffers are handed to it: a partly filled one waits for the drain", async () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    for (let i = 0; i < 100; i++) {
      w.out.pub("f", undefined, undefined, numbered(i, 20_000));
      w.schedule();
      if (i % 10 === 9) await microtask(); // a publisher that yields: a flush at the end of each microtask
    }
    assert.equal(t.needsDrain, true);
    const sizes = t.held.map((h) => h.held.length);
    assert.ok(sizes.length > 2, `${sizes.length} writes`);
    // the first write went to an idle transport; after it, every one is a full buffer
    for (const n of sizes.slice(1)) assert.ok(n >= w.out.capacity - 20_100, `a write of ${n} bytes while backed up`);
    assert.ok(w.out.length > 0, "the rest waits here");
    drainAll(t, w);
    assert.deepEqual(frames(joined(t.sent)), range(0, 100));
  });

  it("a synchronous loop hands the system what it takes as it goes (tryWrite); the rest waits in order for write() at the end of the microtask", async () => {
    const t = new SyncFakeTransport();
    const w = connected(t);
    const N = 200; // 4 MB
    for (let i = 0; i < N; i++) {
      if (i % 10 === 0) t.room += 150_000; // a server reading in parallel, slower than the loop
      w.out.pub("s", undefined, undefined, numbered(i, 20_000));
      w.schedule();
    }
    assert.equal(t.writeCalls, 0, "nothing queued behind a write() while the loop runs");
    const during = joined(t.sent).length;
    assert.ok(during > 2_500_000, `the system took ${during} bytes of 4 MB during the loop (it had room for 3 MB)`);
    await microtask();
    assert.ok(t.writeCalls > 0, "the rest went to write() at the end of the microtask");
    for (let i = N; i < N + 20; i++) {
      w.out.pub("s", undefined, undefined, numbered(i, 20_000));
      w.schedule(); // writes held: no tryWrite (the transport asserts it)
    }
    drainAll(t, w);
    assert.deepEqual(frames(joined(t.sent)), range(0, N + 20));
  });

  it("once the system refused bytes, the next try waits for the next full buffer, not the next publish", () => {
    const t = new SyncFakeTransport(); // no room: every try is refused
    const w = connected(t);
    const N = 130; // 2.6 MB: ten buffers of 256 KiB
    publishNumbered(w, "r", N, 20_000);
    assert.ok(t.tryWrites <= 12, `${t.tryWrites} tries for ${N} publishes`);
    t.room = Infinity;
    w.flush();
    assert.deepEqual(frames(joined(t.sent)), range(0, N));
  });

  it("the rest of a batch the system took in part is not sent again on a new connection: the next starts on a frame boundary", () => {
    const a = new SyncFakeTransport();
    const w = connected(a);
    for (let i = 0; i < 3; i++) w.out.pub("c", undefined, undefined, numbered(i, 20_000));
    a.room = 30_000; // frame 0 and part of frame 1
    const answers: unknown[] = [];
    w.ping((err) => answers.push(err ?? "pong"));
    assert.equal(joined(a.sent).length, 30_000);
    assert.equal(a.held.length, 1, "the rest (frames 1 and 2, the PING) went to write()");
    for (let i = 3; i < 6; i++) w.out.pub("c", undefined, undefined, numbered(i, 20_000));
    a.die(0); // that rest never left
    w.dropped(new Error("gone"));
    const b = new FakeTransport();
    w.attach(b);
    w.flush();
    // dropped() fails it (it was handed to write()); the connection's waiters are promises, which settle once
    assert.ok(answers.length >= 1 && answers.every((a) => a instanceof Error && a.message === "gone"), `the PING's waiter: ${answers.map(String).join(", ")}`);
    assert.deepEqual(frames(joined(b.sent)), [3, 4, 5], "frame 1, cut on A, is lost with A, and so is the rest of its batch");
  });

  it("a batch taken in part that still waits here when the connection drops: its PING's waiter fails on the next connection, which starts on a frame boundary", () => {
    const a = new SyncFakeTransport();
    const w = connected(a);
    w.out.raw(new Uint8Array(WRITE_AHEAD + 1000).fill(0x20)); // blanks, between frames
    w.flush(); // no room: it goes to write() and is held, so the writer is behind
    const answers: unknown[] = [];
    w.ping((err) => answers.push(err ?? "pong")); // waits in `out` (the transport asked to drain)
    let seq = 0;
    for (; seq < 14; seq++) {
      w.out.pub("q", undefined, undefined, numbered(seq, 20_000));
      w.schedule();
    }
    assert.equal(a.held.length, 1, "nothing more went to write()");
    assert.ok(w.bufferedBytes() > 256 * 1024, "the buffer holding the PING filled and was queued here");
    a.complete(); // the held write leaves; the loop goes on before any drain event
    a.room = 10_000;
    const first = seq;
    for (let k = 0; k < 4; k++) {
      w.out.pub("q", undefined, undefined, numbered(seq++, 20_000));
      w.schedule();
    }
    assert.ok(a.tryWrites > 0, "the system took part of the queued buffer");
    assert.equal(answers.length, 0, "no answer yet");
    a.die(0);
    w.dropped(new Error("gone"));
    const b = new FakeTransport();
    w.attach(b);
    w.flush();
    assert.equal(answers.length, 1, "the PING's waiter ran once");
    assert.ok(answers[0] instanceof Error && answers[0].message === "gone", `the PING's waiter: ${String(answers[0])}`);
    const onB = frames(joined(b.sent));
    assert.ok(onB.length > 0 && onB[0]! <= first, `B starts on a frame boundary (${onB[0]})`);
    assert.deepEqual(onB, range(onB[0]!, seq));
  });

  it("a backed-up burst's buffers lie on a region: kept for the next burst while lightly used, let go once used past KEEP_BELOW", () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = onRegions(t);
    let seq = 0;
    const regionsOfBurst = (count: number): ArrayBufferLike[] => {
      const regions = burstRegions(t, w, "r", seq, count);
      seq += count;
      drainAll(t, w);
      return regions;
    };
    const small = Math.floor(KEEP_BELOW / 20_000 / 4); // a quarter of KEEP_BELOW
    const first = regionsOfBurst(small);
    assert.ok(first.length > 1, "the buffers handed over while the transport drains are carved from a region");
    assert.ok(first.every((b) => b === first[0]), "one region");
    const second = regionsOfBurst(small);
    assert.ok(second.length > 1 && second.every((b) => b === first[0]), "lightly used, the region is kept for the next burst");
    const big = regionsOfBurst(Math.ceil(KEEP_BELOW / 20_000));
    assert.ok(big.length > 1 && big.every((b) => b === first[0]));
    assert.equal(w.out.view().buffer.byteLength, w.out.capacity, "used past KEEP_BELOW, it is let go: the encoder's buffer stands alone");
    const next = regionsOfBurst(small);
    assert.ok(next.length > 1 && next.every((b) => b !== first[0]), "the next burst starts a new region: nothing holds the old one");
    assert.deepEqual(frames(joined(t.sent)), range(0, seq));
  });

  it("close() lets go of a kept region: its share of the budget comes back, no buffer of it stays", () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const budget = new KeepBudget(KEEP_BELOW);
    const w = onRegions(t, budget);
    const regions = burstRegions(t, w, "c", 0, Math.floor(KEEP_BELOW / 20_000 / 4));
    drainAll(t, w);
    assert.ok(budget.kept > 0, "lightly used, the region is kept");
    assert.equal(w.out.view().buffer, regions[0], "the encoder goes on in it");
    w.close();
    assert.equal(budget.kept, 0, "closed: nothing kept");
    assert.equal(w.out.view().buffer.byteLength, w.out.capacity, "the encoder's buffer stands alone");
  });

  it("buffers the transport gives back late do not keep a region that was let go", async () => {
    const t = new FakeTransport({ takesAtOnce: false, lateWritten: true });
    const w = onRegions(t);
    let seq = 0;
    const burst = (count: number): ArrayBufferLike[] => {
      const regions = burstRegions(t, w, "l", seq, count);
      seq += count;
      return regions;
    };
    const drain = (): void => drainAll(t, w);
    const first = burst(Math.ceil((2 * KEEP_BELOW) / 20_000))[0]!;
    drain(); // the bytes have left; their `written` calls are still to come
    burst(100); // published before those calls
    await microtask();
    drain();
    await microtask();
    const last = burst(200);
    assert.ok(last.length > 1);
    assert.ok(last.every((b) => b !== first), "no buffer of the first region is reused once it was let go");
    drain();
    await microtask();
    assert.deepEqual(frames(joined(t.sent)), range(0, seq));
  });

  it("replaysHeaders() tells whether what waits for the next connection holds an HPUB", () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    const hdr = new TextEncoder().encode("NATS/1.0\r\nX: 1\r\n\r\n");
    publishNumbered(w, "p", 50, 20_000);
    assert.equal(w.replaysHeaders(), false, "plain messages only");
    w.out.pub("h", undefined, hdr, numbered(50, 20_000));
    for (let i = 51; i < 100; i++) {
      w.out.pub("p", undefined, undefined, numbered(i, 20_000));
      w.schedule();
    }
    // the connection dies: nothing held was sent; all of it comes back to be replayed
    w.dropped(new Error("gone"));
    t.die(0);
    assert.equal(w.replaysHeaders(), true, "the HPUB is among what the dead transport gives back");
    w.discard(new Error("dropped"));
    assert.equal(w.replaysHeaders(), false, "nothing waits once discarded");
    w.out.pub("p", undefined, undefined, numbered(100, 8));
    assert.equal(w.replaysHeaders(), false);
    w.out.pub("h", undefined, hdr, numbered(101, 8));
    assert.equal(w.replaysHeaders(), true, "an HPUB published while disconnected");
  });

  it("without a source of write buffers (a transport that copies what it is given), each buffer stands alone", () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    publishNumbered(w, "c", 100, 20_000);
    assert.ok(t.held.length > 1);
    assert.ok(t.held.every((h) => h.held.buffer.byteLength < REGION_SIZE));
  });

  it("close() fails every waiter once and drops what waits", async () => {
    const t = new FakeTransport({ takesAtOnce: false });
    const w = connected(t);
    const errors: unknown[] = [];
    w.ping((err) => errors.push(err));
    publishNumbered(w, "c", 30, 20_000);
    w.ping((err) => errors.push(err));
    const ready = w.ready(0).catch((err: unknown) => err);
    w.close();
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof ClosedConnectionError));
    assert.ok((await ready) instanceof ClosedConnectionError);
    assert.equal(w.outboundBytes(), 0);
  });
});
