// The nats-server launcher itself, checked with raw sockets (no client library).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import net from "node:net";
import { describe, it } from "node:test";
import { NatsServer, startCluster, stopAll, toConf } from "../helpers/nats-server.js";

/** A raw NATS connection that hands out protocol lines one at a time. */
class RawConn {
  readonly #sock: net.Socket;
  #buf = "";
  readonly #lines: string[] = [];
  #waiter: ((line: string) => void) | undefined;

  private constructor(sock: net.Socket) {
    this.#sock = sock;
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      this.#buf += chunk;
      for (let i = this.#buf.indexOf("\r\n"); i >= 0; i = this.#buf.indexOf("\r\n")) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 2);
        if (this.#waiter) this.#waiter(line);
        else this.#lines.push(line);
      }
    });
  }

  static open(port: number, host = "127.0.0.1"): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      sock.once("error", reject);
      sock.once("connect", () => {
        sock.off("error", reject);
        sock.on("error", () => {}); // surfaced through next() timing out
        resolve(new RawConn(sock));
      });
    });
  }

  /** The next line from the server; rejects if none arrives within `ms`. */
  next(ms = 5000): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#waiter) return Promise.reject(new Error("next() already pending"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no line from server within ${ms} ms`));
      }, ms);
      this.#waiter = (line) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        resolve(line);
      };
    });
  }

  /** Reads the INFO line and parses its JSON. */
  async info(): Promise<Record<string, unknown>> {
    const line = await this.next();
    assert.match(line, /^INFO /);
    return JSON.parse(line.slice(5)) as Record<string, unknown>;
  }

  /** Sends CONNECT and a PING, and expects the PONG: the server has taken the client. */
  async handshake(): Promise<void> {
    this.send(`${CONNECT}PING\r\n`);
    assert.equal(await this.next(), "PONG");
  }

  send(text: string): void {
    this.#sock.write(text);
  }

  close(): void {
    this.#sock.destroy();
  }
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.setTimeout(2000, () => {
      sock.destroy();
      reject(new Error("connect neither succeeded nor failed within 2 s"));
    });
    sock.once("connect", () => {
      sock.destroy();
      reject(new Error(`connect to ${port} succeeded`));
    });
    sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const CONNECT = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\n';

