/**
 * The dial loop: which server to try next, how long to wait before trying a
 * server again, and when to give up. The same loop makes the first
 * connection and every reconnection.
 */
import type { Server, ServerInfo } from "../types.js";
import { type Clock, systemClock } from "../clock.js";
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  UserAuthenticationExpiredError,
} from "../errors.js";
import type { ParsedOptions } from "./options.js";
import type { ServerEntry, ServerPool } from "./servers.js";

export interface DialHost {
  readonly options: ParsedOptions;
  readonly pool: ServerPool;
  /** the last INFO seen, for the reconnectToServer handler */
  lastInfo(): ServerInfo | null;
  /** false once the connection is closing */
  wantsConnection(): boolean;
  /** resolves the server's hostname (unless turned off) to the addresses to try */
  addresses(server: ServerEntry): Promise<string[]>;
  /** one attempt: transport connect plus handshake */
  dial(server: ServerEntry, hostname: string): Promise<void>;
  /** a `reconnecting` status, before each attempt after the first connection */
  onAttempt(): void;
}

/** A `{ server, delay }` answer of the reconnectToServer handler (3.4's test: an object with both keys). */
function isDelayed(x: unknown): x is { server: unknown; delay: unknown } {
  return typeof x === "object" && x !== null && "server" in x && "delay" in x;
}

function isAuthError(err: unknown): boolean {
  return err instanceof AuthorizationError || err instanceof UserAuthenticationExpiredError;
}

export class DialLoop {
  /** ends the wait in progress early */
  #wake: (() => void) | undefined;
  #connectedOnce = false;
  readonly #host: DialHost;
  readonly #clock: Clock;

  constructor(
    host: DialHost,
    clock: Clock = systemClock,
  ) {
    this.#host = host;
    this.#clock = clock;
  }

  /** Interrupts a wait between attempts (close()). */
  cancel(): void {
    this.#wake?.();
  }

  /**
   * Dials until a server accepts us. The first connection tries each server
   * once (unless `waitOnFirstConnect`); later ones honour
   * `maxReconnectAttempts` per server and the reconnect delay per server.
   * Rejects with the last failure when the pool is empty.
   */
  async run(): Promise<ServerEntry> {
    const { options, pool } = this.#host;
    let lastErr: Error | undefined;
    for (;;) {
      if (!this.#host.wantsConnection()) throw new ClosedConnectionError();
      if (pool.length === 0) {
        throw lastErr ?? new ConnectionError("no servers available for connection");
      }
      const wait = options.reconnectDelayHandler();
      const now = this.#clock.now();
      let server = pool.all().find((s) => s.lastAttempt === undefined || now >= s.lastAttempt + wait);
      if (server === undefined) {
        // every server was tried within `wait`: sleep until the first one is due
        let due = Number.POSITIVE_INFINITY;
        // a loop, not Math.min(...): a gossiped pool can pass the engine's limit on arguments
        for (const s of pool.all()) due = Math.min(due, s.lastAttempt! + wait - now);
        await this.#sleep(Math.max(1, due));
        continue;
      }
      server = await this.#applyHandler(server);
      if (!this.#host.wantsConnection()) throw new ClosedConnectionError();
      // tried servers go to the back, so the others get their turn
      pool.promote(server);
      pool.next();
      server.lastAttempt = this.#clock.now();
      // what getServers() shows: a wall-clock time, as in the official client
      server.lastConnect = Date.now();
      try {
        await this.#tryServer(server);
        server.reconnects = 0;
        server.authErrors = 0;
        server.didConnect = true;
        this.#connectedOnce = true;
        return server;
      } catch (err) {
        lastErr = err as Error;
        if (!this.#host.wantsConnection()) throw new ClosedConnectionError();
        if (this.#countFailure(server, lastErr)) throw lastErr;
      }
    }
  }

  async #tryServer(server: ServerEntry): Promise<void> {
    const addrs = await this.#host.addresses(server);
    let lastErr: Error | undefined;
    for (const a of addrs) {
      if (!this.#host.wantsConnection()) throw new ClosedConnectionError();
      if (this.#connectedOnce) this.#host.onAttempt();
      try {
        await this.#host.dial(server, a);
        return;
      } catch (err) {
        lastErr = err as Error;
      }
    }
    throw lastErr ?? new ConnectionError(`cannot resolve host '${server.hostname}'`);
  }

  /** Counts a failed attempt on `server`; true when the loop should give up with `err`. */
  #countFailure(server: ServerEntry, err: Error): boolean {
    const { options, pool } = this.#host;
    if (isAuthError(err)) {
      server.authErrors++;
      // the same credentials will fail again: stop after two in a row, unless told otherwise
      if (server.authErrors >= 2 && !options.ignoreAuthErrorAbort) {
        pool.remove(server);
        // no server left has ever taken a connection from us (a peer that is down,
        // one only gossiped): these credentials are the reason, not the network
        // (3.4 gives up on two refusals in a row from any server)
        return !pool.all().some((s) => s.didConnect);
      }
    } else {
      server.authErrors = 0;
    }
    if (!this.#connectedOnce) {
      // the first connect tries each server once; with waitOnFirstConnect, until
      // one answers: maxReconnectAttempts counts from the first connection (as 3.4)
      if (!options.waitOnFirstConnect) pool.remove(server);
      return false;
    }
    server.reconnects++;
    const max = options.maxReconnectAttempts;
    if (max !== -1 && server.reconnects >= max) pool.remove(server);
    return false;
  }

  /** The reconnectToServer handler may pick another server of the pool, and add a delay. */
  async #applyHandler(chosen: ServerEntry): Promise<ServerEntry> {
    const handler = this.#host.options.reconnectToServer;
    if (!handler) return chosen;
    const entries = [chosen, ...this.#host.pool.all().filter((s) => s !== chosen)];
    const snapshots = entries.map((s) => s.snapshot());
    let answer: ReturnType<typeof handler>;
    try {
      // a copy of our list, not frozen: 3.4's is a plain array (a handler may sort it in place)
      answer = handler(snapshots.slice(), this.#host.lastInfo());
    } catch (err) {
      throw new ConnectionError(`client option reconnectToServer handler failed: ${(err as Error)?.message ?? err}`, { cause: err });
    }
    if (answer === null || answer === undefined) return chosen;
    const given: unknown = answer;
    const delayed = isDelayed(given);
    const picked = delayed ? given.server : given;
    // the snapshot itself, or as 3.4 matches: the pool's server with that `listen` (a copy, one from an earlier call)
    let i = snapshots.indexOf(picked as Server);
    if (i < 0 && typeof picked === "object" && picked !== null) {
      const listen = (picked as Partial<Server>).listen;
      i = snapshots.findIndex((s) => s.listen === listen);
    }
    if (i < 0 && picked !== null) {
      throw new ConnectionError("client option reconnectToServer handler failed: it returned a server that is not in the pool");
    }
    // `{ server: null, delay }`: the default choice, after the delay (as 3.4)
    const ms = delayed ? given.delay : 0;
    if (typeof ms === "number" && Number.isFinite(ms) && ms > 0) await this.#sleep(ms);
    return i < 0 ? chosen : entries[i];
  }

  /** Resolves after `ms`, or at once on cancel(). */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#clock.cancel(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = this.#clock.after(done, ms);
      this.#wake = done;
    });
  }
}

export { isAuthError };
