/**
 * The protocol engine of one connection (the `Engine` of engine.ts): its
 * lifecycle (connecting, connected, reconnecting, closing, closed), the
 * transport in use and its events, and the dispatch of what the server
 * sends. The steps of a dial are in dial.ts, what is sent in outbound.ts,
 * the sid registry in subscriptions.ts, the reconnect loop in reconnect.ts.
 */
import type { ServerInfo, Stats, Status } from "../types.js";
import {
  ClosedConnectionError,
  ConnectionError,
  ErrorCode,
  errorFromServer,
  InvalidArgumentError,
  PermissionViolationError,
  ProtocolError,
  RequestError,
} from "../errors.js";
import { type MsgArgs, Parser, type ParserHandler } from "../protocol/parser.js";
import type { Transport, TransportFactory, TransportListener } from "../transport/transport.js";
import { debugMsgLine } from "./debug.js";
import { addressesOf, dialTarget, Handshake, type HandshakeHost } from "./dial.js";
import { Heartbeat, type HeartbeatHost } from "./heartbeat.js";
import type { ParsedOptions } from "./options.js";
import { type AwaitedRequest, Outbound } from "./outbound.js";
import { type DialHost, DialLoop, isAuthError } from "./reconnect.js";
import { type ServerEntry, ServerPool } from "./servers.js";
import { SubscriptionRegistry, type SubscriptionSink } from "./subscriptions.js";
import type { WriterOwner } from "./writer.js";
import type { Engine, EngineOwner } from "./engine.js";

// The connection's states: plain numbers, not an enum (an emitted enum is an
// object whose members a bundler cannot inline; see the parser's states).
const CONNECTING = 0;
const CONNECTED = 1;
/** lost the connection, dialing again; publishes are buffered */
const RECONNECTING = 2;
const CLOSING = 3;
const CLOSED = 4;
type State = typeof CONNECTING | typeof CONNECTED | typeof RECONNECTING | typeof CLOSING | typeof CLOSED;

export class ProtocolEngine implements Engine, ParserHandler, HeartbeatHost, DialHost, HandshakeHost, WriterOwner {
  info: ServerInfo | undefined;
  /** the last INFO received; unlike `info`, kept while reconnecting (see headersSupported, maxPayload) */
  #knownInfo: ServerInfo | undefined;
  readonly stats: Stats = { inBytes: 0, outBytes: 0, inMsgs: 0, outMsgs: 0 };
  readonly pool: ServerPool;
  readonly #out: Outbound;
  readonly subscriptions = new SubscriptionRegistry();
  #state: State = CONNECTING;
  #transport: Transport | undefined;
  #server: ServerEntry | undefined;
  /** the dial in progress */
  #handshake: Handshake | undefined;
  readonly #dialLoop: DialLoop;
  readonly #parser: Parser;
  readonly #heartbeat: Heartbeat;
  /** the last server error that was not a permission violation; the close reason if the connection then drops */
  #lastError: Error | undefined;
  #closeWaiter: (() => void) | undefined;
  /** why close() could not send everything, for closed() */
  #closeError: Error | undefined;
  readonly #factory: TransportFactory;
  readonly #owner: EngineOwner;