describe("nats-server harness", () => {
  it("starts a server that sends INFO on its own port", async (t) => {
    const srv = await NatsServer.start();
    t.after(() => srv.stop());
    assert.equal(srv.hostport, `127.0.0.1:${srv.port}`);
    assert.equal(srv.url, `nats://127.0.0.1:${srv.port}`);
    assert.ok(srv.pid > 0);
    assert.ok(srv.monitorPort, "monitoring is on by default");
    assert.ok(existsSync(srv.configFile));

    const c = await RawConn.open(srv.port);
    t.after(() => c.close());
    const info = await c.info();
    assert.equal(info.port, srv.port);
    assert.equal(info.host, "127.0.0.1");
    await c.handshake();

    const varz = await srv.varz();
    assert.equal(varz.port, srv.port);
    const connz = await srv.connz();
    assert.equal(connz.num_connections, 1);
  });

  it("stop() refuses further connections, removes its temp dir and is idempotent", async () => {
    const srv = await NatsServer.start();
    const port = srv.port;
    await srv.stop();
    assert.equal(srv.running, false);
    assert.equal(await connectError(port), "ECONNREFUSED");
    assert.equal(existsSync(srv.dir), false);
    await srv.stop();
    await Promise.all([srv.stop(), srv.stop()]);
  });

  it("restart() comes back on the same ports after stop() and after kill()", async (t) => {
    const srv = await NatsServer.start({ websocket: { listen: "127.0.0.1:-1", no_tls: true } });
    t.after(() => srv.stop());
    const { port, monitorPort, websocketPort, pid } = srv;
    assert.ok(websocketPort);

    await srv.stop();
    assert.equal(await srv.restart(), srv);
    assert.notEqual(srv.pid, pid);
    assert.deepEqual([srv.port, srv.monitorPort, srv.websocketPort], [port, monitorPort, websocketPort]);
    const c1 = await RawConn.open(port);
    assert.equal((await c1.info()).port, port);
    c1.close();

    await srv.kill();
    assert.equal(await connectError(port), "ECONNREFUSED");
    await srv.restart();
    const c2 = await RawConn.open(port);
    assert.equal((await c2.info()).port, port);
    c2.close();
    assert.equal((await srv.varz()).port, port);
  });

  it("pause() leaves a PING unanswered until resume()", async (t) => {
    const srv = await NatsServer.start();
    t.after(() => srv.stop());
    const c = await RawConn.open(srv.port);
    t.after(() => c.close());
    await c.info();
    await c.handshake();

    await srv.pause();
    c.send("PING\r\n");
    await assert.rejects(c.next(300), /no line from server within 300 ms/);
    srv.resume();
    assert.equal(await c.next(2000), "PONG");
  });

  it("stop() ends a paused server", async () => {
    const srv = await NatsServer.start();
    await srv.pause();
    const t0 = Date.now();
    await srv.stop();
    assert.equal(srv.running, false);
    assert.ok(Date.now() - t0 < 2000, "SIGTERM should take effect without waiting for SIGKILL");
  });

  it("lameDuck() sends INFO with ldm and the server then exits by itself", async (t) => {
    const srv = await NatsServer.start({ lame_duck_duration: "30s", lame_duck_grace_period: "500ms" });
    t.after(() => srv.stop());
    const c = await RawConn.open(srv.port);
    t.after(() => c.close());
    await c.info();
    await c.handshake();

    srv.lameDuck();
    const line = await c.next(2000);
    assert.match(line, /^INFO /);
    assert.equal(JSON.parse(line.slice(5)).ldm, true);
    for (let i = 0; i < 100 && srv.running; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(srv.running, false, "one client, 500 ms grace: the server should be gone within 5 s");
  });

  it("startCluster(3) routes every node to the other two", async (t) => {
    const nodes = await startCluster(3);
    t.after(() => stopAll(nodes));
    assert.equal(new Set(nodes.map((n) => n.port)).size, 3);
    for (const node of nodes) {
      const routez = await node.routez();
      assert.equal(routez.num_routes, 2, `${node.hostport} routes`);
      const varz = await node.varz();
      assert.equal(varz.cluster.cluster_port, node.clusterPort);
    }
    const names = await Promise.all(nodes.map(async (n) => (await n.varz()).cluster.name as string));
    assert.equal(new Set(names).size, 1);
  });

  it("honours an authorization token", async (t) => {
    const srv = await NatsServer.start({ authorization: { token: "s3cret" } });
    t.after(() => srv.stop());

    const good = await RawConn.open(srv.port);
    t.after(() => good.close());
    assert.equal((await good.info()).auth_required, true);
    good.send(`CONNECT {"verbose":false,"auth_token":"s3cret"}\r\nPING\r\n`);
    assert.equal(await good.next(), "PONG");

    const bad = await RawConn.open(srv.port);
    t.after(() => bad.close());
    await bad.info();
    bad.send(`CONNECT {"verbose":false,"auth_token":"nope"}\r\nPING\r\n`);
    assert.equal(await bad.next(), "-ERR 'Authorization Violation'");
  });

  it("writes strings the server reads back byte for byte", async (t) => {
    const token = 'q"b\\s\tn\nr\r$x#y//z\x01é';
    const srv = await NatsServer.start({ authorization: { token }, max_payload: 2048, ping_interval: "2s" });
    t.after(() => srv.stop());
    const c = await RawConn.open(srv.port);
    t.after(() => c.close());
    assert.equal((await c.info()).max_payload, 2048);
    c.send(`CONNECT ${JSON.stringify({ verbose: false, auth_token: token })}\r\nPING\r\n`);
    assert.equal(await c.next(), "PONG");
    assert.equal((await srv.varz()).ping_interval, 2e9);
  });

  it("serializes nested maps, arrays and quoted keys", () => {
    const conf = toConf({
      accounts: { "$A-1": { users: [{ user: "u", password: "p" }] }, B: {} },
      list: [],
      skipped: undefined,
    });
    assert.equal(
      conf,
      'accounts {\n  "$A-1" {\n    users: [\n      {\n        user: "u"\n        password: "p"\n      }\n    ]\n  }\n  B {\n  }\n}\nlist: []\n',
    );
    assert.throws(() => toConf({ a: null }), /config a: cannot write null/);
    assert.throws(() => toConf({ a: [Number.NaN] }), /config a\[0\]: NaN/);
  });

  it("reports a server that fails to start, with its output", async () => {
    // 2.9 rejects lame duck durations under 30 s in config files.
    await assert.rejects(NatsServer.start({ lame_duck_duration: "1s" }), (err: Error) => {
      assert.match(err.message, /exited during startup/);
      assert.match(err.message, /minimum is 30 seconds/);
      return true;
    });
  });
});
