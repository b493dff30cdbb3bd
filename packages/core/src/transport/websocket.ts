/**
 * The W3C WebSocket transport: a byte pipe over a WebSocket (browsers, Deno,
 * Bun, Node 22+, or any socket from `wsFactory`, e.g. the `ws` package on
 * Node 20). `wsconnect()` (../wsconnect.ts) connects with it.
 */
import type { ConnectionOptions } from "../types.js";
import type { ServerAddress } from "../connection/options.js";
import { ConnectionError, ErrorCode, serverUrlError } from "../errors.js";
import { splitUserinfo } from "../auth/url-credentials.js";
import { VERSION } from "../version.js";
import type { DialTarget, Transport, TransportFactory, TransportListener } from "./transport.js";

/** Makes the socket for a URL; `encrypted` says whether it is a secure socket. */
export type WsSocketFactory = (
  url: string,
  opts: WsConnectionOptions,
) => Promise<{ socket: WebSocket; encrypted: boolean }>;

export interface WsConnectionOptions extends ConnectionOptions {
  wsFactory?: WsSocketFactory;
}

/** `bufferedAmount` above which write() reports backpressure. */
const HIGH_WATER = 1024 * 1024;
/** W3C WebSocket has no drain event: how often bufferedAmount is checked while above the mark. */
const DRAIN_POLL_MS = 5;

/**
 * Normalises a server string to a websocket URL: no scheme means `wss://`
 * (port 443); `ws://`, `http://` and `nats://` mean `ws:` (port 80); `wss://`,
 * `https://` and `tls://` mean `wss:` (port 443). Path and query are kept;
 * `user:pass@` or `token@` before the host are that server's credentials.
 * A gossiped `host:port` takes the scheme of the current connection.
 */
export function wsUrlParseFn(u: string, encrypted?: boolean): ServerAddress {
  if (typeof u !== "string" || u.trim() === "") {
    throw serverUrlError("entries must be non-empty strings");
  }
  let src = u;
  let s = u.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  let secure = encrypted ?? true;
  if (m) {
    const scheme = m[1].toLowerCase();
    if (scheme === "ws" || scheme === "http" || scheme === "nats") secure = false;
    else if (scheme === "wss" || scheme === "https" || scheme === "tls") secure = true;
    else throw serverUrlError(`has an unsupported URL scheme '${scheme}://'`);
    s = s.slice(m[0].length);
  }
  const { rest, credentials } = splitUserinfo(s);
  // what the pool keeps and errors quote: the credentials removed
  if (credentials) src = (m ? m[0] : "") + rest;
  let url: URL;
  try {
    url = new URL(`${secure ? "wss" : "ws"}://${rest}`);
  } catch {
    throw serverUrlError(`entry is not a valid URL: '${src}'`);
  }
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const full = `${secure ? "wss" : "ws"}://${host}:${port}${url.pathname}${url.search}`;
  const addr: ServerAddress = { hostname, port, listen: `${host}:${port}`, src, url: full };
  if (credentials) addr.credentials = credentials;
  return addr;
}

export class WsTransport implements Transport {
  readonly lang = "quicknats.ws";
  readonly version = VERSION;
  #socket: WebSocket | undefined;
  #encrypted = false;
  #listener: TransportListener | undefined;
  #error: Error | undefined;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  readonly #opts: WsConnectionOptions;

  constructor(opts: WsConnectionOptions) {
    this.#opts = opts;
  }

