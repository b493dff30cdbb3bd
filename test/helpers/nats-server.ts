/**
 * Starts and stops real nats-server processes for integration tests.
 *
 * ```ts
 * const srv = await NatsServer.start({ authorization: { token: "s3cret" } });
 * t.after(() => srv.stop());
 * // srv.url === "nats://127.0.0.1:PORT"; srv.kill(), srv.restart(), srv.pause()...
 * ```
 *
 * JetStream: `{ jetstream: true }` (or a `jetstream` map without `store_dir`)
 * stores in a fresh dir inside the server's temp dir, kept across `kill()`
 * and `restart()`.
 *
 * Ports: the server picks them itself (`listen: 127.0.0.1:-1`, `http: 127.0.0.1:-1`,
 * `websocket.listen: 127.0.0.1:-1`) and reports them in `<exe>_<pid>.ports`
 * (`ports_file_dir`), so there is no pick-then-bind race. nats-server writes that
 * file only once every configured listener is up (`Server.PortsInfo`), which makes
 * it the readiness signal; a TCP connect to the client port confirms it.
 * `restart()` writes the assigned ports into the config so they stay the same.
 * Routes are the exception: each node must know the others' cluster ports up
 * front, so `startCluster()` reserves them by binding port 0 and closing.
 *
 * Every started process is tracked and SIGKILLed when the test process exits,
 * so a failing test cannot leak servers. `NATS_SERVER` selects the binary;
 * `NATS_SERVER_DEBUG=1` turns on `-DV` and copies the server log to stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canConnect, reservePorts } from "./ports.js";

/**
 * nats-server configuration as an object: nested objects become maps `{}`, arrays
 * `[]`, strings are quoted and escaped, numbers and booleans are bare. A key
 * whose value is `undefined` is left out, so `{ http: undefined }` turns the
 * default monitoring port off. Sizes must be numbers (2.9 rejects `"1MB"` quoted);
 * durations are strings (`"2s"`).
 */
export interface ServerConfig {
  [key: string]: unknown;
}

export interface StartOptions {
  /** Run with `-DV` and copy the server log to stderr. Default: `NATS_SERVER_DEBUG=1`. */
  debug?: boolean;
  /** How long to wait for the server to come up. Default 10 000 ms. */
  timeoutMs?: number;
}

/** JSON from a monitoring endpoint (`/varz`, `/connz`, `/routez`...). */
export type Monitor = Record<string, any>;

const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000; // SIGTERM -> SIGKILL; nats-server exits in ~1 ms on SIGTERM
const EXIT_TIMEOUT_MS = 5_000; // after SIGKILL
const HTTP_TIMEOUT_MS = 5_000;
const POLL_MS = 20;
const STDERR_TAIL_CHARS = 16_384;
const BIND_RETRIES = 3; // restart/cluster: reused or reserved port grabbed meanwhile

interface Ports {
  host: string;
  nats: number;
  monitoring?: number;
  cluster?: number;
  websocket?: number;
}

/** Everything not yet stopped, for the exit hook. */
const live = new Set<NatsServer>();
let hooksInstalled = false;
let binary: string | undefined;

/** A nats-server process (and, after `restart()`, its successors on the same ports). */
export class NatsServer {
  /** Temp dir holding the config and ports file; removed by `stop()`. */
  readonly dir: string;
  /** The generated config file. */
  readonly configFile: string;
  readonly #config: ServerConfig;
  readonly #debug: boolean;
  readonly #timeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #running = false;
  #paused = false;
  #ports: Ports | undefined;
  #output = "";
  #stopping: Promise<void> | undefined;

  private constructor(config: ServerConfig, dir: string, opts: StartOptions) {
    this.dir = dir;
    this.configFile = path.join(dir, "nats-server.conf");
    this.#config = config;
    this.#debug = opts.debug ?? process.env.NATS_SERVER_DEBUG === "1";
    this.#timeoutMs = opts.timeoutMs ?? START_TIMEOUT_MS;
  }

