/**
 * Request/reply over one shared wildcard inbox (`<prefix>.<nuid>.*`): each
 * request gets a token, replies are routed by it. Nothing is allocated for
 * errors on the happy path; a timeout error is built only when the timer fires.
 */
import {
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  requestTimeoutError,
} from "../errors.js";
import { type Expiring, TimerWheel, type WheelTimer } from "../timers.js";
import { createInbox } from "./inbox.js";
import type { MsgImpl } from "./msg.js";
import { QueuedIteratorImpl } from "./queued-iterator.js";
import { SubscriptionImpl, type SubscriptionHost } from "./subscription.js";
import type { Msg, RequestStrategy } from "../types.js";
import type { RequestTap } from "../diagnostics/hooks.js";

/** A reply with a 503 status and no payload: nobody listens on the request subject. */
export function isNoResponders(m: Msg): boolean {
  return m.data.length === 0 && m.headers?.code === 503;
}

/** One request in flight, waiting for one or many replies. */
export interface PendingRequest {
  /** the subject the request was published to (to match permission errors) */
  readonly subject: string;
  /** a reply; returns true when the request is complete */
  onReply(m: Msg): boolean;
  /** fails the request */
  fail(err: Error): void;
}

export class RequestMux {
  #sub: SubscriptionImpl | undefined;
  #prefix = "";
  /** the prefix's length in bytes (a custom inboxPrefix may be non-ASCII) */
  #prefixBytes = 0;
  /** requests by token: a counter, written in base 36 at the end of the reply subject */
  readonly #pending = new Map<number, PendingRequest>();
  #counter = 0;
  /** the timeouts of this connection's requests, on one timer */
  readonly timers = new TimerWheel();
  readonly #inboxPrefix: string | undefined;

  constructor(
    readonly host: SubscriptionHost,
    inboxPrefix: string | undefined,
  ) {
    this.#inboxPrefix = inboxPrefix;
  }

  /** Registers a request; returns its token (for remove()) and sets the reply subject to publish with. */
  add(req: PendingRequest): number {
    if (this.#sub === undefined || this.#sub.isClosed()) this.#init();
    const token = ++this.#counter;
    this.#pending.set(token, req);
    return token;
  }

  /** The reply subjects' common prefix (with its final dot); "" before the first add(). */
  get baseInbox(): string {
    return this.#prefix;
  }

  /** The reply subject of a token. */
  replySubject(token: number): string {
    return this.#prefix + token.toString(36);
  }

  remove(token: number): void {
    this.#pending.delete(token);
  }

  size(): number {
    return this.#pending.size;
  }

  #init(): void {
    this.#prefix = `${createInbox(this.#inboxPrefix)}.`;
    this.#prefixBytes = new TextEncoder().encode(this.#prefix).length;
    const sub = new SubscriptionImpl(this.host, `${this.#prefix}*`, {
      callback: (err, m) => {
        if (err) {
          this.failAll(err);
          return;
        }
        this.#dispatch(m);
      },
    });
    sub.requestInbox = true;
    this.#sub = sub;
    this.host.engine.addSubscription(sub);
  }

  #dispatch(m: Msg): void {
    // the token is read from the subject's bytes: no string is made for it
    const token = (m as MsgImpl).subjectNumber(this.#prefixBytes);
    const req = this.#pending.get(token);
    if (req === undefined) return;
    if (req.onReply(m)) this.#pending.delete(token);
  }

  /** Routes a permission violation to the requests it concerns. */
  onPermissionError(err: PermissionViolationError): boolean {
    if (err.operation === "subscription" && this.#sub && err.subject === this.#sub.subject) {
      // the shared inbox itself is refused: every request fails, the next one makes a new inbox
      this.failAll(new RequestError(err.message, { cause: err }));
      this.#sub.terminate(err);
      this.#sub = undefined;
      return true;
    }
    if (err.operation !== "publish") return false;
    let matched = false;
    for (const [token, req] of this.#pending) {
      if (req.subject === err.subject) {
        this.#pending.delete(token);
        req.fail(new RequestError(err.message, { cause: err }));
        matched = true;
      }
    }
    return matched;
  }

