// TLS with the Node transport against real nats-servers, certificates made at
// test time (test/helpers/certs.ts): CA verification, hostname checks, mutual
// TLS, the upgrade decision (tls {} / null / undefined against tls_required,
// tls_available and plain servers), handshakeFirst through a TLS-terminating
// proxy (nats-server 2.9 has no handshake_first), and reconnects over TLS.
// Whether a connection is encrypted is read from the server: connz's
// `tls_version`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { ConnectionError, ErrorCode, TimeoutError } from "@quicknats/node";
import { NatsServer, type ServerConfig, startCluster } from "../helpers/nats-server.js";
import { certs, type TestCerts } from "../helpers/certs.js";
import { TlsProxy } from "../helpers/tls-proxy.js";
import { connectForFile } from "../helpers/connections.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, rejection, sleep, within } from "../helpers/wait.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Every connection made here; closed at the end even if a test failed half-way. */
const connect = connectForFile();

/** The server's view of the connection named `name`. */
async function conn(srv: NatsServer, name: string): Promise<Record<string, any>> {
  const connz = await srv.connz();
  const c = (connz.connections as Array<Record<string, any>>).find((x) => x.name === name);
  assert.ok(c, `no connection named ${name} on the server`);
  return c;
}

/** Connects, checks on the server side that the connection is (or is not) encrypted, closes. */
async function assertConnects(srv: NatsServer, opts: Record<string, unknown>, encrypted: boolean, name: string): Promise<void> {
  const nc = await connect({ servers: srv.hostport, name, ...opts });
  try {
    await nc.flush();
    const c = await conn(srv, name);
    if (encrypted) assert.equal(c.tls_version, "1.3", `${name}: not encrypted on the server side`);
    else assert.equal(c.tls_version, undefined, `${name}: unexpectedly encrypted`);
    // a round trip over the connection
    const sub = nc.subscribe("tls.echo", { max: 1 });
    nc.publish("tls.echo", "hi");
    let got = "";
    await within((async () => {
      for await (const m of sub) got = m.string();
    })(), 2000, `${name}: round trip`);
    assert.equal(got, "hi");
  } finally {
    await nc.close();
  }
}

/** A TLS ConnectionError (code NATS_TLS) whose message (not just its cause) names `reason`. */
function assertConnError(err: unknown, reason: RegExp): void {
  assert.ok(err instanceof ConnectionError, `not a ConnectionError: ${inspect(err)}`);
  assert.equal(err.code, ErrorCode.Tls, inspect(err));
  assert.match(err.message, reason);
}

const UNTRUSTED = /not trusted|unable to verify|self[- ]signed|unknown ca/i;
const QUICK = { reconnectTimeWait: 50, reconnectJitter: 0, reconnectJitterTLS: 0 };

let c: TestCerts;
const tlsBlock = (pair: { certFile: string; keyFile: string }, extra: ServerConfig = {}): ServerConfig => ({
  cert_file: pair.certFile,
  key_file: pair.keyFile,
  timeout: 2,
  ...extra,
});

before(async () => {
  c = await certs();
});

