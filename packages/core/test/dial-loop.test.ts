// The dial loop with a fake DialHost on a manual clock: which server is
// tried when, the first connect (each server once, or waitOnFirstConnect),
// maxReconnectAttempts per server (-1: forever), the wait between attempts
// to one server (reconnectTimeWait + jitter, reconnectJitterTLS, a
// reconnectDelayHandler), the reconnectToServer handler, two consecutive
// authorization errors dropping a server (ignoreAuthErrorAbort), DNS
// addresses (and addressesOf: which addresses one server is dialed at), and
// cancel() during a wait. Waits of seconds take no time.
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { ConnectionOptions, Server, ServerInfo } from "../src/types.js";
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  UserAuthenticationExpiredError,
} from "../src/errors.js";
import { DEFAULT_JITTER_TLS, type ParsedOptions, parseOptions } from "../src/connection/options.js";
import { addressesOf } from "../src/connection/dial.js";
import { type DialHost, DialLoop } from "../src/connection/reconnect.js";
import { type ServerEntry, ServerPool } from "../src/connection/servers.js";
import { parseServer, parseTcpUrl } from "../src/transport/tcp-url.js";
import type { TransportFactory } from "../src/transport/transport.js";
import { ManualClock } from "./helpers/manual-clock.js";

const factory: TransportFactory = {
  create: () => {
    throw new Error("the dial loop tests dial through the fake host");
  },
  defaultPort: 4222,
  parseUrl: parseTcpUrl,
};

interface Attempt {
  /** the server's listen */
  server: string;
  /** the address dialed */
  hostname: string;
  /** the manual clock's time */
  at: number;
}

/** What a dial does: succeed (undefined) or fail with an error. */
type Outcome = (server: ServerEntry, attempt: number) => Error | undefined;

const refused = (): Error => new ConnectionError("connection refused");

/** A DialHost whose dials succeed or fail as the test says, at no cost in time. */
class FakeHost implements DialHost {
  readonly options: ParsedOptions;
  readonly pool: ServerPool;
  info: ServerInfo | null = null;
  closing = false;
  readonly attempts: Attempt[] = [];
  /** clock times of onAttempt() (the `reconnecting` status) */
  readonly reconnecting: number[] = [];
  /** hostname -> addresses, for servers that resolve (default: the hostname itself) */
  readonly dns = new Map<string, string[] | Error>();
  outcome: Outcome = () => undefined;

  constructor(
    readonly clock: ManualClock,
    opts: ConnectionOptions,
  ) {
    this.options = parseOptions({ noRandomize: true, ...opts }, factory);
    this.pool = new ServerPool(this.options.servers, !this.options.noRandomize, (u) => parseServer(u, 4222));
  }

  lastInfo(): ServerInfo | null {
    return this.info;
  }
  wantsConnection(): boolean {
    return !this.closing;
  }
  addresses(server: ServerEntry): Promise<string[]> {
    const a = this.dns.get(server.hostname);
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve(a ?? [server.hostname]);
  }
  dial(server: ServerEntry, hostname: string): Promise<void> {
    this.attempts.push({ server: server.listen, hostname, at: this.clock.now() });
    const err = this.outcome(server, this.attempts.length);
    return err ? Promise.reject(err) : Promise.resolve();
  }
  onAttempt(): void {
    this.reconnecting.push(this.clock.now());
  }

  /** Attempts as "listen@time". */
  trace(): string[] {
    return this.attempts.map((a) => `${a.server}@${a.at}`);
  }
}

/** Lets every pending promise callback run (the fake host never does I/O). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs the clock's timers until `p` settles: between timers, the loop's
 * promise chain runs. Fails if the loop waits on nothing (no timer, not
 * settled) or takes more than `maxTimers` timers.
 */
async function drive<T>(clock: ManualClock, p: Promise<T>, maxTimers = 10_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let n = 0; n <= maxTimers; n++) {
    await settle();
    if (done) return p;
    if (!clock.runNext()) {
      await settle();
      if (done) return p;
      throw new Error("the dial loop waits on nothing: no timer pending and run() not settled");
    }
  }
  throw new Error(`the dial loop did not settle within ${maxTimers} timers`);
}

