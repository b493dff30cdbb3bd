// The official Bench API (Bench, Metric, BenchOpts, Perf) and the small
// helpers exported next to it (hasWsProtocol, Timeout, WithRequired): every
// role against a real server, metric names and counts, byte totals checked
// against what a second connection actually receives, the report formats,
// and publishing through a tiny outbound buffer (backpressure retries).
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  Bench,
  type BenchOpts,
  ClosedConnectionError,
  ConnectionError,
  ErrorCode,
  connect,
  hasWsProtocol,
  InvalidArgumentError,
  Metric,
  type NatsConnection,
  type NodeConnectionOptions,
  type Perf,
  type Timeout,
  VERSION,
  type WithRequired,
} from "@quicknats/node";
import type { NatsServer } from "../helpers/nats-server.js";
import { serverWithConnections } from "../helpers/connections.js";
import { eventually, within } from "../helpers/wait.js";

const N = 2000;
const SIZE = 8;

const names = (ms: Metric[]): string[] => ms.map((m) => m.name);
const byName = (ms: Metric[], name: string): Metric => {
  const m = ms.find((v) => v.name === name);
  assert.ok(m, `metric ${name} missing from ${names(ms).join(",")}`);
  return m;
};

/** What every metric of a run shares. */
function checkCommon(ms: Metric[], payload: number): void {
  const now = Date.now();
  for (const m of ms) {
    assert.equal(m.lang, "quicknats");
    assert.equal(m.version, VERSION);
    assert.equal(m.payload, payload);
    assert.ok(m.duration > 0 && Number.isFinite(m.duration), `${m.name} duration ${m.duration}`);
    assert.ok(m.date <= now && m.date > now - 30_000, `${m.name} date ${m.date}`);
    assert.equal(m.min, undefined);
    assert.equal(m.max, undefined);
    // the official shapes
    assert.match(m.toString(), new RegExp(`^${m.name}( \\[asyncRequests\\])? [\\d,]+ msgs/sec - \\[\\d+\\.\\d\\d secs\\] ~ \\d+\\.\\d\\d [KMGTPE]?B/sec $`));
    const lines = m.toCsv().split("\n");
    assert.deepEqual(lines.length, 2);
    assert.equal(lines[1], "");
    const f = lines[0].split(",");
    assert.equal(f.length, 9);
    assert.deepEqual(
      [f[0], f[2], f[3], f[4], f[5], f[6], f[7], f[8]],
      [`"${m.name}"`, "quicknats", VERSION, String(m.msgs), String(payload), String(m.bytes), String(m.duration), String(m.asyncRequests === true)],
    );
    assert.equal(f[1], new Date(m.date).toISOString());
  }
}

