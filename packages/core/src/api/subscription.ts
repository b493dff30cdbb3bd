/**
 * A subscription: messages for one sid, delivered to a callback (called
 * synchronously from the read path, guarded so a throwing callback cannot
 * stop the connection) or queued for an async iterator.
 */
import type { Engine, SubscriptionSink } from "../connection/engine.js";
import { ClosedConnectionError, InvalidArgumentError, InvalidOperationError, TimeoutError } from "../errors.js";
import type { MsgArgs } from "../protocol/parser.js";
import { validateMaxMessages } from "../protocol/validate.js";
import { MsgImpl, type MsgPublisher } from "./msg.js";
import type { DiagnosticsSlot } from "../diagnostics/hooks.js";

/** Defaults of nats.go's SetPendingLimits. */
export const DEFAULT_PENDING_MSGS = 512 * 1024;
export const DEFAULT_PENDING_BYTES = 64 * 1024 * 1024;
import { QueuedIteratorImpl } from "./queued-iterator.js";
import type { Msg, MsgCallback, NatsConnection, Status, Subscription, SubscriptionOptions } from "../types.js";

/** What a subscription needs of its connection (which the diagnostics events carry as the connection). */
export interface SubscriptionHost extends NatsConnection, MsgPublisher {
  readonly engine: Engine;
  /** the diagnostics hooks, once the channels are in use */
  readonly diagnostics: DiagnosticsSlot;
  /** an error for the `status()` stream (e.g. a throwing callback) */
  onStatus(status: Status): void;
  /** a request's error on its way to user code (see `TransportFactory.adaptError`) */
  adaptError?(err: Error): void;
}

export class SubscriptionImpl implements Subscription, SubscriptionSink {
  /** both change on `resub()` */
  sid: number;
  subject: string;
  readonly queue: string | undefined;
  /** made on first access: most subscriptions never have theirs read */
  private closedPromise: Promise<void | Error> | undefined;
  private resolveClosed: ((v: void | Error) => void) | undefined;
  /** the end was seen: `closed` resolves to `closedValue` */
  private ended = false;
  private closedValue: void | Error = undefined;
  private max: number | undefined;
  private received = 0;
  private processed = 0;
  private readonly userCallback: MsgCallback<Msg> | undefined;
  private readonly iter: QueuedIteratorImpl<Msg> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private done = false;
  private draining: Promise<void> | undefined;
  private readonly slow: number | undefined;
  private slowNotified = false;
  private pendingMsgsLimit: number;
  private pendingBytesLimit: number;
  private dropped = 0;
  /** in a slow-consumer episode: dropping, status already emitted */
  private dropping = false;
  /** for a noMux request's inbox: the subject requested, to route publish permission errors */
  requestSubject: string | undefined;
  /** a request inbox (the shared one, or a noMux request's): what arrives are replies */
  requestInbox = false;