/** A host and its loop, after a first successful connect to the first server (the loop now reconnects). */
async function connected(clock: ManualClock, opts: ConnectionOptions): Promise<{ host: FakeHost; loop: DialLoop }> {
  const host = new FakeHost(clock, opts);
  const loop = new DialLoop(host, clock);
  await drive(clock, loop.run());
  host.attempts.length = 0;
  return { host, loop };
}

function fixRandom(t: TestContext, value: number): void {
  t.mock.method(Math, "random", () => value);
}

describe("DialLoop: the first connect", () => {
  it("tries each server once, in order, at once; rejects with the last failure and empties the pool", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1", "b:2", "c:3"], maxReconnectAttempts: -1 });
    let n = 0;
    host.outcome = () => new ConnectionError(`refused ${++n}`);
    const err = await drive(clock, new DialLoop(host, clock).run()).catch((e: Error) => e);
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.message, "refused 3");
    assert.deepEqual(host.trace(), ["a:1@0", "b:2@0", "c:3@0"]);
    assert.equal(host.pool.length, 0);
    assert.deepEqual(host.reconnecting, [], "no reconnecting status before a first connection");
  });

  it("returns the first server that accepts; the failed ones leave the pool", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1", "b:2", "c:3"] });
    host.outcome = (s) => (s.listen === "a:1" ? refused() : undefined);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "b:2");
    assert.equal(srv.didConnect, true);
    assert.equal(srv.reconnects, 0);
    assert.ok(srv.lastConnect > 0, "lastConnect is a wall-clock time");
    assert.deepEqual(host.pool.all().map((s) => s.listen), ["c:3", "b:2"], "the connected server went to the back");
  });

  it("an empty pool: ConnectionError", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1"] });
    host.pool.remove(host.pool.all()[0]);
    await assert.rejects(new DialLoop(host, clock).run(), (e: Error) => e instanceof ConnectionError && /no servers/.test(e.message));
  });

  it("a closing connection: ClosedConnectionError, nothing dialed", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1"] });
    host.closing = true;
    await assert.rejects(new DialLoop(host, clock).run(), ClosedConnectionError);
    assert.equal(host.attempts.length, 0);
  });

  it("waitOnFirstConnect: keeps trying every reconnectTimeWait until a server is up", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1"], waitOnFirstConnect: true, reconnectTimeWait: 500, reconnectJitter: 0 });
    host.outcome = (_s, n) => (n < 4 ? refused() : undefined);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "a:1");
    assert.deepEqual(host.trace(), ["a:1@0", "a:1@500", "a:1@1000", "a:1@1500"]);
    assert.equal(srv.reconnects, 0, "reset by the connection");
    assert.deepEqual(host.reconnecting, [], "no reconnecting status before a first connection");
  });

  it("waitOnFirstConnect: maxReconnectAttempts does not count before a first connection (as 3.4); close() ends the wait", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1", "b:2"], waitOnFirstConnect: true, maxReconnectAttempts: 3, reconnectTimeWait: 100, reconnectJitter: 0 });
    // refused 20 times (10 rounds, over 3 attempts a server), then the connection is closed
    host.outcome = (_s, n) => {
      if (n >= 20) host.closing = true;
      return refused();
    };
    await assert.rejects(drive(clock, new DialLoop(host, clock).run()), ClosedConnectionError);
    assert.equal(host.attempts.length, 20);
    assert.deepEqual(host.trace().slice(0, 6), ["a:1@0", "b:2@0", "a:1@100", "b:2@100", "a:1@200", "b:2@200"]);
    assert.deepEqual(host.trace().slice(-2), ["a:1@900", "b:2@900"]);
    assert.equal(host.pool.length, 2, "no server dropped");
    assert.deepEqual(host.pool.all().map((s) => s.reconnects), [0, 0], "no reconnect counted");
  });
});

