/**
 * The inbound parser alone, on a prebuilt buffer of 100k MSG frames: as one
 * chunk, and split into 64 KiB chunks (frames then span chunks, as on a
 * socket). The raw-row scanner (find lines, skip payloads) is the floor.
 *
 *   node --import tsx bench/micro/parser.ts [--quick]
 */
import { Parser, type MsgArgs, type ParserHandler } from "@quicknats/core/internal";
import { FrameScanner, type FrameSink } from "../lib/raw-proto.js";
import { micro, renderMicro, type MicroOptions, type MicroResult } from "./measure.js";

const FRAMES = 100_000;
const CHUNK = 64 * 1024;

function frames(line: (i: number) => string, size: number): Buffer {
  const payload = Buffer.alloc(size, "x");
  const parts: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) parts.push(Buffer.from(line(i)), payload, Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

function chunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
}

class Counter implements ParserHandler {
  msgs = 0;
  bytes = 0;
  onMsg(_args: MsgArgs, payload: Uint8Array): void {
    this.msgs++;
    this.bytes += payload.length;
  }
  onInfo(): void {}
  onPing(): void {}
  onPong(): void {}
  onOk(): void {}
  onErr(text: string): void {
    throw new Error(`unexpected -ERR ${text}`);
  }
}

class SinkCounter implements FrameSink {
  msgs = 0;
  onMsg(): void {
    this.msgs++;
  }
  onPing(): void {}
  onPong(): void {}
  onInfo(): void {}
  onErr(line: string): void {
    throw new Error(line);
  }
}

function ourParser(name: string, input: Buffer[], total: number, o: MicroOptions): MicroResult {
  const h = new Counter();
  const p = new Parser(h);
  return micro(name, FRAMES, total, () => {
    h.msgs = 0;
    for (const c of input) p.parse(c);
    if (h.msgs !== FRAMES) throw new Error(`${name}: parsed ${h.msgs} frames, want ${FRAMES}`);
  }, o);
}

export function parserBench(o: MicroOptions): string {
  const plain = frames(() => "MSG bench.sub 1 128\r\n", 128);
  const withReply = frames((i) => `MSG bench.rr 1 _INBOX.Jx8gT2kLp9Qm4rW7.${i} 128\r\n`, 128);
  const big = frames(() => "MSG bench.sub 1 16384\r\n", 16 * 1024);
  const sink = new SinkCounter();
  const scanner = new FrameScanner(sink, false);
  const plainChunks = chunks(plain);
  const results = [
    ourParser("parser, 128 B, one chunk", [plain], plain.length, o),
    ourParser("parser, 128 B, 64 KiB chunks", plainChunks, plain.length, o),
    ourParser("parser, 128 B + reply, 64 KiB chunks", chunks(withReply), withReply.length, o),
    ourParser("parser, 16 KiB, 64 KiB chunks", chunks(big), big.length, o),
    micro("raw scanner (floor), 128 B, 64 KiB chunks", FRAMES, plain.length, () => {
      sink.msgs = 0;
      for (const c of plainChunks) scanner.feed(c);
      if (sink.msgs !== FRAMES) throw new Error(`scanner counted ${sink.msgs}`);
    }, o),
  ];
  return renderMicro("parser (100k MSG frames)", results);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick");
  console.log(parserBench({ warmup: 3, iterations: quick ? 5 : 15 }));
}