  constructor(
    readonly options: ParsedOptions,
    factory: TransportFactory,
    owner: EngineOwner,
  ) {
    this.#factory = factory;
    this.#owner = owner;
    this.#out = new Outbound(options, this.stats, this, (s) => owner.onStatus(s), factory.writeBuffers?.bind(factory));
    this.#parser = new Parser(this);
    this.#heartbeat = new Heartbeat(this, options.pingInterval, options.maxPingOut);
    this.pool = new ServerPool(
      options.servers,
      !options.noRandomize,
      (url) => factory.parseUrl(url, this.#transport?.isEncrypted()),
    );
    this.#dialLoop = new DialLoop(this);
  }

  // ---- lifecycle --------------------------------------------------------------

  async connect(): Promise<void> {
    try {
      this.#server = await this.#dialLoop.run();
    } catch (err) {
      this.#state = CLOSED;
      this.#heartbeat.stop();
      throw err;
    }
  }

  isClosed(): boolean {
    return this.#state === CLOSED;
  }

  isConnected(): boolean {
    return this.#state === CONNECTED;
  }

  canSend(): boolean {
    return this.#state === CONNECTED || this.#state === RECONNECTING;
  }

  getServer(): string {
    return this.#server ? this.#server.listen : "";
  }

  /**
   * The server takes headers: its INFO says so, or, while reconnecting, the
   * last server's did (as in the official client, which checks only an INFO
   * it has). What is published then waits for a server that takes them, see
   * handshakeEnded.
   */
  headersSupported(): boolean {
    return this.#knownInfo?.headers === true;
  }

  /**
   * The server's `max_payload`; while reconnecting, the last server's, so a
   * message it would refuse (closing the connection) is refused at publish()
   * instead of waiting in the reconnect buffer. Undefined before any INFO.
   */
  maxPayload(): number | undefined {
    return this.#knownInfo?.max_payload;
  }

  /**
   * Closes the connection: what was published is sent first, then the
   * transport is closed. `err` becomes the close reason. Sending the rest is
   * bounded: a server that takes no bytes for a second (a stall), or that
   * has not taken them all within the connection `timeout`, loses them, and
   * `closed()` tells how many.
   */
  async close(err?: Error): Promise<void> {
    if (this.#state === CLOSED || this.#state === CLOSING) return;
    const wasConnected = this.#state === CONNECTED;
    const transport = this.#transport;
    this.#state = CLOSING;
    this.#heartbeat.stop();
    this.#dialLoop.cancel();
    // nothing more is delivered once close() is called, even from the rest of a chunk
    this.#parser.stop();
    if (!wasConnected) {
      // closing while (re)connecting: what was buffered cannot be sent
      this.#handshake?.fail(new ClosedConnectionError());
      transport?.destroy();
    } else if (transport) {
      const closed = new Promise<void>((resolve) => {
        this.#closeWaiter = resolve;
      });
      const bound = setTimeout(() => this.#abandonClose(), this.options.timeout);
      // the transport sends what it holds, then closes
      this.#out.whenEmpty(() => transport.close());
      await closed;
      clearTimeout(bound);
      err ??= this.#closeError;
    }
    this.#finish(err);
  }

  /** close() cannot send the rest: the transport is destroyed with it. */
  #abandonClose(): void {
    if (this.#state !== CLOSING || !this.#transport) return;
    const waiting = this.#out.waitingBytes();
    if (waiting > 0) {
      this.#closeError = new ConnectionError(
        `closed with ${waiting} bytes unsent: the server stopped reading`,
        { code: ErrorCode.OutboundStalled },
      );
    }
    this.#out.hold();
    this.#transport.destroy();
  }

  forceReconnect(): void {
    if (this.#state !== CONNECTED) return;
    this.#owner.onStatus({ type: "forceReconnect" });
    this.#out.hold();
    this.#transport?.destroy();
  }

  /** Ends the connection because of an error; what was not sent waits for the next one. */
  #fail(err: Error): void {
    if (this.#handshake) {
      this.#handshake.fail(err);
      return;
    }
    if (this.#state !== CONNECTED) return;
    this.#lastError = err;
    this.#out.hold();
    this.#transport?.destroy(err);
  }

  #onTransportClose(err: Error | undefined): void {
    if (this.#handshake) {
      this.#handshake.fail(this.#lastError ?? err ?? new ConnectionError("connection closed by the server during the handshake"));
      return;
    }
    if (this.#state === CLOSING) {
      this.#closeWaiter?.();
      return;
    }
    if (this.#state !== CONNECTED) return;
    const reason = this.#lastError ?? (err ? new ConnectionError("connection lost", { cause: err }) : new ConnectionError("connection lost"));
    const server = this.getServer();
    this.#heartbeat.stop();
    this.#out.dropped(new RequestError("connection disconnected", { cause: reason }));
    this.#owner.onStatus({ type: "disconnect", server });
    this.#owner.onDisconnect(server, reason);
    if (!this.options.reconnect) {
      this.#state = CLOSING;
      this.#finish(reason);
      return;
    }
    this.#state = RECONNECTING;
    this.#dialLoop.run().then(
      (srv) => this.#owner.onStatus({ type: "reconnect", server: srv.listen }),
      (e) => {
        if (this.#state === RECONNECTING) {
          this.#state = CLOSING;
          this.#finish(e instanceof ClosedConnectionError ? reason : e);
        }
      },
    );
  }

  #finish(err: Error | undefined): void {
    this.#state = CLOSED;
    this.#heartbeat.stop();
    this.#parser.stop();
    this.#out.close();
    const info = this.info;
    this.#owner.onClosed(err);
    // `info` is gone once closed, as in the official client
    if (info === this.info) this.info = undefined;
  }

  // ---- DialHost ---------------------------------------------------------------

  lastInfo(): ServerInfo | null {
    return this.info ?? null;
  }

  wantsConnection(): boolean {
    return this.#state === CONNECTING || this.#state === RECONNECTING;
  }

  addresses(server: ServerEntry): Promise<string[]> {
    return addressesOf(server, this.options, this.#factory.resolve).catch((err: Error) => {
      this.#dialFailed(server, err);
      throw err;
    });
  }

