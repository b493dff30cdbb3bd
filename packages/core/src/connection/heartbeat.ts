/**
 * Client PINGs and stale-connection detection. Inbound traffic counts as
 * liveness, so a busy connection is never declared stale for a PONG stuck
 * behind a burst of messages.
 */

export interface HeartbeatHost {
  /** sends a PING; `onPong` runs when its PONG arrives */
  sendPing(onPong: () => void): void;
  /** a `ping` status */
  onPingTick(pendingPings: number): void;
  /** the connection is stale */
  onStale(): void;
}

export class Heartbeat {
  #timer: ReturnType<typeof setInterval> | undefined;
  #outstanding = 0;
  /** set by the engine when bytes arrive */
  alive = false;
  readonly #pongHandler = () => {
    this.#outstanding = 0;
  };
  readonly #host: HeartbeatHost;
  readonly #interval: number;
  readonly #maxOut: number;

  /**
   * `interval` 0 turns client PINGs off. The connection is stale when, at a
   * tick with no inbound traffic since the previous one, `maxOut` PINGs are
   * unanswered (`maxOut` 0 counts as 1: the first unanswered PING).
   */
  constructor(
    host: HeartbeatHost,
    interval: number,
    maxOut: number,
  ) {
    this.#host = host;
    this.#interval = interval;
    this.#maxOut = maxOut;
  }

  start(): void {
    this.stop();
    this.#outstanding = 0;
    this.alive = false;
    if (this.#interval <= 0) return;
    this.#timer = setInterval(() => this.#tick(), this.#interval);
    // a heartbeat alone must not keep a process alive (Node; a no-op elsewhere)
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.alive) this.#outstanding = 0;
    this.alive = false;
    // the `ping` status counts this tick's PING, also the one not sent for a stale connection (as 3.4)
    this.#host.onPingTick(this.#outstanding + 1);
    if (this.#outstanding >= Math.max(1, this.#maxOut)) {
      this.stop();
      this.#host.onStale();
      return;
    }
    this.#outstanding++;
    this.#host.sendPing(this.#pongHandler);
  }
}
