/**
 * Connection options: defaults as in @nats-io/nats-core 3.4 and validation;
 * server strings are parsed by the transport's factory (`parseUrl`). The
 * caller's options object is never modified.
 */
import type { ConnectionOptions, ReconnectToServerHandler, TlsOptions } from "../types.js";
import { type Authenticator, authenticatorOf } from "../auth/authenticator.js";
import type { UrlCredentials } from "../auth/url-credentials.js";
import { argumentTypeError, InvalidArgumentError } from "../errors.js";
import { DEFAULT_MAX_CONTROL_LINE, utf8Length } from "../protocol/control-line.js";
import { checkInboxPrefix } from "../protocol/validate.js";
import { type DebugSink, debugSink } from "./debug.js";
import { DEFAULT_TCP_PORT } from "../transport/tcp-url.js";
import type { TransportFactory } from "../transport/transport.js";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = DEFAULT_TCP_PORT;
export const DEFAULT_TIMEOUT = 20_000;
export const DEFAULT_PING_INTERVAL = 120_000;
export const DEFAULT_MAX_PING_OUT = 2;
export const DEFAULT_INBOX_PREFIX = "_INBOX";
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = 10;
export const DEFAULT_RECONNECT_TIME_WAIT = 2000;
export const DEFAULT_JITTER = 100;
export const DEFAULT_JITTER_TLS = 1000;
/** bytes published while disconnected that are kept for the next connection (nats.go's default) */
export const DEFAULT_RECONNECT_BUF_SIZE = 8 * 1024 * 1024;
/**
 * Bytes accepted for sending but not yet written to the socket above which
 * publish() returns false and ready() waits (half of it). Without
 * `maxOutboundBytes` publishing past it still succeeds.
 */
export const DEFAULT_OUTBOUND_HIGH_WATER = 8 * 1024 * 1024;

/** `.` + nuid (22) + `.*` + a space + a sid of up to 16 digits, after the inbox prefix */
const INBOX_SUB_OVERHEAD = 1 + 22 + 2 + 1 + 16;

/** A server of the pool. */
export interface ServerAddress {
  hostname: string;
  port: number;
  /** `host:port` as it goes into status events and getServer() */
  listen: string;
  /** the string the user gave */
  src: string;
  /** a `tls://` URL: this server requires TLS */
  tls?: boolean;
  /** the full URL to dial, for transports that take URLs (websocket) */
  url?: string;
  /** `user:pass@` or `token@` in the URL: this server's CONNECT credentials */
  credentials?: UrlCredentials;
}

export interface ParsedOptions {
  servers: ServerAddress[];
  name?: string;
  noEcho: boolean;
  pedantic: boolean;
  verbose: boolean;
  timeout: number;
  /**
   * as given: undefined without one, as 3.4's `nc.options` has it (@nats-io/jetstream
   * reports it as its `watcherPrefix`); createInbox() gives "_INBOX" for it
   */
  inboxPrefix: string | undefined;
  /** the trace's sink, undefined when off */
  debug: DebugSink | undefined;
  pingInterval: number;
  maxPingOut: number;
  authenticator?: Authenticator;
  noRandomize: boolean;
  reconnect: boolean;
  maxReconnectAttempts: number;
  reconnectTimeWait: number;
  reconnectJitter: number;
  reconnectJitterTLS: number;
  reconnectDelayHandler: () => number;
  reconnectToServer?: ReconnectToServerHandler;
  waitOnFirstConnect: boolean;
  ignoreClusterUpdates: boolean;
  ignoreAuthErrorAbort: boolean;
  /** resolve hostnames to all their addresses on each dial */
  resolve: boolean;
  reconnectBufSize: number;
  /** the user set reconnectBufSize: past it publish() throws (past the default one, messages are dropped) */
  reconnectBufBound: boolean;
  /** the hard bound, only when the user set one */
  maxOutboundBytes: number | undefined;
  /** the server's max_control_line: longer PUB/HPUB/SUB lines are refused before they are sent */
  maxControlLine: number;
  /**
   * TLS: an object requires it (its fields go to the transport), null never
   * upgrades, undefined upgrades when the server asks for or offers TLS.
   */
  tls: TlsOptions | null | undefined;
}

