// Authentication against real nats-servers: user/password, token, nkeys,
// operator/JWT mode (creds files, jwtAuthenticator, bearer, revoked and
// expired users, permissions), malformed creds, authenticator functions on
// reconnect, and giving up after two consecutive authorization errors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import {
  AuthorizationError,
  type Authenticator,
  ConnectionError,
  credsAuthenticator,
  InvalidArgumentError,
  jwtAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
  nkeys,
  PermissionViolationError,
  tokenAuthenticator,
  UserAuthenticationExpiredError,
  usernamePasswordAuthenticator,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { formatCreds, JwtEnv, type JwtUser } from "../helpers/jwt-mode.js";
import { connectForFile } from "../helpers/connections.js";
import { renderings } from "../helpers/output.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, rejection, within } from "../helpers/wait.js";

const te = new TextEncoder();

/** Every connection made here; closed at the end even if a test failed half-way. */
const connect = connectForFile();

function assertAuthError(err: unknown): void {
  assert.ok(err instanceof AuthorizationError, `not an AuthorizationError: ${inspect(err)}`);
  assert.equal((err as AuthorizationError).name, "AuthorizationError");
  assert.equal((err as AuthorizationError).code, "NATS_AUTHORIZATION");
  assert.match((err as Error).message, /authorization violation/i);
}

function assertNoSecret(err: unknown, secrets: string[], what: string): void {
  for (const text of renderings(err)) {
    for (const s of secrets) {
      assert.ok(!text.includes(s), `${what}: a secret appears in the error: ${text.slice(0, 300)}`);
    }
  }
}

/** The authorized user the server sees for the connection named `name`. */
async function serverUser(srv: NatsServer, name: string): Promise<Record<string, any> | undefined> {
  const connz = await srv.connz({ auth: true });
  return (connz.connections as Array<Record<string, any>>).find((c) => c.name === name);
}

/** Restarts the server under `nc`; "reconnected", or how the connection closed instead. */
async function reconnectOutcome(nc: NatsConnection, restart: () => Promise<unknown>): Promise<string> {
  const st = new StatusLog(nc);
  await restart();
  return within(
    Promise.race([
      st.waitForMatch((s) => s.type === "reconnect", 8000).then(() => "reconnected"),
      nc.closed().then((e) => `closed: ${String(e)}; cause: ${String((e as Error | undefined)?.cause)}`),
    ]),
    9000,
    "reconnect",
  );
}

const QUICK = { reconnectTimeWait: 50, reconnectJitter: 0, reconnectJitterTLS: 0 };

/**
 * Connects to `srv` with `authenticator` (QUICK reconnects), restarts the
 * server and waits for the reconnect. `calls()` counts how often the
 * authenticator read its credential: once to connect, exactly once more to
 * reconnect (refused dials never reach CONNECT).
 */
async function askedAgainOnReconnect(
  srv: NatsServer,
  authenticator: Authenticator,
  calls: () => number,
  name?: string,
): Promise<NatsConnection> {
  const nc = await connect({ servers: srv.hostport, ...(name ? { name } : {}), ...QUICK, maxReconnectAttempts: -1, authenticator });
  const st = new StatusLog(nc);
  assert.equal(calls(), 1, "read once to connect");
  await srv.restart();
  await st.waitForMatch((s) => s.type === "reconnect", 8000);
  await nc.flush();
  assert.equal(calls(), 2, "read once more to reconnect");
  return nc;
}

