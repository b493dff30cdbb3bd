// Credentials in a server URL (`nats://user:pass@host`, `nats://token@host`),
// read as nats.go reads them: the TCP and websocket parsers split them off
// (percent-decoded) and keep the address without them; CONNECT takes them in
// place of the options' user/pass/token, keeping the rest (nkey, JWT); and
// servers gossiped while connected through such a URL inherit them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { InvalidArgumentError } from "../src/errors.js";
import { splitUserinfo, UrlCredentials } from "../src/auth/url-credentials.js";
import { connectFields } from "../src/connection/handshake.js";
import { ServerPool } from "../src/connection/servers.js";
import { parseServer } from "../src/transport/tcp-url.js";
import { wsUrlParseFn } from "../src/transport/websocket.js";
import { CLIENT, info, options } from "./helpers/handshake-inputs.js";

const creds = (f: { user: string; pass: string } | { auth_token: string }) => new UrlCredentials(f);

function refused(fn: () => unknown, secret: string): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.ok(!err.message.includes(secret), `the secret is in the message: ${err.message}`);
    return err;
  }
  assert.fail("did not throw");
}

/** splitUserinfo with the credentials' fields in view */
function split(s: string): { rest: string; credentials?: Record<string, string> } {
  const { rest, credentials } = splitUserinfo(s);
  return credentials ? { rest, credentials: { ...credentials.fields() } } : { rest };
}

describe("splitUserinfo", () => {
  it("user:pass, a token, none; percent-decoded; the last @ before the path ends it", () => {
    assert.deepEqual(split("alice:s3cret@h:4222"), { rest: "h:4222", credentials: { user: "alice", pass: "s3cret" } });
    assert.deepEqual(split("t0ken@h"), { rest: "h", credentials: { auth_token: "t0ken" } });
    assert.deepEqual(split("h:4222"), { rest: "h:4222" });
    assert.deepEqual(split("al%20ice:p%40ss:w@h"), { rest: "h", credentials: { user: "al ice", pass: "p@ss:w" } });
    assert.deepEqual(split("a:b@c@h/x@y"), { rest: "h/x@y", credentials: { user: "a", pass: "b@c" } });
    assert.deepEqual(split("h/path@x"), { rest: "h/path@x" }, "an @ in the path is not userinfo");
    assert.deepEqual(split("alice:@h"), { rest: "h", credentials: { user: "alice", pass: "" } });
  });

  it("an empty user, or bad percent-encoding: InvalidArgumentError that does not quote them", () => {
    refused(() => splitUserinfo(":s3cret@h"), "s3cret");
    refused(() => splitUserinfo("alice:s3cret%zz@h"), "s3cret");
  });
});

