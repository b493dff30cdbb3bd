// Message headers over the wire, against a real nats-server: what is set with
// headers() arrives intact (multi-valued, case preserved), messages without
// headers have none, requests and responses carry headers, status lines, and
// header blocks written by other clients.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  connect,
  ErrorCode,
  headers,
  InvalidArgumentError,
  Match,
  MsgHdrsImpl,
  RequestError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from "@quicknats/node";
import type { NatsServer } from "../helpers/nats-server.js";
import { serverWithConnections } from "../helpers/connections.js";
import { RogueServer } from "../helpers/rogue-server.js";
import { eventually } from "../helpers/wait.js";

const te = new TextEncoder();

/** Publishes with `pub`, returns the one message `sub` receives on `subject`. */
async function roundTrip(
  pub: NatsConnection,
  sub: NatsConnection,
  subject: string,
  payload: string | Uint8Array,
  h?: MsgHdrs,
  reply?: string,
): Promise<Msg> {
  const got: Msg[] = [];
  const s = sub.subscribe(subject, {
    max: 1,
    callback: (_e, m) => {
      got.push(m);
    },
  });
  await sub.flush();
  pub.publish(subject, payload, { headers: h, reply });
  await pub.flush();
  await eventually(() => got.length >= 1, 3000, `a message on ${subject}`);
  await sub.flush();
  assert.equal(got.length, 1);
  assert.equal(s.isClosed(), true);
  return got[0];
}

