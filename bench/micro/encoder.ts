/**
 * The outbound encoder alone: OutboundBuffer building PUB frames (taking the
 * bytes out every 64 KiB, as the engine's flush threshold does), against the
 * design it replaces: a control-line string per message, Buffer.from and a
 * concat per batch.
 *
 *   node --import tsx bench/micro/encoder.ts [--quick]
 */
import { FLUSH_THRESHOLD, OutboundBuffer } from "@quicknats/core/internal";
import { micro, renderMicro, type MicroOptions } from "./measure.js";

const FRAMES = 100_000;
const SUBJECT = "bench.pub";
const REPLY = "_INBOX.Jx8gT2kLp9Qm4rW7.42";

let sink = 0; // keeps the taken bytes observable, so nothing is optimised away

function ours(reply: string | undefined, payload: Uint8Array, frames: number): () => void {
  const out = new OutboundBuffer();
  return () => {
    for (let i = 0; i < frames; i++) {
      out.pub(SUBJECT, reply, undefined, payload);
      if (out.length >= FLUSH_THRESHOLD) sink += out.take().length;
    }
    sink += out.take().length;
  };
}

function oursString(payload: string): () => void {
  const out = new OutboundBuffer();
  return () => {
    for (let i = 0; i < FRAMES; i++) {
      out.pubString(SUBJECT, undefined, undefined, payload);
      if (out.length >= FLUSH_THRESHOLD) sink += out.take().length;
    }
    sink += out.take().length;
  };
}

/** The alternative: a string control line per message, encoded, then one concat per 64 KiB. */
function strings(payload: Uint8Array): () => void {
  const crlf = Buffer.from("\r\n");
  return () => {
    let parts: Uint8Array[] = [];
    let size = 0;
    for (let i = 0; i < FRAMES; i++) {
      const head = Buffer.from(`PUB ${SUBJECT} ${payload.length}\r\n`);
      parts.push(head, payload, crlf);
      size += head.length + payload.length + 2;
      if (size >= FLUSH_THRESHOLD) {
        sink += Buffer.concat(parts).length;
        parts = [];
        size = 0;
      }
    }
    sink += Buffer.concat(parts).length;
  };
}

export function encoderBench(o: MicroOptions): string {
  const p128 = new Uint8Array(128).fill(0x61);
  const p16k = new Uint8Array(16 * 1024).fill(0x61);
  const frame = (extra: number, payload: number): number => FRAMES * (`PUB ${SUBJECT} ${payload}\r\n`.length + extra + payload + 2);
  const results = [
    micro("OutboundBuffer.pub, 128 B", FRAMES, frame(0, 128), ours(undefined, p128, FRAMES), o),
    micro("OutboundBuffer.pub, 128 B + reply", FRAMES, frame(REPLY.length + 1, 128), ours(REPLY, p128, FRAMES), o),
    micro("OutboundBuffer.pubString, 128 chars", FRAMES, frame(0, 128), oursString("a".repeat(128)), o),
    micro("OutboundBuffer.pub, 16 KiB (10k frames)", FRAMES / 10, frame(0, 16384) / 10, ours(undefined, p16k, FRAMES / 10), o),
    micro("option: string line + Buffer.from + concat, 128 B", FRAMES, frame(0, 128), strings(p128), o),
  ];
  if (sink < 0) console.log(sink);
  return renderMicro("encoder (PUB frames)", results);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick");
  console.log(encoderBench({ warmup: 3, iterations: quick ? 5 : 15 }));
}
