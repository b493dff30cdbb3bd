/**
 * The connection flags every command shares, as in the Go `nats` tool, and
 * the one place that turns them into `connect()` options.
 */
import { readFileSync } from "node:fs";
import {
  type Authenticator,
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
  type PublishOptions,
} from "@quicknats/node";
import { duration, type Flags, str, type Values } from "./args.js";
import { type CliError, describeError, UsageError } from "./errors.js";
import { onInterrupt } from "./io.js";
import { VERSION } from "./version.js";

export const DEFAULT_SERVER = "127.0.0.1:4222";
/** `nats` waits 5 s for connections and responses. */
export const DEFAULT_TIMEOUT_MS = 5000;

export const CONNECTION_FLAGS: Flags = {
  server: {
    type: "string",
    short: "s",
    arg: "URLS",
    help: `NATS server URLs, comma separated (default $NATS_URL or ${DEFAULT_SERVER})`,
  },
  user: { type: "string", arg: "USER", help: "Username (default $NATS_USER)" },
  password: { type: "string", arg: "PASSWORD", help: "Password (default $NATS_PASSWORD)" },
  token: { type: "string", arg: "TOKEN", help: "Authentication token (default $NATS_TOKEN)" },
  creds: { type: "string", arg: "FILE", help: "User credentials file (JWT + NKey seed)" },
  nkey: { type: "string", arg: "FILE", help: "User NKey seed file" },
  tlsca: { type: "string", arg: "FILE", help: "CA certificates to verify the server with" },
  tlscert: { type: "string", arg: "FILE", help: "Client certificate for TLS" },
  tlskey: { type: "string", arg: "FILE", help: "Private key of the client certificate" },
  tlsfirst: { type: "boolean", help: "Start the TLS handshake before the server's INFO (server option handshake_first)" },
  timeout: {
    type: "string",
    arg: "DURATION",
    help: `Time to wait for the connection and for responses (default ${DEFAULT_TIMEOUT_MS / 1000}s)`,
  },
  name: { type: "string", arg: "NAME", help: "Connection name shown by the server's monitoring" },
};

/** The connection settings of one command line. */
export interface ConnectionSettings {
  /** for `connect()` */
  options: NodeConnectionOptions;
  /** the servers for messages: credentials removed */
  shown: string;
  /** --timeout in ms: connect timeout and request timeout */
  timeout: number;
  debug: boolean;
}

interface Credentials {
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * Splits `nats://user:pass@host:4222` into the server and its credentials
 * (`nats://token@host` carries a token), as the Go client reads such URLs;
 * the library itself wants them as options.
 */
function splitCredentials(url: string, creds: Credentials): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^@/]*)@(.+)$/i.exec(url);
  if (!m) return url;
  const info = m[2];
  const i = info.indexOf(":");
  if (i >= 0) {
    creds.user ??= decodeURIComponent(info.slice(0, i));
    creds.pass ??= decodeURIComponent(info.slice(i + 1));
  } else if (info !== "") {
    creds.token ??= decodeURIComponent(info);
  }
  return `${m[1] ?? ""}${m[3]}`;
}

/** Reads a file named by a flag; a missing or unreadable file is a usage error. */
function readFlagFile(command: string, flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "ENOENT" ? "no such file" : e.code === "EACCES" ? "permission denied" : e.message;
    throw new UsageError(`cannot read the --${flag} file '${file}': ${why}`, command);
  }
}

/**
 * Checks an authenticator once, without a nonce, so that a malformed creds
 * or seed file is reported before connecting. The library's messages name
 * the problem, never the secret.
 */
function checkAuthenticator(command: string, flag: string, file: string, auth: Authenticator): void {
  try {
    auth(undefined);
  } catch (err) {
    throw new UsageError(`the --${flag} file '${file}' is not valid: ${(err as Error).message}`, command);
  }
}

