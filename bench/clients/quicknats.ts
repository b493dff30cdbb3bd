/**
 * quicknats with default options. publish() returns false above the outbound
 * high-water mark (8 MiB); the shared publish loop then awaits nc.ready().
 * The naive scenarios ignore the return value, as a program written for the
 * official client does.
 *
 * Two variants: `quicknats-otel`, the same connection instrumented with
 * @quicknats/otel (tracing on, see otel.ts), and `quicknats-base`, the
 * @quicknats/node of another commit (`--baseline <git-ref>`: run.ts builds it
 * and passes its entry in QUICKNATS_BASELINE_ENTRY).
 */
import { pathToFileURL } from "node:url";
import { NatsLikeConn, type NatsLikeConnection } from "./nats-like.js";
import { tracing } from "./otel.js";
import type { BenchConn } from "./types.js";

type Connect = (opts: { servers: string }) => Promise<unknown>;

function wrap(nc: unknown): BenchConn {
  return new NatsLikeConn(nc as NatsLikeConnection, (c) => (c as unknown as { ready(): Promise<void> }).ready());
}

export async function connectQuicknats(url: string): Promise<BenchConn> {
  const { connect } = await import("@quicknats/node");
  return wrap(await connect({ servers: url }));
}

export async function connectQuicknatsOtel(url: string): Promise<BenchConn> {
  const { connect } = await import("@quicknats/node");
  const nc = await connect({ servers: url });
  await tracing(nc);
  return wrap(nc);
}

/** The env variable run.ts sets to the baseline build's @quicknats/node ESM entry. */
export const BASELINE_ENV = "QUICKNATS_BASELINE_ENTRY";

export async function connectQuicknatsBaseline(url: string): Promise<BenchConn> {
  const entry = process.env[BASELINE_ENV];
  if (!entry) throw new Error(`quicknats-base needs ${BASELINE_ENV} (run with --baseline <git-ref>)`);
  const { connect } = (await import(pathToFileURL(entry).href)) as { connect: Connect };
  return wrap(await connect({ servers: url }));
}
