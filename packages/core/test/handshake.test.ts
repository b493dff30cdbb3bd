// The handshake's decisions: whether to upgrade to TLS after INFO (every
// `tls` option against every INFO, on a plain or an already encrypted
// transport), and the CONNECT object (the fields every CONNECT has, noEcho,
// headers, name, verbose, pedantic, and credentials only from the
// authenticator: user/pass, token, nkey and JWT with the nonce signed).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createUser, fromPublic } from "@nats-io/nkeys";
import { jwtAuthenticator } from "../src/auth/jwt.js";
import { nkeyAuthenticator } from "../src/auth/nkey.js";
import { ConnectionError, InvalidArgumentError } from "../src/errors.js";
import { connectFields, tlsDecision } from "../src/connection/handshake.js";
import type { ParsedOptions } from "../src/connection/options.js";
import { CLIENT, info, options } from "./helpers/handshake-inputs.js";
const te = new TextEncoder();

describe("tlsDecision", () => {
  const INFOS = {
    plain: info(),
    available: info({ tls_available: true }),
    required: info({ tls_required: true }),
    both: info({ tls_required: true, tls_available: true }),
  };
  const TLS = {
    undefined: undefined,
    null: null,
    "{}": {},
    handshakeFirst: { handshakeFirst: true },
  };
  type Outcome = "plain" | "upgrade" | "no TLS on server" | "TLS required";
  // rows: the tls option; columns: the server's INFO (plain transport)
  const expected: Record<keyof typeof TLS, Record<keyof typeof INFOS, Outcome>> = {
    undefined: { plain: "plain", available: "upgrade", required: "upgrade", both: "upgrade" },
    null: { plain: "plain", available: "plain", required: "TLS required", both: "TLS required" },
    "{}": { plain: "no TLS on server", available: "upgrade", required: "upgrade", both: "upgrade" },
    // a transport that did not do the TLS handshake first: as {}
    handshakeFirst: { plain: "no TLS on server", available: "upgrade", required: "upgrade", both: "upgrade" },
  };

  const outcome = (d: ReturnType<typeof tlsDecision>): Outcome => {
    if (!(d instanceof Error)) return d;
    assert.ok(d instanceof ConnectionError, `a ConnectionError: ${d}`);
    assert.ok(d.message.includes("h:4222"), `names the server: ${d.message}`);
    if (/does not support 'tls'/.test(d.message)) return "no TLS on server";
    if (/requires TLS, and the 'tls' option is null/.test(d.message)) return "TLS required";
    assert.fail(`unexpected message: ${d.message}`);
  };

  for (const [tlsName, tls] of Object.entries(TLS) as [keyof typeof TLS, ParsedOptions["tls"]][]) {
    it(`tls: ${tlsName}, on a plain transport`, () => {
      const got = Object.fromEntries(
        (Object.keys(INFOS) as (keyof typeof INFOS)[]).map((k) => [k, outcome(tlsDecision(INFOS[k], tls, false, "h:4222"))]),
      );
      assert.deepEqual(got, expected[tlsName]);
    });

    it(`tls: ${tlsName}, on a transport already encrypted (handshakeFirst, wss://): never upgrades again`, () => {
      for (const i of Object.values(INFOS)) assert.equal(tlsDecision(i, tls, true, "h:4222"), "plain");
    });
  }
});