  constructor(
    private readonly host: SubscriptionHost,
    subject: string,
    opts: SubscriptionOptions = {},
  ) {
    this.sid = host.engine.subscriptions.nextSid();
    this.subject = subject;
    this.queue = opts.queue || undefined;
    this.max = opts.max;
    this.userCallback = opts.callback;
    this.slow = opts.slow;
    this.pendingMsgsLimit = opts.pendingMsgsLimit ?? DEFAULT_PENDING_MSGS;
    this.pendingBytesLimit = opts.pendingBytesLimit ?? DEFAULT_PENDING_BYTES;
    if (!this.userCallback) {
      const iter = new QueuedIteratorImpl<Msg>();
      iter.onBreak = () => this.unsubscribe();
      iter.sizeOf = (m) => (m as MsgImpl).payloadSize();
      this.iter = iter;
    }
    if (opts.timeout !== undefined && opts.timeout > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        // a callback hears of it and keeps listening (as 3.4: "nothing yet" is a
        // warning there); an iterator ends with it
        if (this.userCallback) this.tellCallback(new TimeoutError());
        else this.terminate(new TimeoutError());
      }, opts.timeout);
    }
  }

  /** Resolves when the subscription ends: undefined, or the Error that ended it. */
  get closed(): Promise<void | Error> {
    if (this.closedPromise === undefined) {
      this.closedPromise = this.ended
        ? Promise.resolve(this.closedValue)
        : new Promise((resolve) => {
          this.resolveClosed = resolve;
        });
    }
    return this.closedPromise;
  }

  private settleClosed(v: void | Error): void {
    if (this.ended) return;
    this.ended = true;
    this.closedValue = v;
    this.resolveClosed?.(v);
  }

  /** The message handler the engine calls; exposed as in the official interface. */
  get callback(): MsgCallback<Msg> {
    return this.userCallback ?? ((_err, msg) => this.iter?.push(msg));
  }

  deliver(args: MsgArgs, payload: Uint8Array): void {
    if (this.done) return;
    this.received++;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const msg = new MsgImpl(args, payload, this.host);
    const cb = this.userCallback;
    const hooks = this.host.diagnostics.current;
    const observed = hooks !== undefined &&
      (hooks.channels.Message.hasSubscribers || hooks.channels.CallbackStart.hasSubscribers);
    if (cb !== undefined) {
      this.processed++;
      // with listeners, the message event; the callback runs inside its own events, or as usual
      if (!observed || !hooks.deliver(this.host, this, msg, this.requestInbox, cb)) {
        try {
          const r: unknown = cb(null, msg);
          // an async callback's rejection must not become an unhandled rejection
          if (r instanceof Promise) r.catch((err) => this.reportCallbackError(err));
        } catch (err) {
          this.reportCallbackError(err);
        }
      }
    } else {
      if (observed) hooks.deliver(this.host, this, msg, this.requestInbox, undefined);
      const iter = this.iter!;
      if (this.overLimits(iter, payload.length)) {
        this.drop(iter, msg);
      } else {
        iter.push(msg);
        if (this.slow !== undefined) this.checkSlow(iter.getPending());
      }
    }
    if (this.max !== undefined && this.received >= this.max) {
      // the server stops after `max` (we sent UNSUB sid max); nothing to send
      this.finish();
    }
  }

  /** A callback's error (or its promise's rejection) goes to `status()`. */
  reportCallbackError(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.host.onStatus({ type: "error", error });
  }

  private overLimits(iter: QueuedIteratorImpl<Msg>, size: number): boolean {
    const msgs = this.pendingMsgsLimit;
    const bytes = this.pendingBytesLimit;
    const over = (msgs >= 0 && iter.getPending() >= msgs) ||
      (bytes >= 0 && iter.pendingBytes + size > bytes);
    // the episode ends once the consumer has caught up below both limits
    if (!over) this.dropping = false;
    return over;
  }

  private drop(iter: QueuedIteratorImpl<Msg>, msg: Msg): void {
    const pending = iter.getPending();
    this.dropped++;
    if (!this.dropping) {
      this.dropping = true;
      this.host.onStatus({ type: "slowConsumer", sub: this, pending });
    }
    const hooks = this.host.diagnostics.current;
    if (hooks !== undefined && hooks.channels.Drop.hasSubscribers) {
      hooks.drop(this.host, this, msg, pending, iter.pendingBytes, this.dropped);
    }
  }

  getDropped(): number {
    return this.dropped;
  }

  getPendingBytes(): number {
    return this.iter ? this.iter.pendingBytes : 0;
  }

  setPendingLimits(msgs: number, bytes: number): void {
    if (!Number.isInteger(msgs) || msgs === 0 || msgs < -1 || !Number.isInteger(bytes) || bytes === 0 || bytes < -1) {
      throw new InvalidArgumentError("pending limits must be positive integers, or -1 for no limit");
    }
    this.pendingMsgsLimit = msgs;
    this.pendingBytesLimit = bytes;
  }

  private checkSlow(pending: number): void {
    if (pending > this.slow!) {
      if (!this.slowNotified) {
        this.slowNotified = true;
        this.host.onStatus({ type: "slowConsumer", sub: this, pending });
      }
    } else {
      this.slowNotified = false;
    }
  }

  /**
   * Unsubscribes now, or (with `max`) once `max` messages have been received
   * in all. As in 3.4, `0`, `undefined` (and `null`) mean now; anything but an
   * integer from 0 to 999,999,999 throws InvalidArgumentError and sends nothing.
   */
  unsubscribe(max?: number): void {
    if (max !== undefined && max !== null) {
      const why = validateMaxMessages(max);
      if (why !== null) throw InvalidArgumentError.format("max", why);
    }
    if (this.done) return;
    if (max !== undefined && max !== null && max > 0) {
      this.max = max;
      if (this.received >= max) {
        this.host.engine.sendUnsub(this.sid);
        this.finish();
      } else {
        this.host.engine.sendUnsub(this.sid, max);
      }
      return;
    }
    this.host.engine.sendUnsub(this.sid);
    this.finish();
  }

  /**
   * Moves to `subject` under a new sid: UNSUB for the old one, SUB for the
   * new. Messages already sent to the old sid are dropped. With `max` it ends
   * after `max` more messages (counted on the client, as the official client
   * does: nothing is sent for it).
   */
  resub(subject: string, max?: number): void {
    if (this.done) return;
    const engine = this.host.engine;
    engine.sendUnsub(this.sid);
    engine.subscriptions.remove(this.sid);
    this.sid = engine.subscriptions.nextSid();
    this.subject = subject;
    this.max = max ? max + this.received : undefined;
    engine.addSubscription(this);
  }

  /**
   * UNSUB, then a round trip so every message already sent to us has
   * arrived, then the end. It resolves then, as 3.4's does: an iterator still
   * yields what it holds, and `closed` resolves once its loop has seen the
   * end. Waiting for the loop instead would never end for a loop that awaits
   * this drain (or the connection's) or for an iterator nobody reads.
   */
  drain(): Promise<void> {
    if (this.host.engine.isClosed()) return Promise.reject(new ClosedConnectionError());
    if (this.done) {
      return Promise.reject(new InvalidOperationError("subscription is already closed"));
    }
    if (this.draining) return this.draining;
    this.host.engine.sendUnsub(this.sid);
    this.draining = this.host.engine.flush().then(
      () => this.finish(),
      (err) => {
        this.finish();
        throw err;
      },
    );
    return this.draining;
  }

  /** Drains the subscription when used with `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.draining) return this.draining;
    if (this.done || this.host.engine.isClosed()) return;
    return this.drain();
  }

  /**
   * Ends the subscription; an iterator still yields what it holds. `closed`
   * resolves once the consumer has seen the end (at once for callbacks).
   */
  finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.host.engine.subscriptions.remove(this.sid);
    const iter = this.iter;
    if (iter) {
      iter.onDrained = () => this.settleClosed(err);
      iter.stop(err);
    } else {
      this.settleClosed(err);
    }
  }

  /** Fails the subscription: timeout, permission violation. */
  terminate(err: Error): void {
    if (this.done) return;
    this.tellCallback(err);
    this.host.engine.sendUnsub(this.sid);
    this.finish(err);
  }

  private tellCallback(err: Error): void {
    if (!this.userCallback) return;
    try {
      this.userCallback(err, undefined as unknown as Msg);
    } catch (e) {
      this.reportCallbackError(e);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Msg> {
    if (!this.iter) {
      throw new InvalidOperationError("iterator cannot be used when a callback is registered");
    }
    return this.iter[Symbol.asyncIterator]();
  }

  isDraining(): boolean {
    return this.draining !== undefined && !this.done;
  }

  isClosed(): boolean {
    return this.done;
  }

  getSubject(): string {
    return this.subject;
  }

  getReceived(): number {
    return this.received;
  }

  getProcessed(): number {
    return this.iter ? this.iter.getProcessed() : this.processed;
  }

  getPending(): number {
    return this.iter ? this.iter.getPending() : 0;
  }

  getID(): number {
    return this.sid;
  }

  getMax(): number | undefined {
    return this.max;
  }

  remaining(): number | undefined {
    return this.max === undefined ? undefined : Math.max(this.max - this.received, 0);
  }
}
