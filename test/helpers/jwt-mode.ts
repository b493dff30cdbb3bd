/**
 * Operator/JWT ("decentralized") auth for nats-server, with every key and JWT
 * minted in the test by `@nats-io/nkeys` and `@nats-io/jwt`:
 *
 * ```ts
 * const env = await JwtEnv.create();
 * const alice = await env.mintUser({ name: "alice", pub: { deny: ["secret.>"] } });
 * const gone = await env.mintUser({ name: "gone" });
 * await env.revoke(gone);                 // before the server starts: it is in the preloaded account JWT
 * const srv = await NatsServer.start(env.config());
 * await connect({ servers: srv.hostport, authenticator: credsAuthenticator(readFileSync(alice.credsFile)) });
 * ```
 *
 * The config is `operator: <operator JWT>` (inline), `system_account`,
 * `resolver: MEMORY` and `resolver_preload` with the system and the test
 * account. Accounts get unlimited connections/subscriptions/payload (a limit
 * left out of an account JWT would be 0 for the server). The `.creds` files are
 * written in nsc's format into a temp dir removed when the process exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { decode, encodeAccount, encodeOperator, encodeUser, type Account, type Permission } from "@nats-io/jwt";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import type { ServerConfig } from "./nats-server.js";

const td = new TextDecoder();

/** A minted user: keys, JWT and a `.creds` file. */
export interface JwtUser {
  name: string;
  /** public key (`U...`) */
  publicKey: string;
  /** seed (`SU...`) as text */
  seed: string;
  jwt: string;
  /** the `.creds` file's contents */
  creds: Uint8Array;
  /** path of the `.creds` file */
  credsFile: string;
}

export interface MintOptions {
  name?: string;
  /** publish permissions */
  pub?: Partial<Permission>;
  /** subscribe permissions */
  sub?: Partial<Permission>;
  /** expiry, seconds since the epoch (`exp` claim) */
  exp?: number;
  /** a bearer token: the server does not ask for a nonce signature */
  bearer?: boolean;
}

/** The `.creds` format nsc writes: JWT block, the banner, seed block. */
export function formatCreds(jwt: string, seed: string): string {
  return `-----BEGIN NATS USER JWT-----
${jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------

*************************************************************
`;
}

const UNLIMITED: Account["limits"] = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

export class JwtEnv {
  readonly operator: KeyPair;
  readonly system: KeyPair;
  readonly account: KeyPair;
  operatorJwt = "";
  systemJwt = "";
  accountJwt = "";
  /** public key -> revocation time (seconds), as in the account JWT */
  readonly revocations: Record<string, number> = {};
  readonly dir: string;
  #n = 0;

  private constructor() {
    this.operator = createOperator();
    this.system = createAccount();
    this.account = createAccount();
    this.dir = mkdtempSync(path.join(os.tmpdir(), "quicknats-jwt-"));
    const dir = this.dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }

  /** An operator, a system account and one account, all signed. */
  static async create(): Promise<JwtEnv> {
    const env = new JwtEnv();
    env.operatorJwt = await encodeOperator("quicknats-operator", env.operator, {
      system_account: env.system.getPublicKey(),
    });
    env.systemJwt = await encodeAccount("SYS", env.system, { limits: UNLIMITED }, { signer: env.operator });
    await env.#signAccount();
    return env;
  }

  async #signAccount(): Promise<void> {
    const claims: Partial<Account> = { limits: UNLIMITED };
    if (Object.keys(this.revocations).length > 0) claims.revocations = { ...this.revocations };
    this.accountJwt = await encodeAccount("TEST", this.account, claims, { signer: this.operator });
  }

  /** The nats-server config entries for this operator; spread other settings next to it. */
  config(extra: ServerConfig = {}): ServerConfig {
    return {
      operator: this.operatorJwt,
      system_account: this.system.getPublicKey(),
      resolver: "MEMORY",
      resolver_preload: {
        [this.system.getPublicKey()]: this.systemJwt,
        [this.account.getPublicKey()]: this.accountJwt,
      },
      ...extra,
    };
  }

  /** A user of the test account, with optional permissions, expiry or bearer mode, and its `.creds` file. */
  async mintUser(opts: MintOptions = {}): Promise<JwtUser> {
    const kp = createUser();
    const name = opts.name ?? `user${++this.#n}`;
    const claims: Record<string, unknown> = {};
    if (opts.pub) claims.pub = opts.pub;
    if (opts.sub) claims.sub = opts.sub;
    if (opts.bearer) claims.bearer_token = true;
    const jwt = await encodeUser(name, kp, this.account, claims, opts.exp !== undefined ? { exp: opts.exp } : {});
    const seed = td.decode(kp.getSeed());
    const text = formatCreds(jwt, seed);
    const credsFile = path.join(this.dir, `${name}-${this.#n}-${kp.getPublicKey().slice(0, 8)}.creds`);
    writeFileSync(credsFile, text, { mode: 0o600 });
    return { name, publicKey: kp.getPublicKey(), seed, jwt, creds: new TextEncoder().encode(text), credsFile };
  }

  /**
   * Revokes the user's JWTs issued up to now (the account JWT's `revocations`).
   * Takes effect for servers started (or whose config is built) afterwards.
   */
  async revoke(user: JwtUser): Promise<void> {
    const iat = decode(user.jwt).iat;
    this.revocations[user.publicKey] = Math.max(iat, Math.floor(Date.now() / 1000));
    await this.#signAccount();
  }
}