describe("user and password", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({
      authorization: {
        users: [
          { user: "alice", password: "alice-pw-1" },
          { user: "bob", password: "bob-pw-2" },
        ],
      },
    });
  });
  after(() => srv.stop());

  /** Connected as alice, with `password` asked at every connect (QUICK reconnects, and `opts`); and its status log. */
  async function aliceWith(
    password: () => string,
    opts: { name?: string; maxReconnectAttempts: number; ignoreAuthErrorAbort?: boolean },
  ): Promise<{ nc: NatsConnection; st: StatusLog }> {
    const nc = await connect({
      servers: srv.hostport,
      ...QUICK,
      ...opts,
      authenticator: usernamePasswordAuthenticator("alice", password),
    });
    return { nc, st: new StatusLog(nc) };
  }

  /**
   * Connected as alice; from now on its password function throws `err` at
   * the next `times` connects (then works again), and it is made to reconnect.
   */
  async function throwsFromNowOn(err: Error, times: number, opts: Parameters<typeof aliceWith>[1]) {
    let failing = false;
    let fails = 0;
    const conn = await aliceWith(() => {
      if (failing) {
        if (++fails === times) failing = false;
        throw err;
      }
      return "alice-pw-1";
    }, opts);
    failing = true;
    await conn.nc.reconnect();
    return { ...conn, fails: () => fails };
  }

  it("the right password connects, and the server sees the user", async () => {
    const nc = await connect({ servers: srv.hostport, user: "alice", pass: "alice-pw-1", name: "up-right" });
    await nc.flush();
    const c = await serverUser(srv, "up-right");
    assert.equal(c?.authorized_user, "alice");
    await nc.close();
  });

  it("a wrong password rejects connect() with AuthorizationError", async () => {
    const err = await rejection(connect({ servers: srv.hostport, user: "alice", pass: "nope" }));
    assertAuthError(err);
  });

  it("no credentials against a server that requires them: AuthorizationError", async () => {
    const err = await rejection(connect({ servers: srv.hostport }));
    assertAuthError(err);
  });

  it("credentials in the server URL (as nats.go reads them) connect, over the options'; never shown", async () => {
    const nc = await connect({ servers: `nats://alice:alice-pw-1@${srv.hostport}`, user: "bob", pass: "wrong", name: "up-url" });
    await nc.flush();
    assert.equal((await serverUser(srv, "up-url"))?.authorized_user, "alice", "the URL's user, not the options'");
    assert.deepEqual(nc.getServers().map((s) => s.src), [`nats://${srv.hostport}`]);
    for (const text of renderings(nc.getServers()).concat(nc.getServer(), inspect(nc, { depth: 4 }))) {
      assert.ok(!text.includes("alice-pw-1"), `the password is shown: ${text.slice(0, 300)}`);
    }
    await nc.close();
    // percent-encoded, as a URL carries a password with reserved characters
    const bob = await connect({ servers: `bob:${encodeURIComponent("bob-pw-2")}@${srv.hostport}` });
    await bob.flush();
    await bob.close();
  });

  it("wrong credentials in the URL: AuthorizationError, the password in no rendering of it", async () => {
    const err = await rejection(connect({ servers: `nats://alice:n0t-the-pw@${srv.hostport}` }));
    assertAuthError(err);
    assertNoSecret(err, ["n0t-the-pw"], "wrong URL password");
  });

  it("usernamePasswordAuthenticator with functions: called again on every reconnect", async () => {
    let users = 0;
    let passes = 0;
    const auth = usernamePasswordAuthenticator(() => (users++, "bob"), () => (passes++, "bob-pw-2"));
    const nc = await askedAgainOnReconnect(srv, auth, () => users, "up-fn");
    assert.equal(passes, 2);
    assert.equal((await serverUser(srv, "up-fn"))?.authorized_user, "bob");
    await nc.close();
  });

  it("an authenticator that throws on a reconnect: an error status says why, the loop goes on, it reconnects once it works", async () => {
    // 3.4 closes the connection for good here; a credential source that is briefly unavailable should not
    const boom = new Error("vault unreachable");
    const { nc, st, fails } = await throwsFromNowOn(boom, 3, { name: "up-throws-then-works", maxReconnectAttempts: -1 });
    await st.waitForMatch((s) => s.type === "reconnect", 5000);
    assert.equal(fails(), 3);
    const errors = st.of("error").map((s) => s.error);
    assert.equal(errors.length, 3, "each failed attempt is reported");
    assert.ok(errors.every((e) => e === boom), `reported: ${errors.map(String).join(", ")}`);
    await nc.flush();
    assert.equal((await serverUser(srv, "up-throws-then-works"))?.authorized_user, "alice");
    await nc.close();
  });

  it("an authenticator that keeps throwing on reconnects: maxReconnectAttempts bounds it, closed() resolves to its error", async () => {
    const boom = new Error("credentials file is gone");
    const { nc, st, fails } = await throwsFromNowOn(boom, Infinity, { maxReconnectAttempts: 3 });
    const why = await within(nc.closed(), 5000, "closed()");
    assert.equal(why, boom);
    assert.equal(fails(), 3);
    assert.equal(st.of("error").filter((s) => s.error === boom).length, 3);
  });

  it("an array of authenticators is merged (later fields win)", async () => {
    const parts: Authenticator[] = [
      usernamePasswordAuthenticator("alice", "overridden"),
      // a partial result: only the password
      (() => ({ pass: "alice-pw-1" })) as unknown as Authenticator,
    ];
    const nc = await connect({ servers: srv.hostport, name: "up-array", authenticator: parts });
    await nc.flush();
    assert.equal((await serverUser(srv, "up-array"))?.authorized_user, "alice");
    await nc.close();

    // and the other way round, the wrong password last: refused
    const err = await rejection(connect({ servers: srv.hostport, authenticator: [parts[1], parts[0]] }));
    assertAuthError(err);
  });

  it("the user/pass options are merged with an authenticator", async () => {
    const nc = await connect({
      servers: srv.hostport,
      name: "up-merge",
      user: "alice",
      pass: "alice-pw-1",
      authenticator: () => ({ auth_token: "ignored-by-a-users-server" }),
    });
    await nc.flush();
    assert.equal((await serverUser(srv, "up-merge"))?.authorized_user, "alice");
    await nc.close();
  });

  it("an authenticator that is not a function is an InvalidArgumentError", async () => {
    const err = await rejection(connect({ servers: srv.hostport, authenticator: "alice" as unknown as Authenticator }));
    assert.ok(err instanceof InvalidArgumentError, inspect(err));
  });

  /**
   * Connected as alice with a password function whose password is then
   * rotated away, and made to reconnect: every attempt from here on is
   * refused (and counted in `wrongCalls()`).
   */
  async function refusedFromNowOn(opts: { maxReconnectAttempts: number; ignoreAuthErrorAbort?: boolean }) {
    let pw = "alice-pw-1";
    let wrong = 0;
    const { nc, st } = await aliceWith(() => {
      if (pw !== "alice-pw-1") wrong++;
      return pw;
    }, opts);
    pw = "rotated-away";
    await nc.reconnect();
    return { nc, st, wrongCalls: () => wrong };
  }

  it("two consecutive authorization errors stop reconnecting: closed() resolves to AuthorizationError", async () => {
    const { nc, st, wrongCalls } = await refusedFromNowOn({ maxReconnectAttempts: -1 });
    const why = await within(nc.closed(), 5000, "closed()");
    assertAuthError(why);
    assert.equal(wrongCalls(), 2, "exactly two attempts with the refused credentials");
    assert.equal(st.count("reconnecting"), 2);
    assert.equal(st.count("reconnect"), 0);
    const authErrors = st.events.filter((s) => s.type === "error" && (s as { error: Error }).error instanceof AuthorizationError);
    assert.equal(authErrors.length, 2, "each refusal is reported on status()");
  });

  it("ignoreAuthErrorAbort keeps trying (until maxReconnectAttempts)", async () => {
    const { nc, st, wrongCalls } = await refusedFromNowOn({ maxReconnectAttempts: 4, ignoreAuthErrorAbort: true });
    const why = await within(nc.closed(), 5000, "closed()");
    assertAuthError(why);
    assert.equal(wrongCalls(), 4, "kept trying past two auth errors, up to maxReconnectAttempts");
    assert.equal(st.count("reconnecting"), 4);
  });

  it("ignoreAuthErrorAbort: a credential fixed between attempts reconnects", async () => {
    let pw = "alice-pw-1";
    let wrongCalls = 0;
    const { nc, st } = await aliceWith(() => {
      if (pw === "alice-pw-1") return pw;
      // three refusals, then the right password again
      if (++wrongCalls === 3) pw = "alice-pw-1";
      return "rotated-away";
    }, { maxReconnectAttempts: -1, ignoreAuthErrorAbort: true });
    pw = "rotated-away";
    await nc.reconnect();
    await st.waitForMatch((s) => s.type === "reconnect", 5000);
    assert.equal(wrongCalls, 3);
    assert.equal(nc.isClosed(), false);
    await nc.close();
  });
});

