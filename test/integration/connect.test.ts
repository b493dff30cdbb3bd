// Connecting: server addresses, options, handshake failures, authentication,
// and what a connection reports about itself (info, getServer, stats).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  AuthorizationError,
  ConnectionError,
  connect,
  ErrorCode,
  headers,
  InvalidArgumentError,
  type Msg,
  type NatsConnection,
  ProtocolError,
  TimeoutError,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { canConnect, freePort } from "../helpers/ports.js";
import { eventually, rejection, within } from "../helpers/wait.js";

/** A TCP server on a free loopback port that runs `onSocket` for each connection. */
async function fakeServer(t: { after: (fn: () => void) => void }, onSocket: (s: net.Socket) => void): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** Asserts that `p` rejects with an InvalidArgumentError whose message matches `re`. */
async function rejectsInvalidArgument(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.name, "InvalidArgumentError");
    assert.match(err.message, re);
    return true;
  });
}

/** One round trip through the server: subscribe, publish, receive. */
async function roundTrip(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject, { max: 1 });
  nc.publish(subject, "ping");
  const got: string[] = [];
  await within(
    (async () => {
      for await (const m of sub) got.push(m.string());
    })(),
    2000,
    `message on ${subject}`,
  );
  assert.deepEqual(got, ["ping"]);
}

