/**
 * The protocol engine of one connection: dials through a transport, answers
 * INFO with CONNECT, keeps the PING/PONG bookkeeping, batches outbound frames
 * into one write per microtask (or inline past a threshold), and dispatches
 * inbound frames to subscriptions by sid. It knows nothing of the public API
 * objects: subscriptions reach it through `SubscriptionSink`, the connection
 * through `EngineOwner`.
 */
import type { ServerInfo, Stats, Status } from "../api/types.js";
import {
  ClosedConnectionError,
  ConnectionError,
  ErrorCode,
  errorFromServer,
  PermissionViolationError,
  ProtocolError,
  RequestError,
  TimeoutError,
} from "../errors.js";
import { OutboundBuffer, PONG } from "../protocol/encoder.js";
import { type MsgArgs, Parser, type ParserHandler } from "../protocol/parser.js";
import type { DialTarget, Transport, TransportFactory, TransportListener } from "../transport/transport.js";
import { debugLine, debugMsgLine, redactConnect } from "./debug.js";
import { connectFields, tlsDecision } from "./handshake.js";
import { Heartbeat, type HeartbeatHost } from "./heartbeat.js";
import { DEFAULT_OUTBOUND_HIGH_WATER, type ParsedOptions, type ServerAddress, serverParser, shuffle } from "./options.js";
import { type DialHost, DialLoop, isAuthError } from "./reconnect.js";
import { type ServerEntry, ServerPool } from "./servers.js";
import { Writer, type WriterOwner } from "./writer.js";

/** What the engine needs of a subscription. */
export interface SubscriptionSink {
  readonly sid: number;
  readonly subject: string;
  readonly queue?: string;
  /** messages still to deliver before auto-unsubscribe, undefined without a max (re-sent after a reconnect) */
  remaining(): number | undefined;
  /** A message for this sid. Must not throw (user code is guarded inside). */
  deliver(args: MsgArgs, payload: Uint8Array): void;
}

/** What the engine tells the connection. */
export interface EngineOwner {
  onStatus(status: Status): void;
  /** a `-ERR` permission violation, for the subscription or request it concerns */
  onPermissionError(err: PermissionViolationError): void;
  /** the engine is closed for good; `err` is why, undefined for a requested close */
  onClosed(err: Error | undefined): void;
}


const enum State {
  Connecting,
  Connected,
  /** lost the connection, dialing again; publishes are buffered */
  Reconnecting,
  Closing,
  Closed,
}

export class Engine implements ParserHandler, HeartbeatHost, DialHost, WriterOwner {
  info: ServerInfo | undefined;
  readonly stats: Stats = { inBytes: 0, outBytes: 0, inMsgs: 0, outMsgs: 0 };
  private readonly writer: Writer;
  /** the outbound buffer, for the encoder's users */
  readonly out: Writer["out"];
  /** outbound bytes above which publish() returns false and ready() waits for half */
  private readonly highWater: number;
  private readonly subs = new Map<number, SubscriptionSink>();
  private sidCounter = 0;

  private state = State.Connecting;
  private transport: Transport | undefined;
  private server: ServerEntry | undefined;
  readonly pool: ServerPool;
  private readonly dialLoop: DialLoop;
  private readonly parser: Parser;
  private readonly heartbeat: Heartbeat;
  private readonly parseServer: (url: string, encrypted?: boolean) => ServerAddress;
  /** settles the dial in progress: undefined on the handshake's PONG, an Error on failure */
  private handshake: ((err?: Error) => void) | undefined;
  /** the last server error that was not a permission violation; the close reason if the connection then drops */
  private lastError: Error | undefined;
  private closeWaiter: (() => void) | undefined;

  constructor(
    readonly options: ParsedOptions,
    private readonly factory: TransportFactory,
    private readonly owner: EngineOwner,
  ) {
    this.writer = new Writer(this, options.timeout);
    this.out = this.writer.out;
    this.highWater = options.maxOutboundBytes ?? DEFAULT_OUTBOUND_HIGH_WATER;
    this.parser = new Parser(this);
    this.heartbeat = new Heartbeat(this, options.pingInterval, options.maxPingOut);
    this.parseServer = serverParser(factory);
    this.pool = new ServerPool(
      options.servers,
      !options.noRandomize,
      (url) => this.parseServer(url, this.transport?.isEncrypted()),
    );
    this.dialLoop = new DialLoop(this);
  }

