// wsconnect(): the W3C WebSocket transport against a real nats-server with a
// websocket listener. Node 20 has no global WebSocket, so the `ws` package is
// the socket (`wsFactory`), as an application on Node 20 would do it. What a
// websocket connection sends is checked from a TCP connection of the same
// server and the other way round: connect, publish/subscribe with headers,
// request/reply, drain, reconnect after a server restart, and the errors for
// a port of the wrong kind (an HTTP answer to connect() is in connect.test.ts).
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as WsWebSocket } from "ws";
import { ConnectionError, connect, ErrorCode, headers, InvalidArgumentError } from "@quicknats/node";
import { NoRespondersError, RequestError, TimeoutError, wsconnect } from "@quicknats/node";
import type { Msg, NatsConnection, WsConnectionOptions, WsSocketFactory } from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { connectFor } from "../helpers/connections.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, rejection, within } from "../helpers/wait.js";
import { freePort } from "../helpers/ports.js";
import { certs } from "../helpers/certs.js";

/** The `ws` package as the socket: it has the W3C surface the transport uses (binaryType, on*, bufferedAmount, readyState). */
const wsFactory: WsSocketFactory = async (url) => ({
  socket: new WsWebSocket(url) as unknown as WebSocket,
  encrypted: url.startsWith("wss:"),
});

const WEBSOCKET = { listen: "127.0.0.1:-1", no_tls: true };

/** wsconnect() through the `ws` package, closed when the test ends. */
async function wsFor(t: TestContext, opts: WsConnectionOptions): Promise<NatsConnection> {
  const nc = await wsconnect({ wsFactory, ...opts });
  t.after(() => nc.close());
  return nc;
}


describe("wsconnect", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ websocket: WEBSOCKET });
  });
  after(() => srv.stop());

  it("connects to the websocket listener: INFO, the server sees the client, flush() round-trips", async (t) => {
    const nc = await wsFor(t, { servers: srv.websocketUrl!, name: "ws-connect" });
    assert.equal(nc.info?.server_id, (await srv.varz()).server_id);
    assert.equal(nc.getServer(), `127.0.0.1:${srv.websocketPort}`);
    await nc.flush();
    const connz = await srv.connz();
    assert.ok(connz.connections.some((c: { name?: string }) => c.name === "ws-connect"), "the server lists the connection");
  });

  it("publish/subscribe with headers, both ways between a websocket and a TCP connection", async (t) => {
    const ws = await wsFor(t, { servers: srv.websocketUrl! });
    const tcp = await connectFor(t, { servers: srv.url });
    const got: { on: string; m: Msg }[] = [];
    ws.subscribe("wsx.to-ws", { callback: (_e, m) => void got.push({ on: "ws", m }) });
    tcp.subscribe("wsx.to-tcp", { callback: (_e, m) => void got.push({ on: "tcp", m }) });
    await Promise.all([ws.flush(), tcp.flush()]);

    const big = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    const h = headers();
    h.set("From", "tcp");
    h.append("Multi", "a");
    h.append("Multi", "b");
    tcp.publish("wsx.to-ws", big, { headers: h });
    const h2 = headers(201, "Created");
    h2.set("From", "ws");
    ws.publish("wsx.to-tcp", "é from ws", { headers: h2 });
    await eventually(() => got.length === 2, 5000, () => `2 messages (have ${got.length})`);

    const toWs = got.find((g) => g.on === "ws")!.m;
    assert.equal(Buffer.compare(toWs.data, big), 0, "the 200 kB payload arrives byte for byte over the websocket");
    assert.equal(toWs.headers?.get("From"), "tcp");
    assert.deepEqual(toWs.headers?.values("Multi"), ["a", "b"]);
    const toTcp = got.find((g) => g.on === "tcp")!.m;
    assert.equal(toTcp.string(), "é from ws");
    assert.equal(toTcp.headers?.get("From"), "ws");
    assert.equal(toTcp.headers?.code, 201);
    assert.equal(toTcp.headers?.description, "Created");
  });

  it("request/reply over the websocket, and no responders", async (t) => {
    const ws = await wsFor(t, { servers: srv.websocketUrl! });
    const tcp = await connectFor(t, { servers: srv.url });
    tcp.subscribe("wsx.echo", { callback: (_e, m) => void m.respond(`echo ${m.string()} ${m.headers?.get("Id") ?? ""}`) });
    await tcp.flush();
    const h = headers();
    h.set("Id", "7");
    const reply = await ws.request("wsx.echo", "hi", { timeout: 2000, headers: h });
    assert.equal(reply.string(), "echo hi 7");
    const replies = await Promise.all([1, 2, 3].map((i) => ws.request("wsx.echo", String(i), { timeout: 2000, noMux: i === 2 })));
    assert.deepEqual(replies.map((m) => m.string()), ["echo 1 ", "echo 2 ", "echo 3 "]);

    const err = await rejection(ws.request("wsx.nobody", "x", { timeout: 2000 }));
    assert.ok(err instanceof RequestError && err.cause instanceof NoRespondersError, `${err}`);
    assert.equal(err.code, ErrorCode.Request);
  });

  it("drain() delivers what is in flight, then closes; the server sees the connection go", async (t) => {
    const ws = await wsFor(t, { servers: srv.websocketUrl!, name: "ws-drain" });
    const tcp = await connectFor(t, { servers: srv.url });
    let n = 0;
    ws.subscribe("wsx.drain", { callback: () => void n++ });
    await ws.flush();
    for (let i = 0; i < 1000; i++) tcp.publish("wsx.drain", "x");
    await tcp.flush();
    await within(ws.drain(), 5000, "drain()");
    assert.equal(n, 1000, "every message sent before drain() was delivered");
    assert.equal(ws.isClosed(), true);
    assert.equal(await ws.closed(), undefined);
    await eventually(async () => !(await srv.connz()).connections.some((c: { name?: string }) => c.name === "ws-drain"), 3000, "the server drops the connection", 50);
  });

  it("the tls option and a bad wsFactory are refused before dialing", async () => {
    await assert.rejects(wsconnect({ wsFactory, servers: srv.websocketUrl!, tls: {} }), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.match(err.message, /'tls' is not configurable/);
      return true;
    });
    await assert.rejects(wsconnect({ servers: srv.websocketUrl!, wsFactory: "ws" as unknown as WsSocketFactory }), InvalidArgumentError);
  });

  it("without wsFactory: the runtime's global WebSocket, or an error that says to pass one", async (t) => {
    if (typeof globalThis.WebSocket === "function") {
      // Node 22+: the global WebSocket connects
      const nc = await wsconnect({ servers: srv.websocketUrl! });
      t.after(() => nc.close());
      await nc.flush();
    } else {
      const err = await rejection(wsconnect({ servers: srv.websocketUrl!, reconnect: false }));
      assert.ok(err instanceof ConnectionError, String(err));
      assert.match(err.message, /no global WebSocket.*wsFactory/);
    }
  });
});

