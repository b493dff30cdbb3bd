/**
 * Server addresses of the TCP transports: `host`, `host:port`,
 * `nats://host:port`, `tls://host:port`, `[::1]:4222`. In its own module so a
 * websocket-only bundle leaves it out.
 */
import { InvalidArgumentError, serverUrlError } from "../errors.js";
import { splitUserinfo } from "../auth/url-credentials.js";
import type { ServerAddress } from "../connection/options.js";

/** The NATS client port. */
export const DEFAULT_TCP_PORT = 4222;

/** `TransportFactory.parseUrl` of a TCP transport: websocket URLs are refused with a pointer to `wsconnect()`. */
export function parseTcpUrl(url: string): ServerAddress {
  checkTcpUrl(url);
  return parseServer(url, DEFAULT_TCP_PORT);
}

/** Parses `host`, `host:port`, `nats://host:port`, `[::1]:4222`, with `user:pass@` or `token@` before the host. */
export function parseServer(src: string, defaultPort: number): ServerAddress {
  if (typeof src !== "string" || src.trim() === "") {
    throw serverUrlError("entries must be non-empty strings");
  }
  let rest = src.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s !== "nats" && s !== "tls") {
      throw serverUrlError(`has an unsupported URL scheme '${s}://' (use host:port or nats://host:port)`);
    }
    rest = rest.slice(scheme[0].length);
  }
  const { rest: address, credentials } = splitUserinfo(rest);
  // what the pool keeps and errors quote: the credentials removed
  if (credentials) src = (scheme ? scheme[0] : "") + address;
  rest = address.replace(/\/+$/, "");
  if (rest.includes("/") || /\s/.test(rest)) {
    throw serverUrlError(`entry is not a host:port: '${src}'`);
  }
  let hostname: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]");
    if (end < 0) throw serverUrlError(`has an unterminated IPv6 address: '${src}'`);
    hostname = rest.slice(1, end);
    const after = rest.slice(end + 1);
    if (after.startsWith(":")) portText = after.slice(1);
    else if (after !== "") throw serverUrlError(`entry is not a host:port: '${src}'`);
  } else {
    const colons = rest.split(":").length - 1;
    if (colons > 1) {
      // a bare IPv6 address (a list in one string, "a:1,b:2", is none)
      if (!/^[0-9a-f:.]+(%[\w.-]+)?$/i.test(rest)) throw serverUrlError(`entry is not a host:port: '${src}'`);
      hostname = rest;
    } else if (colons === 1) {
      const i = rest.indexOf(":");
      hostname = rest.slice(0, i);
      portText = rest.slice(i + 1);
    } else {
      hostname = rest;
    }
  }
  if (hostname === "") throw serverUrlError(`entry has no host: '${src}'`);
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw serverUrlError(`entry has an invalid port: '${src}'`);
    }
    port = Number(portText);
  }
  const listen = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  const addr: ServerAddress = { hostname, port, listen, src };
  if (scheme && scheme[1].toLowerCase() === "tls") addr.tls = true;
  if (credentials) addr.credentials = credentials;
  return addr;
}

function checkTcpUrl(url: string): void {
  if (/^wss?:\/\//i.test(url.trim())) {
    throw InvalidArgumentError.format("servers", `'${url}' is a websocket URL: this transport speaks TCP; use wsconnect() for websockets`);
  }
}