describe("a tls_required server (certificate for localhost and 127.0.0.1)", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ tls: tlsBlock(c.server) });
  });
  after(() => srv.stop());

  it("tls: { caFile } verifies the certificate and connects encrypted", async () => {
    await assertConnects(srv, { tls: { caFile: c.ca.certFile } }, true, "cafile");
  });

  it("tls: { ca: pem } works the same", async () => {
    await assertConnects(srv, { tls: { ca: c.ca.cert } }, true, "ca-pem");
  });

  it("by host name: localhost is checked against the certificate's DNS name", async () => {
    const nc = await connect({ servers: `localhost:${srv.port}`, name: "by-name", tls: { caFile: c.ca.certFile } });
    await nc.flush();
    assert.equal((await conn(srv, "by-name")).tls_version, "1.3");
    await nc.close();
  });

  it("a tls:// URL asks for TLS", async () => {
    const nc = await connect({ servers: `tls://${srv.hostport}`, name: "tls-url", tls: { caFile: c.ca.certFile } });
    await nc.flush();
    assert.equal((await conn(srv, "tls-url")).tls_version, "1.3");
    await nc.close();
  });

  it("a CA that did not sign the certificate: ConnectionError naming the reason", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: { caFile: c.otherCa.certFile } }));
    assertConnError(err, UNTRUSTED);
    assert.match(err.message, /TLS/);
  });

  it("no tls option: the client upgrades (tls_required) and verifies against the default CAs, which refuse a private CA", async () => {
    const err = await rejection(connect({ servers: srv.hostport }));
    assertConnError(err, UNTRUSTED);
  });

  it("no tls option, with the CA trusted process-wide (NODE_EXTRA_CA_CERTS): the plain client upgrades and connects", async () => {
    // NODE_EXTRA_CA_CERTS is read at process start, hence a child process
    const script = `
      import { connect } from "@quicknats/node";
      const nc = await connect({ servers: process.env.QN_SERVER, name: "child-upgrade" });
      await nc.flush();
      process.stdout.write("READY\\n");
      process.stdin.resume();
      process.stdin.on("end", async () => { await nc.close(); process.exit(0); });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: c.ca.certFile, QN_SERVER: srv.hostport },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let errText = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (errText += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await within(
        (async () => {
          while (!out.includes("READY")) {
            if (child.exitCode !== null) assert.fail(`child exited early: ${errText}`);
            await sleep(20);
          }
        })(),
        8000,
        "child connect",
      );
      assert.equal((await conn(srv, "child-upgrade")).tls_version, "1.3");
      child.stdin.end();
      assert.equal(await within(exited, 5000, "child exit"), 0, errText);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("tls: null against a tls_required server fails clearly", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: null }));
    assertConnError(err, /requires TLS/);
  });

  it("rejectUnauthorized: false is passed through to node:tls and connects despite the unknown CA", async () => {
    await assertConnects(srv, { tls: { rejectUnauthorized: false } }, true, "no-verify");
  });

  it("reconnects over TLS after a restart, and verifies again on the reconnect", async () => {
    const first = await NatsServer.start({ tls: tlsBlock(c.server) });
    const port = first.port;
    let second: NatsServer | undefined;
    try {
      const nc = await connect({
        servers: first.hostport,
        name: "tls-reconnect",
        tls: { caFile: c.ca.certFile },
        ...QUICK,
        maxReconnectAttempts: 60,
      });
      const st = new StatusLog(nc);
      await first.restart();
      await st.waitForMatch((s) => s.type === "reconnect", 8000);
      await nc.flush();
      assert.equal((await conn(first, "tls-reconnect")).tls_version, "1.3");

      // same port, a certificate for another name: the reconnect must refuse it
      await first.stop();
      second = await NatsServer.start({ listen: `127.0.0.1:${port}`, tls: tlsBlock(c.wrongName) });
      const why = await within(nc.closed(), 8000, "closed() after refusing the new certificate");
      assertConnError(why, /not valid for '127\.0\.0\.1'/);
      // the server may list the refused handshake's socket for a moment after the client left
      await eventually(async () => (await second!.connz()).num_connections === 0, 2000,
        "no connection accepted with a certificate for the wrong name");
      assert.equal(st.count("reconnect"), 1);
    } finally {
      await first.stop();
      await second?.stop();
    }
  });
});

describe("a TLS cluster that gossips IPs (certificates for localhost only)", () => {
  it("a failover to a server gossiped in the first INFO verifies its certificate against the name the user gave", async () => {
    const nodes = await startCluster(2, { tls: tlsBlock(c.localhostOnly) });
    try {
      const nc = await connect({
        servers: `localhost:${nodes[0].port}`,
        name: "tls-gossip",
        tls: { caFile: c.ca.certFile },
        noRandomize: true,
        ...QUICK,
        maxReconnectAttempts: 20,
      });
      // the first INFO already lists the other node, by IP
      await eventually(() => nc.getServers().some((s) => s.listen === nodes[1].hostport), 5000, "the other node gossiped");
      const gossiped = nc.getServers().find((s) => s.listen === nodes[1].hostport)!;
      assert.ok(gossiped.gossiped);
      assert.equal(gossiped.tlsName, "localhost");
      const st = new StatusLog(nc);
      await nodes[0].kill();
      const r = await st.waitForMatch((s) => s.type === "reconnect" || s.type === "close", 10_000);
      const seen = st.events.map((e) => (e.type === "error" ? `error: ${e.error.message}` : e.type)).join(", ");
      assert.deepEqual(r, { type: "reconnect", server: nodes[1].hostport }, seen);
      await nc.flush();
      assert.equal((await conn(nodes[1], "tls-gossip")).tls_version, "1.3");
    } finally {
      for (const n of nodes) await n.stop();
    }
  });
});

describe("hostname verification", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ tls: tlsBlock(c.wrongName) });
  });
  after(() => srv.stop());

  it("a certificate for wrong.example, dialed by IP: ConnectionError naming the mismatch", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: { caFile: c.ca.certFile } }));
    assertConnError(err, /not valid for '127\.0\.0\.1'/);
  });

  it("a certificate for wrong.example, dialed as localhost: ConnectionError naming the mismatch", async () => {
    const err = await rejection(connect({ servers: `localhost:${srv.port}`, tls: { caFile: c.ca.certFile } }));
    assertConnError(err, /not valid for 'localhost'/);
  });

  it("rejectUnauthorized: false skips the check", async () => {
    await assertConnects(srv, { tls: { caFile: c.ca.certFile, rejectUnauthorized: false } }, true, "skip-name");
  });
});

describe("mutual TLS (verify: true)", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ tls: tlsBlock(c.server, { ca_file: c.ca.certFile, verify: true }) });
  });
  after(() => srv.stop());

  it("a client certificate from files is presented and accepted", async () => {
    await assertConnects(
      srv,
      { tls: { caFile: c.ca.certFile, certFile: c.client.certFile, keyFile: c.client.keyFile } },
      true,
      "mtls-files",
    );
  });

  it("a client certificate as PEM strings is presented and accepted", async () => {
    await assertConnects(srv, { tls: { ca: c.ca.cert, cert: c.client.cert, key: c.client.key } }, true, "mtls-pem");
  });

  it("no client certificate: ConnectionError that says it is about the certificate", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: { caFile: c.ca.certFile } }));
    assertConnError(err, /refused our client certificate/i);
    assert.equal((await srv.connz()).num_connections, 0);
  });

  it("a client certificate the server's CA did not sign is refused", async () => {
    const err = await rejection(connect({
      servers: srv.hostport,
      tls: { caFile: c.ca.certFile, certFile: c.otherCaServer.certFile, keyFile: c.otherCaServer.keyFile },
    }));
    assertConnError(err, /certificate/i);
  });

  it("a missing certificate file fails clearly, naming the file", async () => {
    const missing = path.join(c.dir, "no-such-cert.pem");
    const err = await rejection(connect({ servers: srv.hostport, tls: { caFile: c.ca.certFile, certFile: missing, keyFile: c.client.keyFile } }));
    assertConnError(err, /no-such-cert\.pem/);
  });

  it("a key that does not match the certificate, or a key file that is not PEM: ConnectionError (NATS_TLS), the socket closed", async () => {
    const mismatched = await rejection(connect({
      servers: srv.hostport,
      tls: { caFile: c.ca.certFile, certFile: c.client.certFile, keyFile: c.otherCaServer.keyFile },
    }));
    assertConnError(mismatched, /key values mismatch/i);
    const notPem = await rejection(connect({
      servers: srv.hostport,
      tls: { caFile: c.ca.certFile, certFile: c.client.certFile, keyFile: c.ca.certFile },
    }));
    assertConnError(notPem, /./);
    await eventually(async () => (await srv.connz()).num_connections === 0, 3000, "no connection left open");
  });

  it("handshakeFirst with a key that does not match: the same ConnectionError", async () => {
    const err = await rejection(connect({
      servers: srv.hostport,
      tls: { handshakeFirst: true, caFile: c.ca.certFile, certFile: c.client.certFile, keyFile: c.otherCaServer.keyFile },
    }));
    assertConnError(err, /key values mismatch/i);
  });
});

describe("a plain server", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({});
  });
  after(() => srv.stop());

  it("tls: {} fails with \"does not support 'tls'\"", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: {} }));
    assertConnError(err, /does not support 'tls'/);
  });

  it("a tls:// URL fails the same way", async () => {
    const err = await rejection(connect({ servers: `tls://${srv.hostport}` }));
    assertConnError(err, /does not support 'tls'/);
  });

  it("no tls option and tls: null connect in plain text", async () => {
    await assertConnects(srv, {}, false, "plain-undef");
    await assertConnects(srv, { tls: null }, false, "plain-null");
  });
});