describe("connect: server addresses", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv.stop());

  it("{ port } connects to 127.0.0.1:<port> with the defaults", async () => {
    const nc = await connect({ port: srv.port });
    try {
      assert.equal(nc.getServer(), `127.0.0.1:${srv.port}`);
      assert.equal(nc.isClosed(), false);
      assert.equal(nc.isDraining(), false);
      const varz = await srv.varz();
      assert.equal(nc.info?.server_id, varz.server_id);
      await roundTrip(nc, "connect.port");
    } finally {
      await nc.close();
    }
  });

  it("servers as a host:port string", async () => {
    const nc = await connect({ servers: srv.hostport });
    try {
      assert.equal(nc.getServer(), srv.hostport);
      await roundTrip(nc, "connect.string");
    } finally {
      await nc.close();
    }
  });

  it("servers as an array; a dead first entry is skipped with noRandomize", async () => {
    const one = await connect({ servers: [srv.hostport] });
    await one.close();
    const dead = await freePort();
    const nc = await connect({ servers: [`127.0.0.1:${dead}`, srv.hostport], noRandomize: true });
    try {
      assert.equal(nc.getServer(), srv.hostport);
      await roundTrip(nc, "connect.array");
    } finally {
      await nc.close();
    }
  });

  it("servers with the nats:// scheme", async () => {
    const nc = await connect({ servers: srv.url });
    try {
      assert.equal(nc.getServer(), srv.hostport);
      await roundTrip(nc, "connect.scheme");
    } finally {
      await nc.close();
    }
  });

  it("a host without a port dials the default port 4222", async (t) => {
    // No server is started on 4222 (it may be in use on a dev box): the refused
    // dial's address shows the port the client chose.
    if (await canConnect("127.0.0.1", 4222, 1000)) {
      t.skip("something listens on 127.0.0.1:4222; cannot observe the refused default-port dial");
      return;
    }
    await assert.rejects(connect({ servers: "127.0.0.1", timeout: 2000 }), (err: Error) => {
      assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${err.name}: ${err.message}`);
      assert.match(err.message, /connection refused/);
      const cause = err.cause as NodeJS.ErrnoException & { port?: number };
      assert.equal(cause?.port, 4222);
      return true;
    });
  });

  it("servers and port together are an InvalidArgumentError", async () => {
    await rejectsInvalidArgument(connect({ servers: srv.hostport, port: srv.port }), /servers.*port|port.*servers/);
    await rejectsInvalidArgument(connect({ servers: [srv.hostport], port: srv.port }), /mutually exclusive/);
  });

  it("a ws:// URL is an InvalidArgumentError pointing to wsconnect", async () => {
    await rejectsInvalidArgument(connect({ servers: `ws://${srv.hostport}` }), /wsconnect/);
    await rejectsInvalidArgument(connect({ servers: [srv.hostport, `ws://127.0.0.1:${srv.port}`] }), /wsconnect/);
  });

  it("a server entry that is no URL or host:port: a TypeError, as 3.4's URL parser throws, that is an InvalidArgumentError saying what is wrong", async () => {
    const cases: Array<[string, RegExp]> = [
      ["nats://[::1", /unterminated IPv6/],
      ["127.0.0.1:70000", /invalid port/],
      ["nats://h:abc", /invalid port/],
      ["a:1,b:2", /not a host:port/],
      ["foo://h:4222", /unsupported URL scheme/],
      [" ", /non-empty/],
    ];
    for (const [server, re] of cases) {
      await assert.rejects(connect({ servers: server, reconnect: false }), (err: Error) => {
        assert.ok(err instanceof TypeError, `${server}: not a TypeError: ${err}`);
        assert.ok(err instanceof InvalidArgumentError, `${server}: not an InvalidArgumentError`);
        assert.match(err.message, re);
        return true;
      });
    }
  });

  it("tls: {} against a server without TLS fails with a clear ConnectionError", async () => {
    for (const opts of [{ port: srv.port, tls: {} }, { servers: [`tls://127.0.0.1:${srv.port}`] }]) {
      await assert.rejects(connect({ ...opts, reconnect: false }), (err: Error) => {
        assert.ok(err instanceof ConnectionError, `${err.name}: ${err.message}`);
        assert.equal(err.code, ErrorCode.Tls);
        assert.match(err.message, /does not support 'tls'/);
        return true;
      });
    }
  });

  it("a non-object tls option is rejected by name", async () => {
    await rejectsInvalidArgument(connect({ port: srv.port, tls: "yes" as unknown as object }), /'tls'/);
  });

  it("bad reconnect option values are rejected by name", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["maxReconnectAttempts", { maxReconnectAttempts: -2 }],
      ["reconnectTimeWait", { reconnectTimeWait: -1 }],
      ["reconnectJitter", { reconnectJitter: Number.NaN }],
      ["reconnectBufSize", { reconnectBufSize: -1 }],
      ["maxOutboundBytes", { maxOutboundBytes: 0 }],
    ];
    for (const [name, extra] of cases) {
      await rejectsInvalidArgument(connect({ port: srv.port, ...extra }), new RegExp(`'${name}'`));
    }
  });

  it("options as configuration gives them are taken as 3.4 takes them: digits in strings, null, tls: false, servers: \"\", timeout: 0", async () => {
    const env = { PORT: String(srv.port), TIMEOUT: "5000", PING: " 30000 ", WAIT: "250", TRIES: "3" };
    const nc = await connect({
      port: env.PORT as unknown as number,
      timeout: env.TIMEOUT as unknown as number,
      pingInterval: env.PING as unknown as number,
      reconnectTimeWait: env.WAIT as unknown as number,
      maxReconnectAttempts: env.TRIES as unknown as number,
      name: null as unknown as string,
      authenticator: null as unknown as undefined,
      tls: false as unknown as null,
      servers: "",
    });
    try {
      await roundTrip(nc, "connect.env");
      const o = (nc as unknown as { options: Record<string, unknown> }).options;
      assert.deepEqual(
        [o.timeout, o.pingInterval, o.reconnectTimeWait, o.maxReconnectAttempts, o.name, o.tls],
        [5000, 30000, 250, 3, undefined, undefined],
      );
    } finally {
      await nc.close();
    }
    const zero = await connect({ port: srv.port, timeout: 0, maxPingOut: null as unknown as number });
    const o = (zero as unknown as { options: Record<string, unknown> }).options;
    assert.deepEqual([o.timeout, o.maxPingOut], [20_000, 2], "timeout 0 and null are the defaults");
    await zero.close();
    // what is no number stays an error, named
    await rejectsInvalidArgument(connect({ port: "42x" as unknown as number }), /'port'/);
    await rejectsInvalidArgument(connect({ port: srv.port, timeout: "soon" as unknown as number }), /'timeout'/);
  });

  it("reconnect options and tls: null are accepted", async () => {
    for (const extra of [
      { reconnect: false },
      { tls: null },
      { reconnect: false, tls: null },
      { reconnect: true, maxReconnectAttempts: 5, reconnectTimeWait: 100, waitOnFirstConnect: true },
    ]) {
      const nc = await connect({ port: srv.port, ...extra });
      try {
        await roundTrip(nc, "connect.accepted");
      } finally {
        await nc.close();
      }
    }
  });
});

