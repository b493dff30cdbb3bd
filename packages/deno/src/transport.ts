/**
 * The Deno transport: a byte pipe over `Deno.connect`, upgraded with
 * `Deno.startTls` when the engine asks (or `Deno.connectTls` for a TLS-first
 * handshake with a client certificate). It knows nothing of the protocol.
 *
 * Deno's sockets are promise based (`read()`/`write()`, both possibly
 * partial), so the transport runs one read loop and one write pump per
 * connection and keeps its own write queue, which is what `pendingBytes`
 * and the high-water mark refer to.
 */
import { ConnectionError, type TlsOptions, VERSION } from "@quicknats/core";
import { closedBeforeTls, DEFAULT_TCP_PORT, parseTcpUrl, dialError, lostError, tlsError, tlsFileError, tlsProblem, where } from "@quicknats/core/internal";
import type { DialTarget, TlsFailure, Transport, TransportFactory, TransportListener } from "@quicknats/core/internal";
import { type DenoConn, denoNet, type DenoTcpConn, type DenoTlsConn } from "./deno-api.ts";

export const LANG = "quicknats.deno";

/** Bytes asked for per read: one read usually drains what the kernel holds. */
const READ_SIZE = 64 * 1024;
/** A read at least this large keeps its buffer (handed over, no copy); smaller ones are copied out of a reused buffer. */
const HAND_OVER = 16 * 1024;
/** write() reports backpressure above this many queued bytes (the engine flushes in 64 KiB frames). */
const HIGH_WATER = 64 * 1024;
/** Queued writes are joined up to this size, so small frames do not cost one write op each. */
const COALESCE = 64 * 1024;