describe("DialLoop: reconnecting", () => {
  it("tries each server maxReconnectAttempts times, each reconnectTimeWait apart, the others in between; then rejects", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1", "b:2"], maxReconnectAttempts: 3, reconnectTimeWait: 1000, reconnectJitter: 0 });
    clock.advance(5_000); // connected for a while: every server is due at once
    const t0 = clock.now();
    host.outcome = refused;
    const err = await drive(clock, loop.run()).catch((e: Error) => e);
    assert.ok(err instanceof ConnectionError);
    // a was connected and went to the back: b comes first
    assert.deepEqual(host.trace(), [0, 0, 1000, 1000, 2000, 2000].map((d, i) => `${i % 2 ? "a:1" : "b:2"}@${t0 + d}`));
    assert.deepEqual(host.reconnecting, host.attempts.map((a) => a.at), "a reconnecting status before each attempt");
    assert.equal(host.pool.length, 0);
  });

  it("a server that fails right after connecting waits reconnectTimeWait from its last attempt", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], reconnectTimeWait: 2000, reconnectJitter: 0 });
    clock.advance(300);
    const srv = await drive(clock, loop.run());
    assert.equal(srv.listen, "a:1");
    assert.deepEqual(host.trace(), ["a:1@2000"]);
  });

  it("a success resets the server's reconnect count", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: 3, reconnectTimeWait: 10, reconnectJitter: 0 });
    host.outcome = (_s, n) => (n <= 2 ? refused() : undefined);
    const srv = await drive(clock, loop.run());
    assert.equal(srv.reconnects, 0);
    host.attempts.length = 0;
    // three more failures are allowed again
    host.outcome = (_s, n) => (n <= 2 ? refused() : undefined);
    await drive(clock, loop.run());
    assert.equal(host.attempts.length, 3);
  });

  it("maxReconnectAttempts -1 tries forever (here until 200 attempts, then close)", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: -1, reconnectTimeWait: 50, reconnectJitter: 0 });
    host.outcome = (s, n) => {
      if (n === 200) {
        host.closing = true;
        loop.cancel();
      }
      return refused();
    };
    await assert.rejects(drive(clock, loop.run(), 1_000), ClosedConnectionError);
    assert.equal(host.attempts.length, 200);
    assert.equal(host.pool.length, 1, "never dropped");
    const gaps = host.attempts.slice(1).map((a, i) => a.at - host.attempts[i].at);
    assert.ok(gaps.every((g) => g === 50), `attempts 50 ms apart: ${[...new Set(gaps)]}`);
  });

  it("maxReconnectAttempts 0 still tries each server once (as 3.4)", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1", "b:2"], maxReconnectAttempts: 0 });
    host.outcome = refused;
    await assert.rejects(drive(clock, loop.run()), ConnectionError);
    assert.equal(host.attempts.length, 2);
  });

  it("tries every address a hostname resolves to, each with a reconnecting status; the server fails if none answers", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["h.example:1", "b:2"], maxReconnectAttempts: 1 });
    host.dns.set("h.example", ["10.0.0.1", "10.0.0.2"]);
    host.dns.set("b", new ConnectionError("cannot resolve host 'b'"));
    host.outcome = () => refused();
    const err = await drive(clock, loop.run()).catch((e: Error) => e);
    assert.deepEqual(host.attempts.map((a) => a.hostname), ["10.0.0.1", "10.0.0.2"], "b never resolved");
    assert.equal(host.reconnecting.length, 2);
    assert.match((err as Error).message, /refused|resolve/);
    assert.equal(host.pool.length, 0);
  });

  it("a pool too large to spread into Math.min() (gossip of a hostile 1 MiB INFO): the loop still waits for the first server due", async () => {
    const clock = new ManualClock(10_000);
    const host = new FakeHost(clock, { servers: ["a:1"], reconnectTimeWait: 1000, reconnectJitter: 0 });
    host.pool.update(Array.from({ length: 200_000 }, (_, i) => `h${i}:1`));
    host.pool.all().forEach((s, i) => (s.lastAttempt = clock.now() - (i === 7 ? 400 : 0)));
    const loop = new DialLoop(host, clock);
    const run = loop.run();
    await settle();
    assert.deepEqual(clock.dueTimes(), [clock.now() + 600], "asleep until the server tried 400 ms ago is due");
    host.closing = true;
    loop.cancel();
    await assert.rejects(run, ClosedConnectionError);
  });

  it("the waits follow the monotonic clock: setting the wall clock back an hour does not hold the loop", async (t) => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: 3, reconnectTimeWait: 100, reconnectJitter: 0 });
    const real = Date.now;
    let wall = real();
    t.mock.method(Date, "now", () => (wall -= 3_600_000));
    host.outcome = refused;
    await assert.rejects(drive(clock, loop.run()), ConnectionError);
    // the first connect was at 0: each attempt 100 ms after the one before
    assert.deepEqual(host.trace(), ["a:1@100", "a:1@200", "a:1@300"]);
  });
});

