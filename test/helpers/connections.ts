/**
 * Connections that close themselves when a test, or a test file, is over,
 * even when it failed half-way: a connection left open keeps reconnecting and
 * would hold the file's process (and its nats-server) alive.
 */
import { after, type TestContext } from "node:test";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@quicknats/node";

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
