/**
 * Connections that close themselves when a test, or a test file, is over,
 * even when it failed half-way: a connection left open keeps reconnecting and
 * would hold the file's process (and its nats-server) alive.
 */
import { after, before, type TestContext } from "node:test";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@quicknats/node";
import { NatsServer, type ServerConfig } from "./nats-server.js";

/** connect(), closed when test `t` ends. */
export async function connectFor(t: TestContext, opts: NodeConnectionOptions): Promise<NatsConnection> {
  const nc = await connect(opts);
  t.after(() => nc.close());
  return nc;
}

/**
 * A connect() whose connections are all closed after the file's last test.
 * Call it once, at the top of a test file.
 */
export function connectForFile(): (opts: NodeConnectionOptions) => Promise<NatsConnection> {
  const open: NatsConnection[] = [];
  after(async () => {
    await Promise.allSettled(open.map((nc) => nc.close()));
  });
  return async (opts) => {
    const nc = await connect(opts);
    open.push(nc);
    return nc;
  };
}

/**
 * Registers hooks in the calling describe() (or at a file's top level) that
 * start a nats-server with `config` and open `count` connections to it before
 * the first test, then hand both to `ready`, which keeps them and may prepare
 * them (subscriptions, instrumentation). After the last test the connections
 * close and the server stops, even when a test failed half-way.
 */
export function serverWithConnections(
  config: ServerConfig,
  count: number,
  ready: (srv: NatsServer, conns: NatsConnection[]) => void | Promise<void>,
): void {
  let srv: NatsServer | undefined;
  const conns: NatsConnection[] = [];
  before(async () => {
    srv = await NatsServer.start(config);
    for (let i = 0; i < count; i++) conns.push(await connect({ servers: srv.url }));
    await ready(srv, conns);
  });
  after(async () => {
    await Promise.allSettled(conns.map((nc) => nc.close()));
    await srv?.stop();
  });
}