describe("DialLoop: the wait between attempts", () => {
  const gapsOf = (host: FakeHost): number[] => host.attempts.slice(1).map((a, i) => a.at - host.attempts[i].at);

  it("reconnectTimeWait plus a jitter of 0 to reconnectJitter", async (t) => {
    for (const [random, gap] of [[0, 1000], [0.999, 1200]] as const) {
      fixRandom(t, random);
      const clock = new ManualClock();
      const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: 4, reconnectTimeWait: 1000, reconnectJitter: 200 });
      clock.advance(10_000);
      host.outcome = refused;
      await assert.rejects(drive(clock, loop.run()), ConnectionError);
      assert.deepEqual(gapsOf(host), [gap, gap, gap], `Math.random() ${random}`);
    }
  });

  it("with TLS the jitter is reconnectJitterTLS (1 s by default); a tls:// URL counts as TLS", async (t) => {
    fixRandom(t, 0.999);
    for (const opts of [{ tls: {}, servers: ["a:1"] }, { servers: ["tls://a:1"] }, { tls: {}, servers: ["a:1"], reconnectJitterTLS: 40 }]) {
      const clock = new ManualClock();
      const { host, loop } = await connected(clock, { maxReconnectAttempts: 2, reconnectTimeWait: 1000, ...opts });
      clock.advance(10_000);
      host.outcome = refused;
      await assert.rejects(drive(clock, loop.run()), ConnectionError);
      const jitter = "reconnectJitterTLS" in opts ? opts.reconnectJitterTLS! : DEFAULT_JITTER_TLS;
      assert.deepEqual(gapsOf(host), [1000 + Math.floor(0.999 * (jitter + 1))], JSON.stringify(opts));
    }
  });

  it("a reconnectDelayHandler replaces reconnectTimeWait and jitter, and is asked again for every wait", async () => {
    const clock = new ManualClock();
    const delays = [300, 700, 50];
    let calls = 0;
    const { host, loop } = await connected(clock, {
      servers: ["a:1"],
      maxReconnectAttempts: 4,
      reconnectTimeWait: 10_000,
      reconnectJitter: 10_000,
      reconnectDelayHandler: () => delays[Math.min(calls++, delays.length - 1)],
    });
    calls = 0;
    clock.advance(10_000);
    host.outcome = refused;
    await assert.rejects(drive(clock, loop.run()), ConnectionError);
    assert.deepEqual(gapsOf(host), [700, 50, 50], "each wait is the handler's answer of that round");
  });

  it("cancel() during a wait: rejects with ClosedConnectionError at once; nothing more is dialed, no timer left", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], reconnectTimeWait: 60_000, reconnectJitter: 0 });
    host.outcome = refused;
    const run = loop.run();
    await settle();
    assert.equal(clock.pending, 1, "waiting for the server to be due");
    host.closing = true;
    loop.cancel();
    await assert.rejects(run, ClosedConnectionError);
    assert.equal(clock.pending, 0);
    assert.equal(host.attempts.length, 0);
    assert.equal(clock.now(), 0, "no time passed");
  });
});

