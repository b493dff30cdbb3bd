// The bridge to @nats-io/nats-core's error classes (core's
// compat/official-errors.ts, used by the Node package's connect() and
// wsconnect() and by core's wsconnect() on Node): our errors also match the official
// classes, whichever is loaded first, in every copy of nats-core the process
// holds, while official errors and subclasses are judged as before. Each
// order runs in a fresh node process (the module cache is per process).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { NatsServer } from "../helpers/nats-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = "test/interop/fixtures/error-bridge-child.ts";
/** tsx compiles on start (~1 s, more on a busy 2-core box) */
const RUN_MS = 30_000;

async function runChild(order: "before" | "after" | "ws" | "core-ws", port: number | string): Promise<Record<string, any>> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // a plain program, not a test file
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", CHILD, order, String(port)], {
    cwd: ROOT,
    env,
    timeout: RUN_MS,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe("error bridge to @nats-io/nats-core's classes", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ websocket: { listen: "127.0.0.1:-1", no_tls: true } });
  });
  after(() => srv?.stop());

  for (const order of ["before", "after"] as const) {
    it(`official package loaded ${order} connect()`, async () => {
      const r = await runChild(order, srv.port);
      assert.equal(r.officialLoadedAtConnect, order === "before");
      assert.deepEqual(r.noResponders, {
        official: true,
        officialErrors: true,
        nested: true,
        ours: true,
        isNoResponders: true,
        causeOfficial: true,
        notTimeout: true,
      });
      assert.equal(r.manyNoResponders, true, "requestMany's no-responders error matches the official class");
      assert.deepEqual(r.timeout, { official: true, nested: true, notNoResponders: true });
      assert.equal(r.jetstreamNoStream, "JetStreamNotEnabled", "jetstream turns our no-responders into JetStreamNotEnabled");
      assert.deepEqual(r.reverse, {
        invalidArgument: true,
        viaErrors: true,
        timeout: true,
        nested: true,
        notOtherClass: true,
        notSameNameElsewhere: true,
        notPlain: true,
      }, "nats-core's errors are instances of ours of the same name");
      assert.deepEqual(r.unaffected, { officialIsOfficial: true, plainErrorIsNot: true, subclassIsNot: true, otherClassIsNot: true });
      assert.equal(r.closed, true, "a request on a closed connection: ClosedConnectionError");
      // the check is made per class: an error made before the official package
      // was loaded matches once any later error (or connect) has bridged it
      assert.equal(r.earlyBeforeAnyNewError, order === "before");
      assert.equal(r.earlyAfterANewError, true);
    });
  }

  for (const order of ["ws", "core-ws"] as const) {
    const pkg = order === "ws" ? "@quicknats/node" : "@quicknats/core";
    it(`wsconnect() of ${pkg} bridges its errors too (official package loaded after it)`, async () => {
      const r = await runChild(order, srv.websocketUrl!);
      assert.equal(r.wsNoResponders, true, "a request nobody answers: the official RequestError, isNoResponders()");
      assert.equal(r.wsJetstreamNoStream, "JetStreamNotEnabled", "jetstream decides with the official classes");
    });
  }
});
