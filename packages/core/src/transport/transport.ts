/**
 * The byte pipe between the engine and a runtime's sockets. A transport only
 * moves bytes: INFO, CONNECT, PING/PONG and everything else of the protocol
 * happen in the engine. Each connection gets its transport factory handed to
 * it, so transports of different kinds coexist in one process.
 */

import type { TlsOptions } from "../types.js";
import type { ServerAddress } from "../connection/options.js";

/** Where to dial. */
export interface DialTarget {
  /** what to connect to: a hostname or an address it resolved to */
  hostname: string;
  port: number;
  /** the name the server's certificate must carry (the hostname the user gave, even when dialing its IP) */
  tlsName: string;
  /** TLS options from the connection options (runtime specific fields pass through) */
  tls?: TlsOptions | null;
  /** the full URL, for transports that dial URLs (websocket) */
  url?: string;
}

/** The engine's side of the pipe. */
export interface TransportListener {
  /** Bytes from the server. The transport must not reuse or mutate the chunk afterwards. */
  onData(chunk: Uint8Array): void;
  /** The pipe is closed (by either side); called once, with the error if there was one. */
  onClose(err?: Error): void;
  /** The transport can take more bytes after `write()` returned false. */
  onDrain(): void;
}

export interface Transport {
  /** `lang` sent in CONNECT, e.g. "quicknats" */
  readonly lang: string;
  /** `version` sent in CONNECT */
  readonly version: string;
  /**
   * Opens the pipe. Resolves when bytes can flow; rejects with a
   * ConnectionError (or TimeoutError) otherwise. `listener` receives data
   * from then on.
   */
  connect(target: DialTarget, listener: TransportListener): Promise<void>;
  /**
   * Turns the open plain connection into TLS (after the server's INFO asked
   * for it). Rejects with a ConnectionError naming the reason (untrusted
   * certificate, hostname mismatch, ...). Transports without TLS omit it.
   */
  upgrade?(target: DialTarget): Promise<void>;
  /**
   * Queues bytes for sending; the transport owns `bytes` from now on.
   * Returns false when the transport's buffer is above its high-water mark
   * (the engine should wait for `onDrain`). A transport that can tell calls
   * `written` (in write order) once it no longer needs `bytes`, so the
   * buffer can be used again, with `unsent` true when the connection died
   * before any of them left the process (they may be sent again elsewhere);
   * others never call it.
   */
  write(bytes: Uint8Array, written?: (unsent?: boolean) => void): boolean;
  /** true when `write()` calls its `written` callback, once per write, in order */
  readonly reportsWritten?: boolean;
  /**
   * Hands the system what it takes at once, without blocking and without
   * keeping anything (optional): returns how many bytes of `bytes` left, 0
   * when the socket's buffer is full. Called only while `pendingBytes` is 0;
   * the caller keeps `bytes`. A synchronous publish loop keeps the socket
   * busy this way, where write() would queue everything behind one partial
   * write until the loop returns.
   */
  tryWrite?(bytes: Uint8Array): number;
  /** Bytes accepted by `write()` and not yet handed to the system. */
  readonly pendingBytes: number;
  /**
   * True after a write() returned false, until `onDrain`: the caller holds
   * further bytes back (optional; without it the caller keeps writing).
   */
  readonly needsDrain?: boolean;
  isEncrypted(): boolean;
  /** Sends what was written, then closes. `onClose` follows. */
  close(): void;
  /** Closes at once, dropping unsent bytes. `onClose` follows. */
  destroy(err?: Error): void;
}

/** How a runtime package plugs its sockets into the engine. */
/**
 * Where the writer's buffers come from while a socket backs up, for
 * transports that keep the buffers they are given until written (see
 * buffer-region.ts).
 */
export interface WriteBuffers {
  /** a zeroed buffer of the size asked for when this source was made */
  carve(): Uint8Array;
  /**
   * Nothing waits any more: true if what was carved so far may be freed once
   * its buffers are (the owner drops the ones it keeps for reuse); false if
   * the source keeps it, and them, for the next time.
   */
  leave(): boolean;
  /** The owner is closed for good: nothing is kept, whatever leave() would do. */
  release(): void;
}

export interface TransportFactory {
  /** a new, unconnected transport */
  create(): Transport;
  /** the port of the default server, `127.0.0.1:<defaultPort>`, when the options name none (4222 for TCP) */
  defaultPort: number;
  /** the server used when the options name none (default `127.0.0.1:<defaultPort>`) */
  defaultServer?: string;
  /**
   * Parses a server string into an address, before anything is dialed
   * (`parseTcpUrl` for TCP transports); throws InvalidArgumentError for one
   * this transport cannot use. `encrypted` says, for a URL gossiped by the
   * cluster, whether the current connection is secure.
   */
  parseUrl(url: string, encrypted?: boolean): ServerAddress;
  /** Resolves a hostname to all its addresses (runtimes with DNS access); IP literals are not passed. */
  resolve?(hostname: string): Promise<string[]>;
  /**
   * Called with a request's error (timeout, no responders, closed...) before
   * user code sees it: a runtime may make our errors also match the classes
   * of other NATS libraries loaded in the process (the Node package does, for
   * @nats-io/nats-core's: see its official-errors.ts). Only on error paths;
   * must not throw.
   */
  adaptError?(err: Error): void;
  /**
   * For transports that keep the buffers they are given until written: the
   * writer's buffers of `size` bytes come from here while the socket backs
   * up (the Node package gives a BufferRegion, whose memory goes back to the
   * system after a burst). Without it they are allocated one by one.
   */
  writeBuffers?(size: number): WriteBuffers;
}
