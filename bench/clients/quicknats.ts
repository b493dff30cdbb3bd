/**
 * quicknats with default options. publish() returns false above the outbound
 * high-water mark (8 MiB); the shared publish loop then awaits nc.ready().
 * The naive scenarios ignore the return value, as a program written for the
 * official client does.
 */
import { NatsLikeConn, type NatsLikeConnection } from "./nats-like.js";
import type { BenchConn } from "./types.js";

export async function connectQuicknats(url: string): Promise<BenchConn> {
  const { connect } = await import("@quicknats/node");
  const nc = await connect({ servers: url });
  return new NatsLikeConn(nc as unknown as NatsLikeConnection, (c) => (c as unknown as { ready(): Promise<void> }).ready());
}
