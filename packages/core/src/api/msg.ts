/**
 * A received message. Subject, reply and headers are decoded on first access;
 * `data` is a view on the bytes read from the socket (no copy) whenever the
 * frame arrived in one chunk.
 */
import type { MsgArgs } from "../protocol/parser.js";
import { MsgHdrsImpl } from "./headers.js";
import type { Msg, MsgHdrs, Payload, PublishOptions, ReviverFn } from "../types.js";

const td = new TextDecoder();
// subjects are taken byte for byte: a leading U+FEFF is part of the subject, not a BOM
const subjectDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes a byte range: short ASCII by hand (much faster than TextDecoder for subjects), the rest as UTF-8. */
export function decodeRange(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return subjectDecoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return subjectDecoder.decode(buf.subarray(start, end));
}

/** Where `respond()` publishes. */
export interface MsgPublisher {
  /** publishes a reply; false when the connection is closed (nothing is sent) */
  respond(subject: string, payload?: Payload, options?: PublishOptions): boolean;
  /** what `msg.publisher` gives libraries built on nats-core (see protocol-shim.ts) */
  readonly protocolShim: unknown;
}

export class MsgImpl implements Msg {
  readonly sid: number;
  private readonly buf: Uint8Array;
  private readonly subjectStart: number;
  private readonly subjectEnd: number;
  private readonly replyStart: number;
  private readonly replyEnd: number;
  private readonly hdrLen: number;
  private readonly payload: Uint8Array;
  private readonly host: MsgPublisher;
  private _subject: string | undefined;
  private _reply: string | undefined;
  private _headers: MsgHdrs | undefined;

  constructor(args: MsgArgs, payload: Uint8Array, publisher: MsgPublisher) {
    this.sid = args.sid;
    this.buf = args.buf;
    this.subjectStart = args.subjectStart;
    this.subjectEnd = args.subjectEnd;
    this.replyStart = args.replyStart;
    this.replyEnd = args.replyEnd;
    this.hdrLen = args.hdrLen;
    this.payload = payload;
    this.host = publisher;
  }

  get subject(): string {
    if (this._subject === undefined) {
      this._subject = decodeRange(this.buf, this.subjectStart, this.subjectEnd);
    }
    return this._subject;
  }

  /** The reply subject, or "" when there is none (as the official client: `m.reply.startsWith()` must not throw). */
  get reply(): string {
    if (this._reply === undefined) {
      this._reply = decodeRange(this.buf, this.replyStart, this.replyEnd);
    }
    return this._reply;
  }

  /**
   * The official message's link to its connection's protocol handler, which
   * @nats-io/jetstream reaches into (`JsMsg.ackAck()`, push consumers'
   * stall recovery); here a shim with just what they use. Not for
   * applications.
   */
  get publisher(): unknown {
    return this.host.protocolShim;
  }

  get data(): Uint8Array {
    return this.hdrLen === 0 ? this.payload : this.payload.subarray(this.hdrLen);
  }

  get headers(): MsgHdrs | undefined {
    if (this.hdrLen === 0) return undefined;
    if (this._headers === undefined) {
      this._headers = MsgHdrsImpl.decode(this.payload.subarray(0, this.hdrLen));
    }
    return this._headers;
  }

  /** Bytes of subject, reply, headers and data, as the official `size()`. */
  size(): number {
    return (this.subjectEnd - this.subjectStart) + (this.replyEnd - this.replyStart) +
      this.payload.length;
  }

  /**
   * The subject's bytes after the first `offset`, read as a base-36 number
   * (lowercase digits), or -1 if they are not one: the request mux's token.
   */
  subjectNumber(offset: number): number {
    const buf = this.buf;
    const end = this.subjectEnd;
    let i = this.subjectStart + offset;
    if (i >= end || end - i > 10) return -1;
    let n = 0;
    for (; i < end; i++) {
      const c = buf[i];
      if (c >= 0x30 && c <= 0x39) n = n * 36 + (c - 0x30);
      else if (c >= 0x61 && c <= 0x7a) n = n * 36 + (c - 0x57);
      else return -1;
    }
    return n;
  }

  /** payload bytes, headers included (pending-limit accounting) */
  payloadSize(): number {
    return this.payload.length;
  }

  /**
   * Publishes to the reply subject: false, and nothing sent, without one or
   * once the connection is closed (a loop still working through what a
   * drained subscription holds).
   */
  respond(payload?: Payload, opts?: PublishOptions): boolean {
    const reply = this.reply;
    return reply !== "" && this.host.respond(reply, payload, opts);
  }

  string(): string {
    return td.decode(this.data);
  }

  json<T>(reviver?: ReviverFn): T {
    return JSON.parse(this.string(), reviver);
  }
}