/** 3.4's numeric options: each also taken as a string of digits, as 3.4 takes what JavaScript coerces (ours take numbers only). */
const NUMERIC = new Set([
  "port", "timeout", "pingInterval", "maxPingOut", "reconnectTimeWait", "reconnectJitter",
  "reconnectJitterTLS", "maxReconnectAttempts",
]);
const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

/** A number written as a string of digits (from the environment, say) as that number; anything else as it is. */
export function fromDigits(v: unknown): unknown {
  return typeof v === "string" && DECIMAL.test(v) ? Number(v) : v;
}

/**
 * What 3.4 accepts without meaning anything else, as the value it stands for
 * (configuration read from the environment or a file): a number written as a
 * string ("4222"), `null` for an option not given (except `tls`, where null
 * means "never TLS"), `tls: false` and `servers: ""` as not given, and
 * `timeout: 0` as the default, as 3.4's `timeout || 20000` reads it.
 */
function loosely(opts: ConnectionOptions | undefined): ConnectionOptions {
  const o: Record<string, unknown> = { ...(opts ?? {}) };
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === null && k !== "tls") delete o[k];
    else if (NUMERIC.has(k)) o[k] = fromDigits(v);
  }
  if (o.tls === false) delete o.tls;
  if (o.servers === "") delete o.servers;
  if (o.timeout === 0) delete o.timeout;
  return o as ConnectionOptions;
}

function nonNegative(name: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw InvalidArgumentError.format(name, "must be a number >= 0");
  }
  return v;
}

function positive(name: string, v: unknown, def: number): number {
  const n = nonNegative(name, v, def);
  if (n === 0) throw InvalidArgumentError.format(name, "must be > 0");
  return n;
}

