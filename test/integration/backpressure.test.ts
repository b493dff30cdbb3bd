// Outbound backpressure with a hard bound: a publisher faster than the socket
// (here: a paused server) is stopped at the `maxOutboundBytes` it set, with a
// ConnectionError (NATS_OUTBOUND_FULL), instead of buffering without bound;
// `await nc.ready()` waits for room; nothing accepted is lost once the server
// resumes. (Without the option nothing is thrown: publish-volume.test.ts.)
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  ConnectionError,
  connect,
  ErrorCode,
  InvalidArgumentError,
  type NatsConnection,
  type NodeConnectionOptions,
} from "@quicknats/node";
import type { NatsServer } from "../helpers/nats-server.js";
import { connectFor, serverWithConnections } from "../helpers/connections.js";
import { gcFn } from "../helpers/leaks.js";
import { eventually, sleep, within } from "../helpers/wait.js";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const MiB = 1024 * 1024;

describe("outbound backpressure", () => {
  let srv: NatsServer;
  // stop() continues a server a failed test left paused
  serverWithConnections({}, 0, (s) => void (srv = s));

  const open = (t: TestContext, opts: NodeConnectionOptions = {}): Promise<NatsConnection> =>
    connectFor(t, { servers: srv.url, ...opts });

  /** A subscriber on its own connection, counting what reaches the server and comes back. */
  async function counter(t: TestContext, subject: string): Promise<{ count: () => number; settle: () => Promise<void> }> {
    const sc = await open(t);
    let n = 0;
    sc.subscribe(subject, { callback: () => { n++; } });
    await sc.flush();
    // after the publisher's flush, a round trip on this connection brings everything routed to it
    return { count: () => n, settle: () => sc.flush() };
  }

  it("with maxOutboundBytes set, publish() throws past it, memory stays bounded, ready() resolves after resume", async (t) => {
    const gc = gcFn();
    const sub = await counter(t, "bp.paused");
    const nc = await open(t, { maxOutboundBytes: MiB });
    const payload = new Uint8Array(1024);
    await nc.flush();
    assert.equal(await within(nc.ready(), 500, "ready() with an empty queue"), undefined);

    gc();
    const rss0 = process.memoryUsage().rss;
    let peak = 0;
    await srv.pause();
    let accepted = 0;
    let thrown: unknown;
    let readyDone = false;
    let ready: Promise<void> | undefined;
    try {
      // the kernel's socket buffers take some MB first; then our queue fills
      for (let i = 0; i < 200_000; i++) {
        try {
          nc.publish("bp.paused", payload);
          accepted++;
        } catch (err) {
          thrown = err;
          break;
        }
        if (i % 256 === 0) {
          await tick(); // lets the socket write what it can
          peak = Math.max(peak, process.memoryUsage().rss - rss0);
        }
      }
      peak = Math.max(peak, process.memoryUsage().rss - rss0);
      assert.ok(thrown instanceof ConnectionError, `publish() throws a ConnectionError (got ${thrown}, after ${accepted})`);
      assert.equal(thrown.code, ErrorCode.OutboundFull);
      assert.match(thrown.message, /ready\(\)/);
      assert.ok(peak < 50 * MiB, `RSS grew by ${(peak / MiB).toFixed(1)} MiB for ${accepted} KiB accepted`);
      assert.throws(() => nc.publish("bp.paused", payload), ConnectionError, "still full");
      assert.equal(nc.isClosed(), false, "backpressure does not close the connection");

      ready = nc.ready().then(() => {
        readyDone = true;
      });
      // time passes with the server reading nothing: ready() must still be waiting
      await sleep(300);
      assert.equal(readyDone, false, "ready() waits while the server reads nothing");
    } finally {
      srv.resume();
    }
    await within(ready!, 10_000, "ready() after resume");

    for (let i = 0; i < 100; i++) nc.publish("bp.paused", payload);
    accepted += 100;
    await within(nc.flush(), 10_000, "flush");
    await eventually(() => sub.count() === accepted, 10_000, `${accepted} delivered (have ${sub.count()})`);
    await sub.settle();
    assert.equal(sub.count(), accepted, "everything accepted was delivered, nothing more");
  });

  it("a publisher that awaits ready() never sees the error, across a pause", async (t) => {
    const sub = await counter(t, "bp.polite");
    const nc = await open(t, { maxOutboundBytes: MiB });
    const payload = new Uint8Array(1024);
    // the kernel's socket buffers take many MB from a paused server's client:
    // publish until ready() really waits (at most 200 MB), then resume
    const MAX = 200_000;
    const AFTER = 5_000; // published after the resume
    let paused = false;
    let sent = 0;
    let blockedAt = -1;
    try {
      for (let i = 0; i < MAX && (blockedAt < 0 || i < blockedAt + AFTER); i++) {
        nc.publish("bp.polite", payload);
        sent++;
        if (i === 2000) {
          await srv.pause();
          paused = true;
        }
        if (i % 100 === 99) {
          const r = nc.ready();
          if (paused && blockedAt < 0) {
            const waited = await Promise.race([r.then(() => false), new Promise<boolean>((res) => setTimeout(res, 300, true))]);
            if (waited) {
              blockedAt = i;
              srv.resume();
              paused = false;
            }
          }
          await within(r, 10_000, "ready()");
        }
      }
    } finally {
      if (paused) srv.resume();
    }
    assert.ok(blockedAt > 0, `ready() waited for the paused server (published ${sent})`);
    await within(nc.flush(), 10_000, "flush");
    await eventually(() => sub.count() === sent, 20_000, `${sent} delivered (have ${sub.count()})`);
  });

  it("maxOutboundBytes must be a positive number", async () => {
    await assert.rejects(connect({ servers: srv.url, maxOutboundBytes: 0 }), InvalidArgumentError);
    await assert.rejects(connect({ servers: srv.url, maxOutboundBytes: -1 }), InvalidArgumentError);
  });

  it("ready() rejects once the connection is closed", async (t) => {
    const nc = await open(t);
    await nc.close();
    await assert.rejects(nc.ready());
  });
});
