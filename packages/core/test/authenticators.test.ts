import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createUser, fromPublic } from "@nats-io/nkeys";
import { nkeyAuthenticator } from "../src/auth/nkey.js";
import { jwtAuthenticator } from "../src/auth/jwt.js";
import { credsAuthenticator, parseCreds } from "../src/auth/creds.js";
import { InvalidArgumentError } from "../src/errors.js";
import { type AuthOptions, authenticatorOf, buildAuthenticator, tokenAuthenticator } from "../src/auth/authenticator.js";

const te = new TextEncoder();

function verify(nkey: string, nonce: string, sig: string): boolean {
  const bytes = Uint8Array.from(atob(sig), (c) => c.charCodeAt(0));
  return fromPublic(nkey).verify(te.encode(nonce), bytes);
}

describe("nkey and JWT authenticators", () => {
  it("sign every nonce with the same seed bytes (the seed is not wiped after the first connect)", () => {
    const kp = createUser();
    const seed = kp.getSeed();
    const copy = seed.slice();
    const auth = nkeyAuthenticator(seed);
    for (const nonce of ["n1", "n2", "n3"]) {
      const a = auth(nonce) as { nkey: string; sig: string };
      assert.equal(a.nkey, kp.getPublicKey());
      assert.ok(verify(a.nkey, nonce, a.sig), `signature for ${nonce}`);
    }
    assert.deepEqual(seed, copy, "the caller's seed is unchanged");
  });

  it("call seed and JWT functions on every connect", () => {
    const kp = createUser();
    let seeds = 0;
    let jwts = 0;
    const auth = jwtAuthenticator(() => (jwts++, "a.b.c"), () => (seeds++, kp.getSeed()));
    auth("x");
    auth("y");
    assert.equal(seeds, 2);
    assert.equal(jwts, 2);
  });

  it("a JWT without a seed is a bearer token (no nkey, no sig)", () => {
    assert.deepEqual(jwtAuthenticator("a.b.c")("nonce"), { jwt: "a.b.c" });
  });
});

describe("creds files", () => {
  const kp = createUser();
  const seed = new TextDecoder().decode(kp.getSeed());
  const jwt = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl";
  const creds = `-----BEGIN NATS USER JWT-----
${jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------
`;

  it("parses the nsc format and signs with its seed", () => {
    const c = parseCreds(te.encode(creds));
    assert.equal(c.jwt, jwt);
    const a = credsAuthenticator(te.encode(creds))("nonce") as { jwt: string; nkey: string; sig: string };
    assert.equal(a.jwt, jwt);
    assert.equal(a.nkey, kp.getPublicKey());
    assert.ok(verify(a.nkey, "nonce", a.sig));
  });

  for (const [what, text] of [
    ["no JWT block", creds.replace(/-----BEGIN NATS USER JWT-----/, "")],
    ["no seed block", creds.replace(/-----BEGIN USER NKEY SEED-----/, "")],
    ["a truncated seed block", creds.slice(0, creds.indexOf(seed) + 10)],
    ["a JWT with spaces", creds.replace(jwt, `${jwt.slice(0, 10)} ${jwt.slice(10)}`)],
    ["a seed that is not a user seed", creds.replace(seed, `SA${seed.slice(2)}`)],
  ] as const) {
    it(`rejects ${what} with an error that holds no secret`, () => {
      assert.throws(() => parseCreds(text), (err: Error) => {
        assert.ok(err instanceof InvalidArgumentError);
        const shown = `${err.message} ${String(err)} ${JSON.stringify(err)} ${err.stack}`;
        assert.ok(!shown.includes(seed) && !shown.includes(seed.slice(2, 20)), "no seed");
        assert.ok(!shown.includes(jwt.slice(0, 20)), "no JWT");
        return true;
      });
    });
  }
});

describe("buildAuthenticator (the public helper of 3.4's name)", () => {
  it("always gives an authenticator: without credentials one that sends none (3.4's), else the options' merged", () => {
    const none = buildAuthenticator({});
    assert.equal(typeof none, "function");
    assert.equal(none("nonce"), undefined);
    assert.deepEqual(buildAuthenticator({ user: "u", pass: "p" })(undefined), { user: "u", pass: "p" });
    assert.deepEqual(buildAuthenticator({ token: "t", authenticator: () => ({ nkey: "N", sig: "S" }) })("n"), { nkey: "N", sig: "S", auth_token: "t" });
  });

  it("inside a connection, no credentials means no authenticator at all (CONNECT without credential fields)", () => {
    assert.equal(authenticatorOf({}), undefined);
  });

  it("false, \"\", 0 and null as the authenticator (or in its array) are not given, as 3.4 ignores them: `useCreds && credsAuthenticator(...)`", () => {
    for (const falsy of [false, "", 0, null]) {
      const opts = { authenticator: falsy } as unknown as AuthOptions;
      assert.equal(authenticatorOf(opts), undefined, String(falsy));
      assert.deepEqual(authenticatorOf({ ...opts, token: "t" })!(undefined), { auth_token: "t" });
    }
    const listed = authenticatorOf({ authenticator: [false, tokenAuthenticator("t")] } as unknown as AuthOptions);
    assert.deepEqual(listed!(undefined), { auth_token: "t" });
  });

  it("a value that is given but no function is refused, naming the option (3.4 ignores it silently)", () => {
    for (const bad of [true, "creds", { user: "u", pass: "p" }, [() => undefined, "x"]]) {
      assert.throws(() => authenticatorOf({ authenticator: bad } as unknown as AuthOptions), (err: Error) => {
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.match(err.message, /'authenticator'/);
        return true;
      }, JSON.stringify(bad));
    }
  });
});