/** Validates the options and fills in the defaults. */
export function parseOptions(
  opts: ConnectionOptions | undefined,
  factory: TransportFactory,
): ParsedOptions {
  const o = loosely(opts);

  const given = o.servers === undefined ? [] : Array.isArray(o.servers) ? o.servers : [o.servers];
  if (given.length > 0 && o.port !== undefined) {
    throw InvalidArgumentError.format(["servers", "port"], "are mutually exclusive");
  }
  let urls: string[];
  if (given.length > 0) {
    urls = given;
  } else if (o.port !== undefined) {
    if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535) {
      throw InvalidArgumentError.format("port", "must be an integer between 1 and 65535");
    }
    urls = [`${DEFAULT_HOST}:${o.port}`];
  } else {
    urls = [factory.defaultServer ?? `${DEFAULT_HOST}:${factory.defaultPort}`];
  }
  // each transport parses its own (host:port for TCP, URLs for websockets), so a bundle carries one parser
  const servers = urls.map((u) => factory.parseUrl(u));
  if (o.tls !== undefined && o.tls !== null && typeof o.tls !== "object") {
    throw InvalidArgumentError.format("tls", "must be an object of TLS options, or null");
  }
  let tls = o.tls;
  if (tls === null && servers.some((s) => s.tls)) {
    throw InvalidArgumentError.format(["tls", "servers"], "conflict: 'tls: null' with a tls:// server URL");
  }
  // a tls:// URL asks for TLS as `tls: {}` does
  if (tls === undefined && servers.some((s) => s.tls)) tls = {};
  if (!o.noRandomize) shuffle(servers);

  if (o.name !== undefined && typeof o.name !== "string") {
    throw InvalidArgumentError.format("name", "must be a string");
  }
  const timeout = nonNegative("timeout", o.timeout, DEFAULT_TIMEOUT);

  const inboxPrefix = o.inboxPrefix ?? DEFAULT_INBOX_PREFIX;
  // "" means the default, as createInbox("") does
  if (inboxPrefix !== "") checkInboxPrefix(inboxPrefix);
  const maxControlLine = o.maxControlLine ?? DEFAULT_MAX_CONTROL_LINE;
  if (!Number.isSafeInteger(maxControlLine) || maxControlLine < 1) {
    throw InvalidArgumentError.format("maxControlLine", "must be a positive integer (the server's max_control_line)");
  }
  // the request inbox is subscribed as `<prefix>.<22-char nuid>.* <sid>`: it must fit, with room for the sid
  if (utf8Length(inboxPrefix) + INBOX_SUB_OVERHEAD > maxControlLine) {
    throw InvalidArgumentError.format(
      "inboxPrefix",
      `is too long: the request inbox's SUB line would exceed the server's control-line limit (maxControlLine ${maxControlLine})`,
    );
  }

  const reconnectTimeWait = nonNegative("reconnectTimeWait", o.reconnectTimeWait, DEFAULT_RECONNECT_TIME_WAIT);
  const reconnectJitter = nonNegative("reconnectJitter", o.reconnectJitter, DEFAULT_JITTER);
  const reconnectJitterTLS = nonNegative("reconnectJitterTLS", o.reconnectJitterTLS, DEFAULT_JITTER_TLS);
  let reconnectDelayHandler: () => number;
  if (o.reconnectDelayHandler !== undefined) {
    if (typeof o.reconnectDelayHandler !== "function") {
      throw argumentTypeError("'reconnectDelayHandler' must be a function");
    }
    reconnectDelayHandler = o.reconnectDelayHandler;
  } else {
    const jitter = tls ? reconnectJitterTLS : reconnectJitter;
    reconnectDelayHandler = () => reconnectTimeWait + Math.floor(Math.random() * (jitter + 1));
  }
  if (o.reconnectToServer !== undefined && typeof o.reconnectToServer !== "function") {
    throw argumentTypeError("'reconnectToServer' must be a function");
  }
  const maxReconnectAttempts = o.maxReconnectAttempts ?? DEFAULT_MAX_RECONNECT_ATTEMPTS;
  if (!Number.isInteger(maxReconnectAttempts) || maxReconnectAttempts < -1) {
    throw InvalidArgumentError.format("maxReconnectAttempts", "must be -1 (forever) or an integer >= 0");
  }
  // `noResolve: true` is the nats-core README's spelling of `resolve: false`
  let resolve = factory.resolve !== undefined;
  if (o.resolve !== undefined || o.noResolve !== undefined) {
    const want = o.resolve !== undefined ? o.resolve !== false : o.noResolve !== true;
    if (want && factory.resolve === undefined) {
      throw InvalidArgumentError.format("resolve", "is not supported in the current runtime");
    }
    resolve = want;
  }

  return {
    servers,
    name: o.name,
    noEcho: o.noEcho === true,
    pedantic: o.pedantic === true,
    verbose: o.verbose === true,
    timeout,
    inboxPrefix: o.inboxPrefix ?? undefined,
    debug: debugSink(o.debug),
    pingInterval: nonNegative("pingInterval", o.pingInterval, DEFAULT_PING_INTERVAL),
    maxPingOut: nonNegative("maxPingOut", o.maxPingOut, DEFAULT_MAX_PING_OUT),
    authenticator: authenticatorOf(o),
    noRandomize: o.noRandomize === true,
    reconnect: o.reconnect !== false,
    maxReconnectAttempts,
    reconnectTimeWait,
    reconnectJitter,
    reconnectJitterTLS,
    reconnectDelayHandler,
    reconnectToServer: o.reconnectToServer,
    waitOnFirstConnect: o.waitOnFirstConnect === true,
    ignoreClusterUpdates: o.ignoreClusterUpdates === true,
    ignoreAuthErrorAbort: o.ignoreAuthErrorAbort === true,
    resolve,
    reconnectBufSize: nonNegative("reconnectBufSize", o.reconnectBufSize, DEFAULT_RECONNECT_BUF_SIZE),
    reconnectBufBound: o.reconnectBufSize !== undefined,
    maxOutboundBytes: o.maxOutboundBytes === undefined ? undefined : positive("maxOutboundBytes", o.maxOutboundBytes, 0),
    maxControlLine,
    tls,
  };
}

/** True if any of `opts.servers` is a `ws://` or `wss://` URL (case-insensitive). */
export function hasWsProtocol(opts?: ConnectionOptions): boolean {
  const servers = opts?.servers;
  if (servers === undefined || servers === null) return false;
  const list = typeof servers === "string" ? [servers] : servers;
  for (const s of list) {
    if (typeof s !== "string") continue;
    const lower = s.toLowerCase();
    if (lower.startsWith("ws://") || lower.startsWith("wss://")) return true;
  }
  return false;
}

/** True for an IPv4 or IPv6 address (no DNS lookup, no SNI). */
export function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** Fisher-Yates, in place. */
export function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
