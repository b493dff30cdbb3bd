/**
 * Preloaded with `node --import ./test/helpers/redirect-demo.mjs` when the
 * examples test runs an example in a child process: the nats-core README's
 * examples dial demo.nats.io:4222 or 127.0.0.1:4222, and this sends those
 * connections to the test's nats-server instead, so the examples run unchanged.
 *
 *   QUICKNATS_REDIRECT_PORT=PORT          every connection to port 4222 of
 *                                         demo.nats.io, localhost, 127.0.0.1 or
 *                                         ::1 goes to 127.0.0.1:PORT
 *   QUICKNATS_REDIRECT_PORT=P1,P2,...     the n-th such connection goes to Pn
 *                                         (the last one repeats), for an example
 *                                         that needs two differently configured
 *                                         servers on "the same" address
 *   QUICKNATS_REDIRECT_CLOSED_PORT=PORT   where the other ports of those hosts go
 *                                         (default 1: nothing listens there, so
 *                                         they are refused at once, the way
 *                                         demo.nats.io:4442 fails, only faster)
 *
 * Other hosts are left alone. The patch is on `net.Socket.prototype.connect`:
 * in Node 20 `net.connect`/`net.createConnection` (what the Node transport
 * calls) build a Socket and call `socket.connect(normalizedArgs)` through the
 * prototype, and the patch also catches a direct `new Socket().connect()`.
 * Patching the `createConnection` export would miss ESM importers, which hold
 * their own binding of it.
 */
import dns from "node:dns";
import net from "node:net";

const NATS_PORT = 4222;
const REDIRECTED_HOSTS = new Set(["demo.nats.io", "localhost", "127.0.0.1", "::1", "[::1]"]);

function parsePort(raw, what) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`redirect-demo: ${what} must be a TCP port (1-65535), got "${raw}"`);
  }
  return n;
}

const raw = process.env.QUICKNATS_REDIRECT_PORT;
if (!raw) {
  // Loud on purpose: without it an example would talk to the real demo.nats.io.
  throw new Error("redirect-demo: QUICKNATS_REDIRECT_PORT is not set");
}
const targets = raw.split(",").map((p) => parsePort(p.trim(), "QUICKNATS_REDIRECT_PORT"));
const closedPort = parsePort(process.env.QUICKNATS_REDIRECT_CLOSED_PORT ?? "1", "QUICKNATS_REDIRECT_CLOSED_PORT");
let natsDials = 0;

/** The port a dial to host:port should go to instead, or undefined to leave it alone. */
function redirect(host, port) {
  const h = String(host ?? "localhost").toLowerCase(); // net's default host is localhost
  if (!REDIRECTED_HOSTS.has(h)) return undefined;
  if (Number(port) !== NATS_PORT) return closedPort;
  const target = targets[Math.min(natsDials, targets.length - 1)];
  natsDials++;
  return target;
}

// The client resolves hostnames itself before dialing (to try every address),
// so demo.nats.io must resolve without the network: to 127.0.0.1, which the
// socket patch below then redirects like any other 127.0.0.1:4222 dial.
const originalLookup = dns.promises.lookup;
dns.promises.lookup = function lookup(hostname, options) {
  if (String(hostname).toLowerCase() === "demo.nats.io") {
    const all = typeof options === "object" && options !== null && options.all;
    const entry = { address: "127.0.0.1", family: 4 };
    return Promise.resolve(all ? [entry] : entry);
  }
  return originalLookup.call(this, hostname, options);
};

const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(...args) {
  // The shapes Socket#connect accepts: the normalized [options, cb] array that
  // net.connect passes, (options[, cb]), (port[, host][, cb]) and (path[, cb]).
  let options;
  let cb;
  if (Array.isArray(args[0])) {
    [options, cb] = args[0];
  } else if (args[0] !== null && typeof args[0] === "object") {
    options = args[0];
    cb = args[1];
  } else if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    options = { port: args[0], host: typeof args[1] === "string" ? args[1] : undefined };
    cb = args.find((a) => typeof a === "function");
  }
  if (!options || options.path !== undefined || options.port === undefined) {
    return originalConnect.apply(this, args);
  }
  const port = redirect(options.host, options.port);
  if (port === undefined) return originalConnect.apply(this, args);
  // a copy: net.connect hands us the caller's own options object
  const moved = { ...options, host: "127.0.0.1", port };
  delete moved.family; // a family of 6 (for ::1) would not resolve 127.0.0.1
  return typeof cb === "function" ? originalConnect.call(this, moved, cb) : originalConnect.call(this, moved);
};