describe("rotated credentials", () => {
  it("a password function picks up the new password after the server's config changes", async () => {
    const first = await NatsServer.start({ authorization: { user: "rot", password: "pw-one" } });
    const port = first.port;
    let second: NatsServer | undefined;
    try {
      let current = "pw-one";
      let calls = 0;
      const nc = await connect({
        servers: first.hostport,
        name: "rotating",
        ...QUICK,
        maxReconnectAttempts: -1,
        authenticator: usernamePasswordAuthenticator("rot", () => (calls++, current)),
      });
      const st = new StatusLog(nc);
      await first.stop();
      current = "pw-two";
      second = await NatsServer.start({ listen: `127.0.0.1:${port}`, authorization: { user: "rot", password: "pw-two" } });
      await st.waitForMatch((s) => s.type === "reconnect", 8000);
      await nc.flush();
      assert.equal(calls, 2);
      assert.equal((await serverUser(second, "rotating"))?.authorized_user, "rot");
      await nc.close();
    } finally {
      await first.stop();
      await second?.stop();
    }
  });
});

describe("token", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ authorization: { token: "t0ken-s3cret" } });
  });
  after(() => srv.stop());

  it("the right token connects", async () => {
    const nc = await connect({ servers: srv.hostport, token: "t0ken-s3cret" });
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    await nc.close();
  });

  it("a token in the server URL connects (nats://token@host)", async () => {
    const nc = await connect({ servers: `nats://t0ken-s3cret@${srv.hostport}` });
    await nc.flush();
    assert.equal(nc.getServers()[0]!.src, `nats://${srv.hostport}`);
    await nc.close();
  });

  it("a wrong token rejects with AuthorizationError", async () => {
    assertAuthError(await rejection(connect({ servers: srv.hostport, token: "wrong" })));
    assertAuthError(await rejection(connect({ servers: srv.hostport, authenticator: tokenAuthenticator("wrong") })));
  });

  it("tokenAuthenticator with a function: called again on reconnect", async () => {
    let calls = 0;
    const nc = await askedAgainOnReconnect(srv, tokenAuthenticator(() => (calls++, "t0ken-s3cret")), () => calls);
    await nc.close();
  });
});