  /**
   * Starts a server on 127.0.0.1 with free client and monitoring ports and waits
   * until it accepts connections. Keys in `config` override the defaults
   * (`listen`, `http`); `ports_file_dir` is always ours.
   */
  static async start(config: ServerConfig = {}, opts: StartOptions = {}): Promise<NatsServer> {
    const bin = natsServerBinary();
    installExitHooks();
    const dir = mkdtempSync(path.join(os.tmpdir(), "quicknats-test-"));
    const defaults: ServerConfig = { http: "127.0.0.1:-1" };
    if (!("port" in config) && !("host" in config) && !("net" in config)) defaults.listen = "127.0.0.1:-1";
    const srv = new NatsServer({ ...defaults, ...withStoreDir(config, dir), ports_file_dir: dir }, dir, opts);
    live.add(srv);
    try {
      await srv.#launch(bin, srv.#config);
    } catch (err) {
      live.delete(srv);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return srv;
  }

  /** Pid of the current (or last) process. */
  get pid(): number {
    return this.#child?.pid ?? -1;
  }
  /** True from spawn until the process exits. */
  get running(): boolean {
    return this.#running;
  }
  get port(): number {
    return this.#portsOrThrow().nats;
  }
  /** `"127.0.0.1:PORT"` */
  get hostport(): string {
    return `${this.#portsOrThrow().host}:${this.port}`;
  }
  /** `"nats://127.0.0.1:PORT"` */
  get url(): string {
    return `nats://${this.hostport}`;
  }
  get monitorPort(): number | undefined {
    return this.#ports?.monitoring;
  }
  get clusterPort(): number | undefined {
    return this.#ports?.cluster;
  }
  get websocketPort(): number | undefined {
    return this.#ports?.websocket;
  }
  /** `"ws://127.0.0.1:PORT"` if websocket is configured. */
  get websocketUrl(): string | undefined {
    const p = this.#ports;
    return p?.websocket === undefined ? undefined : `ws://${p.host}:${p.websocket}`;
  }
  /** The last 16 KiB of the server's log (stderr), for assertion messages. */
  get output(): string {
    return this.#output;
  }

  /** SIGTERM, then SIGKILL after 5 s; waits for exit and removes the temp dir. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** SIGKILL (a crash) and wait for exit. Keeps the temp dir, so `restart()` finds e.g. JetStream data. */
  async kill(): Promise<void> {
    if (!this.#running) return;
    this.#signal("SIGKILL");
    await this.#waitExit(EXIT_TIMEOUT_MS, "SIGKILL");
  }

  /**
   * SIGSTOP: the server keeps its sockets but answers nothing. Resolves once every
   * thread is stopped: kill(2) returns before a busy Go thread on the other core
   * has stopped, and in that gap it can still answer a PING.
   */
  async pause(): Promise<void> {
    this.#assertRunning("pause");
    this.#signal("SIGSTOP");
    this.#paused = true;
    const pid = this.pid;
    for (let i = 0; i < 200; i++) {
      if (!this.#running || allThreadsStopped(pid)) return;
      await sleep(5);
    }
    throw new Error(`nats-server ${pid}: not stopped 1 s after SIGSTOP`);
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    this.#assertRunning("resume");
    this.#signal("SIGCONT");
    this.#paused = false;
  }

  /**
   * Lame duck mode (SIGUSR2, what `nats-server --signal ldm=<pid>` sends): clients
   * get `INFO {"ldm":true}` at once; after `lame_duck_grace_period` (default 10 s)
   * they are closed over `lame_duck_duration` and the process exits by itself.
   */
  lameDuck(): void {
    this.#assertRunning("lameDuck");
    this.#signal("SIGUSR2");
  }

  /**
   * Stops the server if it is running (or was killed) and starts it again with
   * the same config on the same client, monitoring, cluster and websocket ports.
   * Returns this server, now with a new pid.
   */
  async restart(): Promise<NatsServer> {
    const ports = this.#portsOrThrow();
    if (this.#running) await this.#terminate();
    this.#stopping = undefined;
    live.add(this);
    mkdirSync(this.dir, { recursive: true });
    await this.#launch(natsServerBinary(), pinPorts(this.#config, ports));
    return this;
  }

  /** GET `http://127.0.0.1:<monitorPort>/<endpoint>` and parse the JSON. */
  async monitor(endpoint: string, query: Record<string, string | number | boolean> = {}): Promise<Monitor> {
    const p = this.#portsOrThrow();
    if (p.monitoring === undefined) {
      throw new Error(`nats-server ${this.pid}: monitoring is off (config has no "http"); cannot GET /${endpoint}`);
    }
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const url = `http://${p.host}:${p.monitoring}/${endpoint.replace(/^\//, "")}${qs ? `?${qs}` : ""}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Monitor;
  }

  varz(): Promise<Monitor> {
    return this.monitor("varz");
  }
  /** `connz({ subs: true })` lists each connection's subscriptions. */
  connz(query?: Record<string, string | number | boolean>): Promise<Monitor> {
    return this.monitor("connz", query);
  }
  routez(): Promise<Monitor> {
    return this.monitor("routez");
  }

  async #launch(bin: string, config: ServerConfig): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#spawnAndWait(bin, config);
        return;
      } catch (err) {
        // Reused (restart) or reserved (cluster) ports can be taken in between by
        // another test's ephemeral socket; a brief retry usually gets them back.
        if (!isAddrInUse(err) || attempt >= BIND_RETRIES) throw err;
        await sleep(200 * attempt);
      }
    }
  }

  async #spawnAndWait(bin: string, config: ServerConfig): Promise<void> {
    writeFileSync(this.configFile, toConf(config));
    this.#output = "";
    this.#paused = false;
    const args = ["-c", this.configFile];
    if (this.#debug) args.push("-DV");
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    this.#running = true;
    let spawnError: Error | undefined;
    this.#exited = new Promise<void>((resolve) => {
      child.once("error", (err) => {
        spawnError = err;
        this.#running = false;
        resolve();
      });
      child.once("exit", () => {
        this.#running = false;
        resolve();
      });
    });
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      this.#output = (this.#output + text).slice(-STDERR_TAIL_CHARS);
      if (this.#debug) process.stderr.write(text);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    // The exit hook, not these handles, decides when servers die: a test that
    // forgets stop() must still let its process end.
    child.unref();
    (child.stdout as net.Socket | null)?.unref();
    (child.stderr as net.Socket | null)?.unref();

    const deadline = Date.now() + this.#timeoutMs;
    let why = "no ports file yet";
    for (let i = 0; Date.now() < deadline && i < this.#timeoutMs / POLL_MS + 1; i++) {
      if (!this.#running) {
        await sleep(50); // let the last stderr chunk arrive
        throw this.#startError(spawnError ? `could not run ${bin}: ${spawnError.message}` : `exited during startup (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      const ports = child.pid === undefined ? undefined : readPortsFile(this.dir, child.pid);
      if (ports) {
        if (await canConnect(ports.host, ports.nats, 500)) {
          this.#ports = ports;
          return;
        }
        why = `ports file says ${ports.host}:${ports.nats} but connect fails`;
      }
      await sleep(POLL_MS);
    }
    this.#signal("SIGKILL");
    await this.#waitExit(EXIT_TIMEOUT_MS, "SIGKILL"); // not `await this.#exited`: the child is unref'd
    throw this.#startError(`not ready after ${this.#timeoutMs} ms (${why})`);
  }

  #startError(what: string): Error {
    const err = new Error(
      `nats-server ${what}\nconfig ${this.configFile}:\n${safeRead(this.configFile)}\n--- server output (tail) ---\n${this.#output || "(none)"}`,
    );
    if (/address already in use/i.test(this.#output)) (err as NodeJS.ErrnoException).code = "EADDRINUSE";
    return err;
  }

  async #stop(): Promise<void> {
    if (this.#running) await this.#terminate();
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #terminate(): Promise<void> {
    this.#signal("SIGTERM");
    if (this.#paused) this.#signal("SIGCONT"); // a stopped process only sees SIGTERM once continued
    if (await this.#waitExit(STOP_GRACE_MS)) return;
    this.#signal("SIGKILL");
    await this.#waitExit(EXIT_TIMEOUT_MS, "SIGTERM and SIGKILL");
  }

  /** Resolves true on exit, false on timeout; throws on timeout if `what` is given. */
  async #waitExit(ms: number, what?: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, ms, false); // ref'd: keeps the event loop alive while we wait
    });
    const ok = await Promise.race([this.#exited.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!ok && what) throw new Error(`nats-server ${this.pid} did not exit within ${ms} ms of ${what}`);
    return ok;
  }

  #signal(sig: NodeJS.Signals): void {
    if (!this.#running || this.#child?.pid === undefined) return;
    try {
      process.kill(this.#child.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }

  #assertRunning(what: string): void {
    if (!this.#running) throw new Error(`nats-server ${this.pid}: ${what}() on a server that is not running`);
  }

  #portsOrThrow(): Ports {
    if (!this.#ports) throw new Error("nats-server has not started");
    return this.#ports;
  }

  /** @internal For the exit hook: SIGKILL everything still tracked and remove its temp dirs. */
  static killAllSync(): void {
    for (const srv of live) {
      srv.#signal("SIGKILL");
      rmSync(srv.dir, { recursive: true, force: true });
    }
    live.clear();
  }
}

/**
 * `jetstream: true`, or a `jetstream` map without `store_dir`, gets a fresh
 * store dir inside the server's temp dir: it survives `kill()` and
 * `restart()` and goes with `stop()` (nats-server's default, /tmp/nats, would
 * be shared by every test).
 */
function withStoreDir(config: ServerConfig, dir: string): ServerConfig {
  const js = config.jetstream;
  if (js === true || (isPlainObject(js) && !("store_dir" in js))) {
    return { ...config, jetstream: { ...(js === true ? {} : js), store_dir: path.join(dir, "jetstream") } };
  }
  return config;
}

/**
 * Starts `n` routed servers on 127.0.0.1 (each routes to all the others) and
 * waits until every node has `n - 1` routes. `config` applies to every node; its
 * `cluster` map is merged with the generated name, listen and routes.
 */
export async function startCluster(n: number, config: ServerConfig = {}, opts: StartOptions = {}): Promise<NatsServer[]> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`startCluster: n must be a positive integer, got ${n}`);
  const extra = (config.cluster ?? {}) as ServerConfig;
  const name = (extra.name as string | undefined) ?? `quicknats-${randomBytes(4).toString("hex")}`;
  for (let attempt = 1; ; attempt++) {
    const ports = await reservePorts(n);
    const results = await Promise.allSettled(
      ports.map((port) =>
        NatsServer.start(
          {
            ...config,
            cluster: {
              ...extra,
              name,
              listen: `127.0.0.1:${port}`,
              routes: ports.filter((p) => p !== port).map((p) => `nats-route://127.0.0.1:${p}`),
            },
          },
          opts,
        ),
      ),
    );
    const servers = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failed.length === 0) {
      try {
        await waitForRoutes(servers, opts.timeoutMs ?? START_TIMEOUT_MS);
        return servers;
      } catch (err) {
        await stopAll(servers);
        throw err;
      }
    }
    await stopAll(servers);
    if (attempt >= BIND_RETRIES || !failed.every(isAddrInUse)) throw failed[0];
  }
}

/**
 * Waits until each server reports `servers.length - 1` routes in `/routez`, e.g.
 * after restarting a cluster node. Needs monitoring (on by default).
 */
export async function waitForRoutes(servers: NatsServer[], timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const want = servers.length - 1;
  const deadline = Date.now() + timeoutMs;
  let counts: number[] = [];
  for (let i = 0; Date.now() < deadline && i < timeoutMs / 50 + 1; i++) {
    counts = await Promise.all(servers.map(async (s) => ((await s.routez()).num_routes as number) ?? 0));
    if (counts.every((c) => c === want)) return;
    await sleep(50);
  }
  throw new Error(
    `cluster not formed after ${timeoutMs} ms: want ${want} routes per node, have ` +
      servers.map((s, i) => `${s.hostport}=${counts[i]}`).join(", ") +
      `\n--- first node output (tail) ---\n${servers[0]?.output ?? ""}`,
  );
}

/** Stops the given servers, or every server still running. Rejects with the first failure after trying all. */
export async function stopAll(servers: Iterable<NatsServer> = [...live]): Promise<void> {
  const results = await Promise.allSettled([...servers].map((s) => s.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * The nats-server binary: `$NATS_SERVER`, else `nats-server` on PATH, else
 * /usr/sbin/nats-server. Throws (never skips) if there is none.
 */
export function natsServerBinary(): string {
  if (binary) return binary;
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`NATS_SERVER=${fromEnv} is not an executable file. Fix it, or unset it and run \`node scripts/ensure-nats-server.mjs\`.`);
    }
    return (binary = fromEnv);
  }
  const candidates = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.join(d, "nats-server"))
    .concat("/usr/sbin/nats-server");
  const found = candidates.find(isExecutable);
  if (!found) {
    throw new Error(
      "nats-server not found (looked at $NATS_SERVER, PATH and /usr/sbin/nats-server). " +
        "Integration tests need a real server: run `node scripts/ensure-nats-server.mjs`, " +
        "or set NATS_SERVER=/path/to/nats-server.",
    );
  }
  return (binary = found);
}

/** Serializes a config object into nats-server config syntax. */
export function toConf(config: ServerConfig): string {
  return mapBody(config, "", "");
}

function mapBody(obj: ServerConfig, indent: string, where: string): string {
  let out = "";
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const k = confKey(key, where);
    const at = where ? `${where}.${key}` : key;
    out += isPlainObject(value) ? `${indent}${k} {\n${mapBody(value, indent + "  ", at)}${indent}}\n` : `${indent}${k}: ${confValue(value, indent, at)}\n`;
  }
  return out;
}

function confValue(value: unknown, indent: string, where: string): string {
  switch (typeof value) {
    case "string":
      return confString(value);
    case "boolean":
    case "bigint":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) throw new Error(`config ${where}: ${value} is not a finite number`);
      return String(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v, i) => `${inner}${confValue(v, inner, `${where}[${i}]`)}\n`).join("")}${indent}]`;
  }
  if (isPlainObject(value)) return `{\n${mapBody(value, indent + "  ", where)}${indent}}`;
  throw new Error(`config ${where}: cannot write ${value === null ? "null" : typeof value} (use undefined to leave a key out)`);
}

function confKey(key: string, where: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return key;
  // Quoted keys end at the next '"' and know no escapes.
  if (/["\\\x00-\x1f\x7f]/.test(key) || key === "") throw new Error(`config ${where || "(top)"}: key ${JSON.stringify(key)} cannot be written`);
  return `"${key}"`;
}

/** Double-quoted with the escapes the 2.9 lexer knows: \t \n \r \" \\ and \xNN. */
function confString(s: string): string {
  return `"${s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
    }
  })}"`;
}

