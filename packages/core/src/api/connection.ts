/**
 * NatsConnection: the public API. It checks arguments (nothing invalid
 * reaches the engine, so nothing invalid reaches the wire) and turns engine
 * events into promises, iterators and status events.
 */
import { type AwaitedRequest, createEngine, type Engine, type EngineOwner } from "../connection/engine.js";
import { type ParsedOptions, parseOptions } from "../connection/options.js";
import {
  ClosedConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  InvalidOperationError,
  type PermissionViolationError,
  RequestError,
} from "../errors.js";
import type { TransportFactory } from "../transport/transport.js";
import { checkPublishSubject, checkSubject, checkSubLine, checkSubOptions } from "./arguments.js";
import { Features, type SemVer, serverVersion } from "./features.js";
import { type CloseListener, CloseListeners, notifyClosed } from "./close-listeners.js";
import { ProtocolShim } from "./protocol-shim.js";
import { Publisher } from "./publisher.js";
import { QueuedIteratorImpl } from "./queued-iterator.js";
import { RequestMux } from "./request.js";
import { DEFAULT_REQUEST_TIMEOUT, requestMany, startRequest } from "./requests.js";
import { SubscriptionImpl, type SubscriptionHost } from "./subscription.js";
import { diagnosticsSlot, type DiagnosticsSlot, type RequestTap } from "../diagnostics/hooks.js";
import { Empty } from "../types.js";
import type {
  ConnectionOptions,
  Msg,
  MsgHdrs,
  NatsConnection,
  Payload,
  PublishOptions,
  RequestManyOptions,
  RequestOptions,
  Server,
  ServerInfo,
  Stats,
  Status,
  Subscription,
  SubscriptionOptions,
} from "../types.js";

export class NatsConnectionImpl implements NatsConnection, EngineOwner, SubscriptionHost {
  readonly engine: Engine;
  readonly options: ParsedOptions;
  /** the diagnostics hooks, once the channels are in use (see diagnostics/hooks.ts) */
  readonly diagnostics: DiagnosticsSlot = diagnosticsSlot();
  private readonly mux: RequestMux;
  private readonly listeners = new Set<QueuedIteratorImpl<Status>>();
  private readonly closedPromise: Promise<void | Error>;
  private resolveClosed!: (v: void | Error) => void;
  private draining = false;
  private noMorePublishing = false;
  private closing: Promise<void> | undefined;
  private readonly publisher: Publisher;
  // made on first use: most connections never serve a nats-core library
  private featureSet: Features | undefined;
  private featureVersion: string | undefined;
  private closeListeners: CloseListeners | undefined;
  private shim: ProtocolShim | undefined;

