/**
 * The adapter for the three libraries: they share the NatsConnection API
 * (quicknats copies it), so one thin wrapper serves all of them. Each client
 * file passes its `connect()` and, for quicknats, how to wait for room.
 */
import type { BenchConn, LibraryConnection } from "./types.js";

export interface NatsLikeMsg {
  data: Uint8Array;
  respond(data?: Uint8Array): boolean;
}

export interface NatsLikeSubscription extends AsyncIterable<NatsLikeMsg> {
  unsubscribe(): void;
}

/** The part of NatsConnection the benchmark uses, as all three libraries declare it. */
export interface NatsLikeConnection extends LibraryConnection {
  subscribe(
    subject: string,
    opts?: { callback?: (err: Error | null, msg: NatsLikeMsg) => void },
  ): NatsLikeSubscription;
  request(subject: string, data?: Uint8Array, opts?: { timeout?: number }): Promise<NatsLikeMsg>;
  close(): Promise<void>;
}

/** How a library waits for room once publish() returned false (only quicknats does). */
export type Ready = (nc: NatsLikeConnection) => Promise<void>;

const never: Ready = () => Promise.resolve();

function ignore(): void {}

export class NatsLikeConn implements BenchConn {
  constructor(
    /** The library's connection itself: the naive scenarios call it directly. */
    readonly nc: NatsLikeConnection,
    private readonly waitReady: Ready = never,
  ) {}

  publish(subject: string, data: Uint8Array): boolean {
    // quicknats: false above the high-water mark; the others return undefined
    return this.nc.publish(subject, data) !== false;
  }
  ready(): Promise<void> {
    return this.waitReady(this.nc);
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