describe("DialLoop: authorization errors", () => {
  it("two in a row from one server drop it, whatever maxReconnectAttempts; the others go on", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1", "b:2"], maxReconnectAttempts: -1, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.outcome = (s, n) => (s.listen === "b:2" ? new AuthorizationError("Authorization Violation") : n < 6 ? refused() : undefined);
    const srv = await drive(clock, loop.run());
    assert.equal(srv.listen, "a:1");
    assert.deepEqual(host.attempts.map((a) => a.server), ["b:2", "a:1", "b:2", "a:1", "a:1", "a:1"]);
    assert.deepEqual(host.pool.all().map((s) => s.listen), ["a:1"]);
  });

  it("the server dropped, and no server left ever took a connection from us (a peer that is down): gives up with the auth error", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1", "b:2"], maxReconnectAttempts: 5, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.outcome = (s) => (s.listen === "a:1" ? new AuthorizationError("Authorization Violation") : refused());
    await assert.rejects(drive(clock, loop.run()), AuthorizationError);
    assert.deepEqual(host.attempts.map((a) => a.server), ["b:2", "a:1", "b:2", "a:1"], "not b:2's remaining attempts");
  });

  it("waitOnFirstConnect: two refusals from a server and a peer that is down: connect() rejects with the auth error, not waits forever", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1", "b:2"], waitOnFirstConnect: true, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.outcome = (s) => (s.listen === "a:1" ? new AuthorizationError("Authorization Violation") : refused());
    await assert.rejects(drive(clock, new DialLoop(host, clock).run()), AuthorizationError);
    assert.deepEqual(host.attempts.map((a) => a.server), ["a:1", "b:2", "a:1"]);
  });

  it("an expired user authentication counts as one", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: -1, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.outcome = () => new UserAuthenticationExpiredError("User Authentication Expired");
    await assert.rejects(drive(clock, loop.run()), UserAuthenticationExpiredError);
    assert.equal(host.attempts.length, 2);
  });

  it("not in a row: another failure in between resets the count", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: 5, reconnectTimeWait: 100, reconnectJitter: 0 });
    const auth = () => new AuthorizationError("Authorization Violation");
    host.outcome = (_s, n) => [auth, refused, auth, refused, auth][n - 1]();
    await assert.rejects(drive(clock, loop.run()), AuthorizationError);
    assert.equal(host.attempts.length, 5, "dropped by maxReconnectAttempts, not by the auth errors");
  });

  it("one on the live connection (counted by the engine) and one in the next handshake are two in a row", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: -1, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.pool.all()[0].authErrors = 1;
    host.outcome = () => new AuthorizationError("Authorization Violation");
    await assert.rejects(drive(clock, loop.run()), AuthorizationError);
    assert.equal(host.attempts.length, 1);
  });

  it("ignoreAuthErrorAbort: auth errors count as any failure (maxReconnectAttempts bounds them)", async () => {
    const clock = new ManualClock();
    const { host, loop } = await connected(clock, { servers: ["a:1"], maxReconnectAttempts: 4, ignoreAuthErrorAbort: true, reconnectTimeWait: 100, reconnectJitter: 0 });
    host.outcome = (_s, n) => (n < 4 ? new AuthorizationError("Authorization Violation") : undefined);
    const srv = await drive(clock, loop.run());
    assert.equal(host.attempts.length, 4);
    assert.equal(srv.authErrors, 0, "reset by the connection");
  });

  it("on the first connect, an auth error drops the server as any failure does", async () => {
    const clock = new ManualClock();
    const host = new FakeHost(clock, { servers: ["a:1", "b:2"] });
    host.outcome = (s) => (s.listen === "a:1" ? new AuthorizationError("Authorization Violation") : undefined);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "b:2");
    assert.deepEqual(host.pool.all().map((s) => s.listen), ["b:2"]);
  });
});

