/**
 * quicknats with default options. When the socket cannot keep up, publish()
 * throws a ConnectionError "outbound buffer full" instead of buffering without
 * bound; the publisher awaits nc.ready() and publishes the same message again.
 */
import { NatsLikeConn, type NatsLikeConnection } from "./nats-like.js";
import type { BenchConn } from "./types.js";

function isBufferFull(err: unknown): boolean {
  return err instanceof Error && err.name === "ConnectionError" && /outbound buffer full/i.test(err.message);
}

function ready(nc: NatsLikeConnection): Promise<void> {
  const withReady = nc as NatsLikeConnection & { ready?: () => Promise<void> };
  // ready() comes with the backpressure work; until then a flush is the closest wait
  return typeof withReady.ready === "function" ? withReady.ready() : nc.flush();
}

export async function connectQuicknats(url: string): Promise<BenchConn> {
  const { connect } = await import("@quicknats/node");
  const nc = await connect({ servers: url });
  return new NatsLikeConn(nc as unknown as NatsLikeConnection, { isBackpressure: isBufferFull, ready });
}
