/**
 * Bench: the official client's built-in benchmark (publish, subscribe,
 * request, reply over one connection), with the same options, metric names
 * and report formats, so `nats bench`-style scripts written for
 * @nats-io/nats-core run unchanged. Timing uses `performance.now()`, which
 * Node, Deno, Bun and browsers all provide.
 */
import { ClosedConnectionError, ConnectionError, ErrorCode, InvalidArgumentError } from "../errors.js";
import { nuid } from "../nuid.js";
import { VERSION } from "../version.js";
import { Empty } from "../types.js";
import type { Msg, NatsConnection, Stats } from "../types.js";

/** Named timestamps (`mark`) and the spans between them (`measure`), in ms. */
export class Perf {
  timers: Map<string, number> = new Map();
  measures: Map<string, number> = new Map();

  /** Records the current time under `key`. */
  mark(key: string): void {
    this.timers.set(key, performance.now());
  }

  /** Stores the time from mark `startKey` to mark `endKey` as `key`; throws if either is missing. */
  measure(key: string, startKey: string, endKey: string): void {
    const start = this.timers.get(startKey);
    if (start === undefined) throw new InvalidArgumentError(`${startKey} is not defined`);
    const end = this.timers.get(endKey);
    if (end === undefined) throw new InvalidArgumentError(`${endKey} is not defined`);
    this.measures.set(key, end - start);
  }

  /** Every measure, in the order first stored. */
  getEntries(): { name: string; duration: number }[] {
    return Array.from(this.measures, ([name, duration]) => ({ name, duration }));
  }
}

/** One result of a Bench run. */
export class Metric {
  /** `pub`, `sub`, `pubsub`, `req`, `rep` or `reqrep` */
  name: string;
  /** milliseconds */
  duration: number;
  /** when the metric was made (ms since the epoch) */
  date: number;
  /** payload size of each message */
  payload: number;
  msgs: number;
  lang = "";
  version = "";
  bytes: number;
  asyncRequests?: boolean;
  min?: number;
  max?: number;

  constructor(name: string, duration: number) {
    this.name = name;
    this.duration = duration;
    this.date = Date.now();
    this.payload = 0;
    this.msgs = 0;
    this.bytes = 0;
  }

  /** e.g. `pub 1,234,567 msgs/sec - [0.08 secs] ~ 150.70 MB/sec ` (then `min/max` if `max` is set). */
  toString(): string {
    const secs = this.duration / 1000;
    const rate = Math.round(this.msgs / secs);
    const range = this.max ? `${this.min}/${this.max}` : "";
    const tag = this.asyncRequests ? " [asyncRequests]" : "";
    return `${this.name}${tag} ${groupThousands(rate)} msgs/sec - [${secs.toFixed(2)} secs] ~ ${bytesPerSecond(this.bytes, secs)} ${range}`;
  }

  /** One CSV line (with its newline), in the columns of `Metric.header()`. */
  toCsv(): string {
    const when = new Date(this.date).toISOString();
    const fields = [
      `"${this.name}"`,
      when,
      this.lang,
      this.version,
      this.msgs,
      this.payload,
      this.bytes,
      this.duration,
      this.asyncRequests ? this.asyncRequests : false,
    ];
    return fields.join(",") + "\n";
  }

  /** The CSV header line (with its newline). */
  static header(): string {
    return "Test,Date,Lang,Version,Count,MsgPayload,Bytes,Millis,Async\n";
  }
}

export interface BenchOpts {
  /** subscriptions deliver to callbacks instead of async iterators */
  callbacks?: boolean;
  /** messages to publish, receive, request or answer */
  msgs?: number;
  /** payload bytes per message */
  size?: number;
  /** default: a fresh nuid */
  subject?: string;
  /** send every request at once instead of one after another */
  asyncRequests?: boolean;
  pub?: boolean;
  sub?: boolean;
  rep?: boolean;
  req?: boolean;
}

const LANG = "quicknats";
/** the timeout the official bench gives each of its concurrent requests */
const ASYNC_REQUEST_TIMEOUT = 20_000;

/** `publish()` refused a frame because the socket is behind (past a `maxOutboundBytes` the user set, or stalled). */
function isOutboundFull(err: unknown): boolean {
  return err instanceof ConnectionError &&
    (err.code === ErrorCode.OutboundFull || err.code === ErrorCode.OutboundStalled);
}

/**
 * Runs the selected roles against `nc` and reports one Metric per role (plus
 * `pubsub` / `reqrep` when both sides run). `run()` rejects if the connection
 * closes before the benchmark finishes.
 */