function isPlainObject(v: unknown): v is ServerConfig {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The config with every port nats-server chose written in explicitly. */
function pinPorts(config: ServerConfig, ports: Ports): ServerConfig {
  const { port: _port, host: _host, net: _net, ...rest } = config;
  const out: ServerConfig = { ...rest, listen: `${ports.host}:${ports.nats}` };
  if (ports.monitoring !== undefined) {
    delete out.http_port;
    delete out.monitor_port;
    out.http = `${ports.host}:${ports.monitoring}`;
  }
  for (const key of ["cluster", "websocket"] as const) {
    const port = key === "cluster" ? ports.cluster : ports.websocket;
    if (port === undefined || !isPlainObject(config[key])) continue;
    const { port: _p, host: _h, ...block } = config[key];
    out[key] = { ...block, listen: `${ports.host}:${port}` };
  }
  return out;
}

/** Parses `<exe>_<pid>.ports`; undefined until it exists and is complete JSON. */
function readPortsFile(dir: string, pid: number): Ports | undefined {
  const name = safeReaddir(dir).find((f) => f.endsWith(`_${pid}.ports`));
  if (!name) return undefined;
  let json: Record<string, string[] | undefined>;
  try {
    json = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
  } catch {
    return undefined; // written with a plain os.WriteFile: may be caught half-written
  }
  const pick = (urls: string[] | undefined): URL | undefined => {
    const parsed = (urls ?? []).map((u) => new URL(u));
    return parsed.find((u) => u.hostname === "127.0.0.1") ?? parsed[0];
  };
  const nats = pick(json.nats);
  if (!nats) return undefined;
  const port = (u: URL | undefined): number | undefined => (u ? Number(u.port) : undefined);
  return {
    host: nats.hostname,
    nats: Number(nats.port),
    monitoring: port(pick(json.monitoring)),
    cluster: port(pick(json.cluster)),
    websocket: port(pick(json.websocket)),
  };
}

/** Linux: true once every thread in /proc/<pid>/task is in state T (stopped); true if /proc is unavailable. */
function allThreadsStopped(pid: number): boolean {
  const taskDir = `/proc/${pid}/task`;
  if (!existsSync(taskDir)) return true;
  return safeReaddir(taskDir).every((tid) => {
    // "<tid> (<comm>) <state> ...": comm may hold spaces or ')', so look after the last ')'.
    const stat = safeRead(path.join(taskDir, tid, "stat"));
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T";
  });
}

function isAddrInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "(unreadable)";
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", NatsServer.killAllSync);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      NatsServer.killAllSync();
      // Re-raise for the default action unless someone else (the test runner) handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}