describe("wsconnect: credentials in the server URL", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ websocket: WEBSOCKET, authorization: { user: "wsu", password: "ws-s3cret" } });
  });
  after(() => srv.stop());

  it("ws://user:pass@host connects with them (the official client ignores them); the address kept has none", async (t) => {
    const url = `ws://wsu:ws-s3cret@127.0.0.1:${srv.websocketPort}`;
    const nc = await wsFor(t, { servers: url });
    await nc.flush();
    assert.deepEqual(nc.getServers().map((s) => s.src), [`ws://127.0.0.1:${srv.websocketPort}`]);
    const bad = await rejection(wsconnect({ wsFactory, servers: `ws://wsu:wrong-pw@127.0.0.1:${srv.websocketPort}` }));
    assert.equal((bad as { code?: string }).code, ErrorCode.Authorization);
    assert.ok(!String((bad as Error).message).includes("wrong-pw"));
  });
});

describe("wsconnect: a port of the wrong kind", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ websocket: WEBSOCKET });
  });
  after(() => srv.stop());

  it("a server entry that is no URL: a TypeError, as 3.4's URL parser throws, that is an InvalidArgumentError", async () => {
    for (const server of ["ws://[bad", "ws://h:70000", "foo://h:1"]) {
      await assert.rejects(wsconnect({ wsFactory, servers: server }), (err: Error) => {
        assert.ok(err instanceof TypeError && err instanceof InvalidArgumentError, `${server}: ${err}`);
        return true;
      });
    }
  });

  it("wsconnect() to the NATS client port: a ConnectionError that points to connect()", async () => {
    const err = await rejection(wsconnect({ wsFactory, servers: `ws://127.0.0.1:${srv.port}`, reconnect: false, timeout: 3000 }));
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, ErrorCode.Connection);
    assert.match(err.message, /not a websocket port .*connect\(\)/);
  });

  it("wsconnect() to a port nobody listens on says the connection was refused, not that the port is of the wrong kind", async () => {
    const port = await freePort();
    const err = await rejection(wsconnect({ wsFactory, servers: `ws://127.0.0.1:${port}`, reconnect: false, timeout: 3000 }));
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, ErrorCode.Connection);
    assert.match(err.message, /connection refused/);
    assert.doesNotMatch(err.message, /websocket port/);
    assert.equal((err.cause as { code?: string })?.code, "ECONNREFUSED", "the socket's error is the cause");
  });

  it("wsconnect() with wss:// to a websocket port without TLS: a TLS error (NATS_TLS)", async () => {
    const err = await rejection(wsconnect({ wsFactory, servers: `wss://127.0.0.1:${srv.websocketPort}`, reconnect: false, timeout: 3000 }));
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, ErrorCode.Tls);
    assert.match(err.message, /TLS/);
  });

  it("connect() to the websocket port: it waits for an HTTP request and sends no INFO, so a TimeoutError that points to wsconnect()", async () => {
    const t0 = Date.now();
    const err = await rejection(connect({ port: srv.websocketPort!, reconnect: false, timeout: 1000 }));
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.code, ErrorCode.Timeout);
    assert.match(err.message, /no INFO from 127\.0\.0\.1:\d+ .*wsconnect\(\)/);
    assert.ok(Date.now() - t0 < 3000, "the connect timeout, not a hang");
  });
});

