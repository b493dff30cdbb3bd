/**
 * nats-core's `IdleHeartbeatMonitor`, for programs that import it from
 * @nats-io/transport-node: every `interval` it checks that `work()` was
 * called within the last `interval`; once `maxOut` checks in a row found
 * none, it calls `callback(missed)` at each check, and stops if that returns
 * true. Time is monotonic here (nats-core's uses the wall clock).
 */
import { systemClock } from "../clock.js";

/** Called with the number of missed heartbeats; returning true stops the monitor. */
export type IdleHeartbeatFn = (n: number) => boolean;

export type IdleHeartbeatOptions = {
  /** missed checks before the callback is called (default 2) */
  maxOut: number;
  /** stop monitoring after this many milliseconds (0: never) */
  cancelAfter: number;
};

export class IdleHeartbeatMonitor {
  interval: number;
  maxOut: number;
  cancelAfter: number;
  timer?: ReturnType<typeof setInterval> | 0;
  autoCancelTimer?: ReturnType<typeof setTimeout> | 0;
  /** when `work()` was last called (monotonic milliseconds) */
  last: number;
  missed = 0;
  /** checks made */
  count = 0;
  callback: IdleHeartbeatFn;

  constructor(interval: number, cb: IdleHeartbeatFn, opts: Partial<IdleHeartbeatOptions> = {}) {
    this.interval = interval;
    this.maxOut = opts.maxOut || 2;
    this.cancelAfter = opts.cancelAfter || 0;
    this.last = systemClock.now();
    this.callback = cb;
    this._schedule();
  }

  cancel(): void {
    if (this.autoCancelTimer) clearTimeout(this.autoCancelTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = 0;
    this.autoCancelTimer = 0;
    this.missed = 0;
  }

  /** Something arrived: the heartbeat is alive. */
  work(): void {
    this.last = systemClock.now();
    this.missed = 0;
  }

  _change(interval: number, cancelAfter = 0, maxOut = 2): void {
    this.interval = interval;
    this.maxOut = maxOut;
    this.cancelAfter = cancelAfter;
    this.restart();
  }

  restart(): void {
    this.cancel();
    this._schedule();
  }

  _schedule(): void {
    if (this.cancelAfter > 0) this.autoCancelTimer = setTimeout(() => this.cancel(), this.cancelAfter);
    this.timer = setInterval(() => this.#check(), this.interval);
  }

  #check(): void {
    this.count++;
    if (systemClock.now() - this.last > this.interval) this.missed++;
    if (this.missed < this.maxOut) return;
    let stop = false;
    try {
      stop = this.callback(this.missed) === true;
    } catch (err) {
      // as nats-core: a throwing callback does not stop the monitor
      console.error(err);
    }
    if (stop) this.cancel();
  }
}
