/** The official client, @nats-io/transport-node 3.4.0: default options, and with noAsyncTraces (its fastest setting). */
import { NatsLikeConn, type NatsLikeConnection } from "./nats-like.js";
import type { BenchConn } from "./types.js";

export async function connectOfficial(url: string, fast: boolean): Promise<BenchConn> {
  const { connect } = await import("@nats-io/transport-node");
  const nc = await connect({ servers: url, ...(fast ? { noAsyncTraces: true } : {}) });
  return new NatsLikeConn(nc as unknown as NatsLikeConnection);
}
