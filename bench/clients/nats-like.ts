/**
 * The adapter for the three libraries: they share the NatsConnection API
 * (quicknats copies it), so one thin wrapper serves all of them. Each client
 * file passes its `connect()` and, for quicknats, how backpressure shows.
 */
import type { BenchConn } from "./types.js";

export interface NatsLikeMsg {
  data: Uint8Array;
  respond(data?: Uint8Array): boolean;
}

export interface NatsLikeSubscription extends AsyncIterable<NatsLikeMsg> {
  unsubscribe(): void;
}

/** The part of NatsConnection the benchmark uses, as all three libraries declare it. */
export interface NatsLikeConnection {
  publish(subject: string, data?: Uint8Array): void;
  flush(): Promise<void>;
  subscribe(
    subject: string,
    opts?: { callback?: (err: Error | null, msg: NatsLikeMsg) => void },
  ): NatsLikeSubscription;
  request(subject: string, data?: Uint8Array, opts?: { timeout?: number }): Promise<NatsLikeMsg>;
  close(): Promise<void>;
}

export interface Backpressure {
  isBackpressure(err: unknown): boolean;
  ready(nc: NatsLikeConnection): Promise<void>;
}

const never: Backpressure = {
  isBackpressure: () => false,
  ready: () => Promise.resolve(),
};

function ignore(): void {}

export class NatsLikeConn implements BenchConn {
  constructor(
    private readonly nc: NatsLikeConnection,
    private readonly bp: Backpressure = never,
  ) {}

  publish(subject: string, data: Uint8Array): void {
    this.nc.publish(subject, data);
  }
  isBackpressure(err: unknown): boolean {
    return this.bp.isBackpressure(err);
  }
  ready(): Promise<void> {
    return this.bp.ready(this.nc);
  }
  flush(): Promise<void> {
    return this.nc.flush();
  }
  subscribe(subject: string, onMsg: (msg: unknown) => void, onError: (err: Error) => void): void {
    this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) onError(err);
        else onMsg(msg);
      },
    });
  }
  subscribeIdle(subject: string): void {
    this.nc.subscribe(subject, { callback: ignore });
  }
  iterate(subject: string): AsyncIterable<unknown> {
    return this.nc.subscribe(subject);
  }
  sizeOf(msg: unknown): number {
    return (msg as NatsLikeMsg).data.length;
  }
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<unknown> {
    return this.nc.request(subject, data, { timeout: timeoutMs });
  }
  serveEcho(subject: string): void {
    this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) msg.respond(msg.data);
      },
    });
  }
  natsConnection(): unknown {
    return this.nc;
  }
  close(): Promise<void> {
    return this.nc.close();
  }
}
