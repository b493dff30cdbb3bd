/** A parser handler that records what the parser reports, for the parser's tests. */
import type { MsgArgs, ParserHandler } from "../../src/protocol/parser.js";

/** The parser's events other than MSG, as the tests record them. */
export type ControlEvent =
  | { op: "info"; json: string }
  | { op: "ping" }
  | { op: "pong" }
  | { op: "ok" }
  | { op: "err"; text: string };

/** Records the control events in `events`; a test's subclass records MSG its own way (strings or bytes). */
export abstract class RecordingHandler<MsgEvent> implements ParserHandler {
  events: Array<MsgEvent | ControlEvent> = [];
  abstract onMsg(a: MsgArgs, payload: Uint8Array): void;
  onInfo(json: string): void {
    this.events.push({ op: "info", json });
  }
  onPing(): void {
    this.events.push({ op: "ping" });
  }
  onPong(): void {
    this.events.push({ op: "pong" });
  }
  onOk(): void {
    this.events.push({ op: "ok" });
  }
  onErr(text: string): void {
    this.events.push({ op: "err", text });
  }
}