  // ---- lifecycle -------------------------------------------------------

  /** The first connection: rejects with the last failure when no server could be reached. */
  async connect(): Promise<void> {
    try {
      this.server = await this.dialLoop.run();
    } catch (err) {
      this.state = State.Closed;
      this.heartbeat.stop();
      throw err;
    }
  }

  // ---- DialHost -----------------------------------------------------------

  lastInfo(): ServerInfo | null {
    return this.info ?? null;
  }

  wantsConnection(): boolean {
    return this.state === State.Connecting || this.state === State.Reconnecting;
  }

  async addresses(server: ServerEntry): Promise<string[]> {
    const resolve = this.factory.resolve;
    if (!this.options.resolve || resolve === undefined || isIpLiteral(server.hostname)) {
      return [server.hostname];
    }
    let addrs: string[];
    try {
      addrs = await resolve(server.hostname);
    } catch (err) {
      throw new ConnectionError(`cannot resolve host '${server.hostname}'`, { cause: err });
    }
    return this.options.noRandomize ? addrs : shuffle(addrs.slice());
  }

  onAttempt(): void {
    this.owner.onStatus({ type: "reconnecting" });
  }

  /** One attempt: transport, INFO, CONNECT, PING, PONG; then the subscriptions and the buffered frames go out. */
  dial(server: ServerEntry, hostname: string): Promise<void> {
    const transport = this.factory.create();
    this.transport = transport;
    this.server = server;
    this.info = undefined;
    this.lastError = undefined;
    this.parser.reset();

    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(this.handshakeTimeout(server)), this.options.timeout);
      const settle = (err?: Error) => {
        if (this.handshake !== settle) return;
        this.handshake = undefined;
        clearTimeout(timer);
        if (err) {
          transport.destroy();
          reject(err);
        } else {
          this.state = State.Connected;
          this.pool.current = server;
          this.resendSubscriptions(transport);
          this.writer.attach(transport);
          this.writer.flush();
          this.heartbeat.start();
          this.checkReady();
          resolve();
        }
      };
      this.handshake = settle;
      transport.connect(this.targetFor(server, hostname), this.listenerFor(transport))
        .catch((err) => settle(err as Error));
    });
  }

  /** A TimeoutError that says which step did not finish, and the likely cause. */
  private handshakeTimeout(server: ServerEntry): TimeoutError {
    const err = new TimeoutError();
    const ms = this.options.timeout;
    err.message = this.info === undefined
      ? `timeout: no INFO from ${server.listen} within ${ms} ms; is it a NATS client port? ` +
        "(a websocket port waits for an HTTP upgrade: use wsconnect() for it)"
      : `timeout: ${server.listen} did not complete the handshake within ${ms} ms`;
    return err;
  }

  private targetFor(server: ServerEntry, hostname: string): DialTarget {
    const target: DialTarget = {
      hostname,
      port: server.port,
      tlsName: server.tlsName || server.hostname,
      tls: this.options.tls,
    };
    if (server.url !== undefined) target.url = server.url;
    return target;
  }

  /** SUB for every live subscription (with its remaining max), ahead of anything buffered. */
  private resendSubscriptions(transport: Transport): void {
    if (this.subs.size === 0) return;
    const buf = new OutboundBuffer(4096);
    for (const sub of this.subs.values()) {
      buf.sub(sub.subject, sub.queue, sub.sid);
      const remaining = sub.remaining();
      if (remaining !== undefined) buf.unsub(sub.sid, remaining);
    }
    transport.write(buf.take());
  }

  /** A listener that ignores a transport once it has been replaced. */
  private listenerFor(transport: Transport): TransportListener {
    return {
      onData: (chunk) => {
        if (this.transport === transport) this.onData(chunk);
      },
      onClose: (err) => {
        if (this.transport === transport) this.onTransportClose(err);
      },
      onDrain: () => {
        if (this.transport === transport) this.checkReady();
      },
    };
  }

  isClosed(): boolean {
    return this.state === State.Closed;
  }

  /** `host:port` of the current server */
  getServer(): string {
    return this.server ? this.server.listen : "";
  }

  /**
   * Closes the connection: what was published is sent first, then the
   * transport is closed. `err` becomes the close reason. Sending the rest is
   * bounded: a server that takes no bytes for a second (a stall), or that
   * has not taken them all within the connection `timeout`, loses them, and
   * `closed()` tells how many.
   */
  async close(err?: Error): Promise<void> {
    if (this.state === State.Closed || this.state === State.Closing) return;
    const wasConnected = this.state === State.Connected;
    const transport = this.transport;
    this.state = State.Closing;
    this.heartbeat.stop();
    this.dialLoop.cancel();
    // nothing more is delivered once close() is called, even from the rest of a chunk
    this.parser.stop();
    if (!wasConnected) {
      // closing while (re)connecting: what was buffered cannot be sent
      this.handshake?.(new ClosedConnectionError());
      transport?.destroy();
    } else if (transport) {
      const closed = new Promise<void>((resolve) => {
        this.closeWaiter = resolve;
      });
      const bound = setTimeout(() => this.abandonClose(), this.options.timeout);
      // the transport sends what it holds, then closes
      this.writer.whenEmpty(() => transport.close());
      await closed;
      clearTimeout(bound);
      err ??= this.closeError;
    }
    this.finish(err);
  }

  /** Why close() could not send everything, for closed(). */
  private closeError: Error | undefined;

  /** close() cannot send the rest: the transport is destroyed with it. */
  private abandonClose(): void {
    if (this.state !== State.Closing || !this.transport) return;
    const waiting = this.writer.waitingBytes();
    if (waiting > 0) {
      this.closeError = new ConnectionError(
        `closed with ${waiting} bytes unsent: the server stopped reading`,
        { code: ErrorCode.OutboundStalled },
      );
    }
    this.writer.hold();
    this.transport.destroy();
  }

  /** Drops the connection and dials again (`nc.reconnect()`). */
  forceReconnect(): void {
    if (this.state !== State.Connected) return;
    this.owner.onStatus({ type: "forceReconnect" });
    this.writer.hold();
    this.transport?.destroy();
  }

  /** Ends the connection because of an error: unsent bytes are dropped. */
  private fail(err: Error): void {
    if (this.handshake) {
      this.handshake(err);
      return;
    }
    if (this.state !== State.Connected) return;
    this.lastError = err;
    // what waits stays here for the next connection
    this.writer.hold();
    this.transport?.destroy(err);
  }

  private onTransportClose(err: Error | undefined): void {
    if (this.handshake) {
      this.handshake(this.lastError ?? err ?? new ConnectionError("connection closed by the server during the handshake"));
      return;
    }
    if (this.state === State.Closing) {
      this.closeWaiter?.();
      return;
    }
    if (this.state !== State.Connected) return;
    const reason = this.lastError ?? (err ? new ConnectionError("connection lost", { cause: err }) : new ConnectionError("connection lost"));
    const server = this.getServer();
    this.heartbeat.stop();
    this.writer.dropped(new RequestError("connection disconnected", { cause: reason }));
    this.owner.onStatus({ type: "disconnect", server });
    if (!this.options.reconnect) {
      this.state = State.Closing;
      this.finish(reason);
      return;
    }
    this.state = State.Reconnecting;
    this.dialLoop.run().then(
      (srv) => this.owner.onStatus({ type: "reconnect", server: srv.listen }),
      (e) => {
        if (this.state === State.Reconnecting) {
          this.state = State.Closing;
          this.finish(e instanceof ClosedConnectionError ? reason : e);
        }
      },
    );
  }

  private finish(err: Error | undefined): void {
    this.state = State.Closed;
    this.heartbeat.stop();
    this.parser.stop();
    this.writer.close();
    const info = this.info;
    this.owner.onClosed(err);
    // `info` is gone once closed, as in the official client
    if (info === this.info) this.info = undefined;
  }

  // ---- inbound ---------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    // once close() is called nothing more is delivered
    if (this.state === State.Closing || this.state === State.Closed) return;
    this.heartbeat.alive = true;
    if (this.info === undefined && this.handshake && startsWithHttp(chunk)) {
      this.fail(new ProtocolError(
        `${this.getServer()} answered with HTTP, not NATS: it is a websocket or HTTP port; ` +
          "use wsconnect() for a websocket listener, or the server's client port with connect()",
      ));
      return;
    }
    try {
      this.parser.parse(chunk);
    } catch (err) {
      const e = err instanceof ProtocolError ? err : new ProtocolError("error processing server data", { cause: err });
      this.owner.onStatus({ type: "error", error: e });
      this.fail(e);
    }
  }

  onMsg(args: MsgArgs, payload: Uint8Array): void {
    this.stats.inMsgs++;
    this.stats.inBytes += payload.length;
    if (this.options.debug) debugLine("<", debugMsgLine(args));
    const sub = this.subs.get(args.sid);
    if (sub !== undefined) sub.deliver(args, payload);
  }

  onInfo(json: string): void {
    if (this.options.debug) debugLine("<", `INFO ${json}`);
    let info: ServerInfo;
    try {
      info = JSON.parse(json);
    } catch (err) {
      throw new ProtocolError("the server sent an INFO that is not JSON", { cause: err });
    }
    if (typeof info !== "object" || info === null || Array.isArray(info)) {
      throw new ProtocolError("the server sent an INFO that is not a JSON object");
    }
    const first = this.info === undefined;
    this.info = info;
    if (first) this.secureThenConnect(info);
    if (!this.options.ignoreClusterUpdates && Array.isArray(info.connect_urls)) {
      const changed = this.pool.update(info.connect_urls);
      if (changed) this.owner.onStatus({ type: "update", added: changed.added, deleted: changed.deleted });
    }
    if (info.ldm) this.owner.onStatus({ type: "ldm", server: this.getServer() });
  }

  /** Upgrades to TLS if INFO and the `tls` option call for it, then sends CONNECT. */
  private secureThenConnect(info: ServerInfo): void {
    const transport = this.transport!;
    const server = this.server!;
    const decision = tlsDecision(info, this.options.tls, transport.isEncrypted(), server.listen);
    if (decision instanceof Error) {
      this.fail(decision);
      return;
    }
    if (decision === "plain") {
      this.sendConnect(info);
      return;
    }
    if (transport.upgrade === undefined) {
      this.fail(new ConnectionError(`server ${server.listen} requires TLS, which this transport cannot do`));
      return;
    }
    // nothing more comes in plain text: the server waits for our TLS handshake
    this.parser.stop();
    const target = this.targetFor(server, server.hostname);
    transport.upgrade(target).then(
      () => {
        if (this.transport !== transport || !this.handshake) return;
        // gossiped servers (usually IPs) are verified against this name too
        if (!isIpLiteral(target.tlsName)) server.tlsName = target.tlsName;
        this.sendConnect(info);
      },
      (err) => {
        if (this.transport === transport) this.fail(err as Error);
      },
    );
  }

  private sendConnect(info: ServerInfo): void {
    const transport = this.transport!;
    let connect: Record<string, unknown>;
    try {
      connect = connectFields(this.options, info, transport);
    } catch (err) {
      // this attempt fails; on a reconnect the loop goes on, and status() says why
      this.owner.onStatus({ type: "error", error: err as Error });
      this.fail(err as Error);
      return;
    }
    if (this.options.debug) {
      debugLine(">", `CONNECT ${JSON.stringify(redactConnect(connect))}`);
      debugLine(">", "PING");
    }
    // straight to the transport: `out` may hold frames buffered while disconnected, which must follow the handshake
    transport.write(new TextEncoder().encode(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`));
  }

  onPing(): void {
    if (this.options.debug) {
      debugLine("<", "PING");
      debugLine(">", "PONG");
    }
    this.out.raw(PONG);
    this.writer.schedule();
  }

  onPong(): void {
    if (this.options.debug) debugLine("<", "PONG");
    if (this.handshake) {
      // the PONG to CONNECT's PING: the handshake is done
      this.handshake();
      return;
    }
    this.writer.pong();
  }

  onOk(): void {
    if (this.options.debug) debugLine("<", "+OK");
  }

  onErr(text: string): void {
    if (this.options.debug) debugLine("<", `-ERR '${text}'`);
    const err = errorFromServer(text);
    this.owner.onStatus({ type: "error", error: err });
    if (err instanceof PermissionViolationError) {
      this.owner.onPermissionError(err);
      return;
    }
    this.lastError = err;
    if (this.handshake) {
      this.handshake(err);
    } else if (isAuthError(err) && this.server) {
      // counts toward giving up on this server if the next handshake fails the same way
      this.server.authErrors++;
    }
  }

  // ---- outbound --------------------------------------------------------

  /** True when frames can be queued: connected, or reconnecting (buffered). */
  canSend(): boolean {
    return this.state === State.Connected || this.state === State.Reconnecting;
  }

  /**
   * Queues a PUB/HPUB; the caller has validated everything. While
   * reconnecting the frame waits, up to `reconnectBufSize` bytes. Returns
   * false when the outbound queue is above its high-water mark (the
   * publisher may `await ready()`); the message is queued either way.
   * Throws only for a bound: the `maxOutboundBytes` the user set, the
   * reconnect buffer, or a server that stopped reading.
   */
  publish(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: Uint8Array | string,
  ): boolean {
    const data = typeof payload === "string" ? this.out.utf8(payload) : payload;
    if (this.state === State.Connected) {
      const outbound = this.writer.outboundBytes();
      if (outbound > this.highWater) this.checkOutbound(outbound);
    } else {
      this.checkReconnectBuffer(subject, reply, headers, data);
    }
    const size = this.out.pub(subject, reply, headers, data);
    this.stats.outMsgs++;
    // stats count payload bytes (headers included), as the official client does
    this.stats.outBytes += size;
    if (this.options.debug) {
      const h = headers ? headers.length : 0;
      debugLine(
        ">",
        `${headers ? "HPUB" : "PUB"} ${subject}${reply ? " " + reply : ""}${headers ? " " + h : ""} ${size} [${size} payload bytes]`,
      );
    }
    this.writer.schedule();
    return this.writer.outboundBytes() <= this.highWater;
  }

  /** Above the high-water mark: refused only past the user's hard bound, or while the server takes nothing. */
  private checkOutbound(outbound: number): void {
    const max = this.options.maxOutboundBytes;
    if (max !== undefined) {
      throw new ConnectionError(
        `outbound buffer full: ${outbound} bytes wait to be written (maxOutboundBytes ${max}); await nc.ready() before publishing more`,
        { code: ErrorCode.OutboundFull },
      );
    }
    if (this.writer.stalled) {
      throw new ConnectionError(
        `outbound stalled: the server has taken no bytes for over a second and ${outbound} wait to be written; await nc.ready()`,
        { code: ErrorCode.OutboundStalled },
      );
    }
  }

  /** While disconnected a frame is kept only if it fits in `reconnectBufSize` with what is kept already. */
  private checkReconnectBuffer(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    data: Uint8Array,
  ): void {
    const limit = this.options.reconnectBufSize;
    // the control line's size is bounded above: 3 bytes per UTF-16 unit, 40 for the rest
    const frame = (subject.length + (reply ? reply.length : 0)) * 3 + 40 + (headers ? headers.length : 0) + data.length;
    if (this.writer.bufferedBytes() + frame <= limit) return;
    throw new ConnectionError(
      limit === 0
        ? "not connected, and the reconnect buffer is disabled (reconnectBufSize: 0)"
        : `reconnect buffer exceeded: the message does not fit in the ${limit} bytes kept while disconnected`,
      { code: ErrorCode.ReconnectBufferFull },
    );
  }

  /**
   * Resolves when the outbound queue is at most half of its high-water mark
   * (at once if it already is): the ready signal for fast publishers.
   */
  ready(): Promise<void> {
    if (!this.canSend()) return Promise.reject(new ClosedConnectionError());
    return this.writer.ready(this.highWater / 2);
  }

  private checkReady(): void {
    this.writer.checkReady(this.highWater / 2);
  }

  // ---- WriterOwner --------------------------------------------------------

  onStall(idleMs: number, waiting: number): void {
    if (this.state === State.Closing) {
      // close() does not wait for a server that stopped reading
      this.abandonClose();
      return;
    }
    this.owner.onStatus({
      type: "error",
      error: new ConnectionError(
        `outbound stalled: the server has taken no bytes for ${Math.round(idleMs)} ms and ${waiting} wait to be written`,
        { code: ErrorCode.OutboundStalled },
      ),
    });
  }

  onStallTimeout(idleMs: number, waiting: number): void {
    if (this.state === State.Closing) {
      this.abandonClose();
      return;
    }
    if (this.state !== State.Connected) return;
    this.owner.onStatus({ type: "staleConnection" });
    this.fail(new ConnectionError(
      `stale connection: the server took no bytes for ${Math.round(idleMs)} ms while ${waiting} waited to be written`,
      { code: ErrorCode.OutboundStalled },
    ));
  }


  /**
   * Sends a PING; resolves on its PONG. While reconnecting the PING waits with
   * the buffered frames, so it still confirms they reached the server.
   * Rejects with ClosedConnectionError if the connection closes first.
   */
  flush(): Promise<void> {
    if (!this.canSend()) return Promise.reject(new ClosedConnectionError());
    return new Promise<void>((resolve, reject) => {
      this.queuePing((err) => (err ? reject(err) : resolve()));
    });
  }

  sendPing(onPong: () => void): void {
    if (this.state !== State.Connected) return;
    this.queuePing((err) => {
      if (!err) onPong();
    });
  }

  private queuePing(w: (err?: Error) => void): void {
    if (this.options.debug) debugLine(">", "PING");
    this.writer.ping(w);
  }

  onPingTick(pendingPings: number): void {
    this.owner.onStatus({ type: "ping", pendingPings });
  }

  onStale(): void {
    this.owner.onStatus({ type: "staleConnection" });
    this.fail(new ConnectionError("stale connection: the server did not answer PINGs"));
  }

  // ---- subscriptions ---------------------------------------------------

  nextSid(): number {
    return ++this.sidCounter;
  }

  /** The sid the next subscription will get (its SUB line's length is checked first). */
  upcomingSid(): number {
    return this.sidCounter + 1;
  }

  /** Registers a subscription and sends SUB (and UNSUB max when given). */
  addSubscription(sub: SubscriptionSink, max?: number): void {
    this.subs.set(sub.sid, sub);
    // while reconnecting, the resend after the handshake covers it
    if (this.state !== State.Connected) return;
    if (this.options.debug) {
      debugLine(">", `SUB ${sub.subject}${sub.queue ? " " + sub.queue : ""} ${sub.sid}`);
    }
    this.out.sub(sub.subject, sub.queue, sub.sid);
    if (max !== undefined && max > 0) this.out.unsub(sub.sid, max);
    this.writer.schedule();
  }

  /** Sends UNSUB (with `max`, the server stops after that many messages in all). */
  sendUnsub(sid: number, max?: number): void {
    if (this.state !== State.Connected) return;
    if (this.options.debug) debugLine(">", `UNSUB ${sid}${max !== undefined ? " " + max : ""}`);
    this.out.unsub(sid, max);
    this.writer.schedule();
  }

  /** Forgets a subscription: later messages for its sid are dropped. */
  removeSubscription(sid: number): void {
    this.subs.delete(sid);
  }

  subscriptionCount(): number {
    return this.subs.size;
  }

  /** The registered subscriptions, as a copy. */
  subscriptionList(): SubscriptionSink[] {
    return [...this.subs.values()];
  }
}

function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

const HTTP = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

function startsWithHttp(chunk: Uint8Array): boolean {
  if (chunk.length < HTTP.length) return false;
  for (let i = 0; i < HTTP.length; i++) if (chunk[i] !== HTTP[i]) return false;
  return true;
}
