// status() events (server errors, pings, stale connections, throwing
// callbacks, close) and the `debug` protocol trace, which must never show
// credentials.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  ConnectionError,
  connect,
  ErrorCode,
  PermissionViolationError,
  type ConnectionOptions,
  type NatsConnection,
  type Status,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { captureConsole } from "../helpers/output.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, within } from "../helpers/wait.js";

const types = (events: Status[]): string => events.map((s) => s.type).join(",");

describe("status()", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({
      authorization: {
        users: [{ user: "limited", password: "pw-limited", permissions: { publish: { deny: ["secret.>"] } } }],
      },
    });
  });
  after(() => srv.stop());

  it("yields an error for a permission -ERR, then close, then ends", async () => {
    const nc = await connect({ port: srv.port, user: "limited", pass: "pw-limited" });
    const status = new StatusLog(nc);
    const got: string[] = [];
    nc.subscribe("open.x", { callback: (_e, m) => void got.push(m.string()) });
    nc.subscribe("secret.x", { callback: (_e, m) => void got.push(`secret:${m.string()}`) });
    await nc.flush();

    nc.publish("secret.x", "nope");
    await nc.flush(); // the -ERR comes before the PONG
    assert.equal(status.events.length, 1, `statuses: ${types(status.events)}`);
    const ev = status.events[0];
    assert.equal(ev.type, "error");
    const err = (ev as { error: Error }).error;
    assert.ok(err instanceof PermissionViolationError, `got ${err.name}: ${err.message}`);
    assert.equal(err.operation, "publish");
    assert.equal(err.subject, "secret.x");

    // a permission violation does not close the connection
    nc.publish("open.x", "fine");
    await nc.flush();
    await eventually(() => got.length === 1, 2000, "message on open.x");
    assert.deepEqual(got, ["fine"], "the denied publish was not delivered");
    assert.equal(nc.isClosed(), false);

    await nc.close();
    await within(status.done, 1000, "status iterator ends after close");
    assert.equal(types(status.events), "error,close");
    assert.equal(await nc.closed(), undefined, "a permission error is not a close reason");
  });

  it("status() called after close ends at once; each call sees only later events", async () => {
    const nc = await connect({ port: srv.port, user: "limited", pass: "pw-limited" });
    nc.publish("secret.early", "x");
    await nc.flush();
    const late = new StatusLog(nc); // after the first error
    nc.publish("secret.late", "x");
    await nc.flush();
    await nc.close();
    await within(late.done, 1000, "iterator ends");
    assert.equal(types(late.events), "error,close");
    assert.equal((late.events[0] as { type: "error"; error: PermissionViolationError }).error.subject, "secret.late");

    const afterClose = new StatusLog(nc);
    await within(afterClose.done, 1000, "status() on a closed connection ends");
    assert.deepEqual(afterClose.events, []);
  });

  it("pingInterval: 100 yields ping events answered by the server", async () => {
    const nc = await connect({ port: srv.port, user: "limited", pass: "pw-limited", pingInterval: 100 });
    const status = new StatusLog(nc);
    try {
      await eventually(() => status.events.filter((s) => s.type === "ping").length >= 3, 2000, "3 ping events");
      const pings = status.events.filter((s) => s.type === "ping") as Array<{ type: "ping"; pendingPings: number }>;
      // answered PINGs do not pile up: the count restarts at 1
      assert.equal(pings[0].pendingPings, 1);
      assert.ok(pings.filter((p) => p.pendingPings === 1).length >= 2, `pending counts: ${pings.map((p) => p.pendingPings)}`);
      assert.equal(nc.isClosed(), false);
      assert.ok(status.events.every((s) => s.type === "ping"), `statuses: ${types(status.events)}`);
    } finally {
      await nc.close();
    }
    await within(status.done, 1000, "iterator ends");
    assert.equal(status.events.at(-1)?.type, "close");
  });

  it("a paused server yields staleConnection and closed() resolves with an error", async (t) => {
    const paused = await NatsServer.start();
    t.after(() => paused.stop());
    const nc = await connect({ reconnect: false, port: paused.port, pingInterval: 100, maxPingOut: 2 });
    const status = new StatusLog(nc);
    await nc.flush();
    await paused.pause();
    t.after(() => {
      if (paused.running) paused.resume();
    });

    const t0 = Date.now();
    const reason = await within(nc.closed(), 2000, "closed() after the server stopped answering");
    const elapsed = Date.now() - t0;
    assert.ok(reason instanceof Error, `closed() value: ${String(reason)}`);
    assert.ok(reason instanceof ConnectionError, `closed() value: ${reason.name}: ${reason.message}`);
    assert.equal(reason.code, ErrorCode.StaleConnection);
    assert.match(reason.message, /stale/i);
    assert.ok(elapsed >= 150, `declared stale after ${elapsed} ms: needs 2 unanswered pings at 100 ms`);

    await within(status.done, 1000, "status iterator ends");
    const seq = types(status.events);
    assert.ok(status.events.some((s) => s.type === "staleConnection"), `statuses: ${seq}`);
    assert.equal(status.events.at(-1)?.type, "close", `statuses: ${seq}`);
    assert.ok(
      status.events.findIndex((s) => s.type === "staleConnection") < status.events.length - 1,
      `staleConnection comes before close: ${seq}`,
    );
    const pings = status.events.filter((s) => s.type === "ping") as Array<{ pendingPings: number }>;
    assert.ok(pings.length >= 2, `pings before stale: ${seq}`);
    const counts = pings.map((p) => p.pendingPings);
    assert.ok(counts.at(-1)! >= 2 && counts.at(-1)! > counts.at(-2)!, `unanswered pings pile up: ${counts}`);
    paused.resume();
  });

  it("a throwing subscription callback yields an error status and the next message is still delivered", async () => {
    const nc = await connect({ port: srv.port, user: "limited", pass: "pw-limited" });
    const status = new StatusLog(nc);
    try {
      const boom = new Error("callback exploded");
      const got: string[] = [];
      nc.subscribe("throw.x", {
        callback: (_e, m) => {
          got.push(m.string());
          if (m.string() === "first") throw boom;
        },
      });
      const rejected = new Error("async callback rejected");
      const asyncGot: string[] = [];
      nc.subscribe("throw.async", {
        // an async callback: its rejected promise is what the client gets
        callback: (_e, m) => {
          asyncGot.push(m.string());
          if (m.string() === "first") return Promise.reject(rejected);
        },
      });
      await nc.flush();

      nc.publish("throw.x", "first");
      nc.publish("throw.x", "second");
      nc.publish("throw.async", "first");
      nc.publish("throw.async", "second");
      await within(nc.flush(), 2000, "flush after a throwing callback (the connection still reads)");
      await eventually(() => got.length === 2 && asyncGot.length === 2, 2000, "both messages on each subject");
      assert.deepEqual(got, ["first", "second"]);
      assert.deepEqual(asyncGot, ["first", "second"]);
      await eventually(() => status.events.length >= 2, 1000, "two error statuses");
      const errors = status.events.filter((s) => s.type === "error").map((s) => (s as { error: Error }).error);
      assert.equal(errors.length, 2, `statuses: ${types(status.events)}`);
      assert.ok(errors.includes(boom), "the thrown error itself is reported");
      assert.ok(errors.includes(rejected), "the async callback's rejection is reported");

      // and the connection is fully usable
      nc.subscribe("throw.svc", { callback: (_e, m) => void m.respond("ok") });
      assert.equal((await nc.request("throw.svc", "", { timeout: 2000 })).string(), "ok");
      assert.equal(nc.isClosed(), false);
    } finally {
      await nc.close();
    }
    assert.equal(await nc.closed(), undefined, "a throwing callback is not a close reason");
  });
});