  async connect(target: DialTarget, listener: TransportListener): Promise<void> {
    const url = target.url ?? `wss://${target.hostname}:${target.port}/`;
    let socket: WebSocket;
    if (this.#opts.wsFactory) {
      const made = await this.#opts.wsFactory(url, this.#opts);
      socket = made.socket;
      this.#encrypted = made.encrypted;
    } else {
      if (typeof globalThis.WebSocket !== "function") {
        throw new ConnectionError(
          "no global WebSocket in this runtime: pass 'wsFactory' (e.g. with the 'ws' package on Node < 22)",
        );
      }
      socket = new WebSocket(url);
      this.#encrypted = url.startsWith("wss:");
    }
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    // listen before the socket opens: the server's INFO can arrive with the upgrade response
    this.#listener = listener;
    socket.onmessage = (e: MessageEvent) => this.#onMessage(e);
    await new Promise<void>((resolve, reject) => {
      if (socket.readyState === 1) {
        resolve();
        return;
      }
      socket.onopen = () => resolve();
      socket.onerror = (e: Event) => reject(openFailed(url, e));
      socket.onclose = (e) => {
        reject(new ConnectionError(`websocket connection to ${url} closed before opening (code ${e.code})`));
      };
    });
    socket.onerror = () => {
      if (!this.#error) this.#error = new ConnectionError(`websocket error on ${url}`);
    };
    socket.onclose = (e: CloseEvent) => {
      this.#stopDrainPoll();
      if (!this.#error && e.code !== 1000 && e.code !== 1005) {
        this.#error = new ConnectionError(`websocket closed with code ${e.code}${e.reason ? `: ${e.reason}` : ""}`);
      }
      const l = this.#listener;
      this.#listener = undefined;
      l?.onClose(this.#error);
    };
  }

  #onMessage(e: MessageEvent): void {
    const data = e.data;
    const l = this.#listener;
    if (!l) return;
    if (data instanceof ArrayBuffer) {
      l.onData(new Uint8Array(data));
    } else if (typeof data === "string") {
      // the NATS websocket listener sends binary frames; text is still protocol bytes
      l.onData(new TextEncoder().encode(data));
    } else if (ArrayBuffer.isView(data)) {
      l.onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }

  write(bytes: Uint8Array): boolean {
    const s = this.#socket;
    if (!s || s.readyState !== 1) return false;
    s.send(bytes);
    if (s.bufferedAmount > HIGH_WATER) {
      this.#startDrainPoll();
      return false;
    }
    return true;
  }

  get pendingBytes(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  isEncrypted(): boolean {
    return this.#encrypted;
  }

  close(): void {
    this.#closeSocket();
  }

  /**
   * Ends the connection now. The socket's close handshake is not waited for:
   * with a peer that stopped answering (a paused server, a network gone),
   * Chromium takes a minute to give up on it, which would hold the stale
   * connection's reconnect and a bounded close() as long.
   */
  destroy(err?: Error): void {
    if (err && !this.#error) this.#error = err;
    const s = this.#socket;
    if (s === undefined) return;
    this.#stopDrainPoll();
    if (s.readyState < 2) s.close(1000);
    s.onmessage = null;
    s.onclose = null;
    // a no-op, not null: the `ws` package's socket (wsFactory) throws an 'error' nobody listens to
    s.onerror = () => {};
    const l = this.#listener;
    this.#listener = undefined;
    // as a socket's close event comes: after the caller's turn
    if (l) queueMicrotask(() => l.onClose(this.#error));
  }

  #closeSocket(): void {
    const s = this.#socket;
    if (!s || s.readyState >= 2) {
      // closing or closed already: make sure the engine hears of it
      if (s?.readyState === 3) {
        const l = this.#listener;
        this.#listener = undefined;
        l?.onClose(this.#error);
      }
      return;
    }
    // what was sent is still delivered before the close handshake
    s.close(1000);
  }

  #startDrainPoll(): void {
    if (this.#drainTimer !== undefined) return;
    this.#drainTimer = setInterval(() => {
      const s = this.#socket;
      if (!s || s.bufferedAmount <= HIGH_WATER / 2) {
        this.#stopDrainPoll();
        this.#listener?.onDrain();
      }
    }, DRAIN_POLL_MS);
  }

  #stopDrainPoll(): void {
    if (this.#drainTimer !== undefined) clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }
}

/** The websocket transport factory for one connection's options. */
export function wsTransportFactory(opts: WsConnectionOptions): TransportFactory {
  return {
    create: () => new WsTransport(opts),
    defaultPort: 443,
    defaultServer: "wss://127.0.0.1:443",
    parseUrl: wsUrlParseFn,
  };
}

/**
 * Why a websocket did not open. Node's `ws` package (and Deno) put the reason
 * on the error event; a browser tells nothing, so the message names the two
 * usual causes. An answer that is not HTTP is a NATS client port.
 */
function openFailed(url: string, e: Event): ConnectionError {
  const cause = (e as { error?: unknown }).error;
  const detail = cause instanceof Error ? cause.message : String((e as { message?: unknown }).message ?? "");
  const code = (cause as { code?: unknown } | undefined)?.code;
  const failed = `websocket connection to ${url} failed`;
  if (code === "ECONNREFUSED") return new ConnectionError(`${failed}: connection refused`, { cause });
  // Node's codes for a certificate it did not accept (DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ...)
  if (code === "EPROTO" || /CERT|SSL|TLS|UNABLE_TO_/.test(String(code)) || /\bSSL\b|\bTLS\b/.test(detail)) {
    return new ConnectionError(`${failed}: TLS: ${detail}`, { cause, code: ErrorCode.Tls });
  }
  if (url.startsWith("ws:") && /Unexpected server response: 400\b/.test(detail)) {
    // what a websocket port with TLS answers to a plain request
    return new ConnectionError(`${failed}: the port refused a plain request (HTTP 400): one with TLS needs wss://`, { cause });
  }
  if (/Expected HTTP|Unexpected server response|Invalid WebSocket/i.test(detail)) {
    return new ConnectionError(`${failed}: not a websocket port (a NATS client port needs connect()): ${detail}`, { cause });
  }
  if (detail) return new ConnectionError(`${failed}: ${detail}`, { cause });
  return new ConnectionError(`${failed}: no server there, or not a websocket port (a NATS client port needs connect())`);
}
