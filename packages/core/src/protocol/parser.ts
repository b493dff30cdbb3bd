/**
 * The server-to-client protocol parser: bytes in, handler calls out.
 * (Placeholder: the real implementation replaces this file.)
 */

/**
 * The arguments of one MSG/HMSG frame. The parser reuses one instance for
 * every frame: a handler copies what it keeps. `buf` is never mutated by the
 * parser after the call, so keeping a reference to it (and the offsets) is safe.
 */
export interface MsgArgs {
  /** bytes holding the control line; subject and reply are ranges of it */
  buf: Uint8Array;
  subjectStart: number;
  subjectEnd: number;
  /** replyStart === replyEnd when the frame has no reply subject */
  replyStart: number;
  replyEnd: number;
  sid: number;
  /** header block length; 0 for MSG */
  hdrLen: number;
  /** total payload length, headers included */
  size: number;
}

export interface ParserHandler {
  /** `payload` is `size` bytes: the header block (hdrLen bytes) then the data */
  onMsg(args: MsgArgs, payload: Uint8Array): void;
  /** the JSON text after `INFO ` */
  onInfo(json: string): void;
  onPing(): void;
  onPong(): void;
  onOk(): void;
  /** the text after `-ERR `, surrounding single quotes removed */
  onErr(text: string): void;
}