describe("server URLs with credentials", () => {
  it("TCP: the address without them (src too), the credentials apart", () => {
    const { credentials, ...a } = parseServer("nats://alice:s3cret@127.0.0.1:4333", 4222);
    assert.deepEqual(a, { hostname: "127.0.0.1", port: 4333, listen: "127.0.0.1:4333", src: "nats://127.0.0.1:4333" });
    assert.deepEqual(credentials?.fields(), { user: "alice", pass: "s3cret" });
    assert.deepEqual(parseServer("t0ken@[::1]", 4222).credentials?.fields(), { auth_token: "t0ken" });
    assert.equal(parseServer("tls://u:p@h:1", 4222).tls, true);
    assert.equal(parseServer("nats://h:1", 4222).credentials, undefined);
    assert.equal(parseServer("nats://h:1", 4222).src, "nats://h:1", "no credentials: the string as given");
  });

  it("TCP: a bad address after credentials is refused without quoting them", () => {
    const err = refused(() => parseServer("nats://alice:s3cret@h:99999", 4222), "s3cret");
    assert.match(err.message, /invalid port: 'nats:\/\/h:99999'/);
  });

  it("websocket: the same, and the URL dialled has none", () => {
    const a = wsUrlParseFn("ws://alice:s3cret@127.0.0.1:8080/nats?x=1");
    assert.equal(a.src, "ws://127.0.0.1:8080/nats?x=1");
    assert.equal(a.url, "ws://127.0.0.1:8080/nats?x=1");
    assert.equal(a.listen, "127.0.0.1:8080");
    assert.deepEqual(a.credentials?.fields(), { user: "alice", pass: "s3cret" });
    assert.deepEqual(wsUrlParseFn("wss://t0k@example.com").credentials?.fields(), { auth_token: "t0k" });
    refused(() => wsUrlParseFn("ws://alice:s3cret@exa mple:1"), "s3cret");
  });

  it("snapshots (getServers()) never hold them; a server, the pool or the options inspected or serialised never show them", () => {
    const pool = new ServerPool([parseServer("alice:s3cret@h:1", 4222)], false, (u) => parseServer(u, 4222));
    const snap = pool.all()[0]!.snapshot();
    assert.ok(!("credentials" in snap));
    const opts = options({ servers: ["nats://alice:s3cret@h:1", "ws-t0ken@h:2"] });
    for (const v of [snap, pool.all()[0], pool, opts]) {
      for (const text of [JSON.stringify(v) ?? "", inspect(v, { depth: 8, showHidden: true })]) {
        assert.ok(!text.includes("s3cret") && !text.includes("ws-t0ken"), text.slice(0, 300));
      }
    }
  });
});

describe("CONNECT with URL credentials", () => {
  it("a URL's user/pass replace the options' user/pass/token; other fields stay", () => {
    const c = connectFields(options({ user: "bob", pass: "pw", token: "t", name: "n" }), info({ headers: true }), CLIENT, creds({ user: "alice", pass: "s3cret" }));
    assert.deepEqual([c.user, c.pass, c.auth_token, c.name, c.headers], ["alice", "s3cret", undefined, "n", true]);
  });

  it("a URL's token replaces the options' user and pass", () => {
    const c = connectFields(options({ user: "bob", pass: "pw" }), info(), CLIENT, creds({ auth_token: "t0k" }));
    assert.deepEqual([c.user, c.pass, c.auth_token], [undefined, undefined, "t0k"]);
  });

  it("an authenticator's nkey and JWT fields are kept beside them", () => {
    const c = connectFields(options({ authenticator: () => ({ nkey: "UPUB", sig: "SIG", jwt: "JWT" }) }), info(), CLIENT, creds({ user: "a", pass: "b" }));
    assert.deepEqual([c.nkey, c.sig, c.jwt, c.user, c.pass], ["UPUB", "SIG", "JWT", "a", "b"]);
  });

  it("without URL credentials, CONNECT is what the options make", () => {
    const c = connectFields(options({ user: "bob", pass: "pw" }), info(), CLIENT, undefined);
    assert.deepEqual([c.user, c.pass], ["bob", "pw"]);
  });
});

describe("gossiped servers and URL credentials", () => {
  it("inherit those of the server they were gossiped by; a server given without them stays without", () => {
    const parse = (u: string) => parseServer(u, 4222);
    const pool = new ServerPool([parse("alice:s3cret@a:4222"), parse("b:4222")], false, parse);
    pool.current = pool.all()[0]!;
    pool.update(["a:4222", "10.0.0.1:4222"]);
    const gossiped = pool.all().find((s) => s.listen === "10.0.0.1:4222")!;
    assert.deepEqual(gossiped.credentials?.fields(), { user: "alice", pass: "s3cret" });
    assert.equal(pool.all().find((s) => s.listen === "b:4222")!.credentials, undefined);

    const plain = new ServerPool([parse("b:4222")], false, parse);
    plain.current = plain.all()[0]!;
    plain.update(["10.0.0.2:4222"]);
    assert.equal(plain.all().find((s) => s.listen === "10.0.0.2:4222")!.credentials, undefined);
  });
});