  onAttempt(): void {
    this.#owner.onStatus({ type: "reconnecting" });
  }

  /** One attempt (dial.ts); once done, the subscriptions and then what waited go out. */
  dial(server: ServerEntry, hostname: string): Promise<void> {
    const transport = this.#factory.create();
    this.#transport = transport;
    this.#server = server;
    this.info = undefined;
    this.#lastError = undefined;
    this.#parser.reset();
    const handshake = new Handshake(this, transport, server);
    this.#handshake = handshake;
    transport.connect(dialTarget(server, hostname, this.options), this.#listenerFor(transport))
      .catch((err) => handshake.fail(err as Error));
    return handshake.done;
  }

  handshakeEnded(handshake: Handshake, err?: Error): void {
    if (this.#handshake !== handshake) return;
    this.#handshake = undefined;
    if (err) {
      this.#dialFailed(this.#server!, err);
      return;
    }
    const server = this.#server!;
    this.#state = CONNECTED;
    this.pool.current = server;
    const resubscribe = this.subscriptions.resubscribeFrames();
    if (resubscribe) handshake.transport.write(resubscribe);
    if (!this.headersSupported() && this.#out.replaysHeaders()) {
      // nats-server closes the connection on an HPUB it cannot take (and says
      // nothing): the reconnect buffer goes, and the error says why
      const err = InvalidArgumentError.format("headers", "are not supported by the server: the reconnect buffer was dropped", {
        code: ErrorCode.HeadersNotSupported,
      });
      this.#out.discard(err);
      this.#owner.onStatus({ type: "error", error: err });
    }
    this.#out.attach(handshake.transport);
    this.#heartbeat.start();
  }

  /** An attempt failed; not reported once close() was called (the attempt is abandoned, not failed). */
  #dialFailed(server: ServerEntry, err: Error): void {
    if (this.wantsConnection()) this.#owner.onDialError(server.listen, err, this.#state === RECONNECTING);
  }

  /** A listener that ignores a transport once it has been replaced. */
  #listenerFor(transport: Transport): TransportListener {
    return {
      onData: (chunk) => {
        if (this.#transport === transport) this.#onData(chunk);
      },
      onClose: (err) => {
        if (this.#transport === transport) this.#onTransportClose(err);
      },
      onDrain: () => {
        if (this.#transport === transport) this.#out.onDrain();
      },
    };
  }

  // ---- HandshakeHost -------------------------------------------------------------

  stopParsing(): void {
    this.#parser.stop();
  }

  onStatus(status: Status): void {
    this.#owner.onStatus(status);
  }

  // ---- inbound ----------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    // once close() is called nothing more is delivered
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#heartbeat.alive = true;
    if (this.#handshake && !this.#handshake.checkFirstBytes(chunk)) return;
    try {
      this.#parser.parse(chunk);
    } catch (err) {
      const e = err instanceof ProtocolError ? err : new ProtocolError("error processing server data", { cause: err, code: ErrorCode.BadServerData });
      this.#owner.onStatus({ type: "error", error: e });
      this.#fail(e);
    }
  }

  onMsg(args: MsgArgs, payload: Uint8Array): void {
    this.stats.inMsgs++;
    this.stats.inBytes += payload.length;
    this.options.debug?.(`< ${debugMsgLine(args)}`);
    const sub = this.subscriptions.get(args.sid);
    if (sub !== undefined) sub.deliver(args, payload);
  }

  onInfo(json: string): void {
    this.options.debug?.(`< INFO ${json}`);
    let info: ServerInfo;
    try {
      info = JSON.parse(json);
    } catch (err) {
      throw new ProtocolError("the server sent an INFO that is not JSON", { cause: err, code: ErrorCode.BadServerData });
    }
    if (typeof info !== "object" || info === null || Array.isArray(info)) {
      throw new ProtocolError("the server sent an INFO that is not a JSON object", { code: ErrorCode.BadServerData });
    }
    const first = this.info === undefined;
    this.info = info;
    this.#knownInfo = info;
    if (first) this.#handshake?.onInfo(info);
    if (!this.options.ignoreClusterUpdates && Array.isArray(info.connect_urls)) {
      // the first INFO of a dial comes before the handshake makes its server the current one
      const changed = this.pool.update(info.connect_urls, this.#server);
      if (changed) this.#owner.onStatus({ type: "update", added: changed.added, deleted: changed.deleted });
    }
    if (info.ldm) this.#owner.onStatus({ type: "ldm", server: this.getServer() });
  }

  onPing(): void {
    this.options.debug?.("< PING");
    this.#out.pong();
  }

  onPong(): void {
    this.options.debug?.("< PONG");
    if (this.#handshake) {
      // the PONG to CONNECT's PING
      this.#handshake.complete();
      return;
    }
    this.#out.onPong();
  }

  onOk(): void {
    this.options.debug?.("< +OK");
  }

  onErr(text: string): void {
    this.options.debug?.(`< -ERR '${text}'`);
    const err = errorFromServer(text);
    this.#owner.onStatus({ type: "error", error: err });
    if (err instanceof PermissionViolationError) {
      this.#owner.onPermissionError(err);
      return;
    }
    this.#lastError = err;
    if (this.#handshake) {
      this.#handshake.fail(err);
    } else if (isAuthError(err) && this.#server) {
      // counts toward giving up on this server if the next handshake fails the same way
      this.#server.authErrors++;
    }
  }

  // ---- outbound ---------------------------------------------------------------

  publish(subject: string, reply: string | undefined, headers: Uint8Array | undefined, payload: Uint8Array | string, request?: AwaitedRequest): boolean {
    return this.#out.publish(subject, reply, headers, payload, request);
  }

  ready(): Promise<void> {
    if (!this.canSend()) return Promise.reject(new ClosedConnectionError());
    return this.#out.ready();
  }

  /**
   * Sends a PING; resolves on its PONG. While reconnecting the PING waits with
   * the buffered frames, so it still confirms they reached the server.
   * Rejects with ClosedConnectionError if the connection closes first.
   */
  flush(): Promise<void> {
    if (!this.canSend()) return Promise.reject(new ClosedConnectionError());
    return new Promise<void>((resolve, reject) => {
      this.#out.ping((err) => (err ? reject(err) : resolve()));
    });
  }

  // ---- WriterOwner: a server that stopped reading ----------------------------------

  onStall(idleMs: number, waiting: number): void {
    if (this.#state === CLOSING) {
      // close() does not wait for a server that stopped reading
      this.#abandonClose();
      return;
    }
    this.#owner.onStatus({
      type: "error",
      error: new ConnectionError(
        `outbound stalled: the server has taken no bytes for ${Math.round(idleMs)} ms and ${waiting} wait to be written`,
        { code: ErrorCode.OutboundStalled },
      ),
    });
  }

  onStallTimeout(idleMs: number, waiting: number): void {
    if (this.#state === CLOSING) {
      this.#abandonClose();
      return;
    }
    if (this.#state !== CONNECTED) return;
    this.#owner.onStatus({ type: "staleConnection" });
    this.#fail(new ConnectionError(
      `stale connection: the server took no bytes for ${Math.round(idleMs)} ms while ${waiting} waited to be written`,
      { code: ErrorCode.OutboundStalled },
    ));
  }

  // ---- HeartbeatHost ------------------------------------------------------------

  sendPing(onPong: () => void): void {
    if (this.#state !== CONNECTED) return;
    this.#out.ping((err) => {
      if (!err) onPong();
    });
  }

  onPingTick(pendingPings: number): void {
    this.#owner.onStatus({ type: "ping", pendingPings });
  }

  onStale(): void {
    this.#owner.onStatus({ type: "staleConnection" });
    this.#fail(new ConnectionError("stale connection: the server did not answer PINGs", { code: ErrorCode.StaleConnection }));
  }

  // ---- subscriptions ----------------------------------------------------------

  /** Registers a subscription and sends SUB (and UNSUB max when given). */
  addSubscription(sub: SubscriptionSink, max?: number): void {
    this.subscriptions.add(sub);
    this.#out.sub(sub, max);
  }

  sendUnsub(sid: number, max?: number): void {
    this.#out.unsub(sid, max);
  }
}
