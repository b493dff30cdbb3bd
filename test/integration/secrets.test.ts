// No secret ever reaches a log or an error: with `debug: true`, every console
// line the client prints and every rendering of every error (message,
// String(), stack, JSON.stringify, util.inspect with hidden fields) from
// failed and successful authentications is searched for the passwords,
// tokens, seeds, JWTs and nonce signatures that were used.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  connect,
  credsAuthenticator,
  jwtAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
  nkeys,
  type Status,
  usernamePasswordAuthenticator,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { formatCreds, JwtEnv, type JwtUser } from "../helpers/jwt-mode.js";
import { captureConsole, renderings } from "../helpers/output.js";
import { within } from "../helpers/wait.js";

const te = new TextEncoder();
const td = new TextDecoder();

/** The nonce signatures a seed would make for the nonces seen, in base64 and base64url. */
function signatures(seed: string, nonces: string[]): string[] {
  const kp = nkeys.fromSeed(te.encode(seed));
  const out: string[] = [];
  for (const n of nonces) {
    const raw = Buffer.from(kp.sign(te.encode(n)));
    out.push(raw.toString("base64"), raw.toString("base64url"), raw.toString("base64").slice(0, 40));
  }
  return out;
}

/** The parts of a JWT that identify it (the header is the same for every JWT). */
function jwtParts(jwt: string): string[] {
  const [, payload, sig] = jwt.split(".");
  return [jwt, payload, sig, payload.slice(0, 40)];
}