describe("debug output", () => {
  let userSrv: NatsServer;
  let tokenSrv: NatsServer;
  let openSrv: NatsServer;
  before(async () => {
    [userSrv, tokenSrv, openSrv] = await Promise.all([
      NatsServer.start({ authorization: { user: "dbg-user", password: "PW-do-not-print-1" } }),
      NatsServer.start({ authorization: { token: "TOKEN-do-not-print-2" } }),
      NatsServer.start(),
    ]);
  });
  after(() => Promise.all([userSrv.stop(), tokenSrv.stop(), openSrv.stop()]));

  /** A publish/subscribe round trip of "hello" on `subject`; returns what was delivered. */
  async function roundTrip(nc: NatsConnection, subject: string): Promise<string[]> {
    const got: string[] = [];
    nc.subscribe(subject, { callback: (_e, m) => void got.push(m.string()) });
    nc.publish(subject, "hello");
    await nc.flush();
    await eventually(() => got.length === 1, 2000, "message delivered");
    return got;
  }

  /** Connects with `debug` (on by default), does a round trip on dbg.x and closes; returns the printed lines. */
  async function traced(
    opts: Parameters<typeof connect>[0],
    debug: ConnectionOptions["debug"] = true,
  ): Promise<{ info: string[]; all: string[] }> {
    return captureConsole(async () => {
      const nc = await connect({ ...opts, debug });
      try {
        await roundTrip(nc, "dbg.x");
      } finally {
        await nc.close();
      }
    });
  }

  function assertProtocolTrace(info: string[]): void {
    const text = info.join("\n");
    for (const op of ["INFO", "CONNECT", "PING", "PONG", "SUB dbg.x", "PUB dbg.x", "MSG dbg.x"]) {
      assert.ok(text.includes(op), `trace shows ${op}:\n${text}`);
    }
  }

  function assertNoSecrets(all: string[], secrets: string[]): void {
    const text = all.join("\n");
    for (const s of secrets) assert.ok(!text.includes(s), `"${s}" was printed:\n${text}`);
  }

  it("prints nothing when debug is off", async () => {
    const { all } = await captureConsole(async () => {
      const nc = await connect({ port: openSrv.port });
      nc.subscribe("quiet.x", { callback: () => {} });
      nc.publish("quiet.x", "x");
      await nc.flush();
      await nc.close();
    });
    assert.deepEqual(all, []);
  });

  it("prints protocol lines; user/pass: the password is redacted", async () => {
    const { info, all } = await traced({ port: userSrv.port, user: "dbg-user", pass: "PW-do-not-print-1" });
    assertProtocolTrace(info);
    assertNoSecrets(all, ["PW-do-not-print-1"]);
    const connectLine = info.find((l) => l.includes("CONNECT"));
    assert.ok(connectLine?.includes("[REDACTED]"), `CONNECT line: ${connectLine}`);
  });

  it("token: the token is redacted", async () => {
    const { info, all } = await traced({ port: tokenSrv.port, token: "TOKEN-do-not-print-2" });
    assertProtocolTrace(info);
    assertNoSecrets(all, ["TOKEN-do-not-print-2"]);
    const connectLine = info.find((l) => l.includes("CONNECT"));
    assert.ok(connectLine?.includes("[REDACTED]"), `CONNECT line: ${connectLine}`);
  });

  it("an authenticator's jwt, nkey and sig are redacted", async () => {
    const jwt = "eyJ0eXAiOiJKV1QifQ.JWT-do-not-print-3.sig";
    const nkey = "UNKEY-do-not-print-4";
    const sig = "SIG-do-not-print-5";
    // a server without auth accepts (and ignores) these fields
    const { info, all } = await traced({ port: openSrv.port, authenticator: () => ({ jwt, nkey, sig }) });
    assertProtocolTrace(info);
    assertNoSecrets(all, [jwt, "JWT-do-not-print-3", nkey, sig]);
    const connectLine = info.find((l) => l.includes("CONNECT")) ?? "";
    assert.ok((connectLine.match(/\[REDACTED\]/g) ?? []).length >= 3, `CONNECT line: ${connectLine}`);
  });

  it("a refused password is neither printed nor part of the error", async () => {
    let error: Error | undefined;
    const { info, all } = await captureConsole(async () => {
      try {
        await connect({ port: userSrv.port, user: "dbg-user", pass: "WRONG-do-not-print-6", debug: true });
      } catch (err) {
        error = err as Error;
      }
    });
    assert.ok(error instanceof AuthorizationError, `got ${error?.name}: ${error?.message}`);
    assert.ok(info.some((l) => l.includes("CONNECT")), "the trace shows the attempt");
    assert.ok(info.some((l) => /authorization violation/i.test(l)), "the trace shows the -ERR");
    assertNoSecrets(all, ["WRONG-do-not-print-6"]);
    const described = `${error.message} ${error.stack ?? ""} ${String(error.cause ?? "")} ${JSON.stringify(error)}`;
    assert.ok(!described.includes("WRONG-do-not-print-6"), described);
  });

  it("debug: a function receives each line instead of the console, secrets redacted all the same", async () => {
    const lines: string[] = [];
    const { all } = await traced({ port: userSrv.port, user: "dbg-user", pass: "PW-do-not-print-1" }, (l) => void lines.push(l));
    assert.deepEqual(all, [], "nothing on the console");
    assert.ok(lines.some((l) => l.startsWith("< INFO ")), lines.join("\n"));
    assert.ok(lines.includes("> PUB dbg.x 5 [5 payload bytes]"), lines.join("\n"));
    assert.ok(lines.some((l) => /^< MSG dbg\.x \d+ 5 \[5 payload bytes\]$/.test(l)), lines.join("\n"));
    const connectLine = lines.find((l) => l.startsWith("> CONNECT "));
    assert.ok(connectLine?.includes('"pass":"[REDACTED]"'), `CONNECT line: ${connectLine}`);
    assertNoSecrets(lines, ["PW-do-not-print-1"]);
  });

  it("debug: the UNSUB <sid> <max> sent with a SUB is traced too", async () => {
    const lines: string[] = [];
    const nc = await connect({ port: openSrv.port, debug: (l) => void lines.push(l) });
    try {
      const sub = nc.subscribe("dbg.max", { max: 3 });
      await nc.flush();
      const at = lines.indexOf(`> SUB dbg.max ${sub.getID()}`);
      assert.ok(at >= 0, lines.join("\n"));
      assert.equal(lines[at + 1], `> UNSUB ${sub.getID()} 3`, lines.join("\n"));
    } finally {
      await nc.close();
    }
  });

  it("debug: a function that throws does not break the connection", async () => {
    let calls = 0;
    const nc = await connect({ port: openSrv.port, debug: () => {
      calls++;
      throw new Error("sink failed");
    } });
    try {
      assert.deepEqual(await roundTrip(nc, "dbg.throw"), ["hello"]);
      assert.ok(calls >= 5, `the sink was called (${calls})`);
    } finally {
      await nc.close();
    }
  });
});