export class Bench {
  nc: NatsConnection;
  callbacks: boolean;
  msgs: number;
  size: number;
  subject: string;
  asyncRequests?: boolean;
  pub?: boolean;
  sub?: boolean;
  req?: boolean;
  rep?: boolean;
  perf: Perf;
  payload: Uint8Array;
  /** the connection's counters when `run()` started, so metrics count only the run */
  private baseline: Stats = { inBytes: 0, outBytes: 0, inMsgs: 0, outMsgs: 0 };

  constructor(
    nc: NatsConnection,
    opts: BenchOpts = {
      msgs: 100_000,
      size: 128,
      subject: "",
      asyncRequests: false,
      pub: false,
      sub: false,
      req: false,
      rep: false,
    },
  ) {
    this.nc = nc;
    this.callbacks = opts.callbacks || false;
    this.msgs = opts.msgs || 0;
    this.size = opts.size || 0;
    this.subject = opts.subject || nuid.next();
    this.asyncRequests = opts.asyncRequests || false;
    this.pub = opts.pub || false;
    this.sub = opts.sub || false;
    this.req = opts.req || false;
    this.rep = opts.rep || false;
    this.perf = new Perf();
    this.payload = this.size ? new Uint8Array(this.size) : Empty;
    if (!this.pub && !this.sub && !this.req && !this.rep) {
      throw new InvalidArgumentError("no options selected");
    }
  }

  async run(): Promise<Metric[]> {
    const s = this.nc.stats();
    this.baseline = { inBytes: s.inBytes, outBytes: s.outBytes, inMsgs: s.inMsgs, outMsgs: s.outMsgs };

    // The official client rethrows the close error from a detached handler
    // (an unhandled rejection) and then waits forever; here run() rejects.
    let finished = false;
    const closed = new Promise<never>((_, reject) => {
      this.nc.closed().then((err) => {
        if (!finished) reject(err ?? new ClosedConnectionError());
      });
    });
    try {
      await Promise.race([this.callbacks ? this.runCallbacks() : this.runAsync(), closed]);
    } finally {
      finished = true;
    }
    return this.processMetrics();
  }

  processMetrics(): Metric[] {
    if (this.pub && this.sub) this.perf.measure("pubsub", "pubStart", "subStop");
    if (this.req && this.rep) this.perf.measure("reqrep", "reqStart", "reqStop");

    const now = this.nc.stats();
    const inBytes = now.inBytes - this.baseline.inBytes;
    const outBytes = now.outBytes - this.baseline.outBytes;
    const entries = this.perf.getEntries();

    // the official order and counts: pubsub, reqrep, pub, sub, rep, req
    const plan: [name: string, msgs: number, bytes: number][] = [
      ["pubsub", this.msgs * 2, inBytes + outBytes],
      ["reqrep", this.msgs * 2, inBytes + outBytes],
      ["pub", this.msgs, outBytes],
      ["sub", this.msgs, inBytes],
      ["rep", this.msgs, inBytes + outBytes],
      ["req", this.msgs, inBytes + outBytes],
    ];
    const metrics: Metric[] = [];
    for (const [name, msgs, bytes] of plan) {
      const entry = entries.find((e) => e.name === name);
      if (entry === undefined) continue;
      const m = new Metric(name, entry.duration);
      m.msgs = msgs;
      m.bytes = bytes;
      m.lang = LANG;
      m.version = VERSION;
      m.payload = this.payload.length;
      if (this.asyncRequests && (name === "req" || name === "reqrep")) m.asyncRequests = true;
      metrics.push(m);
    }
    return metrics;
  }

  async runCallbacks(): Promise<void> {
    const sub = this.sub ? this.subCallbacks() : undefined;
    return this.runRoles(sub, this.rep ? this.repCallbacks() : undefined);
  }

  async runAsync(): Promise<void> {
    const rep = this.rep ? this.repIterator() : undefined;
    return this.runRoles(rep, this.sub ? this.subIterator() : undefined);
  }

  /** Starts the senders after the receivers (started by the caller, so subscribed in its order) and waits for all. */
  private async runRoles(...receivers: (Promise<void> | undefined)[]): Promise<void> {
    const jobs = receivers.filter((p): p is Promise<void> => p !== undefined);
    if (this.pub) jobs.push(this.publishAll());
    if (this.req) jobs.push(this.requestAll());
    await Promise.all(jobs);
  }

  // ---- roles ---------------------------------------------------------------

  /** Nothing to receive: an empty span, so the metric still exists. */
  private emptySpan(role: "sub" | "rep"): Promise<void> {
    this.perf.mark(`${role}Start`);
    this.endSpan(role);
    return Promise.resolve();
  }

  private subCallbacks(): Promise<void> {
    if (this.msgs <= 0) return this.emptySpan("sub");
    return new Promise<void>((resolve, reject) => {
      let n = 0;
      this.nc.subscribe(this.subject, {
        max: this.msgs,
        callback: (err) => {
          if (err) return reject(err);
          n++;
          if (n === 1) this.perf.mark("subStart");
          if (n === this.msgs) {
            this.endSpan("sub");
            resolve();
          }
        },
      });
    });
  }

