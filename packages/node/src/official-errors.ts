/**
 * The bridge to @nats-io/nats-core's error classes (core's
 * compat/official-errors.ts says how and why) over Node's CommonJS module
 * cache from `node:module`, which every Node 20 has: core finds the cache
 * itself only from Node 20.16 (`process.getBuiltinModule`).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { bridgeOfficialErrors as bridgeIn, type ModuleCache } from "@quicknats/core/internal";

/** null until looked up (once: one cache per process, whatever path it is asked from) */
let cache: ModuleCache | undefined | null = null;

/** Bridges every loaded copy of nats-core's errors not yet bridged; never throws. */
export function bridgeOfficialErrors(): void {
  if (cache === null) {
    try {
      cache = createRequire(join(process.cwd(), "noop.js")).cache;
    } catch {
      cache = undefined;
    }
  }
  bridgeIn(cache);
}