  failAll(err: Error): void {
    const reqs = [...this.#pending.values()];
    this.#pending.clear();
    for (const r of reqs) r.fail(err);
  }

  /** The connection closed: every request fails with `reason()` (made only if one waits), no timer is left behind. */
  close(reason: () => Error): void {
    if (this.#pending.size > 0) this.failAll(reason());
    this.timers.clear();
  }
}

/**
 * A request that waits for one reply on the shared inbox. It registers
 * itself with the mux and its timer (no closure per request); the error
 * object is made only if the timer fires.
 */
export class SingleRequest implements PendingRequest, Expiring {
  #timer: WheelTimer | undefined;
  #resolve!: (m: Msg) => void;
  #reject!: (err: Error) => void;
  readonly promise: Promise<Msg>;
  readonly #token: number;
  /** the reply subject to publish with */
  readonly reply: string;
  /** its diagnostics events, when someone listened at its start */
  diag: RequestTap | undefined = undefined;
  readonly #mux: RequestMux;

  constructor(readonly subject: string, timeout: number, mux: RequestMux) {
    this.#mux = mux;
    this.promise = new Promise<Msg>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#token = mux.add(this);
    this.reply = mux.replySubject(this.#token);
    this.#timer = mux.timers.add(timeout, this);
  }

  expire(): void {
    this.fail(requestTimeoutError());
  }

  /** its caller still waits for the reply */
  get pending(): boolean {
    return !this.#settled;
  }

  onReply(m: Msg): boolean {
    if (isNoResponders(m)) {
      const cause = new NoRespondersError(this.subject);
      this.fail(new RequestError(cause.message, { cause }));
    } else {
      this.#settle();
      const diag = this.diag;
      if (diag !== undefined) {
        diag.respond(m);
        diag.end();
      }
      this.#resolve(m);
    }
    return true;
  }

  fail(err: Error): void {
    if (this.#settle()) {
      this.diag?.fail(err);
      this.#mux.host.adaptError?.(err);
      this.#reject(err);
    }
  }

  #settled = false;
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#mux.remove(this.#token);
    return true;
  }
}

/** A request that collects replies until its strategy says it is done. */
export class ManyRequest implements PendingRequest {
  readonly iter = new QueuedIteratorImpl<Msg>();
  #maxTimer: ReturnType<typeof setTimeout> | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #count = 0;
  #ended = false;
  onDone: (() => void) | undefined;
  /** its error on the way to user code (see `TransportFactory.adaptError`) */
  adaptError: ((err: Error) => void) | undefined;
  /** its diagnostics events, when someone listened at its start */
  diag: RequestTap | undefined = undefined;
  readonly #strategy: RequestStrategy;
  readonly #maxMessages: number;
  readonly #stall: number;

  constructor(
    readonly subject: string,
    strategy: RequestStrategy,
    maxWait: number,
    maxMessages: number,
    stall: number,
  ) {
    this.#strategy = strategy;
    this.#maxMessages = maxMessages;
    this.#stall = stall;
    this.#maxTimer = setTimeout(() => this.end(), maxWait);
    this.iter.onBreak = () => this.end();
  }

  /** its caller still waits for replies */
  get pending(): boolean {
    return !this.#ended;
  }

  onReply(m: Msg): boolean {
    if (this.#ended) return true;
    if (isNoResponders(m)) {
      this.end(new NoRespondersError(this.subject));
      return true;
    }
    this.#count++;
    this.diag?.respond(m);
    this.iter.push(m);
    // as in 3.4: the sentinel (any reply with no data, headers or not) is yielded, then the iterator ends
    if (this.#strategy === "sentinel" && m.data.length === 0) {
      this.end();
      return true;
    }
    if (this.#strategy === "count" && this.#count >= this.#maxMessages) {
      this.end();
      return true;
    }
    if (this.#strategy === "stall") {
      if (this.#stallTimer !== undefined) clearTimeout(this.#stallTimer);
      this.#stallTimer = setTimeout(() => this.end(), this.#stall);
    }
    return false;
  }

  /** A permission violation ends the iterator as it is, not inside a RequestError (as 3.4's requestMany). */
  fail(err: Error): void {
    this.end(err instanceof RequestError && err.cause instanceof PermissionViolationError ? err.cause : err);
  }

  end(err?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#maxTimer !== undefined) clearTimeout(this.#maxTimer);
    if (this.#stallTimer !== undefined) clearTimeout(this.#stallTimer);
    this.#maxTimer = this.#stallTimer = undefined;
    if (err) {
      this.diag?.fail(err);
      this.adaptError?.(err);
    } else {
      this.diag?.end();
    }
    this.iter.stop(err);
    this.onDone?.();
  }
}