describe("DialLoop: the reconnectToServer handler", () => {
  const handlerHost = (clock: ManualClock, handler: ConnectionOptions["reconnectToServer"], opts: ConnectionOptions = {}) =>
    new FakeHost(clock, { servers: ["a:1", "b:2", "c:3"], reconnectToServer: handler, ...opts });

  it("sees the pool (a plain array of frozen servers, as 3.4's) with the default choice first and the last INFO; its choice is dialed", async () => {
    const clock = new ManualClock();
    const seen: { pool: readonly Server[]; info: ServerInfo | null }[] = [];
    const host = handlerHost(clock, (pool, info) => {
      seen.push({ pool, info });
      return pool.find((s) => s.listen === "c:3")!;
    });
    host.info = { server_id: "S1" } as ServerInfo;
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "c:3");
    assert.deepEqual(host.trace(), ["c:3@0"]);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].pool.map((s) => s.listen), ["a:1", "b:2", "c:3"]);
    assert.ok(!Object.isFrozen(seen[0].pool) && Object.isFrozen(seen[0].pool[0]));
    assert.equal(seen[0].info?.server_id, "S1");
    assert.deepEqual(host.pool.all().map((s) => s.listen), ["a:1", "b:2", "c:3"], "the server tried went to the back");
  });

  it("a handler that sorts the pool in place and takes the first gets the server it chose", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, (pool) => (pool as Server[]).sort((x, y) => y.listen.localeCompare(x.listen))[0]!);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "c:3");
    assert.deepEqual(host.trace(), ["c:3@0"]);
    assert.deepEqual(host.pool.all().map((s) => s.listen), ["a:1", "b:2", "c:3"], "the pool itself is not reordered by the handler's sort");
  });

  it("the default choice is the first server due, not the head of the pool", async () => {
    const clock = new ManualClock(10_000);
    const seen: string[][] = [];
    const host = handlerHost(clock, (pool) => (seen.push(pool.map((s) => s.listen)), null), { reconnectTimeWait: 1000, reconnectJitter: 0 });
    // a was tried just now (a gossip reshuffle keeps the current server first)
    host.pool.all()[0].lastAttempt = clock.now();
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "b:2");
    assert.deepEqual(seen, [["b:2", "a:1", "c:3"]]);
  });

  it("null: the default choice", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, () => null);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "a:1");
  });

  it("{ server, delay }: waits the delay, then dials that server", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, (pool) => ({ server: pool[1], delay: 750 }));
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "b:2");
    assert.deepEqual(host.trace(), ["b:2@750"]);
  });

  it("cancel() during its delay: ClosedConnectionError, nothing dialed", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, (pool) => ({ server: pool[0], delay: 60_000 }));
    const loop = new DialLoop(host, clock);
    const run = loop.run();
    await settle();
    host.closing = true;
    loop.cancel();
    await assert.rejects(run, ClosedConnectionError);
    assert.equal(host.attempts.length, 0);
    assert.equal(clock.pending, 0);
  });

  it("a throw: ConnectionError naming the handler, with the error as its cause", async () => {
    const clock = new ManualClock();
    const boom = new Error("boom");
    const host = handlerHost(clock, () => {
      throw boom;
    });
    const err = await new DialLoop(host, clock).run().catch((e: Error) => e);
    assert.ok(err instanceof ConnectionError);
    assert.match(err.message, /^client option reconnectToServer handler failed: boom$/);
    assert.equal(err.cause, boom);
    assert.equal(host.attempts.length, 0);
  });

  it("a server not in the pool: ConnectionError", async () => {
    const clock = new ManualClock();
    const stranger: Server = {
      hostname: "x", port: 9, listen: "x:9", src: "x:9", tlsName: "", reconnects: 0, lastConnect: 0, gossiped: false, didConnect: false,
    };
    const host = handlerHost(clock, () => stranger);
    const err = await new DialLoop(host, clock).run().catch((e: Error) => e);
    assert.ok(err instanceof ConnectionError);
    assert.match(err.message, /reconnectToServer handler failed.*not in the pool/);
    assert.equal(host.attempts.length, 0);
  });

  it("a server is matched by its listen, as 3.4 does: a copy, or one from an earlier call's pool", async () => {
    const clock = new ManualClock();
    let earlier: Server | undefined;
    const host = handlerHost(clock, (pool) => {
      earlier ??= pool.find((s) => s.listen === "b:2");
      return { ...pool.find((s) => s.listen === "c:3")! };
    });
    assert.equal((await drive(clock, new DialLoop(host, clock).run())).listen, "c:3");
    const again = handlerHost(clock, (pool) => {
      earlier ??= pool.find((s) => s.listen === "b:2");
      return earlier!;
    });
    const loop = new DialLoop(again, clock);
    assert.equal((await drive(clock, loop.run())).listen, "b:2");
    again.outcome = (s, n) => (n === 2 ? refused() : undefined);
    // the pool's snapshots are new objects on every call: `earlier` is not one of them
    assert.equal((await drive(clock, loop.run())).listen, "b:2");
  });

  it("an answer that is not a server (a string): ConnectionError, not a TypeError", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, (() => "b:2") as unknown as ConnectionOptions["reconnectToServer"]);
    const err = await new DialLoop(host, clock).run().catch((e: Error) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.match(err.message, /not in the pool/);
  });

  it("{ server: null, delay }: the default choice after the delay; a delay that is not a positive finite number: none", async () => {
    const clock = new ManualClock();
    const host = handlerHost(clock, () => ({ server: null, delay: 300 }) as unknown as Server);
    const srv = await drive(clock, new DialLoop(host, clock).run());
    assert.equal(srv.listen, "a:1");
    assert.deepEqual(host.trace(), ["a:1@300"]);
    for (const delay of [Infinity, NaN, -5, "100"]) {
      const c2 = new ManualClock();
      const h2 = handlerHost(c2, (pool) => ({ server: pool[1], delay }) as unknown as Server);
      await drive(c2, new DialLoop(h2, c2).run());
      assert.deepEqual(h2.trace(), ["b:2@0"], `delay ${String(delay)}`);
    }
  });

  it("is asked before every attempt, after the reconnect wait", async () => {
    const clock = new ManualClock();
    const calls: number[] = [];
    const host = handlerHost(clock, () => (calls.push(clock.now()), null), { servers: ["a:1"], reconnectTimeWait: 400, reconnectJitter: 0, waitOnFirstConnect: true });
    host.outcome = (_s, n) => (n < 3 ? refused() : undefined);
    await drive(clock, new DialLoop(host, clock).run());
    assert.deepEqual(calls, [0, 400, 800]);
  });
});