describe("wsconnect: a websocket port with TLS", () => {
  let srv: NatsServer;
  before(async () => {
    const c = await certs();
    srv = await NatsServer.start({ websocket: { listen: "127.0.0.1:-1", tls: { cert_file: c.server.certFile, key_file: c.server.keyFile } } });
  });
  after(() => srv.stop());

  it("ws:// to it says to use wss://; wss:// with an untrusted certificate is a TLS error (NATS_TLS)", async () => {
    const plain = await rejection(wsconnect({ wsFactory, servers: `ws://127.0.0.1:${srv.websocketPort}` }));
    assert.ok(plain instanceof ConnectionError, String(plain));
    assert.match(plain.message, /HTTP 400.*needs wss:\/\//);
    // the ws package verifies against the system's CAs, which do not hold the test CA
    const untrusted = await rejection(wsconnect({ wsFactory, servers: `wss://127.0.0.1:${srv.websocketPort}` }));
    assert.ok(untrusted instanceof ConnectionError, String(untrusted));
    assert.equal(untrusted.code, ErrorCode.Tls, untrusted.message);
  });
});

describe("wsconnect: reconnect", () => {
  it("after a server restart on the same ports: reconnects, resubscribes, and requests work again", async (t) => {
    const srv = await NatsServer.start({ websocket: WEBSOCKET });
    t.after(() => srv.stop());
    const ws = await wsFor(t, { servers: srv.websocketUrl!, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    const status = new StatusLog(ws);
    const got: string[] = [];
    ws.subscribe("wsx.after", { callback: (_e, m) => void got.push(m.string()) });
    ws.subscribe("wsx.svc", { callback: (_e, m) => void m.respond("up") });
    await ws.flush();

    await srv.restart();
    await status.waitFor("reconnect", 10_000);
    assert.ok(status.count("disconnect") >= 1, status.types().join(","));

    const tcp = await connectFor(t, { servers: srv.url });
    // the subscriptions were sent again: a message and a request from the new server's side reach them
    await eventually(async () => {
      tcp.publish("wsx.after", "hello again");
      await tcp.flush();
      return got.length > 0;
    }, 5000, "a message delivered after the reconnect", 100);
    assert.equal(got[0], "hello again");
    assert.equal((await tcp.request("wsx.svc", "", { timeout: 2000 })).string(), "up");
    assert.equal((await ws.request("wsx.svc", "", { timeout: 2000 })).string(), "up", "a request over the websocket after the reconnect");
    assert.equal(ws.isClosed(), false);
  });

  it("a paused server: the stale connection ends without waiting for the close handshake the server cannot answer (ws: 30 s, Chromium: 60 s)", async (t) => {
    const srv = await NatsServer.start({ websocket: WEBSOCKET });
    t.after(() => srv.stop());
    const ws = await wsFor(t, { servers: srv.websocketUrl!, reconnectTimeWait: 100, maxReconnectAttempts: -1, pingInterval: 100, maxPingOut: 2 });
    const status = new StatusLog(ws);
    await ws.flush();
    await srv.pause();
    try {
      const s = await status.waitFor("staleConnection", 5000);
      const d = await status.waitFor("disconnect", 5000, s);
      assert.ok(status.times[d] - status.times[s] < 2000, `disconnect ${status.times[d] - status.times[s]} ms after the stale connection`);
    } finally {
      srv.resume();
    }
    await status.waitFor("reconnect", 10_000);
    await ws.flush();
  });

  it("close() with the server paused is bounded by the connection timeout", async (t) => {
    const srv = await NatsServer.start({ websocket: WEBSOCKET });
    t.after(() => srv.stop());
    const ws = await wsFor(t, { servers: srv.websocketUrl!, timeout: 1000 });
    await ws.flush();
    await srv.pause();
    try {
      await within(ws.close(), 5000, "close() (the close handshake alone would take 30 s)");
      assert.equal(ws.isClosed(), true);
    } finally {
      srv.resume();
    }
  });
});