describe("nkey users", () => {
  let srv: NatsServer;
  const user = nkeys.createUser();
  const other = nkeys.createUser();
  const seedText = new TextDecoder().decode(user.getSeed());
  const pub = user.getPublicKey();
  before(async () => {
    srv = await NatsServer.start({ authorization: { users: [{ nkey: pub }] } });
  });
  after(() => srv.stop());

  it("nkeyAuthenticator(seed) signs the nonce and connects as the nkey user", async () => {
    const nc = await connect({ servers: srv.hostport, name: "nk", authenticator: nkeyAuthenticator(te.encode(seedText)) });
    await nc.flush();
    assert.ok(nc.info?.nonce, "the server sent a nonce");
    assert.equal((await serverUser(srv, "nk"))?.authorized_user, pub);
    await nc.close();
  });

  it("a seed function is called on every connect", async () => {
    let calls = 0;
    const nc = await askedAgainOnReconnect(srv, nkeyAuthenticator(() => (calls++, te.encode(seedText))), () => calls);
    await nc.close();
  });

  it("connect() leaves the caller's seed bytes untouched", async () => {
    const seed = te.encode(seedText);
    const nc = await connect({ servers: srv.hostport, authenticator: nkeyAuthenticator(seed) });
    await nc.flush();
    await nc.close();
    assert.equal(new TextDecoder().decode(seed), seedText, "the caller's seed bytes were modified by connect()");
  });

  it("a seed given as bytes signs again on reconnect", async () => {
    const nc = await connect({
      servers: srv.hostport,
      ...QUICK,
      maxReconnectAttempts: 60,
      authenticator: nkeyAuthenticator(te.encode(seedText)),
    });
    assert.equal(await reconnectOutcome(nc, () => srv.restart()), "reconnected");
    await nc.close();
  });

  it("another user's seed is refused with AuthorizationError", async () => {
    const err = await rejection(connect({ servers: srv.hostport, authenticator: nkeyAuthenticator(other.getSeed()) }));
    assertAuthError(err);
  });

  it("a seed that is not a seed fails clearly, without the seed in the error", async () => {
    const bogus = "SUNOTAREALSEEDATALLNOTAREALSEEDATALLNOTAREALSEEDATALLNOTAREAL";
    const err = await rejection(connect({ servers: srv.hostport, authenticator: nkeyAuthenticator(te.encode(bogus)) }));
    const inner = err instanceof InvalidArgumentError ? err : (err as Error).cause;
    assert.ok(inner instanceof InvalidArgumentError, `expected an InvalidArgumentError (or one as cause): ${inspect(err)}`);
    assert.match((inner as Error).message, /seed/);
    assertNoSecret(err, [bogus], "bogus seed");
  });
});