describe("addressesOf: what one server is dialed at", () => {
  /** options as a runtime that resolves hostnames (Node's, Deno's) parses them: `resolve` on by default */
  const optionsOf = (opts: ConnectionOptions): ParsedOptions => parseOptions(opts, { ...factory, resolve: async (h) => [h] });
  const serverOf = (url: string): ServerEntry => new ServerPool([parseServer(url, 4222)], false, (u) => parseServer(u, 4222)).all()[0]!;
  /** A resolver that records what it was asked and answers `answer`. */
  const resolver = (answer: string[] | Error) => {
    const asked: string[] = [];
    const resolve = (host: string): Promise<string[]> => {
      asked.push(host);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    };
    return { asked, resolve };
  };

  it("the hostname itself when the runtime cannot resolve, resolve is off, or it is an IP", async () => {
    const dns = resolver(["10.0.0.1"]);
    const on = optionsOf({ noRandomize: true });
    const off = optionsOf({ noRandomize: true, resolve: false });
    assert.deepEqual(await addressesOf(serverOf("h.example:1"), on, undefined), ["h.example"]);
    assert.deepEqual(await addressesOf(serverOf("h.example:1"), off, dns.resolve), ["h.example"]);
    assert.deepEqual(await addressesOf(serverOf("127.0.0.1:1"), on, dns.resolve), ["127.0.0.1"]);
    assert.deepEqual(await addressesOf(serverOf("[::1]:1"), on, dns.resolve), ["::1"]);
    assert.deepEqual(dns.asked, [], "never asked");
  });

  it("every address in the resolver's order with noRandomize; shuffled otherwise, the resolver's array left as it was", async (t) => {
    const addrs = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
    const dns = resolver(addrs);
    assert.deepEqual(await addressesOf(serverOf("h.example:1"), optionsOf({ noRandomize: true }), dns.resolve), addrs);
    fixRandom(t, 0);
    const shuffled = await addressesOf(serverOf("h.example:1"), optionsOf({}), dns.resolve);
    assert.deepEqual([...shuffled].sort(), addrs);
    assert.notDeepEqual(shuffled, addrs, "Math.random() fixed at 0 moves the first address");
    assert.deepEqual(addrs, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    assert.deepEqual(dns.asked, ["h.example", "h.example"]);
  });

  it("a resolver failure is a ConnectionError naming the host, with the resolver's error as cause", async () => {
    const why = new Error("getaddrinfo ENOTFOUND h.example");
    const err = await addressesOf(serverOf("h.example:1"), optionsOf({}), resolver(why).resolve).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.message, "cannot resolve host 'h.example'");
    assert.equal(err.cause, why);
  });
});