describe("a tls_available server (allow_non_tls)", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ allow_non_tls: true, tls: tlsBlock(c.server) });
  });
  after(() => srv.stop());

  it("the server offers TLS without requiring it", async () => {
    const nc = await connect({ servers: srv.hostport, tls: null });
    assert.equal(nc.info?.tls_available, true);
    assert.ok(!nc.info?.tls_required);
    await nc.close();
  });

  it("tls: { caFile } upgrades", async () => {
    await assertConnects(srv, { tls: { caFile: c.ca.certFile } }, true, "avail-tls");
  });

  it("tls: null stays plain", async () => {
    await assertConnects(srv, { tls: null }, false, "avail-null");
  });

  it("no tls option upgrades as well (and so verifies against the default CAs)", async () => {
    const err = await rejection(connect({ servers: srv.hostport }));
    assertConnError(err, UNTRUSTED);
  });
});

describe("handshakeFirst (through a TLS-terminating proxy)", () => {
  let srv: NatsServer;
  let proxy: TlsProxy;
  before(async () => {
    srv = await NatsServer.start({});
    proxy = await TlsProxy.start({ upstreamPort: srv.port, cert: c.server.cert, key: c.server.key });
  });
  after(async () => {
    await proxy.stop();
    await srv.stop();
  });

  it("handshakeFirst: true starts TLS before INFO and connects", async () => {
    const before = proxy.sessions.length;
    const nc = await connect({ servers: proxy.hostport, name: "hf", tls: { handshakeFirst: true, caFile: c.ca.certFile } });
    await nc.flush();
    assert.equal(proxy.sessions.length, before + 1);
    assert.equal(proxy.sessions[before].protocol, "TLSv1.3");
    assert.equal(proxy.sessions[before].info?.tls_required, true, "the proxy forwarded INFO with tls_required");
    // the connection reached the real server through the proxy
    await conn(srv, "hf");
    const sub = nc.subscribe("hf.echo", { max: 1 });
    nc.publish("hf.echo", "through the tunnel");
    let got = "";
    await within((async () => {
      for await (const m of sub) got = m.string();
    })(), 2000, "round trip");
    assert.equal(got, "through the tunnel");
    await nc.close();
  });

  it("handshakeFirst still verifies the certificate", async () => {
    const err = await rejection(connect({ servers: proxy.hostport, tls: { handshakeFirst: true, caFile: c.otherCa.certFile } }));
    assertConnError(err, UNTRUSTED);
  });

  it("without handshakeFirst the client waits for an INFO that never comes: bounded failure", async () => {
    const failures = proxy.tlsFailures;
    const sessions = proxy.sessions.length;
    const err = await rejection(connect({ servers: proxy.hostport, tls: { caFile: c.ca.certFile }, timeout: 1000 }), 4000);
    assert.ok(err instanceof TimeoutError || err instanceof ConnectionError, inspect(err));
    assert.equal(proxy.sessions.length, sessions, "no TLS session was made");
    await eventually(() => proxy.tlsFailures > failures, 3000, "the proxy to see a connection that never did TLS");
    assert.equal(proxy.tlsFailures, failures + 1, "the proxy saw a connection that never did TLS");
  });

  it("handshakeFirst against a server that sends INFO in plain text fails with ConnectionError", async () => {
    const err = await rejection(connect({ servers: srv.hostport, tls: { handshakeFirst: true, caFile: c.ca.certFile }, timeout: 2000 }), 5000);
    assert.ok(err instanceof ConnectionError || err instanceof TimeoutError, inspect(err));
  });

  it("reconnects through the proxy with handshakeFirst after a server restart", async () => {
    const nc = await connect({
      servers: proxy.hostport,
      name: "hf-reconnect",
      tls: { handshakeFirst: true, caFile: c.ca.certFile },
      ...QUICK,
      maxReconnectAttempts: 60,
    });
    const st = new StatusLog(nc);
    const sessions = proxy.sessions.length;
    await srv.restart();
    await st.waitForMatch((s) => s.type === "reconnect", 8000);
    await nc.flush();
    assert.ok(proxy.sessions.length > sessions, "the reconnect went through a new TLS session");
    await conn(srv, "hf-reconnect");
    await nc.close();
  });
});