describe("operator/JWT mode", () => {
  let env: JwtEnv;
  let srv: NatsServer;
  let alice: JwtUser;
  let bearer: JwtUser;
  let revoked: JwtUser;
  let expired: JwtUser;
  let limited: JwtUser;
  let observer: JwtUser;

  before(async () => {
    env = await JwtEnv.create();
    alice = await env.mintUser({ name: "alice" });
    bearer = await env.mintUser({ name: "bearer", bearer: true });
    revoked = await env.mintUser({ name: "revoked" });
    expired = await env.mintUser({ name: "expired", exp: Math.floor(Date.now() / 1000) - 60 });
    limited = await env.mintUser({
      name: "limited",
      pub: { deny: ["secret.>"] },
      sub: { deny: ["hidden.>"] },
    });
    observer = await env.mintUser({ name: "observer" });
    await env.revoke(revoked);
    srv = await NatsServer.start(env.config());
  });
  after(() => srv.stop());

  it("credsAuthenticator(creds file bytes) connects as the user of the account", async () => {
    const nc = await connect({
      servers: srv.hostport,
      name: "creds",
      authenticator: credsAuthenticator(readFileSync(alice.credsFile)),
    });
    await nc.flush();
    const c = await serverUser(srv, "creds");
    assert.equal(c?.authorized_user, alice.publicKey);
    assert.equal(c?.account, env.account.getPublicKey());
    await nc.close();
  });

  it("credsAuthenticator(function) reads the creds again on reconnect", async () => {
    let reads = 0;
    const nc = await askedAgainOnReconnect(srv, credsAuthenticator(() => (reads++, readFileSync(alice.credsFile))), () => reads);
    await nc.close();
  });

  it("jwtAuthenticator(jwt, seed) connects; so do functions for both", async () => {
    const nc = await connect({ servers: srv.hostport, name: "jwt", authenticator: jwtAuthenticator(alice.jwt, te.encode(alice.seed)) });
    await nc.flush();
    assert.equal((await serverUser(srv, "jwt"))?.authorized_user, alice.publicKey);
    await nc.close();

    let jwtCalls = 0;
    let seedCalls = 0;
    const nc2 = await connect({
      servers: srv.hostport,
      authenticator: jwtAuthenticator(() => (jwtCalls++, alice.jwt), () => (seedCalls++, te.encode(alice.seed))),
    });
    await nc2.flush();
    assert.equal(jwtCalls, 1);
    assert.equal(seedCalls, 1);
    await nc2.close();
  });

  it("jwtAuthenticator(jwt, seed bytes) signs again on reconnect", async () => {
    const nc = await connect({
      servers: srv.hostport,
      ...QUICK,
      maxReconnectAttempts: 60,
      authenticator: jwtAuthenticator(alice.jwt, te.encode(alice.seed)),
    });
    assert.equal(await reconnectOutcome(nc, () => srv.restart()), "reconnected");
    await nc.close();
  });

  it("a bearer JWT connects without a seed; a non-bearer JWT without a seed is refused", async () => {
    const nc = await connect({ servers: srv.hostport, name: "bearer", authenticator: jwtAuthenticator(bearer.jwt) });
    await nc.flush();
    assert.equal((await serverUser(srv, "bearer"))?.authorized_user, bearer.publicKey);
    await nc.close();
    assertAuthError(await rejection(connect({ servers: srv.hostport, authenticator: jwtAuthenticator(alice.jwt) })));
  });

  it("a JWT signed for by the wrong seed is refused", async () => {
    const err = await rejection(connect({ servers: srv.hostport, authenticator: jwtAuthenticator(alice.jwt, te.encode(observer.seed)) }));
    assertAuthError(err);
  });

  it("a revoked user is refused with AuthorizationError", async () => {
    assertAuthError(await rejection(connect({ servers: srv.hostport, authenticator: credsAuthenticator(revoked.creds) })));
  });

  it("an expired user JWT is refused with AuthorizationError", async () => {
    assertAuthError(await rejection(connect({ servers: srv.hostport, authenticator: credsAuthenticator(expired.creds) })));
  });

  it("a user JWT that expires while connected closes with UserAuthenticationExpiredError", async () => {
    // whole seconds: expires 2 to 3 s from now
    const shortLived = await env.mintUser({ name: "short", exp: Math.floor(Date.now() / 1000) + 3 });
    const nc = await connect({ servers: srv.hostport, reconnect: false, authenticator: credsAuthenticator(shortLived.creds) });
    const st = new StatusLog(nc);
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    const why = await within(nc.closed(), 6000, "closed() after the JWT expired");
    assert.ok(why instanceof UserAuthenticationExpiredError, `closed() resolved to ${inspect(why)}`);
    assert.equal(why.code, "NATS_USER_AUTH_EXPIRED");
    assert.match(why.message, /user authentication expired/i);
    await st.waitForMatch((s) => s.type === "error" && (s as { error: Error }).error instanceof UserAuthenticationExpiredError, 1000);
    assert.equal(nc.isClosed(), true);
  });

  it("a user JWT that expires with reconnect on: reconnecting stops after consecutive auth errors", async () => {
    const shortLived = await env.mintUser({ name: "short2", exp: Math.floor(Date.now() / 1000) + 3 });
    const nc = await connect({
      servers: srv.hostport,
      ...QUICK,
      maxReconnectAttempts: -1,
      authenticator: credsAuthenticator(shortLived.creds),
    });
    const st = new StatusLog(nc);
    const why = await within(nc.closed(), 7000, "closed() after the JWT expired");
    assert.ok(
      why instanceof AuthorizationError || why instanceof UserAuthenticationExpiredError,
      `closed() resolved to ${inspect(why)}`,
    );
    assert.ok(st.events.some((s) => s.type === "error" && (s as { error: Error }).error instanceof UserAuthenticationExpiredError));
    // nats-server checks `exp` in whole seconds, so within the expiring second it may still
    // accept (and at once expire) a reconnect; the end is two refusals in a row
    const types = st.events.map((s) => s.type);
    assert.equal(types[types.length - 1], "close");
    const lastErrors = st.events.filter((s) => s.type === "error").slice(-2).map((s) => (s as { error: Error }).error);
    assert.ok(lastErrors.every((e) => e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError));
    assert.equal(types.lastIndexOf("reconnect") < types.lastIndexOf("reconnecting"), true, "closed while still reconnecting");
  });

  it("per-user publish and subscribe permissions are enforced and reported", async () => {
    const nc = await connect({ servers: srv.hostport, authenticator: credsAuthenticator(limited.creds) });
    const obs = await connect({ servers: srv.hostport, authenticator: credsAuthenticator(observer.creds) });
    const st = new StatusLog(nc);
    let leaked = 0;
    let allowed = 0;
    obs.subscribe("secret.>", { callback: () => void leaked++ });
    obs.subscribe("open.>", { callback: () => void allowed++ });
    await obs.flush();

    nc.publish("secret.plans", "x");
    nc.publish("open.news", "y");
    await nc.flush();
    const perm = await st.waitForMatch((s) => s.type === "error" && (s as { error: Error }).error instanceof PermissionViolationError);
    const pe = (perm as unknown as { error: PermissionViolationError }).error;
    assert.equal(pe.operation, "publish");
    assert.equal(pe.subject, "secret.plans");
    await eventually(() => allowed === 1, 2000, "allowed publish delivered");
    await obs.flush();
    assert.equal(leaked, 0, "a denied publish reached a subscriber");

    const sub = nc.subscribe("hidden.things");
    const closedWith = await within(sub.closed, 3000, "denied subscription closed");
    assert.ok(closedWith instanceof PermissionViolationError, inspect(closedWith));
    assert.equal(closedWith.operation, "subscription");
    assert.equal(closedWith.subject, "hidden.things");
    // the connection stays up
    await nc.flush();
    assert.equal(nc.isClosed(), false);
    await nc.close();
    await obs.close();
  });

  describe("malformed creds files", () => {
    const jwtOf = () => alice.jwt;
    const seedOf = () => alice.seed;
    const cases: Array<[string, () => string]> = [
      ["empty", () => ""],
      ["no JWT block", () => formatCreds(jwtOf(), seedOf()).replace(/-----BEGIN NATS USER JWT-----[\s\S]*?------END NATS USER JWT------/, "")],
      ["no seed block", () => formatCreds(jwtOf(), seedOf()).replace(/-----BEGIN USER NKEY SEED-----[\s\S]*?------END USER NKEY SEED------/, "")],
      ["JWT block without its END line", () => formatCreds(jwtOf(), seedOf()).replace("------END NATS USER JWT------", "")],
      ["truncated in the seed block", () => {
        const full = formatCreds(jwtOf(), seedOf());
        return full.slice(0, full.indexOf(seedOf()) + 20);
      }],
      ["truncated in the JWT block", () => {
        const full = formatCreds(jwtOf(), seedOf());
        return full.slice(0, full.indexOf(jwtOf()) + 40);
      }],
      ["garbage seed", () => formatCreds(jwtOf(), "SUGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGE")],
      ["seed block holding text", () => formatCreds(jwtOf(), "not a seed " + seedOf().slice(2))],
      ["JWT with spaces", () => formatCreds(jwtOf().replace(".", " . "), seedOf())],
      ["JWT that is not a JWT", () => formatCreds("hello-world", seedOf())],
    ];

    for (const [what, make] of cases) {
      it(`${what}: InvalidArgumentError without the JWT or seed in it`, async () => {
        const text = make();
        const secrets = [alice.seed, alice.jwt, ...alice.jwt.split("."), alice.seed.slice(2, 30)];
        // the authenticator itself throws the InvalidArgumentError
        let thrown: unknown;
        try {
          credsAuthenticator(te.encode(text))("some-nonce");
        } catch (err) {
          thrown = err;
        }
        assert.ok(thrown instanceof InvalidArgumentError, `${what}: ${inspect(thrown)}`);
        assert.match((thrown as Error).message, /credentials|seed/);
        assertNoSecret(thrown, secrets, what);

        // connect() fails once, quickly, with that error (or with it as the cause)
        const err = await rejection(connect({ servers: srv.hostport, authenticator: credsAuthenticator(te.encode(text)) }), 3000);
        const inner = err instanceof InvalidArgumentError ? err : (err as Error).cause;
        assert.ok(inner instanceof InvalidArgumentError, `${what}: connect() rejected with ${inspect(err)}`);
        assert.ok(!(err instanceof AuthorizationError), "a local parse error is not the server's refusal");
        assertNoSecret(err, secrets, what);
      });
    }
  });
});

describe("auth errors: first connect", () => {
  it("a refused first connect is not retried: the authenticator runs once", async () => {
    const srv = await NatsServer.start({ authorization: { user: "u", password: "p" } });
    try {
      let calls = 0;
      const err = await rejection(
        connect({ servers: srv.hostport, authenticator: usernamePasswordAuthenticator("u", () => (calls++, "bad")) }),
      );
      assertAuthError(err);
      assert.equal(calls, 1);
      assert.ok(!(err instanceof ConnectionError));
    } finally {
      await srv.stop();
    }
  });
});