describe("Bench API", () => {
  let srv: NatsServer;
  // stop() continues a server a failed test left paused
  serverWithConnections({}, 0, (s) => void (srv = s));

  async function open(t: TestContext, opts: NodeConnectionOptions = {}): Promise<NatsConnection> {
    const nc = await connect({ servers: srv.url, ...opts });
    t.after(() => nc.close());
    return nc;
  }

  /** A second connection counting what reaches `subject`. */
  async function observe(t: TestContext, subject: string): Promise<{ count: () => number; bytes: () => number; settle: () => Promise<void> }> {
    const obs = await open(t);
    let count = 0;
    let bytes = 0;
    obs.subscribe(subject, {
      callback: (err, m) => {
        assert.equal(err, null);
        count++;
        bytes += m.data.length;
      },
    });
    await obs.flush();
    return { count: () => count, bytes: () => bytes, settle: () => obs.flush() };
  }

  describe("options", () => {
    it("throws 'no options selected' (an InvalidArgumentError) without a role, and with the default options", async (t) => {
      const nc = await open(t);
      const noRole = (e: Error): boolean => {
        assert.ok(e instanceof InvalidArgumentError, String(e));
        assert.equal(e.code, ErrorCode.InvalidArgument);
        assert.equal(e.message, "no options selected");
        return true;
      };
      assert.throws(() => new Bench(nc, {}), noRole);
      assert.throws(() => new Bench(nc, { msgs: 10, size: 8, callbacks: true, asyncRequests: true }), noRole);
      assert.throws(() => new Bench(nc), noRole);
    });

    it("applies the official defaults", async (t) => {
      const nc = await open(t);
      const a = new Bench(nc, { pub: true });
      assert.equal(a.msgs, 0);
      assert.equal(a.size, 0);
      assert.equal(a.payload.length, 0);
      assert.equal(a.callbacks, false);
      assert.equal(a.asyncRequests, false);
      assert.deepEqual([a.pub, a.sub, a.req, a.rep], [true, false, false, false]);
      assert.match(a.subject, /^[0-9A-Za-z]{22}$/);
      const b = new Bench(nc, { sub: true, subject: "" });
      assert.match(b.subject, /^[0-9A-Za-z]{22}$/);
      assert.notEqual(a.subject, b.subject);
      const c = new Bench(nc, { rep: true, size: 100, subject: "bench.x", msgs: 7 });
      assert.equal(c.subject, "bench.x");
      assert.equal(c.payload.length, 100);
      assert.equal(c.msgs, 7);
      const p: Perf = c.perf;
      assert.deepEqual(p.getEntries(), []);
    });
  });

  for (const callbacks of [false, true]) {
    const mode = callbacks ? "callbacks" : "iterators";

    it(`pub (${mode}): one 'pub' metric, every message reaches the server`, async (t) => {
      const nc = await open(t);
      const bench = new Bench(nc, { pub: true, msgs: N, size: SIZE, callbacks });
      const obs = await observe(t, bench.subject);
      const ms = await within(bench.run(), 10_000, "bench.run");
      await obs.settle();
      assert.deepEqual(names(ms), ["pub"]);
      assert.equal(ms[0].msgs, N);
      assert.equal(ms[0].bytes, N * SIZE);
      assert.equal(obs.count(), N);
      assert.equal(obs.bytes(), N * SIZE);
      checkCommon(ms, SIZE);
    });

    it(`sub (${mode}): one 'sub' metric after msgs messages from another client`, async (t) => {
      const nc = await open(t);
      const other = await open(t);
      const bench = new Bench(nc, { sub: true, msgs: N, size: SIZE, subject: `bench.sub.${mode}`, callbacks });
      const run = bench.run();
      await nc.flush(); // the SUB is at the server
      for (let i = 0; i < N + 5; i++) other.publish(bench.subject, new Uint8Array(SIZE)); // extras are not counted
      await other.flush();
      const ms = await within(run, 10_000, "bench.run");
      assert.deepEqual(names(ms), ["sub"]);
      assert.equal(ms[0].msgs, N);
      assert.equal(ms[0].bytes, N * SIZE); // `max: msgs` unsubscribed at N
      checkCommon(ms, SIZE);
    });

    it(`pub+sub (${mode}): pubsub, pub and sub metrics`, async (t) => {
      const nc = await open(t);
      const bench = new Bench(nc, { pub: true, sub: true, msgs: N, size: SIZE, callbacks });
      const obs = await observe(t, bench.subject);
      const ms = await within(bench.run(), 10_000, "bench.run");
      await obs.settle();
      assert.equal(obs.count(), N);
      assert.deepEqual(names(ms), ["pubsub", "pub", "sub"]);
      assert.deepEqual(ms.map((m) => m.msgs), [2 * N, N, N]);
      assert.deepEqual(ms.map((m) => m.bytes), [2 * N * SIZE, N * SIZE, N * SIZE]);
      // pubsub spans from the first publish to the last receipt, which may come before pub's flush returns
      assert.ok(byName(ms, "pubsub").duration > 0);
      checkCommon(ms, SIZE);
    });

    for (const asyncRequests of [false, true]) {
      it(`req+rep (${mode}, asyncRequests ${asyncRequests}): reqrep, rep and req metrics`, async (t) => {
        const nc = await open(t);
        const bench = new Bench(nc, { req: true, rep: true, msgs: N, size: SIZE, callbacks, asyncRequests });
        const ms = await within(bench.run(), 15_000, "bench.run");
        assert.deepEqual(names(ms), ["reqrep", "rep", "req"]);
        assert.deepEqual(ms.map((m) => m.msgs), [2 * N, N, N]);
        // concurrent requests carry the payload, sequential ones are empty;
        // every reply carries it; each byte is counted out and back in
        const perRound = (asyncRequests ? 2 : 1) * SIZE * 2;
        assert.deepEqual(ms.map((m) => m.bytes), [N * perRound, N * perRound, N * perRound]);
        assert.deepEqual(ms.map((m) => m.asyncRequests === true), [asyncRequests, false, asyncRequests]);
        assert.equal(byName(ms, "req").toString().startsWith(asyncRequests ? "req [asyncRequests] " : "req "), true);
        checkCommon(ms, SIZE);
        const s = nc.stats();
        assert.equal(s.outMsgs, 2 * N);
        assert.equal(s.inMsgs, 2 * N);
      });
    }
  }

  describe("backpressure", () => {
    /**
     * Counts the times `nc.publish()` pushed back (Bench calls it through the
     * instance): returned false (above the high-water mark) or threw
     * NATS_OUTBOUND_FULL (past the hard bound).
     */
    function countRefusals(nc: NatsConnection): () => number {
      let refused = 0;
      const publish = nc.publish.bind(nc);
      nc.publish = (...args: Parameters<NatsConnection["publish"]>) => {
        try {
          const ok = publish(...args);
          if (!ok) refused++;
          return ok;
        } catch (err) {
          if (err instanceof ConnectionError && err.code === ErrorCode.OutboundFull) refused++;
          throw err;
        }
      };
      return () => refused;
    }

    it("pub into a paused server: waits for the socket to drain and retries, nothing lost", async (t) => {
      const nc = await open(t, { maxOutboundBytes: 256 * 1024 });
      const refusals = countRefusals(nc);
      const msgs = 20_000; // 20 MiB: more than the kernel's socket buffers take
      const bench = new Bench(nc, { pub: true, msgs, size: 1024 });
      const obs = await observe(t, bench.subject);
      await srv.pause();
      let done = false;
      let run: Promise<Metric[]>;
      try {
        run = bench.run();
        run.then(() => (done = true), () => (done = true));
        // the server reads nothing: 20 MiB cannot all fit in the socket buffers and the 256 KiB queue
        await eventually(() => refusals() > 0, 5_000, "publish() pushed back at least once");
        assert.equal(done, false, "the bench waits while the server reads nothing");
      } finally {
        srv.resume();
      }
      const ms = await within(run!, 15_000, "bench.run after resume");
      await within(obs.settle(), 10_000, "observer flush");
      assert.deepEqual(names(ms), ["pub"]);
      assert.equal(ms[0].msgs, msgs);
      assert.equal(ms[0].bytes, msgs * 1024);
      assert.equal(obs.count(), msgs);
    });

    // A buffer smaller than the writer's inline-flush threshold (64 KiB):
    // the overflow sits in the encoder, not the socket.
    it("pub through a 4 KiB outbound buffer retries: nothing lost, nothing thrown", async (t) => {
      const nc = await open(t, { maxOutboundBytes: 4096 });
      // the limit is real: a tight loop of 1 KiB publishes overflows it
      assert.throws(() => {
        for (let i = 0; i < 100; i++) nc.publish("bench.probe", new Uint8Array(1024));
      }, (e: Error) => e instanceof ConnectionError && e.code === ErrorCode.OutboundFull);
      await within(nc.flush(), 5_000, "flush");
      const refusals = countRefusals(nc);
      const bench = new Bench(nc, { pub: true, msgs: N, size: 1024 });
      const obs = await observe(t, bench.subject);
      const ms = await within(bench.run(), 4_000, "bench.run");
      await obs.settle();
      assert.ok(refusals() > 0, "publish() pushed back at least once");
      assert.deepEqual(names(ms), ["pub"]);
      assert.equal(obs.count(), N);
      assert.equal(obs.bytes(), N * 1024);
    });

    for (const callbacks of [false, true]) {
      it(`concurrent requests and their replies through a 4 KiB buffer (${callbacks ? "callbacks" : "iterators"})`, async (t) => {
        const nc = await open(t, { maxOutboundBytes: 4096 });
        const bench = new Bench(nc, { req: true, rep: true, asyncRequests: true, msgs: 500, size: 1024, callbacks });
        const ms = await within(bench.run(), 4_000, "bench.run");
        assert.deepEqual(names(ms), ["reqrep", "rep", "req"]);
        assert.equal(byName(ms, "req").bytes, 500 * 1024 * 4);
        assert.equal(nc.stats().inMsgs, 1000);
      });
    }
  });

  it("run() rejects when the connection closes before the bench finishes", async (t) => {
    const nc = await open(t);
    const bench = new Bench(nc, { sub: true, msgs: N, callbacks: true });
    const run = bench.run();
    await nc.flush();
    await nc.close();
    await assert.rejects(within(run, 5_000, "bench.run"), ClosedConnectionError);
  });

  describe("Metric", () => {
    it("formats toString, toCsv and header as the official client", () => {
      const m = new Metric("pub", 1500);
      assert.deepEqual([m.name, m.duration, m.msgs, m.bytes, m.payload], ["pub", 1500, 0, 0, 0]);
      m.msgs = 3000;
      m.bytes = 2304; // 1536 B/s
      m.payload = 16;
      m.lang = "quicknats";
      m.version = "1.2.3";
      m.date = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
      assert.equal(m.toString(), "pub 2,000 msgs/sec - [1.50 secs] ~ 1.50 KB/sec ");
      assert.equal(m.toCsv(), `"pub",2026-01-02T03:04:05.006Z,quicknats,1.2.3,3000,16,2304,1500,false\n`);
      m.asyncRequests = true;
      m.min = 3;
      m.max = 9;
      assert.equal(m.toString(), "pub [asyncRequests] 2,000 msgs/sec - [1.50 secs] ~ 1.50 KB/sec 3/9");
      assert.equal(m.toCsv(), `"pub",2026-01-02T03:04:05.006Z,quicknats,1.2.3,3000,16,2304,1500,true\n`);
      m.bytes = 150;
      m.msgs = 1_500_000_000;
      assert.equal(m.toString(), "pub [asyncRequests] 1,000,000,000 msgs/sec - [1.50 secs] ~ 100.00 B/sec 3/9");
      m.bytes = 3 * 1024 ** 3 * 1.5;
      assert.match(m.toString(), / ~ 3\.00 GB\/sec 3\/9$/);
      assert.equal(Metric.header(), "Test,Date,Lang,Version,Count,MsgPayload,Bytes,Millis,Async\n");
    });
  });

  describe("hasWsProtocol", () => {
    const cases: [NodeConnectionOptions | undefined, boolean][] = [
      [undefined, false],
      [{}, false],
      [{ servers: [] }, false],
      [{ servers: "ws://127.0.0.1:8080" }, true],
      [{ servers: "wss://demo.nats.io:8443" }, true],
      [{ servers: "WSS://DEMO.NATS.IO" }, true],
      [{ servers: ["nats://a:4222", "tls://b:4222", "wss://c"] }, true],
      [{ servers: ["nats://a:4222", "tls://b:4222", "localhost:4222"] }, false],
      [{ servers: "http://ws.example.com" }, false],
      [{ servers: "wsx://a" }, false],
      [{ servers: "ws:/a" }, false],
      [{ port: 4222 }, false],
    ];
    for (const [opts, want] of cases) {
      it(`${JSON.stringify(opts)} → ${want}`, () => {
        assert.equal(hasWsProtocol(opts), want);
      });
    }
  });

  it("exports the Timeout, WithRequired, Perf and BenchOpts types", () => {
    const t: Timeout<number> = Object.assign(Promise.resolve(1), { cancel: () => {} });
    t.cancel();
    type Opts = { a?: number; b?: string };
    const w: WithRequired<Opts, "a"> = { a: 1 };
    // @ts-expect-error: `a` is required
    const bad: WithRequired<Opts, "a"> = { b: "x" };
    const o: BenchOpts = { pub: true, sub: false, req: false, rep: false, msgs: 1, size: 1, subject: "x", callbacks: true, asyncRequests: false };
    const perfKeys: (keyof Perf)[] = ["mark", "measure", "getEntries", "timers", "measures"];
    assert.deepEqual([w.a, bad.b, o.msgs, perfKeys.length], [1, "x", 1, 5]);
    return t.then((v) => assert.equal(v, 1));
  });
});