/** Builds the connection settings from the flags and the environment. */
export function connectionSettings(
  command: string,
  values: Values,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSettings {
  const timeout = duration(command, values, "timeout", DEFAULT_TIMEOUT_MS);
  if (timeout <= 0) throw new UsageError("--timeout must be more than 0", command);

  const given = str(values, "server") ?? env.NATS_URL ?? DEFAULT_SERVER;
  const urlCreds: Credentials = {};
  const servers = given.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => splitCredentials(s, urlCreds));
  if (servers.length === 0) throw new UsageError("--server needs at least one URL", command);

  const user = str(values, "user") ?? env.NATS_USER ?? urlCreds.user;
  const pass = str(values, "password") ?? env.NATS_PASSWORD ?? urlCreds.pass;
  const token = str(values, "token") ?? env.NATS_TOKEN ?? urlCreds.token;
  if (pass !== undefined && user === undefined) {
    throw new UsageError("--password needs --user", command);
  }

  const options: NodeConnectionOptions = {
    servers,
    timeout,
    name: str(values, "name") ?? `quicknats CLI ${VERSION}`,
    // keep the order given, as the user expects when reading an error about the first URL
    noRandomize: true,
  };
  if (user !== undefined) options.user = user;
  if (pass !== undefined) options.pass = pass;
  if (token !== undefined) options.token = token;

  const authenticators: Authenticator[] = [];
  const credsFile = str(values, "creds");
  if (credsFile !== undefined) {
    const auth = credsAuthenticator(readFlagFile(command, "creds", credsFile));
    checkAuthenticator(command, "creds", credsFile, auth);
    authenticators.push(auth);
  }
  const nkeyFile = str(values, "nkey");
  if (nkeyFile !== undefined) {
    // a seed file holds the seed (SU...), possibly with a trailing newline
    const seed = new TextEncoder().encode(readFlagFile(command, "nkey", nkeyFile).toString("utf8").trim());
    // a copy per call: the library wipes the seed it is given after signing,
    // and the authenticator runs again on every reconnect
    const auth = nkeyAuthenticator(() => seed.slice());
    checkAuthenticator(command, "nkey", nkeyFile, auth);
    authenticators.push(auth);
  }
  if (authenticators.length > 0) options.authenticator = authenticators;

  const tlsca = str(values, "tlsca");
  const tlscert = str(values, "tlscert");
  const tlskey = str(values, "tlskey");
  if ((tlscert === undefined) !== (tlskey === undefined)) {
    throw new UsageError("--tlscert and --tlskey go together", command);
  }
  if (tlsca !== undefined || tlscert !== undefined || values.tlsfirst === true) {
    const tls: NonNullable<NodeConnectionOptions["tls"]> = {};
    if (tlsca !== undefined) tls.caFile = tlsca;
    if (tlscert !== undefined) tls.certFile = tlscert;
    if (tlskey !== undefined) tls.keyFile = tlskey;
    if (values.tlsfirst === true) tls.handshakeFirst = true;
    options.tls = tls;
  }

  const debug = values.debug === true;
  // the library's protocol trace goes to stderr: stdout is for data
  if (debug) options.debug = (line) => process.stderr.write(`[quicknats] ${line}\n`);
  return { options, shown: servers.join(", "), timeout, debug };
}

/** How a command's connection behaves when the server goes away. */
export interface ConnectOptions {
  /** the connection name, if not the --name one */
  name?: string;
  /**
   * Long-running commands (sub, reply) reconnect for ever and say so on
   * stderr, as `nats sub` does; one-shot commands fail at once.
   */
  reconnect?: boolean;
}

