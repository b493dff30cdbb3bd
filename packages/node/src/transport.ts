/**
 * The Node.js (and Bun) transport: a byte pipe over `node:net`, upgraded to
 * `node:tls` when the engine asks. It knows nothing of the protocol.
 */
import * as dns from "node:dns";
import { writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createConnection, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectOptions, type TLSSocket } from "node:tls";
import { type TlsOptions, VERSION } from "@quicknats/core";
import { BufferRegion, closedBeforeTls, DEFAULT_TCP_PORT, parseTcpUrl, dialError, lostError, tlsError, tlsFileError } from "@quicknats/core/internal";
import type { DialTarget, TlsFailure, Transport, TransportFactory, TransportListener } from "@quicknats/core/internal";

export const LANG = "quicknats";

/**
 * tryWrite() needs Node's own sockets: libuv's non-blocking descriptor, with
 * everything the stream has not written counted in writableLength. Bun's and
 * Deno's node:net keep their own write buffers (Bun even has a descriptor),
 * so there the transport has no tryWrite and the writer hands each full
 * buffer to write() as a synchronous loop goes (Bun writes to the socket at
 * once while its own buffer is empty).
 */
const SYNC_WRITES = !("bun" in process.versions) && !("deno" in process.versions);

/** The Node transport's `tls` option: the core fields plus any `tls.connect()` option. */
export type NodeTlsOptions = TlsOptions & TlsConnectOptions;

/** Which check failed, from OpenSSL's and Node's error codes. */
function tlsFailure(code = ""): TlsFailure {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "name";
  if (/ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_REQUIRED|ALERT_UNKNOWN_CA/.test(code)) return "client-certificate";
  if (/CERT|SIGNATURE|ISSUER/.test(code)) return "untrusted";
  return undefined;
}

/** A failed handshake, from Node's error. */
function handshakeError(err: NodeJS.ErrnoException, target: DialTarget): Error {
  return tlsError(target, tlsFailure(err.code), err.message, err, err.code);
}

/** Reads the `*File` options and builds the options for `tls.connect()`. */
async function tlsOptions(target: DialTarget): Promise<TlsConnectOptions> {
  const { handshakeFirst: _hf, caFile, certFile, keyFile, ...rest } = (target.tls ?? {}) as NodeTlsOptions;
  const opts: TlsConnectOptions = { rejectUnauthorized: true, ...rest };
  const read = async (file: string, what: "CA" | "certificate" | "key"): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw tlsFileError(what, file, (err as Error).message, err);
    }
  };
  if (caFile) opts.ca = [await read(caFile, "CA")];
  if (certFile) opts.cert = await read(certFile, "certificate");
  if (keyFile) opts.key = await read(keyFile, "key");
  // SNI takes names only; an IP is checked against the certificate's IP entries
  if (isIP(target.tlsName) === 0) opts.servername = target.tlsName;
  opts.host = target.tlsName;
  return opts;
}

/**
 * tls.connect(), whose synchronous throws (a key that does not match the
 * certificate, a key or certificate that is not PEM) are TLS errors too.
 */
function secureSocket(opts: TlsConnectOptions, target: DialTarget): TLSSocket {
  try {
    return tlsConnect(opts);
  } catch (err) {
    throw handshakeError(err as NodeJS.ErrnoException, target);
  }
}

export class NodeTransport implements Transport {
  readonly lang = LANG;
  readonly version = VERSION;
  private socket: Socket | undefined;
  private encrypted = false;
  private error: Error | undefined;
  private listener: TransportListener | undefined;
  private readonly onData = (chunk: Buffer) => this.listener?.onData(chunk);
  private readonly onDrain = () => this.listener?.onDrain();
  private target: DialTarget | undefined;
  private readonly onError = (err: NodeJS.ErrnoException) => {
    if (this.error) return;
    // TLS 1.3 reports a refused client certificate after the handshake, as an alert on the first read
    this.error = this.encrypted && this.target && /^ERR_SSL_/.test(err.code ?? "")
      ? handshakeError(err, this.target)
      : lostError(err.message, err);
  };
  private readonly onClose = () => {
    const l = this.listener;
    this.listener = undefined;
    l?.onClose(this.error);
  };

