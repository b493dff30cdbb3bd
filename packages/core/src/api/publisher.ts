/**
 * The publish path that publish(), respond() and the requests share, past the
 * connection's state checks: arguments checked (nothing invalid reaches the
 * wire), headers encoded, the message handed to the engine; inside the
 * diagnostics' publish events when someone listens.
 */
import type { AwaitedRequest, Engine } from "../connection/engine.js";
import { argumentTypeError, ErrorCode, InvalidArgumentError } from "../errors.js";
import { unitsThatAlwaysFit } from "../protocol/control-line.js";
import type { DiagnosticsSlot, PublishingConnection, RequestTap } from "../diagnostics/hooks.js";
import { Empty } from "../types.js";
import type { MsgHdrs, Payload, PublishOptions } from "../types.js";
import { checkPayloadSize, checkPublishSubject, checkPubLine } from "./arguments.js";
import { encodeHeaders, withTraceHeaders } from "./headers.js";

export class Publisher {
  /** subject + reply (or queue) lengths up to this always fit the server's control line: no exact count */
  readonly lineFits: number;
  readonly #engine: Engine;
  readonly #maxControlLine: number;
  readonly #diagnostics: DiagnosticsSlot;
  /** what the diagnostics' publish events are about */
  readonly #connection: PublishingConnection;
  /** the last subject that passed validation */
  #checkedSubject: string | undefined;
  /** the request being sent and its reply subject: encodeAndSend() hands it to the engine, past the diagnostics' publish */
  #sending: AwaitedRequest | undefined;
  #sendingReply: string | undefined;

  constructor(engine: Engine, maxControlLine: number, diagnostics: DiagnosticsSlot, connection: PublishingConnection) {
    this.#engine = engine;
    this.#maxControlLine = maxControlLine;
    this.#diagnostics = diagnostics;
    this.#connection = connection;
    this.lineFits = unitsThatAlwaysFit(maxControlLine);
  }

  /** A request's publish: its reply subject made or checked by the request; `request`, its diagnostics tap if any. */
  sendRequest(subject: string, payload: Payload, options: PublishOptions, request: RequestTap | undefined, awaited: AwaitedRequest): boolean {
    this.#sending = awaited;
    this.#sendingReply = options.reply;
    try {
      return this.send(subject, payload, options, true, request);
    } finally {
      this.#sending = undefined;
    }
  }

  /** `ownReply` says the reply subject was made here (a request inbox) and needs no check. */
  send(
    subject: string,
    payload: Payload,
    options: PublishOptions | undefined,
    ownReply: boolean,
    request: RequestTap | undefined,
  ): boolean {
    // publishers tend to repeat a subject: a string checked once stays valid
    if (this.#checkedSubject === undefined || subject !== this.#checkedSubject) {
      checkPublishSubject(subject);
      this.#checkedSubject = subject;
    }
    let reply: string | undefined;
    let hdrs: MsgHdrs | undefined;
    if (options) {
      // the v1 signature, publish(subject, data, reply): 3.4 throws a TypeError, so no reply goes missing quietly
      if (typeof options !== "object") throw argumentTypeError("publish options must be an object: { reply, headers }");
      reply = options.reply || undefined;
      if (reply !== undefined && !ownReply) checkPublishSubject(reply);
      hdrs = options.headers;
      if (options.traceDestination || options.traceOnly) hdrs = withTraceHeaders(hdrs, options);
    }
    if (payload === null) payload = Empty;
    if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
      throw argumentTypeError("payload types can be strings or Uint8Array");
    }
    const hooks = this.#diagnostics.current;
    if (hooks !== undefined && hooks.channels.PublishStart.hasSubscribers) {
      return hooks.publish(this.#connection, subject, reply, hdrs, payload, request);
    }
    return this.encodeAndSend(subject, reply, hdrs, payload);
  }

  /** The rest of a publish (past its start event, when traced): headers encoded, what depends on them checked, the message queued. */
  encodeAndSend(subject: string, reply: string | undefined, hdrs: MsgHdrs | undefined, payload: Uint8Array | string): boolean {
    let hbytes: Uint8Array | undefined;
    if (hdrs !== undefined) {
      hbytes = encodeHeaders(hdrs);
      if (hbytes !== undefined && !this.#engine.headersSupported()) {
        throw InvalidArgumentError.format("headers", "are not supported by the server", { code: ErrorCode.HeadersNotSupported });
      }
    }
    // one comparison unless the subject and reply are long enough to matter
    if (subject.length + (reply === undefined ? 0 : reply.length) > this.lineFits) {
      checkPubLine(subject, reply, hbytes, payload, this.#maxControlLine);
    }
    checkPayloadSize(payload, hbytes ? hbytes.length : 0, this.#engine.maxPayload());
    const awaited = this.#sending !== undefined && this.#sendingReply === reply ? this.#sending : undefined;
    return this.#engine.publish(subject, reply, hbytes, payload, awaited);
  }
}
