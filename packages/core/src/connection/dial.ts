/**
 * One dial, step by step: the transport connects; the server's INFO arrives;
 * TLS starts if INFO and the `tls` option call for it (handshake.ts
 * decides); CONNECT and a PING go out; the server's PONG completes it. Any
 * failure, the server's `-ERR`, a closed transport or the connection
 * `timeout` ends it with an error that names the step.
 *
 * The engine owns the transport's events and the parser: it hands this
 * handshake the first INFO, the PONG and failures while it runs.
 */
import type { ServerInfo, Status } from "../types.js";
import { ConnectionError, ErrorCode, ProtocolError, TimeoutError } from "../errors.js";
import { deferred } from "../timers.js";
import type { DialTarget, Transport } from "../transport/transport.js";
import { redactConnect } from "./debug.js";
import { connectFields, tlsDecision } from "./handshake.js";
import { isIpLiteral, type ParsedOptions, shuffle } from "./options.js";
import type { ServerEntry } from "./servers.js";

/** What a handshake needs of its engine. */
export interface HandshakeHost {
  readonly options: ParsedOptions;
  /** nothing more comes in plain text: the parser stops until the next dial */
  stopParsing(): void;
  onStatus(status: Status): void;
  /**
   * The handshake ended, with `err` if it failed; called at once (before
   * `done` settles), so the engine is connected before the parser goes on
   * with the rest of the chunk that held the PONG.
   */
  handshakeEnded(handshake: Handshake, err?: Error): void;
}

/** Where to dial `server`, at `hostname` (the server's name, or an address it resolved to). */
export function dialTarget(server: ServerEntry, hostname: string, options: ParsedOptions): DialTarget {
  const target: DialTarget = {
    hostname,
    port: server.port,
    tlsName: server.tlsName || server.hostname,
    tls: options.tls,
  };
  if (server.url !== undefined) target.url = server.url;
  return target;
}

/**
 * The addresses to dial for `server`: its hostname resolved (unless the
 * `resolve` option is off, the runtime cannot, or it is an IP), shuffled
 * unless `noRandomize`.
 */
export async function addressesOf(
  server: ServerEntry,
  options: ParsedOptions,
  resolve: ((hostname: string) => Promise<string[]>) | undefined,
): Promise<string[]> {
  if (!options.resolve || resolve === undefined || isIpLiteral(server.hostname)) return [server.hostname];
  let addrs: string[];
  try {
    addrs = await resolve(server.hostname);
  } catch (err) {
    throw new ConnectionError(`cannot resolve host '${server.hostname}'`, { cause: err });
  }
  return options.noRandomize ? addrs : shuffle(addrs.slice());
}

export class Handshake {
  readonly #outcome = deferred<void>();
  /** settles when the handshake is done (the PONG to CONNECT's PING) or failed */
  readonly done: Promise<void> = this.#outcome;
  #settled = false;
  #sawInfo = false;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #host: HandshakeHost;
  readonly #server: ServerEntry;

  constructor(
    host: HandshakeHost,
    readonly transport: Transport,
    server: ServerEntry,
  ) {
    this.#host = host;
    this.#server = server;
    this.#timer = setTimeout(() => this.fail(this.#timeoutError()), host.options.timeout);
  }

  /** The server's first INFO: TLS if called for, then CONNECT. */
  onInfo(info: ServerInfo): void {
    this.#sawInfo = true;
    const transport = this.transport;
    const server = this.#server;
    const decision = tlsDecision(info, this.#host.options.tls, transport.isEncrypted(), server.listen);
    if (decision instanceof Error) {
      this.fail(decision);
      return;
    }
    if (decision === "plain") {
      this.#sendConnect(info);
      return;
    }
    if (transport.upgrade === undefined) {
      this.fail(new ConnectionError(`server ${server.listen} requires TLS, which this transport cannot do`, { code: ErrorCode.Tls }));
      return;
    }
    // the server waits for our TLS handshake
    this.#host.stopParsing();
    const target = dialTarget(server, server.hostname, this.#host.options);
    transport.upgrade(target).then(
      () => {
        if (this.#settled) return;
        // gossiped servers (usually IPs) are verified against this name too
        if (!isIpLiteral(target.tlsName)) server.tlsName = target.tlsName;
        this.#sendConnect(info);
      },
      (err) => this.fail(err as Error),
    );
  }

  /** Bytes before INFO that say this is an HTTP (websocket) port. */
  checkFirstBytes(chunk: Uint8Array): boolean {
    if (this.#sawInfo || !startsWithHttp(chunk)) return true;
    this.fail(new ProtocolError(
      `${this.#server.listen} answered with HTTP, not NATS: a websocket port needs wsconnect(), connect() the client port`,
      { code: ErrorCode.BadServerData },
    ));
    return false;
  }

  #sendConnect(info: ServerInfo): void {
    const options = this.#host.options;
    let connect: Record<string, unknown>;
    try {
      connect = connectFields(options, info, this.transport, this.#server.credentials);
    } catch (err) {
      // this attempt fails; on a reconnect the loop goes on, and status() says why
      this.#host.onStatus({ type: "error", error: err as Error });
      this.fail(err as Error);
      return;
    }
    if (options.debug) {
      options.debug(`> CONNECT ${JSON.stringify(redactConnect(connect))}`);
      options.debug("> PING");
    }
    // straight to the transport: what was buffered while disconnected must follow the handshake
    this.transport.write(new TextEncoder().encode(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`));
  }

  /** The PONG to CONNECT's PING: the handshake is done. */
  complete(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#host.handshakeEnded(this);
    this.#outcome.resolve();
  }

  /** The handshake fails: the transport is destroyed. */
  fail(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.transport.destroy();
    this.#host.handshakeEnded(this, err);
    this.#outcome.reject(err);
  }

  /** A TimeoutError that says which step did not finish, and the likely cause. */
  #timeoutError(): TimeoutError {
    const err = new TimeoutError();
    const ms = this.#host.options.timeout;
    const where = this.#server.listen;
    err.message = this.#sawInfo
      ? `timeout: ${where} did not complete the handshake within ${ms} ms`
      : `timeout: no INFO from ${where} within ${ms} ms: not a NATS client port? (a websocket port needs wsconnect())`;
    return err;
  }
}

const HTTP = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

function startsWithHttp(chunk: Uint8Array): boolean {
  if (chunk.length < HTTP.length) return false;
  for (let i = 0; i < HTTP.length; i++) if (chunk[i] !== HTTP[i]) return false;
  return true;
}