  async connect(target: DialTarget, listener: TransportListener): Promise<void> {
    this.target = target;
    const first = target.tls?.handshakeFirst === true;
    const socket = first
      ? secureSocket({ ...(await tlsOptions(target)), host: target.hostname, port: target.port }, target)
      : createConnection({ host: target.hostname, port: target.port });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const ready = first ? "secureConnect" : "connect";
      const fail = (err: NodeJS.ErrnoException) => {
        socket.off(ready, ok);
        socket.destroy();
        reject(first && err.code !== "ECONNREFUSED" ? handshakeError(err, target) : dialError(target, err.code, err.message, err));
      };
      const ok = () => {
        socket.off("error", fail);
        resolve();
      };
      socket.once(ready, ok);
      socket.once("error", fail);
    });
    socket.setNoDelay(true);
    this.encrypted = first;
    this.listener = listener;
    this.attach(socket);
  }

  async upgrade(target: DialTarget): Promise<void> {
    const plain = this.socket;
    if (!plain || plain.destroyed) throw closedBeforeTls(target);
    const opts = await tlsOptions(target);
    // the TLS socket owns the plain one from here; our listeners move over
    this.detach(plain);
    let secure: TLSSocket;
    try {
      secure = secureSocket({ ...opts, socket: plain }, target);
    } catch (err) {
      plain.destroy();
      throw err;
    }
    this.socket = secure;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException) => {
        secure.off("secureConnect", ok);
        secure.destroy();
        reject(handshakeError(err, target));
      };
      const ok = () => {
        secure.off("error", fail);
        resolve();
      };
      secure.once("secureConnect", ok);
      secure.once("error", fail);
    });
    this.encrypted = true;
    this.attach(secure);
  }

  private attach(s: Socket): void {
    s.on("data", this.onData);
    s.on("drain", this.onDrain);
    s.on("error", this.onError);
    s.on("close", this.onClose);
  }

  private detach(s: Socket): void {
    s.off("data", this.onData);
    s.off("drain", this.onDrain);
    s.off("error", this.onError);
    s.off("close", this.onClose);
  }

  /** Node calls a write's callback once the bytes are handed to the system (or the socket is destroyed), in order. */
  readonly reportsWritten = true;
  private written: ((unsent?: boolean) => void) | undefined;
  /** one callback for every write: a write still queued in the stream when the socket is destroyed fails with ERR_STREAM_DESTROYED, never sent */
  private readonly onWrite = (err?: Error | null) => {
    this.written?.((err as NodeJS.ErrnoException | null | undefined)?.code === "ERR_STREAM_DESTROYED");
  };

  write(bytes: Uint8Array, written?: (unsent?: boolean) => void): boolean {
    const s = this.socket;
    if (!s || s.destroyed) {
      written?.(true);
      return false;
    }
    this.written = written;
    return s.write(bytes, written ? this.onWrite : undefined);
  }

  /**
   * write(2) on the socket's descriptor, which libuv made non-blocking: the
   * kernel takes what fits in the socket's buffer and returns. Only for a
   * plain TCP socket with no write pending in the stream (so the order of
   * bytes holds). Without a descriptor (Windows) it takes nothing. There is
   * none for a TLS socket (its bytes must go through its cipher) or off Node
   * (SYNC_WRITES): the writer then hands each full buffer to write() as a
   * synchronous loop goes.
   */
  get tryWrite(): ((bytes: Uint8Array) => number) | undefined {
    return SYNC_WRITES && !this.encrypted ? this.writeNow : undefined;
  }

  private readonly writeNow = (bytes: Uint8Array): number => {
    const s = this.socket;
    if (!s || (s as TLSSocket).encrypted === true) return 0;
    if (s.destroyed || s.connecting || s.writableEnded || s.writableLength !== 0) return 0;
    // read each time: a closed socket's descriptor number may already belong to another file
    const fd = (s as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    if (typeof fd !== "number" || fd < 0) return 0;
    try {
      return writeSync(fd, bytes);
    } catch {
      // EAGAIN: the buffer is full; any other error the socket reports on its own write
      return 0;
    }
  };

  get needsDrain(): boolean {
    return this.socket?.writableNeedDrain ?? false;
  }

  /** A socket that is gone holds what it was given: report a backlog, so callers keep their bytes. */
  get pendingBytes(): number {
    const s = this.socket;
    if (!s || s.destroyed) return 1;
    return s.writableLength;
  }

  isEncrypted(): boolean {
    return this.encrypted;
  }

  close(): void {
    const s = this.socket;
    if (!s || s.destroyed) {
      this.onClose();
      return;
    }
    // sends what is buffered, then closes
    s.destroySoon();
  }

  destroy(err?: Error): void {
    if (err && !this.error) this.error = err;
    const s = this.socket;
    if (!s || s.destroyed) {
      this.onClose();
      return;
    }
    s.destroy();
  }
}

/** The factory `connect()` hands to each connection. */
export const nodeTransportFactory: TransportFactory = {
  create: () => new NodeTransport(),
  defaultPort: DEFAULT_TCP_PORT,
  // a socket keeps the buffers it is given until written: a backed-up one
  // holds many, which regions give back to the system afterwards
  writeBuffers: (size) => new BufferRegion(size),
  async resolve(hostname: string): Promise<string[]> {
    // looked up at call time (not a bound import), so it can be stubbed
    const addrs = await dns.promises.lookup(hostname, { all: true });
    return addrs.map((a: { address: string }) => a.address);
  },
  parseUrl: parseTcpUrl,
};
