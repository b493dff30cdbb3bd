/**
 * The Node.js (and Bun) TCP transport: a byte pipe over `node:net`. It
 * honours nothing of the protocol; the core engine does all of that.
 */
import * as dns from "node:dns";
import { createConnection, type Socket } from "node:net";
import {
  ConnectionError,
  InvalidArgumentError,
  VERSION,
} from "@quicknats/core";
import type {
  DialTarget,
  Transport,
  TransportFactory,
  TransportListener,
} from "@quicknats/core/internal";

export const LANG = "quicknats";

function connectionError(err: NodeJS.ErrnoException, target: DialTarget): ConnectionError {
  const where = `${target.hostname}:${target.port}`;
  switch (err.code) {
    case "ECONNREFUSED":
      return new ConnectionError("connection refused", { cause: err });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConnectionError(`cannot resolve host '${target.hostname}'`, { cause: err });
    default:
      return new ConnectionError(`cannot connect to ${where}: ${err.message}`, { cause: err });
  }
}

export class NodeTransport implements Transport {
  readonly lang = LANG;
  readonly version = VERSION;
  private socket: Socket | undefined;
  private error: Error | undefined;

  connect(target: DialTarget, listener: TransportListener): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let connected = false;
      const socket = createConnection({ host: target.hostname, port: target.port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on("connect", () => {
        connected = true;
        resolve();
      });
      socket.on("data", (chunk: Buffer) => listener.onData(chunk));
      socket.on("drain", () => listener.onDrain());
      socket.on("error", (err: NodeJS.ErrnoException) => {
        if (!connected) {
          reject(connectionError(err, target));
        } else if (!this.error) {
          this.error = new ConnectionError(`connection error: ${err.message}`, { cause: err });
        }
      });
      socket.on("close", () => {
        if (!connected) reject(new ConnectionError(`cannot connect to ${target.hostname}:${target.port}`));
        listener.onClose(this.error);
      });
    });
  }

  write(bytes: Uint8Array): boolean {
    const s = this.socket;
    if (!s || s.destroyed) return false;
    return s.write(bytes);
  }

  get pendingBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  isEncrypted(): boolean {
    return false;
  }

  close(): void {
    const s = this.socket;
    if (!s || s.destroyed) return;
    // sends what is buffered, then closes
    s.destroySoon();
  }

  destroy(err?: Error): void {
    if (err && !this.error) this.error = err;
    this.socket?.destroy();
  }
}

/** The factory `connect()` hands to each connection. */
export const nodeTransportFactory: TransportFactory = {
  create: () => new NodeTransport(),
  defaultPort: 4222,
  async resolve(hostname: string): Promise<string[]> {
    // looked up at call time (not a bound import), so it can be stubbed
    const addrs = await dns.promises.lookup(hostname, { all: true });
    return addrs.map((a: { address: string }) => a.address);
  },
  checkUrl(url: string): void {
    if (/^wss?:\/\//i.test(url.trim())) {
      throw InvalidArgumentError.format(
        "servers",
        `'${url}' is a websocket URL: this transport speaks TCP; use wsconnect() for websockets`,
      );
    }
  },
};