describe("connect: failures", () => {
  it("nothing listening is a ConnectionError (connection refused)", async () => {
    const port = await freePort();
    const t0 = Date.now();
    await assert.rejects(connect({ port, timeout: 5000 }), (err: Error) => {
      assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${err.name}: ${err.message}`);
      assert.equal(err.name, "ConnectionError");
      assert.match(err.message, /connection refused/);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, "a refused dial fails at once, not at the timeout");
  });

  it("a listener that never sends INFO gives a TimeoutError after `timeout`", async (t) => {
    const sockets: net.Socket[] = [];
    const closedByClient: Promise<void>[] = [];
    const port = await fakeServer(t, (s) => {
      sockets.push(s);
      closedByClient.push(new Promise((resolve) => s.once("close", () => resolve())));
    });

    const t0 = Date.now();
    await assert.rejects(within(connect({ port, timeout: 300 }), 3000, "connect"), (err: Error) => {
      assert.ok(err instanceof TimeoutError, `expected TimeoutError, got ${err.name}: ${err.message}`);
      assert.equal(err.name, "TimeoutError");
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 250, `gave up after ${elapsed} ms, before the 300 ms timeout`);
    assert.ok(elapsed < 1000, `gave up after ${elapsed} ms; want ~300 ms`);
    assert.equal(sockets.length, 1, "one TCP connection was made");
    // the abandoned socket is closed, not leaked
    await within(closedByClient[0], 2000, "client closing the timed-out socket");
  });
});

describe("connect: handshake failures from fake servers", () => {
  it("INFO but no PONG for the handshake PING is a TimeoutError after `timeout`", async (t) => {
    let sawConnect = false;
    const port = await fakeServer(t, (s) => {
      s.write('INFO {"server_id":"FAKE","version":"2.9.10","proto":1,"max_payload":1048576,"headers":true}\r\n');
      s.on("data", (d) => {
        if (d.toString().startsWith("CONNECT ")) sawConnect = true;
      });
    });
    const t0 = Date.now();
    await assert.rejects(within(connect({ port, timeout: 300 }), 3000, "connect"), (err: Error) => {
      assert.ok(err instanceof TimeoutError, `expected TimeoutError, got ${err.name}: ${err.message}`);
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 250 && elapsed < 1000, `gave up after ${elapsed} ms; want ~300 ms`);
    assert.equal(sawConnect, true, "the client answered INFO with CONNECT");
  });

  it("noEcho against a server without protocol 1 is a ConnectionError", async (t) => {
    const port = await fakeServer(t, (s) => {
      s.write('INFO {"server_id":"OLD","version":"1.0.0","proto":0,"max_payload":1048576}\r\n');
    });
    await assert.rejects(within(connect({ port, noEcho: true, timeout: 5000 }), 2000, "connect"), (err: Error) => {
      assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${err.name}: ${err.message}`);
      assert.equal(err.code, ErrorCode.NoEchoNotSupported);
      assert.match(err.message, /noEcho/);
      return true;
    });
  });

  it("a connection closed before INFO is a ConnectionError", async (t) => {
    const port = await fakeServer(t, (s) => s.destroy());
    await assert.rejects(within(connect({ port, timeout: 5000 }), 2000, "connect"), (err: Error) => {
      assert.ok(err instanceof ConnectionError, `expected ConnectionError, got ${err.name}: ${err.message}`);
      return true;
    });
  });

  it("garbage instead of INFO is a ProtocolError, at once", async (t) => {
    const port = await fakeServer(t, (s) => s.write("HELLO\r\n"));
    await assert.rejects(within(connect({ port, timeout: 5000 }), 2000, "connect"), (err: Error) => {
      assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${err.name}: ${err.message}`);
      return true;
    });
  });

  it("an HTTP answer instead of INFO says it is not a NATS port", async (t) => {
    const port = await fakeServer(t, (s) => s.write("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await assert.rejects(within(connect({ port, timeout: 5000 }), 2000, "connect"), (err: Error) => {
      assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${err.name}: ${err.message}`);
      assert.equal(err.code, ErrorCode.BadServerData);
      assert.match(err.message, /answered with HTTP, not NATS.*wsconnect\(\)/);
      return true;
    });
  });

  it("the server's -ERR during the handshake (max connections) rejects connect()", async (t) => {
    const srv = await NatsServer.start({ max_connections: 1 });
    t.after(() => srv.stop());
    // the launcher's readiness probe may still hold the one slot for a moment
    let first: NatsConnection | undefined;
    await eventually(async () => {
      first = await connect({ port: srv.port }).catch(() => undefined);
      return first !== undefined;
    }, 2000, "first connection");
    assert.ok(first);
    try {
      await assert.rejects(within(connect({ port: srv.port, timeout: 5000 }), 2000, "connect"), (err: Error) => {
        assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${err.name}: ${err.message}`);
        assert.match(err.message, /maximum connections exceeded/i);
        return true;
      });
      await first.flush(); // the first connection is unaffected
    } finally {
      await first.close();
    }
  });
});

describe("connect: what the connection reports", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ max_payload: 65536 });
  });
  after(() => srv.stop());

  it("info holds the server's INFO; getServer() its address", async () => {
    const nc = await connect({ port: srv.port });
    try {
      const varz = await srv.varz();
      const info = nc.info;
      assert.ok(info, "info is set while connected");
      assert.equal(info.server_id, varz.server_id);
      assert.equal(typeof info.server_id, "string");
      assert.ok(info.server_id.length > 0);
      assert.equal(info.max_payload, 65536);
      assert.equal(info.headers, true);
      assert.equal(info.version, varz.version);
      assert.equal(info.port, srv.port);
      assert.equal(nc.getServer(), srv.hostport);
      // the client_id the server assigned is the one connz lists
      const connz = await srv.connz();
      assert.ok(connz.connections.some((c: { cid: number }) => c.cid === info.client_id), "connz lists our client_id");
    } finally {
      await nc.close();
    }
  });

  it("stats() counts messages and payload bytes both ways, as the server does", async () => {
    const before = await srv.varz();
    const nc = await connect({ port: srv.port });
    try {
      assert.deepEqual(nc.stats(), { inBytes: 0, outBytes: 0, inMsgs: 0, outMsgs: 0 });
      const got: Msg[] = [];
      nc.subscribe("stats.x", { callback: (_err, m) => void got.push(m) });
      const h = headers();
      h.set("X-Test", "value");
      nc.publish("stats.x", "hello"); // 5
      nc.publish("stats.x", new Uint8Array(100)); // 100
      nc.publish("stats.x"); // 0
      nc.publish("stats.x", "abc", { headers: h }); // 3 + header bytes
      await nc.flush();
      await eventually(() => got.length === 4, 2000, "4 messages delivered");

      const s = nc.stats();
      assert.equal(s.outMsgs, 4);
      assert.equal(s.inMsgs, 4);
      const hdrLen = s.outBytes - 108;
      assert.ok(hdrLen > "X-Test: value".length, `header bytes counted: outBytes ${s.outBytes}`);
      assert.equal(s.inBytes, s.outBytes, "each message came back once, same size");
      // the server's own counts of what it received from and delivered to this client
      await eventually(async () => {
        const v = await srv.varz();
        return v.in_msgs - before.in_msgs === 4 && v.out_msgs - before.out_msgs === 4;
      }, 2000, "server counts 4 messages in and out");
      const v = await srv.varz();
      assert.equal(v.in_bytes - before.in_bytes, s.outBytes);
      assert.equal(v.out_bytes - before.out_bytes, s.inBytes);
    } finally {
      await nc.close();
    }
  });

  it("name is shown by the server's connz", async () => {
    const nc = await connect({ port: srv.port, name: "quicknats-connect-test" });
    try {
      const connz = await srv.connz();
      const mine = connz.connections.filter((c: { cid: number }) => c.cid === nc.info?.client_id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].name, "quicknats-connect-test");
      assert.equal(mine[0].lang, "quicknats");
    } finally {
      await nc.close();
    }
  });

  it("noEcho: own messages are not delivered, another connection's are", async () => {
    const quiet = await connect({ port: srv.port, noEcho: true });
    const other = await connect({ port: srv.port });
    const witness = await connect({ port: srv.port });
    try {
      const quietGot: string[] = [];
      const witnessGot: string[] = [];
      quiet.subscribe("echo.x", { callback: (_e, m) => void quietGot.push(m.string()) });
      witness.subscribe("echo.x", { callback: (_e, m) => void witnessGot.push(m.string()) });
      await Promise.all([quiet.flush(), witness.flush()]);

      quiet.publish("echo.x", "own");
      await quiet.flush();
      other.publish("echo.x", "other");
      await other.flush();

      await eventually(() => witnessGot.length === 2, 2000, "witness receives both");
      await eventually(() => quietGot.length >= 1, 2000, "noEcho connection receives the other's message");
      await quiet.flush(); // anything still on its way to `quiet` has arrived
      assert.deepEqual(witnessGot, ["own", "other"], "the own message did reach the server");
      assert.deepEqual(quietGot, ["other"]);
    } finally {
      await Promise.all([quiet.close(), other.close(), witness.close()]);
    }
  });

  for (const opt of ["verbose", "pedantic"] as const) {
    it(`${opt}: true still publishes, subscribes and requests`, async () => {
      const nc = await connect({ port: srv.port, [opt]: true });
      try {
        await roundTrip(nc, `opt.${opt}`);
        nc.subscribe(`opt.${opt}.svc`, { callback: (_e, m) => void m.respond(`re:${m.string()}`) });
        const r = await nc.request(`opt.${opt}.svc`, "q", { timeout: 2000 });
        assert.equal(r.string(), "re:q");
        const got: string[] = [];
        nc.subscribe(`opt.${opt}.many`, { callback: (_e, m) => void got.push(m.string()) });
        for (let i = 0; i < 50; i++) nc.publish(`opt.${opt}.many`, String(i));
        await nc.flush();
        await eventually(() => got.length === 50, 2000, "50 messages");
        assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => String(i)));
        assert.equal(nc.isClosed(), false);
        await within(nc.drain(), 2000, "drain() (its PING/PONG among +OKs)");
      } finally {
        await nc.close();
      }
      assert.equal(await nc.closed(), undefined, "+OK lines did not break the connection");
    });
  }
});

describe("connect: authentication", () => {
  let userSrv: NatsServer;
  let tokenSrv: NatsServer;
  before(async () => {
    [userSrv, tokenSrv] = await Promise.all([
      NatsServer.start({ authorization: { user: "alice", password: "s3cret-pw" } }),
      NatsServer.start({ authorization: { token: "s3cret-token" } }),
    ]);
  });
  after(() => Promise.all([userSrv.stop(), tokenSrv.stop()]));

  async function rejectsAuth(p: Promise<unknown>): Promise<void> {
    await assert.rejects(within(p, 5000, "connect"), (err: Error) => {
      assert.ok(err instanceof AuthorizationError, `expected AuthorizationError, got ${err.name}: ${err.message}`);
      assert.equal(err.name, "AuthorizationError");
      assert.match(err.message, /authorization violation/i);
      return true;
    });
  }

  it("user/pass: right ones connect, as that user", async () => {
    const nc = await connect({ port: userSrv.port, user: "alice", pass: "s3cret-pw" });
    try {
      assert.equal(nc.info?.auth_required, true);
      await roundTrip(nc, "auth.user");
      const connz = await userSrv.connz({ auth: true });
      const mine = connz.connections.filter((c: { cid: number }) => c.cid === nc.info?.client_id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].authorized_user, "alice");
    } finally {
      await nc.close();
    }
  });

  it("user/pass: wrong password, wrong user or none is an AuthorizationError", async () => {
    await rejectsAuth(connect({ port: userSrv.port, user: "alice", pass: "wrong" }));
    await rejectsAuth(connect({ port: userSrv.port, user: "mallory", pass: "s3cret-pw" }));
    await rejectsAuth(connect({ port: userSrv.port }));
  });

  it("token: right one connects, wrong one is an AuthorizationError", async () => {
    const nc = await connect({ port: tokenSrv.port, token: "s3cret-token" });
    try {
      await roundTrip(nc, "auth.token");
    } finally {
      await nc.close();
    }
    await rejectsAuth(connect({ port: tokenSrv.port, token: "nope" }));
    await rejectsAuth(connect({ port: tokenSrv.port }));
  });

  it("authenticator: its result goes into CONNECT, and it is called once per connect", async () => {
    let calls = 0;
    const nc = await connect({
      port: tokenSrv.port,
      authenticator: () => {
        calls++;
        return { auth_token: "s3cret-token" };
      },
    });
    try {
      assert.equal(calls, 1);
      await roundTrip(nc, "auth.fn");
    } finally {
      await nc.close();
    }

    // several authenticators: their fields are merged
    const nc2 = await connect({
      port: userSrv.port,
      authenticator: [() => ({ user: "alice" }), () => ({ user: "alice", pass: "s3cret-pw" })],
    });
    try {
      const connz = await userSrv.connz({ auth: true });
      const mine = connz.connections.filter((c: { cid: number }) => c.cid === nc2.info?.client_id);
      assert.deepEqual(mine.map((c: { authorized_user: string }) => c.authorized_user), ["alice"]);
    } finally {
      await nc2.close();
    }

    await rejectsAuth(connect({ port: tokenSrv.port, authenticator: () => ({ auth_token: "wrong" }) }));
  });

  it("an authenticator that throws rejects connect() with that very error, as 3.4 does", async () => {
    class NoCredentials extends Error {}
    const boom = new NoCredentials("no credentials today");
    let calls = 0;
    const err = await rejection(
      connect({ port: tokenSrv.port, timeout: 2000, authenticator: () => { calls++; throw boom; } }),
      3000,
    );
    assert.equal(err, boom, `got ${err?.name}: ${err?.message}`);
    assert.equal(err.message, "no credentials today");
    assert.equal(calls, 1, "one server, one attempt");
    // the half-open connection is closed, not leaked
    await eventually(async () => (await tokenSrv.connz()).num_connections === 0, 2000, "server sees the socket closed");
  });

  it("an authenticator that throws a non-Error: a ConnectionError holding it as the cause, not in the message", async () => {
    const thrown = "s3cret-token-thrown-as-a-string";
    const err = await rejection(
      connect({ port: tokenSrv.port, timeout: 2000, authenticator: () => { throw thrown; } }),
      3000,
    );
    assert.ok(err instanceof ConnectionError, `got ${err}`);
    assert.equal(err.code, ErrorCode.AuthenticatorFailed);
    assert.match(err.message, /the authenticator failed: it threw a string, not an Error/);
    assert.ok(!err.message.includes(thrown));
    assert.equal(err.cause, thrown);
  });

  it("a non-function authenticator is an InvalidArgumentError", async () => {
    await rejectsInvalidArgument(
      connect({ port: tokenSrv.port, authenticator: "s3cret-token" as unknown as () => { auth_token: string } }),
      /authenticator/,
    );
  });
});
