/**
 * What a scenario may do with a connection. Every client (the three libraries
 * and the raw socket) implements it, so every scenario runs the same loop for
 * every client. Messages stay the library's own objects: a scenario reads
 * them only through sizeOf(), so no wrapper object or extra promise is added
 * on the hot path.
 */
export interface BenchConn {
  /**
   * Publishes `data`; the caller may reuse it at once. Returns false when the
   * client asks the publisher to wait: `await ready()` before the next one.
   * quicknats returns false above its outbound high-water mark, the raw
   * publisher when the socket asked to wait for 'drain'; the official
   * clients never push back.
   */
  publish(subject: string, data: Uint8Array): boolean;
  ready(): Promise<void>;
  /** Round trip to the server (PING/PONG): everything published before it has been processed. */
  flush(): Promise<void>;
  /** A callback subscription; `onError` gets errors the library reports to the callback. */
  subscribe(subject: string, onMsg: (msg: unknown) => void, onError: (err: Error) => void): void;
  /** A subscription that never sees a message, with a callback shared by all (heap per subscription). */
  subscribeIdle(subject: string): void;
  /** An async-iterator subscription; leaving the loop (break) ends it. */
  iterate(subject: string): AsyncIterable<unknown>;
  /** Payload length of a message handed out by this connection. */
  sizeOf(msg: unknown): number;
  /** Resolves with the reply message. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<unknown>;
  /** Subscribes and answers every request on `subject` with its own payload. */
  serveEcho(subject: string): void;
  /** The nats-core compatible connection underneath, for the JetStream scenarios (quicknats, official). */
  natsConnection?(): unknown;
  close(): Promise<void>;
  /**
   * The library's own connection, for the naive scenarios, which call it
   * directly as a user would (the raw socket has none).
   */
  readonly nc?: LibraryConnection;
}

/**
 * The part of a NatsConnection the naive scenarios call, as quicknats, the
 * official client and nats 2.x all declare it.
 */
export interface LibraryConnection {
  /** quicknats returns false above its high-water mark; the others return nothing */
  publish(subject: string, data?: Uint8Array): boolean | void;
  flush(): Promise<void>;
  subscribe(subject: string, opts: { callback: (err: Error | null, msg: { data: Uint8Array }) => void }): unknown;
}

export type ClientName = "quicknats" | "official" | "official-fast" | "nats2" | "raw" | "quicknats-otel" | "quicknats-base";

/** What a run has by default (`--clients` not given). */
export const ALL_CLIENTS: readonly ClientName[] = ["quicknats", "official", "official-fast", "nats2", "raw"];

/**
 * Every contender: the default ones, plus `quicknats-otel` (quicknats with
 * @quicknats/otel tracing on) and `quicknats-base` (quicknats built from
 * another commit: `--baseline <git-ref>` adds it).
 */
export const KNOWN_CLIENTS: readonly ClientName[] = [...ALL_CLIENTS, "quicknats-otel", "quicknats-base"];

export type Connect = (url: string) => Promise<BenchConn>;