/** Sends raw protocol text over a fresh TCP connection and waits for the PONG. */
async function rawSend(port: number, text: string): Promise<void> {
  const sock = net.connect({ host: "127.0.0.1", port });
  try {
    await new Promise<void>((resolve, reject) => {
      let buf = "";
      let sent = false;
      const timer = setTimeout(() => reject(new Error(`no PONG within 3 s; got ${JSON.stringify(buf)}`)), 3000);
      sock.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      sock.setEncoding("utf8");
      sock.on("data", (chunk: string) => {
        buf += chunk;
        if (!sent && buf.startsWith("INFO ") && buf.includes("\r\n")) {
          sent = true;
          sock.write(`CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n${text}PING\r\n`);
        }
        if (buf.includes("-ERR")) {
          clearTimeout(timer);
          reject(new Error(`server error: ${buf}`));
        } else if (buf.includes("PONG\r\n")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    sock.destroy();
  }
}

describe("headers", () => {
  let srv: NatsServer;
  let nc: NatsConnection;
  let nc2: NatsConnection;

  serverWithConnections({}, 2, (s, conns) => {
    [srv, nc, nc2] = [s, ...conns];
    assert.equal(nc.info?.headers, true);
  });

  it("arrive with the same keys, values, order and case", async () => {
    const h = headers();
    h.append("X-Multi", "one");
    h.append("X-Multi", "two");
    h.append("X-Multi", "three");
    h.set("lower-case", "v1");
    h.set("MiXeD-CaSe", "v2");
    h.set("x-multi", "other key"); // differs only in case: a separate key
    h.set("X-Unicode", "héllo wörld ✓ 🌍");
    h.set("X-Spaces", "  padded value  ");
    h.set("X-Tab", "a\tb");
    h.set("X-Colon", "a: b: c");
    h.set("X-Empty", "");
    const m = await roundTrip(nc, nc2, "hdr.basic", "body", h);

    assert.equal(m.string(), "body");
    const r = m.headers;
    assert.ok(r, "headers missing");
    assert.deepEqual(r.keys(), ["X-Multi", "lower-case", "MiXeD-CaSe", "x-multi", "X-Unicode", "X-Spaces", "X-Tab", "X-Colon", "X-Empty"]);
    assert.deepEqual(r.values("X-Multi"), ["one", "two", "three"]);
    assert.equal(r.get("X-Multi"), "one");
    assert.equal(r.last("X-Multi"), "three");
    assert.deepEqual(r.values("x-multi"), ["other key"]);
    assert.deepEqual(r.values("X-MULTI", Match.IgnoreCase), ["one", "two", "three", "other key"]);
    assert.equal(r.get("lower-case"), "v1");
    assert.equal(r.get("Lower-Case"), ""); // exact match by default
    assert.equal(r.get("Lower-Case", Match.IgnoreCase), "v1");
    assert.equal(r.get("MiXeD-CaSe"), "v2");
    assert.equal(r.has("mixed-case"), false);
    assert.equal(r.has("mixed-case", Match.IgnoreCase), true);
    assert.equal(r.get("X-Unicode"), "héllo wörld ✓ 🌍");
    assert.equal(r.get("X-Spaces"), "padded value");
    assert.equal(r.get("X-Tab"), "a\tb");
    assert.equal(r.get("X-Colon"), "a: b: c");
    assert.equal(r.has("X-Empty"), true);
    assert.equal(r.get("X-Empty"), "");
    assert.equal(r.code, 0);
    assert.equal(r.hasError, false);
    // the decoded set equals the one sent
    assert.ok(r instanceof MsgHdrsImpl);
    assert.ok((r as MsgHdrsImpl).equals(h));
  });

  it("received headers iterate as [key, values] pairs", async () => {
    const h = headers();
    h.append("A", "1");
    h.append("B", "2");
    h.append("A", "3");
    const m = await roundTrip(nc, nc2, "hdr.iter", "", h);
    assert.ok(m.headers instanceof MsgHdrsImpl);
    const entries = [...m.headers];
    assert.deepEqual(entries, [
      ["A", ["1", "3"]],
      ["B", ["2"]],
    ]);
    assert.deepEqual((m.headers as MsgHdrsImpl).toRecord(), { A: ["1", "3"], B: ["2"] });
    assert.equal(m.data.length, 0);
  });

  it("a message published without headers has msg.headers === undefined", async () => {
    const m = await roundTrip(nc, nc2, "hdr.none", "plain");
    assert.equal(m.headers, undefined);
    assert.equal(m.string(), "plain");
    const m2 = await roundTrip(nc, nc2, "hdr.none2", "");
    assert.equal(m2.headers, undefined);
  });

  it("an empty headers() set sends no header block (as the official client): the message arrives without headers", async () => {
    const m = await roundTrip(nc, nc2, "hdr.empty", "data", headers(), "hdr.empty.reply");
    assert.equal(m.string(), "data");
    assert.equal(m.reply, "hdr.empty.reply");
    assert.equal(m.headers, undefined);
    assert.equal(nc.isClosed(), false);
    assert.doesNotMatch(srv.output, /\[ERR\]/);
  });

  it("headers with a reply subject and a binary payload", async () => {
    const h = headers();
    h.set("Content-Type", "application/octet-stream");
    const payload = new Uint8Array(300);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    payload.set(te.encode("\r\n\r\nNATS/1.0\r\nX: y\r\n\r\n"), 50);
    const m = await roundTrip(nc, nc2, "hdr.bin", payload, h, "hdr.bin.reply");
    assert.equal(m.reply, "hdr.bin.reply");
    assert.equal(Buffer.compare(m.data, payload), 0);
    assert.deepEqual(m.headers?.keys(), ["Content-Type"]);
    assert.equal(m.headers?.get("Content-Type"), "application/octet-stream");
  });

  it("a large header value arrives intact", async () => {
    const h = headers();
    const big = "v".repeat(20_000) + "end";
    h.set("X-Big", big);
    const m = await roundTrip(nc, nc2, "hdr.big", "x", h);
    assert.equal(m.headers?.get("X-Big"), big);
    assert.equal(m.string(), "x");
  });

  it("request with headers, respond with headers", async () => {
    const seen: Array<MsgHdrs | undefined> = [];
    const svc = nc2.subscribe("hdr.svc", {
      callback: (_e, m) => {
        seen.push(m.headers);
        const rh = headers();
        rh.set("X-Request-Id", m.headers?.get("X-Request-Id") ?? "missing");
        rh.append("X-Served-By", "svc-1");
        rh.append("X-Served-By", "svc-2");
        m.respond(`re:${m.string()}`, { headers: rh });
      },
    });
    await nc2.flush();
    const h = headers();
    h.set("X-Request-Id", "abc-123");
    h.append("X-Trace", "t1");
    h.append("X-Trace", "t2");
    const r = await nc.request("hdr.svc", "hi", { timeout: 2000, headers: h });
    assert.equal(r.string(), "re:hi");
    assert.equal(r.headers?.get("X-Request-Id"), "abc-123");
    assert.deepEqual(r.headers?.values("X-Served-By"), ["svc-1", "svc-2"]);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]?.values("X-Trace"), ["t1", "t2"]);
    // and without mux
    const r2 = await nc.request("hdr.svc", "again", { timeout: 2000, headers: h, noMux: true });
    assert.equal(r2.string(), "re:again");
    assert.equal(r2.headers?.get("X-Request-Id"), "abc-123");
    // a request without headers: the service sees none
    const r3 = await nc.request("hdr.svc", "bare", { timeout: 2000 });
    assert.equal(seen[2], undefined);
    assert.equal(r3.headers?.get("X-Request-Id"), "missing");
    svc.unsubscribe();
  });

  it("status headers: code and description arrive", async () => {
    const h = headers(503, "No Responders");
    assert.equal(h.code, 503);
    assert.equal(h.description, "No Responders");
    h.set("X-Extra", "1");
    const m = await roundTrip(nc, nc2, "hdr.status", "not empty", h);
    const r = m.headers;
    assert.ok(r);
    assert.equal(r.code, 503);
    assert.equal(r.description, "No Responders");
    assert.equal(r.status, "503 No Responders");
    assert.equal(r.hasError, true);
    assert.equal(r.get("X-Extra"), "1");
    assert.equal(m.string(), "not empty");

    const ok = await roundTrip(nc, nc2, "hdr.status2", "", headers(200, "OK"));
    assert.equal(ok.headers?.code, 200);
    assert.equal(ok.headers?.description, "OK");
    assert.equal(ok.headers?.hasError, false);

    const timeout = await roundTrip(nc, nc2, "hdr.status3", "", headers(408, "Request Timeout"));
    assert.equal(timeout.headers?.status, "408 Request Timeout");
  });

  it("a reply of status 503 with an empty payload fails the request as no responders", async () => {
    const svc = nc2.subscribe("hdr.fake503", {
      callback: (_e, m) => {
        m.respond("", { headers: headers(503, "No Responders") });
      },
    });
    await nc2.flush();
    const err = await nc.request("hdr.fake503", "x", { timeout: 2000 }).then(
      () => assert.fail("expected the request to fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RequestError, `expected RequestError, got ${String(err)}`);
    assert.equal(err.isNoResponders(), true);
    svc.unsubscribe();
  });

  it("decodes header blocks written by other clients (status without description, no space after ':')", async () => {
    const got: Msg[] = [];
    nc2.subscribe("hdr.raw.>", {
      callback: (_e, m) => {
        got.push(m);
      },
    });
    await nc2.flush();
    const block = "NATS/1.0 503\r\nA:1\r\nB:   spaced   \r\nA: 2\r\nno colon line\r\n\r\n";
    const body = "payload";
    const hlen = Buffer.byteLength(block);
    const total = hlen + Buffer.byteLength(body);
    const block2 = "NATS/1.0\r\nKey: Value\r\n\r\n";
    const h2len = Buffer.byteLength(block2);
    await rawSend(
      srv.port,
      `HPUB hdr.raw.1 ${hlen} ${total}\r\n${block}${body}\r\n` +
        `HPUB hdr.raw.2 rep.to ${h2len} ${h2len}\r\n${block2}\r\n` +
        `PUB hdr.raw.3 2\r\nhi\r\n`,
    );
    await eventually(() => got.length >= 3, 3000, "3 raw messages");
    await nc2.flush();
    assert.equal(got.length, 3);
    const [m1, m2, m3] = got;
    assert.equal(m1.string(), "payload");
    assert.equal(m1.headers?.code, 503);
    assert.equal(m1.headers?.description, "");
    assert.equal(m1.headers?.hasError, true);
    assert.deepEqual(m1.headers?.values("A"), ["1", "2"]);
    assert.equal(m1.headers?.get("B"), "spaced");
    assert.equal(m1.headers?.has("no colon line"), false);
    assert.equal(m2.reply, "rep.to");
    assert.equal(m2.data.length, 0);
    assert.equal(m2.headers?.get("Key"), "Value");
    assert.equal(m2.headers?.code, 0);
    assert.equal(m3.headers, undefined);
    assert.equal(m3.string(), "hi");
    assert.equal(nc2.isClosed(), false);
  });

  it("many header messages in a row, of varied sizes, all decode correctly", async () => {
    const N = 2000;
    const got: Msg[] = [];
    const sub = nc2.subscribe("hdr.many", {
      callback: (_e, m) => {
        got.push(m);
      },
    });
    await nc2.flush();
    for (let i = 0; i < N; i++) {
      const h = headers();
      h.set("X-I", `${i}`);
      h.set("X-Pad", "p".repeat(i % 97));
      const body = new Uint8Array((i * 37) % 700).fill(i & 0xff);
      nc.publish("hdr.many", body, { headers: h });
    }
    await nc.flush();
    await eventually(() => got.length >= N, 10_000, `${N} messages`);
    for (let i = 0; i < N; i++) {
      const m = got[i];
      assert.equal(m.headers?.get("X-I"), `${i}`, `message ${i}`);
      assert.equal(m.headers?.get("X-Pad"), "p".repeat(i % 97));
      assert.equal(m.data.length, (i * 37) % 700);
      assert.ok(m.data.every((b) => b === (i & 0xff)), `message ${i} payload`);
    }
    sub.unsubscribe();
  });

  it("received headers can be republished as they are", async () => {
    const h = headers(409, "Conflict");
    h.append("X-A", "1");
    h.append("X-A", "2");
    const first = await roundTrip(nc, nc2, "hdr.re.1", "p", h);
    assert.ok(first.headers);
    const second = await roundTrip(nc2, nc, "hdr.re.2", first.data, first.headers);
    assert.deepEqual(second.headers?.values("X-A"), ["1", "2"]);
    assert.equal(second.headers?.code, 409);
    assert.equal(second.headers?.description, "Conflict");
    assert.equal(second.string(), "p");
  });
});

describe("a server without header support", () => {
  it("publish() with headers throws InvalidArgumentError (NATS_HEADERS_NOT_SUPPORTED) and sends nothing; without headers it publishes", async (t) => {
    const rogue = await RogueServer.start({ info: { headers: false } });
    t.after(() => rogue.stop());
    const nc = await connect({ servers: rogue.url, reconnect: false });
    t.after(() => nc.close());
    const h = headers();
    h.set("K", "v");
    assert.throws(() => nc.publish("no.hdr", "x", { headers: h }), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.equal(err.code, ErrorCode.HeadersNotSupported);
      return true;
    });
    await assert.rejects(nc.request("no.hdr", "x", { headers: h, timeout: 1000 }), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.equal(err.code, ErrorCode.HeadersNotSupported);
      return true;
    });
    nc.publish("no.hdr.after", "y");
    const c = rogue.connections[0];
    await c.waitFrame((f) => f.op === "PUB", 3000, "the PUB after the refused HPUB");
    assert.deepEqual(c.frames.filter((f) => f.op === "PUB" || f.op === "HPUB").map((f) => f.op), ["PUB"]);
  });
});
