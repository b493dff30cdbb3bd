/**
 * A TLS-terminating proxy in front of a plain nats-server, standing in for a
 * server with `handshake_first` (nats-server 2.10+; the 2.9 used by these tests
 * has no such option).
 *
 * A client must start TLS as soon as the TCP connection is up: the proxy is a
 * `node:tls` server and says nothing until the client's TLS handshake is done.
 * Only then does it dial the nats-server (plain TCP) and relay bytes both ways.
 *
 * The server's first INFO is forwarded with `tls_required: true` set (nothing
 * else changes). A real `handshake_first` server has TLS configured and so
 * advertises `tls_required`; forwarding the plain server's INFO untouched would
 * hide the case that matters: a client already in TLS must not try to upgrade
 * again because INFO asks for TLS. Everything after that first line is relayed
 * byte for byte.
 *
 * ```ts
 * const proxy = await TlsProxy.start({ upstreamPort: srv.port, cert, key });
 * await connect({ servers: proxy.hostport, tls: { handshakeFirst: true, caFile } });
 * await proxy.stop();
 * ```
 */
import net from "node:net";
import tls from "node:tls";

export interface TlsProxyOptions {
  /** port of the plain nats-server on 127.0.0.1 */
  upstreamPort: number;
  /** server certificate and key (PEM) */
  cert: string;
  key: string;
  /** ms the proxy waits for a client's TLS handshake before dropping it (default 5000) */
  handshakeTimeout?: number;
}

/** One client connection as the proxy saw it. */
export interface ProxySession {
  /** the negotiated TLS version, e.g. "TLSv1.3" */
  protocol: string | null;
  /** the INFO line the proxy forwarded (after the rewrite) */
  info?: Record<string, unknown>;
}

export class TlsProxy {
  /** TLS sessions completed, in order */
  readonly sessions: ProxySession[] = [];
  /** connections dropped before their TLS handshake completed (e.g. a plain-TCP client) */
  tlsFailures = 0;
  readonly #server: tls.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: tls.Server) {
    this.#server = server;
  }

  static async start(opts: TlsProxyOptions): Promise<TlsProxy> {
    const server = tls.createServer({
      cert: opts.cert,
      key: opts.key,
      handshakeTimeout: opts.handshakeTimeout ?? 5000,
    });
    const proxy = new TlsProxy(server);
    server.on("connection", (raw: net.Socket) => proxy.#track(raw));
    server.on("tlsClientError", (_err, sock) => {
      proxy.tlsFailures++;
      sock.destroy();
    });
    server.on("secureConnection", (client: tls.TLSSocket) => proxy.#relay(client, opts.upstreamPort));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `"127.0.0.1:PORT"` */
  get hostport(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(s: net.Socket): void {
    this.#sockets.add(s);
    s.once("close", () => this.#sockets.delete(s));
    s.on("error", () => {});
  }

  #relay(client: tls.TLSSocket, upstreamPort: number): void {
    const session: ProxySession = { protocol: client.getProtocol() };
    this.sessions.push(session);
    this.#track(client);
    const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort });
    this.#track(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once("close", closeBoth);
    upstream.once("close", closeBoth);

    let head = Buffer.alloc(0);
    let infoDone = false;
    upstream.on("data", (chunk: Buffer) => {
      if (infoDone) {
        client.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const eol = head.indexOf("\r\n");
      if (eol < 0) {
        if (head.length > 64 * 1024) closeBoth();
        return;
      }
      infoDone = true;
      const line = head.subarray(0, eol).toString("utf8");
      const rest = head.subarray(eol + 2);
      const m = /^INFO\s+(.*)$/i.exec(line);
      if (!m) {
        // not what a nats-server sends first: relay as is
        client.write(head);
        return;
      }
      const info = JSON.parse(m[1]) as Record<string, unknown>;
      info.tls_required = true;
      session.info = info;
      client.write(`INFO ${JSON.stringify(info)}\r\n`);
      if (rest.length > 0) client.write(rest);
    });
    client.on("data", (chunk: Buffer) => upstream.write(chunk));
  }
}