describe("secrets stay out of debug output and errors", () => {
  let users: NatsServer;
  let tokens: NatsServer;
  let jwtSrv: NatsServer;
  let env: JwtEnv;
  let good: JwtUser;
  let revoked: JwtUser;
  const nkUser = nkeys.createUser();
  const nkSeed = td.decode(nkUser.getSeed());
  const strangerSeed = td.decode(nkeys.createUser().getSeed());

  const PASSWORD = "pw-Corr3ct-horse-battery";
  const WRONG_PASSWORD = "pw-Wr0ng-guess-staple";
  const TOKEN = "tk-Sup3r-secret-token-value";
  const WRONG_TOKEN = "tk-N0t-the-token-value";
  const GARBAGE_SEED = "SUGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGEGARBAGE";

  before(async () => {
    env = await JwtEnv.create();
    good = await env.mintUser({ name: "good" });
    revoked = await env.mintUser({ name: "revoked" });
    await env.revoke(revoked);
    [users, tokens, jwtSrv] = await Promise.all([
      NatsServer.start({ authorization: { users: [{ user: "alice", password: PASSWORD }, { nkey: nkUser.getPublicKey() }] } }),
      NatsServer.start({ authorization: { token: TOKEN } }),
      NatsServer.start(env.config()),
    ]);
  });
  after(async () => {
    await Promise.all([users?.stop(), tokens?.stop(), jwtSrv?.stop()]);
  });

  it("failed and successful authentications print and throw no secret", async () => {
    const errors: unknown[] = [];
    const statusEvents: Status[] = [];
    const expectFail = async (what: string, p: Promise<NatsConnection>): Promise<void> => {
      try {
        const nc = await within(p, 5000, what);
        await nc.close();
        assert.fail(`${what}: connected`);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        errors.push(err, (err as Error).cause);
      }
    };
    const expectOk = async (what: string, p: Promise<NatsConnection>): Promise<void> => {
      const nc = await within(p, 5000, what);
      await nc.flush();
      await nc.close();
    };
    const debug = { debug: true } as const;

    const { all: lines } = await captureConsole(async () => {
      // user/password
      await expectOk("right password", connect({ servers: users.hostport, user: "alice", pass: PASSWORD, ...debug }));
      await expectFail("wrong password", connect({ servers: users.hostport, user: "alice", pass: WRONG_PASSWORD, ...debug }));
      // token
      await expectOk("right token", connect({ servers: tokens.hostport, token: TOKEN, ...debug }));
      await expectFail("wrong token", connect({ servers: tokens.hostport, token: WRONG_TOKEN, ...debug }));
      // nkeys
      await expectOk("right nkey", connect({ servers: users.hostport, authenticator: nkeyAuthenticator(te.encode(nkSeed)), ...debug }));
      await expectFail("wrong nkey", connect({ servers: users.hostport, authenticator: nkeyAuthenticator(te.encode(strangerSeed)), ...debug }));
      await expectFail("garbage nkey", connect({ servers: users.hostport, authenticator: nkeyAuthenticator(te.encode(GARBAGE_SEED)), ...debug }));
      // JWTs and creds
      await expectOk("good creds", connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(good.creds), ...debug }));
      await expectFail("revoked creds", connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(revoked.creds), ...debug }));
      await expectFail("revoked jwt", connect({ servers: jwtSrv.hostport, authenticator: jwtAuthenticator(revoked.jwt, te.encode(revoked.seed)), ...debug }));
      await expectFail("bad creds: garbage seed", connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(te.encode(formatCreds(good.jwt, GARBAGE_SEED))), ...debug }));
      await expectFail("bad creds: no seed block", connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(te.encode(formatCreds(good.jwt, "").replace(/-----BEGIN USER NKEY SEED-----[\s\S]*$/, ""))), ...debug }));
      await expectFail("bad creds: JWT with spaces", connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(te.encode(formatCreds(good.jwt.replace(".", " . "), good.seed))), ...debug }));

      // refused while reconnecting: errors on status() and the close reason
      let pw = PASSWORD;
      const nc = await connect({
        servers: users.hostport,
        authenticator: usernamePasswordAuthenticator("alice", () => pw),
        reconnectTimeWait: 50,
        reconnectJitter: 0,
        ...debug,
      });
      const collecting = (async () => {
        for await (const s of nc.status()) statusEvents.push(s);
      })();
      pw = WRONG_PASSWORD;
      await nc.reconnect();
      errors.push(await within(nc.closed(), 5000, "closed() after refused reconnects"));
      await within(collecting, 2000, "status iterator ends");
    });

    // the capture worked: the trace is there, with credentials replaced
    const connects = lines.filter((l) => l.includes("> CONNECT"));
    assert.ok(connects.length >= 12, `expected a CONNECT line per attempt, got ${connects.length}`);
    assert.ok(connects.some((l) => l.includes('"pass":"[REDACTED]"')), "no redacted pass in the trace");
    assert.ok(connects.some((l) => l.includes('"auth_token":"[REDACTED]"')), "no redacted token in the trace");
    assert.ok(connects.some((l) => l.includes('"jwt":"[REDACTED]"')), "no redacted jwt in the trace");
    assert.ok(connects.some((l) => l.includes('"sig":"[REDACTED]"')), "no redacted sig in the trace");
    const nonces = lines
      .map((l) => /< INFO (\{.*\})/.exec(l)?.[1])
      .filter((j): j is string => j !== undefined)
      .map((j) => JSON.parse(j).nonce as string | undefined)
      .filter((n): n is string => typeof n === "string");
    assert.ok(nonces.length >= 5, `the nkey and JWT servers send nonces; saw ${nonces.length}`);
    const statusErrors = statusEvents.filter((s) => s.type === "error").map((s) => (s as { error: Error }).error);
    assert.ok(statusErrors.length >= 2, "refused reconnects were reported on status()");
    assert.ok(errors.filter((e) => e !== undefined).length >= 9, "the failures were collected");

    const secrets = [
      PASSWORD,
      WRONG_PASSWORD,
      TOKEN,
      WRONG_TOKEN,
      nkSeed,
      strangerSeed,
      GARBAGE_SEED,
      good.seed,
      revoked.seed,
      ...jwtParts(good.jwt),
      ...jwtParts(revoked.jwt),
      ...signatures(nkSeed, nonces),
      ...signatures(strangerSeed, nonces),
      ...signatures(good.seed, nonces),
      ...signatures(revoked.seed, nonces),
    ];
    const texts = [
      ...lines.map((l) => ["console", l] as const),
      ...[...errors, ...statusErrors].filter((e) => e !== undefined).flatMap((e) => renderings(e).map((r) => ["error", r] as const)),
      ...statusEvents.map((s) => ["status", inspect(s, { depth: 5, showHidden: true })] as const),
    ];
    for (const [where, text] of texts) {
      for (const s of secrets) {
        assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}...) appears in ${where} output: ${text.slice(0, 400)}`);
      }
    }
  });

  it("an inspected connection shows no credentials", async () => {
    const nc = await connect({ servers: users.hostport, user: "alice", pass: PASSWORD });
    const nk = await connect({ servers: users.hostport, authenticator: nkeyAuthenticator(te.encode(nkSeed)) });
    const jc = await connect({ servers: jwtSrv.hostport, authenticator: credsAuthenticator(good.creds) });
    try {
      for (const c of [nc, nk, jc]) {
        const text = inspect(c, { depth: 8, showHidden: true });
        for (const s of [PASSWORD, nkSeed, good.seed, good.jwt]) {
          assert.ok(!text.includes(s), `inspect(nc) shows a secret (${s.slice(0, 6)}...)`);
        }
      }
    } finally {
      await Promise.all([nc.close(), nk.close(), jc.close()]);
    }
  });
});
