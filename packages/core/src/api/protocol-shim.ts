/**
 * What `msg.publisher` is for libraries built on @nats-io/nats-core. In the
 * official client it is the connection's protocol handler, and
 * @nats-io/jetstream 3.4 reaches into it:
 * - `JsMsg.ackAck()` makes an official `RequestOne`, registers it with
 *   `publisher.request(r)`, publishes the ack with reply
 *   `${publisher.muxSubscriptions.baseInbox}${r.token}`, reads
 *   `publisher.options.noAsyncTraces`, and on failure calls
 *   `r.cancel()`, which calls `publisher.muxSubscriptions.cancel(r)`;
 * - push consumers publish through `publisher.publish()`.
 * This shim gives exactly that, on top of our request mux: the foreign
 * request gets one of our tokens (written into `r.token`), and its
 * `resolver(err, msg)` is called as the official mux would call it.
 */
import { NoRespondersError } from "../errors.js";
import type { ParsedOptions } from "../connection/options.js";
import { isNoResponders, type PendingRequest, type RequestMux } from "./request.js";
import type { Msg, Payload, PublishOptions } from "../types.js";

/** The fields of an official request (`RequestOne`) that the official mux uses. */
export interface ForeignRequest {
  token: string;
  requestSubject: string;
  resolver(err: Error | null, msg: Msg): void;
}

/** What the shim needs of its connection. */
export interface ShimHost {
  readonly options: ParsedOptions;
  /** a publish that also goes out while draining, and is dropped (false) once closed */
  respond(subject: string, payload?: Payload, options?: PublishOptions): boolean;
}

/** Our mux's side of a foreign request. */
class ForeignPending implements PendingRequest {
  constructor(private readonly r: ForeignRequest) {}

  get subject(): string {
    return this.r.requestSubject;
  }

  onReply(m: Msg): boolean {
    this.r.resolver(isNoResponders(m) ? new NoRespondersError(this.r.requestSubject) : null, m);
    return true;
  }

  fail(err: Error): void {
    this.r.resolver(err, {} as Msg);
  }
}

/** The official `MuxSubscription` members a foreign request uses. */
class ForeignMux {
  constructor(private readonly mux: RequestMux) {}

  get baseInbox(): string {
    return this.mux.baseInbox;
  }

  cancel(r: ForeignRequest): void {
    const token = parseInt(r.token, 36);
    if (Number.isSafeInteger(token)) this.mux.remove(token);
  }

  size(): number {
    return this.mux.size();
  }
}

export class ProtocolShim {
  readonly muxSubscriptions: ForeignMux;

  constructor(private readonly host: ShimHost, private readonly mux: RequestMux) {
    this.muxSubscriptions = new ForeignMux(mux);
  }

  get options(): ParsedOptions {
    return this.host.options;
  }

  /** As the official protocol handler's: no check of the connection's state (acks of messages a drain let through go out). */
  publish(subject: string, payload?: Payload, options?: PublishOptions): void {
    this.host.respond(subject, payload, options);
  }

  /** Registers a foreign request; its reply subject is `muxSubscriptions.baseInbox + r.token`. */
  request(r: ForeignRequest): ForeignRequest {
    r.token = this.mux.add(new ForeignPending(r)).toString(36);
    return r;
  }
}