describe("connectFields", () => {
  it("every CONNECT: protocol 1, version, lang, verbose and pedantic false; nothing else without a reason", () => {
    const c = connectFields(options(), info(), CLIENT);
    assert.deepEqual(c, { protocol: 1, version: "9.9.9", lang: "quicknats", verbose: false, pedantic: false });
  });

  it("verbose, pedantic and name as given", () => {
    const c = connectFields(options({ verbose: true, pedantic: true, name: "svc" }), info(), CLIENT);
    assert.equal(c.verbose, true);
    assert.equal(c.pedantic, true);
    assert.equal(c.name, "svc");
    assert.equal(connectFields(options({ name: "" }), info(), CLIENT).name, "", "an empty name is a name");
  });

  it("headers and no_responders when the server has headers", () => {
    const c = connectFields(options(), info({ headers: true }), CLIENT);
    assert.equal(c.headers, true);
    assert.equal(c.no_responders, true);
    const without = connectFields(options(), info({ headers: false }), CLIENT);
    assert.ok(!("headers" in without) && !("no_responders" in without));
  });

  it("tls_required only when the tls option asks for TLS", () => {
    assert.equal(connectFields(options({ tls: {} }), info({ tls_required: true }), CLIENT).tls_required, true);
    assert.equal(connectFields(options({ servers: "tls://h:4222" }), info({ tls_required: true }), CLIENT).tls_required, true);
    assert.ok(!("tls_required" in connectFields(options(), info({ tls_required: true }), CLIENT)), "upgraded because the server asked");
    assert.ok(!("tls_required" in connectFields(options({ tls: null }), info(), CLIENT)));
  });

  it("noEcho: echo false against a server with proto >= 1; a ConnectionError against one without", () => {
    assert.equal(connectFields(options({ noEcho: true }), info({ proto: 1 }), CLIENT).echo, false);
    assert.ok(!("echo" in connectFields(options(), info(), CLIENT)), "echo is the server's default");
    for (const proto of [0, undefined]) {
      assert.throws(
        () => connectFields(options({ noEcho: true }), info({ proto }), CLIENT),
        (e: Error) => e instanceof ConnectionError && /does not support 'noEcho'/.test(e.message),
        `proto ${proto}`,
      );
    }
  });

  it("user and pass", () => {
    const c = connectFields(options({ user: "joe", pass: "s3cret" }), info(), CLIENT);
    assert.equal(c.user, "joe");
    assert.equal(c.pass, "s3cret");
    assert.ok(!("pass" in connectFields(options({ user: "joe" }), info(), CLIENT)), "no pass given: none sent");
  });

  it("a token as auth_token", () => {
    assert.equal(connectFields(options({ token: "t0k" }), info(), CLIENT).auth_token, "t0k");
  });

  it("user/pass and a token together: both (as 3.4's multi authenticator)", () => {
    const c = connectFields(options({ user: "u", pass: "p", token: "t" }), info(), CLIENT);
    assert.deepEqual([c.user, c.pass, c.auth_token], ["u", "p", "t"]);
  });

  it("an nkey: the public key and the server's nonce signed with the seed", () => {
    const kp = createUser();
    const c = connectFields(options({ authenticator: nkeyAuthenticator(kp.getSeed()) }), info({ nonce: "n0nce-1" }), CLIENT);
    assert.equal(c.nkey, kp.getPublicKey());
    const sig = Uint8Array.from(atob(c.sig as string), (ch) => ch.charCodeAt(0));
    assert.ok(fromPublic(kp.getPublicKey()).verify(te.encode("n0nce-1"), sig), "the signature verifies against the nonce");
    assert.ok(!fromPublic(kp.getPublicKey()).verify(te.encode("other"), sig));
  });

  it("a JWT: jwt, nkey and the nonce signed", () => {
    const kp = createUser();
    const c = connectFields(options({ authenticator: jwtAuthenticator("e.jwt.x", kp.getSeed()) }), info({ nonce: "abc" }), CLIENT);
    assert.equal(c.jwt, "e.jwt.x");
    assert.equal(c.nkey, kp.getPublicKey());
    const sig = Uint8Array.from(atob(c.sig as string), (ch) => ch.charCodeAt(0));
    assert.ok(fromPublic(kp.getPublicKey()).verify(te.encode("abc"), sig));
  });

  it("the authenticator is called with the nonce of this INFO (undefined without one), on every CONNECT", () => {
    const nonces: (string | undefined)[] = [];
    const opts = options({ authenticator: (n?: string) => (nonces.push(n), { auth_token: "x" }) });
    connectFields(opts, info({ nonce: "first" }), CLIENT);
    connectFields(opts, info({ nonce: "second" }), CLIENT);
    connectFields(opts, info(), CLIENT);
    assert.deepEqual(nonces, ["first", "second", undefined]);
  });

  it("credentials come only from the authenticator's credential fields: other keys cannot change CONNECT", () => {
    const evil = {
      user: "u",
      protocol: 0,
      verbose: true,
      pedantic: true,
      echo: false,
      headers: false,
      no_responders: false,
      name: "forged",
      lang: "x",
      version: "0",
      tls_required: false,
      sig: undefined,
      extra: "dropped",
    };
    const c = connectFields(options({ authenticator: () => evil as never, name: "mine", tls: {} }), info({ headers: true }), CLIENT);
    assert.deepEqual(c, {
      protocol: 1, version: "9.9.9", lang: "quicknats", verbose: false, pedantic: false,
      tls_required: true, name: "mine", headers: true, no_responders: true, user: "u",
    });
  });

  it("an authenticator that returns nothing sends no credentials", () => {
    for (const r of [undefined, null, {}]) {
      const c = connectFields(options({ authenticator: () => r as never }), info(), CLIENT);
      assert.deepEqual(Object.keys(c).sort(), ["lang", "pedantic", "protocol", "verbose", "version"]);
    }
  });

  it("an authenticator that throws: its own error, as it is", () => {
    const mine = new Error("vault unavailable");
    assert.throws(
      () => connectFields(options({ authenticator: () => { throw mine; } }), info(), CLIENT),
      (e) => e === mine,
    );
    // ours too, e.g. an invalid seed (its message never holds the seed)
    assert.throws(
      () => connectFields(options({ authenticator: nkeyAuthenticator(te.encode("SUNOTASEED")) }), info({ nonce: "n" }), CLIENT),
      (e: Error) => e instanceof InvalidArgumentError && !e.message.includes("SUNOTASEED"),
    );
  });

  it("an authenticator that throws something not an Error: a ConnectionError, with the thrown value as its cause only", () => {
    const thrown = { secret: "hunter2" };
    assert.throws(
      () => connectFields(options({ authenticator: () => { throw thrown; } }), info(), CLIENT),
      (e: Error) => e instanceof ConnectionError && e.cause === thrown && !e.message.includes("hunter2") && /not an Error/.test(e.message),
    );
  });
});