/** Connects, turning a failure into a message that names the servers. */
export async function openConnection(settings: ConnectionSettings, how: ConnectOptions = {}): Promise<NatsConnection> {
  if (settings.debug) {
    const o = settings.options;
    const auth = [
      o.user !== undefined ? `user "${o.user}"` : "",
      o.pass !== undefined ? "password set" : "",
      o.token !== undefined ? "token set" : "",
      o.authenticator !== undefined ? "creds/nkey set" : "",
      o.tls ? "TLS" : "",
    ].filter((s) => s !== "").join(", ");
    process.stderr.write(`[quicknats] connecting to ${settings.shown}${auth ? ` (${auth})` : ""}\n`);
  }
  const options: NodeConnectionOptions = {
    ...settings.options,
    ...(how.reconnect ? { reconnect: true, maxReconnectAttempts: -1 } : { reconnect: false }),
  };
  if (how.name !== undefined) options.name = how.name;
  let nc: NatsConnection;
  try {
    nc = await connect(options);
  } catch (err) {
    throw describeError(err, { phase: "connect", servers: settings.shown, timeout: settings.timeout });
  }
  if (how.reconnect) void reportReconnects(nc);
  return nc;
}

/** Disconnects and reconnects of a long-running command, on stderr. */
async function reportReconnects(nc: NatsConnection): Promise<void> {
  for await (const s of nc.status()) {
    switch (s.type) {
      case "disconnect":
        process.stderr.write(`quicknats: disconnected from ${s.server}; reconnecting\n`);
        break;
      case "reconnect":
        process.stderr.write(`quicknats: reconnected to ${s.server}\n`);
        break;
      case "ldm":
        process.stderr.write(`quicknats: ${s.server} is entering lame duck mode\n`);
        break;
      case "slowConsumer":
        process.stderr.write(`quicknats: slow consumer: ${s.pending} messages wait on "${s.sub.getSubject()}"\n`);
        break;
    }
  }
}

/**
 * Why the connection ended, as a CliError, or undefined when it was closed
 * on purpose.
 */
async function closeReason(nc: NatsConnection, settings: ConnectionSettings): Promise<CliError | undefined> {
  if (!nc.isClosed()) return undefined;
  const err = await nc.closed();
  return err ? describeError(err, { phase: "run", servers: settings.shown }) : undefined;
}

/**
 * Runs a command that serves until it is done (`sub`, `reply`): `body` reads
 * its subscription to the end, which comes with --count, with Ctrl-C or
 * SIGTERM (they drain the connection; `draining()` then says so), or when
 * the connection is lost. Resolves to exit code 0 once drained; a failure or
 * a lost connection is thrown as a CliError.
 */
export async function serve(
  nc: NatsConnection,
  settings: ConnectionSettings,
  subject: string,
  body: (draining: () => boolean) => Promise<void>,
): Promise<number> {
  let draining: Promise<void> | undefined;
  const drain = (): Promise<void> => (draining ??= nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => {}));
  const removeHandlers = onInterrupt(() => void drain());
  try {
    await body(() => draining !== undefined);
  } catch (err) {
    if (!nc.isClosed()) await nc.close();
    throw describeError(err, { phase: "run", servers: settings.shown, subject });
  } finally {
    removeHandlers();
  }
  const lost = draining === undefined ? await closeReason(nc, settings) : undefined;
  if (lost) throw lost;
  await drain();
  return 0;
}

/**
 * Remembers the first error the server reports as a status event: a refused
 * publish (permissions) is reported only that way, after the fact.
 */
export function watchServerErrors(nc: NatsConnection): () => Error | undefined {
  let first: Error | undefined;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "error" && first === undefined) first = s.error;
    }
  })();
  return () => first;
}

/**
 * Publishes, waiting for `ready()` once when the outbound queue is full
 * (publish() throws then) and trying again.
 */
export async function publishWhenReady(nc: NatsConnection, subject: string, payload: Uint8Array, opts: PublishOptions): Promise<void> {
  try {
    nc.publish(subject, payload, opts);
  } catch (err) {
    if (nc.isClosed()) throw err;
    await nc.ready();
    nc.publish(subject, payload, opts);
  }
}