  private constructor(opts: ParsedOptions, private readonly factory: TransportFactory) {
    this.options = opts;
    this.engine = createEngine(opts, factory, this);
    this.mux = new RequestMux(this, opts.inboxPrefix);
    this.publisher = new Publisher(this.engine, opts.maxControlLine, this.diagnostics, this);
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Connects with the given transport factory; what each runtime's `connect()` calls. */
  static async connect(
    opts: ConnectionOptions | undefined,
    factory: TransportFactory,
  ): Promise<NatsConnectionImpl> {
    const nc = new NatsConnectionImpl(parseOptions(opts, factory), factory);
    await nc.engine.connect();
    nc.diagnostics.current?.connected(nc, nc.getServer(), nc.engine.info!, false);
    return nc;
  }

  get info(): ServerInfo | undefined {
    return this.engine.info;
  }

  // ---- engine events ----------------------------------------------------

  onStatus(status: Status): void {
    for (const l of this.listeners) l.push(status);
    if (status.type === "reconnect") this.diagnostics.current?.connected(this, status.server, this.engine.info!, true);
  }

  onDialError(server: string, err: Error, reconnecting: boolean): void {
    this.diagnostics.current?.connectError(this, server, err, reconnecting);
  }

  onDisconnect(server: string, err: Error): void {
    this.diagnostics.current?.disconnected(this, server, err);
  }

  /** See `TransportFactory.adaptError`. */
  adaptError(err: Error): void {
    this.factory.adaptError?.(err);
  }

  onPermissionError(err: PermissionViolationError): void {
    if (this.mux.onPermissionError(err)) return;
    for (const sub of this.liveSubscriptions()) {
      if (err.operation === "subscription") {
        if (sub.subject === err.subject && err.queue === sub.queue) {
          sub.terminate(err);
        }
      } else if (sub.requestSubject === err.subject) {
        // a noMux request whose publish was refused
        sub.terminate(new RequestError(err.message, { cause: err }));
      }
    }
  }

  onClosed(err: Error | undefined): void {
    // errors capture a stack: made only for requests in flight (a close is otherwise 1.5x slower than 3.4's)
    this.mux.close(() => new RequestError("connection closed", { cause: new ClosedConnectionError() }));
    for (const sub of this.liveSubscriptions()) sub.finish();
    this.onStatus({ type: "close" });
    this.diagnostics.current?.closed(this, err);
    for (const l of this.listeners) l.stop();
    this.listeners.clear();
    this.resolveClosed(err);
    this.closeListeners?.closed(err);
  }

  /** The subscriptions the server still sends to (the request inbox included), as a copy. */
  private liveSubscriptions(): SubscriptionImpl[] {
    return this.engine.subscriptions.list() as SubscriptionImpl[];
  }

  // ---- state --------------------------------------------------------------

  closed(): Promise<void | Error> {
    return this.closedPromise;
  }

  /** True once close() was called (as 3.4), while it still sends what waits. */
  isClosed(): boolean {
    return this.closing !== undefined || this.engine.isClosed();
  }

  isDraining(): boolean {
    return this.draining && !this.isClosed();
  }

  getServer(): string {
    return this.engine.getServer();
  }

  /** The server pool: what the user gave and what the cluster gossiped. */
  getServers(): ReadonlyArray<Server> {
    return this.engine.pool.all().map((s) => s.snapshot());
  }

  /** Replaces the server pool with `servers`, as 3.4 does (gossip adds to it again); servers already known keep their state and the connection stays up. */
  setServers(servers: string[]): void {
    if (!Array.isArray(servers) || servers.length === 0) {
      throw InvalidArgumentError.format("servers", "must be a non-empty array of host:port strings");
    }
    const addrs = servers.map((u) => this.factory.parseUrl(u));
    this.engine.pool.replace(addrs);
  }

  /** Drops the current connection and connects again (to the next server of the pool). */
  reconnect(): Promise<void> {
    if (this.engine.isClosed()) return Promise.reject(new ClosedConnectionError());
    if (this.draining) return Promise.reject(new DrainingConnectionError());
    if (!this.options.reconnect) {
      return Promise.reject(new InvalidOperationError("reconnect is disabled: the connection was made with 'reconnect: false'"));
    }
    this.engine.forceReconnect();
    return Promise.resolve();
  }

  stats(): Stats {
    return { ...this.engine.stats };
  }

  status(): AsyncIterable<Status> {
    const iter = new QueuedIteratorImpl<Status>();
    if (this.engine.isClosed()) {
      iter.stop();
      return iter;
    }
    // a break, or stop() (the JetStream consumers stop theirs), ends it: also
    // one stopped with events nobody will read
    iter.onBreak = iter.onStop = () => this.listeners.delete(iter);
    this.listeners.add(iter);
    return iter;
  }

  // ---- what libraries built on @nats-io/nats-core use -------------------

  /**
   * What the connected server's version supports, by `Feature` name (the
   * JetStream, KV and Object Store libraries ask it). Follows the server
   * across reconnects; version 0.0.0 before the first INFO.
   */
  get features(): Features {
    const version = this.engine.info?.version;
    this.featureSet ??= new Features("0.0.0");
    if (version !== undefined && version !== this.featureVersion) {
      this.featureVersion = version;
      // a version that is not x.y.z (a misbehaving server) supports nothing
      this.featureSet.update(this.getServerVersion() ?? "0.0.0");
    }
    return this.featureSet;
  }

  /** The connected server's version; undefined once closed, or if the server's is not x.y.z. */
  getServerVersion(): SemVer | undefined {
    return serverVersion(this.engine.info);
  }

  /**
   * Calls `listener.connectionClosedCallback(err)` once the connection is
   * closed (at once, in a microtask, if it already is). Errors it throws are
   * ignored. nats-core's internal API: the pull consumers stop on it.
   */
  addCloseListener(listener: CloseListener): void {
    if (this.engine.isClosed()) {
      this.closedPromise.then((err) => notifyClosed(listener, err || undefined));
      return;
    }
    (this.closeListeners ??= new CloseListeners()).add(listener);
  }

  removeCloseListener(listener: CloseListener): void {
    this.closeListeners?.remove(listener);
  }

  /**
   * Moves a subscription to another subject, under a new sid (UNSUB, then
   * SUB); with `max`, it ends after `max` more messages. nats-core's
   * internal API: the ordered consumers move to a new inbox on every reset.
   */
  _resub(s: Subscription, subject: string, max?: number): void {
    if (this.engine.isClosed()) throw new ClosedConnectionError();
    if (this.draining) throw new DrainingConnectionError();
    checkSubject(subject);
    if (!(s instanceof SubscriptionImpl)) {
      throw InvalidArgumentError.format("subscription", "must come from this connection's subscribe()");
    }
    s.resub(subject, max);
  }

  /** What `msg.publisher` (and `nc.protocol`, which 3.4's bench example tunes) gives: see protocol-shim.ts. */
  get protocolShim(): ProtocolShim {
    return (this.shim ??= new ProtocolShim(this, this.mux));
  }
  get protocol(): ProtocolShim {
    return this.protocolShim;
  }

  // ---- publish ------------------------------------------------------------

  private checkPublish(): void {
    if (this.engine.isClosed()) throw new ClosedConnectionError();
    if (this.noMorePublishing) throw new DrainingConnectionError();
    if (!this.engine.canSend()) throw new ClosedConnectionError();
  }

  publish(subject: string, payload: Payload = Empty, options?: PublishOptions): boolean {
    this.checkPublish();
    return this.publisher.send(subject, payload, options, false, undefined);
  }

  /**
   * `msg.respond()`: a publish, but also while the connection drains (the
   * reply to a message drain let through), and false instead of a throw once
   * the connection is closed. While it can send, bad arguments throw as in publish().
   */
  respond(subject: string, payload: Payload = Empty, options?: PublishOptions): boolean {
    if (!this.engine.canSend()) return false;
    this.publisher.send(subject, payload, options, false, undefined);
    return true;
  }

  /** A request's publish: its reply subject made or checked by the request; `request`, its diagnostics tap if any. */
  sendRequest(subject: string, payload: Payload, options: PublishOptions, request: RequestTap | undefined, awaited: AwaitedRequest): boolean {
    this.checkPublish();
    return this.publisher.sendRequest(subject, payload, options, request, awaited);
  }

  /** The server takes headers; while reconnecting, the last server did (see ProtocolEngine.headersSupported). */
  headersSupported(): boolean {
    return this.engine.headersSupported();
  }

  /** What a traced publish wraps (see Publisher.encodeAndSend). */
  encodeAndSend(subject: string, reply: string | undefined, hdrs: MsgHdrs | undefined, payload: Uint8Array | string): boolean {
    return this.publisher.encodeAndSend(subject, reply, hdrs, payload);
  }

  publishMessage(msg: Msg): void {
    this.publish(msg.subject, msg.data, { reply: msg.reply, headers: msg.headers });
  }

  respondMessage(msg: Msg): boolean {
    if (!msg.reply) return false;
    this.publish(msg.reply, msg.data, { headers: msg.headers });
    return true;
  }

  // ---- subscribe ----------------------------------------------------------

  subscribe(subject: string, opts: SubscriptionOptions = {}): Subscription {
    if (this.isClosed()) throw new ClosedConnectionError();
    if (this.draining) throw new DrainingConnectionError();
    checkSubject(subject);
    checkSubOptions(opts);
    const queue = opts.queue || undefined;
    if (subject.length + (queue === undefined ? 0 : queue.length) > this.publisher.lineFits) {
      checkSubLine(subject, queue, this.engine.subscriptions.upcomingSid(), this.options.maxControlLine);
    }
    const sub = new SubscriptionImpl(this, subject, opts);
    this.engine.addSubscription(sub, opts.max);
    return sub;
  }

  // ---- request ------------------------------------------------------------

  request(
    subject: string,
    payload: Payload = Empty,
    opts: RequestOptions = { timeout: DEFAULT_REQUEST_TIMEOUT },
  ): Promise<Msg> {
    try {
      this.checkRequest(subject);
      return startRequest(this, this.mux, subject, payload, opts);
    } catch (err) {
      this.adaptError(err as Error);
      return Promise.reject(err);
    }
  }

  private checkRequest(subject: string): void {
    if (this.engine.isClosed()) throw new ClosedConnectionError();
    if (this.draining) throw new DrainingConnectionError();
    checkPublishSubject(subject);
  }

  requestMany(
    subject: string,
    payload: Payload = Empty,
    opts: Partial<RequestManyOptions> = {},
  ): Promise<AsyncIterable<Msg>> {
    try {
      this.checkRequest(subject);
      return Promise.resolve(requestMany(this, this.mux, subject, payload, opts));
    } catch (err) {
      this.adaptError(err as Error);
      return Promise.reject(err);
    }
  }

  // ---- flush, rtt, drain, close -----------------------------------------

  flush(): Promise<void> {
    if (this.engine.isClosed()) return Promise.reject(new ClosedConnectionError());
    const flushed = this.engine.flush();
    // `nc.flush(); await nc.close();` must not crash the process: the close
    // rejects the flush, which nobody awaits (3.4's would never settle)
    flushed.catch(() => {});
    return flushed;
  }

  ready(): Promise<void> {
    if (this.engine.isClosed()) return Promise.reject(new ClosedConnectionError());
    return this.engine.ready();
  }

  async rtt(): Promise<number> {
    if (this.engine.isClosed()) throw new ClosedConnectionError();
    // as 3.4: no round trip to time while disconnected (a flush would wait for the next server)
    if (!this.engine.isConnected()) throw new RequestError("connection disconnected");
    const start = performance.now();
    await this.flush();
    return performance.now() - start;
  }

  /**
   * Drains every subscription (each gets every message already sent to it;
   * iterators still yield what they hold after this resolves), sends what is
   * queued, then closes. Rejects with the reason when the connection ended
   * on its own meanwhile (e.g. no server came back): what was queued is lost.
   */
  async drain(): Promise<void> {
    if (this.engine.isClosed()) throw new ClosedConnectionError();
    if (this.draining) throw new DrainingConnectionError();
    this.draining = true;
    // the request inbox is one of them: requests in flight get their replies first
    const subs = this.liveSubscriptions();
    await Promise.allSettled(subs.map((s) => s.isClosed() ? undefined : s.drain()));
    this.noMorePublishing = true;
    // a flush fails when its connection drops (its PONG would confirm nothing);
    // what waits goes out on the next connection, so drain asks again there.
    // Closing or closed meanwhile: close() below settles the rest
    while (this.engine.canSend()) {
      try {
        await this.engine.flush();
        break;
      } catch {
        // dropped or closed: the loop's condition tells
      }
    }
    await this.close();
    const reason = await this.closedPromise;
    if (reason) throw reason;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.engine.close().then(() => {});
    }
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.engine.isClosed()) return;
    if (this.draining) {
      await this.closedPromise;
      return;
    }
    await this.drain();
  }

  // ---- test hooks -----------------------------------------------------

  /** Counts for tests: live subscriptions (the request inbox included) and requests in flight. */
  _counts(): { subscriptions: number; requests: number } {
    return { subscriptions: this.engine.subscriptions.size, requests: this.mux.size() };
  }
}