function nameOf(err: unknown): string {
  return err instanceof Error ? err.name : "";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Deno's error classes name the failure (`Deno.errors.ConnectionRefused`): the errno it stands for. */
const ERRNO: Record<string, string> = { ConnectionRefused: "ECONNREFUSED", NotFound: "ENOTFOUND" };

/** A dial failure, worded as on every runtime (transport/errors.ts in the core). */
function connectionError(err: unknown, target: DialTarget): Error {
  if (err instanceof ConnectionError) return err;
  const name = nameOf(err);
  const denied = name === "NotCapable" || name === "PermissionDenied";
  const message = denied ? `Deno denied network access (run with --allow-net): ${messageOf(err)}` : messageOf(err);
  return dialError(target, ERRNO[name], message, err);
}

/**
 * Which check failed. Deno reports rustls's verdict only in the message
 * (`invalid peer certificate: UnknownIssuer`), with no code: the one place
 * a message is read, and it only picks the wording.
 */
function tlsFailure(message: string): TlsFailure {
  if (/NotValidForName|not valid for|CertNotValidForName/i.test(message)) return "name";
  if (/UnknownIssuer|invalid peer certificate|BadSignature|Expired|certificate/i.test(message)) return "untrusted";
  return undefined;
}

/** A failed handshake, from Deno's error. */
function handshakeError(err: unknown, target: DialTarget): Error {
  if (err instanceof ConnectionError) return err;
  const message = messageOf(err);
  return tlsError(target, tlsFailure(message), message, err);
}

interface DenoTls {
  caCerts?: string[];
  cert?: string;
  key?: string;
}

/** Reads the `*File` options (Deno needs --allow-read for them) and returns PEM strings. */
async function tlsOptions(target: DialTarget): Promise<DenoTls> {
  const tls: TlsOptions = target.tls ?? {};
  const read = async (file: string, what: "CA" | "certificate" | "key"): Promise<string> => {
    try {
      return await denoNet().readTextFile(file);
    } catch (err) {
      throw tlsFileError(what, file, messageOf(err), err);
    }
  };
  const out: DenoTls = {};
  const ca = tls.caFile ? await read(tls.caFile, "CA") : tls.ca;
  if (ca) out.caCerts = [ca];
  const cert = tls.certFile ? await read(tls.certFile, "certificate") : tls.cert;
  const key = tls.keyFile ? await read(tls.keyFile, "key") : tls.key;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if ((out.cert === undefined) !== (out.key === undefined)) {
    throw tlsProblem("TLS client authentication needs both a certificate and a key ('cert'/'certFile' and 'key'/'keyFile')");
  }
  return out;
}

function closeQuietly(conn: DenoConn | undefined): void {
  try {
    conn?.close();
  } catch {
    // already closed: Deno throws BadResource
  }
}

export class DenoTransport implements Transport {
  readonly lang = LANG;
  readonly version = VERSION;
  private conn: DenoConn | undefined;
  private encrypted = false;
  private listener: TransportListener | undefined;
  private error: Error | undefined;
  /** unsent chunks, oldest first, and their total size (with what the pump holds) */
  private queue: Uint8Array[] = [];
  private queued = 0;
  private pumping = false;
  private needDrain = false;
  /** close() was called: close once the queue is empty */
  private closing = false;
  /** onClose has been delivered (or is owed to nobody) */
  private done = false;
  /** upgrade() took the connection from the read loop */
  private upgrading = false;
  private readPending = false;

  async connect(target: DialTarget, listener: TransportListener): Promise<void> {
    const net = denoNet();
    let conn: DenoConn;
    if (target.tls?.handshakeFirst === true) {
      const opts = await tlsOptions(target);
      let tcp: DenoTcpConn | undefined;
      let tls: DenoTlsConn | undefined;
      try {
        if (opts.cert !== undefined) {
          // only connectTls presents a client certificate; it checks the certificate against the name it dials
          tls = await net.connectTls({ hostname: target.hostname, port: target.port, ...opts });
        } else {
          tcp = await this.dialTcp(target);
          tls = await net.startTls(tcp, { hostname: target.tlsName, ...opts });
        }
        await tls.handshake();
      } catch (err) {
        closeQuietly(tls);
        closeQuietly(tcp);
        throw nameOf(err) === "ConnectionRefused" ? connectionError(err, target) : handshakeError(err, target);
      }
      conn = tls;
      this.encrypted = true;
    } else {
      conn = await this.dialTcp(target);
    }
    if (this.done) {
      // destroyed while dialing (the engine's connect timeout, or close())
      closeQuietly(conn);
      throw new ConnectionError(`connection to ${where(target)} abandoned`);
    }
    this.conn = conn;
    this.listener = listener;
    void this.readLoop(conn);
  }

  private async dialTcp(target: DialTarget): Promise<DenoTcpConn> {
    let tcp: DenoTcpConn;
    try {
      tcp = await denoNet().connect({ hostname: target.hostname, port: target.port, transport: "tcp" });
    } catch (err) {
      throw connectionError(err, target);
    }
    tcp.setNoDelay(true);
    return tcp;
  }

  async upgrade(target: DialTarget): Promise<void> {
    const plain = this.conn as DenoTcpConn | undefined;
    if (!plain || this.done) throw closedBeforeTls(target);
    // Deno.startTls fails while a read is pending on the connection. The engine
    // calls upgrade() from inside onData (on the server's INFO), where no read
    // is pending; the flag stops the loop from starting the next one.
    if (this.readPending) throw tlsProblem("TLS upgrade requested while a read is pending");
    this.upgrading = true;
    const opts = await tlsOptions(target);
    if (opts.cert !== undefined) {
      throw tlsProblem(
        "Deno.startTls cannot present a client certificate: use tls.handshakeFirst (Deno.connectTls) with a server configured for handshake_first",
      );
    }
    let tls: DenoTlsConn | undefined;
    try {
      tls = await denoNet().startTls(plain, { hostname: target.tlsName, ...opts });
      // startTls resolves before the certificate is checked; the handshake rejects a bad one
      await tls.handshake();
    } catch (err) {
      closeQuietly(tls);
      throw handshakeError(err, target);
    }
    if (this.done) {
      closeQuietly(tls);
      throw new ConnectionError(`connection to ${where(target)} closed during the TLS handshake`);
    }
    this.conn = tls;
    this.encrypted = true;
    this.upgrading = false;
    void this.readLoop(tls);
    if (this.queue.length > 0) void this.pump();
  }

  private async readLoop(conn: DenoConn): Promise<void> {
    let buf = new Uint8Array(READ_SIZE);
    try {
      for (;;) {
        this.readPending = true;
        const n = await conn.read(buf);
        this.readPending = false;
        if (n === null) break;
        if (n === 0) continue;
        let chunk: Uint8Array;
        if (n >= HAND_OVER) {
          // the listener owns the chunk: a large read keeps its buffer
          chunk = buf.subarray(0, n);
          buf = new Uint8Array(READ_SIZE);
        } else {
          chunk = buf.slice(0, n);
        }
        this.listener?.onData(chunk);
        if (this.upgrading || this.conn !== conn || this.done) return;
      }
    } catch (err) {
      this.readPending = false;
      // a read interrupted by our own close() is no error
      if (this.done || this.conn !== conn) return;
      if (!this.closing && !this.error) this.error = lostError(messageOf(err), err);
    }
    this.finish();
  }

  write(bytes: Uint8Array): boolean {
    if (this.done || this.closing || !this.conn) return false;
    if (bytes.length > 0) {
      this.queue.push(bytes);
      this.queued += bytes.length;
      if (!this.pumping && !this.upgrading) void this.pump();
    }
    if (this.queued > HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Writes the queue out, one (coalesced) chunk at a time, each to completion. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.done && !this.upgrading) {
        const conn = this.conn!;
        const chunk = this.takeChunk();
        let off = 0;
        while (off < chunk.length) {
          const n = await conn.write(off === 0 ? chunk : chunk.subarray(off));
          off += n;
          this.queued -= n;
          if (this.done) return;
        }
      }
    } catch (err) {
      if (!this.done) {
        if (!this.error) this.error = lostError(messageOf(err), err);
        this.destroy();
      }
      return;
    } finally {
      this.pumping = false;
    }
    if (this.queue.length > 0 || this.done) return;
    if (this.closing) {
      // everything written: now close (the read loop ends with it)
      closeQuietly(this.conn);
      this.finish();
      return;
    }
    if (this.needDrain) {
      this.needDrain = false;
      this.listener?.onDrain();
    }
  }

  /** The next chunk to write: the oldest one, joined with those after it up to COALESCE bytes. */
  private takeChunk(): Uint8Array {
    const first = this.queue[0]!;
    if (this.queue.length === 1 || first.length >= COALESCE) return this.queue.shift()!;
    let size = 0;
    let count = 0;
    while (count < this.queue.length && size + this.queue[count]!.length <= COALESCE) {
      size += this.queue[count]!.length;
      count++;
    }
    if (count <= 1) return this.queue.shift()!;
    const out = new Uint8Array(size);
    let at = 0;
    for (const part of this.queue.splice(0, count)) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  get pendingBytes(): number {
    return this.queued;
  }

  isEncrypted(): boolean {
    return this.encrypted;
  }

  close(): void {
    if (this.done) return;
    this.closing = true;
    if (this.queue.length === 0 && !this.pumping) {
      closeQuietly(this.conn);
      this.finish();
    }
    // else the pump closes once the queue is written
  }

  destroy(err?: Error): void {
    if (err && !this.error) this.error = err;
    if (this.done) return;
    this.queue = [];
    this.queued = 0;
    closeQuietly(this.conn);
    this.finish();
  }

  /** Delivers onClose once. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue = [];
    this.queued = 0;
    const l = this.listener;
    this.listener = undefined;
    l?.onClose(this.error);
  }
}

/**
 * The factory `connect()` hands to each connection. There is no `resolve`:
 * `Deno.resolveDns` asks DNS servers only (no /etc/hosts, so not even
 * `localhost`), and `Deno.connect` already tries every address of a name
 * (Happy Eyeballs, RFC 8305). The engine therefore dials host names as given.
 */
export const denoTransportFactory: TransportFactory = {
  create: () => new DenoTransport(),
  defaultPort: DEFAULT_TCP_PORT,
  parseUrl: parseTcpUrl,
};
