/**
 * The server pool: the servers the user gave plus those the cluster gossips
 * in INFO `connect_urls`, in the order they will be tried.
 */
import type { Server, ServersChanged } from "../types.js";
import type { UrlCredentials } from "../auth/url-credentials.js";
import { type ServerAddress, shuffle } from "./options.js";

export class ServerEntry implements Server {
  readonly hostname: string;
  readonly port: number;
  readonly listen: string;
  readonly src: string;
  readonly gossiped: boolean;
  /** the full URL, for transports that dial URLs */
  readonly url: string | undefined;
  /** from the URL, or inherited from the server that gossiped this one; never in a snapshot */
  readonly credentials: UrlCredentials | undefined;
  tlsName = "";
  /** failed attempts since the last successful connect */
  reconnects = 0;
  /** Date.now() of the last attempt, 0 if never tried (what users see) */
  lastConnect = 0;
  /** the dial loop's clock (monotonic) at the last attempt, undefined if never tried: the reconnect waits count from it */
  lastAttempt: number | undefined;
  didConnect = false;
  /** consecutive authorization errors from this server */
  authErrors = 0;

  constructor(addr: ServerAddress, gossiped: boolean, credentials = addr.credentials) {
    this.hostname = addr.hostname;
    this.port = addr.port;
    this.listen = addr.listen;
    this.src = addr.src;
    this.url = addr.url;
    this.gossiped = gossiped;
    this.credentials = credentials;
  }

  /** A frozen copy for `getServers()` and the reconnectToServer handler. */
  snapshot(): Server {
    return Object.freeze({
      hostname: this.hostname,
      port: this.port,
      listen: this.listen,
      src: this.src,
      tlsName: this.tlsName,
      reconnects: this.reconnects,
      lastConnect: this.lastConnect,
      gossiped: this.gossiped,
      didConnect: this.didConnect,
    });
  }
}

export class ServerPool {
  #servers: ServerEntry[];
  #currentEntry: ServerEntry | undefined;
  readonly #randomize: boolean;
  readonly #parse: (url: string) => ServerAddress;

  constructor(
    addrs: ServerAddress[],
    randomize: boolean,
    parse: (url: string) => ServerAddress,
  ) {
    this.#randomize = randomize;
    this.#parse = parse;
    this.#servers = addrs.map((a) => new ServerEntry(a, false));
  }

  /** The server of the current (or last) connection. */
  get current(): ServerEntry | undefined {
    return this.#currentEntry;
  }

  /**
   * A connection is up on `s`. If it is TLS, gossiped servers without a TLS
   * name get its name: the cluster gossips IPs, which the certificate does
   * not name. Those of the connection's first INFO were added before its TLS
   * handshake ended, so they get it only now.
   */
  set current(s: ServerEntry | undefined) {
    this.#currentEntry = s;
    if (!s?.tlsName) return;
    for (const e of this.#servers) {
      if (e.gossiped && e.tlsName === "") e.tlsName = s.tlsName;
    }
  }

  get length(): number {
    return this.#servers.length;
  }

  /** The next server to try: the head of the pool, which moves to the back. */
  next(): ServerEntry | undefined {
    const s = this.#servers.shift();
    if (s !== undefined) this.#servers.push(s);
    return s;
  }

  remove(s: ServerEntry): void {
    this.#servers = this.#servers.filter((x) => x !== s);
  }

  all(): readonly ServerEntry[] {
    return this.#servers;
  }

  /** Moves `s` to the head of the pool (a reconnectToServer choice). */
  promote(s: ServerEntry): void {
    this.#servers = [s, ...this.#servers.filter((x) => x !== s)];
  }

  /**
   * Applies the cluster's `connect_urls`: adds servers not yet known and drops
   * gossiped servers no longer reported (never `current`, never one the user
   * gave). `current` is the server the INFO came from: during a reconnect's
   * handshake, the one being dialled, not the one that was lost. Returns what
   * changed, or undefined when nothing did.
   */
  update(urls: string[], current = this.current): ServersChanged | undefined {
    const reported = new Map<string, ServerAddress>();
    for (const u of urls) {
      try {
        const a = this.#parse(u);
        reported.set(a.listen, a);
      } catch {
        // a URL we cannot use (e.g. a scheme of another transport) is skipped
      }
    }
    const known = new Set(this.#servers.map((s) => s.listen));
    const deleted: string[] = [];
    this.#servers = this.#servers.filter((s) => {
      if (!s.gossiped || s === current || reported.has(s.listen)) return true;
      deleted.push(s.listen);
      return false;
    });
    const added: string[] = [];
    for (const [listen, addr] of reported) {
      if (known.has(listen)) continue;
      // the cluster's other nodes take the credentials of the URL that reached it (as nats.go)
      const entry = new ServerEntry(addr, true, addr.credentials ?? current?.credentials);
      if (current?.tlsName) entry.tlsName = current.tlsName;
      this.#servers.push(entry);
      added.push(listen);
    }
    if (added.length === 0 && deleted.length === 0) return undefined;
    if (added.length > 0) {
      // spread the new servers, so a cluster's clients don't all fail over to the same one
      let rest = this.#servers.filter((s) => s !== current);
      if (this.#randomize) rest = shuffle(rest);
      // `current` last (nats.go's order, not 3.4's first): when its connection is
      // lost, the others are tried before it, so a server that hangs (paused, a
      // dead host) does not cost the connect timeout first
      this.#servers = current && this.#servers.includes(current) ? [...rest, current] : rest;
    }
    return { added, deleted };
  }

  /**
   * setServers(): the pool becomes exactly `addrs` (as in the official
   * client). Servers already known keep their state; the connection stays
   * up, and the next dial starts from the new list.
   */
  replace(addrs: ServerAddress[]): void {
    const known = new Map(this.#servers.map((s) => [s.listen, s]));
    if (this.current) known.set(this.current.listen, this.current);
    const next = addrs.map((a) => {
      const old = known.get(a.listen);
      if (!old) return new ServerEntry(a, false);
      const entry = new ServerEntry(a, false);
      entry.tlsName = old.tlsName;
      entry.didConnect = old.didConnect;
      entry.lastConnect = old.lastConnect;
      entry.lastAttempt = old.lastAttempt;
      entry.reconnects = old.reconnects;
      entry.authErrors = old.authErrors;
      if (old === this.current) this.current = entry;
      return entry;
    });
    this.#servers = this.#randomize ? shuffle(next) : next;
  }
}
