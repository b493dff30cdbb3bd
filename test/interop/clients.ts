/**
 * The two connections every interop test runs on: quicknats, and the official
 * transport (@nats-io/transport-node 3.4) as the reference. Each suite is
 * written once and runs for both (`for (const client of CLIENTS)`), so a
 * difference between them shows as a failing test for one of a pair.
 */
import { after, before } from "node:test";
import { connect as quicknatsConnect } from "@quicknats/node";
import { connect as officialConnect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { NatsServer, type ServerConfig } from "../helpers/nats-server.js";
import { within } from "../helpers/wait.js";

export interface Client {
  name: "quicknats" | "official";
  /** connects to 127.0.0.1:`port`; the official libraries take the result unchanged */
  connect(opts: { port: number; reconnectTimeWait?: number; maxReconnectAttempts?: number }): Promise<NatsConnection>;
}

export const CLIENTS: Client[] = [
  // no cast: a quicknats connection type-checks as the official NatsConnection
  { name: "quicknats", connect: (opts) => quicknatsConnect(opts) },
  { name: "official", connect: (opts) => officialConnect(opts) },
];

/** A nats-server with JetStream on, storing in a fresh dir of its own. */
export function startJetStream(config: ServerConfig = {}): Promise<NatsServer> {
  return NatsServer.start({ jetstream: { max_memory_store: 256 * 1024 * 1024, max_file_store: 1024 * 1024 * 1024 }, ...config });
}

/** The server and the connection that the tests of one describe() share. */
export interface SuiteConnection {
  readonly srv: NatsServer;
  readonly nc: NatsConnection;
}

/**
 * Registers, in the calling describe(), the hooks that start a server with `start`
 * and connect `client` to it before the tests, then run `setup` on that connection
 * (streams, buckets, services); after the tests, `teardown` runs while the
 * connection is still open, then the connection closes and the server stops.
 * The returned object is filled in by the time the first test runs.
 */
export function suiteConnection(
  client: Client,
  start: () => Promise<NatsServer>,
  hooks: { setup?(nc: NatsConnection): Promise<void>; teardown?(): Promise<void> } = {},
): SuiteConnection {
  const shared = {} as { srv: NatsServer; nc: NatsConnection };
  before(async () => {
    shared.srv = await start();
    shared.nc = await client.connect({ port: shared.srv.port });
    await hooks.setup?.(shared.nc);
  });
  after(async () => {
    await hooks.teardown?.();
    await shared.nc?.close();
    await shared.srv?.stop();
  });
  return shared;
}

/** Every item of an async iterable, until `n` are in (then the loop is left). */
export async function take<T>(iter: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n <= 0) return out;
  for await (const v of iter) {
    out.push(v);
    if (out.length >= n) break;
  }
  return out;
}

/**
 * Every value of an iterator that ends by itself (a KV history, keys or list,
 * a JetStream fetch), bounded in time; `each` runs on each value as it comes.
 */
export async function all<T>(
  iterator: Promise<AsyncIterable<T>> | AsyncIterable<T>,
  what: string,
  each?: (v: T) => void,
): Promise<T[]> {
  const out: T[] = [];
  await within((async () => {
    for await (const v of await iterator) {
      out.push(v);
      each?.(v);
    }
  })(), 10_000, what);
  return out;
}
