/** The previous official client, nats@2.29.3, with default options. */
import { NatsLikeConn, type NatsLikeConnection } from "./nats-like.js";
import type { BenchConn } from "./types.js";

export async function connectNats2(url: string): Promise<BenchConn> {
  const { connect } = await import("nats");
  const nc = await connect({ servers: url });
  return new NatsLikeConn(nc as unknown as NatsLikeConnection);
}