  private repCallbacks(): Promise<void> {
    if (this.msgs <= 0) return this.emptySpan("rep");
    return new Promise<void>((resolve, reject) => {
      let n = 0;
      // replies refused for backpressure, re-sent once the socket has room
      const retries: Promise<void>[] = [];
      const answer = (m: Msg): void => {
        try {
          m.respond(this.payload);
        } catch (err) {
          if (!isOutboundFull(err)) throw err;
          const retry = this.nc.ready().then(() => answer(m));
          retry.catch(reject); // settles run() at once, not only when the last reply is due
          retries.push(retry);
        }
      };
      const finish = async (): Promise<void> => {
        while (retries.length > 0) await Promise.all(retries.splice(0));
        this.endSpan("rep");
      };
      this.nc.subscribe(this.subject, {
        max: this.msgs,
        callback: (err, m) => {
          if (err) return reject(err);
          try {
            answer(m);
          } catch (e) {
            return reject(e);
          }
          n++;
          if (n === 1) this.perf.mark("repStart");
          if (n === this.msgs) finish().then(resolve, reject);
        },
      });
    });
  }

  private async subIterator(): Promise<void> {
    if (this.msgs <= 0) return this.emptySpan("sub");
    let n = 0;
    for await (const _ of this.iteratorSubscription()) {
      if (n++ === 0) this.perf.mark("subStart");
    }
    this.endSpan("sub");
  }

  private async repIterator(): Promise<void> {
    if (this.msgs <= 0) return this.emptySpan("rep");
    let n = 0;
    for await (const m of this.iteratorSubscription()) {
      if (n++ === 0) this.perf.mark("repStart");
      for (;;) {
        try {
          m.respond(this.payload);
          break;
        } catch (err) {
          if (!isOutboundFull(err)) throw err;
          await this.nc.ready();
        }
      }
    }
    await this.nc.flush();
    this.endSpan("rep");
  }

  /** The subscription of an iterator role; the official iterators never drop, so our pending limits are lifted to match. */
  private iteratorSubscription(): AsyncIterable<Msg> {
    return this.nc.subscribe(this.subject, { max: this.msgs, pendingMsgsLimit: -1, pendingBytesLimit: -1 });
  }

  /** Marks the end of `role`'s span and measures it from its start. */
  private endSpan(role: string): void {
    this.perf.mark(`${role}Stop`);
    this.perf.measure(role, `${role}Start`, `${role}Stop`);
  }

  /** Publishes `msgs` messages as fast as the connection accepts them, then flushes. */
  private async publishAll(): Promise<void> {
    const { nc, subject, payload } = this;
    this.perf.mark("pubStart");
    for (let i = 0; i < this.msgs;) {
      try {
        // false: above the high-water mark, the publisher waits for room
        if (!nc.publish(subject, payload)) await nc.ready();
        i++;
      } catch (err) {
        if (!isOutboundFull(err)) throw err;
        await nc.ready();
      }
    }
    await nc.flush();
    this.endSpan("pub");
  }

  /** One request, sent again if the outbound queue was full. */
  private async requestOne(payload?: Uint8Array, timeout = ASYNC_REQUEST_TIMEOUT): Promise<void> {
    for (;;) {
      try {
        await (payload === undefined
          ? this.nc.request(this.subject)
          : this.nc.request(this.subject, payload, { timeout }));
        return;
      } catch (err) {
        if (!isOutboundFull(err)) throw err;
        await this.nc.ready();
      }
    }
  }

  /**
   * Concurrent requests carry the payload and a 20 s timeout; sequential ones
   * are empty with the default timeout, as in the official client.
   */
  private async requestAll(): Promise<void> {
    this.perf.mark("reqStart");
    if (this.asyncRequests) {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < this.msgs; i++) pending.push(this.requestOne(this.payload, ASYNC_REQUEST_TIMEOUT));
      await Promise.all(pending);
    } else {
      for (let i = 0; i < this.msgs; i++) await this.requestOne();
    }
    this.endSpan("req");
  }
}

/** `1234567` → `"1,234,567"` */
function groupThousands(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Bytes per second with binary prefixes and two decimals: `"1.50 KB/sec"`, `"12.00 B/sec"`. */
function bytesPerSecond(bytes: number, secs: number): string {
  return `${binaryBytes(bytes / secs)}/sec`;
}

const PREFIXES = ["K", "M", "G", "T", "P", "E"];

function binaryBytes(n: number): string {
  if (n < 1024) return `${n.toFixed(2)} B`;
  const exp = Math.floor(Math.log(n) / Math.log(1024));
  return `${(n / 1024 ** exp).toFixed(2)} ${PREFIXES[exp - 1]}B`;
}
